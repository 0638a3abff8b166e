package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pkibench/pkibench/pki/testtool"
)

// Bad input of every kind: a clear error that names the file or the field,
// exit code 1 or 2, and the store byte-for-byte as it was (issue 9's table).
func TestBadInputTable(t *testing.T) {
	openssl := testtool.Require(t, "openssl")
	dir := seedStore(t)
	mustPB(t, dir, "ca", "create", "enc", "--encrypt", "--passphrase-file", writeTemp(t, "pass", "right\n"))
	w := t.TempDir()
	file := func(name, content string) string { return writeTemp(t, name, content) }
	cert, _ := os.ReadFile(filepath.Join(dir, "certs/invoice-server/cert.pem"))
	testtool.Run(t, w, openssl, "x509", "-in", filepath.Join(dir, "certs/invoice-server/cert.pem"), "-outform", "DER", "-out", filepath.Join(w, "c.der"))
	derBytes, _ := os.ReadFile(filepath.Join(w, "c.der"))
	zxcKey := filepath.Join(dir, "cas/zxc/ca.key")
	// openssl makes what Go refuses to make: negative and 21-byte serials, a tampered CSR.
	testtool.Run(t, w, openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "k.pem", "-subj", "/CN=neg", "-set_serial", "-5", "-out", "neg.pem")
	testtool.Run(t, w, openssl, "req", "-x509", "-key", "k.pem", "-subj", "/CN=long", "-set_serial", "0x"+strings.Repeat("7f", 21), "-out", "long.pem")
	testtool.Run(t, w, openssl, "req", "-new", "-key", "k.pem", "-subj", "/CN=victim", "-out", "good.csr")
	testtool.Run(t, w, openssl, "req", "-in", "good.csr", "-outform", "DER", "-out", "good.csr.der")
	bad, _ := os.ReadFile(filepath.Join(w, "good.csr.der"))
	i := strings.Index(string(bad), "victim")
	bad[i] = 'V'
	os.WriteFile(filepath.Join(w, "bad.csr"), bad, 0o644)
	huge := filepath.Join(w, "huge.pem")
	f, _ := os.Create(huge)
	f.Truncate(65 << 20)
	f.Close()
	testtool.Run(t, w, openssl, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-aes-256-cbc", "-pass", "pass:right", "-out", "enc.key")
	wrongPass := writeTemp(t, "wrong", "wrong\n")
	link := filepath.Join(dir, "cas/abc/index.txt")
	cases := []struct {
		name string
		args []string
		code int
		want string
		prep func()
	}{
		{"empty file", []string{"import", file("empty.pem", "")}, 1, "empty.pem: empty", nil},
		{"garbage", []string{"import", file("junk.crt", "hello world")}, 1, "junk.crt: neither PEM nor DER", nil},
		{"truncated PEM", []string{"import", file("cut.pem", string(cert[:len(cert)/2]))}, 1, "cut.pem", nil},
		{"huge", []string{"import", huge}, 1, "too large", nil},
		{"wrong type for sign", []string{"sign", filepath.Join(dir, "certs/invoice-server/cert.pem"), "--ca", "abc", "--name", "z"}, 1, "expected one certificate signing request", nil},
		{"trailing data", []string{"import", file("trail.der", string(derBytes)+"JUNK")}, 1, "trailing data", nil},
		{"mismatched key", []string{"import", filepath.Join(dir, "certs/invoice-server/cert.pem"), "--key", zxcKey, "--as", "mix"}, 1, "does not match", nil},
		{"wrong passphrase (import)", []string{"import", filepath.Join(w, "enc.key"), "--as", "enck", "--passphrase-file", wrongPass}, 1, "wrong passphrase", nil},
		{"wrong passphrase (CA key)", []string{"issue", "q", "--ca", "enc", "--profile", "client", "--passphrase-file", wrongPass}, 1, "wrong passphrase", nil},
		{"CSR with a bad signature", []string{"sign", filepath.Join(w, "bad.csr"), "--ca", "abc", "--name", "v", "--profile", "client"}, 1, "signature", nil},
		{"negative serial", []string{"import", filepath.Join(w, "neg.pem"), "--as", "neg"}, 1, "neg.pem", nil},
		{"21-byte serial", []string{"import", filepath.Join(w, "long.pem"), "--as", "long"}, 1, "21-byte serial", nil},
		{"name with ..", []string{"issue", "..", "--ca", "abc"}, 2, "invalid name", nil},
		{"name with /", []string{"import", filepath.Join(dir, "certs/invoice-server/cert.pem"), "--as", "a/b"}, 2, "invalid name", nil},
		{"unknown CA", []string{"issue", "q", "--ca", "nope", "--profile", "client"}, 1, `CA "nope" not found`, nil},
		{"duplicate name", []string{"issue", "mail-server", "--ca", "abc", "--profile", "client"}, 1, "already exists", nil},
		{"symlink planted as an index", []string{"issue", "q", "--ca", "abc", "--profile", "client"}, 1, "is a symbolic link", func() {
			os.Rename(link, link+".real")
			os.Symlink(filepath.Join(w, "outside.txt"), link)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.prep != nil {
				c.prep()
			}
			before := testtool.Snapshot(t, dir)
			out, errs, code := pb(t, dir, c.args...)
			if code != c.code || !strings.Contains(out+errs, c.want) {
				t.Errorf("exit %d (want %d), output %q (want %q)", code, c.code, out+errs, c.want)
			}
			if strings.Contains(errs, "panic") || strings.Contains(errs, "goroutine") {
				t.Errorf("panicked: %s", errs)
			}
			testtool.SameSnapshot(t, before, testtool.Snapshot(t, dir))
		})
	}
	if _, err := os.Stat(filepath.Join(w, "outside.txt")); err == nil {
		t.Error("a write went through the planted symlink")
	}
}

func writeTemp(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
