package store

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// The one export overwrite rule, for CLI and TUI: never inside the store
// (by any path), never through a link, replace only when asked, key-bearing
// files 0600 whatever was there.
func TestWriteExportRule(t *testing.T) {
	st := newStore(t)
	mustCA(t, st, CAOptions{Name: "abc"})
	out := t.TempDir()
	victim := filepath.Join(out, "victim.txt")
	os.WriteFile(victim, []byte("keep"), 0o644)
	os.Symlink(victim, filepath.Join(out, "link.p12"))
	os.Symlink(filepath.Join(st.Path(), "cas/abc"), filepath.Join(out, "into-store"))
	old := filepath.Join(out, "old.p12")
	os.WriteFile(old, []byte("old"), 0o644)
	cases := []struct {
		name, path       string
		keyBearing, repl bool
		refused          bool
	}{
		{"the CA key", filepath.Join(st.Path(), "cas/abc/ca.key"), true, true, true},
		{"a new file in the store", filepath.Join(st.Path(), "cas/abc/new.pem"), false, true, true},
		{"the store through a link", filepath.Join(out, "into-store/index.txt"), false, true, true},
		{"a link", filepath.Join(out, "link.p12"), true, true, true},
		{"an existing file, not asked", old, true, false, true},
		{"an existing file, asked", old, true, true, false},
		{"a new file", filepath.Join(out, "new.pem"), false, false, false},
	}
	for _, c := range cases {
		err := st.WriteExport(c.path, []byte("DATA"), c.keyBearing, c.repl)
		var fe *ExportFileError
		if c.refused != errors.As(err, &fe) {
			t.Errorf("%s: %v (refused: want %v)", c.name, err, c.refused)
		}
	}
	if b, _ := os.ReadFile(victim); string(b) != "keep" {
		t.Error("the export wrote through the link")
	}
	if b, _ := os.ReadFile(filepath.Join(st.Path(), "cas/abc/index.txt")); string(b) == "DATA" {
		t.Error("the export replaced the index")
	}
	if fi, _ := os.Stat(old); fi.Mode().Perm() != 0o600 {
		t.Errorf("a replaced PKCS#12 is %o, want 0600", fi.Mode().Perm())
	}
	if fi, _ := os.Stat(filepath.Join(out, "new.pem")); fi == nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("a new certificate export: %v", fi)
	}
	if ents, _ := os.ReadDir(out); len(ents) != 5 {
		t.Errorf("temporary files left: %v", ents)
	}
}
