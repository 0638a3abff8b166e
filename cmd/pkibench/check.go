package main

import (
	"github.com/spf13/cobra"
)

func (a *app) checkCommand() *cobra.Command {
	var repair bool
	c := &cobra.Command{
		Use:   "check",
		Short: "Verify the store: index lines vs files, keys vs certificates, permissions, CRL freshness",
		Long: `check reads the whole store and reports every problem it finds without
changing anything. With --repair it fixes what can be fixed without guessing
(permissions, a torn last index line, leftover temporary files) and says what it did.
Exit code 1 when problems remain.`,
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
