package main

import (
	"time"

	"github.com/spf13/cobra"

	"github.com/pkibench/pkibench/pki"
	"github.com/pkibench/pkibench/probe/equiv"
	"github.com/pkibench/pkibench/store"
)

func (a *app) revokeCommand() *cobra.Command {
	var reason, at string
	var release bool
	c := &cobra.Command{
		Use:   "revoke TARGET...",
		Short: "Revoke certificates (NAME or CA/SERIAL) in their CA's index; publish with `pkibench crl CA`",
		Example: `  pkibench revoke client2 --reason keyCompromise
  pkibench revoke abc/3A9F01... --reason superseded
  pkibench revoke client2 --release      # take a certificateHold off hold`,
		Args: minArgs(1, "at least one TARGET"),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := pki.ParseReason(reason)
			if err != nil {
				return usageError{err}
			}
			o := store.RevokeOptions{Reason: r, Release: release}
			if at != "" {
				now := time.Now()
				if o.At, err = parseTime("--at", at, now, pki.RevocationRange(now)); err != nil {
					return err
				}
			}
			if a.showCommands {
				st, err := a.readStore()
				if err != nil {
					return err
				}
				var cmds []equiv.Command
				for _, t := range args {
					ca, serial, err := st.Locate(t)
					if err != nil {
						return err
					}
					cmds = append(cmds, equiv.Revoke(a.layout(), ca, a.layout().CA(ca).NewCerts+"/"+serial+".pem", r, 0)...)
				}
				return a.printCommands(cmds)
			}
			st, err := a.openStore()
			if err != nil {
				return err
			}
			// Every target is tried and reported, in order: one that fails
			// (already revoked, not found) does not hide the others' outcome.
			// All of them go in one locked write, one index rewrite per CA.
			results, err := st.RevokeMany(args, o)
			if err != nil {
				return err
			}
			var out []revokeOutcome
			failed := false
			for _, r := range results {
				oc := revokeOutcome{Target: r.Target, Revoked: r.Revoked, Status: "revoked"}
				if release {
					oc.Status = "released"
				}
				if r.Err != nil {
					oc = revokeOutcome{Target: r.Target, Status: "failed", Error: r.Err.Error()}
					failed = true
				}
				if oc.Below == nil {
					oc.Below = []string{} // an array in JSON, never null
				}
				out = append(out, oc)
			}
			if a.json {
				if err := a.printJSON(out); err != nil {
					return err
				}
			} else {
				for _, oc := range out {
					res := oc.Revoked
					switch {
					case oc.Status == "failed":
						a.printf("failed   %s: %s\n", oc.Target, oc.Error)
						continue
					case release:
						a.printf("released %s (serial %s, CA %s) from hold\n", res.Cert.Name, res.Cert.Serial, res.Cert.CA)
					default:
						a.printf("revoked  %s (serial %s, CA %s) at %s, reason %s\n", res.Cert.Name, res.Cert.Serial, res.Cert.CA,
							res.Cert.RevokedAt.UTC().Format(time.RFC3339), res.Cert.Reason)
					}
					if len(res.Below) > 0 {
						a.printf("  warning: %s is a CA; these %d certificates below it stop verifying once the CRL is published:\n", res.Cert.Name, len(res.Below))
						for _, b := range res.Below {
							a.printf("    %s\n", b)
						}
					}
					a.printf("  clients only learn of it from a CRL: pkibench crl %s\n", res.Cert.CA)
				}
			}
			if failed {
				return errReported
			}
			return nil
		},
	}
	c.Flags().StringVar(&reason, "reason", "unspecified", "unspecified, keyCompromise, CACompromise, affiliationChanged, superseded, cessationOfOperation, certificateHold, privilegeWithdrawn, AACompromise")
	c.Flags().StringVar(&at, "at", "", "revocation time, not in the future: "+pki.TimeForms+"; default now")
	c.Flags().BoolVar(&release, "release", false, "release a certificateHold instead of revoking")
	a.addCommandsFlag(c)
	return c
}

// revokeOutcome is one target's result: revoked (or released) with what
// changed, or failed with why.
type revokeOutcome struct {
	Target string `json:"target"`
	Status string `json:"status"` // "revoked", "released" or "failed"
	store.Revoked
	Error string `json:"error"`
}

func (a *app) crlCommand() *cobra.Command {
	var days int
	c := &cobra.Command{
		Use:   "crl CA",
		Short: "Publish a CRL for CA: crl.pem, crl.der and crl/<number>.pem",
		Args:  exactArgs(1, "a CA name"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkDays(days); err != nil {
				return err
			}
			if a.showCommands {
				return a.printCommands(equiv.PublishCRL(a.layout(), args[0], days))
			}
			st, err := a.openStore()
			if err != nil {
				return err
			}
			state, err := st.PublishCRL(args[0], store.CRLOptions{Days: days, Passphrase: a.passphrase()})
			if err != nil {
				return err
			}
			if a.json {
				return a.printJSON(state)
			}
			a.printf("published CRL %s of %s with %d revoked certificate(s)\n  this update: %s\n  next update: %s (%s)\n  file:        %s\n",
				state.Number, args[0], state.Entries, dateOf(state.ThisUpdate), dateOf(state.NextUpdate), state.Freshness(), state.Path)
			return nil
		},
	}
	c.Flags().IntVar(&days, "days", 0, "days until nextUpdate (default: the CA's crl_days, 30)")
	a.addCommandsFlag(c)
	return c
}

// parseTime reads a time the way every pkibench front end does (pki.ParseTime)
// and makes any mistake a usage error: out-of-range values exit 2 before
// anything is written.
func parseTime(flag, s string, now time.Time, r pki.TimeRange) (time.Time, error) {
	t, err := pki.ParseTime(s, now, r)
	if err != nil {
		return t, usagef("%s: %w", flag, err)
	}
	return t, nil
}

// checkDays refuses a --days whose end lies past 9999-12-31, where no
// certificate, CRL or index line can hold it (a usage error: exit 2).
func checkDays(days int) error {
	if err := pki.CheckDays(days, time.Now()); err != nil {
		return usagef("--days: %w", err)
	}
	return nil
}
