package ui

import (
	"testing"

	"github.com/pkibench/pkibench/pki/verify"
)

// TestLabOpensInProbe: o on a staged scenario opens the probe pane on the
// scenario's request and runs it; changing one field flips the verdict
// (the foreign CA's client swapped for ABC's: REJECT → ACCEPT; the server
// name changed: ACCEPT → REJECT).
func TestLabOpensInProbe(t *testing.T) {
	d := goldenDriver(t, 120, 40)
	d.press("5")
	l := d.m.screens[TabLab].(*labScreen)
	open := func(id string) *probeScreen {
		t.Helper()
		for i := 0; l.selected().ID != id && i < len(l.scenarios); i++ {
			d.press("j")
		}
		if l.selected().ID != id {
			t.Fatalf("scenario %s not in the list", id)
		}
		d.press("o")
		if d.m.Active() != TabProbe {
			t.Fatalf("o on %s: tab %d, want Probe\n%s", id, d.m.Active(), d.screen())
		}
		p := d.m.screens[TabProbe].(*probeScreen)
		if p.res == nil {
			t.Fatalf("%s opened but not run: err %v\n%s", id, p.err, d.screen())
		}
		return p
	}

	p := open("seeds-mail-accepted")
	if !p.res.OK() {
		t.Fatalf("seeds-mail-accepted in the probe: %s %s", p.res.Verdict, p.res.Reason)
	}
	for p.focus != pfName {
		d.press("j")
	}
	d.press("enter", "ctrl+u")
	d.typeText("wrong.example")
	d.press("enter", "j", "enter")
	if p.res == nil || p.res.Reason != verify.ServerNameMismatch {
		t.Fatalf("server name wrong.example: %+v", p.res)
	}
	d.press("5")
	p = open("seeds-foreign-ca")
	if p.res.OK() {
		t.Fatalf("seeds-foreign-ca in the probe: %s %s", p.res.Verdict, p.res.Reason)
	}
	rejected := p.res.Reason
	if l.selected().Expected != rejected {
		t.Fatalf("the probe pane says %s, the scenario expects %s", rejected, l.selected().Expected)
	}
	d.expect("Client         ‹ lab-mail-server-zxc ›")
	// One field: the client ABC Inc. issued.
	d.press("/")
	d.typeText("lab-mail-server")
	d.press("enter", "enter")
	if p.picked[pfClient] != "lab-mail-server" || p.res == nil || !p.res.OK() {
		t.Fatalf("client lab-mail-server: picked %q, %+v\n%s", p.picked[pfClient], p.res, d.screen())
	}

}
