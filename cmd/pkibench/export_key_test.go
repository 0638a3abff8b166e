package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pkibench/pkibench/pki"
)

// TestExportKey: --format key writes a CA's key file 0600 as the store
// keeps it and warns on standard error.
func TestExportKey(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pki")
	mustPB(t, dir, "ca", "create", "abc")
	out := filepath.Join(t.TempDir(), "abc.key")
	_, errs, code := pb(t, dir, "export", "abc", "--format", "key", "--out", out)
	if code != 0 || !strings.Contains(errs, "warning: this is abc's private key, NOT encrypted") {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	fi, err := os.Stat(out)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("%v %v, want 0600", fi, err)
	}
	data, _ := os.ReadFile(out)
	if objs, err := pki.Decode(data, out); err != nil || objs[0].Key == nil {
		t.Fatalf("not a private key: %v", err)
	}
}
