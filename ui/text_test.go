package ui

import (
	"strings"
	"testing"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// TestWrapIndentKeepsEveryCharacter: wrapped text, joined back, is the
// text: long tokens (paths, flags) are broken, never truncated.
func TestWrapIndentKeepsEveryCharacter(t *testing.T) {
	for _, tc := range []struct {
		text  string
		width int
	}{
		{"pkibench issue client2 --ca root-int --profile client --dns localhost", 20},
		{"/tmp/very/long/path/that/does/not/fit/anywhere/cas/enc-root/crl.pem: permission denied", 30},
		{"short", 40},
		{"reason client-cert-revoked side server", 12},
	} {
		lines := wrapIndent(lipgloss.NewStyle(), "fix: ", tc.text, tc.width)
		var got []string
		for _, l := range lines {
			if w := ansi.StringWidth(l); w > tc.width {
				t.Errorf("line %q is %d wide, want ≤ %d", l, w, tc.width)
			}
			got = append(got, strings.Fields(strings.TrimPrefix(l, "fix: "))...)
		}
		if strings.Join(got, "") != strings.Join(strings.Fields(tc.text), "") {
			t.Errorf("wrap lost characters:\n got %q\nwant %q", strings.Join(got, ""), strings.Join(strings.Fields(tc.text), ""))
		}
		if strings.Contains(strings.Join(lines, ""), "…") {
			t.Errorf("wrap truncated: %q", lines)
		}
	}
}

// TestShellWrapPastesAsTheCommand: a command broken to fit 80 columns is
// broken between words with " \" continuations, so the shell joins it back
// to the same words; no piece is wider than the screen.
func TestShellWrapPastesAsTheCommand(t *testing.T) {
	cmd := "openssl s_server -accept 127.0.0.1:8443 -cert /tmp/TestCommandsViewIsPlainAndCopies853936853/001/pki/certs/server/fullchain.pem -cert2 /home/demo/pki/certs/server/cert.pem -key /home/demo/pki/certs/server/key.pem -CAfile /home/demo/pki/cas/demo-ca/cert.pem -Verify 1 -crl_check_all"
	for _, w := range []int{80, 120, 60} {
		lines := shellWrap(cmd, w)
		for _, l := range lines {
			if ansi.StringWidth(l) > w {
				t.Errorf("w=%d: line %q wider than %d", w, l, w)
			}
		}
		// What a shell makes of it: backslash-newline disappears.
		joined := strings.ReplaceAll(strings.Join(lines, "\n"), "\\\n", "")
		if strings.Join(strings.Fields(joined), " ") != cmd {
			t.Errorf("w=%d: rejoined\n%s\nwant\n%s", w, joined, cmd)
		}
	}
	if got := shellWrap("short", 80); len(got) != 1 || got[0] != "short" {
		t.Errorf("short line changed: %q", got)
	}
}

// TestCommandsViewIsPlainAndCopies: c on the probe pane shows the commands
// full width without a box, with the mouse released for selection, and y
// copies them.
func TestCommandsViewIsPlainAndCopies(t *testing.T) {
	d := goldenDriver(t, 80, 24)
	d.press("3", "c")
	if _, ok := d.m.dialog.(*commandsDialog); !ok {
		t.Fatalf("c opened %T", d.m.dialog)
	}
	if v := d.m.View(); v.MouseMode != 0 {
		t.Fatalf("mouse mode %v while commands show, want none (terminal selection)", v.MouseMode)
	}
	rows := strings.Split(d.screen(), "\n")
	s := strings.Join(rows[:len(rows)-2], "\n") // the body, without status and help
	if strings.ContainsAny(s, "╭╰│") {
		t.Fatalf("commands drawn in a box:\n%s", s)
	}
	d.expect("openssl s_server")
	if strings.Contains(s, "…") {
		t.Fatalf("a command is cut:\n%s", s)
	}
	d.press("y")
	d.expect("copied")
	d.press("esc")
	if v := d.m.View(); v.MouseMode == 0 {
		t.Fatal("mouse not captured again after the commands closed")
	}
}
