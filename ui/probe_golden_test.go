package ui

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/pkibench/pkibench/probe"
)

var (
	portRE   = regexp.MustCompile(`127\.0\.0\.1:\d+`)
	serialRE = regexp.MustCompile(`\b[0-9A-F]{16,40}\b`)
)

// steadyProbe is the real engine with the run's accidents taken out (times,
// the ephemeral port), so a golden shows what a user reads, every time.
func steadyProbe(ctx context.Context, s probe.ServerConfig, c probe.ClientConfig, o probe.Options) probe.Result {
	r := probe.Run(ctx, s, c, o)
	r.DurationMS = 0
	for i := range r.Timeline {
		r.Timeline[i].AtMS = 0
		r.Timeline[i].Step = portRE.ReplaceAllString(r.Timeline[i].Step, "127.0.0.1:PORT")
	}
	// Client and server run concurrently: the interleaving of their steps
	// varies from run to run, the order within each side does not.
	slices.SortStableFunc(r.Timeline, func(a, b probe.Step) int { return strings.Compare(string(a.Side), string(b.Side)) })
	fix := func(v string) string {
		return serialRE.ReplaceAllString(portRE.ReplaceAllString(v, "127.0.0.1:PORT"), "SERIAL")
	}
	for i := range r.Evidence {
		r.Evidence[i].Value = fix(r.Evidence[i].Value)
	}
	r.Summary, r.Detail, r.Addr = fix(r.Summary), fix(r.Detail), fix(r.Addr)
	if r.Fix != nil {
		f := *r.Fix
		f.Say = fix(f.Say)
		r.Fix = &f
	}
	for i := range r.Notes {
		r.Notes[i] = fix(r.Notes[i])
	}
	return r
}

// probeGoldenStore adds to the golden store a published CRL of demo-ca-int
// (which lists the revoked client) and a second root, other-ca, that
// trusts nobody here.
func probeGoldenStore(t *testing.T, w, h int) *driver {
	d := goldenDriver(t, w, h)
	d.press("1", "p")
	d.expect("CRL 01 of demo-ca published")
	d.press("down", "p")
	d.expect("CRL 01 of demo-ca-int published")
	d.press("n")
	// The form opens under the selected CA; make a root named other-ca.
	d.press("esc", "j", "j", "j", "j", "h", "h", "k", "k", "k", "k", "enter", "ctrl+u")
	d.typeText("other-ca")
	d.press("enter")
	d.expect("CA other-ca created")
	return d
}

// TestProbeGolden draws the probe pane with real handshakes at 80x24 and
// 120x36: ACCEPT, one REJECT of each family the pane can stage (client
// identity, revocation, trust, name, time) and a stale verdict.
func TestProbeGolden(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 36}} {
		w, h := size[0], size[1]
		st := probeGoldenStore(t, w, h).m.c.Store
		cases := []struct {
			name   string
			keys   []string
			reason string
		}{
			{"accept", []string{"enter"}, "ok"},
			{"reject-revoked", []string{"j", "j", "j", "j", "j", "l", "enter"}, "client-cert-revoked"},
			{"reject-client-missing", []string{"h", "j", "j", "j", "l", "enter"}, "client-cert-missing"}, // no certificate: it must be told whom to trust
			{"reject-untrusted", []string{"j", "j", "j", "h", "enter"}, "server-cert-untrusted"},
			{"reject-name", []string{"j", "j", "j", "j", "j", "j", "enter", "ctrl+u", "w", "r", "o", "n", "g", ".", "e", "x", "a", "m", "p", "l", "e", "enter", "k", "k", "k", "k", "k", "k", "enter"}, "server-name-mismatch"},
			{"reject-expired", []string{"k", "h", "h", "j", "enter"}, "expired"},
			// Client TLS 1.2 against Server TLS 1.3: each side pins its own.
			{"reject-version", []string{"j", "j", "j", "j", "j", "j", "j", "l", "j", "l", "l", "enter"}, "protocol-version-mismatch"},
			// A time typed into Verify at, read by pki.ParseTime as --at is.
			{"reject-typed-time", []string{"k", "enter", "ctrl+u", "+", "4", "0", "0", "d", "enter", "j", "enter"}, "expired"},
			{"stale", []string{"enter", "j", "l"}, "ok"},
		}
		for _, tc := range cases {
			t.Run(fmt.Sprintf("probe-%s_%dx%d", tc.name, w, h), func(t *testing.T) {
				d := newDriver(t, st, w, h)
				d.m.pathLabel = "/home/demo/pki"
				d.m.c.Opts.Probe = steadyProbe
				d.press("3")
				d.press(tc.keys...)
				p := d.m.screens[TabProbe].(*probeScreen)
				if p.res == nil {
					t.Fatalf("no verdict:\n%s", d.screen())
				}
				if !strings.Contains(string(p.res.Reason), tc.reason) {
					t.Fatalf("reason %s, want %s:\n%s", p.res.Reason, tc.reason, d.screen())
				}
				// The verdict, reason and side are whole on screen.
				d.expect(string(p.res.Verdict), "reason "+string(p.res.Reason))
				if p.res.Side != "" {
					d.expect("side   " + string(p.res.Side))
				}
				if tc.name == "stale" {
					d.expect("STALE")
				}
				golden.RequireEqual(t, asciiView(t, d.m))
			})
		}
	}
}
