package store

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestLocate(t *testing.T) {
	cwd := t.TempDir()
	withStore := t.TempDir()
	if _, err := OpenOrCreate(filepath.Join(withStore, "pki")); err != nil {
		t.Fatal(err)
	}
	// A source checkout: ./pki is a Go package folder, not a store.
	checkout := t.TempDir()
	if err := os.MkdirAll(filepath.Join(checkout, "pki"), 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(checkout, "pki", "pki.go"), []byte("package pki\n"), 0o644)
	home, xdg := "/home/ann", "/data/ann"
	cases := []struct {
		name      string
		flag      string
		env       map[string]string
		cwd       string
		want      string
		source    Source
		wantError error
	}{
		{"flag wins", "/s/flag", map[string]string{EnvStore: "/s/env", "HOME": home}, withStore, "/s/flag", FromFlag, nil},
		{"env before ./pki", "", map[string]string{EnvStore: "/s/env", "HOME": home}, withStore, "/s/env", FromEnv, nil},
		{"./pki when it holds store.json", "", map[string]string{"HOME": home, "XDG_DATA_HOME": xdg}, withStore, filepath.Join(withStore, "pki"), FromCwd, nil},
		{"a checkout's pki/ package is not a store", "", map[string]string{"HOME": home}, checkout, filepath.Join(home, ".local/share/pkibench"), FromHome, nil},
		{"XDG_DATA_HOME", "", map[string]string{"HOME": home, "XDG_DATA_HOME": xdg}, cwd, filepath.Join(xdg, "pkibench"), FromXDG, nil},
		{"relative XDG_DATA_HOME ignored", "", map[string]string{"HOME": home, "XDG_DATA_HOME": "rel"}, cwd, filepath.Join(home, ".local/share/pkibench"), FromHome, nil},
		{"no home at all", "", map[string]string{}, cwd, "", "", ErrNoHome},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			loc, err := Locate(c.flag, func(k string) string { return c.env[k] }, c.cwd)
			if !errors.Is(err, c.wantError) {
				t.Fatalf("error %v, want %v", err, c.wantError)
			}
			if loc.Dir != c.want || loc.Source != c.source {
				t.Errorf("Locate = %v, want %s (from %s)", loc, c.want, c.source)
			}
		})
	}
	// Locate only looks: nothing was created anywhere.
	if _, err := os.Stat(filepath.Join(cwd, "pki")); !os.IsNotExist(err) {
		t.Errorf("Locate created %s/pki", cwd)
	}
	if _, err := os.Stat(filepath.Join(checkout, "pki", "store.json")); !os.IsNotExist(err) {
		t.Error("Locate wrote into the checkout")
	}
}
