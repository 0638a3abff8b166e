package pki

import (
	"fmt"
	"net"
	"net/url"
	"strings"
)

// The one rule for Subject Alternative Names: the CLI's flags, the TUI's
// form, CSRs and the issue policy all parse and check SANs here.

// Limits on names, so outside input (a CSR with 200,000 SANs) cannot make
// a certificate no client will parse or a store no one can list.
const (
	// MaxSANs is the most SANs one certificate may carry.
	MaxSANs = 1000
	// MaxDNSLen is a DNS name's limit in octets (RFC 1035).
	MaxDNSLen = 253
	// MaxLabelLen is a DNS label's limit in octets (RFC 1035).
	MaxLabelLen = 63
	// MaxEmailLen is an e-mail address's limit (RFC 5321 path limit).
	MaxEmailLen = 254
	// MaxURILen bounds a URI SAN.
	MaxURILen = 2048
)

// SANs are the subject alternative names of a certificate or request.
type SANs struct {
	DNS    []string
	IPs    []net.IP
	Emails []string
	URIs   []*url.URL
}

// Count is the number of names.
func (s SANs) Count() int { return len(s.DNS) + len(s.IPs) + len(s.Emails) + len(s.URIs) }

// SANError names the SAN that is wrong: its kind (dns, ip, email, uri,
// san for the list as a whole), the value and what was expected.
type SANError struct {
	Kind   string
	Value  string
	Reason string
}

func (e *SANError) Error() string {
	if e.Value == "" {
		return fmt.Sprintf("%s: %s", e.Kind, e.Reason)
	}
	return fmt.Sprintf("%s %q: %s", e.Kind, quoteLong(e.Value), e.Reason)
}

// quoteLong keeps an error about a huge value readable.
func quoteLong(s string) string {
	if len(s) > 80 {
		return s[:77] + "..."
	}
	return s
}

// ParseSANs parses names as users type them, one value each, and checks
// them with Check.
func ParseSANs(dns, ips, emails, uris []string) (SANs, error) {
	s := SANs{DNS: dns, Emails: emails}
	for _, v := range ips {
		ip := net.ParseIP(v)
		if ip == nil {
			return SANs{}, &SANError{"ip", v, "not an IP address (expected e.g. 127.0.0.1 or ::1)"}
		}
		s.IPs = append(s.IPs, ip)
	}
	for _, v := range uris {
		if len(v) > MaxURILen {
			return SANs{}, &SANError{"uri", v, fmt.Sprintf("longer than %d characters", MaxURILen)}
		}
		u, err := url.Parse(v)
		if err != nil || u.Scheme == "" {
			return SANs{}, &SANError{"uri", v, "not an absolute URI (expected e.g. spiffe://example.org/web)"}
		}
		s.URIs = append(s.URIs, u)
	}
	return s, s.Check()
}

// Check applies the syntax rules and limits to every name.
func (s SANs) Check() error {
	if n := s.Count(); n > MaxSANs {
		return &SANError{"san", "", fmt.Sprintf("%d names, more than the limit of %d", n, MaxSANs)}
	}
	for _, d := range s.DNS {
		if err := CheckDNSName(d); err != nil {
			return err
		}
	}
	for _, e := range s.Emails {
		if err := CheckEmail(e); err != nil {
			return err
		}
	}
	for _, u := range s.URIs {
		if u == nil {
			return &SANError{"uri", "", "empty URI"}
		}
		v := u.String()
		if len(v) > MaxURILen {
			return &SANError{"uri", v, fmt.Sprintf("longer than %d characters", MaxURILen)}
		}
		if u.Scheme == "" {
			return &SANError{"uri", v, "not an absolute URI (expected e.g. spiffe://example.org/web)"}
		}
		if hasControlOrSpace(v) {
			return &SANError{"uri", v, "contains a space or control character"}
		}
	}
	return nil
}

// CheckDNSName applies RFC 1035's preferred syntax as certificates use it
// (RFC 5280 4.2.1.6): labels of letters, digits and hyphens, not starting
// or ending with a hyphen, at most 63 octets each and 253 in all; a
// wildcard only as the whole leftmost label ("*.example.com"); no trailing
// dot. Internationalised names go in their A-label form (xn--...).
func CheckDNSName(d string) error {
	bad := func(why string) error { return &SANError{"dns", d, why} }
	switch {
	case d == "":
		return bad("empty DNS name")
	case len(d) > MaxDNSLen:
		return bad(fmt.Sprintf("longer than %d characters", MaxDNSLen))
	case strings.HasSuffix(d, "."):
		return bad("ends with a dot (write the name without it)")
	}
	labels := strings.Split(d, ".")
	for i, l := range labels {
		if l == "*" && i == 0 && len(labels) > 1 {
			continue
		}
		if l == "" {
			return bad("has an empty label (two dots in a row or a leading dot)")
		}
		if len(l) > MaxLabelLen {
			return bad(fmt.Sprintf("label %q is longer than %d characters", quoteLong(l), MaxLabelLen))
		}
		if l[0] == '-' || l[len(l)-1] == '-' {
			return bad(fmt.Sprintf("label %q starts or ends with a hyphen", l))
		}
		for j := 0; j < len(l); j++ {
			c := l[j]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				if c == '*' {
					return bad("a wildcard is only allowed as the whole leftmost label (*.example.com)")
				}
				return bad(fmt.Sprintf("character %q is not allowed (letters, digits, hyphens and dots; xn-- for international names)", rune(c)))
			}
		}
	}
	return nil
}

// CheckEmail accepts local@domain with a DNS-name domain and a local part
// without spaces or control characters.
func CheckEmail(e string) error {
	bad := func(why string) error { return &SANError{"email", e, why} }
	if len(e) > MaxEmailLen {
		return bad(fmt.Sprintf("longer than %d characters", MaxEmailLen))
	}
	local, domain, ok := strings.Cut(e, "@")
	if !ok || local == "" || strings.Contains(domain, "@") {
		return bad("not an e-mail address (expected name@example.com)")
	}
	if hasControlOrSpace(local) {
		return bad("the local part contains a space or control character")
	}
	if err := CheckDNSName(domain); err != nil || strings.Contains(domain, "*") {
		return bad(fmt.Sprintf("the domain %q is not a DNS name", domain))
	}
	return nil
}

func hasControlOrSpace(s string) bool {
	for _, r := range s {
		if r <= ' ' || r == 0x7f {
			return true
		}
	}
	return false
}

// ClassifySANs sorts names typed in one list (the CLI's --san, the issue
// form's one SAN field) by kind: an IP address is an IP SAN, a value with a
// scheme (spiffe://…, urn:…) a URI, a value with an @ an e-mail address, and
// anything else a DNS name, which Check then holds to the DNS syntax.
func ClassifySANs(values []string) (dns, ips, emails, uris []string) {
	for _, v := range values {
		switch {
		case net.ParseIP(v) != nil:
			ips = append(ips, v)
		case strings.Contains(v, ":"):
			uris = append(uris, v)
		case strings.Contains(v, "@"):
			emails = append(emails, v)
		default:
			dns = append(dns, v)
		}
	}
	return dns, ips, emails, uris
}

// ParseSANList is ParseSANs over one mixed list sorted by ClassifySANs.
func ParseSANList(values []string) (SANs, error) {
	return ParseSANs(ClassifySANs(values))
}
