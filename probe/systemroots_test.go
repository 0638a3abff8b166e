package probe

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSystemRootsFrom reads the first bundle that exists and names the
// file when it is not a bundle.
func TestSystemRootsFrom(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.pem")
	if err := os.WriteFile(empty, []byte("not a certificate\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := systemRootsFrom([]string{filepath.Join(dir, "missing.pem"), empty}); err == nil || !strings.Contains(err.Error(), "empty.pem") {
		t.Errorf("a file without certificates: err %v, want it named", err)
	}
	if _, err := systemRootsFrom([]string{filepath.Join(dir, "missing.pem")}); err == nil || !strings.Contains(err.Error(), "no system bundle") {
		t.Errorf("no bundle: err %v", err)
	}
	for _, f := range SystemRootFiles() {
		if _, err := os.Stat(f); err != nil {
			continue
		}
		certs, err := SystemRoots()
		if err != nil || len(certs) == 0 {
			t.Errorf("%s exists: %d roots, err %v", f, len(certs), err)
		}
		break
	}
}
