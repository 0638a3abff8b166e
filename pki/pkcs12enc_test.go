package pki

import (
	"bytes"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pkibench/pkibench/pki/testtool"
)

// p12Fixture is a leaf under a root, exported to PKCS#12.
func p12Fixture(t *testing.T, alg Algorithm, name, password string) (PKCS12Contents, []byte) {
	t.Helper()
	ca, caKey := selfSigned(t)
	k, err := GenerateKey(alg)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := Issue(Request{Subject: pkix.Name{CommonName: "web"}, Profile: ProfileServer, DNS: []string{"localhost"}, PublicKey: k.Public(),
		NotBefore: time.Now().Add(-time.Minute), NotAfter: time.Now().Add(time.Hour)}, ca, caKey)
	if err != nil {
		t.Fatal(err)
	}
	p12, err := EncodePKCS12(k, leaf, []*x509.Certificate{ca}, password, name)
	if err != nil {
		t.Fatal(err)
	}
	return PKCS12Contents{Key: k, Leaf: leaf}, p12
}

func TestPKCS12RoundTrip(t *testing.T) {
	// A password outside ASCII is UTF-8 for PBES2 and a BMPString for the MAC (RFC 7292).
	const pass = "s3cret pässword"
	for _, alg := range []Algorithm{P256, Ed25519, RSA2048} {
		want, p12 := p12Fixture(t, alg, "web-server", pass)
		got, err := DecodePKCS12(p12, pass)
		if err != nil {
			t.Fatalf("%s: go-pkcs12 cannot read it: %v", alg, err)
		}
		if !bytes.Equal(got.Leaf.Raw, want.Leaf.Raw) || CheckKeyPair(got.Leaf, got.Key) != nil || len(got.Chain) != 1 {
			t.Errorf("%s: leaf or key differ", alg)
		}
		if _, err := DecodePKCS12(p12, "wrong"); !errors.Is(err, ErrWrongPassphrase) {
			t.Errorf("%s: wrong password: %v", alg, err)
		}
	}
	if _, err := EncodePKCS12(nil, nil, nil, "", "x"); err == nil {
		t.Error("empty password accepted")
	}
}

// TestPKCS12FriendlyName: openssl shows the friendlyName on the key and the
// certificate, and Java's keytool lists the entry under it (not "1").
func TestPKCS12FriendlyName(t *testing.T) {
	openssl := testtool.Require(t, "openssl")
	// ASCII: keytool's -storepass goes through the process locale.
	_, p12 := p12Fixture(t, P256, "invoice-server", "s3cret password")
	dir := t.TempDir()
	f := filepath.Join(dir, "web.p12")
	if err := os.WriteFile(f, p12, 0o600); err != nil {
		t.Fatal(err)
	}
	out := testtool.Run(t, dir, openssl, "pkcs12", "-in", f, "-passin", "pass:s3cret password", "-nodes", "-info")
	if strings.Count(out, "friendlyName: invoice-server") != 2 || strings.Count(out, "BEGIN CERTIFICATE") != 2 || !strings.Contains(out, "BEGIN PRIVATE KEY") ||
		!strings.Contains(out, "Iteration 2048, PRF hmacWithSHA256") || !strings.Contains(out, "MAC: sha256") {
		t.Errorf("openssl pkcs12 -info:\n%s", out)
	}
	keytool := testtool.Require(t, "keytool")
	cmd := exec.Command(keytool, "-list", "-keystore", f, "-storetype", "PKCS12", "-storepass", "s3cret password")
	b, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(b), "invoice-server, ") || !strings.Contains(string(b), "PrivateKeyEntry") {
		t.Errorf("keytool -list: %v\n%s", err, b)
	}
}
