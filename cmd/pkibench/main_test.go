package main

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/pkibench/pkibench/pki/testtool"
)

// TestMain points HOME and XDG_DATA_HOME at a throwaway folder for every test
// of the package, so no test (even one that forgets --store) can ever write
// into the real home.
func TestMain(m *testing.M) {
	home, err := os.MkdirTemp("", "pkibench-home-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	// The tests that run 'go build' keep the real build and module caches,
	// which live under HOME by default: with the throwaway HOME each build
	// recompiled (and fetched) every dependency, minutes per test.
	if out, err := exec.Command("go", "env", "GOCACHE", "GOMODCACHE", "GOPATH").Output(); err == nil {
		for i, v := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			if v != "" && i < 3 {
				os.Setenv([]string{"GOCACHE", "GOMODCACHE", "GOPATH"}[i], v)
			}
		}
	}
	os.Setenv("HOME", home)
	os.Setenv("XDG_DATA_HOME", home+"/.local/share")
	os.Unsetenv("PKIBENCH_STORE")
	code := testtool.Main(m, "cmd/pkibench")
	os.RemoveAll(home)
	os.Exit(code)
}
