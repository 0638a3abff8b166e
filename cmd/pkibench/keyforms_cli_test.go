package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pkibench/pkibench/pki/testtool"
)

// TestImportCAKeyForms: a CA whose key openssl encrypted in each of the
// forms it writes imports with its passphrase and then issues, and a wrong
// passphrase is named as such.
func TestImportCAKeyForms(t *testing.T) {
	openssl := testtool.Require(t, "openssl")
	w := t.TempDir()
	pass := filepath.Join(w, "pass")
	wrong := filepath.Join(w, "wrong")
	os.WriteFile(pass, []byte("password\n"), 0o600)
	os.WriteFile(wrong, []byte("nope\n"), 0o600)
	run := func(args ...string) { t.Helper(); testtool.Run(t, w, openssl, args...) }
	cases := []struct {
		name string
		make [][]string // openssl commands writing NAME.key (encrypted) and NAME.crt
	}{
		{"req-keyout", [][]string{{"req", "-new", "-x509", "-newkey", "rsa:2048", "-subj", "/CN=req-keyout", "-keyout", "req-keyout.key", "-out", "req-keyout.crt", "-passout", "pass:password"}}},
		{"genrsa-trad", [][]string{
			{"genrsa", "-traditional", "-aes256", "-passout", "pass:password", "-out", "genrsa-trad.key", "2048"},
			{"req", "-new", "-x509", "-key", "genrsa-trad.key", "-passin", "pass:password", "-subj", "/CN=genrsa-trad", "-out", "genrsa-trad.crt"}}},
		{"ec-aes128", [][]string{
			{"ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ec-plain.key"},
			{"ec", "-in", "ec-plain.key", "-aes128", "-passout", "pass:password", "-out", "ec-aes128.key"},
			{"req", "-new", "-x509", "-key", "ec-aes128.key", "-passin", "pass:password", "-subj", "/CN=ec-aes128", "-out", "ec-aes128.crt"}}},
		{"rsa-des3-trad", [][]string{
			{"genrsa", "-out", "rsa-plain.key", "2048"},
			{"rsa", "-in", "rsa-plain.key", "-des3", "-traditional", "-passout", "pass:password", "-out", "rsa-des3-trad.key"},
			{"req", "-new", "-x509", "-key", "rsa-des3-trad.key", "-passin", "pass:password", "-subj", "/CN=rsa-des3-trad", "-out", "rsa-des3-trad.crt"}}},
	}
	dir := filepath.Join(w, "pki")
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, m := range c.make {
				run(m...)
			}
			key := filepath.Join(w, c.name+".key")
			crt := filepath.Join(w, c.name+".crt")
			if _, errs, code := pb(t, dir, "import", crt, key, "--as", c.name, "--passphrase-file", wrong); code == 0 || !strings.Contains(errs, "wrong passphrase") {
				t.Errorf("wrong passphrase: exit %d %s", code, errs)
			}
			if out := mustPB(t, dir, "import", crt, key, "--as", c.name, "--passphrase-file", pass); !strings.Contains(out, "key:     yes") {
				t.Errorf("import:\n%s", out)
			}
			// The CA key stays encrypted in the store (import keeps what came
			// encrypted), so issuing asks for the same passphrase.
			mustPB(t, dir, "issue", c.name+"-leaf", "--ca", c.name, "--profile", "client", "--passphrase-file", pass)
		})
	}
}
