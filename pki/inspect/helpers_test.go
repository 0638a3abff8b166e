package inspect

import (
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pkibench/pkibench/pki"
)

// testCA is a root made with pki.Issue, for the unit tests.
type testCA struct {
	cert *x509.Certificate
	key  crypto.Signer
}

var testNow = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

func newTestCA(t *testing.T, cn string) testCA {
	t.Helper()
	key := mustKey(t, pki.P256)
	c, err := pki.Issue(pki.Request{Subject: pkix.Name{CommonName: cn}, Profile: pki.ProfileRootCA,
		NotBefore: testNow.AddDate(-1, 0, 0), NotAfter: testNow.AddDate(5, 0, 0), PublicKey: key.Public()}, nil, key)
	if err != nil {
		t.Fatal(err)
	}
	return testCA{c, key}
}

// leafTemplate is a valid server certificate template; tests break it.
func leafTemplate(t *testing.T, key crypto.Signer) *x509.Certificate {
	t.Helper()
	tmpl, err := pki.Template(pki.Request{Subject: pkix.Name{CommonName: "localhost"}, Profile: pki.ProfileServer,
		DNS: []string{"localhost"}, NotBefore: testNow.AddDate(0, -1, 0), NotAfter: testNow.AddDate(0, 2, 0), PublicKey: key.Public()})
	if err != nil {
		t.Fatal(err)
	}
	return tmpl
}

func (ca testCA) sign(t *testing.T, tmpl *x509.Certificate) *x509.Certificate {
	t.Helper()
	c, err := pki.SignTemplate(tmpl, ca.cert, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// opensslCert runs openssl in a temp dir and returns the certificate it wrote to out.
func opensslCert(t *testing.T, tool, out string, cmds ...[]string) *x509.Certificate {
	t.Helper()
	dir := t.TempDir()
	for _, args := range cmds {
		cmd := exec.Command(tool, args...)
		cmd.Dir = dir
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, b)
		}
	}
	data, err := os.ReadFile(filepath.Join(dir, out))
	if err != nil {
		t.Fatal(err)
	}
	objs, err := pki.Decode(data, out)
	if err != nil {
		t.Fatal(err)
	}
	return objs[0].Cert
}
