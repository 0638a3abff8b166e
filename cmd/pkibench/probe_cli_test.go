package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pkibench/pkibench/pki/testtool"
)

// seedStore builds the first seed's store (abc, zxc, invoice and mail servers).
func seedStore(t *testing.T) string {
	dir := filepath.Join(t.TempDir(), "pki")
	mustPB(t, dir, "ca", "create", "abc", "--subject", "/O=ABC Inc.")
	mustPB(t, dir, "issue", "invoice-server", "--ca", "abc", "--profile", "server", "--dns", "localhost")
	mustPB(t, dir, "issue", "mail-server", "client2", "--ca", "abc", "--profile", "client")
	mustPB(t, dir, "ca", "create", "zxc", "--subject", "/O=ZXC Inc./CN=zxc.com")
	mustPB(t, dir, "issue", "mail-server-wrong", "--ca", "zxc", "--profile", "client")
	return dir
}

func TestProbeCommand(t *testing.T) {
	dir := seedStore(t)
	mustPB(t, dir, "revoke", "client2")
	mustPB(t, dir, "crl", "abc")
	cases := []struct {
		args   []string
		code   int
		reason string
		side   string
	}{
		{[]string{"--client", "mail-server", "--server", "invoice-server"}, 0, "ok", ""},
		{[]string{"--client", "mail-server-wrong", "--server", "invoice-server", "--client-trust", "abc"}, 1, "client-cert-untrusted", "server"},
		{[]string{"--client", "none", "--server", "invoice-server", "--client-trust", "abc"}, 1, "client-cert-missing", "server"},
		{[]string{"--client", "client2", "--server", "invoice-server", "--crl"}, 1, "client-cert-revoked", "server"},
		{[]string{"--client", "mail-server", "--server", "invoice-server", "--name", "invoice.abc.com"}, 1, "server-name-mismatch", "client"},
		{[]string{"--client", "mail-server", "--server", "invoice-server", "--at", "+400d"}, 1, "server-cert-expired", "client"},
		{[]string{"--client", "mail-server", "--server", "invoice-server", "--client-tls", "1.2", "--server-tls", "1.3"}, 1, "protocol-version-mismatch", ""},
	}
	for _, c := range cases {
		out, errs, code := pb(t, dir, append([]string{"probe", "--json"}, c.args...)...)
		var r map[string]any
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Errorf("%v: not JSON (%v): %s %s", c.args, err, out, errs)
			continue
		}
		for _, k := range []string{"verdict", "reason", "side", "summary", "detail", "fix", "evidence", "tls", "acceptable_cas", "client_chain", "server_chain", "errors", "timeline", "duration_ms"} {
			if _, ok := r[k]; !ok && !(k == "detail" || k == "fix") {
				t.Errorf("%v: JSON lacks %q", c.args, k)
			}
		}
		if code != c.code || r["reason"] != c.reason || (c.side != "" && r["side"] != c.side) {
			t.Errorf("%v: exit %d reason %v side %v; want %d %s %s\n%s", c.args, code, r["reason"], r["side"], c.code, c.reason, c.side, r["summary"])
		}
	}
	// The matrix: every client identity of abc against the invoice server.
	out, _, code := pb(t, dir, "probe", "--matrix", "--ca", "abc", "--server", "invoice-server", "--crl")
	if code != 1 || !strings.Contains(out, "client2") || !strings.Contains(out, "client-cert-revoked") || !strings.Contains(out, "mail-server") {
		t.Errorf("matrix: exit %d\n%s", code, out)
	}
	if _, errs, code := pb(t, dir, "probe", "--client", "none", "--server", "invoice-server"); code != 2 || !strings.Contains(errs, "--client-trust") {
		t.Errorf("a client without a certificate must be told what to trust: %d %s", code, errs)
	}
}

func TestInspectAndVerifyCommands(t *testing.T) {
	dir := seedStore(t)
	out := mustPB(t, dir, "inspect", "invoice-server")
	for _, w := range []string{"Certificate:", "Subject: CN = invoice-server", "DNS:localhost", "SHA256 Fingerprint="} {
		if !strings.Contains(out, w) {
			t.Errorf("inspect lacks %q", w)
		}
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(mustPB(t, dir, "inspect", "--json", "--chain", "mail-server")), &doc); err != nil || doc["chain"] == nil {
		t.Errorf("inspect --json --chain: %v %v", err, doc)
	}
	if out, _, code := pb(t, dir, "verify", "invoice-server", "--name", "localhost", "--usage", "server"); code != 0 || !strings.Contains(out, "OK") {
		t.Errorf("verify: %d %s", code, out)
	}
	out, _, code := pb(t, dir, "verify", "mail-server-wrong", "--ca", "abc", "--usage", "client")
	if code != 1 || !strings.Contains(out, "client-cert-untrusted") {
		t.Errorf("verify foreign client: %d %s", code, out)
	}
	// A file outside any store: verify and inspect never create one.
	empty := filepath.Join(t.TempDir(), "none")
	cert := filepath.Join(dir, "certs/invoice-server/cert.pem")
	ca := filepath.Join(dir, "cas/abc/ca.crt")
	if out, errs, code := pb(t, empty, "verify", cert, "--roots", ca, "--usage", "server", "--name", "localhost"); code != 0 {
		t.Errorf("verify a file: %d %s %s", code, out, errs)
	}
	mustPB(t, empty, "inspect", cert)
	if _, err := os.Stat(empty); !os.IsNotExist(err) {
		t.Error("inspect/verify created a store")
	}
}

// serve keeps the built-in server up; curl and openssl s_client connect and
// serve prints a verdict line for each; SIGINT stops it.
func TestServeWithCurl(t *testing.T) {
	curl := testtool.Require(t, "curl")
	dir := seedStore(t)
	bin := filepath.Join(t.TempDir(), "pkibench")
	testtool.Run(t, "", "go", "build", "-o", bin, ".")
	port := freePort(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--store", dir, "serve", "--server", "invoice-server", "--listen", fmt.Sprintf("127.0.0.1:%d", port), "--json")
	stdout, _ := cmd.StdoutPipe()
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for !strings.Contains(stderr.String(), "serving") {
		if ctx.Err() != nil {
			t.Fatalf("serve did not start: %s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	lines := bufio.NewScanner(stdout)
	url := fmt.Sprintf("https://localhost:%d/", port)
	certs := func(n string) []string {
		return []string{"--cert", filepath.Join(dir, "certs", n, "cert.pem"), "--key", filepath.Join(dir, "certs", n, "key.pem")}
	}
	for _, c := range []struct {
		client []string
		reason string
	}{
		{certs("mail-server"), "ok"},
		{certs("mail-server-wrong"), "client-cert-untrusted"},
		{nil, "client-cert-missing"},
	} {
		args := append([]string{"-s", "--max-time", "10", "--cacert", filepath.Join(dir, "cas/abc/ca.crt")}, c.client...)
		exec.CommandContext(ctx, curl, append(args, url)...).Run()
		if !lines.Scan() {
			t.Fatalf("no verdict line for %s", c.reason)
		}
		var r map[string]any
		json.Unmarshal(lines.Bytes(), &r)
		if r["reason"] != c.reason {
			t.Errorf("curl %v: serve said %v (%v), want %s", c.client, r["reason"], r["summary"], c.reason)
		}
	}
	// --system-roots trusts what curl trusts without --cacert: the store's
	// CA is not among them, so the probe says what curl says (error 60).
	if _, err := os.Stat("/etc/ssl/certs/ca-certificates.crt"); err == nil {
		out, errs, code := pb(t, dir, "probe", "--json", "--connect", fmt.Sprintf("127.0.0.1:%d", port), "--client", "none", "--system-roots")
		var r struct {
			Reason string   `json:"reason"`
			Notes  []string `json:"notes"`
		}
		json.Unmarshal([]byte(out), &r)
		if code != 1 || r.Reason != "server-cert-untrusted" || !strings.Contains(strings.Join(r.Notes, " "), "curl: (60)") {
			t.Errorf("--system-roots: exit %d reason %s notes %q %s", code, r.Reason, r.Notes, errs)
		}
		out, errs, code = pb(t, dir, "probe", "--json", "--connect", fmt.Sprintf("127.0.0.1:%d", port), "--client", "mail-server", "--system-roots")
		json.Unmarshal([]byte(out), &r)
		if code != 0 || r.Reason != "ok" {
			t.Errorf("--system-roots with the client's own root too: exit %d reason %s %s", code, r.Reason, errs)
		}
	}
	cmd.Process.Signal(syscall.SIGINT)
	if err := cmd.Wait(); err != nil {
		t.Errorf("serve did not stop cleanly on SIGINT: %v %s", err, stderr.String())
	}
}
