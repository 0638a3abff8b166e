package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/pkibench/pkibench/probe/equiv"
	"github.com/pkibench/pkibench/store"
	"github.com/pkibench/pkibench/store/layout"
)

func (a *app) caCommand() *cobra.Command {
	c := &cobra.Command{Use: "ca", Short: "Create and list certificate authorities"}
	c.AddCommand(a.caCreateCommand(), a.caListCommand())
	return c
}

func (a *app) caCreateCommand() *cobra.Command {
	var (
		parent, subject, algo, crlURL, aiaURL string
		days, pathLen                         int
		permitDNS, excludeDNS, permitIP       []string
		excludeIP, permitEmail, excludeEmail  []string
		encrypt                               bool
	)
	c := &cobra.Command{
		Use:   "create NAME",
		Short: "Create a root CA, or an intermediate with --parent",
		Example: `  pkibench ca create abc --subject "/O=ABC Inc."
  pkibench ca create issuing --parent abc --path-len 0 --permit-dns example.com`,
		Args: exactArgs(1, "NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			subj, err := parseSubject(subject)
			if err != nil {
				return err
			}
			alg, err := parseAlgo(algo)
			if err != nil {
				return err
			}
			if err := checkDays(days); err != nil {
				return err
			}
			o := store.CAOptions{Name: args[0], Parent: parent, Subject: subj, Algorithm: alg, Days: days,
				CRLURL: crlURL, AIAURL: aiaURL, ParentPassphrase: a.passphrase()}
			if cmd.Flags().Changed("path-len") {
				if pathLen < 0 {
					return usagef("--path-len must be >= 0")
				}
				o.PathLen = &pathLen
			}
			o.Constraints.PermittedDNS, o.Constraints.ExcludedDNS = splitList(permitDNS), splitList(excludeDNS)
			o.Constraints.PermittedEmail, o.Constraints.ExcludedEmail = splitList(permitEmail), splitList(excludeEmail)
			if o.Constraints.PermittedIP, err = parseIPNets(permitIP, "--permit-ip"); err != nil {
				return err
			}
			if o.Constraints.ExcludedIP, err = parseIPNets(excludeIP, "--exclude-ip"); err != nil {
				return err
			}
			if err := store.CheckName(args[0]); err != nil {
				return usageError{err}
			}
			if a.showCommands {
				return a.printCommands(equiv.CreateCA(a.layout(), equiv.CASpec{Name: args[0], Parent: parent, Subject: subj,
					Algo: alg, ParentAlgo: caAlgo(a.optionalStore(), parent), Days: days, PathLen: o.PathLen, Constraints: o.Constraints, Encrypt: encrypt}))
			}
			if encrypt {
				if o.Passphrase, err = a.newPassphrase("the new CA " + args[0] + "'s key"); err != nil {
					return err
				}
			}
			st, err := a.openStore()
			if err != nil {
				return err
			}
			ca, err := st.CreateCA(o)
			if err != nil {
				return err
			}
			if !ca.Encrypted {
				// Standard error, so --json output stays one JSON value.
				fmt.Fprintf(a.stderr, "note: the key of CA %s is not encrypted (only its 0600 mode protects %s); --encrypt protects it with a passphrase\n",
					ca.Name, filepath.Join(ca.Dir, "ca.key"))
			}
			if a.json {
				return a.printJSON(ca)
			}
			kind := "root CA " + ca.Name
			if ca.Parent != "" {
				kind = "intermediate CA " + ca.Name + " under " + ca.Parent
			}
			a.printf("created %s\n  subject:   %s\n  key:       %s%s\n  not after: %s\n  files:     %s/{%s,%s,%s,%s}\n",
				kind, ca.Subject, ca.Algorithm, map[bool]string{true: " (encrypted)"}[ca.Encrypted], dateOf(ca.NotAfter), ca.Dir,
				layout.CACert, layout.CAKey, layout.CAChain, layout.Index)
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&parent, "parent", "", "parent CA: makes an intermediate")
	f.StringVar(&subject, "subject", "", `subject, "/O=ABC Inc./CN=ABC Root" or "CN=ABC Root,O=ABC Inc." (default CN=NAME)`)
	f.StringVar(&algo, "algo", "p256", "key algorithm: p256, p384, ed25519, rsa2048, rsa3072, rsa4096")
	f.IntVar(&days, "days", 0, "validity in days (default 3650 for a root, 1825 for an intermediate)")
	f.IntVar(&pathLen, "path-len", 0, "how many CAs may stand below this one (pathlen)")
	f.StringSliceVar(&permitDNS, "permit-dns", nil, "name constraint: permitted DNS subtree (repeatable)")
	f.StringSliceVar(&excludeDNS, "exclude-dns", nil, "name constraint: excluded DNS subtree")
	f.StringSliceVar(&permitIP, "permit-ip", nil, "name constraint: permitted IP range (CIDR)")
	f.StringSliceVar(&excludeIP, "exclude-ip", nil, "name constraint: excluded IP range (CIDR)")
	f.StringSliceVar(&permitEmail, "permit-email", nil, "name constraint: permitted e-mail domain or address")
	f.StringSliceVar(&excludeEmail, "exclude-email", nil, "name constraint: excluded e-mail domain or address")
	f.StringVar(&crlURL, "crl-url", "", "CRL distribution point URL put in certificates this CA issues")
	f.StringVar(&aiaURL, "aia-url", "", "CA issuers URL (AIA) put in certificates this CA issues")
	a.addCommandsFlag(c)
	f.BoolVar(&encrypt, "encrypt", false, "encrypt the CA key (PKCS#8 PBES2, AES-256, PBKDF2-SHA256 600k); passphrase from --passphrase-file, $PKIBENCH_PASSPHRASE or a prompt")
	return c
}

func (a *app) caListCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List CAs as a tree with their counts and CRL freshness",
		Args:  exactArgs(0, ""),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := a.readStore()
			if err != nil {
				return err
			}
			cas, err := st.ListCAs()
			if err != nil {
				return err
			}
			if a.json {
				if cas == nil {
					cas = []*store.CA{}
				}
				return a.printJSON(cas)
			}
			if len(cas) == 0 {
				a.printf("no CAs in %s; create one with: pkibench ca create NAME\n", st.Path())
				return nil
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 2, 2, ' ', 0)
			fmt.Fprintln(tw, "CA\tKEY\tNOT AFTER\tVALID\tREVOKED\tEXPIRED\tCRL")
			now := st.Now()
			for _, ca := range cas {
				name := strings.Repeat("  ", store.Depth(cas, ca)) + ca.Name
				if !ca.HasKey {
					name += " (no key)"
				}
				na := dateOf(ca.NotAfter)
				if now.After(ca.NotAfter) {
					na += " EXPIRED"
				} else if ca.NotAfter.Sub(now) < store.CAWarnBefore {
					na += " (expires in " + store.Humanize(ca.NotAfter.Sub(now)) + ")"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%s\n", name, ca.Algorithm, na, ca.Valid, ca.Revoked, ca.Expired, ca.CRL.Freshness())
			}
			return tw.Flush()
		},
	}
}

// exactArgs is cobra.ExactArgs with a usage error that names the argument.
func exactArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			if n == 0 {
				return usagef("%s takes no arguments", cmd.CommandPath())
			}
			return usagef("%s needs %s (got %d arguments)", cmd.CommandPath(), what, len(args))
		}
		return nil
	}
}

func minArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < n {
			return usagef("%s needs %s", cmd.CommandPath(), what)
		}
		return nil
	}
}
