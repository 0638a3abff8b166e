package ui

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pkibench/pkibench/pki/testtool"
)

// tmuxSession drives one program in a private tmux server.
type tmuxSession struct {
	t      *testing.T
	tmux   string
	socket string
}

func (s *tmuxSession) run(args ...string) string {
	s.t.Helper()
	out, err := exec.Command(s.tmux, append([]string{"-S", s.socket}, args...)...).CombinedOutput()
	if err != nil {
		s.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func (s *tmuxSession) capture() string { return s.run("capture-pane", "-p", "-t", "pkib") }

// waitFor polls the pane (an outside process has no events to wait on)
// until it shows one of want, for at most 15 s.
func (s *tmuxSession) waitFor(want ...string) string {
	s.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	var pane string
	for time.Now().Before(deadline) {
		pane = s.capture()
		for _, w := range want {
			if strings.Contains(pane, w) {
				return pane
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.t.Fatalf("pane never showed %q:\n%s", want, pane)
	return ""
}

func goBuild(t *testing.T, out, pkg string) {
	t.Helper()
	root := ".."
	cmd := exec.Command("go", "build", "-o", out, pkg)
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, b)
	}
}

// TestTmux starts the real binary in a terminal, walks the tabs, shrinks the
// terminal below 80x24 and back, and quits.
func TestTmux(t *testing.T) {
	tmux := testtool.Require(t, "tmux")
	dir := t.TempDir()
	bin := filepath.Join(dir, "pkibench")
	goBuild(t, bin, "./cmd/pkibench")
	storeDir := filepath.Join(dir, "pki")

	s := &tmuxSession{t: t, tmux: tmux, socket: filepath.Join(dir, "tmux.sock")}
	t.Cleanup(func() { _ = exec.Command(tmux, "-S", s.socket, "kill-server").Run() })
	start := func(bin string) {
		shell := fmt.Sprintf("TERM=xterm-256color %q --store %q; echo pkibench-exit=$?; sleep 30", bin, storeDir)
		s.run("-f", os.DevNull, "new-session", "-d", "-s", "pkib", "-x", "100", "-y", "30", shell)
	}
	start(bin)
	s.waitFor("No CA yet")
	steps := []struct{ keys, want string }{
		{"2", "No certificates yet"},
		{"3", "Handshake"},
		{"4", "Press enter on a CA"},
		{"Tab", "No CA yet"},
		{"BTab", "Press enter on a CA"},
		{"1", "No CA yet"},
		{"?", "All keys"},
		{"Escape", "No CA yet"},
	}
	for _, st := range steps {
		s.run("send-keys", "-t", "pkib", st.keys)
		s.waitFor(st.want)
	}
	s.run("resize-window", "-t", "pkib", "-x", "40", "-y", "10")
	s.waitFor("terminal too small")
	s.run("resize-window", "-t", "pkib", "-x", "100", "-y", "30")
	pane := s.waitFor("No CA yet")
	if strings.Contains(pane, "too small") {
		t.Fatalf("still too small after resizing back:\n%s", pane)
	}
	s.run("send-keys", "-t", "pkib", "q")
	s.waitFor("pkibench-exit=0")
}
