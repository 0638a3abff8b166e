package main

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pkibench/pkibench/pki"
)

// jsonArrayKeys are keys whose value is a list wherever they appear: the
// schema writes them as [] when empty, never null.
var jsonArrayKeys = map[string]bool{
	"evidence": true, "acceptable_cas": true, "client_chain": true, "server_chain": true,
	"timeline": true, "notes": true, "warnings": true, "also": true, "problems": true,
	"dns": true, "ips": true, "emails": true, "permit_dns": true,
	"below": true, "scenarios": true, "removed": true, "commands": true,
}

// jsonTimeKeys hold times, written RFC 3339 (or null / "" when there is none).
var jsonTimeKeys = map[string]bool{
	"at": true, "not_before": true, "not_after": true, "revoked_at": true,
	"this_update": true, "next_update": true, "time": true,
}

// checkJSONTree walks a decoded document: no null list, every time RFC 3339,
// every subject and issuer in the one format ("CN = x, O = y").
func checkJSONTree(t *testing.T, where string, v any) {
	t.Helper()
	switch v := v.(type) {
	case []any:
		for _, e := range v {
			checkJSONTree(t, where, e)
		}
	case map[string]any:
		for k, e := range v {
			if jsonArrayKeys[k] {
				if _, ok := e.([]any); !ok {
					t.Errorf("%s: %q is %v, want a list", where, k, e)
				}
			}
			if s, ok := e.(string); ok && jsonTimeKeys[k] && s != "" {
				if _, err := time.Parse(time.RFC3339, s); err != nil {
					t.Errorf("%s: %q = %q is not RFC 3339", where, k, s)
				}
			}
			if s, ok := e.(string); ok && (k == "subject" || k == "issuer") && s != "" {
				if strings.HasPrefix(s, "/") || !strings.Contains(s, " = ") {
					t.Errorf("%s: %q = %q is not in the one subject format", where, k, s)
				}
			}
			checkJSONTree(t, where+"."+k, e)
		}
	}
}

// hasKeys checks that v is an object with every one of keys.
func hasKeys(t *testing.T, where string, v any, keys []string) {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok {
		t.Errorf("%s: %v is not an object", where, v)
		return
	}
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			t.Errorf("%s: key %q missing in %v", where, k, m)
		}
	}
}

// TestJSONSchemas runs every command with --json on a small store and
// checks the documented keys (README, "JSON output") are all present.
func TestJSONSchemas(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pki")
	work := t.TempDir()
	other := filepath.Join(t.TempDir(), "other")
	mustPB(t, other, "ca", "create", "other")
	foreign := filepath.Join(work, "other.pem")
	mustPB(t, other, "export", "other", "--format", "pem", "--out", foreign)

	certKeys := []string{"name", "ca", "serial", "subject", "not_after", "status", "profile", "revoked_at", "reason", "kind", "dir", "note"}
	caKeys := []string{"name", "parent", "subject", "algorithm", "not_before", "not_after", "serial", "path_len", "encrypted", "has_key", "imported", "lab", "valid", "revoked", "expired", "crl", "dir"}
	crlKeys := []string{"number", "this_update", "next_update", "entries", "stale", "expires_in_ns", "expires_in_s", "path"}
	resultKeys := []string{"verdict", "reason", "side", "summary", "detail", "fix", "evidence", "mode", "addr", "peer", "at",
		"server_name", "auth", "tls", "acceptable_cas", "client_chain", "server_chain", "errors", "timeline",
		"duration_ms", "duration_s", "notes", "warnings", "also", "client_name", "exchange"}
	labKeys := []string{"id", "title", "expected", "expected_side", "story", "mend", "actual", "pass", "moved", "error"}
	linkKeys := []string{"subject", "issuer", "not_after", "serial", "is_ca", "status", "detail"}
	cases := []struct {
		args []string
		list bool // the document is a list of objects with these keys
		keys []string
		code int
	}{
		{[]string{"ca", "create", "abc"}, false, caKeys, 0},
		{[]string{"issue", "web", "--ca", "abc", "--dns", "localhost"}, true, certKeys, 0},
		{[]string{"issue", "c1", "c2", "--ca", "abc", "--profile", "client"}, true, certKeys, 0},
		{[]string{"csr", "req", "--dns", "req.example"}, false, []string{"name", "subject", "csr", "key"}, 0},
		{[]string{"sign", "CSR", "--ca", "abc", "--name", "signed", "--profile", "server"}, true, certKeys, 0},
		{[]string{"revoke", "c2", "--reason", "superseded"}, true, []string{"target", "status", "cert", "below", "error"}, 0},
		{[]string{"revoke", "ghost"}, true, []string{"target", "status", "cert", "below", "error"}, 1},
		{[]string{"crl", "abc"}, false, crlKeys, 0},
		{[]string{"list"}, true, certKeys, 0},
		{[]string{"ca", "list"}, true, caKeys, 0},
		{[]string{"import", foreign, "--as", "foreign"}, false, []string{"name", "kind", "ca", "subject", "serial", "has_key", "key_encrypted", "dir", "notes"}, 0},
		{[]string{"export", "web", "--format", "pem", "--out", filepath.Join(work, "web.pem")}, false, []string{"target", "format", "out", "bytes"}, 0},
		{[]string{"check"}, false, []string{"cas", "certs", "problems", "repaired"}, 0},
		{[]string{"probe", "--client", "c1", "--server", "web", "--name", "localhost"}, false, resultKeys, 0},
		{[]string{"probe", "--client", "none", "--server", "web", "--name", "localhost", "--auth", "require-and-verify", "--client-trust", "abc"}, false, resultKeys, 1},
		{[]string{"verify", "web", "--name", "wrong.example"}, false, []string{"target", "subject", "ok", "reason", "finding", "chain", "at"}, 1},
		{[]string{"lab", "--list"}, false, []string{"scenarios", "not_staged"}, 0},
		{[]string{"lab", "seeds-client2-revoked"}, true, labKeys, 0},
		{[]string{"inspect", "web", "--chain"}, false, []string{"source", "documents", "chain"}, 0},
		{[]string{"version"}, false, []string{"module", "version", "revision", "time", "modified", "go"}, 0},
	}
	for _, c := range cases {
		args := append([]string{}, c.args...)
		for i, a := range args {
			if a == "CSR" {
				args[i] = filepath.Join(dir, "certs", "req", "csr.pem")
			}
		}
		out, errs, code := pb(t, dir, append(args, "--json")...)
		if code != c.code {
			t.Errorf("%v: exit %d, want %d\n%s%s", c.args, code, c.code, out, errs)
			continue
		}
		var doc any
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Errorf("%v: not JSON: %v\n%s", c.args, err, out)
			continue
		}
		checkJSONTree(t, strings.Join(c.args[:1], " "), doc)
		if m, ok := doc.(map[string]any); ok && c.args[0] == "check" {
			if _, ok := m["repaired"].([]any); !ok {
				t.Errorf("check: repaired is %v, want a list", m["repaired"])
			}
		}
		if m, ok := doc.(map[string]any); ok && c.args[0] == "verify" {
			f, _ := m["finding"].(map[string]any)
			for _, k := range []string{"code", "side", "summary", "detail", "fix", "evidence"} {
				if _, ok := f[k]; !ok {
					t.Errorf("verify: finding key %q missing in %s", k, out)
				}
			}
			fix, _ := f["fix"].(map[string]any)
			for _, k := range []string{"kind", "say", "name", "ca", "parent", "profile", "dns", "ips", "emails", "algo", "permit_dns", "side"} {
				if _, ok := fix[k]; !ok {
					t.Errorf("verify: fix key %q missing in %s", k, out)
				}
			}
		}
		if l, ok := doc.([]any); ok && c.args[0] == "lab" {
			for _, o := range l {
				m, _ := o.(map[string]any)
				hasKeys(t, "lab actual", m["actual"], resultKeys)
			}
		}
		if m, ok := doc.(map[string]any); ok && c.args[0] == "inspect" {
			chain, _ := m["chain"].([]any)
			if len(chain) != 2 {
				t.Errorf("inspect --chain: %d links, want 2 (leaf, root)", len(chain))
			}
			for _, l := range chain {
				hasKeys(t, "inspect chain link", l, linkKeys)
			}
		}
		objs := []any{doc}
		if c.list {
			l, ok := doc.([]any)
			if !ok || len(l) == 0 {
				t.Errorf("%v: want a non-empty list, got %s", c.args, out)
				continue
			}
			objs = l
		}
		for _, o := range objs {
			m, ok := o.(map[string]any)
			if !ok {
				t.Errorf("%v: want an object, got %v", c.args, o)
				continue
			}
			for _, k := range c.keys {
				if _, ok := m[k]; !ok {
					t.Errorf("%v: key %q missing in %s", c.args, k, out)
				}
			}
		}
	}
	// serve --json prints one probe.Result a line, one per connection: it
	// runs in-process on a free port, two probes connect (one let in, one
	// refused), and cancelling its context stops it.
	lines := serveJSONLines(t, dir, []string{"serve", "--server", "web", "--listen", "127.0.0.1:0", "--crl", "--json"},
		[][]string{{"probe", "--client", "c1", "--name", "localhost"}, {"probe", "--client", "c2", "--name", "localhost"}})
	reasons := map[string]bool{}
	for _, l := range lines {
		var doc any
		if err := json.Unmarshal([]byte(l), &doc); err != nil {
			t.Errorf("serve: not JSON: %v\n%s", err, l)
			continue
		}
		checkJSONTree(t, "serve", doc)
		hasKeys(t, "serve", doc, resultKeys)
		m, _ := doc.(map[string]any)
		r, _ := m["reason"].(string)
		reasons[r] = true
	}
	if len(lines) != 2 || !reasons["ok"] || !reasons["client-cert-revoked"] {
		t.Errorf("serve printed %d lines with reasons %v, want ok and client-cert-revoked:\n%s", len(lines), reasons, strings.Join(lines, "\n"))
	}
}

// serveJSONLines runs `pkibench serve` (args, with --listen 127.0.0.1:0)
// in-process against store dir, runs each probe against the address it
// prints, waits for one output line per probe, stops serve by cancelling
// its context and returns the lines.
func serveJSONLines(t *testing.T, dir string, args []string, probes [][]string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var out, errb syncBuffer
	a := &app{stdin: strings.NewReader(""), stdout: pki.EscapeWriter{W: &out}, raw: &out, rawStdout: &out, stderr: &errb}
	root := a.rootCommand()
	root.SetArgs(append([]string{"--store", dir}, args...))
	root.SetOut(a.stdout)
	root.SetErr(&errb)
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()
	addrRE := regexp.MustCompile(`on https://([^/ ]+)/`)
	addr := ""
	for addr == "" {
		if m := addrRE.FindStringSubmatch(errb.String()); m != nil {
			addr = m[1]
			break
		}
		select {
		case err := <-done:
			t.Fatalf("serve stopped before listening: %v\n%s", err, errb.String())
		case <-ctx.Done():
			t.Fatalf("serve did not start: %s", errb.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	for _, p := range probes {
		pb(t, dir, append(p, "--connect", addr)...)
	}
	for strings.Count(out.String(), "\n") < len(probes) {
		select {
		case err := <-done:
			t.Fatalf("serve stopped: %v\n%s", err, errb.String())
		case <-ctx.Done():
			t.Fatalf("serve printed %q for %d probes", out.String(), len(probes))
		case <-time.After(10 * time.Millisecond):
		}
	}
	cancel()
	if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
		t.Errorf("serve did not stop cleanly when cancelled: %v", err)
	}
	return strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
}
