package main

import (
	"github.com/spf13/cobra"
)

func (a *app) checkCommand() *cobra.Command {
	var repair bool
	c := &cobra.Command{
		Use:   "check",
		Short: "Verify the store: index lines vs files, keys vs certificates, permissions, CRL freshness",
		Long: `check reads the whole store (holding its lock shared, so it waits for a
write in progress) and reports every problem it finds without changing anything.
Integrity faults ("problem"): index lines without files and files without index
lines, an intermediate CA missing from its parent's index, CRL files that disagree,
a crlnumber that would reuse a published number, keys that do not match, loose
permissions on the store, cas/, certs/, imported/ and keys, symbolic links.
Warnings: unencrypted CA keys, stale CRLs, unpublished revocations, CAs close to
expiry, interrupted writes (undone or completed by the next write).
With --repair it fixes what can be fixed without guessing (permissions, a torn last
index line, leftover temporary files, interrupted writes, missing index lines of
certificates their CA signed, CRL files from the crl/ history) and says what it did.
Exit code 1 only when integrity faults remain; warnings alone exit 0.`,
		Args: exactArgs(0, ""),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := a.readStore()
			if err != nil {
				return err
			}
			rep, err := st.Check(repair)
			if err != nil {
				return err
			}
			if a.json {
				if err := a.printJSON(rep); err != nil {
					return err
				}
			} else {
				for _, p := range rep.Problems {
					a.printf("%-8s %s: %s\n", p.Severity, p.Path, p.Message)
					if cmd := fixCommand(p.Fix, a.storeDir, nil); cmd != "" {
						a.printf("         fix: %s: %s\n", p.Fix.Say, cmd)
					}
				}
				for _, f := range rep.Repaired {
					a.printf("repaired %s\n", f)
				}
				a.printf("checked %d CAs, %d certificates: %d problem(s)\n", rep.CAs, rep.Certs, rep.Remaining())
			}
			if rep.Remaining() > 0 {
				return errReported
			}
			return nil
		},
	}
	c.Flags().BoolVar(&repair, "repair", false, "fix what can be fixed without guessing")
	return c
}
