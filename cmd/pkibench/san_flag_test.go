package main

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pkibench/pkibench/pki/testtool"
)

// TestSANFlagTable runs the table the TUI's SAN field is tested with
// (testtool.SANCases) through --san; openssl reads the SANs back.
func TestSANFlagTable(t *testing.T) {
	openssl := testtool.Require(t, "openssl")
	dir := filepath.Join(t.TempDir(), "pki")
	mustPB(t, dir, "ca", "create", "abc")
	for i, c := range testtool.SANCases() {
		name := fmt.Sprintf("san%d", i)
		out, errs, code := pb(t, dir, "issue", name, "--ca", "abc", "--san", c.Input)
		if c.Err != "" {
			if code != 2 || !strings.Contains(errs, "--san: "+c.Err) {
				t.Errorf("--san %q: exit %d, %q; want exit 2 and %q", c.Input, code, out+errs, c.Err)
			}
			continue
		}
		if code != 0 {
			t.Errorf("--san %q: exit %d, %s", c.Input, code, out+errs)
			continue
		}
		got, err := exec.Command(openssl, "x509", "-noout", "-ext", "subjectAltName",
			"-in", filepath.Join(dir, "certs", name, "cert.pem")).CombinedOutput()
		if err != nil {
			t.Fatalf("openssl: %v\n%s", err, got)
		}
		if want := strings.Join(c.Want, ", "); !strings.Contains(string(got), want) {
			t.Errorf("--san %q: openssl shows %q, want %q", c.Input, got, want)
		}
	}
}
