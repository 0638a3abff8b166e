package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// TestInspectWrapsAt80: every line of Inspect fits 80 columns whole: the
// fingerprints and long warnings wrap (after a colon, with indentation)
// instead of being cut; the client certificate has no false CN-only warning.
func TestInspectWrapsAt80(t *testing.T) {
	d := goldenDriver(t, 80, 24)
	for _, name := range []string{"server", "client"} {
		d.press("2", "/")
		d.typeText(name)
		d.press("enter", "enter", "e") // inspect, explanations on
		s := d.m.inspect
		if s.doc == nil {
			t.Fatalf("%s: nothing inspected:\n%s", name, d.screen())
		}
		var all strings.Builder
		for _, l := range s.lines {
			p := ansi.Strip(l.draw())
			if w := ansi.StringWidth(p); w > 80 {
				t.Fatalf("%s: line %d cells wide: %q", name, w, p)
			}
			if strings.Contains(p, "…") {
				t.Fatalf("%s: line cut: %q", name, p)
			}
			all.WriteString(strings.Join(strings.Fields(p), ""))
		}
		text := all.String()
		fp := s.doc.Doc.Fingerprints
		for _, want := range []string{fp.SHA256, fp.SHA1} {
			if !strings.Contains(text, strings.ReplaceAll(want, " ", "")) {
				t.Fatalf("%s: fingerprint %s not whole in:\n%s", name, want, text)
			}
		}
		if name == "client" && strings.Contains(text, "CNonly") {
			t.Fatalf("client certificate warned CN-only")
		}
		d.press("e", "esc", "esc")
	}
}
