package verify

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
)

// What Go's chain builder leaves out of RFC 5280 path validation, added
// around it: directoryName and otherName name constraints (Go calls a
// critical name-constraints extension with such subtrees unhandled and
// refuses the CA), and the exemption of self-issued intermediates from
// path length constraints (RFC 5280 6.1.4 l). Go's TLS stack still refuses
// such CAs in a handshake; verify answers what RFC 5280 says.

// ncExtra are the subtrees of one CA that Go does not handle.
type ncExtra struct {
	permittedDir, excludedDir     []pkix.RDNSequence
	permittedOther, excludedOther []string // otherName type-id OIDs
}

// prepared are the trust anchors and intermediates as handed to Go, with
// copies standing in for the CAs whose constraints verify checks itself.
type prepared struct {
	roots, inters []*x509.Certificate
	extra         map[*x509.Certificate]*ncExtra
	pathLen       map[*x509.Certificate]int               // original pathLenConstraint of relaxed copies
	nc            map[*x509.Certificate]*x509.Certificate // copies without DNS/IP/e-mail/URI constraints -> originals
}

func prepare(opts Options) *prepared {
	p := &prepared{extra: map[*x509.Certificate]*ncExtra{}, pathLen: map[*x509.Certificate]int{}}
	p.roots = p.substitute(opts.Roots)
	p.inters = p.substitute(opts.Intermediates)
	return p
}

func (p *prepared) substitute(certs []*x509.Certificate) []*x509.Certificate {
	out := make([]*x509.Certificate, len(certs))
	for i, c := range certs {
		out[i] = c
		if c == nil || len(c.UnhandledCriticalExtensions) != 1 || !c.UnhandledCriticalExtensions[0].Equal(oidNameConstraints) {
			continue
		}
		e := findExt(c, oidNameConstraints)
		if e == nil {
			continue
		}
		nx, err := parseNCExtra(e.Value)
		if err != nil {
			continue
		}
		cp := *c
		cp.UnhandledCriticalExtensions = nil
		out[i] = &cp
		p.extra[&cp] = nx
	}
	return out
}

// relaxPathLen replaces every CA with a path length constraint by a copy
// without it, remembering the constraint, so that Go builds the chains
// and pathLenCheck applies RFC 5280's rule to them.
func (p *prepared) relaxPathLen() {
	relax := func(certs []*x509.Certificate) {
		for i, c := range certs {
			if c == nil || !c.BasicConstraintsValid || (c.MaxPathLen < 0 || (c.MaxPathLen == 0 && !c.MaxPathLenZero)) {
				continue
			}
			cp := *c
			cp.MaxPathLen, cp.MaxPathLenZero = -1, false
			if nx, ok := p.extra[c]; ok {
				p.extra[&cp] = nx
			}
			p.pathLen[&cp] = c.MaxPathLen
			if o, ok := p.nc[c]; ok {
				p.nc[&cp] = o
			}
			certs[i] = &cp
		}
	}
	relax(p.roots)
	relax(p.inters)
}

// pathLenCheck is RFC 5280 6.1.4 (l) and (m): a CA's pathLenConstraint
// counts the non-self-issued intermediates below it.
func (p *prepared) pathLenCheck(chain []*x509.Certificate) bool {
	for i := 1; i < len(chain); i++ {
		limit, ok := p.pathLen[chain[i]]
		if !ok {
			continue
		}
		n := 0
		for j := 1; j < i; j++ {
			if !selfIssued(chain[j]) {
				n++
			}
		}
		if n > limit {
			return false
		}
	}
	return true
}

// ncCheck applies the directoryName and otherName subtrees of every CA in
// the chain to the certificates below it, leaving out self-issued
// intermediates (RFC 5280 6.1.3 b). It returns what broke them, or "".
func (p *prepared) ncCheck(chain []*x509.Certificate) string {
	for i := 1; i < len(chain); i++ {
		nx, ok := p.extra[chain[i]]
		if !ok {
			continue
		}
		for j := 0; j < i; j++ {
			c := chain[j]
			if j > 0 && selfIssued(c) {
				continue
			}
			dirs, others := certNames(c)
			for _, d := range dirs {
				if len(nx.permittedDir) > 0 && !anyPrefix(nx.permittedDir, d) {
					return fmt.Sprintf("directory name %q of %s is outside the permitted directoryName subtrees of %s", d.String(), name(c), name(chain[i]))
				}
				if anyPrefix(nx.excludedDir, d) {
					return fmt.Sprintf("directory name %q of %s is within an excluded directoryName subtree of %s", d.String(), name(c), name(chain[i]))
				}
			}
			for _, o := range others {
				// RFC 5280 defines no matching rule for otherName: a name
				// of a constrained type cannot be shown to comply, so it
				// fails closed; other types are not constrained.
				for _, t := range append(append([]string{}, nx.permittedOther...), nx.excludedOther...) {
					if t == o {
						return fmt.Sprintf("otherName of type %s in %s cannot be checked against the otherName subtrees of %s (RFC 5280 defines no matching rule), so it is refused", o, name(c), name(chain[i]))
					}
				}
			}
		}
	}
	return ""
}

// certNames are the directory names (a non-empty subject, SAN
// directoryNames) and the otherName type-ids of c.
func certNames(c *x509.Certificate) (dirs []pkix.RDNSequence, others []string) {
	var subj pkix.RDNSequence
	if rest, err := asn1.Unmarshal(c.RawSubject, &subj); err == nil && len(rest) == 0 && len(subj) > 0 {
		dirs = append(dirs, subj)
	}
	e := findExt(c, oidSAN)
	if e == nil {
		return dirs, nil
	}
	var seq asn1.RawValue
	if rest, err := asn1.Unmarshal(e.Value, &seq); err != nil || len(rest) != 0 {
		return dirs, nil
	}
	for b := seq.Bytes; len(b) > 0; {
		var g asn1.RawValue
		rest, err := asn1.Unmarshal(b, &g)
		if err != nil {
			break
		}
		b = rest
		switch {
		case g.Class == asn1.ClassContextSpecific && g.Tag == 4:
			var n pkix.RDNSequence
			if r, err := asn1.Unmarshal(g.Bytes, &n); err == nil && len(r) == 0 {
				dirs = append(dirs, n)
			}
		case g.Class == asn1.ClassContextSpecific && g.Tag == 0:
			var oid asn1.ObjectIdentifier
			if _, err := asn1.Unmarshal(g.Bytes, &oid); err == nil {
				others = append(others, oid.String())
			}
		}
	}
	return dirs, others
}

var errNCForm = errors.New("name constraints hold a form verify does not check")

// parseNCExtra reads the directoryName and otherName subtrees of a name
// constraints extension; the DNS, e-mail, IP and URI ones Go handles.
// x400Address, ediPartyName and registeredID subtrees stay unhandled.
func parseNCExtra(v []byte) (*ncExtra, error) {
	var seq asn1.RawValue
	if rest, err := asn1.Unmarshal(v, &seq); err != nil || len(rest) != 0 {
		return nil, errNCForm
	}
	nx := &ncExtra{}
	for b := seq.Bytes; len(b) > 0; {
		var part asn1.RawValue
		rest, err := asn1.Unmarshal(b, &part)
		if err != nil || part.Class != asn1.ClassContextSpecific || part.Tag > 1 {
			return nil, errNCForm
		}
		b = rest
		excluded := part.Tag == 1
		for s := part.Bytes; len(s) > 0; {
			var sub asn1.RawValue
			r, err := asn1.Unmarshal(s, &sub)
			if err != nil {
				return nil, errNCForm
			}
			s = r
			var base asn1.RawValue
			if _, err := asn1.Unmarshal(sub.Bytes, &base); err != nil || base.Class != asn1.ClassContextSpecific {
				return nil, errNCForm
			}
			switch base.Tag {
			case 1, 2, 6, 7: // rfc822Name, dNSName, URI, iPAddress: Go's
			case 4:
				var n pkix.RDNSequence
				if r, err := asn1.Unmarshal(base.Bytes, &n); err != nil || len(r) != 0 {
					return nil, errNCForm
				}
				if excluded {
					nx.excludedDir = append(nx.excludedDir, n)
				} else {
					nx.permittedDir = append(nx.permittedDir, n)
				}
			case 0:
				var oid asn1.ObjectIdentifier
				if _, err := asn1.Unmarshal(base.Bytes, &oid); err != nil {
					return nil, errNCForm
				}
				if excluded {
					nx.excludedOther = append(nx.excludedOther, oid.String())
				} else {
					nx.permittedOther = append(nx.permittedOther, oid.String())
				}
			default:
				return nil, errNCForm
			}
		}
	}
	return nx, nil
}

// anyPrefix reports whether one of subtrees is a prefix of n (RFC 5280
// 4.2.1.10: a directoryName is within a subtree when the subtree's RDNs
// begin it).
func anyPrefix(subtrees []pkix.RDNSequence, n pkix.RDNSequence) bool {
	for _, s := range subtrees {
		if len(s) > len(n) {
			continue
		}
		ok := true
		for i := range s {
			if !rdnEqual(s[i], n[i]) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

func rdnEqual(a, b pkix.RelativeDistinguishedNameSET) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		found := false
		for _, y := range b {
			if x.Type.Equal(y.Type) && attrEqual(x.Value, y.Value) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// attrEqual is a simplified caseIgnoreMatch (RFC 5280 7.1): strings
// compare without case and with runs of spaces collapsed.
func attrEqual(a, b any) bool {
	as, aok := a.(string)
	bs, bok := b.(string)
	if !aok || !bok {
		return fmt.Sprint(a) == fmt.Sprint(b)
	}
	norm := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	return strings.EqualFold(norm(as), norm(bs))
}

// relaxNC replaces every CA with DNS, IP, e-mail or URI name constraints
// by a copy without them, remembering the originals, so that Go builds
// chains through self-issued intermediates it would refuse; nameCheck
// then applies the constraints as RFC 5280 6.1.3 (b) says.
func (p *prepared) relaxNC() {
	if p.nc == nil {
		p.nc = map[*x509.Certificate]*x509.Certificate{}
	}
	relax := func(certs []*x509.Certificate) {
		for i, c := range certs {
			if c == nil || !hasStdNC(c) {
				continue
			}
			cp := *c
			cp.PermittedDNSDomains, cp.ExcludedDNSDomains = nil, nil
			cp.PermittedIPRanges, cp.ExcludedIPRanges = nil, nil
			cp.PermittedEmailAddresses, cp.ExcludedEmailAddresses = nil, nil
			cp.PermittedURIDomains, cp.ExcludedURIDomains = nil, nil
			cp.PermittedDNSDomainsCritical = false
			if nx, ok := p.extra[c]; ok {
				p.extra[&cp] = nx
			}
			if l, ok := p.pathLen[c]; ok {
				p.pathLen[&cp] = l
			}
			orig := c
			if o, ok := p.nc[c]; ok {
				orig = o
			}
			p.nc[&cp] = orig
			certs[i] = &cp
		}
	}
	relax(p.roots)
	relax(p.inters)
}

func hasStdNC(c *x509.Certificate) bool {
	return len(c.PermittedDNSDomains)+len(c.ExcludedDNSDomains)+len(c.PermittedIPRanges)+len(c.ExcludedIPRanges)+
		len(c.PermittedEmailAddresses)+len(c.ExcludedEmailAddresses)+len(c.PermittedURIDomains)+len(c.ExcludedURIDomains) > 0
}

// stdNCCheck applies the DNS, IP, e-mail and URI constraints of relaxed
// CAs to the SANs of the certificates below them, self-issued
// intermediates excepted. It returns what broke them, or "".
func (p *prepared) stdNCCheck(chain []*x509.Certificate) string {
	for i := 1; i < len(chain); i++ {
		ca, ok := p.nc[chain[i]]
		if !ok {
			continue
		}
		for j := 0; j < i; j++ {
			c := chain[j]
			if j > 0 && selfIssued(c) {
				continue
			}
			if why := namesWithin(ca, c); why != "" {
				return why
			}
		}
	}
	return ""
}

// namesWithin checks c's SANs against ca's constraints with Go's matching
// rules (crypto/x509 matchDomainConstraint and friends, restated).
func namesWithin(ca, c *x509.Certificate) string {
	for _, n := range c.DNSNames {
		if len(ca.PermittedDNSDomains) > 0 && !slices.ContainsFunc(ca.PermittedDNSDomains, func(d string) bool { return domainWithin(n, d) }) {
			return fmt.Sprintf("DNS name %q of %s is not permitted by %s", n, name(c), name(ca))
		}
		if slices.ContainsFunc(ca.ExcludedDNSDomains, func(d string) bool { return domainWithin(n, d) }) {
			return fmt.Sprintf("DNS name %q of %s is excluded by %s", n, name(c), name(ca))
		}
	}
	for _, ip := range c.IPAddresses {
		in := func(r *net.IPNet) bool { return r.Contains(ip) && len(r.IP) == len(normIP(ip)) }
		if len(ca.PermittedIPRanges) > 0 && !slices.ContainsFunc(ca.PermittedIPRanges, in) {
			return fmt.Sprintf("IP address %s of %s is not permitted by %s", ip, name(c), name(ca))
		}
		if slices.ContainsFunc(ca.ExcludedIPRanges, in) {
			return fmt.Sprintf("IP address %s of %s is excluded by %s", ip, name(c), name(ca))
		}
	}
	for _, e := range c.EmailAddresses {
		if len(ca.PermittedEmailAddresses) > 0 && !slices.ContainsFunc(ca.PermittedEmailAddresses, func(d string) bool { return emailWithin(e, d) }) {
			return fmt.Sprintf("e-mail address %q of %s is not permitted by %s", e, name(c), name(ca))
		}
		if slices.ContainsFunc(ca.ExcludedEmailAddresses, func(d string) bool { return emailWithin(e, d) }) {
			return fmt.Sprintf("e-mail address %q of %s is excluded by %s", e, name(c), name(ca))
		}
	}
	for _, u := range c.URIs {
		host := u.Hostname()
		if len(ca.PermittedURIDomains) > 0 && !slices.ContainsFunc(ca.PermittedURIDomains, func(d string) bool { return host != "" && domainWithin(host, d) }) {
			return fmt.Sprintf("URI %q of %s is not permitted by %s", u, name(c), name(ca))
		}
		if slices.ContainsFunc(ca.ExcludedURIDomains, func(d string) bool { return host != "" && domainWithin(host, d) }) {
			return fmt.Sprintf("URI %q of %s is excluded by %s", u, name(c), name(ca))
		}
	}
	return ""
}

func normIP(ip net.IP) net.IP {
	if v4 := ip.To4(); v4 != nil {
		return v4
	}
	return ip
}

// domainWithin: "example.com" covers itself and its subdomains,
// ".example.com" only the subdomains, "" everything (RFC 5280 4.2.1.10).
func domainWithin(n, constraint string) bool {
	n, constraint = strings.ToLower(strings.TrimSuffix(n, ".")), strings.ToLower(constraint)
	if constraint == "" {
		return true
	}
	if strings.HasPrefix(constraint, ".") {
		return strings.HasSuffix(n, constraint)
	}
	return n == constraint || strings.HasSuffix(n, "."+constraint)
}

// emailWithin: a full mailbox matches exactly, a host the domain part,
// ".host" any subdomain of it.
func emailWithin(e, constraint string) bool {
	at := strings.LastIndexByte(e, '@')
	if at < 0 {
		return false
	}
	if strings.Contains(constraint, "@") {
		return strings.EqualFold(e, constraint)
	}
	host := strings.ToLower(e[at+1:])
	constraint = strings.ToLower(constraint)
	if strings.HasPrefix(constraint, ".") {
		return strings.HasSuffix(host, constraint)
	}
	return host == constraint
}
