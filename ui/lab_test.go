package ui

import (
	"strings"
	"testing"
)

// TestLabTab: 5 opens the lab; enter stages and runs the first scenario
// (the seeds' story) and shows story, verdict, reason, side and mend; the
// lab's CAs stay out of Authorities until a asks for them; X y removes
// them.
func TestLabTab(t *testing.T) {
	d := goldenDriver(t, 100, 30)
	d.press("5")
	d.expect("Lab: ", "seeds-mail-accepted", "ABC Inc.: the mail server downloads invoices")
	d.press("enter")
	l := d.m.screens[TabLab].(*labScreen)
	o, ok := l.outcomes[l.selected().ID]
	if !ok || o.Error != "" || !o.Pass {
		t.Fatalf("outcome %+v\n%s", o, d.screen())
	}
	d.expect("ACCEPT", "as expected", "reason ok", "mend:", "The invoice server")
	// Another scenario: a REJECT with its side.
	d.press("down", "enter")
	d.expect("REJECT", "reason client-cert-untrusted", "side   server")

	d.press("1")
	if strings.Contains(d.screen(), "lab-") {
		t.Fatalf("lab CAs listed in Authorities by default:\n%s", d.screen())
	}
	d.expect("lab CAs hidden (a on the Lab tab shows them)")
	d.press("5", "a", "1")
	d.expect("lab-")
	d.press("5", "X")
	d.expect("Remove every lab CA and certificate")
	d.press("y")
	d.expect("removed the lab material")
	d.press("1")
	if strings.Contains(d.screen(), "lab-") {
		t.Fatalf("lab CAs left after X y:\n%s", d.screen())
	}
	d.expect("demo-ca") // the user's own CAs stay
}
