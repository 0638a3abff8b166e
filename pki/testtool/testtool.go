// Package testtool finds the outside tools (openssl, node, curl, tmux) that
// interop tests run. Locally a missing tool skips the test; under CI=true it
// fails it, so CI can never pass by skipping.
package testtool

import (
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
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
	skipped.add(tool)
	t.Skipf("%s not found on PATH; skipping interop test", tool)
	return ""
}

// skipped counts, per missing tool, the tests Require skipped in this test
// binary (one package), for Main's closing line. It is the one piece of
// shared state here: tests run in parallel, so it is guarded.
var skipped = &skipCount{byTool: map[string]int{}}

type skipCount struct {
	mu     sync.Mutex
	byTool map[string]int
}

func (s *skipCount) add(tool string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.byTool[tool]++
}

// Summary is the closing line for package pkg: how many interop tests were
// skipped and which tools were missing; "" when none was.
func (s *skipCount) Summary(pkg string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.byTool) == 0 {
		return ""
	}
	n, tools := 0, make([]string, 0, len(s.byTool))
	for tool, c := range s.byTool {
		n += c
		tools = append(tools, fmt.Sprintf("%s (%d)", tool, c))
	}
	sort.Strings(tools)
	return fmt.Sprintf("pkibench/%s: %d interop test(s) skipped: not found on PATH: %s; install them (see README) or run CI=true bash .ci/run, which installs them",
		pkg, n, strings.Join(tools, ", "))
}

// Main runs a package's tests (call it from TestMain) and ends with one line
// saying how many interop tests were skipped and why. go test shows a
// passing package's output only with -v, so the line also goes to the
// controlling terminal when there is one: a developer sees it in a plain
// `go test ./...` run. Under CI=true nothing is skipped (Require fails).
func Main(m *testing.M, pkg string) int {
	code := m.Run()
	if line := skipped.Summary(pkg); line != "" {
		fmt.Fprintln(os.Stderr, line)
		if tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0); err == nil {
			fmt.Fprintln(tty, line)
			tty.Close()
		}
	}
	return code
}

// Snapshot returns every path under dir with its mode and content hash, so a
// test can assert that a failed operation left a store byte-for-byte as it was.
func Snapshot(t testing.TB, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		v := info.Mode().String()
		if d.Type().IsRegular() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			v += fmt.Sprintf(" %x", sha256.Sum256(b))
		}
		out[rel] = v
		return nil
	})
	if err != nil {
		t.Fatalf("snapshot %s: %v", dir, err)
	}
	return out
}

// SameSnapshot fails the test when two snapshots differ, naming the paths.
func SameSnapshot(t testing.TB, before, after map[string]string) {
	t.Helper()
	for p, v := range before {
		if after[p] != v {
			t.Errorf("%s changed: %q -> %q", p, v, after[p])
		}
	}
	for p := range after {
		if _, ok := before[p]; !ok {
			t.Errorf("%s appeared", p)
		}
	}
}

// Run runs a command and fails the test with its output when it fails.
func Run(t testing.TB, dir string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return string(out)
}
