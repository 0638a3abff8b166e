package ui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/pkibench/pkibench/pki"
	"github.com/pkibench/pkibench/probe/equiv"
)

// commandsDialog shows the openssl / curl / Node.js commands that do what
// the screen under it does (the learner aid on `c`). The text is built by
// the equiv package from names and paths only: no I/O.
type commandsDialog struct {
	c      *Common
	title  string
	lines  []string
	offset int
}

func newCommandsDialog(c *Common, title string, cmds []equiv.Command) Component {
	text := strings.TrimRight(equiv.Render(cmds), "\n")
	return &commandsDialog{c: c, title: title, lines: strings.Split(text, "\n")}
}

func (d *commandsDialog) SetSize(int, int) {}

func (d *commandsDialog) ShortHelp() []key.Binding {
	k := d.c.Keys
	return []key.Binding{k.Up, k.Down, k.PageDown, k.Back}
}

func (d *commandsDialog) rows() int { return max(1, d.c.Height-5) }

func (d *commandsDialog) Update(msg tea.Msg) (Component, tea.Cmd) {
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return d, nil
	}
	switch km.String() {
	case "esc", "c", "enter":
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
		d.offset = len(d.lines)
	}
	d.offset = max(0, min(d.offset, len(d.wrapped())-d.rows()))
	return d, nil
}

// wrapped breaks long command lines (paths make them long) to the box.
func (d *commandsDialog) wrapped() []string {
	w := max(36, d.c.Width-6)
	var out []string
	for _, l := range d.lines {
		out = append(out, strings.Split(ansi.Hardwrap(l, w, true), "\n")...)
	}
	return out
}

func (d *commandsDialog) View() string {
	st := d.c.Styles
	w := max(40, d.c.Width-2)
	lines := d.wrapped()
	// View only reads the state: a resize may leave the offset past the
	// end, so a copy is clamped (Update clamps the offset itself).
	offset := max(0, min(d.offset, len(lines)-d.rows()))
	end := min(len(lines), offset+d.rows())
	out := []string{st.Title.Render(d.title) + st.Dim.Render("  (esc closes, ↑/↓ scroll)")}
	for _, l := range lines[offset:end] {
		if strings.HasPrefix(l, "#") {
			l = st.Dim.Render(l)
		}
		out = append(out, truncate(l, w-4))
	}
	return st.Dialog.Width(w).Render(strings.Join(out, "\n"))
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
