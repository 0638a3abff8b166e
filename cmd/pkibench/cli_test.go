package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pkibench/pkibench/pki/testtool"
)

// pb runs the CLI in-process against store dir and returns stdout, stderr, exit code.
func pb(t *testing.T, dir string, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(append([]string{"--store", dir}, args...), strings.NewReader(""), &out, &errb)
	return out.String(), errb.String(), code
}

func mustPB(t *testing.T, dir string, args ...string) string {
	t.Helper()
	out, errs, code := pb(t, dir, args...)
	if code != 0 {
		t.Fatalf("pkibench %v: exit %d\n%s%s", args, code, out, errs)
	}
	return out
}

func TestExitCodesAndMessages(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pki")
	mustPB(t, dir, "ca", "create", "abc", "--subject", "/O=ABC Inc.")
	garbage := filepath.Join(t.TempDir(), "garbage.pem")
	os.WriteFile(garbage, []byte("-----BEGIN CERTIFICATE-----\nnot base64\n"), 0o644)
	before := testtool.Snapshot(t, dir)
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"issue", "x", "--ca", "abc", "--bogus"}, 2, "unknown flag"},
		{[]string{"issue", "../etc", "--ca", "abc"}, 2, "invalid name"},
		{[]string{"issue", "x"}, 2, "--ca is required"},
		{[]string{"issue", "x", "--ca", "nope", "--profile", "client"}, 1, `CA "nope" not found`},
		{[]string{"issue", "x", "--ca", "abc", "--profile", "server"}, 1, "needs at least one DNS name"},
		{[]string{"issue", "x", "--ca", "abc", "--ip", "1.2.3"}, 2, "--ip"},
		{[]string{"issue", "x", "--ca", "abc", "--profile", "wizard"}, 2, "unknown profile"},
		{[]string{"ca", "create", "abc"}, 1, "already exists"},
		{[]string{"ca", "create", "q", "--subject", "/XX=1"}, 2, "unknown attribute"},
		{[]string{"ca", "create", "q", "--algo", "dsa"}, 2, "unknown key algorithm"},
		{[]string{"import", garbage}, 1, "garbage.pem"},
		{[]string{"revoke", "ghost"}, 1, "not found"},
		{[]string{"revoke", "x", "--reason", "boredom"}, 2, "unknown revocation reason"},
		{[]string{"list", "--status", "odd"}, 2, "--status"},
		{[]string{"nosuchcommand"}, 2, "unknown command"},
	}
	for _, c := range cases {
		out, errs, code := pb(t, dir, c.args...)
		if code != c.code || !strings.Contains(out+errs, c.want) {
			t.Errorf("%v: exit %d (want %d), output %q (want %q)", c.args, code, c.code, out+errs, c.want)
		}
	}
	testtool.SameSnapshot(t, before, testtool.Snapshot(t, dir))
}

func TestReadOnlyCommandsNeverCreateAStore(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nothing")
	for _, args := range [][]string{{"list"}, {"ca", "list"}, {"check"}} {
		if _, _, code := pb(t, dir, args...); code != 1 {
			t.Errorf("%v on a missing store: exit %d, want 1", args, code)
		}
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("a read-only command created %s", dir)
	}
}

func TestJSONOutputs(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pki")
	for _, args := range [][]string{
		{"ca", "create", "abc", "--json"},
		{"issue", "web", "--ca", "abc", "--dns", "localhost", "--json"},
		{"issue", "c1", "c2", "--ca", "abc", "--profile", "client", "--json"},
		{"revoke", "c2", "--reason", "superseded", "--json"},
		{"crl", "abc", "--json"},
		{"list", "--json"},
		{"ca", "list", "--json"},
		{"check", "--json"},
	} {
		out := mustPB(t, dir, args...)
		var v any
		if err := json.Unmarshal([]byte(out), &v); err != nil {
			t.Errorf("%v: output is not JSON: %v\n%s", args, err, out)
		}
	}
	var certs []map[string]any
	json.Unmarshal([]byte(mustPB(t, dir, "list", "--json", "--status", "revoked")), &certs)
	if len(certs) != 1 || certs[0]["name"] != "c2" || certs[0]["reason"] != "superseded" {
		t.Errorf("revoked list: %v", certs)
	}
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// The first seed walked with pkibench: the seed's own Node.js server and
// clients, unchanged but for the paths, serve the good client and refuse the
// ZXC one.
func TestSeed001WithNode(t *testing.T) {
	node := testtool.Require(t, "node")
	work := t.TempDir()
	dir := filepath.Join(work, "pki")
	mustPB(t, dir, "ca", "create", "abc", "--subject", "/O=ABC Inc.")
	mustPB(t, dir, "issue", "invoice-server", "--ca", "abc", "--profile", "server", "--dns", "localhost", "--subject", "/CN=localhost/O=InvoiceServer")
	mustPB(t, dir, "issue", "mail-server", "--ca", "abc", "--profile", "client", "--subject", "/CN=localhost/O=MailServer")
	mustPB(t, dir, "ca", "create", "zxc", "--subject", "/O=ZXC Inc./CN=zxc.com")
	mustPB(t, dir, "issue", "mail-server-wrong", "--ca", "zxc", "--profile", "client", "--subject", "/CN=localhost/O=MailServer")
	port := freePort(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	srv := startNode(t, ctx, node, work, "invoice_server.js", seedServer(dir, port, ""))
	defer srv()
	out, err := runNode(ctx, node, work, "mail_server.js", seedClient(dir, port, "mail-server"))
	if err != nil || !strings.Contains(out, `"invoice_number":"00095234"`) {
		t.Errorf("good client should get the invoice JSON: %v\n%s", err, out)
	}
	out, _ = runNode(ctx, node, work, "mail_server_wrong_cert.js", seedClient(dir, port, "mail-server-wrong"))
	if strings.Contains(out, "invoice_number") || !(strings.Contains(out, "socket hang up") || strings.Contains(out, "ECONNRESET") || strings.Contains(out, "alert")) {
		t.Errorf("ZXC client should be refused (socket hang up): %s", out)
	}
}

// Seed 003: client2 revoked with pkibench; Node's server with crl: refuses
// it while client1 still gets in.
func TestSeed003RevocationWithNode(t *testing.T) {
	node := testtool.Require(t, "node")
	work := t.TempDir()
	dir := filepath.Join(work, "pki")
	mustPB(t, dir, "ca", "create", "ca", "--algo", "rsa2048")
	mustPB(t, dir, "issue", "server", "--ca", "ca", "--dns", "localhost")
	mustPB(t, dir, "issue", "client1", "client2", "--ca", "ca", "--profile", "client")
	mustPB(t, dir, "revoke", "client2")
	mustPB(t, dir, "crl", "ca")
	port := freePort(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	crl := filepath.Join(dir, "cas/ca/crl.pem")
	srv := startNode(t, ctx, node, work, "server.js", strings.Replace(seedServerNamed(dir, port, "ca", "server"), "requestCert", fmt.Sprintf("crl: fs.readFileSync(%q),\nrequestCert", crl), 1))
	defer srv()
	out, err := runNode(ctx, node, work, "client1.js", seedClientNamed(dir, port, "ca", "client1"))
	if err != nil || !strings.Contains(out, "invoice_number") {
		t.Errorf("client1 should be served: %v\n%s", err, out)
	}
	out, _ = runNode(ctx, node, work, "client2.js", seedClientNamed(dir, port, "ca", "client2"))
	if strings.Contains(out, "invoice_number") {
		t.Errorf("revoked client2 was served: %s", out)
	}
}

func seedServer(dir string, port int, _ string) string {
	return seedServerNamed(dir, port, "abc", "invoice-server")
}

func seedServerNamed(dir string, port int, ca, name string) string {
	return fmt.Sprintf(`const https = require('https');
const fs = require('fs');
const hostname = '127.0.0.1';
const port = %d;
const options = {
ca: fs.readFileSync(%q),
cert: fs.readFileSync(%q),
key: fs.readFileSync(%q),
rejectUnauthorized: true, // if certificate is not signed by ca/ca.cert.pem, drop connection
requestCert: true, // mail_server.js have to send own Cert
};
const server = https.createServer(options, (req, res) => {
res.statusCode = 200;
res.setHeader('Content-Type', 'application/json');
const userData = JSON.stringify({
firstname: 'John',
lastname: 'Ji',
invoice_number: "00095234",
invoice_price: "10USD",
});
res.end(userData);
});
server.on('error',(e)=>console.log(e));
server.listen(port, hostname, () => {
console.log('Server running at http://' + hostname + ':' + port + '/');
});
`, port, filepath.Join(dir, "cas", ca, "ca.crt"), filepath.Join(dir, "certs", name, "cert.pem"), filepath.Join(dir, "certs", name, "key.pem"))
}

func seedClient(dir string, port int, name string) string {
	return seedClientNamed(dir, port, "abc", name)
}

func seedClientNamed(dir string, port int, ca, name string) string {
	return fmt.Sprintf(`var fs = require('fs');
var https = require('https');
var options = {
hostname: 'localhost',
port: %d,
path: '/',
method: 'GET',
key: fs.readFileSync(%q),
cert: fs.readFileSync(%q),
ca: fs.readFileSync(%q),
};
var req = https.request(options, function(res) {
res.on('data', function(data) {
process.stdout.write(data);
});
});
req.end();
req.on('error', function(e) {
console.error(e);
});
`, port, filepath.Join(dir, "certs", name, "key.pem"), filepath.Join(dir, "certs", name, "cert.pem"), filepath.Join(dir, "cas", ca, "ca.crt"))
}

// startNode runs a Node.js server script and waits until it listens.
func startNode(t *testing.T, ctx context.Context, node, dir, file, src string) func() {
	t.Helper()
	p := filepath.Join(dir, file)
	os.WriteFile(p, []byte(src), 0o644)
	cmd := exec.CommandContext(ctx, node, p)
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for !strings.Contains(out.String(), "Server running") {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("node server did not start: %s", out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	return func() { cmd.Process.Kill(); cmd.Wait() }
}

func runNode(ctx context.Context, node, dir, file, src string) (string, error) {
	p := filepath.Join(dir, file)
	os.WriteFile(p, []byte(src), 0o644)
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, node, p).CombinedOutput()
	return string(out), err
}
