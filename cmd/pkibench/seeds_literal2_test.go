package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pkibench/pkibench/pki/testtool"
)

// seedRun runs one seed command (argv, no shell) in w.
func seedRun(t *testing.T, w string, argv ...string) string {
	t.Helper()
	return testtool.Run(t, w, argv[0], argv[1:]...)
}

// probeReason runs `pkibench probe --json ARGS` and returns the reason.
func probeReason(t *testing.T, dir string, args ...string) string {
	t.Helper()
	out, errs, _ := pb(t, dir, append([]string{"probe", "--json"}, args...)...)
	var r map[string]any
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("probe %v: %v\n%s%s", args, err, out, errs)
	}
	return fmt.Sprint(r["reason"])
}

// verifyJSONReason runs `pkibench verify --json ARGS` and returns the reason.
func verifyJSONReason(t *testing.T, dir string, args ...string) string {
	t.Helper()
	out, errs, _ := pb(t, dir, append([]string{"verify", "--json"}, args...)...)
	var r map[string]any
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("verify %v: %v\n%s%s", args, err, out, errs)
	}
	return fmt.Sprint(r["reason"])
}

// TestSeed001Literally runs seed 001's commands as written (port and
// loopback aside): its openssl CA, CSRs and `x509 -req -set_serial 0`
// certificates, its Node.js invoice server and mail clients; then
// pkibench on those files: import, inspect, verify, a CRL from the
// imported CA (no keyUsage), the CN-only CSR signed, and probes.
func TestSeed001Literally(t *testing.T) {
	openssl := testtool.Require(t, "openssl")
	node := testtool.Require(t, "node")
	w := t.TempDir()
	for _, d := range []string{"ca", "ca-wrong", "invoice-server", "mail-server"} { // mkdir ca ca-wrong invoice-server mail-server
		if err := os.Mkdir(filepath.Join(w, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	o := func(args ...string) string { t.Helper(); return seedRun(t, w, append([]string{openssl}, args...)...) }
	o("req", "-x509", "-sha256", "-nodes", "-days", "365", "-newkey", "rsa:2048", "-subj", "/O=ABC Inc.", "-keyout", "ca/ca.key.pem", "-out", "ca/ca.cert.pem")
	o("req", "-out", "invoice-server/server.csr", "-newkey", "rsa:2048", "-nodes", "-keyout", "invoice-server/private.key", "-subj", "/CN=localhost/O=InvoiceServer")
	o("x509", "-req", "-sha256", "-days", "365", "-CA", "ca/ca.cert.pem", "-CAkey", "ca/ca.key.pem", "-set_serial", "0", "-in", "invoice-server/server.csr", "-out", "invoice-server/server.cert")
	o("x509", "-noout", "-text", "-in", "invoice-server/server.cert")
	if out := o("verify", "-CAfile", "ca/ca.cert.pem", "invoice-server/server.cert"); !strings.Contains(out, ": OK") {
		t.Fatal(out)
	}
	o("req", "-out", "mail-server/server.csr", "-newkey", "rsa:2048", "-nodes", "-keyout", "mail-server/private.key", "-subj", "/CN=localhost/O=MailServer")
	o("x509", "-req", "-sha256", "-days", "365", "-CA", "ca/ca.cert.pem", "-CAkey", "ca/ca.key.pem", "-set_serial", "0", "-in", "mail-server/server.csr", "-out", "mail-server/server.cert")
	if out := o("verify", "-CAfile", "ca/ca.cert.pem", "mail-server/server.cert"); !strings.Contains(out, ": OK") {
		t.Fatal(out)
	}
	o("req", "-x509", "-sha256", "-nodes", "-days", "365", "-newkey", "rsa:2048", "-subj", "/O=ZXC Inc./CN=zxc.com", "-keyout", "ca-wrong/ca.key.pem", "-out", "ca-wrong/ca.cert.pem")
	o("x509", "-req", "-sha256", "-days", "365", "-CA", "ca-wrong/ca.cert.pem", "-CAkey", "ca-wrong/ca.key.pem", "-set_serial", "0", "-in", "mail-server/server.csr", "-out", "mail-server/server-wrong.cert")

	// The seed's Node.js scripts, run from w so their relative paths hold.
	port := freePort(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	srv := strings.NewReplacer("const hostname = '0.0.0.0';", "const hostname = '127.0.0.1';", "3100", fmt.Sprint(port), "console.log(`Server running at http://${hostname}:${port}/`);", "console.log('Server running');").Replace(seed001Server)
	stop := startNodeIn(t, ctx, node, w, "invoice_server.js", srv)
	defer stop()
	cli := func(cert string) string {
		return strings.ReplaceAll(strings.ReplaceAll(seed001Client, "3100", fmt.Sprint(port)), "mail-server/server.cert", cert)
	}
	if out, err := runNodeIn(ctx, node, w, "mail_server.js", cli("mail-server/server.cert")); err != nil || !strings.Contains(out, `"invoice_number":"00095234"`) {
		t.Errorf("node mail_server.js: %v\n%s", err, out)
	}
	if out, _ := runNodeIn(ctx, node, w, "mail_server_wrong_cert.js", cli("mail-server/server-wrong.cert")); strings.Contains(out, "invoice_number") || !strings.Contains(out, "ECONNRESET") && !strings.Contains(out, "socket hang up") && !strings.Contains(out, "alert") {
		t.Errorf("node mail_server_wrong_cert.js should be refused: %s", out)
	}

	// pkibench on the same files.
	dir := filepath.Join(w, "pki")
	in := func(f string) string { return filepath.Join(w, f) }
	mustPB(t, dir, "import", in("ca/ca.cert.pem"), in("ca/ca.key.pem"), "--as", "abc")
	mustPB(t, dir, "import", in("ca-wrong/ca.cert.pem"), in("ca-wrong/ca.key.pem"), "--as", "zxc")
	mustPB(t, dir, "import", in("invoice-server/server.cert"), in("invoice-server/private.key"), "--as", "invoice-server")
	mustPB(t, dir, "import", in("mail-server/server.cert"), in("mail-server/private.key"), "--as", "mail-server")
	mustPB(t, dir, "import", in("mail-server/server-wrong.cert"), in("mail-server/private.key"), "--as", "mail-server-wrong")
	if out := mustPB(t, dir, "inspect", "invoice-server"); !strings.Contains(out, "localhost") {
		t.Errorf("inspect invoice-server:\n%s", out)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"invoice-server", "--ca", "abc"}, "ok"},
		{[]string{"mail-server", "--ca", "abc"}, "ok"},
		{[]string{"mail-server-wrong", "--ca", "abc", "--usage", "client"}, "client-cert-untrusted"},
	} {
		if got := verifyJSONReason(t, dir, c.args...); got != c.want {
			t.Errorf("verify %v: %s, want %s", c.args, got, c.want)
		}
	}
	// The CSR the seed signs, signed by pkibench for the server profile.
	if out := mustPB(t, dir, "sign", in("invoice-server/server.csr"), "--ca", "abc", "--profile", "server", "--name", "invoice-signed"); !strings.Contains(out, `CN "localhost" was copied`) {
		t.Errorf("sign invoice-server/server.csr:\n%s", out)
	}
	// A server pkibench issues under the imported CA; the probes of the seed.
	mustPB(t, dir, "issue", "invoice", "--ca", "abc", "--profile", "server", "--dns", "localhost")
	for _, c := range []struct {
		args []string
		want string
	}{
		// mail-server shares serial 0 with invoice-server (-set_serial 0), so
		// it is kept in imported/: its trust is named, as the seed's server
		// names ca/ca.cert.pem.
		{[]string{"--client", "mail-server", "--server", "invoice", "--client-trust", "abc"}, "ok"},
		{[]string{"--client", "mail-server-wrong", "--server", "invoice", "--client-trust", "abc"}, "client-cert-untrusted"},
	} {
		if got := probeReason(t, dir, c.args...); got != c.want {
			t.Errorf("probe %v: %s, want %s", c.args, got, c.want)
		}
	}
	// Revocation under the imported CA (openssl 3 gives it no keyUsage).
	mustPB(t, dir, "issue", "mail2", "--ca", "abc", "--profile", "client")
	mustPB(t, dir, "revoke", "mail2")
	mustPB(t, dir, "crl", "abc")
	if got := probeReason(t, dir, "--client", "mail2", "--server", "invoice", "--crl"); got != "client-cert-revoked" {
		t.Errorf("probe revoked mail2 --crl: %s", got)
	}
	cmd := exec.Command(openssl, "verify", "-crl_check", "-CAfile", "ca/ca.cert.pem", "-CRLfile", filepath.Join(dir, "cas", "abc", "crl.pem"), filepath.Join(dir, "certs", "mail2", "cert.pem"))
	cmd.Dir = w
	if out, _ := cmd.CombinedOutput(); !strings.Contains(string(out), "certificate revoked") {
		t.Errorf("openssl verify -crl_check with pkibench's CRL: %s", out)
	}
}

// TestSeed004Literally runs seed 004's commands (openssl, the Node.js
// server, curl) as written, port and loopback aside, then pkibench on the
// files they made.
func TestSeed004Literally(t *testing.T) {
	openssl := testtool.Require(t, "openssl")
	node := testtool.Require(t, "node")
	curl := testtool.Require(t, "curl")
	w := t.TempDir()
	o := func(args ...string) string { t.Helper(); return seedRun(t, w, append([]string{openssl}, args...)...) }
	o("req", "-new", "-x509", "-nodes", "-days", "365", "-subj", "/CN=my-ca", "-keyout", "ca.key", "-out", "ca.crt")
	o("x509", "--in", "ca.crt", "-text", "--noout")
	o("genrsa", "-out", "server.key", "2048")
	o("req", "-new", "-key", "server.key", "-subj", "/CN=localhost", "-out", "server.csr")
	o("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days", "365", "-out", "server.crt")
	o("x509", "--in", "server.crt", "-text", "--noout")
	o("genrsa", "-out", "client.key", "2048")
	o("req", "-new", "-key", "client.key", "-subj", "/CN=my-client", "-out", "client.csr")
	o("x509", "-req", "-in", "client.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days", "365", "-out", "client.crt")

	port := freePort(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	srv := strings.NewReplacer("const port = 3000;", fmt.Sprintf("const port = %d;", port), "const hostname = 'localhost';", "const hostname = '127.0.0.1';",
		"console.log(`Server running at http://${hostname}:${port}/`);", "console.log('Server running');").Replace(seed004Server)
	stop := startNodeIn(t, ctx, node, w, "index.js", srv)
	defer stop()
	url := fmt.Sprintf("https://localhost:%d", port)
	resolve := fmt.Sprintf("localhost:%d:127.0.0.1", port)
	curlRun := func(args ...string) (string, int) {
		cmd := exec.CommandContext(ctx, curl, append([]string{"-sS", "--resolve", resolve}, args...)...)
		cmd.Dir = w
		out, err := cmd.CombinedOutput()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		}
		return string(out), code
	}
	if out, code := curlRun("--cacert", "ca.crt", "--key", "client.key", "--cert", "client.crt", url); code != 0 || !strings.Contains(out, "Hello World") {
		t.Errorf("curl with the client certificate: exit %d %s", code, out)
	}
	if _, code := curlRun("--key", "client.key", "--cert", "client.crt", url); code != 60 {
		t.Errorf("curl without --cacert: exit %d, want 60", code)
	}
	if out, code := curlRun("--cacert", "ca.crt", url); code == 0 || strings.Contains(out, "Hello World") {
		t.Errorf("curl without a client certificate should be refused: exit %d %s", code, out)
	}

	dir := filepath.Join(w, "pki")
	in := func(f string) string { return filepath.Join(w, f) }
	mustPB(t, dir, "import", in("ca.crt"), in("ca.key"), "--as", "my-ca")
	mustPB(t, dir, "import", in("server.crt"), in("server.key"), "--as", "server")
	mustPB(t, dir, "import", in("client.crt"), in("client.key"), "--as", "client")
	if got := verifyJSONReason(t, dir, "client", "--ca", "my-ca", "--usage", "client"); got != "ok" {
		t.Errorf("verify client: %s", got)
	}
	if out := mustPB(t, dir, "sign", in("server.csr"), "--ca", "my-ca", "--profile", "server", "--name", "server-signed"); !strings.Contains(out, `CN "localhost" was copied`) {
		t.Errorf("sign server.csr:\n%s", out)
	}
	mustPB(t, dir, "issue", "web", "--ca", "my-ca", "--profile", "server", "--dns", "localhost")
	mustPB(t, dir, "issue", "client2", "--ca", "my-ca", "--profile", "client")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--client", "client", "--server", "web"}, "ok"},
		{[]string{"--client", "client2", "--server", "web"}, "ok"},
		{[]string{"--client", "none", "--server", "web", "--client-trust", "my-ca"}, "client-cert-missing"},
	} {
		if got := probeReason(t, dir, c.args...); got != c.want {
			t.Errorf("probe %v: %s, want %s", c.args, got, c.want)
		}
	}
	mustPB(t, dir, "revoke", "client")
	mustPB(t, dir, "crl", "my-ca")
	if got := probeReason(t, dir, "--client", "client", "--server", "web", "--crl"); got != "client-cert-revoked" {
		t.Errorf("probe revoked client --crl: %s", got)
	}
}

// seed001Server and seed001Client are the seed's invoice_server.js and
// mail_server.js as printed in the seed.
const seed001Server = `const https = require('https');
const fs = require('fs');
const hostname = '0.0.0.0';
const port = 3100;
const options = {
ca: fs.readFileSync('ca/ca.cert.pem'),
cert: fs.readFileSync('invoice-server/server.cert'),
key: fs.readFileSync('invoice-server/private.key'),
rejectUnauthorized: true, // if certificate is not signed by ca/ca.cert.pem, drop connection
requestCert: true, // mail_server.js have to send own Cert
};
const server = https.createServer(options, (req, res) => {
res.statusCode = 200;
res.setHeader('Content-Type', 'application/json');
const userData = JSON.stringify({
firstname: 'John',
lastname: 'Ji',
email: '[email protected]',
invoice_number: "00095234",
invoice_price: "10USD",
});
res.end(userData);
});
server.on('error',(e)=>console.log(e));
server.listen(port, hostname, () => {
console.log(` + "`Server running at http://${hostname}:${port}/`" + `);
});
`

const seed001Client = `var fs = require('fs');
var https = require('https');
var options = {
hostname: 'localhost',
port: 3100,
path: '/',
method: 'GET',
key: fs.readFileSync('mail-server/private.key'),
cert: fs.readFileSync('mail-server/server.cert'),
ca: fs.readFileSync('ca/ca.cert.pem'),
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
`

// seed004Server is the seed's index.js.
const seed004Server = `const https = require('https');
const fs = require('fs');

const hostname = 'localhost';
const port = 3000;

const options = {
  ca: fs.readFileSync('ca.crt'),
  cert: fs.readFileSync('server.crt'),
  key: fs.readFileSync('server.key'),
  rejectUnauthorized: true,
  requestCert: true,
};

const server = https.createServer(options, (req, res) => {
  res.statusCode = 200;
  res.setHeader('Content-Type', 'text/plain');
  res.end('Hello World');
});

server.listen(port, hostname, () => {
  console.log(` + "`Server running at http://${hostname}:${port}/`" + `);
});
`

// startNodeIn and runNodeIn run a script with dir as the working
// directory, so the seeds' relative paths ('ca/ca.cert.pem') hold.
func startNodeIn(t *testing.T, ctx context.Context, node, dir, file, src string) func() {
	t.Helper()
	p := filepath.Join(dir, file)
	if err := os.WriteFile(p, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, node, p)
	cmd.Dir = dir
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for !strings.Contains(out.String(), "Server running") {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("node server did not start: %s", out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	return func() { cmd.Process.Kill(); cmd.Wait() }
}

func runNodeIn(ctx context.Context, node, dir, file, src string) (string, error) {
	p := filepath.Join(dir, file)
	if err := os.WriteFile(p, []byte(src), 0o600); err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, p)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	return string(out), err
}
