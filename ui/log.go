package ui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// maxLog bounds the message log; older entries fall off.
const maxLog = 500

// logEntry is one status message or error, as the status bar showed it.
type logEntry struct {
	At   time.Time
	Text string
	Err  bool
}

// logDialog shows every message of the session whole, wrapped to the
// screen, newest at the bottom (where it opens).
type logDialog struct {
	c       *Common
	entries []logEntry
	offset  int
	atEnd   bool
}

func newLogDialog(c *Common, entries []logEntry) Component {
	return &logDialog{c: c, entries: append([]logEntry(nil), entries...), atEnd: true}
}

func (d *logDialog) SetSize(int, int) {}

// Plain: full screen, mouse released, so an error can be selected.
func (d *logDialog) Plain() bool { return true }

func (d *logDialog) rows() int { return max(1, d.c.Height-2) }

func (d *logDialog) ShortHelp() []key.Binding {
	k := d.c.Keys
	var b []key.Binding
	if len(d.lines()) > d.rows() {
		b = append(b, k.Up, k.Down, k.PageDown, k.Home, k.End)
	}
	return append(b, key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc/L", "close")))
}

func (d *logDialog) lines() []string {
	st := d.c.Styles
	w := max(20, d.c.Width)
	var out []string
	for _, e := range d.entries {
		prefix := e.At.UTC().Format("15:04:05") + " "
		style := st.StatusBar
		if e.Err {
			prefix += "error: "
			style = st.Error
		}
		out = append(out, wrapIndent(style, prefix, e.Text, w)...)
	}
	return out
}

func (d *logDialog) Update(msg tea.Msg) (Component, tea.Cmd) {
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return d, nil
	}
	n := len(d.lines())
	if d.atEnd {
		d.offset, d.atEnd = max(0, n-d.rows()), false
	}
	switch km.String() {
	case "esc", "L", "enter":
		return d, d.c.closeDialog("")
	case "down", "j":
		d.offset++
	case "up", "k":
		d.offset--
	case "pgdown", "space":
		d.offset += d.rows()
	case "pgup":
		d.offset -= d.rows()
	case "home", "g":
		d.offset = 0
	case "end", "G":
		d.offset = n
	}
	d.offset = max(0, min(d.offset, n-d.rows()))
	return d, nil
}

func (d *logDialog) View() string {
	st := d.c.Styles
	lines := d.lines()
	off := d.offset
	if d.atEnd {
		off = len(lines) - d.rows()
	}
	off = max(0, min(off, len(lines)-d.rows()))
	end := min(len(lines), off+d.rows())
	head := st.Title.Render("Message log") + st.Dim.Render(fmt.Sprintf("  %d messages, newest last · esc closes", len(d.entries)))
	if len(d.entries) == 0 {
		return head + "\n\n" + st.Dim.Render("No messages yet.")
	}
	return head + "\n" + strings.Join(lines[off:end], "\n")
}
