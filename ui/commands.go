package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/pkibench/pkibench/pki"
	"github.com/pkibench/pkibench/probe/equiv"
)

// commandsDialog shows the openssl / curl / Node.js commands that do what
// the screen under it does (the learner aid on `c`). The text is built by
// the equiv package from names and paths only: no I/O. It is drawn plain
// and full width (no box, mouse capture off) so a terminal selection copies
// it; a long command is broken only between words, with a shell line
// continuation, so even a wrapped command pastes and runs. y copies every
// command to the clipboard with OSC 52.
type commandsDialog struct {
	c      *Common
	title  string
	text   string
	lines  []string
	offset int
}

func newCommandsDialog(c *Common, title string, cmds []equiv.Command) Component {
	text := strings.TrimRight(equiv.Render(cmds), "\n")
	return &commandsDialog{c: c, title: title, text: text, lines: strings.Split(text, "\n")}
}

func (d *commandsDialog) SetSize(int, int) {}

// Plain tells the root model to draw this view without a box and without
// mouse capture.
func (d *commandsDialog) Plain() bool { return true }

func (d *commandsDialog) ShortHelp() []key.Binding {
	b := []key.Binding{key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "copy all (OSC 52)")),
		key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc/c", "close"))}
	if len(d.wrapped()) > d.rows() {
		b = append(b, key.NewBinding(key.WithKeys("j", "k"), key.WithHelp("↑/↓ pgdn", "scroll")))
	}
	return b
}

func (d *commandsDialog) rows() int { return max(1, d.c.Height-2) }

func (d *commandsDialog) Update(msg tea.Msg) (Component, tea.Cmd) {
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return d, nil
	}
	switch km.String() {
	case "esc", "c", "enter":
		return d, d.c.closeDialog("")
	case "y":
		n := strings.Count(d.text, "\n") + 1
		return d, tea.Batch(tea.SetClipboard(d.text),
			d.c.status(fmt.Sprintf("copied %d lines of commands to the clipboard (OSC 52)", n), nil))
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
		d.offset = len(d.wrapped())
	}
	d.offset = max(0, min(d.offset, len(d.wrapped())-d.rows()))
	return d, nil
}

// wrapped breaks long command lines to the screen between words, ending
// each broken line with " \\" (comments continue with "# ").
func (d *commandsDialog) wrapped() []string {
	w := max(36, d.c.Width)
	var out []string
	for _, l := range d.lines {
		out = append(out, shellWrap(l, w)...)
	}
	return out
}

// shellWrap breaks one command line at spaces so every piece fits w cells
// with a trailing " \\" continuation; a word wider than a line (a long
// path) is broken with a bare "\\" and continues at column 0, which a shell
// joins back into the same word. Pasted, the pieces are the command again.
func shellWrap(l string, w int) []string {
	if ansi.StringWidth(l) <= w {
		return []string{l}
	}
	if strings.HasPrefix(l, "#") {
		return strings.Split(ansi.Wrap(l, w, ""), "\n")
	}
	const indent = "    "
	var out []string
	cur := ""
	for _, wd := range strings.Split(l, " ") {
		next := wd
		if cur != "" {
			next = cur + " " + wd
		}
		if ansi.StringWidth(next) <= w-2 {
			cur = next
			continue
		}
		if cur != "" && cur != indent {
			out = append(out, cur+" \\")
			cur = indent
		}
		next = cur + wd
		for ansi.StringWidth(next) > w-2 {
			cut := w - 1
			out = append(out, ansi.Cut(next, 0, cut)+"\\")
			next = ansi.Cut(next, cut, ansi.StringWidth(next))
		}
		cur = next
	}
	return append(out, cur)
}

func (d *commandsDialog) View() string {
	st := d.c.Styles
	lines := d.wrapped()
	// View only reads the state: a resize may leave the offset past the
	// end, so a copy is clamped (Update clamps the offset itself).
	off := max(0, min(d.offset, len(lines)-d.rows()))
	end := min(len(lines), off+d.rows())
	out := []string{st.Title.Render(d.title) + st.Dim.Render("  (y copies all · esc closes)"), ""}
	for _, l := range lines[off:end] {
		if strings.HasPrefix(l, "#") {
			l = st.Dim.Render(l)
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}

func (c *Common) layout() equiv.Layout {
	if c.Store == nil {
		return equiv.Layout{Root: "pki"}
	}
	return equiv.Layout{Root: c.Store.Path()}
}

// issuerOf is the CA that issued a certificate of the store, by name.
func (c *Common) issuerOf(name string) string {
	for _, x := range c.Data.Certs {
		if x.Name == name {
			return x.CA
		}
	}
	return ""
}

// lineage is ca followed by its parents up to the root.
func (c *Common) lineage(ca string) []string {
	var out []string
	for ca != "" && len(out) <= len(c.Data.CAs) {
		out = append(out, ca)
		next := ""
		for _, x := range c.Data.CAs {
			if x.Name == ca {
				next = x.Parent
			}
		}
		ca = next
	}
	return out
}

// probeCommands are the commands staging the probe screen's handshake.
func (s *probeScreen) commands() ([]equiv.Command, error) {
	r, err := s.request()
	if err != nil {
		return nil, err
	}
	sp := equiv.StoreProbeOf(r, 0, func(name string) []string { return s.c.lineage(s.c.issuerOf(name)) })
	return equiv.Probe(s.c.layout().ProbeSpec(sp)), nil
}

// caCommands are the commands that make the selected CA and publish its CRL.
func (s *authoritiesScreen) commands() []equiv.Command {
	ca := s.selected()
	if ca == nil {
		return nil
	}
	spec := equiv.CASpec{Name: ca.Name, Parent: ca.Parent, PathLen: ca.PathLen,
		Days: int(ca.NotAfter.Sub(ca.NotBefore).Hours() / 24)}
	if a, err := pki.ParseAlgorithm(ca.Algorithm); err == nil {
		spec.Algo = a
	}
	if sub, err := pki.ParseSubject(ca.Subject); err == nil {
		spec.Subject = sub
	}
	l := s.c.layout()
	return append(equiv.CreateCA(l, spec), equiv.PublishCRL(l, ca.Name, 30)...)
}
