package verify

import (
	"bytes"
	"crypto/x509"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/pkibench/pkibench/pki"
)

// Verify checks leaf the way a TLS peer would, with Go's verifier plus the
// checks Go leaves out (weak keys, CRLs, RFC 5280 rules on CA certificates,
// chain depth). It returns the verified chains, or the most specific finding.
func Verify(leaf *x509.Certificate, opts Options) ([][]*x509.Certificate, *Finding) {
	if leaf == nil {
		return nil, &Finding{
			Code:    opts.pick(ClientCertMissing, Unknown),
			Summary: "There is no certificate to verify.",
			Fix:     pki.Advice("give the certificate to check"),
		}
	}
	prep := prepare(opts)
	copies := rootCopies(opts)
	vo := x509.VerifyOptions{
		Roots:         pool(prep.roots),
		Intermediates: pool(without(prep.inters, copies)),
		CurrentTime:   opts.at(),
		KeyUsages:     []x509.ExtKeyUsage{opts.requiredEKU()},
		// Go compares IP literals too; brackets would defeat it.
		DNSName: strings.TrimSuffix(strings.TrimPrefix(opts.Name, "["), "]"),
		// Go's default of 10000 makes the pathological name-constraint
		// chains slow; 4096 still covers any real CA.
		MaxConstraintComparisions: 4096,
	}
	if f := leafPrecheck(leaf, opts); f != nil {
		return nil, f
	}
	chains, err := leaf.Verify(vo)
	if tooMany := (x509.CertificateInvalidError{}); errors.As(err, &tooMany) && tooMany.Reason == x509.TooManyIntermediates {
		// Go counts self-issued intermediates against pathLenConstraint;
		// RFC 5280 6.1.4 (l) does not. Build again without the limits and
		// apply RFC 5280's count; Go's error stands if that fails too.
		prep.relaxPathLen()
		vo.Roots, vo.Intermediates = pool(prep.roots), pool(without(prep.inters, copies))
		if again, err2 := leaf.Verify(vo); err2 == nil {
			for _, c := range again {
				if prep.pathLenCheck(c) {
					chains = append(chains, c)
				}
			}
			if len(chains) > 0 {
				err = nil
			}
		}
	}
	if inv := (x509.CertificateInvalidError{}); err != nil && errors.As(err, &inv) && inv.Reason == x509.CANotAuthorizedForThisName && selfIssuedOffered(opts) {
		// Go applies name constraints to self-issued intermediates; RFC
		// 5280 6.1.3 (b) exempts them. Build without the DNS, IP, e-mail
		// and URI constraints and apply them as RFC 5280 says; Go's error
		// stands if that fails too.
		prep.relaxNC()
		vo.Roots, vo.Intermediates = pool(prep.roots), pool(without(prep.inters, copies))
		if again, err2 := leaf.Verify(vo); err2 == nil {
			for _, c := range again {
				if prep.stdNCCheck(c) == "" && (len(prep.pathLen) == 0 || prep.pathLenCheck(c)) {
					chains = append(chains, c)
				}
			}
			if len(chains) > 0 {
				err = nil
			}
		}
	}
	if err != nil {
		return nil, Classify(err, leaf, opts)
	}
	var ok [][]*x509.Certificate
	var first *Finding
	for _, chain := range chains {
		var f *Finding
		if why := prep.ncCheck(chain); why != "" {
			f = ncFinding(leaf, opts, why)
		}
		if f == nil {
			f = chainChecks(chain, opts)
		}
		if f == nil {
			f = CheckCRL(chain, opts)
		}
		if f == nil {
			ok = append(ok, chain)
		} else if first == nil {
			first = f
		}
	}
	if len(ok) == 0 {
		return nil, first
	}
	return ok, nil
}

func pool(certs []*x509.Certificate) *x509.CertPool {
	p := x509.NewCertPool()
	for _, c := range certs {
		if c != nil {
			p.AddCert(c)
		}
	}
	return p
}

// rootCopies marks the intermediates that are one of the roots (the same
// certificate, given in both lists, as an identity's chain up to its root
// is) and self-issued with no other certificate of their name: Go would
// check the signature below them twice, once from the root and once from
// the copy, and the path through the copy ends at once, as the copy's only
// possible issuers are the copy and the root, already in the chain. So
// leaving them out of the intermediates pool finds the same chains and the
// same error with one signature check fewer (and leaves more of Go's budget
// of 100 signature checks a verification for the paths that can succeed).
func rootCopies(opts Options) []bool {
	var out []bool
	for i, c := range opts.Intermediates {
		if c == nil || !slices.Contains(opts.Roots, c) || !selfIssued(c) || !onlyOfItsName(c, opts) {
			continue
		}
		if out == nil {
			out = make([]bool, len(opts.Intermediates))
		}
		out[i] = true
	}
	return out
}

// onlyOfItsName reports whether every certificate given with c's subject
// name has c's key and subject alternative names: Go counts each of them as
// c already in the chain (alreadyInChain), never as its issuer.
func onlyOfItsName(c *x509.Certificate, opts Options) bool {
	san := findExt(c, oidSAN)
	for _, o := range append(slices.Clip(opts.Roots), opts.Intermediates...) {
		if o == nil || o == c || !bytes.Equal(o.RawSubject, c.RawSubject) {
			continue
		}
		if !bytes.Equal(o.RawSubjectPublicKeyInfo, c.RawSubjectPublicKeyInfo) {
			return false
		}
		osan := findExt(o, oidSAN)
		if (san == nil) != (osan == nil) || (san != nil && !bytes.Equal(san.Value, osan.Value)) {
			return false
		}
	}
	return true
}

// without is certs less those marked in drop (index by index).
func without(certs []*x509.Certificate, drop []bool) []*x509.Certificate {
	if drop == nil {
		return certs
	}
	out := make([]*x509.Certificate, 0, len(certs))
	for i, c := range certs {
		if !drop[i] {
			out = append(out, c)
		}
	}
	return out
}

func (o Options) requiredEKU() x509.ExtKeyUsage {
	if o.anyUsage {
		return x509.ExtKeyUsageAny
	}
	return requiredEKU(o.Usage)
}

func requiredEKU(u Usage) x509.ExtKeyUsage {
	switch u {
	case UsageServer:
		return x509.ExtKeyUsageServerAuth
	case UsageClient:
		return x509.ExtKeyUsageClientAuth
	}
	return x509.ExtKeyUsageAny
}

// selfIssuedOffered reports whether an intermediate names itself as its
// issuer: only then can Go's name-constraint answer differ from RFC 5280's.
func selfIssuedOffered(opts Options) bool {
	return slices.ContainsFunc(opts.Intermediates, func(c *x509.Certificate) bool { return c != nil && selfIssued(c) })
}

// leafPrecheck runs the leaf checks whose answer is more useful than what
// Go would report first.
func leafPrecheck(leaf *x509.Certificate, opts Options) *Finding {
	if bytes.Equal(leaf.RawIssuer, emptyName) {
		// No issuer can match an empty name; "untrusted" would mislead.
		return malformed(leaf, "issuer", "(empty)", "its issuer name is empty (RFC 5280 4.1.2.4 requires a non-empty issuer)")
	}
	return nil
}

// chainChecks runs, on a chain Go accepted, what Go does not check.
func chainChecks(chain []*x509.Certificate, opts Options) *Finding {
	if f := strictChain(chain, opts); f != nil {
		return f
	}
	for i, c := range chain {
		if why := keyWeakness(c); why != "" {
			return weakKeyFinding(c, i, len(chain), why)
		}
	}
	if f := leafUsage(chain[0], opts); f != nil {
		return f
	}
	if f := emailCheck(chain[0], opts); f != nil {
		return f
	}
	if f := depthCheck(chain, opts); f != nil {
		return f
	}
	return nil
}

func role(i, n int) string {
	switch {
	case i == 0:
		return "leaf"
	case i == n-1:
		return "root"
	}
	return "intermediate"
}

func weakKeyFinding(c *x509.Certificate, i, n int, why string) *Finding {
	fix := &pki.Fix{Kind: pki.FixReissue, Say: "re-issue the certificate with a strong key (P-256, or RSA 2048 and more)", Algo: string(pki.P256)}
	if i > 0 {
		fix = &pki.Fix{Kind: pki.FixCreateCA, Say: "replace the CA with one that has a strong key, then re-issue below it", Algo: string(pki.P256)}
	}
	return &Finding{
		Code:     WeakKey,
		Summary:  fmt.Sprintf("The %s certificate %s has a weak key: %s.", role(i, n), name(c), why),
		Detail:   fmt.Sprintf("certificate: %s (%s)\nkey:         %s", name(c), role(i, n), why),
		Fix:      fix,
		Evidence: []Evidence{ev(c, "subject_public_key_info", why)},
	}
}

// leafUsage checks the key usage bits Go ignores: a TLS peer signs the
// handshake, so the leaf needs digitalSignature (RSA key exchange in TLS
// 1.2 makes keyEncipherment enough for an RSA server).
func leafUsage(leaf *x509.Certificate, opts Options) *Finding {
	if opts.Usage == UsageAny || opts.anyUsage {
		return nil
	}
	if e := findExt(leaf, oidExtKeyUsage); e != nil && len(leaf.ExtKeyUsage)+len(leaf.UnknownExtKeyUsage) == 0 {
		return usageFinding(leaf, opts)
	}
	if leaf.KeyUsage&x509.KeyUsageDigitalSignature != 0 || leaf.KeyUsage == 0 {
		return nil
	}
	if opts.Usage == UsageServer && leaf.KeyUsage&x509.KeyUsageKeyEncipherment != 0 && leaf.PublicKeyAlgorithm == x509.RSA {
		return nil
	}
	return &Finding{
		Code:     opts.pick(ClientCertWrongUsage, ServerCertWrongUsage),
		Summary:  fmt.Sprintf("The certificate %s may not sign a TLS handshake: its key usage is %s, without Digital Signature.", name(leaf), keyUsageText(leaf.KeyUsage)),
		Detail:   fmt.Sprintf("key usage:     %s\nneeded:        Digital Signature (%s authentication)", keyUsageText(leaf.KeyUsage), opts.Usage),
		Fix:      reissueAs(fmt.Sprintf("re-issue it with the %s profile", opts.Usage), leaf, opts, opts.Usage.String()),
		Evidence: []Evidence{ev(leaf, "ext.key_usage", keyUsageText(leaf.KeyUsage))},
	}
}

func emailCheck(leaf *x509.Certificate, opts Options) *Finding {
	for _, want := range opts.Emails {
		found := false
		for _, e := range leaf.EmailAddresses {
			if strings.EqualFold(e, want) {
				found = true
			}
		}
		if !found {
			return &Finding{
				Code:     ServerNameMismatch,
				Summary:  fmt.Sprintf("The certificate %s does not carry the e-mail address %s; it covers %s.", name(leaf), want, sanText(leaf)),
				Detail:   fmt.Sprintf("wanted: email:%s\ncovered: %s", want, sanText(leaf)),
				Fix:      withEmail(reissue("re-issue it with the address", leaf, issuerHint(leaf, opts), opts), want),
				Evidence: []Evidence{ev(leaf, "ext.subject_alt_name", sanText(leaf))},
			}
		}
	}
	return nil
}

// depthCheck applies MaxIntermediates, counting a run of self-issued
// certificates (key rollover) as one logical CA.
func depthCheck(chain []*x509.Certificate, opts Options) *Finding {
	if opts.MaxIntermediates == nil || len(chain) < 3 {
		return nil
	}
	n := 0
	for i := 1; i < len(chain)-1; i++ {
		if i > 1 && bytes.Equal(chain[i].RawSubject, chain[i-1].RawSubject) {
			continue
		}
		n++
	}
	if n <= *opts.MaxIntermediates {
		return nil
	}
	top := chain[len(chain)-2]
	return &Finding{
		Code:     PathLenExceeded,
		Summary:  fmt.Sprintf("The chain has %d intermediate CAs, more than the %d allowed.", n, *opts.MaxIntermediates),
		Detail:   "chain: " + chainText(chain),
		Fix:      pki.Advice("shorten the hierarchy or raise the verifier's maximum chain depth"),
		Evidence: []Evidence{ev(top, "ext.basic_constraints", bcText(top))},
	}
}

func chainText(chain []*x509.Certificate) string {
	var parts []string
	for _, c := range chain {
		parts = append(parts, name(c))
	}
	return strings.Join(parts, " -> ")
}

// nameCovers lists the names a certificate covers for the mismatch detail.
func nameCovers(c *x509.Certificate, want string) string {
	if !hasSAN(c) {
		return "no names: it has no Subject Alternative Name, and its CN (" + c.Subject.CommonName + ") is not used for names"
	}
	if _, isIP := ipOrName(want); isIP {
		var ips []string
		for _, ip := range c.IPAddresses {
			ips = append(ips, ip.String())
		}
		if len(ips) == 0 {
			return "no IP addresses (" + sanText(c) + ")"
		}
		return strings.Join(ips, ", ")
	}
	if len(c.DNSNames) == 0 {
		return "no DNS names (" + sanText(c) + ")"
	}
	return strings.Join(c.DNSNames, ", ")
}
