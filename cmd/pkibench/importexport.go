package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/pkibench/pkibench/pki"
	"github.com/pkibench/pkibench/store"
)

func (a *app) importCommand() *cobra.Command {
	var key, as string
	var keepPass, decryptKey bool
	c := &cobra.Command{
		Use:   "import FILE...",
		Short: "Bring in certificates, chains, keys, CSRs, CRLs or PKCS#12 (PEM or DER)",
		Long: `Import foreign material. A CA certificate becomes a store CA (able to issue and
revoke when its key comes along with --key); a certificate issued by a store CA
is recorded in that CA's index so it can be revoked; anything else is kept in
imported/NAME. Keys may be PKCS#1, PKCS#8, SEC 1 or encrypted PKCS#8.
A FILE (or --key) of '-' is read from standard input; then --as names it.`,
		Example: `  pkibench import ca/ca.cert.pem --key ca/ca.key.pem --as abc
  curl -s https://example.org/ca.pem | pkibench import - --as example
  pkibench import invoice-server/server.cert --key invoice-server/private.key --as invoice-server
  pkibench import bundle.p12 --as web`,
		Args: minArgs(1, "at least one FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if as != "" {
				if err := store.CheckName(as); err != nil {
					return usageError{err}
				}
			}
			all := append(args, nonEmpty(key)...)
			if err := checkStdinArgs(all); err != nil {
				return err
			}
			if as == "" && all[0] == "-" {
				return usagef("import -: give the store name with --as (standard input has no file name)")
			}
			var files []store.ImportFile
			for _, p := range all {
				b, err := a.readInput(p)
				if err != nil {
					return err
				}
				src := p
				if p == "-" {
					src = stdinName
				}
				files = append(files, store.ImportFile{Source: src, Data: b})
			}
			st, err := a.openStore()
			if err != nil {
				return err
			}
			res, err := st.Import(files, store.ImportOptions{As: as, Passphrase: a.passphrase(), DecryptKey: decryptKey})
			if err != nil {
				return err
			}
			if a.json {
				return a.printJSON(res)
			}
			what := map[string]string{"ca": "CA", "issued": "certificate of CA " + res.CA, "foreign": "foreign material", "crl": "CRL of CA " + res.CA}[res.Kind]
			a.printf("imported %s as %s (%s)\n", what, res.Name, res.Dir)
			if res.Subject != "" {
				a.printf("  subject: %s\n", res.Subject)
			}
			if res.Serial != "" {
				a.printf("  serial:  %s\n", res.Serial)
			}
			a.printf("  key:     %v\n", map[bool]string{true: "yes", false: "no"}[res.HasKey])
			if res.HasKey {
				a.printf("  key stored: %s\n", map[bool]string{true: "encrypted (with the passphrase it came with)", false: "unencrypted"}[res.KeyEncrypted])
			}
			for _, n := range res.Notes {
				a.printf("  note: %s\n", n)
			}
			return nil
		},
	}
	c.Flags().StringVar(&key, "key", "", "the private key file that belongs to the certificate")
	c.Flags().StringVar(&as, "as", "", "store name (default: from the first file's name)")
	c.Flags().BoolVar(&decryptKey, "decrypt-key", false, "store a key that came encrypted in the clear (default: it stays encrypted with its passphrase)")
	c.Flags().BoolVar(&keepPass, "keep-passphrase", false, "kept for old scripts: an encrypted key now stays encrypted by default")
	c.Flags().MarkDeprecated("keep-passphrase", "an encrypted key now stays encrypted unless --decrypt-key is given")
	return c
}

// checkStdinArgs refuses '-' more than once: standard input is read once.
func checkStdinArgs(files []string) error {
	n := 0
	for _, f := range files {
		if f == "-" {
			n++
		}
	}
	if n > 1 {
		return usagef("'-' (standard input) given %d times; it can be read only once", n)
	}
	return nil
}

// chainNote says what a chain or fullchain export holds, subject by subject.
func chainNote(format string, b []byte) string {
	if format != "chain" && format != "fullchain" {
		return ""
	}
	var names []string
	if objs, err := pki.Decode(b, format); err == nil {
		for _, c := range pki.Certificates(objs) {
			names = append(names, pki.FormatName(c.Subject))
		}
	}
	if format == "fullchain" {
		if len(names) == 0 {
			return ""
		}
		return fmt.Sprintf("fullchain: the certificate (%s) and %s; not the root", names[0], intermediates(names[1:]))
	}
	return fmt.Sprintf("chain: %s; not the certificate, not the root", intermediates(names))
}

func intermediates(names []string) string {
	switch len(names) {
	case 0:
		return "no intermediate (issued right under the root)"
	case 1:
		return "1 intermediate (" + names[0] + ")"
	}
	return fmt.Sprintf("%d intermediates (%s)", len(names), strings.Join(names, "; "))
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

func (a *app) exportCommand() *cobra.Command {
	var format, out string
	var force bool
	c := &cobra.Command{
		Use:   "export TARGET",
		Short: "Export a certificate as pem, der, chain, fullchain or p12 (password from --passphrase-file, $PKIBENCH_PASSPHRASE or a prompt)",
		Long: `export writes a certificate in one of these formats:
  pem        the certificate
  der        the certificate, DER (binary: to --out FILE or a pipe)
  chain      the intermediates only (certbot's chain.pem)
  fullchain  the certificate then the intermediates (certbot's fullchain.pem:
             what nginx ssl_certificate, Node.js cert and curl --cert take)
  p12        PKCS#12 with the key, the certificate and its chain (binary);
             Java keytool lists it under the certificate's name as alias
  key        the private key file as the store keeps it (encrypted stays
             encrypted); a warning goes to standard error, never onto a
             terminal, files 0600
The root is never in chain or fullchain: the other side holds it as its trust
anchor (certs/NAME/root.pem). For chain and fullchain, export says which
certificates it wrote (on standard error when writing to standard output).`,
		Args: exactArgs(1, "TARGET"),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := a.readStore()
			if err != nil {
				return err
			}
			pass := a.passphrase()
			if format == "p12" {
				pass = func(p string) ([]byte, error) { return a.newPassphrase(p) }
			}
			b, err := st.Export(args[0], format, pass)
			if err != nil {
				return err
			}
			if a.json {
				if out == "" || out == "-" {
					return usagef("--json describes the written file: give --out FILE")
				}
			}
			if format == "key" {
				fmt.Fprintln(a.stderr, store.KeyExportWarning(args[0], b))
			}
			note := chainNote(format, b)
			if out == "" || out == "-" {
				// Binary goes to a pipe or a file, never onto a terminal.
				if (format == "p12" || format == "der") && isTerminal(a.rawStdout) {
					return usagef("--format %s is binary: give --out FILE or pipe the output", format)
				}
				if format == "key" && isTerminal(a.rawStdout) {
					return usagef("--format key is a private key: give --out FILE or pipe the output, never onto a screen")
				}
				if note != "" {
					fmt.Fprintln(a.stderr, note)
				}
				_, err = a.rawOut().Write(b)
				return err
			}
			if err := st.WriteExport(out, b, store.KeyBearing(format), force); err != nil {
				return err
			}
			if a.json {
				return a.printJSON(map[string]any{"target": args[0], "format": format, "out": out, "bytes": len(b)})
			}
			a.printf("wrote %s (%s, %d bytes)\n", out, format, len(b))
			if note != "" {
				a.printf("  %s\n", note)
			}
			return nil
		},
	}
	c.Flags().StringVar(&format, "format", "pem", "pem, der, chain, fullchain or p12")
	c.Flags().StringVarP(&out, "out", "o", "", "output file outside the store (default stdout for text formats); never written through a link")
	c.Flags().BoolVar(&force, "force", false, "replace an existing --out file (never one inside the store)")
	return c
}
