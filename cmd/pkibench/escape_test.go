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

// revoke a b c with b already revoked revokes a and c, reports all three
// (text and JSON) and exits 1.
func TestRevokeReportsEveryTarget(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pki")
	mustPB(t, dir, "ca", "create", "abc")
	mustPB(t, dir, "issue", "a", "b", "c", "d", "e", "f", "--ca", "abc", "--profile", "client")
	mustPB(t, dir, "revoke", "b", "e")
	out, errs, code := pb(t, dir, "revoke", "a", "b", "c")
	if code != 1 || !strings.Contains(out, "revoked  a ") || !strings.Contains(out, "failed   b: b is already revoked") || !strings.Contains(out, "revoked  c ") {
		t.Errorf("text: exit %d\n%s%s", code, out, errs)
	}
	out, errs, code = pb(t, dir, "--json", "revoke", "d", "e", "ghost")
	var got []struct {
		Target, Status, Error string
		Cert                  struct{ Name, Status string }
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil || code != 1 || len(got) != 3 {
		t.Fatalf("json: exit %d %v\n%s%s", code, err, out, errs)
	}
	if got[0].Status != "revoked" || got[0].Cert.Name != "d" || got[0].Cert.Status != "revoked" ||
		got[1].Status != "failed" || !strings.Contains(got[1].Error, "already revoked") ||
		got[2].Status != "failed" || !strings.Contains(got[2].Error, "not found") {
		t.Errorf("json outcomes: %+v", got)
	}
	// ca create --encrypt --commands prints commands that encrypt the key.
	out = mustPB(t, dir, "ca", "create", "enc", "--encrypt", "--commands")
	if !strings.Contains(out, "pkcs8 -topk8 -v2 aes-256-cbc") || !strings.Contains(out, "-passout env:PKIBENCH_PASSPHRASE") || !strings.Contains(out, "-passin env:PKIBENCH_PASSPHRASE") {
		t.Errorf("--encrypt --commands:\n%s", out)
	}
}
