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
		{"5", "Lab: 28 scenarios"},
		{"Tab", "No CA yet"},
		{"BTab", "Lab: 28 scenarios"},
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

// TestTmux80x24 drives the real binary at the size the TUI promises:
// typing into the probe's server name takes ? and q as text, the key map
// fits, the lab runs a scenario, the matrix runs, and the verdict's reason
// and side are whole on screen.
func TestTmux80x24(t *testing.T) {
	tmux := testtool.Require(t, "tmux")
	dir := t.TempDir()
	bin := filepath.Join(dir, "pkibench")
	goBuild(t, bin, "./cmd/pkibench")
	storeDir := filepath.Join(dir, "pki")
	s := &tmuxSession{t: t, tmux: tmux, socket: filepath.Join(dir, "tmux.sock")}
	t.Cleanup(func() { _ = exec.Command(tmux, "-S", s.socket, "kill-server").Run() })
	shell := fmt.Sprintf("TERM=xterm-256color %q --store %q; echo pkibench-exit=$?; sleep 30", bin, storeDir)
	s.run("-f", os.DevNull, "new-session", "-d", "-s", "pkib", "-x", "80", "-y", "24", shell)
	s.waitFor("No CA yet")
	keys := func(k ...string) { s.run(append([]string{"send-keys", "-t", "pkib"}, k...)...) }
	keys("n")
	s.waitFor("Create a certificate authority")
	keys("-l", "demo-ca")
	keys("Enter")
	s.waitFor("CA demo-ca created")
	keys("i")
	s.waitFor("Issue a certificate")
	keys("Enter")
	s.waitFor("issued server")
	keys("i")
	s.waitFor("Issue a certificate")
	keys("Tab", "Tab", "Right", "Enter")
	s.waitFor("issued client")

	keys("3", "j", "j", "j", "j", "j", "j")
	s.waitFor("enter edits the server name")
	keys("Enter")
	s.waitFor("typing the server name")
	keys("-l", "?q")
	pane := s.waitFor("localhost?q")
	if strings.Contains(pane, "All keys") || strings.Contains(pane, "pkibench-exit") {
		t.Fatalf("? or q acted while typing:\n%s", pane)
	}
	keys("BSpace", "BSpace")
	s.waitFor("localhost ")
	keys("Escape")
	s.waitFor("enter edits the server name")
	keys("?")
	pane = s.waitFor("All keys")
	rows := strings.Split(strings.TrimRight(pane, "\n"), "\n")
	if strings.Contains(strings.Join(rows[:len(rows)-2], "\n"), "…") { // the status bar may cut, pointing at L
		t.Fatalf("key map cut at 80x24:\n%s", pane)
	}
	keys("?") // closes the key map (an esc sent with more keys would read as alt+key)
	s.waitFor("enter edits the server name")
	keys("k", "Enter") // CRL check, run
	pane = s.waitFor("reason ok")
	if !strings.Contains(pane, "side   —") {
		t.Fatalf("side not whole:\n%s", pane)
	}
	keys("l") // CRL check on: the verdict is stale
	s.waitFor("STALE")
	keys("M")
	s.waitFor("matrix: ")
	keys("5")
	s.waitFor("Lab: 28 scenarios")
	keys("Enter")
	s.waitFor("as expected")
	keys("q")
	s.waitFor("pkibench-exit=0")
}
