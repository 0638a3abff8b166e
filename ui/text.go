package ui

import (
	"strconv"
	"strings"

	"charm.land/bubbles/v2/textinput"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/pkibench/pkibench/pki"
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

// plain is how every value from a certificate, a CSR, a file or an error
// reaches the screen: pki.EscapeControl, the helper the CLI's output uses
// too, so an escape sequence in a subject is shown, never obeyed.
func plain(s string) string { return pki.EscapeControl(s) }

// pad truncates or right-pads a plain cell to exactly w cells.
func pad(s string, w int) string {
	s = plain(s)
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
	room := max(1, width-ansi.StringWidth(prefix))
	var out []string
	cont := strings.Repeat(" ", ansi.StringWidth(prefix))
	for i, l := range wrapWords(plain(text), room) {
		p := cont
		if i == 0 {
			p = prefix
		}
		out = append(out, st.Render(truncate(p+l, width)))
	}
	return out
}

// wrapWords breaks plain text into lines of at most w cells between words
// (spaces only: a flag like --profile or a path stays whole when it fits a
// line); a word wider than a line is broken into pieces of w cells.
func wrapWords(text string, w int) []string {
	var out []string
	for _, para := range strings.Split(text, "\n") {
		if ansi.StringWidth(para) <= w {
			out = append(out, para) // keeps its alignment spaces
			continue
		}
		line := ""
		for _, word := range strings.Fields(para) {
			for ansi.StringWidth(word) > w {
				if line != "" {
					out = append(out, line)
					line = ""
				}
				cut := w
				// A fingerprint or hex dump breaks after a colon.
				if head := ansi.Cut(word, 0, w); len(head) == w {
					if i := strings.LastIndexByte(head, ':'); i > 0 {
						cut = i + 1
					}
				}
				out = append(out, ansi.Cut(word, 0, cut))
				word = ansi.Cut(word, cut, ansi.StringWidth(word))
			}
			switch {
			case line == "":
				line = word
			case ansi.StringWidth(line)+1+ansi.StringWidth(word) <= w:
				line += " " + word
			default:
				out = append(out, line)
				line = word
			}
		}
		out = append(out, line)
	}
	return out
}

// wrapLine wraps one line of a document to w cells, continuation lines
// indented four more than the line itself, so nothing is cut.
func wrapLine(l string, w int) []string {
	if len(l) <= w && printableASCII(l) || ansi.StringWidth(l) <= w {
		return []string{l}
	}
	indent := l[:len(l)-len(strings.TrimLeft(l, " "))]
	out := wrapIndent(lipgloss.NewStyle(), indent, strings.TrimLeft(l, " "), w)
	for i := 1; i < len(out); i++ {
		if len(indent)+4 < w/2 {
			out[i] = "    " + out[i]
		}
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

// printableASCII reports text whose width is its length (no escape
// sequence, no wide or combining character), so wrapLine can skip measuring
// grapheme clusters: a big CRL has 1.7 million such lines.
func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
