package verify

import (
	"crypto/x509"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pkibench/pkibench/pki"

	"github.com/pkibench/pkibench/pki/testtool"
)

// TestSeedFlowWithOpenSSL replays the seeds' openssl walk-through: a CA
// made with -subj '/O=ABC Inc.', v1 leaves with serial 0, a foreign ZXC
// CA, `openssl ca -revoke` and -gencrl, both without a crlnumber file (a
// v1 CRL, as in the seeds) and with one (v2). P-256 keys stand in for
// RSA to keep it fast.
func TestSeedFlowWithOpenSSL(t *testing.T) {
	bin := testtool.Require(t, "openssl")
	dir := t.TempDir()
	run := func(args ...string) {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	load := func(name string) []byte {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		p, _ := pem.Decode(b)
		if p == nil {
			t.Fatalf("%s: no PEM", name)
		}
		return p.Bytes
	}
	cert := func(name string) *x509.Certificate {
		t.Helper()
		c, err := x509.ParseCertificate(load(name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return c
	}
	run("req", "-x509", "-sha256", "-nodes", "-days", "365", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-subj", "/O=ABC Inc.", "-keyout", "ca.key", "-out", "ca.pem")
	run("req", "-x509", "-sha256", "-nodes", "-days", "365", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-subj", "/O=ZXC Inc./CN=zxc.com", "-keyout", "zxc.key", "-out", "zxc.pem")
	for _, l := range []struct{ name, subj, ca, serial string }{
		{"server", "/CN=localhost/O=InvoiceServer", "ca", "0"},
		{"client1", "/CN=client1/O=ABC Inc.", "ca", "1"},
		{"client2", "/CN=client2/O=ABC Inc.", "ca", "2"},
		{"client3", "/CN=client3/O=MailServer", "zxc", "0"},
	} {
		run("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", l.name+".key", "-subj", l.subj, "-out", l.name+".csr")
		run("x509", "-req", "-sha256", "-days", "365", "-CA", l.ca+".pem", "-CAkey", l.ca+".key", "-set_serial", l.serial, "-in", l.name+".csr", "-out", l.name+".pem")
	}
	cnf := "[ ca ]\ndefault_ca = CA_default\n[ CA_default ]\ndatabase = index.txt\ndefault_md = sha256\ndefault_crl_days = 30\npolicy = policy_any\n[ policy_any ]\ncommonName = supplied\n"
	if err := os.WriteFile(filepath.Join(dir, "ca.cnf"), []byte(cnf), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "index.txt"), nil, 0o600); err != nil {
		t.Fatal(err)
	}

	run("ca", "-config", "ca.cnf", "-keyfile", "ca.key", "-cert", "ca.pem", "-revoke", "client2.pem")
	run("ca", "-config", "ca.cnf", "-keyfile", "ca.key", "-cert", "ca.pem", "-gencrl", "-out", "crl-v1.pem")
	if err := os.WriteFile(filepath.Join(dir, "crlnumber"), []byte("01\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ca.cnf"), []byte(strings.Replace(cnf, "database", "crlnumber = crlnumber\ndatabase", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	run("ca", "-config", "ca.cnf", "-keyfile", "ca.key", "-cert", "ca.pem", "-gencrl", "-out", "crl-v2.pem")
	if _, err := x509.ParseRevocationList(load("crl-v1.pem")); err == nil {
		t.Log("Go now parses v1 CRLs; ParseCRL's fallback is no longer needed")
	}
	v1, err := pki.ParseCRL(load("crl-v1.pem"))
	if err != nil {
		t.Fatalf("v1 CRL: %v", err)
	}
	v2, err := pki.ParseCRL(load("crl-v2.pem"))
	if err != nil {
		t.Fatalf("v2 CRL: %v", err)
	}
	if v2.Number == nil || v1.Number != nil {
		t.Fatalf("CRL versions are not what openssl should make: v1 number %v, v2 number %v", v1.Number, v2.Number)
	}
	ca := cert("ca.pem")
	if err := v1.CheckSignatureFrom(ca); err != nil {
		t.Fatalf("v1 CRL signature: %v", err)
	}
	for _, crl := range []*x509.RevocationList{v1, v2} {
		seedVerdicts(t, cert, ca, crl)
	}
}

func seedVerdicts(t *testing.T, cert func(string) *x509.Certificate, ca *x509.Certificate, crl *x509.RevocationList) {
	t.Helper()
	if v := cert("client1.pem").Version; v != 1 {
		t.Logf("openssl made a v%d leaf", v)
	}
	base := Options{Roots: []*x509.Certificate{ca}, CRLs: []*x509.RevocationList{crl}, RequireCRL: true}
	for _, c := range []struct {
		leaf  string
		usage Usage
		name  string
		want  Code
	}{
		{"client1.pem", UsageClient, "", OK},
		{"client2.pem", UsageClient, "", ClientCertRevoked},
		{"client3.pem", UsageClient, "", ClientCertUntrusted},
		{"server.pem", UsageServer, "localhost", ServerCertCNOnly},
		{"server.pem", UsageServer, "", OK},
	} {
		o := base
		o.Usage, o.Name = c.usage, c.name
		_, f := Verify(cert(c.leaf), o)
		got := OK
		if f != nil {
			got = f.Code
		}
		if got != c.want {
			t.Errorf("%s (%s, name %q, CRL number %v): want %s, got %s", c.leaf, c.usage, c.name, crl.Number, c.want, Text(f, nil))
		}
	}
}
