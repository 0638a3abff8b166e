package ui

import (
	"strings"
	"testing"
)

// TestHelpFits: the key map and the help line fit 80x24 whole: no "…",
// every documented key on screen without scrolling.
func TestHelpFits(t *testing.T) {
	for _, tab := range []string{"1", "2", "3", "4", "5"} {
		d := goldenDriver(t, 80, 24)
		d.press(tab)
		if strings.Contains(d.screen(), "…") {
			t.Fatalf("tab %s: something is cut:\n%s", tab, d.screen())
		}
		d.press("?")
		s := d.screen()
		if strings.Contains(s, "…") {
			t.Fatalf("key map cut at 80x24:\n%s", s)
		}
		for _, sec := range helpSections() {
			for _, k := range sec.keys {
				if !strings.Contains(s, k[1]) {
					t.Fatalf("key map lacks %q (%s) at 80x24:\n%s", k[1], k[0], s)
				}
			}
		}
	}
}
