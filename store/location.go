package store

import (
	"errors"
	"os"
	"path/filepath"
)

// Source says which rule chose a store folder, so the CLI can name it.
type Source string

// The rules of Locate, in the order they are tried.
const (
	FromFlag  Source = "--store"
	FromEnv   Source = "$PKIBENCH_STORE"
	FromCwd   Source = "./pki, which holds store.json"
	FromXDG   Source = "$XDG_DATA_HOME/pkibench"
	FromHome  Source = "~/.local/share/pkibench, the default"
	EnvStore         = "PKIBENCH_STORE"
	localName        = "pki"
)

// LocationRule is the rule Locate applies, worded once for --help.
const LocationRule = `  1. --store DIR
  2. $PKIBENCH_STORE
  3. ./pki, only if it already holds a pkibench store (store.json)
  4. $XDG_DATA_HOME/pkibench (default ~/.local/share/pkibench)`

// Location is where the store lives and why.
type Location struct {
	Dir    string
	Source Source
}

// ErrNoHome is returned when neither $XDG_DATA_HOME nor $HOME is set and no
// other rule applies: there is no safe place to put a store.
var ErrNoHome = errors.New("no store folder: set --store, $PKIBENCH_STORE, $XDG_DATA_HOME or $HOME")

// Locate decides where the store lives. flag is --store ("" when not given),
// getenv reads the environment and cwd is the working folder. It never
// creates anything. A ./pki folder is used only when it already is a store,
// so running from a source checkout (which has a pki/ package folder) never
// writes a store into the source tree.
func Locate(flag string, getenv func(string) string, cwd string) (Location, error) {
	if flag != "" {
		return Location{flag, FromFlag}, nil
	}
	if d := getenv(EnvStore); d != "" {
		return Location{d, FromEnv}, nil
	}
	local := filepath.Join(cwd, localName)
	if fi, err := os.Stat(filepath.Join(local, "store.json")); err == nil && fi.Mode().IsRegular() {
		return Location{local, FromCwd}, nil
	}
	// XDG Base Directory: a relative $XDG_DATA_HOME is invalid and ignored.
	if d := getenv("XDG_DATA_HOME"); d != "" && filepath.IsAbs(d) {
		return Location{filepath.Join(d, "pkibench"), FromXDG}, nil
	}
	home := getenv("HOME")
	if home == "" {
		return Location{}, ErrNoHome
	}
	return Location{filepath.Join(home, ".local", "share", "pkibench"), FromHome}, nil
}
