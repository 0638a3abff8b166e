package ui

import "testing"

func TestProbeAcceptThenRevokedReject(t *testing.T) {
	st := testStore(t)
	d := newDriver(t, st, 120, 40)
	d.press("n")
	d.typeText("demo-ca")
	d.press("enter", "i", "enter", "i", "tab", "tab", "right", "enter")
	d.press("3")
	d.expect("Client", "‹ client ›", "‹ server ›")
	d.press("enter")
	d.expect("ACCEPT", "reason ok")
	t.Log("\n" + d.screen())
	d.press("2", "r", "down", "enter", "y", "y")
	d.press("3", "down", "down", "down", "down", "down", "right", "enter")
	d.expect("REJECT", "client-cert-revoked")
	t.Log("\n" + d.screen())
	d.press("v")
	d.expect("Inspect client")
	t.Log("\n" + d.screen())
	d.press("e")
	t.Log("\n" + d.screen())
}
