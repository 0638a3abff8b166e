package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"net"
	"slices"
	"strings"
	"unicode/utf8"
)

// The issue policy: what a CA of this store signs. issue, sign and the TUI
// all reach it through the store's one issue path, on the final request
// (after a CSR's names are taken over), so a CSR cannot get past a rule
// the issue command keeps.

// Key-size floors: below them a key is refused whatever the profile.
const (
	MinRSABits = 2048
	MinECBits  = 256
)

// PolicyRule names which rule refused a request, for callers that branch.
type PolicyRule string

const (
	RuleKeySize        PolicyRule = "key-size"
	RuleNameConstraint PolicyRule = "name-constraint"
)

// PolicyError says which rule refused a request, the value at fault and,
// for a name constraint, the CA whose constraint it is.
type PolicyError struct {
	Rule   PolicyRule
	Value  string
	CA     string
	Reason string
}

func (e *PolicyError) Error() string {
	if e.CA != "" {
		return fmt.Sprintf("%s: %s %s (CA %s)", e.Rule, quoteLong(e.Value), e.Reason, e.CA)
	}
	return fmt.Sprintf("%s: %s %s", e.Rule, e.Value, e.Reason)
}

// CheckPolicy checks a request before a CA signs it: the request's own
// rules (Validate: profile, SAN syntax, SAN count and name lengths), the
// key size, and the name constraints of every CA in chain (the issuing CA
// first, up to its root; RFC 5280 4.2.1.10: each constraint binds every
// certificate below it).
func CheckPolicy(r Request, chain []*x509.Certificate) error {
	if err := r.Validate(); err != nil {
		return err
	}
	if err := CheckKeySize(r.PublicKey); err != nil {
		return err
	}
	if err := checkSubjectLengths(r.Subject); err != nil {
		return err
	}
	sans := SANs{DNS: r.DNS, IPs: r.IPs, Emails: r.Emails, URIs: r.URIs}
	for _, ca := range chain {
		if err := checkConstraints(sans, ca); err != nil {
			return err
		}
	}
	return nil
}

// Upper bounds of subject attributes (RFC 5280 Appendix A: ub-common-name
// and friends); any other attribute is held to MaxAttributeLen.
var attributeBounds = map[string]int{
	"2.5.4.3": 64, "2.5.4.10": 64, "2.5.4.11": 64, "2.5.4.7": 128, "2.5.4.8": 128, "2.5.4.6": 2,
}

// MaxAttributeLen bounds a subject attribute without a bound of its own.
const MaxAttributeLen = 256

// RuleNameLength refuses a subject attribute past its upper bound.
const RuleNameLength PolicyRule = "name-length"

func checkSubjectLengths(n pkix.Name) error {
	// Names holds every attribute of a parsed subject (a CSR's), ExtraNames
	// those of a typed one, and the RDN sequence the fields.
	all := append(append([]pkix.AttributeTypeAndValue{}, n.Names...), n.ExtraNames...)
	for _, set := range n.ToRDNSequence() {
		all = append(all, set...)
	}
	for _, atv := range all {
		limit, ok := attributeBounds[atv.Type.String()]
		if !ok {
			limit = MaxAttributeLen
		}
		if n := utf8.RuneCountInString(fmt.Sprint(atv.Value)); n > limit {
			return &PolicyError{Rule: RuleNameLength, Value: fmt.Sprintf("subject attribute %s (%d characters)", oidName(atv.Type), n),
				Reason: fmt.Sprintf("is longer than its upper bound of %d (RFC 5280 Appendix A)", limit)}
		}
	}
	return nil
}

// CheckKeySize refuses keys below the floors and key types pkibench does
// not issue for.
func CheckKeySize(pub crypto.PublicKey) error {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if n := k.N.BitLen(); n < MinRSABits {
			return &PolicyError{Rule: RuleKeySize, Value: fmt.Sprintf("RSA %d", n), Reason: fmt.Sprintf("is below the %d-bit floor", MinRSABits)}
		}
	case *ecdsa.PublicKey:
		if n := k.Curve.Params().BitSize; n < MinECBits {
			return &PolicyError{Rule: RuleKeySize, Value: fmt.Sprintf("EC %s", k.Curve.Params().Name), Reason: fmt.Sprintf("is below the %d-bit floor (use P-256 or P-384)", MinECBits)}
		}
	case ed25519.PublicKey:
	default:
		return &PolicyError{Rule: RuleKeySize, Value: fmt.Sprintf("%T", pub), Reason: "is not a key type pkibench issues for (RSA, ECDSA, Ed25519)"}
	}
	return nil
}

// checkConstraints applies one CA's permitted and excluded subtrees.
func checkConstraints(s SANs, ca *x509.Certificate) error {
	caName := FormatName(ca.Subject)
	refuse := func(v, why string) error {
		return &PolicyError{Rule: RuleNameConstraint, Value: v, CA: caName, Reason: why}
	}
	for _, d := range s.DNS {
		if c, ok := anyMatch(d, ca.ExcludedDNSDomains, dnsInSubtree, wildcardCovers); ok {
			return refuse(d, fmt.Sprintf("is inside the excluded subtree %q", c))
		}
		if len(ca.PermittedDNSDomains) > 0 {
			if _, ok := anyMatch(d, ca.PermittedDNSDomains, dnsInSubtree, nil); !ok {
				return refuse(d, fmt.Sprintf("is outside the permitted subtrees %s", strings.Join(ca.PermittedDNSDomains, ", ")))
			}
		}
	}
	for _, ip := range s.IPs {
		for _, n := range ca.ExcludedIPRanges {
			if ipIn(ip, n) {
				return refuse(ip.String(), fmt.Sprintf("is inside the excluded range %s", n))
			}
		}
		if len(ca.PermittedIPRanges) > 0 && !slices.ContainsFunc(ca.PermittedIPRanges, func(n *net.IPNet) bool { return ipIn(ip, n) }) {
			return refuse(ip.String(), fmt.Sprintf("is outside the permitted ranges %s", ipNets(ca.PermittedIPRanges)))
		}
	}
	for _, e := range s.Emails {
		if c, ok := anyMatch(e, ca.ExcludedEmailAddresses, emailInSubtree, nil); ok {
			return refuse(e, fmt.Sprintf("is inside the excluded subtree %q", c))
		}
		if len(ca.PermittedEmailAddresses) > 0 {
			if _, ok := anyMatch(e, ca.PermittedEmailAddresses, emailInSubtree, nil); !ok {
				return refuse(e, fmt.Sprintf("is outside the permitted subtrees %s", strings.Join(ca.PermittedEmailAddresses, ", ")))
			}
		}
	}
	for _, u := range s.URIs {
		host := u.Hostname()
		if len(ca.PermittedURIDomains)+len(ca.ExcludedURIDomains) > 0 && (host == "" || net.ParseIP(host) != nil) {
			return refuse(u.String(), "has no domain name to check against the CA's URI constraints")
		}
		if c, ok := anyMatch(host, ca.ExcludedURIDomains, uriHostInSubtree, nil); ok {
			return refuse(u.String(), fmt.Sprintf("is inside the excluded subtree %q", c))
		}
		if len(ca.PermittedURIDomains) > 0 {
			if _, ok := anyMatch(host, ca.PermittedURIDomains, uriHostInSubtree, nil); !ok {
				return refuse(u.String(), fmt.Sprintf("is outside the permitted subtrees %s", strings.Join(ca.PermittedURIDomains, ", ")))
			}
		}
	}
	return nil
}

// anyMatch returns the first constraint that name falls in (or, with
// also, that a wildcard name covers).
func anyMatch(name string, constraints []string, in func(name, c string) bool, also func(name, c string) bool) (string, bool) {
	for _, c := range constraints {
		if in(name, c) || (also != nil && also(name, c)) {
			return c, true
		}
	}
	return "", false
}

// dnsInSubtree: "example.com" holds itself and every name below it;
// ".example.com" only the names below it; "" holds everything.
func dnsInSubtree(name, c string) bool {
	name, c = strings.ToLower(name), strings.ToLower(c)
	switch {
	case c == "":
		return true
	case strings.HasPrefix(c, "."):
		return strings.HasSuffix(name, c)
	}
	return name == c || strings.HasSuffix(name, "."+c)
}

// wildcardCovers: "*.example.com" would answer for "a.example.com", so an
// excluded "a.example.com" refuses it too.
func wildcardCovers(name, c string) bool {
	base, ok := strings.CutPrefix(strings.ToLower(name), "*.")
	if !ok {
		return false
	}
	label, parent, ok := strings.Cut(strings.TrimPrefix(strings.ToLower(c), "."), ".")
	return ok && label != "" && parent == base
}

// emailInSubtree: "a@example.com" is one mailbox; ".example.com" the
// domains below; "example.com" that domain's mailboxes.
func emailInSubtree(e, c string) bool {
	if strings.Contains(c, "@") {
		return strings.EqualFold(e, c)
	}
	_, domain, _ := strings.Cut(e, "@")
	domain, c = strings.ToLower(domain), strings.ToLower(c)
	if strings.HasPrefix(c, ".") {
		return strings.HasSuffix(domain, c)
	}
	return domain == c
}

// uriHostInSubtree: ".example.com" the hosts below; "example.com" that host.
func uriHostInSubtree(host, c string) bool {
	host, c = strings.ToLower(host), strings.ToLower(c)
	if strings.HasPrefix(c, ".") {
		return strings.HasSuffix(host, c)
	}
	return host == c
}

func ipIn(ip net.IP, n *net.IPNet) bool { return n.Contains(ip) }

func ipNets(ns []*net.IPNet) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = n.String()
	}
	return strings.Join(s, ", ")
}

// oidName is an attribute's short name (CN, O, ...), or its OID.
func oidName(oid asn1.ObjectIdentifier) string {
	if k, ok := oidShort[oid.String()]; ok {
		return k
	}
	return oid.String()
}
