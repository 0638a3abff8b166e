package ui

import (
	"strings"
	"testing"
)

// The status bar names the store the TUI works on (the store rule may have
// chosen it, so the user must see where it is).
func TestStatusBarShowsTheStorePath(t *testing.T) {
	st := testStore(t)
	d := newDriver(t, st, 200, 30)
	lines := strings.Split(strings.TrimRight(d.screen(), "\n"), "\n")
	if len(lines) < 2 || !strings.Contains(lines[len(lines)-2], st.Path()) {
		t.Errorf("the status bar (next to last line) lacks %s:\n%s", st.Path(), d.screen())
	}
}
