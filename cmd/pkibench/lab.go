package main

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/pkibench/pkibench/pki"
	"github.com/pkibench/pkibench/pki/verify"
	"github.com/pkibench/pkibench/probe/lab"
	"github.com/pkibench/pkibench/store"
)

func (a *app) labCommand() *cobra.Command {
	var list, clean bool
	var at string
	c := &cobra.Command{
		Use:   "lab [SCENARIO...]",
		Short: `The "break it" lab: stage classic mTLS failures, see the verdict, what broke and how to mend it`,
		Long: `lab stages each scenario on scratch CAs inside the store (names lab-..., marked
as lab material), runs a live handshake and compares the reason the probe gives
with the one expected. With no SCENARIO every scenario runs and a table is
printed; with one, its story, the full verdict and the mend.

--at moves the clock for every scenario (RFC 3339, relative like +400d, or
crl:CA for just after that CA's CRL nextUpdate) to see what breaks later;
scenarios whose time was moved are marked "moved" instead of PASS/FAIL.
--clean removes every lab CA and certificate, and nothing else.

Exit code 1 when a scenario gives another reason than expected (or cannot be staged).`,
		Example: `  pkibench lab
  pkibench lab seeds-client2-revoked
  pkibench lab seeds-mail-accepted --at +400d
  pkibench lab seeds-client1-crl --at crl:lab-abc
  pkibench lab --list
  pkibench lab --json
  pkibench lab --clean`,
		RunE: func(cmd *cobra.Command, args []string) error {
			switch {
			case list && (clean || len(args) > 0):
				return usagef("--list takes no scenario and no --clean")
			case clean && (len(args) > 0 || at != ""):
				return usagef("--clean takes no scenario and no --at")
			case list:
				return a.labList()
			}
			for _, id := range args {
				if _, ok := lab.Find(id); !ok {
					return usagef("no scenario %q (see `pkibench lab --list`)", id)
				}
			}
			if clean {
				return a.labClean()
			}
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			return a.labRun(ctx, args, at)
		},
	}
	fl := c.Flags()
	fl.BoolVar(&list, "list", false, "list the scenarios")
	fl.BoolVar(&clean, "clean", false, "remove every lab CA and certificate from the store")
	fl.StringVar(&at, "at", "", "move the clock (years 1950-9999): "+pki.TimeForms+", or crl:CA (just past that CA's CRL nextUpdate)")
	return c
}

// labListing is one catalogue entry as --list --json prints it.
type labListing struct {
	Scenarios []lab.Scenario    `json:"scenarios"`
	NotStaged map[string]string `json:"not_staged"`
}

func (a *app) labList() error {
	ss := lab.Scenarios()
	ns := lab.NotStaged()
	if a.json {
		l := labListing{Scenarios: ss, NotStaged: map[string]string{}}
		for c, why := range ns {
			l.NotStaged[string(c)] = why
		}
		return a.printJSON(l)
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "SCENARIO\tEXPECTED\tSIDE\tTITLE")
	for _, s := range ss {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", s.ID, s.Expected, orDash(string(s.ExpectedSide)), s.Title)
	}
	tw.Flush()
	codes := make([]string, 0, len(ns))
	for c := range ns {
		codes = append(codes, string(c))
	}
	sort.Strings(codes)
	a.printf("\nnot staged:\n")
	for _, c := range codes {
		a.printf("  %-20s %s\n", c, ns[verify.Code(c)])
	}
	return nil
}

func (a *app) labClean() error {
	st, err := a.readStore()
	if err != nil {
		return err
	}
	removed, err := lab.Clean(st)
	if err != nil {
		return err
	}
	if a.json {
		if removed == nil {
			removed = []string{}
		}
		return a.printJSON(struct {
			Removed []string `json:"removed"`
		}{removed})
	}
	if len(removed) == 0 {
		a.printf("no lab material in %s\n", st.Path())
		return nil
	}
	for _, r := range removed {
		a.printf("removed %s\n", r)
	}
	return nil
}

// labTime resolves --at: a time, or crl:CA for just past the CA's nextUpdate.
func labTime(st *store.Store, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if ca, ok := strings.CutPrefix(s, "crl:"); ok {
		t, err := lab.PastNextUpdate(st, ca)
		if err != nil {
			return t, fmt.Errorf("--at %s: %w (run the scenario that publishes it first, e.g. `pkibench lab seeds-client1-crl`)", s, err)
		}
		return t, nil
	}
	return parseTime("--at", s, st.Now(), pki.ClockRange())
}

func (a *app) labRun(ctx context.Context, ids []string, at string) error {
	st, err := a.openStore()
	if err != nil {
		return err
	}
	when, err := labTime(st, at)
	if err != nil {
		return err
	}
	outs := lab.RunAt(ctx, st, when, ids...)
	failed := false
	for _, o := range outs {
		failed = failed || o.Error != "" || (!o.Pass && !o.Moved)
	}
	switch {
	case a.json:
		if err := a.printJSON(outs); err != nil {
			return err
		}
	case len(outs) == 1:
		a.printf("%s", labText(outs[0], a.fixRun(st)))
	default:
		tw := tabwriter.NewWriter(a.stdout, 0, 2, 2, ' ', 0)
		fmt.Fprintln(tw, "SCENARIO\tEXPECTED\tACTUAL\tVERDICT\tRESULT")
		pass := 0
		for _, o := range outs {
			if o.Pass {
				pass++
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", o.ID, o.Expected, orDash(string(o.Actual.Reason)), orDash(string(o.Actual.Verdict)), labMark(o))
		}
		tw.Flush()
		a.printf("\n%d of %d scenarios gave the expected reason", pass, len(outs))
		if !when.IsZero() {
			a.printf(" (clock moved to %s)", when.UTC().Format(time.RFC3339))
		}
		a.printf("; `pkibench lab SCENARIO` tells the story, `pkibench lab --clean` removes the lab material.\n")
	}
	if failed {
		return errReported
	}
	return nil
}

func labMark(o lab.Outcome) string {
	switch {
	case o.Error != "":
		return "ERROR: " + o.Error
	case o.Moved && o.Pass:
		return "moved (same)"
	case o.Moved:
		return "moved"
	case o.Pass:
		return "PASS"
	}
	return "FAIL"
}

// labText is one scenario in full: the story, the verdict, the mend.
func labText(o lab.Outcome, run func(*pki.Fix) string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s\n\n", o.ID, o.Title)
	if o.Story != "" {
		fmt.Fprintf(&b, "what is broken:\n  %s\n\n", o.Story)
	}
	side := ""
	if o.ExpectedSide != "" {
		side = " by the " + string(o.ExpectedSide)
	}
	fmt.Fprintf(&b, "expected: %s%s\n", o.Expected, side)
	if o.Error != "" {
		fmt.Fprintf(&b, "result:   ERROR %s\n", o.Error)
		return b.String()
	}
	fmt.Fprintf(&b, "result:   %s (at %s)\n\n", labMark(o), o.Actual.At.Format(time.RFC3339))
	b.WriteString(o.Actual.Text(true, run))
	if o.Mend != "" {
		fmt.Fprintf(&b, "\nhow to mend it:\n  %s\n", o.Mend)
	}
	return b.String()
}
