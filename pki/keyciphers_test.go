package pki

import (
	"crypto/x509"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pkibench/pkibench/pki/testtool"
)

// TestOpensslEncryptedKeyForms makes every encrypted key form openssl 3
// and older openssl write, with the real openssl, and opens each here.
func TestOpensslEncryptedKeyForms(t *testing.T) {
	openssl := testtool.Require(t, "openssl")
	dir := t.TempDir()
	testtool.Run(t, dir, openssl, "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "rsa.pem")
	testtool.Run(t, dir, openssl, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "ec.pem")
	legacy := []string{"-provider", "legacy", "-provider", "default"}
	cases := []struct {
		name string
		args []string // the openssl command; writes out.pem with passphrase "pass:s3cret"
		want string   // the PEM header line, to prove the form is the one named
	}{
		{"req -keyout default (PBES2 DES-EDE3-CBC)", []string{"req", "-new", "-x509", "-newkey", "rsa:2048", "-subj", "/CN=ca", "-keyout", "out.pem", "-out", "ca.pem", "-passout", "pass:s3cret"}, "BEGIN ENCRYPTED PRIVATE KEY"},
		{"pkcs8 PBES2 AES-128-CBC sha1", []string{"pkcs8", "-topk8", "-in", "rsa.pem", "-v2", "aes-128-cbc", "-v2prf", "hmacWithSHA1", "-out", "out.pem", "-passout", "pass:s3cret"}, "BEGIN ENCRYPTED PRIVATE KEY"},
		{"pkcs8 PBES2 AES-192-CBC sha256", []string{"pkcs8", "-topk8", "-in", "rsa.pem", "-v2", "aes-192-cbc", "-out", "out.pem", "-passout", "pass:s3cret"}, "BEGIN ENCRYPTED PRIVATE KEY"},
		{"pkcs8 PBES2 AES-256-CBC sha512", []string{"pkcs8", "-topk8", "-in", "ec.pem", "-v2", "aes-256-cbc", "-v2prf", "hmacWithSHA512", "-out", "out.pem", "-passout", "pass:s3cret"}, "BEGIN ENCRYPTED PRIVATE KEY"},
		{"pkcs8 PBES2 AES-256-CBC sha384", []string{"pkcs8", "-topk8", "-in", "ec.pem", "-v2", "aes-256-cbc", "-v2prf", "hmacWithSHA384", "-out", "out.pem", "-passout", "pass:s3cret"}, "BEGIN ENCRYPTED PRIVATE KEY"},
		{"pkcs8 PBES2 AES-256-CBC sha224", []string{"pkcs8", "-topk8", "-in", "ec.pem", "-v2", "aes-256-cbc", "-v2prf", "hmacWithSHA224", "-out", "out.pem", "-passout", "pass:s3cret"}, "BEGIN ENCRYPTED PRIVATE KEY"},
		{"pkcs8 PBES2 DES-EDE3-CBC", []string{"pkcs8", "-topk8", "-in", "ec.pem", "-v2", "des-ede3-cbc", "-out", "out.pem", "-passout", "pass:s3cret"}, "BEGIN ENCRYPTED PRIVATE KEY"},
		{"pkcs8 PBES2 DES-CBC", append([]string{"pkcs8", "-topk8", "-in", "rsa.pem", "-v2", "des-cbc", "-out", "out.pem", "-passout", "pass:s3cret"}, legacy...), "BEGIN ENCRYPTED PRIVATE KEY"},
		{"pkcs8 PBES1 MD5-DES", append([]string{"pkcs8", "-topk8", "-in", "rsa.pem", "-v1", "PBE-MD5-DES", "-out", "out.pem", "-passout", "pass:s3cret"}, legacy...), "BEGIN ENCRYPTED PRIVATE KEY"},
		{"pkcs8 PBES1 SHA1-DES", append([]string{"pkcs8", "-topk8", "-in", "rsa.pem", "-v1", "PBE-SHA1-DES", "-out", "out.pem", "-passout", "pass:s3cret"}, legacy...), "BEGIN ENCRYPTED PRIVATE KEY"},
		{"pkcs8 PKCS#12 PBE-SHA1-3DES", []string{"pkcs8", "-topk8", "-in", "ec.pem", "-v1", "PBE-SHA1-3DES", "-out", "out.pem", "-passout", "pass:s3cret"}, "BEGIN ENCRYPTED PRIVATE KEY"},
		{"pkcs8 PKCS#12 PBE-SHA1-2DES", []string{"pkcs8", "-topk8", "-in", "rsa.pem", "-v1", "PBE-SHA1-2DES", "-out", "out.pem", "-passout", "pass:s3cret"}, "BEGIN ENCRYPTED PRIVATE KEY"},
		{"genrsa -aes256 (openssl 3)", []string{"genrsa", "-aes256", "-out", "out.pem", "-passout", "pass:s3cret", "2048"}, "BEGIN ENCRYPTED PRIVATE KEY"},
		{"genrsa -aes256 -traditional (openssl 1.x form)", []string{"genrsa", "-traditional", "-aes256", "-out", "out.pem", "-passout", "pass:s3cret", "2048"}, "DEK-Info: AES-256-CBC"},
		{"rsa -des3 -traditional", []string{"rsa", "-traditional", "-in", "rsa.pem", "-des3", "-out", "out.pem", "-passout", "pass:s3cret"}, "DEK-Info: DES-EDE3-CBC"},
		{"rsa -des -traditional", append([]string{"rsa", "-traditional", "-in", "rsa.pem", "-des", "-out", "out.pem", "-passout", "pass:s3cret"}, legacy...), "DEK-Info: DES-CBC"},
		{"rsa -aes192 -traditional", []string{"rsa", "-traditional", "-in", "rsa.pem", "-aes192", "-out", "out.pem", "-passout", "pass:s3cret"}, "DEK-Info: AES-192-CBC"},
		{"ec -aes128", []string{"ec", "-in", "ec.pem", "-aes128", "-out", "out.pem", "-passout", "pass:s3cret"}, "DEK-Info: AES-128-CBC"},
		{"ec -des3", []string{"ec", "-in", "ec.pem", "-des3", "-out", "out.pem", "-passout", "pass:s3cret"}, "DEK-Info: DES-EDE3-CBC"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			os.Remove(filepath.Join(dir, "out.pem"))
			testtool.Run(t, dir, openssl, tc.args...)
			b, err := os.ReadFile(filepath.Join(dir, "out.pem"))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(b), tc.want) {
				t.Fatalf("openssl wrote another form than %q:\n%s", tc.want, b[:min(len(b), 200)])
			}
			objs, err := Decode(b, "out.pem")
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if len(objs) != 1 || objs[0].Kind != KindEncryptedKey {
				t.Fatalf("decode: got %+v, want one encrypted key", objs)
			}
			key, err := DecryptObject(objs[0], []byte("s3cret"))
			if err != nil {
				t.Fatalf("decrypt: %v", err)
			}
			// The key is the one openssl holds: compare public halves.
			testtool.Run(t, dir, openssl, append([]string{"pkey", "-in", "out.pem", "-passin", "pass:s3cret", "-pubout", "-outform", "DER", "-out", "pub.der"}, legacy...)...)
			want, _ := os.ReadFile(filepath.Join(dir, "pub.der"))
			got, err := x509.MarshalPKIXPublicKey(key.Public())
			if err != nil || string(got) != string(want) {
				t.Fatalf("decrypted key differs from openssl's (err %v)", err)
			}
			if _, err := DecryptObject(objs[0], []byte("wrong")); !errors.Is(err, ErrWrongPassphrase) {
				t.Errorf("wrong passphrase: got %v, want ErrWrongPassphrase", err)
			}
		})
	}
}
