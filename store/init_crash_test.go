package store

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestInterruptedCreationIsResumed: a store creation killed after any of
// its steps (folders, .lock, the temporary store.json) leaves a folder that
// the next command or `pkibench init` completes, instead of refusing it as
// "not empty and not a store" for good. A folder holding anything else is
// still refused.
func TestInterruptedCreationIsResumed(t *testing.T) {
	steps := []func(dir string) error{
		func(dir string) error { return os.Mkdir(filepath.Join(dir, "cas"), 0o700) },
		func(dir string) error { return os.Mkdir(filepath.Join(dir, "certs"), 0o700) },
		func(dir string) error { return os.Mkdir(filepath.Join(dir, "imported"), 0o700) },
		func(dir string) error { return os.WriteFile(filepath.Join(dir, ".lock"), nil, 0o600) },
		func(dir string) error {
			return os.WriteFile(filepath.Join(dir, ".tmp-store.json-123456"), []byte("{\"form"), 0o644)
		},
	}
	for n := 1; n <= len(steps); n++ {
		dir := filepath.Join(t.TempDir(), "s")
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		for _, step := range steps[:n] {
			if err := step(dir); err != nil {
				t.Fatal(err)
			}
		}
		st, err := OpenOrCreate(dir)
		if err != nil {
			t.Fatalf("killed after step %d: %v", n, err)
		}
		mustCA(t, st, CAOptions{Name: "abc"})
		if rep, err := st.Check(false); err != nil || rep.Remaining() != 0 {
			t.Fatalf("after step %d: check %+v %v", n, rep, err)
		}
		ents, _ := os.ReadDir(dir)
		for _, e := range ents {
			if strings.HasPrefix(e.Name(), ".tmp-") {
				t.Errorf("after step %d: %s left behind", n, e.Name())
			}
		}
	}
	for name, plant := range map[string]func(dir string) error{
		"a foreign file": func(dir string) error { return os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("x"), 0o644) },
		"a non-empty cas": func(dir string) error {
			return os.MkdirAll(filepath.Join(dir, "cas", "x"), 0o700)
		},
		"cas as a link": func(dir string) error { return os.Symlink(t.TempDir(), filepath.Join(dir, "cas")) },
		"a .lock with content": func(dir string) error {
			return os.WriteFile(filepath.Join(dir, ".lock"), []byte("mine"), 0o600)
		},
	} {
		dir := filepath.Join(t.TempDir(), "s")
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := plant(dir); err != nil {
			t.Fatal(err)
		}
		if _, err := OpenOrCreate(dir); err == nil {
			t.Errorf("%s: a folder that is not a store leftover was taken as one", name)
		}
	}
}
