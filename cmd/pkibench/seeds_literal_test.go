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

// TestSeed003Literally runs seed 003 as written: its openssl commands on
// its own configuration files (testdata/seed003, what its wget fetches),
// its Node.js server with the CRL, then pkibench on the files those
// commands made: import of the passphrase-protected CA key (PBES2 with
// DES-EDE3-CBC, openssl's default), verify against the seed's MD5-signed v1
// CRL, the CRL imported and attached to the CA, the CN-only CSR signed,
// a CRL published by the v1 CA, and probes.
func TestSeed003Literally(t *testing.T) {
	openssl := testtool.Require(t, "openssl")
	node := testtool.Require(t, "node")
	w := t.TempDir()
	for _, f := range []string{"ca.cnf", "server.cnf", "client1.cnf", "client2.cnf"} {
		b, err := os.ReadFile(filepath.Join("testdata", "seed003", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(w, f), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	ossl := func(args ...string) string { t.Helper(); return testtool.Run(t, w, openssl, args...) }
	// The seed's commands, in its order.
	ossl("req", "-new", "-x509", "-days", "9999", "-config", "ca.cnf", "-keyout", "ca-key.pem", "-out", "ca-crt.pem")
	ossl("genrsa", "-out", "server-key.pem", "4096")
	ossl("req", "-new", "-config", "server.cnf", "-key", "server-key.pem", "-out", "server-csr.pem")
	ossl("x509", "-req", "-extfile", "server.cnf", "-days", "999", "-passin", "pass:password", "-in", "server-csr.pem", "-CA", "ca-crt.pem", "-CAkey", "ca-key.pem", "-CAcreateserial", "-out", "server-crt.pem")
	for _, c := range []string{"client1", "client2"} {
		ossl("genrsa", "-out", c+"-key.pem", "4096")
	}
	for _, c := range []string{"client1", "client2"} {
		ossl("req", "-new", "-config", c+".cnf", "-key", c+"-key.pem", "-out", c+"-csr.pem")
	}
	for _, c := range []string{"client1", "client2"} {
		ossl("x509", "-req", "-extfile", c+".cnf", "-days", "999", "-passin", "pass:password", "-in", c+"-csr.pem", "-CA", "ca-crt.pem", "-CAkey", "ca-key.pem", "-CAcreateserial", "-out", c+"-crt.pem")
	}
	for _, c := range []string{"client1", "client2"} {
		if out := ossl("verify", "-CAfile", "ca-crt.pem", c+"-crt.pem"); !strings.Contains(out, ": OK") {
			t.Fatalf("openssl verify %s: %s", c, out)
		}
	}
	if err := os.WriteFile(filepath.Join(w, "ca-database.txt"), nil, 0o600); err != nil { // touch ca-database.txt
		t.Fatal(err)
	}
	ossl("ca", "-revoke", "client2-crt.pem", "-keyfile", "ca-key.pem", "-config", "ca.cnf", "-cert", "ca-crt.pem", "-passin", "pass:password")
	ossl("ca", "-keyfile", "ca-key.pem", "-cert", "ca-crt.pem", "-config", "ca.cnf", "-gencrl", "-out", "ca-crl.pem", "-passin", "pass:password")
	if key, _ := os.ReadFile(filepath.Join(w, "ca-key.pem")); !strings.Contains(string(key), "BEGIN ENCRYPTED PRIVATE KEY") {
		t.Fatalf("the seed's CA key should be encrypted PKCS#8:\n%.80s", key)
	}
	if out := ossl("crl", "-in", "ca-crl.pem", "-noout", "-text"); !strings.Contains(out, "md5WithRSAEncryption") {
		t.Fatalf("the seed's CRL should be signed with MD5:\n%s", out)
	}
	// openssl's own verdicts, the oracle for pkibench's below.
	for c, want := range map[string]string{"client1": ": OK", "client2": "certificate revoked"} {
		cmd := exec.Command(openssl, "verify", "-crl_check", "-CAfile", "ca-crt.pem", "-CRLfile", "ca-crl.pem", c+"-crt.pem")
		cmd.Dir = w
		out, _ := cmd.CombinedOutput()
		if !strings.Contains(string(out), want) {
			t.Fatalf("openssl verify -crl_check %s: want %q, got %s", c, want, out)
		}
	}
	// The seed's Node.js server with its CRL: client1 served, client2 refused.
	port := freePort(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	seedNode(t, ctx, node, w, port, filepath.Join(w, "ca-crl.pem"), "server-crt.pem", "server-key.pem", nil)

	// pkibench on the same files.
	dir := filepath.Join(w, "pki")
	pass := filepath.Join(w, "pass")
	if err := os.WriteFile(pass, []byte("password\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	in := func(f string) string { return filepath.Join(w, f) }
	mustPB(t, dir, "import", in("ca-crt.pem"), in("ca-key.pem"), "--as", "ca", "--passphrase-file", pass)
	for _, n := range []string{"server", "client1", "client2"} {
		if out := mustPB(t, dir, "import", in(n+"-crt.pem"), in(n+"-key.pem"), "--as", n); !strings.Contains(out, "certificate of CA ca") {
			t.Errorf("import %s: want a certificate of CA ca:\n%s", n, out)
		}
	}
	verifyReason := func(name string, args ...string) (string, []string) {
		t.Helper()
		out, errs, _ := pb(t, dir, append([]string{"verify", name, "--ca", "ca", "--usage", "client", "--json"}, args...)...)
		var r struct {
			Reason   string `json:"reason"`
			Warnings []struct {
				Code string `json:"code"`
			} `json:"warnings"`
		}
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatalf("verify %s %v: %v\n%s%s", name, args, err, out, errs)
		}
		var ws []string
		for _, x := range r.Warnings {
			ws = append(ws, x.Code)
		}
		return r.Reason, ws
	}
	for _, c := range []struct{ name, want, warn string }{{"client1", "ok", "weak-signature"}, {"client2", "client-cert-revoked", "weak-signature"}} {
		got, warns := verifyReason(c.name, "--crl", in("ca-crl.pem"))
		if got != c.want || (c.warn != "" && strings.Join(warns, ",") != c.warn) {
			t.Errorf("verify %s --crl ca-crl.pem (MD5): reason %s warnings %v; want %s %s (openssl verify -crl_check agrees)", c.name, got, warns, c.want, c.warn)
		}
	}
	// The seed's CRL imported: attached to CA ca and used by --store-crls and the probe.
	if out := mustPB(t, dir, "import", in("ca-crl.pem")); !strings.Contains(out, "CRL of CA ca") || !strings.Contains(out, "current CRL of CA ca") {
		t.Errorf("import ca-crl.pem:\n%s", out)
	}
	if out := mustPB(t, dir, "ca", "list"); !strings.Contains(out, "fresh for") {
		t.Errorf("ca list should show the imported CRL:\n%s", out)
	}
	for c, want := range map[string]string{"client1": "ok", "client2": "client-cert-revoked"} {
		if got, _ := verifyReason(c, "--store-crls"); got != want {
			t.Errorf("verify %s --store-crls: %s, want %s", c, got, want)
		}
	}
	// The seed's CN-only server CSR, signed for the server profile.
	if out := mustPB(t, dir, "sign", in("server-csr.pem"), "--ca", "ca", "--profile", "server", "--name", "server-signed", "--passphrase-file", pass); !strings.Contains(out, `CN "localhost" was copied`) {
		t.Errorf("sign: no note of the CN copied into the SAN:\n%s", out)
	}
	if out := ossl("x509", "-in", filepath.Join(dir, "certs", "server-signed", "cert.pem"), "-noout", "-ext", "subjectAltName"); !strings.Contains(out, "DNS:localhost") {
		t.Errorf("signed server certificate SAN: %s", out)
	}
	// A certificate pkibench issues under the imported v1 CA, and a server the probe's clients accept.
	mustPB(t, dir, "issue", "client3", "--ca", "ca", "--profile", "client", "--passphrase-file", pass)
	mustPB(t, dir, "issue", "srv", "--ca", "ca", "--profile", "server", "--dns", "localhost", "--passphrase-file", pass)
	probe := func(client string) string {
		t.Helper()
		out, errs, _ := pb(t, dir, "probe", "--client", client, "--server", "srv", "--crl", "--json")
		var r map[string]any
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatalf("probe %s: %v\n%s%s", client, err, out, errs)
		}
		return fmt.Sprint(r["reason"])
	}
	for c, want := range map[string]string{"client1": "ok", "client2": "client-cert-revoked", "client3": "ok"} {
		if got := probe(c); got != want {
			t.Errorf("probe --client %s --crl (the imported CRL): %s, want %s", c, got, want)
		}
	}
	// The seed's Node.js server with the seed's CRL (and a server
	// certificate with a SAN): it hangs up on client2 without a word, and
	// --connect names the cause from the CRL the store now holds.
	port1 := freePort(t)
	seedNode(t, ctx, node, w, port1, filepath.Join(w, "ca-crl.pem"), filepath.Join(dir, "certs", "srv", "cert.pem"), filepath.Join(dir, "certs", "srv", "key.pem"), func() {
		for c, want := range map[string][2]string{"client1": {"ok", ""}, "client2": {"client-cert-revoked", "server"}} {
			out, errs, _ := pb(t, dir, "probe", "--connect", fmt.Sprintf("127.0.0.1:%d", port1), "--client", c, "--client-trust", "ca", "--name", "localhost", "--json")
			var r map[string]any
			if err := json.Unmarshal([]byte(out), &r); err != nil {
				t.Fatalf("probe --connect %s: %v\n%s%s", c, err, out, errs)
			}
			if r["reason"] != want[0] || (want[1] != "" && r["side"] != want[1]) {
				t.Errorf("probe --connect --client %s (Node.js with the seed's CRL): reason %v side %v, want %s %s", c, r["reason"], r["side"], want[0], want[1])
			}
		}
	})
	// pkibench's equivalent of the seed's revoke + gencrl, by the v1 CA.
	mustPB(t, dir, "revoke", "client2", "--passphrase-file", pass)
	mustPB(t, dir, "crl", "ca", "--passphrase-file", pass)
	crl := filepath.Join(dir, "cas", "ca", "crl.pem")
	for c, want := range map[string]string{"client1": ": OK", "client2": "certificate revoked", filepath.Join(dir, "certs", "client3", "cert.pem"): ": OK"} {
		f := c
		if !strings.Contains(c, "/") {
			f = c + "-crt.pem"
		}
		cmd := exec.Command(openssl, "verify", "-crl_check", "-CAfile", "ca-crt.pem", "-CRLfile", crl, f)
		cmd.Dir = w
		out, _ := cmd.CombinedOutput()
		if !strings.Contains(string(out), want) {
			t.Errorf("openssl verify -crl_check with pkibench's CRL, %s: want %q, got %s", c, want, out)
		}
	}
	for c, want := range map[string]string{"client1": "ok", "client2": "client-cert-revoked", "client3": "ok"} {
		if got := probe(c); got != want {
			t.Errorf("probe --client %s --crl (pkibench's CRL): %s, want %s", c, got, want)
		}
	}
	// And the seed's Node.js server with pkibench's CRL and server.
	port2 := freePort(t)
	seedNode(t, ctx, node, w, port2, crl, filepath.Join(dir, "certs", "srv", "cert.pem"), filepath.Join(dir, "certs", "srv", "key.pem"), nil)
}

// seedNode starts seed 003's final server (requestCert, rejectUnauthorized,
// crl) and runs its client with client1 (served) and client2 (refused).
func seedNode(t *testing.T, ctx context.Context, node, w string, port int, crl, cert, key string, during func()) {
	t.Helper()
	abs := func(p string) string {
		if filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(w, p)
	}
	srv := fmt.Sprintf(`var fs = require('fs');
var https = require('https');
var options = {
    key: fs.readFileSync(%q),
    cert: fs.readFileSync(%q),
    ca: fs.readFileSync(%q),
    crl: fs.readFileSync(%q),
    requestCert: true,
    rejectUnauthorized: true
};
https.createServer(options, function (req, res) {
    console.log(new Date()+' '+
        req.connection.remoteAddress+' '+
        req.socket.getPeerCertificate().subject.CN+' '+
        req.method+' '+req.url);
    res.writeHead(200);
    res.end("hello world\n");
}).listen(%d, '127.0.0.1', function () { console.log('Server running'); });
`, abs(key), abs(cert), abs("ca-crt.pem"), crl, port)
	stop := startNode(t, ctx, node, w, fmt.Sprintf("server-%d.js", port), srv)
	defer stop()
	if during != nil {
		during()
	}
	for c, served := range map[string]bool{"client1": true, "client2": false} {
		cli := fmt.Sprintf(`var fs = require('fs');
var https = require('https');
var options = {
    hostname: 'localhost',
    port: %d,
    path: '/',
    method: 'GET',
    key: fs.readFileSync(%q),
    cert: fs.readFileSync(%q),
    ca: fs.readFileSync(%q) };
var req = https.request(options, function(res) {
    res.on('data', function(data) {
        process.stdout.write(data);
    });
});
req.end();
req.on('error', function(e) {
    console.error(e);
});
`, port, abs(c+"-key.pem"), abs(c+"-crt.pem"), abs("ca-crt.pem"))
		out, _ := runNode(ctx, node, w, fmt.Sprintf("%s-%d.js", c, port), cli)
		if got := strings.Contains(out, "hello world"); got != served {
			t.Errorf("node client %s against the seed's server (CRL %s): served %v, want %v\n%s", c, filepath.Base(crl), got, served, out)
		}
	}
}
