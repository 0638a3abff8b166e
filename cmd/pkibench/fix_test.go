package main

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// runLine finds the "run:" command in out and runs it as pasted (the words
// the test stores need no shell quoting).
func runLine(t *testing.T, out string) (string, string, int) {
	t.Helper()
	m := regexp.MustCompile(`(?m)^run:\s+pkibench (.*)$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no run: line in\n%s", out)
	}
	args := strings.Fields(m[1])
	if len(args) < 2 || args[0] != "--store" {
		t.Fatalf("the command does not name its store: %q", m[1])
	}
	return pb(t, args[1], args[2:]...)
}

// Lower layers return fixes as values; the CLI renders each as a command
// that works when pasted, and running it mends what was found.
func TestFixCommandsWorkWhenPasted(t *testing.T) {
	dir := seedStore(t)

	// A name the server certificate does not cover: re-issue with it.
	out, _, code := pb(t, dir, "verify", "invoice-server", "--name", "invoice.abc.test", "--usage", "server")
	if code != 1 || !strings.Contains(out, "server-name-mismatch") {
		t.Fatalf("verify: exit %d\n%s", code, out)
	}
	if !strings.Contains(out, "issue invoice-server-2 --ca abc --profile server --dns localhost --dns invoice.abc.test") {
		t.Errorf("run line is not the re-issue:\n%s", out)
	}
	if _, errs, code := runLine(t, out); code != 0 {
		t.Fatalf("pasted fix failed: %d %s", code, errs)
	}
	mustPB(t, dir, "verify", "invoice-server-2", "--name", "invoice.abc.test", "--usage", "server")
	// The re-issue keeps the names the certificate had (localhost) beside the new one.
	mustPB(t, dir, "verify", "invoice-server-2", "--name", "localhost", "--usage", "server")

	// Expired (judged 400 days on): the fix is a new certificate with the
	// same names, under a free name, that works when pasted.
	out, _, code = pb(t, dir, "verify", "invoice-server", "--at", "+400d")
	if code != 1 || !strings.Contains(out, "expired") {
		t.Fatalf("verify --at: exit %d\n%s", code, out)
	}
	if !strings.Contains(out, "issue invoice-server-3 --ca abc --profile server --dns localhost") {
		t.Errorf("run line does not keep the names:\n%s", out)
	}
	if _, errs, code := runLine(t, out); code != 0 {
		t.Fatalf("pasted fix failed: %d %s", code, errs)
	}

	// A revoked client behind a CRL check: the probe's fix issues a new one.
	mustPB(t, dir, "revoke", "client2")
	mustPB(t, dir, "crl", "abc")
	out, _, code = pb(t, dir, "probe", "--client", "client2", "--server", "invoice-server", "--crl")
	if code != 1 || !strings.Contains(out, "client-cert-revoked") {
		t.Fatalf("probe: exit %d\n%s", code, out)
	}
	if _, errs, code := runLine(t, out); code != 0 {
		t.Fatalf("pasted fix failed: %d %s", code, errs)
	}
	mustPB(t, dir, "probe", "--client", "client2-2", "--server", "invoice-server", "--crl")
}

// The store says a key is encrypted as a value (ErrPassphraseNeeded) and
// names no flag; the CLI adds where a passphrase comes from.
func TestPassphraseHintIsTheCLIs(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pki")
	mustPB(t, dir, "ca", "create", "enc", "--encrypt", "--passphrase-file", writeTemp(t, "pass", "right\n"))
	t.Setenv("PKIBENCH_PASSPHRASE", "")
	_, errs, code := pb(t, dir, "issue", "q", "--ca", "enc", "--profile", "client")
	if code != 1 || !strings.Contains(errs, "the key is encrypted and no passphrase was given") || !strings.Contains(errs, "--passphrase-file") {
		t.Errorf("exit %d\n%s", code, errs)
	}
}
