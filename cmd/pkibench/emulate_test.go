package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// verify --emulate: a CN-only name passes as curl, openssl and node judge
// (with a warning), fails as go and browser judge.
func TestVerifyEmulate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pki")
	mustPB(t, dir, "ca", "create", "abc")
	mustPB(t, dir, "issue", "localhost", "--ca", "abc", "--profile", "client") // CN=localhost, no SAN
	for _, c := range []struct {
		emulate, reason string
		code            int
	}{
		{"", "ok", 0}, {"curl", "ok", 0}, {"openssl", "ok", 0}, {"node", "ok", 0},
		{"go", "server-cert-cn-only", 1}, {"browser", "server-cert-cn-only", 1},
	} {
		args := []string{"verify", "localhost", "--name", "localhost", "--json"}
		if c.emulate != "" {
			args = append(args, "--emulate", c.emulate)
		}
		out, errs, code := pb(t, dir, args...)
		var r struct {
			Reason  string `json:"reason"`
			Emulate string `json:"emulate"`
			Warning string `json:"warning"`
		}
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatalf("%s: %v: %s %s", c.emulate, err, out, errs)
		}
		if code != c.code || r.Reason != c.reason || (c.code == 0) != strings.Contains(r.Warning, "Go clients and browsers refuse it") {
			t.Errorf("--emulate %q: exit %d reason %s warning %q", c.emulate, code, r.Reason, r.Warning)
		}
	}
	if _, errs, code := pb(t, dir, "verify", "localhost", "--emulate", "lynx"); code != 2 || !strings.Contains(errs, "curl, openssl, node, go, browser") {
		t.Errorf("bad --emulate: exit %d: %s", code, errs)
	}
	if _, errs, code := pb(t, dir, "probe", "--client", "localhost", "--server", "localhost", "--starttls", "smtp"); code != 2 || !strings.Contains(errs, "--starttls needs --connect") {
		t.Errorf("--starttls without --connect: exit %d: %s", code, errs)
	}
}
