package verify

import (
	"bytes"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"slices"
	"strings"

	"github.com/pkibench/pkibench/pki"
)

var (
	oidSKI               = asn1.ObjectIdentifier{2, 5, 29, 14}
	oidKeyUsage          = asn1.ObjectIdentifier{2, 5, 29, 15}
	oidSAN               = asn1.ObjectIdentifier{2, 5, 29, 17}
	oidBasicConstraints  = asn1.ObjectIdentifier{2, 5, 29, 19}
	oidNameConstraints   = asn1.ObjectIdentifier{2, 5, 29, 30}
	oidPolicyConstraints = asn1.ObjectIdentifier{2, 5, 29, 36}
	oidExtKeyUsage       = asn1.ObjectIdentifier{2, 5, 29, 37}
)

func findExt(c *x509.Certificate, oid asn1.ObjectIdentifier) *pkix.Extension {
	for i := range c.Extensions {
		if c.Extensions[i].Id.Equal(oid) {
			return &c.Extensions[i]
		}
	}
	return nil
}

func hasExt(c *x509.Certificate, oid asn1.ObjectIdentifier) bool { return findExt(c, oid) != nil }

// emptyName is the DER of an empty RDNSequence.
var emptyName = []byte{0x30, 0x00}

// selfIssued reports whether c names itself as its issuer (RFC 5280 6.1).
func selfIssued(c *x509.Certificate) bool { return bytes.Equal(c.RawIssuer, c.RawSubject) }

// strictChain applies the RFC 5280 rules on a built chain that Go's
// verifier leaves out. X.509 v1 certificates carry no extensions, so the
// extension rules apply to v3 only; like Go and openssl, a v1 self-signed
// root is accepted as a trust anchor.
func strictChain(chain []*x509.Certificate, opts Options) *Finding {
	for i := range chain {
		if f := strictLink(chain, i, opts); f != nil {
			return f
		}
	}
	return nil
}

// strictLink applies the rules to chain[i], in the order that decides
// which finding a certificate breaking several rules gets.
func strictLink(chain []*x509.Certificate, i int, opts Options) *Finding {
	n := len(chain)
	c := chain[i]
	isCA := i > 0
	if bytes.Equal(c.RawIssuer, emptyName) {
		return malformed(c, "issuer", "(empty)", "its issuer name is empty (RFC 5280 4.1.2.4 requires a non-empty issuer)")
	}
	if isCA && bytes.Equal(c.RawSubject, emptyName) {
		return malformed(c, "subject", "(empty)", "it is a CA with an empty subject name (RFC 5280 4.1.2.6)")
	}
	if c.Version < 3 {
		return nil
	}
	if isCA {
		if f := caRules(c, i, chain); f != nil {
			return f
		}
	}
	if hasExt(c, oidKeyUsage) && c.KeyUsage == 0 {
		if isCA {
			return notCA(c, i, n, "its key usage extension is present but asserts no usage at all, not even Certificate Sign")
		}
		return malformed(c, "ext.key_usage", "(no bits)", "its key usage extension asserts no usage (RFC 5280 4.2.1.3)")
	}
	if f := keyIDRules(chain, i); f != nil {
		return f
	}
	if e := findExt(c, oidPolicyConstraints); e != nil && !e.Critical {
		return malformed(c, "ext.policy_constraints", "not critical", "its policy constraints extension is not critical (RFC 5280 4.2.1.11)")
	}
	if e := findExt(c, oidSAN); e != nil && !e.Critical && bytes.Equal(c.RawSubject, emptyName) {
		return malformed(c, "ext.subject_alt_name", "not critical", "its subject is empty, so its subject alternative name must be critical (RFC 5280 4.2.1.6)")
	}
	if i == 0 && !c.IsCA {
		return endEntityRules(c, opts)
	}
	return nil
}

// keyIDRules checks the subject and authority key identifiers of chain[i].
func keyIDRules(chain []*x509.Certificate, i int) *Finding {
	n := len(chain)
	c := chain[i]
	anchor := i == n-1 && i > 0
	if selfIssued(c) && anchor {
		if why := anchorAKI(c); why != "" {
			return malformed(c, "ext.authority_key_identifier", why, why)
		}
	}
	if e := findExt(c, oidSKI); e != nil && e.Critical {
		return malformed(c, "ext.subject_key_identifier", "critical", "its subject key identifier is marked critical (RFC 5280 4.2.1.2 forbids it)")
	}
	if e := findExt(c, oidAKI); e != nil && e.Critical {
		return malformed(c, "ext.authority_key_identifier", "critical", "its authority key identifier is marked critical (RFC 5280 4.2.1.1 forbids it)")
	}
	// Under a CA without a subject key identifier (an X.509 v1 CA, as
	// `openssl req -x509` makes without extensions) there is no key
	// identifier to repeat, and openssl and Go accept the certificate.
	if !anchor && !selfIssued(c) && len(c.AuthorityKeyId) == 0 && (i+1 >= n || len(chain[i+1].SubjectKeyId) > 0) {
		return malformed(c, "ext.authority_key_identifier", "(absent)", "it has no authority key identifier (RFC 5280 4.2.1.1 requires one on every certificate not self-signed)")
	}
	return nil
}

// endEntityRules checks a leaf that is not a CA for CA-only content.
func endEntityRules(c *x509.Certificate, opts Options) *Finding {
	if c.KeyUsage&x509.KeyUsageCertSign != 0 {
		return malformed(c, "ext.key_usage", keyUsageText(c.KeyUsage), "it is not a CA (CA:FALSE) but its key usage asserts Certificate Sign (RFC 5280 4.2.1.9)")
	}
	if hasExt(c, oidNameConstraints) {
		return &Finding{
			Code:     NameConstraintViolated,
			Summary:  fmt.Sprintf("The end-entity certificate %s carries name constraints, which only CA certificates may (RFC 5280 4.2.1.10).", name(c)),
			Detail:   "name constraints on a certificate that is not a CA",
			Fix:      reissue("re-issue it with the plain profile", c, issuerHint(c, opts), opts),
			Evidence: []Evidence{ev(c, "ext.name_constraints", "present")},
		}
	}
	return nil
}

// caRules checks a CA link (intermediate or root) of a chain.
func caRules(c *x509.Certificate, i int, chain []*x509.Certificate) *Finding {
	n := len(chain)
	bc := findExt(c, oidBasicConstraints)
	switch {
	case bc == nil || !c.IsCA:
		return notCA(c, i, n, "its basic constraints are "+bcText(c)+", so it may not sign certificates")
	case !bc.Critical:
		return notCA(c, i, n, "its basic constraints extension is not marked critical, which RFC 5280 4.2.1.9 requires of a CA")
	case c.KeyUsage != 0 && c.KeyUsage&x509.KeyUsageCertSign == 0:
		return notCA(c, i, n, "its key usage ("+keyUsageText(c.KeyUsage)+") lacks Certificate Sign")
	}
	if len(c.SubjectKeyId) == 0 {
		return malformed(c, "ext.subject_key_identifier", "(absent)", "it is a CA without a subject key identifier (RFC 5280 4.2.1.2)")
	}
	for _, d := range append(slices.Clip(c.PermittedDNSDomains), c.ExcludedDNSDomains...) {
		if strings.HasPrefix(d, ".") {
			return &Finding{
				Code:     NameConstraintViolated,
				Summary:  fmt.Sprintf("The CA %s has a malformed DNS name constraint %q: RFC 5280 4.2.1.10 allows a leading period for URIs and e-mail, not DNS names.", name(c), d),
				Detail:   ncText(c),
				Fix:      pki.Advice(fmt.Sprintf("re-create the CA with the constraint written without the period (%q covers the domain and its subdomains)", strings.TrimPrefix(d, "."))),
				Evidence: []Evidence{ev(c, "ext.name_constraints", d)},
			}
		}
	}
	if f := ncLoad(c, chain); f != nil {
		return f
	}
	if e := findExt(c, oidNameConstraints); e != nil && !e.Critical {
		return &Finding{
			Code:     NameConstraintViolated,
			Summary:  fmt.Sprintf("The CA %s has name constraints that are not marked critical, which RFC 5280 4.2.1.10 requires.", name(c)),
			Detail:   "name constraints: not critical\n" + ncText(c),
			Fix:      &pki.Fix{Kind: pki.FixCreateCA, Say: "re-create the CA with critical name constraints", PermitDNS: c.PermittedDNSDomains},
			Evidence: []Evidence{ev(c, "ext.name_constraints", "not critical")},
		}
	}
	return nil
}

func notCA(c *x509.Certificate, i, n int, why string) *Finding {
	field := "ext.basic_constraints"
	value := bcText(c)
	if c.IsCA && c.KeyUsage != 0 && c.KeyUsage&x509.KeyUsageCertSign == 0 {
		field, value = "ext.key_usage", keyUsageText(c.KeyUsage)
	}
	return &Finding{
		Code:     IssuerNotCA,
		Summary:  fmt.Sprintf("The %s %s is used as a CA but %s.", role(i, n), name(c), why),
		Detail:   fmt.Sprintf("certificate:        %s\nbasic constraints:  %s\nkey usage:          %s", name(c), bcText(c), keyUsageText(c.KeyUsage)),
		Fix:      createCA("sign certificates only with a CA certificate (CA:TRUE, critical; keyCertSign)"),
		Evidence: []Evidence{ev(c, field, value)},
	}
}

func malformed(c *x509.Certificate, field, value, why string) *Finding {
	return &Finding{
		Code:     CertMalformed,
		Summary:  fmt.Sprintf("The certificate %s breaks RFC 5280: %s.", name(c), why),
		Detail:   fmt.Sprintf("certificate: %s (serial %s)\n%s: %s", name(c), serial(c), field, value),
		Fix:      &pki.Fix{Kind: pki.FixReissue, Say: "re-issue the certificate with a conforming tool"},
		Evidence: []Evidence{ev(c, field, value)},
	}
}

func ncText(c *x509.Certificate) string {
	s := ""
	add := func(label string, vals []string) {
		if len(vals) > 0 {
			s += fmt.Sprintf("%s: %v\n", label, vals)
		}
	}
	add("permitted DNS", c.PermittedDNSDomains)
	add("excluded DNS", c.ExcludedDNSDomains)
	var ips []string
	for _, r := range c.PermittedIPRanges {
		ips = append(ips, r.String())
	}
	add("permitted IP", ips)
	ips = nil
	for _, r := range c.ExcludedIPRanges {
		ips = append(ips, r.String())
	}
	add("excluded IP", ips)
	add("permitted email", c.PermittedEmailAddresses)
	add("excluded email", c.ExcludedEmailAddresses)
	add("permitted URI", c.PermittedURIDomains)
	add("excluded URI", c.ExcludedURIDomains)
	return s
}

// maxNCComparisons bounds names x constraints per CA, as openssl and
// BoringSSL do, so a hostile chain cannot make verification quadratic.
const maxNCComparisons = 1 << 16

func ncLoad(ca *x509.Certificate, chain []*x509.Certificate) *Finding {
	constraints := len(ca.PermittedDNSDomains) + len(ca.ExcludedDNSDomains) + len(ca.PermittedIPRanges) +
		len(ca.ExcludedIPRanges) + len(ca.PermittedEmailAddresses) + len(ca.ExcludedEmailAddresses) +
		len(ca.PermittedURIDomains) + len(ca.ExcludedURIDomains)
	if constraints == 0 {
		return nil
	}
	names := 0
	for _, c := range chain {
		if c == ca {
			break
		}
		names += 1 + len(c.DNSNames) + len(c.IPAddresses) + len(c.EmailAddresses) + len(c.URIs) + len(c.Subject.Names)
	}
	if names*constraints <= maxNCComparisons {
		return nil
	}
	return &Finding{
		Code:     NameConstraintViolated,
		Summary:  fmt.Sprintf("Checking the name constraints of %s would take %d comparisons (%d constraints x %d names), more than the %d allowed.", name(ca), names*constraints, constraints, names, maxNCComparisons),
		Detail:   "a chain this large is refused to bound the work of verification (openssl and BoringSSL do the same)",
		Fix:      pki.Advice("use fewer name constraints on the CA or fewer names per certificate"),
		Evidence: []Evidence{ev(ca, "ext.name_constraints", fmt.Sprintf("%d subtrees", constraints))},
	}
}

// anchorAKI checks the authority key identifier of a self-signed root:
// when present it must carry a keyIdentifier (RFC 5280 4.2.1.1), and that
// must be the root's own subject key identifier.
func anchorAKI(c *x509.Certificate) string {
	e := findExt(c, oidAKI)
	if e == nil {
		return ""
	}
	if len(c.AuthorityKeyId) == 0 {
		return "its authority key identifier has no keyIdentifier"
	}
	if len(c.SubjectKeyId) > 0 && !bytes.Equal(c.AuthorityKeyId, c.SubjectKeyId) {
		return fmt.Sprintf("it is self-signed but its authority key identifier %X differs from its subject key identifier %X", c.AuthorityKeyId, c.SubjectKeyId)
	}
	return ""
}
