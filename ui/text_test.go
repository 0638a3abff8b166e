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
