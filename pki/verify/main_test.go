package verify

import (
	"os"
	"testing"

	"github.com/pkibench/pkibench/pki/testtool"
)

// TestMain ends the run with one line when interop tests were skipped
// because a tool is missing (never under CI=true, where they fail).
func TestMain(m *testing.M) { os.Exit(testtool.Main(m, "pki/verify")) }
