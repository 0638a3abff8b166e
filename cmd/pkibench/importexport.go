package main

import (
	"os"

	"github.com/spf13/cobra"

	"github.com/pkibench/pkibench/store"
)

func (a *app) importCommand() *cobra.Command {
	var key, as string
	var keepPass bool
	c := &cobra.Command{
		Use:   "import FILE...",
		Short: "Bring in certificates, chains, keys, CSRs, CRLs or PKCS#12 (PEM or DER)",
		Long: `Import foreign material. A CA certificate becomes a store CA (able to issue and
revoke when its key comes along with --key); a certificate issued by a store CA
is recorded in that CA's index so it can be revoked; anything else is kept in
imported/NAME. Keys may be PKCS#1, PKCS#8, SEC 1 or encrypted PKCS#8.`,
		Example: `  pkibench import ca/ca.cert.pem --key ca/ca.key.pem --as abc
  pkibench import invoice-server/server.cert --key invoice-server/private.key --as invoice-server
  pkibench import bundle.p12 --as web`,
		Args: minArgs(1, "at least one FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if as != "" {
				if err := store.CheckName(as); err != nil {
					return usageError{err}
				}
			}
			var files []store.ImportFile
			for _, p := range append(args, nonEmpty(key)...) {
				b, err := store.ReadInput(p)
				if err != nil {
					return err
				}
				files = append(files, store.ImportFile{Source: p, Data: b})
			}
			st, err := a.openStore()
			if err != nil {
				return err
			}
			res, err := st.Import(files, store.ImportOptions{As: as, Passphrase: a.passphrase(), KeepPassphrase: keepPass})
			if err != nil {
				return err
			}
			if a.json {
				return a.printJSON(res)
			}
			what := map[string]string{"ca": "CA", "issued": "certificate of CA " + res.CA, "foreign": "foreign material"}[res.Kind]
			a.printf("imported %s as %s (%s)\n", what, res.Name, res.Dir)
			if res.Subject != "" {
				a.printf("  subject: %s\n", res.Subject)
			}
			if res.Serial != "" {
				a.printf("  serial:  %s\n", res.Serial)
			}
			a.printf("  key:     %v\n", map[bool]string{true: "yes", false: "no"}[res.HasKey])
			for _, n := range res.Notes {
				a.printf("  note: %s\n", n)
			}
			return nil
		},
	}
	c.Flags().StringVar(&key, "key", "", "the private key file that belongs to the certificate")
	c.Flags().StringVar(&as, "as", "", "store name (default: from the first file's name)")
	c.Flags().BoolVar(&keepPass, "keep-passphrase", false, "keep an imported CA key encrypted with its passphrase")
	return c
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

func (a *app) exportCommand() *cobra.Command {
	var format, out string
	c := &cobra.Command{
		Use:   "export TARGET",
		Short: "Export a certificate as pem, der, chain, fullchain or p12 (password from --passphrase-file, $PKIBENCH_PASSPHRASE or a prompt)",
		Args:  exactArgs(1, "TARGET"),
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
			if out == "" || out == "-" {
				if format == "p12" || format == "der" {
					return usagef("--format %s is binary: give --out FILE", format)
				}
				_, err = a.stdout.Write(b)
				return err
			}
			perm := os.FileMode(0o644)
			if format == "p12" {
				perm = 0o600
			}
			if err := os.WriteFile(out, b, perm); err != nil {
				return err
			}
			if a.json {
				return a.printJSON(map[string]any{"target": args[0], "format": format, "out": out, "bytes": len(b)})
			}
			a.printf("wrote %s (%s, %d bytes)\n", out, format, len(b))
			return nil
		},
	}
	c.Flags().StringVar(&format, "format", "pem", "pem, der, chain, fullchain or p12")
	c.Flags().StringVarP(&out, "out", "o", "", "output file (default stdout for text formats)")
	return c
}
