package main

import (
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

// Nothing pkibench prints carries a raw control character: a foreign
// certificate whose subject holds an escape sequence and a newline, listed
// as text and as JSON, inspected, and named in an error.
func TestOutputEscapesControlCharacters(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pki")
	mustPB(t, dir, "ca", "create", "abc")
	key, _ := pki.GenerateKey(pki.P256)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(9), Subject: pkix.Name{CommonName: "evil\x1b[2J\nFAKE\u009b"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), PublicKey: key.Public()}
	cert, err := pki.SignTemplate(tmpl, nil, key)
	if err != nil {
		t.Fatal(err)
	}
	evil := filepath.Join(t.TempDir(), "evil.pem")
	os.WriteFile(evil, pki.EncodeCertPEM(cert.Raw), 0o644)
	mustPB(t, dir, "import", evil)
	raw := func(s string) bool { return strings.ContainsAny(s, "\x1b\u009b\r") }
	for _, args := range [][]string{{"list"}, {"inspect", "evil"}, {"import", evil, "--as", "evil2"}} {
		out, errs, _ := pb(t, dir, args...)
		if raw(out) || raw(errs) || strings.Contains(out, "\nFAKE") {
			t.Errorf("pkibench %v printed a raw control character:\n%q\n%q", args, out, errs)
		}
	}
	out := mustPB(t, dir, "--json", "list")
	if raw(out) {
		t.Errorf("--json list printed a raw control character: %q", out)
	}
	var v any
	if err := json.Unmarshal([]byte(out), &v); err != nil || !strings.Contains(out, "evil") {
		t.Errorf("--json list is not JSON: %v\n%s", err, out)
	}
	_, errs, code := pb(t, dir, "inspect", filepath.Join(t.TempDir(), "no\x1b[31mfile.pem"))
	if code == 0 || raw(errs) || !strings.Contains(errs, `no\x1B[31mfile.pem`) {
		t.Errorf("error naming a file with an escape: exit %d %q", code, errs)
	}
	_, errs, code = pb(t, dir, "issue", "t", "--ca", "abc", "--profile", "client", "--subject", "/O=a\tb/CN=t")
	if code == 0 || !strings.Contains(errs, "attribute O") {
		t.Errorf("--subject with a tab: exit %d %q", code, errs)
	}
}

// check exits 0 when it only has warnings and 1 for an integrity fault.
func TestCheckExitCodes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pki")
	mustPB(t, dir, "ca", "create", "abc")
	mustPB(t, dir, "issue", "a", "--ca", "abc", "--profile", "client")
	mustPB(t, dir, "revoke", "a")
	out, _, code := pb(t, dir, "check")
	if code != 0 || !strings.Contains(out, "warning") || !strings.Contains(out, "not encrypted") || !strings.Contains(out, "not published") {
		t.Errorf("warnings only: exit %d\n%s", code, out)
	}
	os.Chmod(filepath.Join(dir, "certs"), 0o755)
	out, _, code = pb(t, dir, "check")
	if code != 1 || !strings.Contains(out, "certs: permissions 755") {
		t.Errorf("loose certs/: exit %d\n%s", code, out)
	}
}
