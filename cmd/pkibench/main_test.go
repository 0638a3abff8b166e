package main

import (
	"fmt"
	"os"
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
	os.Setenv("HOME", home)
	os.Setenv("XDG_DATA_HOME", home+"/.local/share")
	os.Unsetenv("PKIBENCH_STORE")
	code := testtool.Main(m, "cmd/pkibench")
	os.RemoveAll(home)
	os.Exit(code)
}
