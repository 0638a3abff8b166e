package main

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pkibench/pkibench/pki"
)

// writeCSR makes a CSR for key with dns as SANs, into dir/name.
func writeCSR(t *testing.T, dir, name string, key crypto.Signer, dns []string) string {
	t.Helper()
	return writeCSRAs(t, dir, name, "csr", key, dns)
}

func writeCSRAs(t *testing.T, dir, name, cn string, key crypto.Signer, dns []string) string {
	t.Helper()
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		Subject: pkix.Name{CommonName: cn}, DNSNames: dns}, key)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// The one issue policy holds for sign as for issue: a CSR cannot get past
// the CA's name constraints, the SAN syntax, the key-size floor or the SAN
// limits. Before the policy, sign signed every one of these.
func TestSignAndIssueKeepThePolicy(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pki")
	w := t.TempDir()
	mustPB(t, dir, "ca", "create", "nc", "--subject", "/O=NC Inc.", "--permit-dns", "example.com", "--exclude-dns", "secret.example.com")
	p256, err := pki.GenerateKey(pki.P256)
	if err != nil {
		t.Fatal(err)
	}
	rsa1024, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	many := make([]string, 200000)
	for i := range many {
		many[i] = fmt.Sprintf("h%d.example.com", i)
	}
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"sign: SAN outside the permitted subtree", []string{"sign", writeCSR(t, w, "out.csr", p256, []string{"localhost"}), "--ca", "nc", "--name", "out"}, 1, "localhost is outside the permitted subtrees example.com"},
		{"sign: SAN in the excluded subtree", []string{"sign", writeCSR(t, w, "ex.csr", p256, []string{"db.secret.example.com"}), "--ca", "nc", "--name", "ex"}, 1, "excluded subtree"},
		{"sign: malformed DNS name", []string{"sign", writeCSR(t, w, "bad.csr", p256, []string{"bad name.example.com"}), "--ca", "nc", "--name", "bad"}, 1, "not allowed"},
		{"sign: RSA 1024", []string{"sign", writeCSR(t, w, "weak.csr", rsa1024, []string{"www.example.com"}), "--ca", "nc", "--name", "weak"}, 1, "RSA 1024 is below the 2048-bit floor"},
		{"sign: 200,000 SANs", []string{"sign", writeCSR(t, w, "many.csr", p256, many), "--ca", "nc", "--name", "many"}, 1, "more than the limit of 1000"},
		{"sign: a 100,000-character CN", []string{"sign", writeCSRAs(t, w, "long.csr", strings.Repeat("c", 100000), p256, []string{"www.example.com"}), "--ca", "nc", "--name", "long"}, 1, "subject attribute CN (100000 characters) is longer than its upper bound of 64"},
		{"issue: SAN outside the permitted subtree", []string{"issue", "web", "--ca", "nc", "--dns", "localhost"}, 1, "outside the permitted subtrees"},
		{"issue: malformed --dns", []string{"issue", "web2", "--ca", "nc", "--dns", "a_b.example.com"}, 2, "--dns \"a_b.example.com\""},
	}
	for _, c := range cases {
		_, errs, code := pb(t, dir, c.args...)
		if code != c.code || !strings.Contains(errs, c.want) {
			t.Errorf("%s: exit %d, want %d with %q\n%s", c.name, code, c.code, c.want, errs)
		}
	}
	// Nothing of the refused requests reached the store.
	if ents, err := os.ReadDir(filepath.Join(dir, "certs")); err == nil && len(ents) > 0 {
		t.Errorf("refused requests left certificates: %v", ents)
	}
	// Inside the constraints, both work.
	mustPB(t, dir, "sign", writeCSR(t, w, "ok.csr", p256, []string{"www.example.com"}), "--ca", "nc", "--name", "ok")
	mustPB(t, dir, "issue", "web", "--ca", "nc", "--dns", "example.com")
}
