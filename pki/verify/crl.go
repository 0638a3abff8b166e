package verify

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pkibench/pkibench/pki"
)

// CRLProblem says what is wrong with a CRL or what it says about a certificate.
type CRLProblem int

const (
	ProblemBadSignature CRLProblem = iota // the issuer's key did not sign it, or the issuer may not sign CRLs
	ProblemMalformed                      // missing CRL number, critical extension not understood, ...
	ProblemNotYetValid                    // thisUpdate after the verification time
	ProblemExpired                        // nextUpdate before the verification time
	ProblemMissing                        // no CRL from the link's issuer
	ProblemRevoked                        // the serial is listed
)

func (p CRLProblem) String() string {
	switch p {
	case ProblemBadSignature:
		return "bad signature"
	case ProblemMalformed:
		return "malformed"
	case ProblemNotYetValid:
		return "not yet valid"
	case ProblemExpired:
		return "past its next update"
	case ProblemMissing:
		return "missing"
	case ProblemRevoked:
		return "revoked"
	}
	return "unknown"
}

// CRLError is the typed error behind every CRL finding.
type CRLError struct {
	Problem CRLProblem
	Cert    *x509.Certificate // the link being checked
	Issuer  *x509.Certificate // the CA expected to sign the CRL
	CRL     *x509.RevocationList
	Entry   *x509.RevocationListEntry // set for ProblemRevoked
	At      time.Time
	Err     error // the underlying error (signature, parse)
}

func (e *CRLError) Error() string {
	s := fmt.Sprintf("CRL of %s: %s", name(e.Issuer), e.Problem)
	if e.Problem == ProblemRevoked && e.Entry != nil {
		s = fmt.Sprintf("certificate %s (serial %s) is revoked by the CRL of %s", name(e.Cert), serial(e.Cert), name(e.Issuer))
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *CRLError) Unwrap() error { return e.Err }

var (
	oidCRLNumber        = asn1.ObjectIdentifier{2, 5, 29, 20}
	oidAKI              = asn1.ObjectIdentifier{2, 5, 29, 35}
	oidDeltaCRLIndictor = asn1.ObjectIdentifier{2, 5, 29, 27}
	oidIssuingDP        = asn1.ObjectIdentifier{2, 5, 29, 28}
)

// CheckCRL checks an already built chain (leaf first) against opts.CRLs:
// for every link below the root, the CRLs its issuer published must be
// signed by that issuer, current at opts.At, and must not list the link.
// Go's crypto/x509 does none of this, so the probe's server calls it itself.
func CheckCRL(chain []*x509.Certificate, opts Options) *Finding {
	at := opts.at()
	for i := 0; i+1 < len(chain); i++ {
		if f := checkLink(chain[i], chain[i+1], i, opts, at); f != nil {
			return f
		}
	}
	return nil
}

func checkLink(c, issuer *x509.Certificate, depth int, opts Options, at time.Time) *Finding {
	if c == nil || issuer == nil {
		return nil
	}
	var usable []*x509.RevocationList
	var firstBad *Finding
	matched := 0
	for _, crl := range opts.CRLs {
		if crl == nil || !bytes.Equal(crl.RawIssuer, issuer.RawSubject) {
			continue
		}
		matched++
		if f := crlProblem(crl, c, issuer, opts, at); f != nil {
			if firstBad == nil {
				firstBad = f
			}
			continue
		}
		usable = append(usable, crl)
	}
	if matched == 0 {
		if !opts.RequireCRL && !(opts.RequireLeafCRL && depth == 0) {
			return nil
		}
		err := &CRLError{Problem: ProblemMissing, Cert: c, Issuer: issuer, At: at}
		return &Finding{
			Code:     CRLMissing,
			Summary:  fmt.Sprintf("CRL checking is on but there is no CRL from %s, the issuer of %s (openssl: unable to get certificate CRL).", name(issuer), name(c)),
			Detail:   fmt.Sprintf("certificate: %s (serial %s)\nissuer:      %s\nCRLs given:  %d, none issued by that CA%s", name(c), serial(c), name(issuer), len(opts.CRLs), crlIssuers(opts.CRLs)),
			Fix:      publishCRL("publish the CA's CRL and give it to the verifier", issuer, opts),
			Evidence: []Evidence{ev(c, "issuer", issuerName(c))},
			Err:      err,
		}
	}
	if len(usable) == 0 {
		return firstBad
	}
	for _, crl := range usable {
		for i := range crl.RevokedCertificateEntries {
			e := &crl.RevokedCertificateEntries[i]
			if e.SerialNumber == nil || c.SerialNumber == nil || e.SerialNumber.Cmp(c.SerialNumber) != 0 {
				continue
			}
			if !e.RevocationTime.IsZero() && e.RevocationTime.After(at) {
				// Revoked later than the time we verify at: not yet revoked then.
				continue
			}
			return revokedFinding(c, issuer, depth, crl, e, opts, at)
		}
	}
	return nil
}

// crlProblem checks one CRL from issuer: signature, well-formedness, dates.
func crlProblem(crl *x509.RevocationList, c, issuer *x509.Certificate, opts Options, at time.Time) *Finding {
	base := func(p CRLProblem, err error) *CRLError {
		return &CRLError{Problem: p, Cert: c, Issuer: issuer, CRL: crl, At: at, Err: err}
	}
	if _, err := pki.CheckCRLSignature(crl, issuer); err != nil {
		why := "the signature does not verify with the issuer's public key (" + err.Error() + ")"
		var cv x509.ConstraintViolationError
		field, value := "signature_algorithm", crl.SignatureAlgorithm.String()
		if errors.As(err, &cv) {
			if issuer.KeyUsage != 0 && issuer.KeyUsage&x509.KeyUsageCRLSign == 0 {
				why = "the issuer's key usage lacks cRLSign, so it may not sign CRLs"
				field, value = "ext.key_usage", keyUsageText(issuer.KeyUsage)
			} else {
				why = "the issuer is not a CA (basic constraints CA:FALSE or absent)"
				field, value = "ext.basic_constraints", bcText(issuer)
			}
		}
		return &Finding{
			Code:     CRLInvalid,
			Summary:  fmt.Sprintf("The CRL that names %s as issuer is not valid: %s.", name(issuer), why),
			Detail:   crlDetail(crl) + "\nissuer:       " + name(issuer),
			Fix:      publishCRL("re-publish the CRL with the CA's own key", issuer, opts),
			Evidence: []Evidence{ev(issuer, field, value)},
			Err:      base(ProblemBadSignature, err),
		}
	}
	if why := crlMalformed(crl); why != "" {
		return &Finding{
			Code:     CRLInvalid,
			Summary:  fmt.Sprintf("The CRL of %s is malformed: %s.", name(issuer), why),
			Detail:   crlDetail(crl),
			Fix:      publishCRL("re-publish a conforming v2 CRL", issuer, opts),
			Evidence: []Evidence{{Cert: "CRL of " + name(issuer), Field: "crl.extensions", Value: why}},
			Err:      base(ProblemMalformed, errors.New(why)),
		}
	}
	if crl.ThisUpdate.After(at) {
		return &Finding{
			Code:     CRLStale,
			Summary:  fmt.Sprintf("The CRL of %s is not valid yet: its thisUpdate %s is after the verification time %s.", name(issuer), stamp(crl.ThisUpdate), stamp(at)),
			Detail:   crlDetail(crl) + "\nverified at:  " + stamp(at),
			Fix:      atTime("check the clocks of the CA and the verifier, or verify at a later time"),
			Evidence: []Evidence{{Cert: "CRL of " + name(issuer), Field: "crl.this_update", Value: stamp(crl.ThisUpdate)}},
			Err:      base(ProblemNotYetValid, nil),
		}
	}
	if !crl.NextUpdate.IsZero() && at.After(crl.NextUpdate) {
		return &Finding{
			Code:     CRLStale,
			Summary:  fmt.Sprintf("The CRL of %s is stale: its nextUpdate %s passed before the verification time %s.", name(issuer), stamp(crl.NextUpdate), stamp(at)),
			Detail:   crlDetail(crl) + "\nverified at:  " + stamp(at),
			Fix:      publishCRL("publish a fresh CRL and reload it where it is checked", issuer, opts),
			Evidence: []Evidence{{Cert: "CRL of " + name(issuer), Field: "crl.next_update", Value: stamp(crl.NextUpdate)}},
			Err:      base(ProblemExpired, nil),
		}
	}
	return nil
}

// crlMalformed names an RFC 5280 §5 rule the CRL breaks that makes it
// unusable, or "".
func crlMalformed(crl *x509.RevocationList) string {
	for _, e := range crl.Extensions {
		switch {
		case e.Id.Equal(oidCRLNumber):
			if e.Critical {
				return "the CRL number extension is marked critical (RFC 5280 5.2.3 says non-critical)"
			}
		case e.Id.Equal(oidAKI):
		case e.Id.Equal(oidDeltaCRLIndictor), e.Id.Equal(oidIssuingDP):
			if e.Critical {
				return fmt.Sprintf("critical extension %s is not supported (delta CRLs and partitioned CRLs)", e.Id)
			}
		default:
			if e.Critical {
				return fmt.Sprintf("unknown critical extension %s", e.Id)
			}
		}
	}
	// A v1 CRL has no extensions at all; `openssl ca -gencrl` without a
	// crlnumber file makes one (the seeds' ca-crl.pem), and openssl and
	// Node.js accept it, so only a v2 CRL must carry its number.
	if crl.Number == nil && len(crl.Extensions) > 0 {
		return "it is a v2 CRL without a CRL number (RFC 5280 5.2.3 requires one)"
	}
	return ""
}

func revokedFinding(c, issuer *x509.Certificate, depth int, crl *x509.RevocationList, e *x509.RevocationListEntry, opts Options, at time.Time) *Finding {
	reason := pki.Reason(e.ReasonCode).String()
	which := "The certificate"
	if depth > 0 {
		which = "The intermediate CA"
	}
	profile := "server"
	if opts.Usage == UsageClient {
		profile = "client"
	}
	fix := reissueAs("issue a new certificate and install it", c, opts, profile)
	fix.CA = known(caHint(issuer, opts), "CA")
	if depth > 0 {
		fix = createCA(fmt.Sprintf("the CA %s itself is revoked: create a new intermediate and re-issue below it", name(c)))
		fix.Parent = known(caHint(issuer, opts), "CA")
	}
	return &Finding{
		Code: opts.pick(ClientCertRevoked, ServerCertRevoked),
		Summary: fmt.Sprintf("%s %s (serial %s) was revoked on %s (reason: %s) by %s.",
			which, name(c), serial(c), stamp(e.RevocationTime), reason, name(issuer)),
		Detail: fmt.Sprintf("certificate:  %s\nserial:       %s\nrevoked:      %s\nreason:       %s\n%s",
			name(c), serial(c), stamp(e.RevocationTime), reason, crlDetail(crl)),
		Fix:      fix,
		Evidence: []Evidence{ev(c, "serial", serial(c)), {Cert: "CRL of " + name(issuer), Field: "crl.revoked", Value: serial(c) + " " + reason + " " + stamp(e.RevocationTime)}},
		Err:      &CRLError{Problem: ProblemRevoked, Cert: c, Issuer: issuer, CRL: crl, Entry: e, At: at},
	}
}

func crlDetail(crl *x509.RevocationList) string {
	num := "(none)"
	if crl.Number != nil {
		num = crl.Number.String()
	}
	next := "(none)"
	if !crl.NextUpdate.IsZero() {
		next = stamp(crl.NextUpdate)
	}
	iss := pki.FormatName(crl.Issuer)
	return fmt.Sprintf("CRL issuer:   %s\nCRL number:   %s\nthisUpdate:   %s\nnextUpdate:   %s\nentries:      %d",
		iss, num, stamp(crl.ThisUpdate), next, len(crl.RevokedCertificateEntries))
}

// caHint guesses the store name of a CA from its CN, for the fix commands.
// caHint names a CA only by its store name: a name made from a CA's CN
// ("abc-inc.-root-ca") would send the user to a CA that does not exist.
func caHint(c *x509.Certificate, opts Options) string {
	if c != nil && opts.NameOf != nil {
		if n := opts.NameOf(c); n != "" {
			return n
		}
	}
	return "CA"
}

// issuerHint is caHint for the issuer of c, looked up among the given certificates.
func issuerHint(c *x509.Certificate, opts Options) string {
	for _, set := range [][]*x509.Certificate{opts.Intermediates, opts.Roots, opts.Known} {
		for _, i := range set {
			if i != nil && c != nil && string(i.RawSubject) == string(c.RawIssuer) && c.CheckSignatureFrom(i) == nil {
				return caHint(i, opts)
			}
		}
	}
	return "CA"
}

func nameHint(c *x509.Certificate, opts Options) string { return storeName(c, "NAME", opts) }

// storeName lowers a CN into the store's name alphabet; the result is only
// a suggestion, so an unusable CN falls back to a placeholder.
func storeName(c *x509.Certificate, fallback string, opts Options) string {
	if c == nil {
		return fallback
	}
	if opts.NameOf != nil {
		if n := opts.NameOf(c); n != "" {
			return n
		}
	}
	cn := strings.ToLower(strings.TrimSpace(c.Subject.CommonName))
	var b strings.Builder
	for _, r := range cn {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '.', r == '_', r == '-':
			b.WriteRune(r)
		case r == ' ':
			b.WriteRune('-')
		}
	}
	s := strings.Trim(b.String(), "-._")
	if s == "" || len(s) > 64 {
		return fallback
	}
	return s
}

// CRLWarnings lists the weaknesses of the CRLs the chain was checked
// against that do not make them invalid: a CRL signed with MD5 or SHA-1 by
// its issuer is genuine (openssl and Node.js use it) but its signature
// could be forged, so it is reported as weak-signature beside the verdict.
func CRLWarnings(chain []*x509.Certificate, opts Options) []*Finding {
	var out []*Finding
	for i := 0; i+1 < len(chain); i++ {
		issuer := chain[i+1]
		for _, crl := range opts.CRLs {
			if crl == nil || !bytes.Equal(crl.RawIssuer, issuer.RawSubject) {
				continue
			}
			if weak, err := pki.CheckCRLSignature(crl, issuer); err != nil || !weak {
				continue
			}
			out = append(out, &Finding{
				Code:     WeakSignature,
				Summary:  fmt.Sprintf("The CRL of %s is signed with %s: its signature verifies, but the digest is broken and such a CRL could be forged.", name(issuer), crl.SignatureAlgorithm),
				Detail:   crlDetail(crl) + "\nsignature:    " + crl.SignatureAlgorithm.String(),
				Fix:      &pki.Fix{Kind: pki.FixPublishCRL, Say: "re-publish the CRL signed with SHA-256 (openssl: default_md = sha256)", CA: known(caHint(issuer, opts), "CA")},
				Evidence: []Evidence{{Cert: "CRL of " + name(issuer), Field: "crl.signature_algorithm", Value: crl.SignatureAlgorithm.String()}},
			})
		}
	}
	return out
}

// crlIssuers lists who issued the CRLs that were given, so a crl-missing
// says which CRL came instead of the one needed.
func crlIssuers(crls []*x509.RevocationList) string {
	var b strings.Builder
	for i, crl := range crls {
		if crl == nil {
			continue
		}
		if i == 5 {
			fmt.Fprintf(&b, "\n  ... and %d more", len(crls)-i)
			break
		}
		fmt.Fprintf(&b, "\n  given:      CRL from %s", pki.FormatName(crl.Issuer))
	}
	return b.String()
}
