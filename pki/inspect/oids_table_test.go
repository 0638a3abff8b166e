package inspect

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/pkibench/pkibench/pki/testtool"
)

// TestOIDTableUpToDate regenerates the OID table with the committed
// generator (go run ./oidgen) and compares it with oids_table.go.
//
// The table records which openssl series it came from. Another series
// (3.2, 3.5, ...) lists other objects, so its table would legitimately
// differ and the parity tests are pinned to the recorded one: then the test
// skips, even under CI, and says how to regenerate. A missing openssl
// follows testtool's rule (skip locally, fail under CI=true).
func TestOIDTableUpToDate(t *testing.T) {
	openssl := testtool.Require(t, "openssl")
	goTool, err := exec.LookPath("go")
	if err != nil {
		testtool.Require(t, "go")
	}
	committed, err := os.ReadFile("oids_table.go")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("^// Code generated from `openssl list -objects` \\((OpenSSL [0-9]+\\.[0-9]+)\\); DO NOT EDIT\\.").FindSubmatch(committed)
	if m == nil {
		t.Fatal("oids_table.go: no generated-code header naming the openssl series")
	}
	ver, err := exec.Command(openssl, "version").Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(ver), string(m[1])+".") {
		t.Skipf("oids_table.go comes from %s, the installed openssl is %s; run `go generate ./pki/inspect` with that series to compare",
			m[1], strings.TrimSpace(string(ver)))
	}
	out := filepath.Join(t.TempDir(), "oids_table.go")
	cmd := exec.Command(goTool, "run", "./oidgen", "-o", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go run ./oidgen: %v\n%s", err, b)
	}
	fresh, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(fresh, committed) {
		t.Errorf("oids_table.go is not what `go generate ./pki/inspect` makes from %s (%d bytes committed, %d generated); regenerate and commit it",
			strings.TrimSpace(string(ver)), len(committed), len(fresh))
	}
}
