package main

import (
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
	Finding *verify.Finding `json:"finding,omitempty"`
	Chain   []string        `json:"chain,omitempty"`
	// Warnings are weaknesses that do not fail the check (a CRL signed with MD5).
	Warnings []*verify.Finding `json:"warnings,omitempty"`
	At       time.Time         `json:"at"`
	// Emulate is the client whose judgement was copied; Warning what it
	// accepted that other clients refuse (a CN-only name).
	Emulate verify.Client `json:"emulate"`
	Warning string        `json:"warning,omitempty"`
}

// parseUsage reads --usage.
func parseUsage(usage string) (verify.Usage, error) {
	switch usage {
	case "", "any":
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
			return nil, err
		}
		for _, o := range objs {
			if o.CRL == nil {
				return nil, fmt.Errorf("--crl %s: holds a %s, expected a CRL", p, o.Kind)
			}
			out = append(out, o.CRL)
		}
	}
	return out, nil
}

// verifyRun is what was verified, and how.
type verifyRun struct {
	target, source string
	leaf           *x509.Certificate
	opts           verify.Options
	client         verify.Client
	warn           string // what client accepted that others refuse
}

// printVerify renders a verification: JSON, or OK with the chain, or
// FAILED with the finding (exit 1); weak CRL signatures are warnings.
func (a *app) printVerify(v verifyRun, chains [][]*x509.Certificate, f *verify.Finding, run func(*pki.Fix) string) error {
	out := verifyOutput{Target: v.target, Subject: pki.FormatName(v.leaf.Subject), OK: f == nil, Reason: verify.OK, Finding: f,
		At: v.opts.At.UTC(), Emulate: v.client, Warning: v.warn}
	var ce *verify.CRLError
	if f != nil {
		out.Reason = f.Code
		if errors.As(f.Err, &ce) && ce.CRL != nil && ce.Cert != nil && ce.Issuer != nil {
			// A revocation read from a weakly signed CRL says so too.
			out.Warnings = verify.CRLWarnings([]*x509.Certificate{ce.Cert, ce.Issuer}, verify.Options{CRLs: []*x509.RevocationList{ce.CRL}, NameOf: v.opts.NameOf})
		}
	} else if len(chains) > 0 {
		for _, c := range chains[0] {
			out.Chain = append(out.Chain, pki.FormatName(c.Subject))
		}
		out.Warnings = verify.CRLWarnings(chains[0], v.opts)
	}
	switch {
	case a.json:
		if err := a.printJSON(out); err != nil {
			return err
		}
	case f == nil:
		a.printf("%s: OK\n  chain: %s\n", v.source, strings.Join(out.Chain, "\n      -> "))
		if v.warn != "" {
			a.printf("  warning: %s\n", v.warn)
		}
		for _, w := range out.Warnings {
			a.printf("  warning (%s): %s\n", w.Code, w.Summary)
		}
	default:
		a.printf("%s: FAILED\n%s", v.source, verify.Text(f, run))
		for _, w := range out.Warnings {
			a.printf("warning (%s): %s\n", w.Code, w.Summary)
		}
	}
	if f != nil {
		return errReported
	}
	return nil
}

func (a *app) verifyCommand() *cobra.Command {
	var ca, roots, inter, name, usage, at, emulate string
	var crls []string
	var storeCRLs bool
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
			if opts.Usage, err = parseUsage(usage); err != nil {
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
			tg, err := a.loadTarget(args[0])
			if err != nil {
				return err
			}
			certs := pki.Certificates(tg.objs)
			if len(certs) == 0 {
				return fmt.Errorf("%s: no certificate to verify (found %s)", tg.source, kinds(tg.objs))
			}
			leaf := certs[0]
			opts.Intermediates = certs[1:]
			if err := a.trustFor(tg, args[0], ca, roots, &opts); err != nil {
				return err
			}
			if inter != "" {
				cs, err := readCertFile(inter, "--intermediates")
				if err != nil {
					return err
				}
				opts.Intermediates = append(opts.Intermediates, cs...)
			}
			if opts.CRLs, err = readCRLFiles(crls); err != nil {
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
			return a.printVerify(verifyRun{target: args[0], source: tg.source, leaf: leaf, opts: opts, client: client, warn: warn}, chains, f, a.fixRun(tg.st))
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
		cs, err := readCertFile(roots, "--roots")
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
