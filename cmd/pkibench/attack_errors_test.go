package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestErrorsAreOneLine: a file name holding a newline cannot start a line
// of pkibench's error output ("FAKE: revoked" on a line of its own); the
// newline is shown escaped like every other control character. The
// missing-store advice keeps its own second line.
func TestErrorsAreOneLine(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pki")
	mustPB(t, dir, "ca", "create", "abc")
	bad := filepath.Join(t.TempDir(), "x\nrevoked  FAKE.pem")
	if err := os.WriteFile(bad, []byte("junk"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"inspect", bad}, {"import", bad}, {"verify", bad}} {
		_, errs, code := pb(t, dir, args...)
		if code == 0 || strings.Contains(errs, "\nrevoked") || !strings.Contains(errs, `x\x0Arevoked`) {
			t.Errorf("pkibench %s: exit %d, stderr %q", args[0], code, errs)
		}
	}
	_, errs, _ := pb(t, filepath.Join(t.TempDir(), "none"), "list")
	if lines := strings.Split(strings.TrimSpace(errs), "\n"); len(lines) != 2 || !strings.HasPrefix(lines[1], "the folder comes from --store") {
		t.Errorf("missing store: %q", errs)
	}
}
