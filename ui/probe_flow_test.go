package ui

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/pkibench/pkibench/pki"
)

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
	d.press("2", "r", "down", "enter", "y", "y")
	d.press("3", "down", "down", "down", "down", "down", "right", "enter")
	d.expect("REJECT", "client-cert-revoked")
	// The fix is a value the TUI renders as its own keys, not a command line.
	d.expect("fix: issue a new certificate", "↳ 2 certificates, i issue: issue a new client under demo-ca (profile")
	if strings.Contains(d.screen(), "pkibench issue") {
		t.Error("the TUI shows CLI advice")
	}
	d.press("v")
	// Inspect opens on the blamed certificate, the evidence field marked.
	d.expect("Inspect client", "▶")
	d.press("e")
}

func TestProbeAtLaterTimeSeesExpiry(t *testing.T) {
	d := goldenDriver(t, 120, 40)
	d.press("3", "up", "right", "right", "down", "enter") // verify at +1y: past the leaves' 365 days; enter on Client runs
	d.expect("Verify at      +1y", "REJECT", "expired")
}

func TestProbeWithoutClientCertNeedsTrust(t *testing.T) {
	d := goldenDriver(t, 120, 40)
	d.press("3", "left", "enter") // client none, every other field at its default
	d.expect("Client         ‹ none ›")
	d.expect("must be told what to trust", `"Client trusts"`)
}

func TestShiftTime(t *testing.T) {
	for in, want := range map[string]time.Time{
		"now":  fixedNow,
		"+30d": fixedNow.AddDate(0, 0, 30),
		"+1y":  fixedNow.AddDate(1, 0, 0),
		"-1d":  fixedNow.AddDate(0, 0, -1),
	} {
		if got, err := shiftTime(fixedNow, in); err != nil || !got.Equal(want) {
			t.Errorf("shiftTime(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"+xd", "+3000000d", "0001-01-01T00:00:00Z"} {
		if got, err := shiftTime(fixedNow, in); err == nil {
			t.Errorf("shiftTime(%q) = %v, want an error (it once fell back to now)", in, got)
		}
	}
	// Every choice the form offers is one the CLI's --at reads the same way.
	for _, in := range atChoices() {
		want, err := pki.ParseTime(in, fixedNow, pki.ClockRange())
		got, gerr := shiftTime(fixedNow, in)
		if err != nil || gerr != nil || !got.Equal(want) {
			t.Errorf("choice %q: TUI %v (%v), CLI parser %v (%v)", in, got, gerr, want, err)
		}
	}
}

func TestProbeMatrix(t *testing.T) {
	d := goldenDriver(t, 120, 40)
	// A client without a certificate has no root of its own: the matrix's
	// "none" row needs Client trusts picked, as the CLI needs --client-trust.
	d.press("3", "down", "down", "down", "right") // client trusts the first CA
	d.press("down", "down", "right")              // CRL check on
	d.press("M")
	// The golden store revoked client without publishing a CRL: crl-missing.
	d.expect("Matrix: every client → server", "crl-missing", "client-cert-missing", "client-cert-wrong-usage", "matrix: 0 of 3 clients accepted")
	d.press("enter")
	if strings.Contains(d.screen(), "Matrix:") {
		t.Fatal("enter kept the matrix instead of the single verdict")
	}
}

// Decision 4 in the TUI: an encrypted client key opens the passphrase
// dialog, and the same request runs again with the answer (before, the TUI
// passed no passphrase and the probe failed).
func TestProbeAsksForAnEncryptedKeysPassphrase(t *testing.T) {
	st := testStore(t)
	d := newDriver(t, st, 120, 40)
	d.press("n")
	d.typeText("demo-ca")
	d.press("enter", "i", "enter", "i", "tab", "tab", "right", "enter")
	// Encrypt the client's key in place, as a key brought in encrypted is.
	id, err := st.Identity("client", nil)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := pki.EncodeKeyPEM(id.Key, []byte("s3cret"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(st.Layout().Cert("client").Key, enc, 0o600); err != nil {
		t.Fatal(err)
	}
	d.press("3")
	d.expect("‹ client ›", "‹ server ›")
	d.press("enter")
	d.expect("Passphrase", "the key of client")
	d.typeText("s3cret")
	d.press("enter")
	d.expect("ACCEPT", "reason ok")
}
