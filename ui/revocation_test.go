package ui

import (
	"strings"
	"testing"

	"github.com/pkibench/pkibench/pki/verify"
	"github.com/pkibench/pkibench/probe"
	"github.com/pkibench/pkibench/store"
)

// TestHoldAndRelease: a certificate put on hold shows "on hold"; r on it
// offers release (not the reason picker again), and after release and a
// new CRL it is valid.
func TestHoldAndRelease(t *testing.T) {
	d := goldenDriver(t, 100, 30)
	d.press("2", "G") // server
	d.press("r", "down", "down", "down", "down", "down", "down", "enter")
	d.expect("with reason certificateHold?")
	d.press("y", "y")
	d.expect("on hold")
	d.press("G", "r")
	d.expect("Release server from hold", "Release it?")
	d.press("y")
	d.expect("server released from hold", "Publish CRL of demo-ca now?")
	d.press("y")
	d.expect("CRL 02 of demo-ca published")
	for _, c := range d.m.c.Data.Certs {
		if c.Name == "server" && c.Status != store.StatusValid {
			t.Fatalf("server is %s after release", c.Status)
		}
	}
	// A real revocation is final: r says so instead of asking again.
	d.press("home", "r")
	d.expect("client is already revoked")
	if last := d.m.log[len(d.m.log)-1]; !strings.Contains(last.Text, "only a hold can be released") {
		t.Fatalf("last message %q", last.Text)
	}
}

// TestInspectShowsRevocation: Inspect of a revoked certificate says so,
// with reason, date and whether the CA's CRL lists it yet; the chain's
// leaf line carries the status too.
func TestInspectShowsRevocation(t *testing.T) {
	d := goldenDriver(t, 100, 30) // client revoked, CRL not published
	d.press("2", "home", "enter")
	d.expect("Status: revoked (keyCompromise) since 2026-03-01 12:00Z by demo-ca",
		"demo-ca has published no CRL: relying parties cannot see this revocation")
	d.press("end")
	d.expect("0: CN = client  [ok, revoked]")
	d.press("esc", "1", "p") // publish
	d.press("2", "home", "enter")
	d.expect("CRL:    listed in CRL #01 of demo-ca")
	d.press("esc", "G", "enter") // server: valid, not listed
	d.expect("Status: valid", "CRL:    not listed in CRL #01 of demo-ca")
}

// TestProbeNotesUnpublishedRevocation: with CRL checking on, a revoked
// client whose revocation is not published yet is accepted (the CRL says
// nothing) and the verdict says why, with the key that fixes it.
func TestProbeNotesUnpublishedRevocation(t *testing.T) {
	d := goldenDriver(t, 120, 36) // client revoked, CRL not published
	d.press("1", "p")             // publish: client is listed
	d.press("i")
	fill(t, d, "profile", "client")
	d.press("enter")
	d.expect("issued client-2 by demo-ca")
	d.press("2", "/")
	d.typeText("client-2")
	d.press("enter", "r", "enter", "y", "n", "esc") // revoke, do not publish
	d.press("3")
	p := d.m.screens[TabProbe].(*probeScreen)
	for p.picked[pfClient] != "client-2" {
		d.press("l")
	}
	d.press("j", "j", "j", "j", "j", "l", "enter")
	if p.res == nil || !p.res.OK() {
		t.Fatalf("want ACCEPT (the CRL does not list it yet):\n%s", d.screen())
	}
	d.expect("note: client-2 is revoked in demo-ca's index")
}

// TestInspectBlamedOpensTheCulprit: v opens the certificate the evidence
// names by serial, even when it is a CA (path-len-exceeded blames the CA
// whose path length is exceeded, not the server's leaf), field marked.
func TestInspectBlamedOpensTheCulprit(t *testing.T) {
	d := goldenDriver(t, 100, 30)
	d.press("3")
	p := d.m.screens[TabProbe].(*probeScreen)
	ca := d.m.c.caByName("demo-ca-int")
	p.res = &probe.Result{Verdict: probe.Reject, Reason: verify.PathLenExceeded, Side: verify.SideClient,
		Evidence: []probe.Evidence{{Cert: ca.Subject, Serial: ca.Serial, Field: "ext.basic_constraints"}}}
	d.press("v")
	if d.m.Active() != TabInspect || d.m.inspect.target != "demo-ca-int" || d.m.inspect.mark != "ext.basic_constraints" {
		t.Fatalf("v opened %q marking %q (tab %d)", d.m.inspect.target, d.m.inspect.mark, d.m.Active())
	}
	d.expect("▶")
}

// TestInspectCRL: l on a CA opens its published CRL in Inspect, entries
// with reasons and dates; without a CRL it says how to publish one.
func TestInspectCRL(t *testing.T) {
	d := goldenDriver(t, 100, 30) // client revoked (keyCompromise), no CRL
	d.press("1", "l")
	d.expect("demo-ca has published no CRL yet: p publishes one")
	d.press("p", "l")
	if d.m.Active() != TabInspect {
		t.Fatalf("l did not open Inspect:\n%s", d.screen())
	}
	d.expect("Inspect CRL of demo-ca", "Certificate Revocation List", "Key Compromise")
}
