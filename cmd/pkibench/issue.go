package main

import (
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/pkibench/pkibench/pki"
	"github.com/pkibench/pkibench/probe/equiv"
	"github.com/pkibench/pkibench/store"
	"github.com/pkibench/pkibench/store/layout"
)

// issueFlags are shared by issue and sign.
type issueFlags struct {
	ca, profile, subject, algo string
	days                       int
	san                        sanFlags
}

func (f *issueFlags) register(c *cobra.Command, withKey bool) {
	fl := c.Flags()
	fl.StringVar(&f.ca, "ca", "", "the issuing CA (required)")
	fl.StringVar(&f.profile, "profile", "", "server, client or server-client (default: the CA's default, server)")
	fl.StringVar(&f.subject, "subject", "", `subject, "/O=ABC Inc./CN=localhost" or "CN=localhost,O=ABC Inc." (default CN=NAME)`)
	fl.IntVar(&f.days, "days", 0, "validity in days (default 365, never past the CA's own expiry)")
	f.san.register(fl)
	if withKey {
		fl.StringVar(&f.algo, "algo", "p256", "key algorithm: p256, p384, ed25519, rsa2048, rsa3072, rsa4096")
	}
}

func (f *issueFlags) options(a *app, names []string) (store.IssueOptions, error) {
	if f.ca == "" {
		return store.IssueOptions{}, usagef("--ca is required (see: pkibench ca list)")
	}
	if err := checkDays(f.days); err != nil {
		return store.IssueOptions{}, err
	}
	o := store.IssueOptions{Names: names, CA: f.ca, Days: f.days, Passphrase: a.passphrase()}
	var err error
	if f.profile != "" {
		if o.Profile, err = pki.ParseProfile(f.profile); err != nil {
			return o, usageError{err}
		}
	}
	if o.Subject, err = parseSubject(f.subject); err != nil {
		return o, err
	}
	if f.algo != "" {
		if o.Algorithm, err = parseAlgo(f.algo); err != nil {
			return o, err
		}
	}
	if o.DNS, o.IPs, o.Emails, o.URIs, err = f.san.parse(); err != nil {
		return o, err
	}
	for _, n := range names {
		if err := store.CheckName(n); err != nil {
			return o, usageError{err}
		}
	}
	return o, nil
}

func (a *app) issueCommand() *cobra.Command {
	var f issueFlags
	c := &cobra.Command{
		Use:   "issue NAME...",
		Short: "Issue a key and certificate for each NAME from a store CA",
		Example: `  pkibench issue invoice-server --ca abc --profile server --dns localhost
  pkibench issue mail-server --ca abc --profile client
  pkibench issue client1 client2 client3 --ca abc --profile client`,
		Args: minArgs(1, "at least one NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			o, err := f.options(a, args)
			if err != nil {
				return err
			}
			if a.showCommands {
				return a.printCommands(issueCommands(a, o))
			}
			st, err := a.openStore()
			if err != nil {
				return err
			}
			certs, err := st.Issue(o)
			if err != nil {
				return err
			}
			return a.printCerts(certs, "issued")
		},
	}
	f.register(c, true)
	a.addCommandsFlag(c)
	return c
}

// issueCommands are the openssl steps for each name of an issue.
func issueCommands(a *app, o store.IssueOptions) []equiv.Command {
	algo := caAlgo(a.optionalStore(), o.CA)
	var out []equiv.Command
	for _, n := range o.Names {
		uris := make([]string, len(o.URIs))
		for i, u := range o.URIs {
			uris[i] = u.String()
		}
		out = append(out, equiv.Issue(a.layout(), equiv.IssueSpec{Name: n, CA: o.CA, Profile: o.Profile, Subject: o.Subject,
			DNS: o.DNS, IPs: o.IPs, Emails: o.Emails, URIs: uris, Algo: o.Algorithm, CAAlgo: algo, Days: o.Days})...)
	}
	return out
}

func (a *app) printCerts(certs []store.Cert, verb string) error {
	if a.json {
		return a.printJSON(certs)
	}
	for _, c := range certs {
		a.printf("%s %s (serial %s, CA %s, not after %s)\n  subject: %s\n", verb, c.Name, c.Serial, c.CA, dateOf(c.NotAfter), c.Subject)
		if c.Note != "" {
			a.printf("  note: %s\n", c.Note)
		}
		for _, f := range []string{layout.Cert, layout.Key, layout.Chain, layout.FullChain} {
			if _, err := os.Stat(filepath.Join(c.Dir, f)); err == nil {
				a.printf("  %-14s %s\n", f+":", filepath.Join(c.Dir, f))
			}
		}
	}
	return nil
}

func (a *app) signCommand() *cobra.Command {
	var f issueFlags
	var name string
	c := &cobra.Command{
		Use:   "sign CSR",
		Short: "Sign a certificate signing request (its signature is checked first)",
		Long:  "Sign a certificate signing request. A CSR of '-' is read from standard input (then --name is required).",
		Example: `  pkibench sign invoice-server/server.csr --ca abc --name invoice-server --profile server --dns localhost
  openssl req -new -key k.pem -subj /CN=web | pkibench sign - --ca abc --name web --dns localhost`,
		Args: exactArgs(1, "a CSR file"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if name == "" {
				if args[0] == "-" {
					return usagef("sign -: give the certificate's store name with --name (standard input has no file name)")
				}
				name = store.NameFromFile(args[0])
			}
			o, err := f.options(a, []string{name})
			if err != nil {
				return err
			}
			data, err := a.readInput(args[0])
			if err != nil {
				return err
			}
			source := args[0]
			if source == "-" {
				source = stdinName
			}
			st, err := a.openStore()
			if err != nil {
				return err
			}
			cert, err := st.SignCSR(data, source, o)
			if err != nil {
				return err
			}
			return a.printCerts([]store.Cert{cert}, "signed")
		},
	}
	f.register(c, false)
	c.Flags().StringVar(&name, "name", "", "store name for the certificate (default: from the CSR's file name)")
	return c
}

func (a *app) csrCommand() *cobra.Command {
	var subject, algo string
	var san sanFlags
	c := &cobra.Command{
		Use:   "csr NAME",
		Short: "Make a key and a CSR for someone else's CA (kept in certs/NAME)",
		Args:  exactArgs(1, "NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := store.CheckName(args[0]); err != nil {
				return usageError{err}
			}
			subj, err := parseSubject(subject)
			if err != nil {
				return err
			}
			alg, err := parseAlgo(algo)
			if err != nil {
				return err
			}
			o := store.CSROptions{Name: args[0], Subject: subj, Algorithm: alg}
			if o.DNS, o.IPs, o.Emails, o.URIs, err = san.parse(); err != nil {
				return err
			}
			st, err := a.openStore()
			if err != nil {
				return err
			}
			csr, dir, err := st.CreateCSR(o)
			if err != nil {
				return err
			}
			csrPath, keyPath := filepath.Join(dir, layout.CSR), filepath.Join(dir, layout.Key)
			if a.json {
				return a.printJSON(map[string]string{"name": args[0], "subject": pki.FormatName(csr.Subject),
					"csr": csrPath, "key": keyPath})
			}
			a.printf("made a key and CSR for %s\n  subject: %s\n  %s: %s\n  %s: %s\nSend %s to the CA; import what it returns with:\n  pkibench import CERT --key %s --as %s-cert\n",
				args[0], pki.FormatName(csr.Subject), layout.CSR, csrPath, layout.Key, keyPath, layout.CSR, keyPath, args[0])
			return nil
		},
	}
	fl := c.Flags()
	fl.StringVar(&subject, "subject", "", "subject (default CN=NAME)")
	fl.StringVar(&algo, "algo", "p256", "key algorithm")
	san.register(fl)
	return c
}

func (a *app) listCommand() *cobra.Command {
	var ca, status string
	var cas bool
	c := &cobra.Command{
		Use:   "list",
		Short: "List certificates (reads the CA indexes, fast at any size)",
		Args:  exactArgs(0, ""),
		RunE: func(cmd *cobra.Command, args []string) error {
			f := store.ListFilter{CA: ca, Status: store.Status(status), IncludeCAs: cas}
			switch f.Status {
			case "", store.StatusValid, store.StatusRevoked, store.StatusExpired:
			default:
				return usagef("--status %q: expected valid, revoked or expired", status)
			}
			st, err := a.readStore()
			if err != nil {
				return err
			}
			certs, err := st.List(f)
			if err != nil {
				return err
			}
			if a.json {
				return printCertsJSON(a, certs)
			}
			var tb table
			tb.rows = make([][]string, 0, len(certs)+1)
			tb.add("NAME", "CA", "SERIAL", "PROFILE", "STATUS", "NOT AFTER", "SUBJECT")
			for _, c := range certs {
				status := string(c.Status)
				if c.Status == store.StatusRevoked && c.Reason != "" {
					status += " (" + c.Reason + ")"
				}
				ca := c.CA
				if ca == "" {
					ca = "-"
				}
				tb.add(c.Name, ca, c.Serial, orDash(c.Profile), status, minuteUTC(c.NotAfter), c.Subject)
			}
			if err := tb.writeTo(a.stdout); err != nil {
				return err
			}
			// Revocations only reach clients through a fresh CRL: say how fresh.
			names, err := st.CANames()
			if err != nil {
				return err
			}
			for _, n := range names {
				if f.CA != "" && n != f.CA {
					continue
				}
				state, err := st.CRLState(n)
				if err != nil {
					return err
				}
				a.printf("CRL of %s: %s\n", n, state.Freshness())
			}
			return nil
		},
	}
	c.Flags().StringVar(&ca, "ca", "", "only this CA's certificates")
	c.Flags().StringVar(&status, "status", "", "only valid, revoked or expired")
	c.Flags().BoolVar(&cas, "cas", false, "include intermediate CA certificates")
	return c
}
