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
				if o.At, err = parseTime(at, time.Now()); err != nil {
					return usagef("--at: %v", err)
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
	c.Flags().StringVar(&at, "at", "", "revocation time (RFC 3339 or relative: -2h, +1d; default now)")
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
	Error string `json:"error,omitempty"`
}

func (a *app) crlCommand() *cobra.Command {
	var days int
	c := &cobra.Command{
		Use:   "crl CA",
		Short: "Publish a CRL for CA: crl.pem, crl.der and crl/<number>.pem",
		Args:  exactArgs(1, "a CA name"),
		RunE: func(cmd *cobra.Command, args []string) error {
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

// parseTime reads RFC 3339 or a time relative to now: +400d, -3h, +90m.
func parseTime(s string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if len(s) >= 3 && (s[0] == '+' || s[0] == '-') {
		unit := s[len(s)-1]
		num := s[1 : len(s)-1]
		var n int
		for _, ch := range num {
			if ch < '0' || ch > '9' {
				return time.Time{}, errBadTime(s)
			}
			n = n*10 + int(ch-'0')
		}
		if s[0] == '-' {
			n = -n
		}
		switch unit {
		case 'd':
			return now.AddDate(0, 0, n), nil
		case 'h':
			return now.Add(time.Duration(n) * time.Hour), nil
		case 'm':
			return now.Add(time.Duration(n) * time.Minute), nil
		case 's':
			return now.Add(time.Duration(n) * time.Second), nil
		}
	}
	return time.Time{}, errBadTime(s)
}

func errBadTime(s string) error {
	return usagef("time %q: expected RFC 3339 (2027-01-02T15:04:05Z) or relative (+400d, -3h, +30m)", s)
}
