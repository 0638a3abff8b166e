package ui

import (
	"bytes"
	"fmt"
	"sync/atomic"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/golden"
)

// asciiView renders the model as an Ascii-profile terminal would show it:
// text and attributes kept, colours dropped, so goldens are stable.
func asciiView(t *testing.T, m *Model) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := &colorprofile.Writer{Forward: &buf, Profile: colorprofile.Ascii}
	if _, err := w.WriteString(m.View().Content); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// goldenStore is a store with a root, an intermediate, a server and a
// revoked client, all at the fixed clock.
func goldenDriver(t *testing.T, w, h int) *driver {
	d := newDriver(t, testStore(t), w, h)
	d.m.pathLabel = "/home/demo/pki"
	d.press("n")
	d.typeText("demo-ca")
	d.press("enter")
	d.press("n", "enter")                        // demo-ca-int, under the selected demo-ca
	d.press("i", "enter")                        // server
	d.press("i", "tab", "tab", "right", "enter") // client
	d.press("2", "r", "down", "enter", "y", "n", "1")
	d.m.status = ""
	return d
}

func TestGolden(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		w, h := size[0], size[1]
		steps := []struct {
			name string
			keys []string
		}{
			{"authorities", nil},
			{"certificates", []string{"2"}},
			{"certificates-filtered", []string{"2", "/", "s", "e", "r", "enter"}},
			{"probe", []string{"3"}},
			{"help", []string{"?"}},
			{"create-ca-form", []string{"n"}},
			{"issue-form", []string{"i", "tab", "tab", "right"}},
			{"revoke-dialog", []string{"2", "down", "r"}},
			{"inspect-empty", []string{"4"}},
			{"matrix", []string{"3", "M"}},
			{"import-form", []string{"m"}},
			{"export-form", []string{"2", "G", "x"}},
			{"sign-form", []string{"2", "C"}},
			{"open-file-form", []string{"4", "o"}},
			{"create-ca-form-keys", []string{"n", "esc", "j", "j", "j", "j"}},
			// Errors under the name-constraint and URL fields: taller than
			// 24 rows, the form scrolls to the focused field.
			{"create-ca-form-errors", []string{"n", "tab", "tab", "tab", "tab", "tab", "tab", "1", "0", ".", "0", ".", "0", ".", "0",
				"tab", "a", ".", ".", "b", "tab", "f", "t", "p", ":", "/", "/", "x", "tab", "n", "o", "p", "e"}},
			{"lab", []string{"5"}},
			{"log", []string{"ctrl+r", "1", "r", "L"}},
		}
		// One store per size, made through the UI; every view starts a
		// fresh workbench on it (the steps only open screens and dialogs).
		st := goldenDriver(t, w, h).m.c.Store
		for _, s := range steps {
			t.Run(fmt.Sprintf("%s_%dx%d", s.name, w, h), func(t *testing.T) {
				d := newDriver(t, st, w, h)
				d.m.pathLabel = "/home/demo/pki"
				d.press(s.keys...)
				golden.RequireEqual(t, asciiView(t, d.m))
			})
		}
	}
	// A matrix half done: the progress line and esc in the help.
	t.Run("matrix-progress_80x24", func(t *testing.T) {
		var runs atomic.Int32
		d := goldenDriver(t, 80, 24)
		d.m.c.Opts.Matrix = blockingMatrix(&runs)
		a := newAsyncDriver(t, d)
		d.press("3")
		a.press("M")
		a.until("2 of 3 done", isProgress(2))
		golden.RequireEqual(t, asciiView(t, d.m))
		id := d.m.screens[TabProbe].(*probeScreen).req
		a.press("esc")
		a.until("the cancelled answer", isMatrixDone(id))
	})
	t.Run("empty_80x24", func(t *testing.T) {
		d := newDriver(t, testStore(t), 80, 24)
		d.m.pathLabel = "/home/demo/pki"
		golden.RequireEqual(t, asciiView(t, d.m))
	})
	t.Run("too-small_40x10", func(t *testing.T) {
		d := newDriver(t, testStore(t), 80, 24)
		d.send(tea.WindowSizeMsg{Width: 40, Height: 10})
		golden.RequireEqual(t, asciiView(t, d.m))
	})
}
