package ui

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/pkibench/pkibench/store"
)

// authoritiesScreen is the CA tree with validity, counts and CRL freshness.
type authoritiesScreen struct {
	c      *Common
	cursor int
	offset int
	width  int
	height int
	// crlReq is the publication this screen waits for.
	crlReq reqID
}

func newAuthorities(c *Common) *authoritiesScreen { return &authoritiesScreen{c: c} }

func (s *authoritiesScreen) SetSize(w, h int) { s.width, s.height = w, h; s.clamp() }

func (s *authoritiesScreen) ShortHelp() []key.Binding {
	k := s.c.Keys
	return []key.Binding{k.Enter, k.NewCA, k.Issue, k.PublishCRL, k.ShowCRL, k.Revoke, k.Import, k.Commands}
}

func (s *authoritiesScreen) selected() *store.CA {
	if s.cursor < 0 || s.cursor >= len(s.c.Data.CAs) {
		return nil
	}
	return s.c.Data.CAs[s.cursor]
}

func (s *authoritiesScreen) rows() int { return max(1, s.height-2) }

func (s *authoritiesScreen) clamp() {
	n := len(s.c.Data.CAs)
	s.cursor = max(0, min(s.cursor, n-1))
	rows := s.rows()
	if s.cursor < s.offset {
		s.offset = s.cursor
	}
	if s.cursor >= s.offset+rows {
		s.offset = s.cursor - rows + 1
	}
	s.offset = max(0, min(s.offset, n-rows))
}

func (s *authoritiesScreen) Update(msg tea.Msg) (Component, tea.Cmd) {
	switch msg := msg.(type) {
	case dataChangedMsg:
		s.clamp()
	case crlPublishedMsg:
		if msg.reqID != s.crlReq {
			return s, nil
		}
		if msg.err != nil {
			return s, s.c.status("", fmt.Errorf("publish CRL of %s: %w", msg.ca, msg.err))
		}
		return s, tea.Batch(s.c.status(crlStatus(msg.ca, msg.state), nil), s.c.reload())
	case bodyClickMsg:
		// Row 0 is the header.
		if msg.y >= 1 && s.offset+msg.y-1 < len(s.c.Data.CAs) {
			s.cursor = s.offset + msg.y - 1
			s.clamp()
		}
	case tea.MouseWheelMsg:
		switch msg.Button {
		case tea.MouseWheelDown:
			s.cursor++
		case tea.MouseWheelUp:
			s.cursor--
		}
		s.clamp()
	case tea.KeyPressMsg:
		if cmd, done := s.onKey(msg); done {
			return s, cmd
		}
		s.clamp()
	}
	return s, nil
}

// onKey acts on a key; done is false when the key only moved the cursor
// or did nothing, and the cursor is to be clamped.
func (s *authoritiesScreen) onKey(msg tea.KeyPressMsg) (cmd tea.Cmd, done bool) {
	k := s.c.Keys
	ca := s.selected()
	moved := false
	s.cursor, moved = moveCursor(k, msg, s.cursor, s.rows(), len(s.c.Data.CAs))
	switch {
	case moved:
	case key.Matches(msg, k.Enter):
		if ca != nil {
			return s.c.openInspect(ca.Name, "CA "+ca.Name), true
		}
	case key.Matches(msg, k.ShowCRL):
		return s.showCRL(ca), true
	case key.Matches(msg, k.Commands):
		if ca != nil {
			return s.c.openDialog(newCommandsDialog(s.c, "Commands for CA "+ca.Name, s.commands())), true
		}
	case key.Matches(msg, k.Import):
		return s.c.openDialog(newImportForm(s.c)), true
	case key.Matches(msg, k.Export):
		if ca == nil {
			return s.c.status("", errors.New("no CA yet: nothing to export")), true
		}
		return s.c.openDialog(newExportForm(s.c, ca.Name, ca.Name)), true
	case key.Matches(msg, k.NewCA):
		parent := ""
		if ca != nil && ca.HasKey {
			parent = ca.Name
		}
		return s.c.openDialog(newCAForm(s.c, parent)), true
	case key.Matches(msg, k.Issue):
		name := ""
		if ca != nil {
			name = ca.Name
		}
		return s.c.openDialog(newIssueForm(s.c, name)), true
	case key.Matches(msg, k.PublishCRL):
		return s.publishCRL(ca), true
	case key.Matches(msg, k.Revoke):
		return s.revokeCA(ca), true
	}
	return nil, false
}

// showCRL opens the CA's last published CRL in the inspect view.
func (s *authoritiesScreen) showCRL(ca *store.CA) tea.Cmd {
	if ca == nil {
		return s.c.status("", errors.New("no CA yet: no CRL to show"))
	}
	if ca.CRL == nil {
		return s.c.status("", fmt.Errorf("%s has published no CRL yet: p publishes one", ca.Name))
	}
	return s.c.openInspect(crlTarget+ca.Name, "CRL of "+ca.Name)
}

// publishCRL publishes the CA's CRL, asking first for the passphrase of an
// encrypted CA key.
func (s *authoritiesScreen) publishCRL(ca *store.CA) tea.Cmd {
	if ca == nil {
		return s.c.status("", errors.New("nothing to publish: no CA yet (n creates one)"))
	}
	if !ca.HasKey {
		return s.c.status("", fmt.Errorf("cannot publish a CRL of %s: the store has no key for it", ca.Name))
	}
	if ca.Encrypted {
		return s.c.openDialog(newPassphraseDialog(s.c, "CA "+ca.Name+"'s key", func(pass []byte) tea.Cmd {
			s.crlReq = s.c.begin("publish CRL " + ca.Name)
			return publishCRLCmd(s.c.Store, s.crlReq, ca.Name, fixedPass(pass))
		}))
	}
	s.crlReq = s.c.begin("publish CRL " + ca.Name)
	return publishCRLCmd(s.c.Store, s.crlReq, ca.Name, nil)
}

// revokeCA opens the revoke dialog for an intermediate CA; a root has
// nothing above it that could revoke it.
func (s *authoritiesScreen) revokeCA(ca *store.CA) tea.Cmd {
	if ca != nil && ca.Parent != "" {
		return s.c.openDialog(newRevokeDialog(s.c, ca.Parent+"/"+ca.Serial, "CA "+ca.Name, ca.Parent))
	}
	if ca != nil {
		return s.c.status("", fmt.Errorf("%s is a root: nothing above it can revoke it", ca.Name))
	}
	return s.c.status("", errors.New("nothing to revoke: no CA yet"))
}

func crlStatus(ca string, st *store.CRLState) string {
	if st == nil {
		return "CRL of " + ca + " published"
	}
	return fmt.Sprintf("CRL %s of %s published: %d revoked, %s", st.Number, ca, st.Entries, st.Freshness())
}

// treePrefixes draws the CA tree: "├ " for a child with a later sibling,
// "└ " for the last one, and "│ " under an ancestor whose siblings go on.
func treePrefixes(cas []*store.CA) []string {
	byName := map[string]*store.CA{}
	for _, ca := range cas {
		byName[ca.Name] = ca
	}
	// last[name] is true when no CA after it has the same parent.
	last := map[string]bool{}
	for i, ca := range cas {
		last[ca.Name] = true
		for _, later := range cas[i+1:] {
			if later.Parent == ca.Parent {
				last[ca.Name] = false
				break
			}
		}
	}
	out := make([]string, len(cas))
	for i, ca := range cas {
		if ca.Parent == "" || byName[ca.Parent] == nil {
			continue
		}
		pre := "├ "
		if last[ca.Name] {
			pre = "└ "
		}
		for p := byName[ca.Parent]; p != nil && p.Parent != "" && byName[p.Parent] != nil; p = byName[p.Parent] {
			if last[p.Name] {
				pre = "  " + pre
			} else {
				pre = "│ " + pre
			}
		}
		out[i] = pre
	}
	return out
}

// crlCell says what a relying party gets from the CA's CRL: none, stale,
// or missing revocations that are in the index but not yet published. It
// gives the sentence and a short form for a narrow column.
func crlCell(st *Styles, ca *store.CA, now time.Time) (full, short string, style lipgloss.Style) {
	switch {
	case ca.CRL == nil && ca.Revoked > 0:
		return fmt.Sprintf("none: %s unpublished — press p to publish", plural(ca.Revoked, "revocation")),
			fmt.Sprintf("none: %d unpublished, p", ca.Revoked), st.Problem
	case ca.CRL == nil:
		return "none published", "none published", st.Warning
	case ca.Revoked > ca.CRL.Entries:
		n := ca.Revoked - ca.CRL.Entries
		return fmt.Sprintf("#%s missing %s — press p to publish", ca.CRL.Number, plural(n, "revocation")),
			fmt.Sprintf("#%s missing %d, p", ca.CRL.Number, n), st.Problem
	case ca.Revoked < ca.CRL.Entries:
		n := ca.CRL.Entries - ca.Revoked
		return fmt.Sprintf("#%s lists %d no longer revoked — press p to publish", ca.CRL.Number, n),
			fmt.Sprintf("#%s lists %d too many, p", ca.CRL.Number, n), st.Warning
	}
	full = "#" + ca.CRL.Number + " " + ca.CRL.Freshness()
	switch {
	case ca.CRL.Stale || now.After(ca.CRL.NextUpdate):
		return full, "#" + ca.CRL.Number + " STALE", st.Problem
	case ca.CRL.NextUpdate.Sub(now) < store.CRLWarnBefore:
		// About to lock every client out.
		return full, "#" + ca.CRL.Number + " fresh " + store.Humanize(ca.CRL.ExpiresIn), st.Warning
	}
	return full, full, st.OK
}

func (s *authoritiesScreen) View() string {
	st := s.c.Styles
	cas := s.c.Data.CAs
	hidden := ""
	if n := s.c.Data.HiddenLab; n > 0 {
		hidden = st.Dim.Render(fmt.Sprintf("%s hidden (a on the Lab tab shows them)", plural(n, "lab CA")))
	}
	if len(cas) == 0 && s.c.Data.CAsWaiting {
		return st.Title.Render("Authorities") + "\n\n" + st.Dim.Render("Reading the store…")
	}
	if len(cas) == 0 {
		out := st.Title.Render("Authorities") + "\n\n" +
			"No CA yet. Press n to create a root CA.\n" +
			st.Dim.Render("A root signs intermediates; an intermediate signs servers and clients.")
		if hidden != "" {
			out += "\n\n" + hidden
		}
		return out
	}
	now := s.c.now()
	// An intermediate's own status is in its parent's index.
	revoked := map[string]bool{}
	for _, c := range s.c.Data.Certs {
		if c.Kind == "ca" && c.Status == store.StatusRevoked {
			revoked[c.Name] = true
		}
	}
	prefixes := treePrefixes(cas)
	names := make([]string, len(cas))
	counts := make([]string, len(cas))
	// Each column gets what its widest cell needs; CRL takes the rest.
	nameW, algoW, countW := len("CA"), len("ALGO"), len("VALID/REV/EXP")
	for i, ca := range cas {
		n := prefixes[i] + ca.Name
		if !ca.HasKey {
			n += " (no key)"
		}
		if revoked[ca.Name] {
			n += " (revoked)"
		}
		names[i] = n
		counts[i] = fmt.Sprintf("%d/%d/%d", ca.Valid, ca.Revoked, ca.Expired)
		nameW = max(nameW, ansi.StringWidth(n))
		algoW = max(algoW, ansi.StringWidth(ca.Algorithm))
		countW = max(countW, len(counts[i]))
	}
	nameW = min(nameW, max(16, s.width/3))
	crlW := max(10, s.width-nameW-algoW-caDateW-countW-4)
	header := pad("CA", nameW) + " " + pad("ALGO", algoW) + " " + pad("NOT AFTER", caDateW) + " " +
		pad("VALID/REV/EXP", countW) + " " + pad("CRL", crlW)
	lines := []string{st.Header.Render(truncate(header, s.width))}
	end := min(len(cas), s.offset+s.rows())
	for i := s.offset; i < end; i++ {
		ca := cas[i]
		crl, short, crlStyle := crlCell(st, ca, now)
		if ansi.StringWidth(crl) > crlW {
			crl = short // the sentence is under the table for the selected CA
		}
		date := ca.NotAfter.UTC().Format("2006-01-02")
		dateCell := pad(date, caDateW)
		if now.After(ca.NotAfter) {
			dateCell = st.Problem.Render(dateCell)
		} else if ca.NotAfter.Sub(now) < s.c.soon() {
			dateCell = st.Warning.Render(dateCell)
		}
		row := pad(names[i], nameW) + " " + pad(ca.Algorithm, algoW) + " " + dateCell + " " + pad(counts[i], countW) + " "
		if i == s.cursor {
			lines = append(lines, st.Selected.Render(truncate(row+pad(crl, crlW), s.width)))
			continue
		}
		lines = append(lines, truncate(row+crlStyle.Render(pad(crl, crlW)), s.width))
	}
	if hidden != "" {
		lines = append(lines, hidden)
	}
	if ca := s.selected(); ca != nil {
		lines = append(lines, "")
		lines = append(lines, wrapIndent(st.Dim, "subject: ", displaySubject(ca.Subject), s.width)...)
		if crl, _, _ := crlCell(st, ca, now); ansi.StringWidth(crl) > crlW {
			lines = append(lines, wrapIndent(st.Dim, "CRL: ", crl, s.width)...)
		}
	}
	return strings.Join(lines, "\n")
}

// plural is "1 revocation", "3 revocations".
func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// caDateW is the NOT AFTER column: a date.
const caDateW = 10

func fixedPass(p []byte) store.PassphraseFunc {
	if len(p) == 0 {
		return nil
	}
	return func(string) ([]byte, error) { return p, nil }
}
