package ui

import (
	"strconv"
	"strings"

	"charm.land/bubbles/v2/textinput"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// truncate cuts a (possibly styled) line to w cells, marking the cut.
func truncate(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if ansi.StringWidth(s) <= w {
		return s
	}
	return ansi.Truncate(s, w, "…")
}

// pad truncates or right-pads a plain cell to exactly w cells.
func pad(s string, w int) string {
	n := ansi.StringWidth(s)
	if n > w {
		return ansi.Truncate(s, w, "…")
	}
	return s + strings.Repeat(" ", w-n)
}

// wrapIndent word-wraps text to width, every line starting with prefix
// (continuations with as many spaces), styled with st. Words longer than a
// line are broken, never cut: no character of text is lost.
func wrapIndent(st lipgloss.Style, prefix, text string, width int) []string {
	room := max(10, width-ansi.StringWidth(prefix))
	wrapped := ansi.Wrap(text, room, "")
	var out []string
	cont := strings.Repeat(" ", ansi.StringWidth(prefix))
	for i, l := range strings.Split(wrapped, "\n") {
		p := cont
		if i == 0 {
			p = prefix
		}
		out = append(out, st.Render(truncate(p+l, width)))
	}
	return out
}

// fitLines makes s exactly h lines, each at most w cells: what the root
// model needs to keep the screen from drawing garbage.
func fitLines(s string, w, h int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	for i, l := range lines {
		lines[i] = truncate(l, w)
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}

func itoa(n int) string { return strconv.Itoa(n) }

// newInput is a text input with a steady cursor: no blink ticks, so forms
// cost nothing while idle and render the same every time (golden tests).
func newInput() textinput.Model {
	ti := textinput.New()
	s := ti.Styles()
	s.Cursor.Blink = false
	ti.SetStyles(s)
	return ti
}
