package probe

import (
	"os"
	"strconv"
	"testing"

	"github.com/pkibench/pkibench/pki/testtool"
)

// TestMain ends the run with one line when interop tests were skipped
// because a tool is missing (never under CI=true, where they fail).
// Run with holdEnv set, the binary is the client process of
// TestServeHeldConnectionsBounded instead.
func TestMain(m *testing.M) {
	if addr := os.Getenv(holdEnv); addr != "" {
		n, _ := strconv.Atoi(os.Getenv(holdCountEnv))
		os.Exit(holdConns(addr, n))
	}
	os.Exit(testtool.Main(m, "probe"))
}
