package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pkibench/pkibench/pki"
)

// TestVerifyMalformedIsAResult: a certificate crypto/x509 refuses gets a
// cert-malformed result (text and --json) naming which certificate, the
// field and the rule, not a bare error on stderr.
func TestVerifyMalformedIsAResult(t *testing.T) {
	bad := filepath.Join("..", "..", "pki", "inspect", "testdata", "corpus", "zlint", "surnameIncorrectPolicy.pem")
	good := writeChain(t, nil)
	empty := filepath.Join(t.TempDir(), "none")
	for _, c := range []struct {
		name, role string
		args       []string
		field      string
	}{
		{"leaf", "leaf", []string{"verify", bad, "--roots", good.root}, "ext.authority_info_access"},
		{"root", "trust anchor", []string{"verify", good.leaf, "--roots", bad}, "ext.authority_info_access"},
		{"intermediate", "untrusted intermediate", []string{"verify", good.leaf, "--roots", good.root, "--intermediates", bad}, "ext.authority_info_access"},
	} {
		out, errs, code := pb(t, empty, append(c.args, "--json")...)
		var r struct {
			Reason  string
			Finding struct {
				Summary  string
				Evidence []struct{ Cert, Field, Value string }
			}
		}
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatalf("%s: %v\n%s%s", c.name, err, out, errs)
		}
		if code != 1 || errs != "" || r.Reason != "cert-malformed" || len(r.Finding.Evidence) != 1 ||
			r.Finding.Evidence[0].Field != c.field || !strings.Contains(r.Finding.Evidence[0].Value, "RFC 5280 4.2.2.1") ||
			!strings.Contains(r.Finding.Summary, "certificate "+c.role+" (object 1 of ") {
			t.Errorf("%s: exit %d stderr %q result %+v", c.name, code, errs, r)
		}
		out, errs, code = pb(t, empty, c.args...)
		if code != 1 || errs != "" || !strings.Contains(out, "reason:   cert-malformed") {
			t.Errorf("%s text: exit %d %q\n%s", c.name, code, errs, out)
		}
	}
}

// TestVerifyNameMeansServer: --name without --usage checks server usage,
// so a chain for e-mail protection does not pass for a TLS host name;
// --usage any still skips the EKU.
func TestVerifyNameMeansServer(t *testing.T) {
	c := writeChain(t, []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection})
	empty := filepath.Join(t.TempDir(), "none")
	out, _, code := pb(t, empty, "verify", c.leaf, "--roots", c.root, "--name", "mail.test")
	if code != 1 || !strings.Contains(out, "server-cert-wrong-usage") {
		t.Errorf("e-mail-only leaf passed as a server: %d\n%s", code, out)
	}
	if out, _, code := pb(t, empty, "verify", c.leaf, "--roots", c.root, "--name", "mail.test", "--usage", "any"); code != 0 {
		t.Errorf("--usage any: %d\n%s", code, out)
	}
}

// TestVerifyMaxDepth: --max-depth bounds the intermediates.
func TestVerifyMaxDepth(t *testing.T) {
	c := writeChain(t, nil)
	empty := filepath.Join(t.TempDir(), "none")
	base := []string{"verify", c.leaf, "--roots", c.root}
	if out, _, code := pb(t, empty, append(base, "--max-depth", "1")...); code != 0 {
		t.Errorf("--max-depth 1: %d\n%s", code, out)
	}
	out, _, code := pb(t, empty, append(base, "--max-depth", "0")...)
	if code != 1 || !strings.Contains(out, "path-len-exceeded") {
		t.Errorf("--max-depth 0: %d\n%s", code, out)
	}
	if _, errs, code := pb(t, empty, append(base, "--max-depth", "-1")...); code != 2 || !strings.Contains(errs, "--max-depth") {
		t.Errorf("--max-depth -1: %d %s", code, errs)
	}
}

type chainFiles struct{ root, inter, leaf string }

// writeChain writes root -> intermediate -> leaf (DNS mail.test, with
// ekus, or serverAuth when nil) as PEM files; the leaf's file holds the
// intermediate after it.
func writeChain(t *testing.T, ekus []x509.ExtKeyUsage) chainFiles {
	t.Helper()
	dir := t.TempDir()
	now := time.Now()
	key := func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	make := func(tpl, parent *x509.Certificate, pub, signer any) *x509.Certificate {
		der, err := x509.CreateCertificate(rand.Reader, tpl, parent, pub, signer)
		if err != nil {
			t.Fatal(err)
		}
		c, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	ca := func(cn string, serial int64) *x509.Certificate {
		return &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn}, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
			IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
	}
	rk, ik, lk := key(), key(), key()
	root := make(ca("Test Root", 1), ca("Test Root", 1), rk.Public(), rk)
	inter := make(ca("Test Intermediate", 2), root, ik.Public(), rk)
	if ekus == nil {
		ekus = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	}
	leaf := make(&x509.Certificate{SerialNumber: big.NewInt(3), Subject: pkix.Name{CommonName: "mail.test"}, DNSNames: []string{"mail.test"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: ekus}, inter, lk.Public(), ik)
	var f chainFiles
	for _, w := range []struct {
		path *string
		c    *x509.Certificate
		name string
	}{{&f.root, root, "root.pem"}, {&f.inter, inter, "inter.pem"}, {&f.leaf, leaf, "leaf.pem"}} {
		*w.path = filepath.Join(dir, w.name)
		data := pki.EncodeCertPEM(w.c.Raw)
		if w.c == leaf {
			// The leaf file carries its chain, as servers send it.
			data = append(data, pki.EncodeCertPEM(inter.Raw)...)
		}
		if err := os.WriteFile(*w.path, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return f
}
