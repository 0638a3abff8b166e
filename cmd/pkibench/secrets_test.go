package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// A passphrase never shows in output, JSON or errors, whatever happens.
func TestPassphrasesNeverPrinted(t *testing.T) {
	const secret = "Correct-Horse-9f2c"
	dir := filepath.Join(t.TempDir(), "pki")
	pass := writeTemp(t, "pass", secret+"\n")
	wrong := writeTemp(t, "wrong", "not-"+secret+"\n")
	runs := [][]string{
		{"ca", "create", "enc", "--encrypt", "--passphrase-file", pass, "--json"},
		{"issue", "c", "--ca", "enc", "--profile", "client", "--passphrase-file", pass, "--json"},
		{"issue", "d", "--ca", "enc", "--profile", "client", "--passphrase-file", wrong},
		{"issue", "d", "--ca", "enc", "--profile", "client", "--passphrase-file", wrong, "--json"},
		{"export", "c", "--format", "p12", "--out", filepath.Join(t.TempDir(), "c.p12"), "--passphrase-file", pass},
		{"crl", "enc", "--passphrase-file", wrong},
		{"ca", "list", "--json"},
		{"check", "--json"},
	}
	for _, args := range runs {
		out, errs, _ := pb(t, dir, args...)
		if strings.Contains(out+errs, secret) {
			t.Errorf("%v printed the passphrase:\n%s%s", args, out, errs)
		}
	}
}

// serve listens on loopback unless told otherwise, and a public address
// needs --public on top of --listen.
func TestServeRefusesPublicAddress(t *testing.T) {
	dir := seedStore(t)
	_, errs, code := pb(t, dir, "serve", "--server", "invoice-server", "--listen", "0.0.0.0:0")
	if code == 0 || !strings.Contains(errs, "loopback") {
		t.Errorf("serve on 0.0.0.0 without --public: exit %d, %s", code, errs)
	}
}
