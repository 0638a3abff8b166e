package probe

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pkibench/pkibench/pki"
	"github.com/pkibench/pkibench/pki/testtool"
	"github.com/pkibench/pkibench/pki/verify"
)

// pemFiles writes the world's material as the seeds lay it out, for the
// outside tools.
type pemFiles struct{ dir string }

func writeFiles(t *testing.T, w *world) pemFiles {
	t.Helper()
	f := pemFiles{dir: t.TempDir()}
	put := func(name string, data []byte) {
		if err := os.WriteFile(filepath.Join(f.dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	put("ca.pem", pki.EncodeCertPEM(w.root.cert.Raw))
	put("crl.pem", pki.EncodeCRLPEM(w.crl.Raw))
	put("stale-crl.pem", pki.EncodeCRLPEM(w.staleCRL.Raw))
	for name, id := range map[string]pki.Identity{
		"server": w.server, "client": w.client, "foreign": w.clientForeign, "revoked": w.clientRevoked,
		"expired": w.clientExpired, "future": w.clientNotYet,
	} {
		put(name+".pem", pki.EncodeCertPEM(id.Cert.Raw))
		k, err := pki.EncodeKeyPEM(id.Key, nil)
		if err != nil {
			t.Fatal(err)
		}
		put(name+".key", k)
	}
	return f
}

func (f pemFiles) path(name string) string { return filepath.Join(f.dir, name) }

// startTool runs an outside server until the test ends and returns once a
// line of its output matches ready; the first group of ready, if any, is
// returned (the port it listens on).
func startTool(t *testing.T, ready *regexp.Regexp, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdin = nil
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); cmd.Wait() })
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		sent := false
		for sc.Scan() {
			if m := ready.FindStringSubmatch(sc.Text()); m != nil && !sent {
				g := ""
				if len(m) > 1 {
					g = m[1]
				}
				found <- g
				sent = true
			}
		}
		if !sent {
			close(found)
		}
	}()
	select {
	case g, ok := <-found:
		if !ok {
			t.Fatalf("%s exited before it was ready", name)
		}
		return g
	case <-time.After(10 * time.Second):
		t.Fatalf("%s not ready in 10s", name)
	}
	return ""
}

// freePort finds a loopback port for tools that cannot report theirs.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, p, _ := net.SplitHostPort(ln.Addr().String())
	return p
}

// invoiceServer is the seed's invoice_server.js (requestCert and
// rejectUnauthorized, plus the crl option of the second seed), with the
// port, files and TLS version taken from the environment.
const invoiceServer = `const https = require('https');
const fs = require('fs');
const options = {
  ca: fs.readFileSync(process.env.CA),
  cert: fs.readFileSync(process.env.CERT),
  key: fs.readFileSync(process.env.KEY),
  rejectUnauthorized: true,
  requestCert: true,
};
if (process.env.CRL) options.crl = fs.readFileSync(process.env.CRL);
if (process.env.MAXV) options.maxVersion = process.env.MAXV;
const server = https.createServer(options, (req, res) => {
  res.statusCode = 200;
  res.setHeader('Content-Type', 'application/json');
  res.end(JSON.stringify({invoice_number: "00095234", invoice_price: "10USD"}));
});
server.on('error', (e) => console.log(e));
server.listen(0, '127.0.0.1', () => console.log('listening ' + server.address().port));
`

func TestInteropConnectNodeInvoiceServer(t *testing.T) {
	node := testtool.Require(t, "node")
	w := newWorld(t)
	f := writeFiles(t, w)
	script := f.path("invoice_server.js")
	if err := os.WriteFile(script, []byte(invoiceServer), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, v := range []struct{ name, node string }{{"TLS1.3", "TLSv1.3"}, {"TLS1.2", "TLSv1.2"}} {
		for _, withCRL := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/crl=%v", v.name, withCRL), func(t *testing.T) {
				env := []string{"CA=" + f.path("ca.pem"), "CERT=" + f.path("server.pem"), "KEY=" + f.path("server.key"), "MAXV=" + v.node}
				if withCRL {
					env = append(env, "CRL="+f.path("crl.pem"))
				}
				port := startNode(t, node, script, env)
				addr := "127.0.0.1:" + port
				cases := []struct {
					name   string
					id     *pki.Identity
					reason verify.Code
					side   verify.Side
				}{
					{"good", &w.client, verify.OK, verify.SideNone},
					{"foreign-ca", &w.clientForeign, verify.ClientCertUntrusted, verify.SideServer},
					{"missing", nil, verify.ClientCertMissing, verify.SideServer},
					{"expired", &w.clientExpired, verify.ClientCertExpired, verify.SideServer},
				}
				if withCRL {
					cases = append(cases, struct {
						name   string
						id     *pki.Identity
						reason verify.Code
						side   verify.Side
					}{"revoked", &w.clientRevoked, verify.ClientCertRevoked, verify.SideServer})
				}
				for _, c := range cases {
					cc := w.clientCfg(c.id)
					cc.KnownCRLs = []*x509.RevocationList{w.crl}
					r := Connect(context.Background(), addr, cc, Options{})
					if r.Verdict == "" || r.Reason != c.reason || r.Side != c.side {
						t.Errorf("%s: got %s %s (%s): %s; errors %+v notes %q", c.name, r.Verdict, r.Reason, r.Side, r.Summary, r.Errors, r.Notes)
					}
					if c.reason == verify.OK && r.TLS.Version != tls.VersionName(map[string]uint16{"TLSv1.3": tls.VersionTLS13, "TLSv1.2": tls.VersionTLS12}[v.node]) {
						t.Errorf("negotiated %q", r.TLS.Version)
					}
					if len(r.ServerChain) == 0 {
						t.Errorf("%s: no server chain", c.name)
					}
				}
			})
		}
	}
}

func startNode(t *testing.T, node, script string, env []string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, node, script)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); cmd.Wait() })
	port := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if p, ok := strings.CutPrefix(sc.Text(), "listening "); ok {
				port <- p
			}
		}
		close(port)
	}()
	select {
	case p, ok := <-port:
		if !ok {
			t.Fatal("node exited before listening")
		}
		return p
	case <-time.After(10 * time.Second):
		t.Fatal("node did not start in 10s")
	}
	return ""
}

func TestInteropConnectOpenSSLServer(t *testing.T) {
	openssl := testtool.Require(t, "openssl")
	w := newWorld(t)
	f := writeFiles(t, w)
	type tc struct {
		name   string
		id     *pki.Identity
		reason verify.Code
		side   verify.Side
	}
	for _, v := range []struct{ name, flag string }{{"TLS1.3", "-tls1_3"}, {"TLS1.2", "-tls1_2"}} {
		for _, crl := range []string{"", "crl.pem", "stale-crl.pem"} {
			t.Run(v.name+"/"+crl, func(t *testing.T) {
				port := freePort(t)
				args := []string{"s_server", "-accept", "127.0.0.1:" + port, "-cert", f.path("server.pem"), "-key", f.path("server.key"),
					"-CAfile", f.path("ca.pem"), "-Verify", "1", "-verify_return_error", "-www", v.flag}
				if crl != "" {
					args = append(args, "-crl_check", "-CRL", f.path(crl))
				}
				startTool(t, regexp.MustCompile(`^ACCEPT`), openssl, args...)
				cases := []tc{
					{"good", &w.client, verify.OK, verify.SideNone},
					{"foreign-ca", &w.clientForeign, verify.ClientCertUntrusted, verify.SideServer},
					{"missing", nil, verify.ClientCertMissing, verify.SideServer},
					{"expired", &w.clientExpired, verify.ClientCertExpired, verify.SideServer},
					{"not-yet-valid", &w.clientNotYet, verify.ClientCertNotYetValid, verify.SideServer},
				}
				switch crl {
				case "crl.pem":
					cases = append(cases, tc{"revoked", &w.clientRevoked, verify.ClientCertRevoked, verify.SideServer})
				case "stale-crl.pem":
					// openssl says "certificate expired" for its own stale CRL.
					cases = []tc{{"stale-crl", &w.client, verify.CRLStale, verify.SideServer}}
				}
				for _, c := range cases {
					r := Connect(context.Background(), "127.0.0.1:"+port, w.clientCfg(c.id), Options{})
					if r.Reason != c.reason || r.Side != c.side {
						t.Errorf("%s: got %s %s (%s): %s; errors %+v notes %q", c.name, r.Verdict, r.Reason, r.Side, r.Summary, r.Errors, r.Notes)
					}
					if c.id == nil && len(r.AcceptableCAs) != 1 {
						t.Errorf("acceptable CAs %q", r.AcceptableCAs)
					}
				}
			})
		}
	}
}

// serveAndCollect runs Serve until the test ends and hands its verdicts out.
func serveAndCollect(t *testing.T, sc ServerConfig) (string, <-chan Result) {
	t.Helper()
	srv, err := NewServer(sc, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	results := make(chan Result, 32)
	done := make(chan struct{})
	go func() { srv.Serve(ctx, func(r Result) { results <- r }); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return srv.Addr(), results
}

func nextVerdict(t *testing.T, results <-chan Result) Result {
	t.Helper()
	select {
	case r := <-results:
		return r
	case <-time.After(10 * time.Second):
		t.Fatal("no verdict from serve")
	}
	return Result{}
}

func TestInteropCurlAndOpenSSLClientAgainstServe(t *testing.T) {
	curl := testtool.Require(t, "curl")
	openssl := testtool.Require(t, "openssl")
	w := newWorld(t)
	f := writeFiles(t, w)
	sc := w.serverCfg(w.server)
	sc.CheckCRL, sc.CRLs = true, []*x509.RevocationList{w.crl}
	addr, results := serveAndCollect(t, sc)
	_, port, _ := net.SplitHostPort(addr)
	url := "https://localhost:" + port + "/"
	cases := []struct {
		name   string
		client string // file base name, "" for none
		reason verify.Code
		side   verify.Side
	}{
		{"good", "client", verify.OK, verify.SideNone},
		{"foreign-ca", "foreign", verify.ClientCertUntrusted, verify.SideServer},
		{"revoked", "revoked", verify.ClientCertRevoked, verify.SideServer},
		{"missing", "", verify.ClientCertMissing, verify.SideServer},
		{"expired", "expired", verify.ClientCertExpired, verify.SideServer},
	}
	for _, maxTLS := range []string{"1.3", "1.2"} {
		for _, c := range cases {
			args := []string{"-sS", "--max-time", "10", "--cacert", f.path("ca.pem"), "--tls-max", maxTLS, "--resolve", "localhost:" + port + ":127.0.0.1"}
			if c.client != "" {
				args = append(args, "--cert", f.path(c.client+".pem"), "--key", f.path(c.client+".key"))
			}
			out, err := exec.Command(curl, append(args, url)...).CombinedOutput()
			r := nextVerdict(t, results)
			if r.Reason != c.reason || r.Side != c.side {
				t.Errorf("curl tls%s %s: serve says %s (%s): %s; curl: %v %s", maxTLS, c.name, r.Reason, r.Side, r.Summary, err, out)
			}
			if c.reason == verify.OK && (err != nil || !strings.Contains(string(out), "ACCEPT")) {
				t.Errorf("curl %s: %v %s", c.name, err, out)
			}
			if c.reason != verify.OK && err == nil {
				t.Errorf("curl %s succeeded: %s", c.name, out)
			}
		}
	}
	// curl without the CA: the client refuses the server (unknown ca alert).
	exec.Command(curl, "-sS", "--max-time", "10", "--resolve", "localhost:"+port+":127.0.0.1", url).Run()
	if r := nextVerdict(t, results); r.Reason != verify.ServerCertUntrusted || r.Side != verify.SideClient {
		t.Errorf("curl without CA: serve says %s (%s): %s", r.Reason, r.Side, r.Summary)
	}
	for _, v := range []string{"-tls1_3", "-tls1_2"} {
		for _, c := range cases {
			args := []string{"s_client", "-connect", addr, "-servername", "localhost", "-CAfile", f.path("ca.pem"), "-ign_eof", v}
			if c.client != "" {
				args = append(args, "-cert", f.path(c.client+".pem"), "-key", f.path(c.client+".key"))
			}
			cmd := exec.Command(openssl, args...)
			cmd.Stdin = strings.NewReader("GET / HTTP/1.0\r\n\r\n")
			out, _ := cmd.CombinedOutput()
			r := nextVerdict(t, results)
			if r.Reason != c.reason || r.Side != c.side {
				t.Errorf("s_client %s %s: serve says %s (%s): %s\n%s", v, c.name, r.Reason, r.Side, r.Summary, out)
			}
			if c.reason == verify.OK && !strings.Contains(string(out), "pkibench: ACCEPT") {
				t.Errorf("s_client %s: no ACCEPT body:\n%s", c.name, out)
			}
		}
	}
}

// mailClient is the seed's mail_server.js with the port and files from the
// environment; it prints the body or the error.
const mailClient = `var fs = require('fs');
var https = require('https');
var options = {
  hostname: 'localhost', port: process.env.PORT, path: '/', method: 'GET',
  ca: fs.readFileSync(process.env.CA),
};
if (process.env.CERT) { options.cert = fs.readFileSync(process.env.CERT); options.key = fs.readFileSync(process.env.KEY); }
var req = https.request(options, function(res) {
  res.on('data', function(data) { process.stdout.write(data); });
});
req.end();
req.on('error', function(e) { console.error(e.message); process.exitCode = 1; });
`

func TestInteropNodeMailClientAgainstServe(t *testing.T) {
	node := testtool.Require(t, "node")
	w := newWorld(t)
	f := writeFiles(t, w)
	script := f.path("mail_server.js")
	if err := os.WriteFile(script, []byte(mailClient), 0o600); err != nil {
		t.Fatal(err)
	}
	addr, results := serveAndCollect(t, w.serverCfg(w.server))
	_, port, _ := net.SplitHostPort(addr)
	for _, c := range []struct {
		client string
		reason verify.Code
	}{{"client", verify.OK}, {"foreign", verify.ClientCertUntrusted}, {"", verify.ClientCertMissing}} {
		cmd := exec.Command(node, script)
		cmd.Env = append(os.Environ(), "PORT="+port, "CA="+f.path("ca.pem"))
		if c.client != "" {
			cmd.Env = append(cmd.Env, "CERT="+f.path(c.client+".pem"), "KEY="+f.path(c.client+".key"))
		}
		out, err := cmd.CombinedOutput()
		r := nextVerdict(t, results)
		if r.Reason != c.reason {
			t.Errorf("node %q: serve says %s (%s): %s; node: %v %s", c.client, r.Reason, r.Side, r.Summary, err, out)
		}
		if (c.reason == verify.OK) != (err == nil) {
			t.Errorf("node %q exit: %v %s", c.client, err, out)
		}
	}
}

// The one mapping of client-auth modes to openssl s_server flags
// (AuthMode.OpenSSLArgs, which the equivalent commands and the TUI print)
// is proven against openssl: for every mode, a client without a
// certificate and a client from a foreign CA get the same verdict (ACCEPT
// or REJECT) from s_server run with the mode's flags as from the built-in
// server run in that mode.
func TestInteropAuthModesMatchOpenSSL(t *testing.T) {
	openssl := testtool.Require(t, "openssl")
	w := newWorld(t)
	f := writeFiles(t, w)
	clients := map[string]*pki.Identity{"none": nil, "foreign": &w.clientForeign, "good": &w.client}
	for _, m := range AuthModes {
		port := freePort(t)
		args := append([]string{"s_server", "-accept", "127.0.0.1:" + port, "-cert", f.path("server.pem"), "-key", f.path("server.key"),
			"-CAfile", f.path("ca.pem"), "-www"}, m.OpenSSLArgs()...)
		startTool(t, regexp.MustCompile(`^ACCEPT`), openssl, args...)
		sc := w.serverCfg(w.server)
		sc.Auth = m
		for name, id := range clients {
			theirs := Connect(context.Background(), "127.0.0.1:"+port, w.clientCfg(id), Options{})
			ours := Run(context.Background(), sc, w.clientCfg(id), Options{})
			if theirs.OK() != ours.OK() {
				t.Errorf("%s, client %s: openssl s_server %s says %s (%s), pkibench says %s (%s)",
					m, name, m.OpenSSL(), theirs.Verdict, theirs.Reason, ours.Verdict, ours.Reason)
			}
		}
	}
}
