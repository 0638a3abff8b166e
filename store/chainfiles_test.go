package store

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pkibench/pkibench/pki"
	"github.com/pkibench/pkibench/pki/testtool"
)

// cns lists the CNs of the certificates in a PEM file or buffer.
func cns(t *testing.T, b []byte) []string {
	t.Helper()
	if len(strings.TrimSpace(string(b))) == 0 {
		return nil
	}
	objs, err := pki.Decode(b, "test")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, c := range pki.Certificates(objs) {
		out = append(out, c.Subject.CommonName)
	}
	return out
}

// TestChainFilesFollowCertbot: chain.pem = intermediates only, fullchain.pem =
// leaf + intermediates, root.pem = the root; export chain/fullchain the same.
func TestChainFilesFollowCertbot(t *testing.T) {
	st := newStore(t)
	mustCA(t, st, CAOptions{Name: "abc"})
	mustCA(t, st, CAOptions{Name: "sub", Parent: "abc"})
	mustCA(t, st, CAOptions{Name: "issuing", Parent: "sub"})
	for _, o := range []IssueOptions{{Names: []string{"web"}, CA: "issuing", DNS: []string{"localhost"}}, {Names: []string{"direct"}, CA: "abc", DNS: []string{"localhost"}}} {
		if _, err := st.Issue(o); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		name                   string
		chain, fullchain, root string
	}{
		{"web", "issuing,sub", "web,issuing,sub", "abc"},
		{"direct", "", "direct", "abc"},
	}
	for _, c := range cases {
		dir := filepath.Join(st.Path(), "certs", c.name)
		for file, want := range map[string]string{"chain.pem": c.chain, "fullchain.pem": c.fullchain, "root.pem": c.root} {
			b, err := os.ReadFile(filepath.Join(dir, file))
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(cns(t, b), ","); got != want {
				t.Errorf("%s/%s holds %q, want %q", c.name, file, got, want)
			}
		}
		for format, want := range map[string]string{"chain": c.chain, "fullchain": c.fullchain} {
			b, err := st.Export(c.name, format, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(cns(t, b), ","); got != want {
				t.Errorf("export %s --format %s holds %q, want %q", c.name, format, got, want)
			}
		}
		// The identity still reaches the root (trust and probes need it).
		id, err := st.Identity(c.name, nil)
		if err != nil {
			t.Fatal(err)
		}
		if r := Root(id); r == nil || r.Subject.CommonName != "abc" {
			t.Errorf("%s: identity chain does not reach the root: %v", c.name, id.Chain)
		}
	}
	// openssl reads the files the way certbot users do.
	openssl := testtool.Require(t, "openssl")
	dir := filepath.Join(st.Path(), "certs", "web")
	out, err := exec.Command(openssl, "verify", "-CAfile", filepath.Join(dir, "root.pem"), "-untrusted", filepath.Join(dir, "chain.pem"), filepath.Join(dir, "cert.pem")).CombinedOutput()
	if err != nil || !strings.Contains(string(out), ": OK") {
		t.Errorf("openssl verify -CAfile root.pem -untrusted chain.pem cert.pem: %v\n%s", err, out)
	}
}

// A store written before the convention (the root inside chain.pem, no
// root.pem) reads the same.
func TestChainFilesOldLayout(t *testing.T) {
	st := newStore(t)
	mustCA(t, st, CAOptions{Name: "abc"})
	mustCA(t, st, CAOptions{Name: "sub", Parent: "abc"})
	if _, err := st.Issue(IssueOptions{Names: []string{"web"}, CA: "sub", DNS: []string{"localhost"}}); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(st.Path(), "certs", "web")
	caChain, err := os.ReadFile(filepath.Join(st.Path(), "cas", "sub", "chain.pem"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "chain.pem"), caChain, 0o644)
	os.Remove(filepath.Join(dir, "root.pem"))
	id, err := st.Identity("web", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(id.Chain) != 2 || Root(id) == nil {
		t.Errorf("old layout: chain %d certificates, root %v", len(id.Chain), Root(id))
	}
	b, err := st.Export("web", "fullchain", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(cns(t, b), ","); got != "web,sub" {
		t.Errorf("fullchain from the old layout: %q", got)
	}
}

// nodeMTLS is a Node.js https server and client in one process, each reading
// the store's certbot-style files: cert = fullchain.pem, ca = root.pem.
const nodeMTLS = `
const https = require('https'), fs = require('fs'), path = require('path');
const [srv, cli] = process.argv.slice(-2);
const f = (d, n) => fs.readFileSync(path.join(d, n));
const server = https.createServer({key: f(srv, 'key.pem'), cert: f(srv, 'fullchain.pem'), ca: f(srv, 'root.pem'),
  requestCert: true, rejectUnauthorized: true}, (req, res) => {
  res.end('client ' + req.socket.getPeerCertificate().subject.CN);
});
server.listen(0, '127.0.0.1', () => {
  const req = https.request({host: '127.0.0.1', servername: 'localhost', port: server.address().port, path: '/',
    key: f(cli, 'key.pem'), cert: f(cli, 'fullchain.pem'), ca: f(cli, 'root.pem')}, (res) => {
    let body = ''; res.on('data', (d) => body += d);
    res.on('end', () => { console.log(body); server.close(); });
  });
  req.on('error', (e) => { console.error('client: ' + e.message); process.exit(1); });
  req.end();
});
`

// TestNodeReadsCertbotFiles: with an intermediate between the root and the
// leaves, Node.js accepts both sides when each sends fullchain.pem and
// trusts root.pem (the files the store writes).
func TestNodeReadsCertbotFiles(t *testing.T) {
	node := testtool.Require(t, "node")
	st := newStore(t)
	mustCA(t, st, CAOptions{Name: "abc"})
	mustCA(t, st, CAOptions{Name: "issuing", Parent: "abc"})
	if _, err := st.Issue(IssueOptions{Names: []string{"invoice-server"}, CA: "issuing", DNS: []string{"localhost"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Issue(IssueOptions{Names: []string{"mail-server"}, CA: "issuing", Profile: pki.ProfileClient}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, node, "-e", nodeMTLS, "--",
		filepath.Join(st.Path(), "certs", "invoice-server"), filepath.Join(st.Path(), "certs", "mail-server")).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "client mail-server" {
		t.Errorf("node mTLS with fullchain.pem + root.pem: %v\n%s", err, out)
	}
}
