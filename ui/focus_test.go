package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// globalsWork checks, on whatever is on screen, that nothing is being typed
// into and that the global keys act: ? opens and closes the key map, q
// quits; on a tab (no dialog) 1-4 switch tabs and come back.
func globalsWork(t *testing.T, d *driver, where string) {
	t.Helper()
	if d.m.typing() {
		t.Fatalf("%s: a field is being edited, want key mode:\n%s", where, d.screen())
	}
	line := ansi.Strip(d.m.helpLine())
	if !strings.Contains(line, "?") || !strings.Contains(line, "quit") {
		t.Fatalf("%s: help line lacks ? and q: %q", where, line)
	}
	d.press("?")
	if !d.m.showHelp {
		t.Fatalf("%s: ? did not open the key map:\n%s", where, d.screen())
	}
	d.press("?")
	if d.m.showHelp {
		t.Fatalf("%s: ? did not close the key map", where)
	}
	d.quit = false
	d.press("q")
	if !d.quit {
		t.Fatalf("%s: q did not quit", where)
	}
	d.quit = false
	if d.m.dialog != nil {
		return
	}
	tab := d.m.Active()
	for _, k := range []string{"1", "2", "3", "4", "5"} {
		d.press(k)
		if want := int(k[0] - '1'); d.m.Active() != want {
			t.Fatalf("%s: %s went to tab %d, want %d", where, k, d.m.Active(), want)
		}
	}
	d.press(string(rune('1' + tab)))
}

// TestFocusWalk walks the focus through every field of every screen and
// dialog: wherever nothing is being edited every global key works, and
// while a field is edited, printable keys (?, q, 1, j, h, l) are text.
func TestFocusWalk(t *testing.T) {
	d := goldenDriver(t, 80, 24)

	// Tabs.
	for _, tab := range []string{"1", "2", "3", "4", "5"} {
		d.press(tab)
		globalsWork(t, d, "tab "+tab)
	}

	// Probe: every field, then typing into the server name.
	d.press("3")
	p := d.m.screens[TabProbe].(*probeScreen)
	for f := 0; f < numProbeFields; f++ {
		if p.focus != f {
			t.Fatalf("probe focus = %d, want %d", p.focus, f)
		}
		globalsWork(t, d, "probe field "+probeLabels[f])
		if f == pfName && !strings.Contains(ansi.Strip(d.m.helpLine()), "enter edit") {
			t.Fatalf("probe help line on the name does not say enter edits: %q", d.m.helpLine())
		}
		d.press("j")
	}
	if p.focus != 0 {
		t.Fatalf("j from the last field: focus %d, want 0 (wraps)", p.focus)
	}
	for i := 0; i < numProbeFields && p.focus != pfName; i++ {
		d.press("k") // up from the last field to the server name
	}
	if p.focus != pfName {
		t.Fatalf("focus = %d, want the server name", p.focus)
	}
	d.press("enter")
	if !d.m.typing() {
		t.Fatal("enter on the server name did not start editing")
	}
	if strings.Contains(ansi.Strip(d.m.helpLine()), "quit") {
		t.Fatalf("help line advertises q while typing: %q", d.m.helpLine())
	}
	d.typeText("?q1jM")
	if got := p.text[pfName].Value(); got != "localhost?q1jM" {
		t.Fatalf("server name = %q, want the typed keys appended", got)
	}
	if d.quit || d.m.showHelp || d.m.Active() != TabProbe {
		t.Fatalf("typed keys acted as global keys: quit=%v help=%v tab=%d", d.quit, d.m.showHelp, d.m.Active())
	}
	d.press("esc")
	globalsWork(t, d, "probe after editing")
	d.press("enter")
	d.press("backspace", "backspace", "backspace", "backspace", "backspace", "enter")
	if got := p.text[pfName].Value(); got != "localhost" {
		t.Fatalf("server name = %q after backspaces", got)
	}
	globalsWork(t, d, "probe after enter")

	// Every form and dialog.
	dialogs := []struct {
		name string
		open []string
	}{
		{"create CA", []string{"1", "n"}},
		{"issue", []string{"1", "i"}},
		{"import", []string{"1", "m"}},
		{"export", []string{"2", "x"}},
		{"sign CSR", []string{"2", "C"}},
	}
	for _, dl := range dialogs {
		d.press(dl.open...)
		f, ok := d.m.dialog.(*form)
		if !ok {
			t.Fatalf("%s: dialog is %T", dl.name, d.m.dialog)
		}
		if !d.m.typing() {
			t.Fatalf("%s: a form opens typing into its first field", dl.name)
		}
		d.press("esc")
		if d.m.dialog == nil {
			t.Fatalf("%s: esc while typing closed the form; want key mode", dl.name)
		}
		for i := range f.fields {
			if f.focus != i {
				t.Fatalf("%s: focus %d, want %d", dl.name, f.focus, i)
			}
			x := f.fields[i]
			where := dl.name + " field " + x.label
			globalsWork(t, d, where)
			if x.isChoice() {
				if len(x.choices) > 1 {
					before := x.choice
					d.press("l")
					if x.choice == before {
						t.Fatalf("%s: l in key mode did not choose", where)
					}
					d.press("h")
					if x.choice != before {
						t.Fatalf("%s: h did not go back", where)
					}
				}
			} else {
				d.press("enter")
				if !d.m.typing() {
					t.Fatalf("%s: enter did not start editing", where)
				}
				if strings.Contains(ansi.Strip(d.m.helpLine()), "all keys") {
					t.Fatalf("%s: help line advertises ? while typing: %q", where, d.m.helpLine())
				}
				before := x.input.Value()
				d.typeText("?")
				if d.m.showHelp || !strings.Contains(x.input.Value(), "?") {
					t.Fatalf("%s: ? while typing opened help or was lost (value %q, before %q)", where, x.input.Value(), before)
				}
				d.press("backspace", "esc")
			}
			d.press("j")
		}
		if d.m.dialog != nil {
			d.press("esc")
		}
		if d.m.dialog != nil {
			t.Fatalf("%s: esc in key mode did not close the form", dl.name)
		}
	}

	// Revoke: the reason list and the questions leave global keys alone.
	d.press("2", "G", "r") // server (client is revoked already)
	if _, ok := d.m.dialog.(*revokeDialog); !ok {
		t.Fatalf("r opened %T", d.m.dialog)
	}
	globalsWork(t, d, "revoke reason")
	d.press("esc")
}

// TestTypingOntoAChoiceKeepsIt: a passphrase typed one field too far (onto
// the CA chooser) must not change the CA; h/l choose only in key mode.
func TestTypingOntoAChoiceKeepsIt(t *testing.T) {
	d := goldenDriver(t, 80, 24)
	d.press("i", "tab") // typing, on the CA chooser
	f := d.m.dialog.(*form)
	ca := f.field("ca")
	before := ca.value()
	d.typeText("hellohl")
	if ca.value() != before {
		t.Fatalf("typing changed the CA from %s to %s", before, ca.value())
	}
	d.expect("typing does not change a choice")
	d.press("esc", "l") // key mode: l chooses
	if ca.value() == before {
		t.Fatalf("l in key mode did not change the CA (%s)", ca.value())
	}
}
