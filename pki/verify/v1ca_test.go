package verify

import (
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pkibench/pkibench/pki/testtool"
)

// TestNoAKIUnderCAWithoutSKI: a v3 leaf without an authority key
// identifier under an X.509 v1 CA (no SKI to repeat), both made by openssl,
// is what openssl verify accepts; it is not cert-malformed. Under a CA
// that has an SKI, the missing AKI still is.
func TestNoAKIUnderCAWithoutSKI(t *testing.T) {
	openssl := testtool.Require(t, "openssl")
	dir := t.TempDir()
	write := func(name, s string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("v1.cnf", "[ req ]\ndistinguished_name = dn\nprompt = no\n[ dn ]\nCN = v1 ca\n")
	write("leaf.ext", "basicConstraints = CA:FALSE\nextendedKeyUsage = clientAuth\nsubjectKeyIdentifier = none\nauthorityKeyIdentifier = none\n")
	run := func(args ...string) string { t.Helper(); return testtool.Run(t, dir, openssl, args...) }
	run("req", "-new", "-x509", "-config", "v1.cnf", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "v1.key", "-out", "v1.pem", "-days", "30")
	run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "v3.key", "-out", "v3.pem", "-days", "30", "-subj", "/CN=v3 ca")
	run("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "leaf.key", "-out", "leaf.csr", "-subj", "/CN=client1")
	for _, ca := range []string{"v1", "v3"} {
		run("x509", "-req", "-in", "leaf.csr", "-CA", ca+".pem", "-CAkey", ca+".key", "-set_serial", "7", "-days", "10", "-extfile", "leaf.ext", "-out", "leaf-"+ca+".pem")
	}
	load := func(name string) *x509.Certificate {
		t.Helper()
		b, _ := os.ReadFile(filepath.Join(dir, name))
		p, _ := pem.Decode(b)
		c, err := x509.ParseCertificate(p.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	for _, tc := range []struct {
		ca   string
		want Code
	}{{"v1", OK}, {"v3", CertMalformed}} {
		leaf := load("leaf-" + tc.ca + ".pem")
		if leaf.Version != 3 || len(leaf.AuthorityKeyId) != 0 {
			t.Fatalf("openssl made a v%d leaf with AKI %x; the test needs v3 without AKI", leaf.Version, leaf.AuthorityKeyId)
		}
		if tc.ca == "v1" {
			if out := run("verify", "-CAfile", "v1.pem", "leaf-v1.pem"); !strings.Contains(out, ": OK") {
				t.Fatalf("openssl verify: %s", out)
			}
		}
		_, f := Verify(leaf, Options{Roots: []*x509.Certificate{load(tc.ca + ".pem")}, Usage: UsageClient})
		got := OK
		if f != nil {
			got = f.Code
		}
		if got != tc.want {
			t.Errorf("leaf without AKI under the %s CA: %s, want %s", tc.ca, Text(f, nil), tc.want)
		}
	}
}
