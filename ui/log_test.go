package ui

import (
	"errors"
	"strings"
	"testing"
)

// TestMessageLog: messages and errors are kept; the status bar shows the
// newest (cut, it points at the log), L shows every one whole.
func TestMessageLog(t *testing.T) {
	d := goldenDriver(t, 80, 24)
	d.press("1", "r") // demo-ca is a root: an error
	d.expect("error: demo-ca is a root")
	long := errors.New("publish CRL of enc-root: /tmp/TestSomething1234567890/001/pki/cas/enc-root/crl.pem: open: permission denied (the store directory is read-only)")
	d.send(statusMsg{err: long})
	d.expect("(L log)")
	if strings.Contains(d.screen(), "read-only") {
		t.Fatal("the long error fits 80 columns? the test needs a longer one")
	}
	d.press("L")
	if _, ok := d.m.dialog.(*logDialog); !ok {
		t.Fatalf("L opened %T", d.m.dialog)
	}
	flat := strings.Join(strings.Fields(d.screen()), " ")
	for _, want := range []string{"CA demo-ca created", "issued server by demo-ca",
		"error: demo-ca is a root: nothing above it can revoke it", "error: " + long.Error()} {
		if !strings.Contains(flat, strings.Join(strings.Fields(want), " ")) {
			t.Fatalf("log lacks %q:\n%s", want, d.screen())
		}
	}
	d.press("esc")
	if d.m.dialog != nil {
		t.Fatal("esc did not close the log")
	}
	// ctrl+r says what it did.
	d.press("ctrl+r")
	d.expect("reloaded the store: 2 CAs, 3 certificates")
}
