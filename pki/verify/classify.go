package verify

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/pkibench/pkibench/pki"
)

// Classify turns an error from crypto/x509 or crypto/tls verification into
// a finding. It branches on the typed errors; because Go's verifier stops at
// the first problem and hides why a candidate issuer was refused, it then
// walks the possible chains itself to name the most specific cause.
func Classify(err error, leaf *x509.Certificate, opts Options) *Finding {
	if err == nil {
		return nil
	}
	var f *Finding
	if errors.As(err, &f) {
		return f
	}
	var cve *tls.CertificateVerificationError
	if errors.As(err, &cve) && len(cve.UnverifiedCertificates) > 0 {
		if leaf == nil {
			leaf = cve.UnverifiedCertificates[0]
		}
		// What the peer sent is what the verifier had as intermediates.
		opts.Intermediates = append(slices.Clip(opts.Intermediates), cve.UnverifiedCertificates[1:]...)
	}
	f = classify(err, leaf, opts)
	if f.Err == nil {
		f.Err = err
	}
	return f
}

func classify(err error, leaf *x509.Certificate, opts Options) *Finding {
	at := opts.at()
	var (
		crlErr   *CRLError
		hostErr  x509.HostnameError
		invalid  x509.CertificateInvalidError
		unknown  x509.UnknownAuthorityError
		insecure x509.InsecureAlgorithmError
		cv       x509.ConstraintViolationError
		uce      x509.UnhandledCriticalExtension
		sysRoots x509.SystemRootsError

		structural asn1.StructuralError
		syntax     asn1.SyntaxError
	)
	switch {
	case errors.As(err, &crlErr):
		return crlErrorFinding(crlErr, opts)
	case errors.As(err, &structural), errors.As(err, &syntax),
		// crypto/tls wraps ParseCertificate's untyped errors in a plain string.
		strings.Contains(errText(err), "failed to parse certificate"):
		return Malformed(err, "sent by the peer")
	case leaf == nil:
		return &Finding{Code: Unknown, Summary: "Verification failed: " + errText(err), Err: err}
	case errors.As(err, &hostErr):
		c := hostErr.Certificate
		if c == nil {
			c = leaf
		}
		return nameFinding(c, hostErr.Host, opts)
	case errors.As(err, &invalid):
		c := invalid.Cert
		if c == nil {
			c = leaf
		}
		switch invalid.Reason {
		case x509.Expired:
			return validityFinding(c, c == leaf || bytes.Equal(c.Raw, leaf.Raw), at, opts)
		case x509.CANotAuthorizedForThisName, x509.UnconstrainedName, x509.TooManyConstraints:
			return ncFinding(leaf, opts, invalid.Detail)
		case x509.IncompatibleUsage, x509.CANotAuthorizedForExtKeyUsage:
			return usageFinding(leaf, opts)
		case x509.NoValidChains:
			if strings.Contains(invalid.Detail, "key usage") {
				return usageFinding(leaf, opts)
			}
			return &Finding{
				Code:     CertMalformed,
				Summary:  fmt.Sprintf("No chain for %s satisfies the certificate policies of its CAs.", name(leaf)),
				Detail:   invalid.Detail,
				Fix:      pki.Advice("check the certificatePolicies and policyConstraints of the CAs in the chain"),
				Evidence: []Evidence{ev(leaf, "ext.certificate_policies", fmt.Sprint(leaf.Policies))},
			}
		}
	case errors.As(err, &uce):
		if len(leaf.UnhandledCriticalExtensions) > 0 {
			return malformed(leaf, "extensions", fmt.Sprint(leaf.UnhandledCriticalExtensions), "it has a critical extension no verifier understands")
		}
	case errors.As(err, &sysRoots):
		return untrustedFinding(leaf, leaf, opts, "no trusted roots were given")
	}
	// UnknownAuthorityError and friends: find out ourselves why no chain.
	if f := diagnose(leaf, opts); f != nil {
		return f
	}
	switch {
	case errors.As(err, &insecure):
		return weakSigFinding(leaf, x509.SignatureAlgorithm(insecure), opts)
	case errors.As(err, &cv):
		c := issuerOf(leaf, opts)
		return notCA(c, 1, 2, "its basic constraints are "+bcText(c)+" and its key usage is "+keyUsageText(c.KeyUsage))
	case errors.As(err, &invalid) && invalid.Reason == x509.NotAuthorizedToSign:
		c := invalid.Cert
		if c == nil {
			c = issuerOf(leaf, opts)
		}
		return notCA(c, 1, 2, "its basic constraints are "+bcText(c))
	case errors.As(err, &invalid) && invalid.Reason == x509.TooManyIntermediates && invalid.Cert != nil:
		return pathLenFinding(invalid.Cert, -1)
	case errors.As(err, &unknown):
		return untrustedFinding(leaf, leaf, opts, "")
	}
	return &Finding{
		Code:     Unknown,
		Summary:  "Verification failed: " + errText(err),
		Detail:   errText(err),
		Evidence: []Evidence{ev(leaf, "", "")},
	}
}

// errText is err.Error() that survives error values whose Error method
// panics on zero fields (x509.HostnameError without a certificate).
func errText(err error) (s string) {
	defer func() {
		if recover() != nil {
			s = fmt.Sprintf("%T", err)
		}
	}()
	return err.Error()
}

// issuerOf is the first given certificate named as leaf's issuer, or leaf.
func issuerOf(leaf *x509.Certificate, opts Options) *x509.Certificate {
	for _, c := range append(slices.Clip(opts.Intermediates), opts.Roots...) {
		if c != nil && bytes.Equal(c.RawSubject, leaf.RawIssuer) {
			return c
		}
	}
	return leaf
}

// diag walks the candidate issuers of a certificate the way Go's chain
// builder does, but records why each candidate was refused.
type diag struct {
	opts   Options
	at     time.Time
	pool   []*x509.Certificate
	roots  []*x509.Certificate
	budget int
}

// diagnose returns the most specific reason no chain exists, or nil when
// it finds a sound chain (the failure is then elsewhere).
func diagnose(leaf *x509.Certificate, opts Options) *Finding {
	d := &diag{opts: opts, at: opts.at(), roots: opts.Roots, budget: 200}
	d.pool = append(append([]*x509.Certificate{}, opts.Roots...), opts.Intermediates...)
	f, _ := d.walk([]*x509.Certificate{leaf})
	return f
}

func (d *diag) isRoot(c *x509.Certificate) bool {
	for _, r := range d.roots {
		if r != nil && bytes.Equal(r.Raw, c.Raw) {
			return true
		}
	}
	return false
}

func inChain(c *x509.Certificate, chain []*x509.Certificate) bool {
	for _, x := range chain {
		if bytes.Equal(x.Raw, c.Raw) || (bytes.Equal(x.RawSubject, c.RawSubject) && bytes.Equal(x.RawSubjectPublicKeyInfo, c.RawSubjectPublicKeyInfo)) {
			return true
		}
	}
	return false
}

// Ranks of findings: a refused signature beats "no issuer at all", and a
// concrete defect of a real issuer beats both.
const (
	rankNoIssuer = iota
	rankBadSignature
	rankSpecific
)

func (d *diag) walk(chain []*x509.Certificate) (*Finding, int) {
	cur := chain[len(chain)-1]
	if d.isRoot(cur) {
		return nil, 0
	}
	var cands []*x509.Certificate
	for _, c := range d.pool {
		if c != nil && bytes.Equal(c.RawSubject, cur.RawIssuer) && !inChain(c, chain) && !slices.Contains(cands, c) {
			cands = append(cands, c)
		}
	}
	if len(cands) == 0 || len(chain) > 12 {
		return d.noIssuer(chain), rankNoIssuer
	}
	var best *Finding
	bestRank := -1
	for _, p := range cands {
		if d.budget--; d.budget < 0 {
			break
		}
		f, rank := d.link(cur, p, chain)
		if f == nil {
			if d.isRoot(p) {
				return nil, 0
			}
			f, rank = d.walk(append(slices.Clip(chain), p))
			if f == nil {
				return nil, 0
			}
		}
		if rank > bestRank {
			best, bestRank = f, rank
		}
	}
	if best == nil {
		return d.noIssuer(chain), rankNoIssuer
	}
	return best, bestRank
}

// link checks that parent can be the issuer of child at this place in chain.
func (d *diag) link(child, parent *x509.Certificate, chain []*x509.Certificate) (*Finding, int) {
	parentIsRoot := d.isRoot(parent)
	n := len(chain) + 1 // where the parent would sit, for role()
	if !parentIsRoot {
		n++
	}
	idx := len(chain)
	if err := child.CheckSignatureFrom(parent); err != nil {
		var insecure x509.InsecureAlgorithmError
		var cv x509.ConstraintViolationError
		switch {
		case errors.As(err, &insecure):
			f := weakSigFinding(child, x509.SignatureAlgorithm(insecure), d.opts)
			f.Err = err
			return f, rankSpecific
		case errors.As(err, &cv):
			f := notCA(parent, idx, n, "its basic constraints are "+bcText(parent)+" and its key usage is "+keyUsageText(parent.KeyUsage))
			f.Err = err
			return f, rankSpecific
		}
		if why := keyWeakness(parent); why != "" {
			f := weakKeyFinding(parent, idx, n, why)
			f.Err = err
			return f, rankSpecific
		}
		f := badSignatureFinding(child, parent, err)
		f.Code = d.opts.pick(ClientCertUntrusted, ServerCertUntrusted)
		return f, rankBadSignature
	}
	if why := keyWeakness(parent); why != "" {
		return weakKeyFinding(parent, idx, n, why), rankSpecific
	}
	if d.at.Before(parent.NotBefore) || d.at.After(parent.NotAfter) {
		return validityFinding(parent, false, d.at, d.opts), rankSpecific
	}
	if len(parent.UnhandledCriticalExtensions) > 0 {
		return malformed(parent, "extensions", fmt.Sprint(parent.UnhandledCriticalExtensions), "it has a critical extension no verifier understands"), rankSpecific
	}
	if !parentIsRoot && (!parent.BasicConstraintsValid || !parent.IsCA) {
		return notCA(parent, idx, n, "its basic constraints are "+bcText(parent)), rankSpecific
	}
	if parent.BasicConstraintsValid && parent.MaxPathLen >= 0 && len(chain)-1 > parent.MaxPathLen {
		return pathLenFinding(parent, len(chain)-1), rankSpecific
	}
	return nil, 0
}

// noIssuer explains a chain whose top certificate's issuer is not given.
func (d *diag) noIssuer(chain []*x509.Certificate) *Finding {
	top := chain[len(chain)-1]
	leaf := chain[0]
	if selfIssued(top) {
		return untrustedFinding(leaf, top, d.opts, "")
	}
	// A known intermediate that was not sent makes the chain incomplete; a
	// known root that is not trusted (the seeds' ZXC CA) is plain untrusted.
	for _, k := range d.opts.Known {
		if k != nil && !selfIssued(k) && bytes.Equal(k.RawSubject, top.RawIssuer) && top.CheckSignatureFrom(k) == nil {
			return incompleteFinding(leaf, top, k, d.opts)
		}
	}
	// The issuer belongs to the same organisation as a trusted root: most
	// likely an intermediate of that hierarchy that was not sent.
	if org := orgOf(top.Issuer.Organization); org != "" {
		for _, r := range d.roots {
			if r != nil && orgOf(r.Subject.Organization) == org {
				return incompleteFinding(leaf, top, nil, d.opts)
			}
		}
	}
	return untrustedFinding(leaf, top, d.opts, "")
}

func orgOf(o []string) string {
	if len(o) == 0 {
		return ""
	}
	return strings.ToLower(strings.TrimSpace(o[0]))
}

func rootsText(opts Options) string {
	if len(opts.Roots) == 0 {
		return "(none)"
	}
	var out []string
	for _, r := range opts.Roots {
		if r != nil {
			out = append(out, name(r))
		}
	}
	return strings.Join(out, "; ")
}

func profileOf(opts Options) string {
	if opts.Usage == UsageClient {
		return "client"
	}
	return "server"
}

func untrustedFinding(leaf, top *x509.Certificate, opts Options, extra string) *Finding {
	code := opts.pick(ClientCertUntrusted, ServerCertUntrusted)
	var summary, detail string
	if selfIssued(top) && top == leaf {
		summary = fmt.Sprintf("The certificate %s is self-signed and is not among the trusted roots.", name(leaf))
	} else if selfIssued(top) {
		summary = fmt.Sprintf("The chain of %s ends at %s, a root that is not trusted.", name(leaf), name(top))
	} else {
		summary = fmt.Sprintf("The certificate %s is issued by %s, which is neither a trusted root nor a given intermediate.", name(top), issuerName(top))
	}
	detail = fmt.Sprintf("certificate:   %s\nissuer:        %s\ntrusted roots: %s", name(top), issuerName(top), rootsText(opts))
	if top != leaf {
		detail = "leaf:          " + name(leaf) + "\n" + detail
	}
	if extra != "" {
		detail += "\n" + extra
	}
	return &Finding{
		Code:    code,
		Summary: summary,
		Detail:  detail,
		Fix: &pki.Fix{Kind: pki.FixTrust, Side: trustSide(opts), CA: known(caHint(top, opts), "CA"), Name: known(nameHint(leaf, opts), "NAME"), Profile: profileOf(opts),
			Say: fmt.Sprintf("trust the CA that issued it (add %s to the trusted roots), or use a certificate from a trusted CA; if the issuer is an intermediate, send it with the certificate", issuerName(top))},
		Evidence: []Evidence{ev(top, "issuer", issuerName(top))},
	}
}

func incompleteFinding(leaf, top, missing *x509.Certificate, opts Options) *Finding {
	miss := issuerName(top)
	detail := fmt.Sprintf("certificate:          %s\nmissing issuer:       %s\ntrusted roots:        %s", name(top), miss, rootsText(opts))
	if missing != nil {
		detail += fmt.Sprintf("\nknown locally:        %s (serial %s)", name(missing), serial(missing))
	}
	return &Finding{
		Code:     opts.pick(ClientChainIncomplete, ServerChainIncomplete),
		Summary:  fmt.Sprintf("The chain of %s is incomplete: the intermediate CA %s was not sent and the verifier does not know it.", name(leaf), miss),
		Detail:   detail,
		Fix:      &pki.Fix{Kind: pki.FixSendChain, Name: known(nameHint(leaf, opts), "NAME"), Say: "send the full chain (leaf then intermediates, the identity's full chain), or give the verifier the intermediate"},
		Evidence: []Evidence{ev(top, "issuer", miss)},
	}
}

func badSignatureFinding(child, parent *x509.Certificate, err error) *Finding {
	return &Finding{
		Summary:  fmt.Sprintf("The certificate %s names %s as issuer, but that CA's key did not sign it.", name(child), name(parent)),
		Detail:   fmt.Sprintf("certificate: %s\nclaimed issuer: %s (serial %s)\nsignature: %s\nerror: %v", name(child), name(parent), serial(parent), child.SignatureAlgorithm, err),
		Fix:      pki.Advice("a different CA with the same name signed it: trust that CA, or re-issue the certificate from the trusted one"),
		Evidence: []Evidence{ev(child, "signature_algorithm", child.SignatureAlgorithm.String())},
		Err:      err,
	}
}

func validityFinding(c *x509.Certificate, isLeaf bool, at time.Time, opts Options) *Finding {
	who := "The certificate"
	if !isLeaf {
		who = "The CA certificate"
	}
	if at.Before(c.NotBefore) {
		return &Finding{
			Code:     opts.pick(ClientCertNotYetValid, ServerCertNotYetValid),
			Summary:  fmt.Sprintf("%s %s is not valid yet: it starts at %s, after the verification time %s.", who, name(c), stamp(c.NotBefore), stamp(at)),
			Detail:   fmt.Sprintf("certificate: %s\nnot before:  %s\nnot after:   %s\nverified at: %s", name(c), stamp(c.NotBefore), stamp(c.NotAfter), stamp(at)),
			Fix:      atTime("check the clocks of both machines, or wait until it becomes valid (or verify at a later time)"),
			Evidence: []Evidence{ev(c, "validity.not_before", stamp(c.NotBefore))},
		}
	}
	fix := reissue("issue a new certificate", c, issuerHint(c, opts), opts)
	if !isLeaf {
		fix = pki.Advice(fmt.Sprintf("renew the CA certificate %s and re-issue what it signed", name(c)))
	}
	return &Finding{
		Code:     opts.pick(ClientCertExpired, ServerCertExpired),
		Summary:  fmt.Sprintf("%s %s expired at %s; the verification time is %s.", who, name(c), stamp(c.NotAfter), stamp(at)),
		Detail:   fmt.Sprintf("certificate: %s\nnot before:  %s\nnot after:   %s\nverified at: %s", name(c), stamp(c.NotBefore), stamp(c.NotAfter), stamp(at)),
		Fix:      fix,
		Evidence: []Evidence{ev(c, "validity.not_after", stamp(c.NotAfter))},
	}
}

func hasSAN(c *x509.Certificate) bool { return hasExt(c, oidSAN) }

func nameFinding(c *x509.Certificate, host string, opts Options) *Finding {
	if !hasSAN(c) && c.Subject.CommonName != "" && strings.EqualFold(strings.TrimSuffix(c.Subject.CommonName, "."), strings.TrimSuffix(host, ".")) {
		return &Finding{
			Code:     ServerCertCNOnly,
			Summary:  fmt.Sprintf("The certificate %s names %s only in its Common Name and has no Subject Alternative Name; Go and modern clients ignore the CN.", name(c), host),
			Detail:   fmt.Sprintf("wanted:  %s\nsubject: %s\nSAN:     (absent)\nopenssl, curl and Node.js still accept a CN match; Go does not", host, name(c)),
			Fix:      withNames(reissueAs("re-issue it with the name in the SAN", c, opts, "server"), host),
			Evidence: []Evidence{ev(c, "ext.subject_alt_name", "(absent)")},
		}
	}
	return &Finding{
		Code:     ServerNameMismatch,
		Summary:  fmt.Sprintf("The certificate %s is not valid for %s; it covers %s.", name(c), host, nameCovers(c, host)),
		Detail:   fmt.Sprintf("wanted:  %s\ncovered: %s\nsubject: %s", host, sanText(c), name(c)),
		Fix:      withNames(reissueAs("connect with a name the certificate covers, or re-issue it with this one", c, opts, "server"), host),
		Evidence: []Evidence{ev(c, "ext.subject_alt_name", sanText(c))},
	}
}

func usageFinding(leaf *x509.Certificate, opts Options) *Finding {
	want := requiredEKU(opts.Usage)
	code := opts.pick(ClientCertWrongUsage, ServerCertWrongUsage)
	wantName := ekuNames[want]
	if !ekuAllows(leaf, want) {
		return &Finding{
			Code:     code,
			Summary:  fmt.Sprintf("The certificate %s may not be used for %s authentication: its extended key usage is %s, without %s.", name(leaf), opts.Usage, ekuText(leaf), wantName),
			Detail:   fmt.Sprintf("extended key usage: %s\nneeded:             %s", ekuText(leaf), wantName),
			Fix:      reissue(fmt.Sprintf("re-issue it with the %s profile", profileOf(opts)), leaf, issuerHint(leaf, opts), opts),
			Evidence: []Evidence{ev(leaf, "ext.extended_key_usage", ekuText(leaf))},
		}
	}
	// The leaf is fine: a CA above it restricts the usages it may issue for.
	for _, c := range append(slices.Clip(opts.Intermediates), opts.Roots...) {
		if c != nil && (len(c.ExtKeyUsage) > 0 || len(c.UnknownExtKeyUsage) > 0) && !ekuAllows(c, want) {
			return &Finding{
				Code:     code,
				Summary:  fmt.Sprintf("The CA %s restricts the certificates it signs to %s, which excludes %s.", name(c), ekuText(c), wantName),
				Detail:   fmt.Sprintf("CA extended key usage:   %s\nleaf extended key usage: %s\nneeded:                  %s", ekuText(c), ekuText(leaf), wantName),
				Fix:      pki.Advice("issue from a CA without that restriction, or one whose extended key usage includes it"),
				Evidence: []Evidence{ev(c, "ext.extended_key_usage", ekuText(c))},
			}
		}
	}
	return &Finding{
		Code:     code,
		Summary:  fmt.Sprintf("No chain for %s allows %s.", name(leaf), wantName),
		Detail:   fmt.Sprintf("leaf extended key usage: %s", ekuText(leaf)),
		Fix:      reissue(fmt.Sprintf("re-issue it with the %s profile", profileOf(opts)), leaf, issuerHint(leaf, opts), opts),
		Evidence: []Evidence{ev(leaf, "ext.extended_key_usage", ekuText(leaf))},
	}
}

func ekuAllows(c *x509.Certificate, want x509.ExtKeyUsage) bool {
	if want == x509.ExtKeyUsageAny {
		return true
	}
	if len(c.ExtKeyUsage) == 0 && len(c.UnknownExtKeyUsage) == 0 {
		return !hasExt(c, oidExtKeyUsage)
	}
	return slices.Contains(c.ExtKeyUsage, want) || slices.Contains(c.ExtKeyUsage, x509.ExtKeyUsageAny)
}

func ncFinding(leaf *x509.Certificate, opts Options, detail string) *Finding {
	f := &Finding{
		Code:     NameConstraintViolated,
		Summary:  fmt.Sprintf("A CA above %s is not allowed to issue for the names it carries (%s).", name(leaf), sanText(leaf)),
		Detail:   strings.TrimPrefix(detail, "x509: "),
		Fix:      pki.Advice("issue the certificate only for names the CA's name constraints permit, or from a CA without those constraints"),
		Evidence: []Evidence{ev(leaf, "ext.subject_alt_name", sanText(leaf))},
	}
	for _, c := range append(slices.Clip(opts.Intermediates), opts.Roots...) {
		if c != nil && hasExt(c, oidNameConstraints) {
			f.Summary = fmt.Sprintf("The CA %s is not allowed to issue for the names %s carries (%s).", name(c), name(leaf), sanText(leaf))
			f.Detail += "\n" + name(c) + " constraints:\n" + ncText(c)
			// The CA's constraints are what the verdict blames; the leaf's names second.
			f.Evidence = append([]Evidence{ev(c, "ext.name_constraints", strings.ReplaceAll(strings.TrimSpace(ncText(c)), "\n", "; "))}, f.Evidence...)
			break
		}
	}
	return f
}

func weakSigFinding(c *x509.Certificate, alg x509.SignatureAlgorithm, opts Options) *Finding {
	return &Finding{
		Code:     WeakSignature,
		Summary:  fmt.Sprintf("The certificate %s is signed with %s, which verifiers no longer accept.", name(c), alg),
		Detail:   fmt.Sprintf("certificate: %s\nissuer:      %s\nsignature:   %s", name(c), issuerName(c), alg),
		Fix:      reissue("re-issue it with a SHA-256 (or stronger) signature", c, issuerHint(c, opts), opts),
		Evidence: []Evidence{ev(c, "signature_algorithm", alg.String())},
	}
}

func pathLenFinding(ca *x509.Certificate, below int) *Finding {
	s := fmt.Sprintf("The CA %s allows %d intermediate CA(s) below it (pathlen:%d), but the chain has more", name(ca), ca.MaxPathLen, ca.MaxPathLen)
	if below >= 0 {
		s += fmt.Sprintf(" (%d)", below)
	}
	return &Finding{
		Code:     PathLenExceeded,
		Summary:  s + ".",
		Detail:   fmt.Sprintf("CA:                %s\nbasic constraints: %s", name(ca), bcText(ca)),
		Fix:      pki.Advice(fmt.Sprintf("issue from a CA closer to %s, or re-create it with a larger path length", name(ca))),
		Evidence: []Evidence{ev(ca, "ext.basic_constraints", bcText(ca))},
	}
}

func crlErrorFinding(e *CRLError, opts Options) *Finding {
	if e.Cert != nil && e.Issuer != nil {
		o := opts
		if e.CRL != nil {
			o.CRLs = []*x509.RevocationList{e.CRL}
		}
		if !e.At.IsZero() {
			o.At = e.At
		}
		o.RequireCRL = e.Problem == ProblemMissing
		if f := checkLink(e.Cert, e.Issuer, 0, o, o.at()); f != nil {
			return f
		}
	}
	code := CRLInvalid
	switch e.Problem {
	case ProblemExpired, ProblemNotYetValid:
		code = CRLStale
	case ProblemMissing:
		code = CRLMissing
	case ProblemRevoked:
		code = opts.pick(ClientCertRevoked, ServerCertRevoked)
	}
	return &Finding{Code: code, Summary: e.Error() + ".", Err: e}
}
