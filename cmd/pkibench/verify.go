package main

import (
	"bytes"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/pkibench/pkibench/pki"
	"github.com/pkibench/pkibench/pki/verify"
	"github.com/pkibench/pkibench/probe/equiv"
	"github.com/pkibench/pkibench/store"
	"github.com/pkibench/pkibench/store/layout"
)

// verifyOutput is what verify prints, as text or JSON.
type verifyOutput struct {
	Target  string          `json:"target"`
	Subject string          `json:"subject"`
	OK      bool            `json:"ok"`
	Reason  verify.Code     `json:"reason"`
	Finding *verify.Finding `json:"finding"` // null when OK
	Chain   []string        `json:"chain"`   // [] when not OK
	// Warnings are weaknesses that do not fail the check (a CRL signed
	// with MD5); [] when none.
	Warnings []*verify.Finding `json:"warnings"`
	At       time.Time         `json:"at"`
	// Emulate is the client whose judgement was copied; Warning what it
	// accepted that other clients refuse (a CN-only name), "" when nothing.
	Emulate verify.Client `json:"emulate"`
	Warning string        `json:"warning"`
}

// parseUsage reads --usage; without one, a host name to match means a TLS
// server is being checked, so an e-mail-only chain must not pass for it.
func parseUsage(usage, name string) (verify.Usage, error) {
	switch usage {
	case "":
		if name != "" {
			return verify.UsageServer, nil
		}
		return verify.UsageAny, nil
	case "any":
		return verify.UsageAny, nil
	case "server":
		return verify.UsageServer, nil
	case "client":
		return verify.UsageClient, nil
	}
	return verify.UsageAny, usagef("--usage %q: expected server, client or any", usage)
}

// readCRLFiles reads the --crl files; each must hold CRLs only.
func readCRLFiles(paths []string) ([]*x509.RevocationList, error) {
	var out []*x509.RevocationList
	for _, p := range paths {
		b, err := store.ReadInput(p)
		if err != nil {
			return nil, fmt.Errorf("--crl: %w", err)
		}
		objs, err := pki.Decode(b, p)
		if err != nil {
			if isCRL, why := looksLikeCRL(b); isCRL {
				if why != nil {
					err = why
				}
				return nil, unreadableCRL(p, err)
			}
			return nil, err
		}
		for _, o := range objs {
			if o.CRL == nil {
				return nil, fmt.Errorf("--crl %s: holds a %s, expected a CRL", p, o.Kind)
			}
			if err := pki.CRLShape(o.CRL.Raw); err != nil {
				return nil, unreadableCRL(p, err)
			}
			out = append(out, o.CRL)
		}
	}
	return out, nil
}

// verifyResult is the output of a verification that ran: the chain it
// built, or the finding, and the weak CRL signatures met on the way.
func verifyResult(target string, leaf *x509.Certificate, opts verify.Options, client verify.Client, warn string, chains [][]*x509.Certificate, f *verify.Finding) verifyOutput {
	out := verifyOutput{Target: target, Subject: pki.FormatName(leaf.Subject), Finding: f, At: opts.At.UTC(), Emulate: client, Warning: warn}
	var ce *verify.CRLError
	if f != nil {
		if errors.As(f.Err, &ce) && ce.CRL != nil && ce.Cert != nil && ce.Issuer != nil {
			// A revocation read from a weakly signed CRL says so too.
			out.Warnings = verify.CRLWarnings([]*x509.Certificate{ce.Cert, ce.Issuer}, verify.Options{CRLs: []*x509.RevocationList{ce.CRL}, NameOf: opts.NameOf})
		}
	} else if len(chains) > 0 {
		for _, c := range chains[0] {
			out.Chain = append(out.Chain, pki.FormatName(c.Subject))
		}
		out.Warnings = verify.CRLWarnings(chains[0], opts)
	}
	return out
}

// printVerify prints a verify result as text or JSON (every key present);
// a failed result returns errReported (exit 1) after printing. run renders
// a fix as a command.
func (a *app) printVerify(out verifyOutput, source string, run func(*pki.Fix) string) error {
	out.OK = out.Finding == nil
	out.Reason = verify.OK
	if out.Finding != nil {
		out.Reason = out.Finding.Code
	}
	if out.Chain == nil {
		out.Chain = []string{}
	}
	if out.Warnings == nil {
		out.Warnings = []*verify.Finding{}
	}
	switch {
	case a.json:
		if err := a.printJSON(out); err != nil {
			return err
		}
	case out.Finding == nil:
		a.printf("%s: OK\n  chain: %s\n", source, strings.Join(out.Chain, "\n      -> "))
		if out.Warning != "" {
			a.printf("  warning: %s\n", out.Warning)
		}
		for _, w := range out.Warnings {
			a.printf("  warning (%s): %s\n", w.Code, w.Summary)
		}
	default:
		a.printf("%s: FAILED\n%s", source, verify.Text(out.Finding, run))
		for _, w := range out.Warnings {
			a.printf("warning (%s): %s\n", w.Code, w.Summary)
		}
	}
	if out.Finding != nil {
		return errReported
	}
	return nil
}

func (a *app) verifyCommand() *cobra.Command {
	var ca, roots, inter, name, usage, at, emulate string
	var crls []string
	var storeCRLs bool
	var maxDepth int
	c := &cobra.Command{
		Use:   "verify TARGET",
		Short: "Verify a certificate as a TLS peer would; on failure the reason code, evidence and fix",
		Long: `verify builds and checks the chain of TARGET (a store name, CA/SERIAL or any
certificate file) against a store CA (--ca) or a roots file (--roots). With no
trust given, a store certificate is checked against the root of its own chain.
CRLs are checked (signature, issuer, nextUpdate, serial) when given with --crl,
or with --store-crls for the CRLs the store published. Exit code 1 on failure.`,
		Example: `  pkibench verify invoice-server --name localhost --usage server
  pkibench verify client.crt --roots ca.crt --usage client --crl ca-crl.pem
  pkibench verify mail-server --at +400d`,
		Args: exactArgs(1, "TARGET"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts := verify.Options{Name: name}
			client, err := verify.ParseClient(emulate)
			if err != nil {
				return usagef("--emulate: %v", err)
			}
			if opts.Usage, err = parseUsage(usage, name); err != nil {
				return err
			}
			opts.At = time.Now()
			if at != "" {
				t, err := parseTime("--at", at, time.Now(), pki.ClockRange())
				if err != nil {
					return err
				}
				opts.At = t
			}
			if cmd.Flags().Changed("max-depth") {
				if maxDepth < 0 {
					return usagef("--max-depth %d: expected 0 or more intermediates", maxDepth)
				}
				opts.MaxIntermediates = &maxDepth
			}
			tg, err := a.loadTarget(args[0], true)
			if err != nil {
				return err
			}
			certs, bad := checkedCerts(tg.objs, tg.source, "leaf", "intermediate")
			if bad != nil {
				return a.printVerify(verifyOutput{Target: args[0], Subject: bad.Evidence[0].Cert, Reason: bad.Code, Finding: bad, At: opts.At.UTC()}, tg.source, nil)
			}
			if len(certs) == 0 {
				return fmt.Errorf("%s: no certificate to verify (found %s)", tg.source, kinds(tg.objs))
			}
			leaf := certs[0]
			opts.Intermediates = certs[1:]
			if err := a.trustFor(tg, args[0], ca, roots, &opts); err != nil {
				var mf *malformedFile
				if errors.As(err, &mf) {
					return a.printVerify(verifyOutput{Target: args[0], Subject: pki.FormatName(leaf.Subject), Reason: mf.f.Code, Finding: mf.f, At: opts.At.UTC()}, tg.source, nil)
				}
				return err
			}
			if inter != "" {
				cs, err := readCertFileChecked(inter, "--intermediates", "untrusted intermediate")
				if err != nil {
					var mf *malformedFile
					if errors.As(err, &mf) {
						return a.printVerify(verifyOutput{Target: args[0], Subject: pki.FormatName(leaf.Subject), Reason: mf.f.Code, Finding: mf.f, At: opts.At.UTC()}, tg.source, nil)
					}
					return err
				}
				opts.Intermediates = append(opts.Intermediates, cs...)
			}
			if opts.CRLs, err = readCRLFiles(crls); err != nil {
				var mf *malformedFile
				if errors.As(err, &mf) {
					return a.printVerify(verifyOutput{Target: args[0], Subject: pki.FormatName(leaf.Subject), Reason: mf.f.Code, Finding: mf.f, At: opts.At.UTC()}, tg.source, nil)
				}
				return err
			}
			// As openssl verify -crl_check (one CRL file) and -crl_check_all
			// (several) do: a CRL that does not cover the issuer it must
			// cover fails closed (crl-missing), it never means "not revoked".
			switch {
			case len(crls) == 1:
				opts.RequireLeafCRL = true
			case len(crls) > 1:
				opts.RequireCRL = true
			}
			if storeCRLs && tg.st != nil {
				crls, err := tg.st.CRLs()
				if err != nil {
					return err
				}
				opts.CRLs = append(opts.CRLs, crls...)
				opts.RequireCRL = true
			}
			if len(opts.Roots) == 0 {
				return usagef("no trust anchor: give --ca CA or --roots FILE")
			}
			if tg.st != nil {
				var own *pki.Identity
				if id, err := tg.st.Identity(args[0], nil); err == nil {
					own = &id
				}
				k := tg.st.Knowledge(own)
				opts.NameOf, opts.Known = k.NameOf, k.CAs
			}
			if a.showCommands {
				return a.printCommands(equiv.Verify(verifySpec(a, tg, ca, roots, inter, crls, usage, name, at, opts.At)))
			}
			chains, f, warn := verify.VerifyAs(client, leaf, opts)
			if f != nil && f.Code == verify.CRLMissing && len(crls) > 0 {
				f.Detail += "\n--crl:       " + strings.Join(crls, ", ")
			}
			return a.printVerify(verifyResult(args[0], leaf, opts, client, warn, chains, f), tg.source, a.fixRun(tg.st))
		},
	}
	fl := c.Flags()
	fl.StringVar(&ca, "ca", "", "trust this store CA (its root is the anchor, the CA's chain the intermediates)")
	fl.StringVar(&roots, "roots", "", "trust the certificates in this file")
	fl.StringVar(&inter, "intermediates", "", "untrusted intermediates (PEM or DER file)")
	fl.StringVar(&name, "name", "", "DNS name or IP address the certificate must cover")
	fl.StringVar(&usage, "usage", "", "server or client: the EKU to require and which reason codes to report")
	fl.StringSliceVar(&crls, "crl", nil, "check revocation against this CRL file (repeatable)")
	fl.BoolVar(&storeCRLs, "store-crls", false, "check revocation against the CRLs published in the store")
	fl.StringVar(&at, "at", "", "verification time, years 1950-9999: "+pki.TimeForms)
	fl.IntVar(&maxDepth, "max-depth", 0, "at most this many intermediate CAs between the leaf and the trust anchor (self-issued repeats count once); unlimited when not given")
	addEmulateFlag(fl, &emulate)
	a.addCommandsFlag(c)
	return c
}

// verifySpec names the files openssl verify would need for the same check.
func verifySpec(a *app, tg *target, ca, roots, inter string, crls []string, usage, name, at string, when time.Time) equiv.VerifySpec {
	s := equiv.VerifySpec{Leaf: tg.source, CRLs: crls, Usage: usage, Name: name}
	if at != "" {
		s.At = when
	}
	switch {
	case roots != "":
		s.Roots = []string{roots}
	case ca != "":
		s.Roots = []string{a.layout().CA(ca).Chain}
	default:
		if chain := filepath.Join(filepath.Dir(tg.source), layout.Chain); fileExists(chain) {
			s.Roots = []string{chain}
		}
	}
	if inter != "" {
		s.Intermediates = []string{inter}
	}
	return s
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// trustFor fills Roots (and the CA chain as intermediates) from --ca,
// --roots or the target's own store chain.
func (a *app) trustFor(tg *target, name, ca, roots string, opts *verify.Options) error {
	if tg.st == nil && ca != "" {
		return fmt.Errorf("--ca %s: no store at %s", ca, a.dir())
	}
	switch {
	case roots != "":
		cs, err := readCertFileChecked(roots, "--roots", "trust anchor")
		if err != nil {
			return err
		}
		opts.Roots = cs
	case ca != "":
		chain, err := tg.st.CAChain(ca)
		if err != nil {
			return err
		}
		addChain(opts, chain)
	case tg.st != nil:
		id, err := tg.st.Identity(name, nil)
		if err != nil {
			return nil // a file, not a store identity: the caller asks for trust
		}
		if root := store.Root(id); root != nil {
			opts.Roots = []*x509.Certificate{root}
			opts.Intermediates = append(opts.Intermediates, id.Chain[:len(id.Chain)-1]...)
		}
	}
	return nil
}

// addChain trusts the top of a CA chain and offers the rest as intermediates.
func addChain(opts *verify.Options, chain []*x509.Certificate) {
	last := chain[len(chain)-1]
	opts.Roots = append(opts.Roots, last)
	opts.Intermediates = append(opts.Intermediates, chain[:len(chain)-1]...)
}

func kinds(objs []pki.Object) string {
	var s []string
	for _, o := range objs {
		s = append(s, string(o.Kind))
	}
	if len(s) == 0 {
		return "nothing"
	}
	return strings.Join(s, ", ")
}

// checkedCerts returns the certificates of objs in order, or the
// cert-malformed finding for the first one crypto/x509 refused. first
// names the role of the first certificate, rest that of the others.
func checkedCerts(objs []pki.Object, source, first, rest string) ([]*x509.Certificate, *verify.Finding) {
	var out []*x509.Certificate
	n := 0
	for i, o := range objs {
		if o.Kind != pki.KindCertificate {
			continue
		}
		n++
		if o.Refused != nil {
			role := first
			if n > 1 {
				role = fmt.Sprintf("%s %d", rest, n-1)
			}
			which := fmt.Sprintf("%s (object %d of %s)", role, i+1, source)
			return nil, verify.MalformedCert(o.Refused, which, pki.RefusedSubject(o.DER))
		}
		out = append(out, o.Cert)
	}
	return out, nil
}

// malformedFile carries a cert-malformed finding out of a helper that
// reads a --roots or --intermediates file.
type malformedFile struct{ f *verify.Finding }

func (e *malformedFile) Error() string { return e.f.Summary }

// readCertFileChecked is readCertFile, but a certificate crypto/x509
// refuses becomes a *malformedFile error carrying the cert-malformed
// finding; role names what the file's certificates are for.
func readCertFileChecked(path, flag, role string) ([]*x509.Certificate, error) {
	b, err := store.ReadInput(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", flag, err)
	}
	objs, err := pki.DecodeLenient(b, path)
	if err != nil {
		return nil, err
	}
	certs, bad := checkedCerts(objs, path, role, role)
	if bad != nil {
		return nil, &malformedFile{bad}
	}
	if len(certs) == 0 {
		return nil, fmt.Errorf("%s %s: no certificate in the file (expected PEM or DER certificates)", flag, path)
	}
	return certs, nil
}

// looksLikeCRL says whether a --crl file that did not decode was meant as
// a CRL: a PEM X509 CRL block, or DER that the display decode reads as a
// CRL or refuses for its CRL shape; why is that refusal, more precise
// than the strict decode's error.
func looksLikeCRL(b []byte) (isCRL bool, why error) {
	objs, err := pki.DecodeLenient(b, "")
	if errors.Is(err, pki.ErrCRLShape) {
		return true, err
	}
	if bytes.Contains(b, []byte("-----BEGIN X509 CRL-----")) {
		return true, nil
	}
	return err == nil && len(objs) == 1 && objs[0].Kind == pki.KindCRL, nil
}

// unreadableCRL is the crl-invalid result for a --crl file that openssl
// would not load either: revocation cannot be checked, so verification
// fails closed, with the file and the reason as evidence.
func unreadableCRL(path string, err error) error {
	why := err.Error()
	var de *pki.DecodeError
	if errors.As(err, &de) {
		why = de.Reason
	}
	return &malformedFile{&verify.Finding{
		Code:     verify.CRLInvalid,
		Summary:  fmt.Sprintf("The CRL in %s cannot be read (%s), so revocation cannot be checked.", path, why),
		Detail:   "--crl:       " + path,
		Fix:      &pki.Fix{Kind: pki.FixPublishCRL, Say: "re-publish a CRL that reads (RFC 5280 5.1) with the issuing CA", CA: "CA"},
		Evidence: []verify.Evidence{{Cert: "CRL file " + path, Field: "crl", Value: why}},
		Err:      err,
	}}
}
