// Package testtool finds the outside tools (openssl, node, curl, tmux) that
// interop tests run. Locally a missing tool skips the test; under CI=true it
// fails it, so CI can never pass by skipping.
package testtool

import (
	"os"
	"os/exec"
	"testing"
)

// Require returns the path of tool or skips (fails under CI=true).
func Require(t testing.TB, tool string) string {
	t.Helper()
	p, err := exec.LookPath(tool)
	if err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is required under CI=true but not found on PATH: %v", tool, err)
	}
	t.Skipf("%s not found on PATH; skipping interop test", tool)
	return ""
}
