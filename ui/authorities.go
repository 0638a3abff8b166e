package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

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
	return []key.Binding{k.Enter, k.NewCA, k.Issue, k.PublishCRL, k.Revoke, k.Import, k.Commands}
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
	case tea.MouseWheelMsg:
		switch msg.Button {
		case tea.MouseWheelDown:
			s.cursor++
		case tea.MouseWheelUp:
			s.cursor--
		}
		s.clamp()
	case tea.KeyPressMsg:
		k := s.c.Keys
		ca := s.selected()
		moved := false
		s.cursor, moved = moveCursor(k, msg, s.cursor, s.rows(), len(s.c.Data.CAs))
		switch {
		case moved:
		case key.Matches(msg, k.Enter):
			if ca != nil {
				return s, s.c.openInspect(ca.Name, "CA "+ca.Name)
			}
		case key.Matches(msg, k.Commands):
			if ca != nil {
				return s, s.c.openDialog(newCommandsDialog(s.c, "Commands for CA "+ca.Name, s.commands()))
			}
		case key.Matches(msg, k.Import):
			return s, s.c.openDialog(newImportForm(s.c))
		case key.Matches(msg, k.NewCA):
			parent := ""
			if ca != nil && ca.HasKey {
				parent = ca.Name
			}
			return s, s.c.openDialog(newCAForm(s.c, parent))
		case key.Matches(msg, k.Issue):
			name := ""
			if ca != nil {
				name = ca.Name
			}
			return s, s.c.openDialog(newIssueForm(s.c, name))
		case key.Matches(msg, k.PublishCRL):
			if ca == nil {
				return s, nil
			}
			if ca.Encrypted {
				return s, s.c.openDialog(newPassphraseDialog(s.c, "CA "+ca.Name+"'s key", func(pass []byte) tea.Cmd {
					s.crlReq = s.c.begin("publish CRL " + ca.Name)
					return publishCRLCmd(s.c.Store, s.crlReq, ca.Name, fixedPass(pass))
				}))
			}
			s.crlReq = s.c.begin("publish CRL " + ca.Name)
			return s, publishCRLCmd(s.c.Store, s.crlReq, ca.Name, nil)
		case key.Matches(msg, k.Revoke):
			if ca != nil && ca.Parent != "" {
				return s, s.c.openDialog(newRevokeDialog(s.c, ca.Parent+"/"+ca.Serial, "CA "+ca.Name, ca.Parent))
			}
			if ca != nil {
				return s, s.c.status("", fmt.Errorf("%s is a root: nothing above it can revoke it", ca.Name))
			}
		}
		s.clamp()
	}
	return s, nil
}

func crlStatus(ca string, st *store.CRLState) string {
	if st == nil {
		return "CRL of " + ca + " published"
	}
	return fmt.Sprintf("CRL %s of %s published: %d revoked, %s", st.Number, ca, st.Entries, st.Freshness())
}

// Column widths of the tree; the subject takes what is left.
const (
	caNameW  = 22
	caAlgoW  = 11
	caDateW  = 10
	caCountW = 13
)

func (s *authoritiesScreen) View() string {
	st := s.c.Styles
	cas := s.c.Data.CAs
	if len(cas) == 0 {
		return st.Title.Render("Authorities") + "\n\n" +
			"No CA yet. Press n to create a root CA.\n" +
			st.Dim.Render("A root signs intermediates; an intermediate signs servers and clients.")
	}
	nameW := max(caNameW, min(34, s.width*3/10))
	crlW := max(10, s.width-nameW-caAlgoW-caDateW-caCountW-4)
	header := pad("CA", nameW) + " " + pad("ALGO", caAlgoW) + " " + pad("NOT AFTER", caDateW) + " " +
		pad("VALID/REV/EXP", caCountW) + " " + pad("CRL", crlW)
	lines := []string{st.Header.Render(truncate(header, s.width))}
	now := s.c.now()
	// An intermediate's own status is in its parent's index.
	revoked := map[string]bool{}
	for _, c := range s.c.Data.Certs {
		if c.Kind == "ca" && c.Status == store.StatusRevoked {
			revoked[c.Name] = true
		}
	}
	end := min(len(cas), s.offset+s.rows())
	for i := s.offset; i < end; i++ {
		ca := cas[i]
		name := strings.Repeat("  ", store.Depth(cas, ca))
		if ca.Parent != "" {
			name += "└ "
		}
		name += ca.Name
		if !ca.HasKey {
			name += " (no key)"
		}
		if revoked[ca.Name] {
			name += " (revoked)"
		}
		counts := fmt.Sprintf("%d/%d/%d", ca.Valid, ca.Revoked, ca.Expired)
		crl := "none published"
		crlStyle := st.Warning
		if ca.CRL != nil {
			crl = "#" + ca.CRL.Number + " " + ca.CRL.Freshness()
			crlStyle = st.OK
			if ca.CRL.Stale || now.After(ca.CRL.NextUpdate) {
				crlStyle = st.Problem
			} else if ca.CRL.NextUpdate.Sub(now) < store.CRLWarnBefore {
				crlStyle = st.Warning // about to lock every client out
			}
		}
		date := ca.NotAfter.UTC().Format("2006-01-02")
		dateCell := pad(date, caDateW)
		if now.After(ca.NotAfter) {
			dateCell = st.Problem.Render(dateCell)
		} else if ca.NotAfter.Sub(now) < s.c.soon() {
			dateCell = st.Warning.Render(dateCell)
		}
		row := pad(name, nameW) + " " + pad(ca.Algorithm, caAlgoW) + " " + dateCell + " " + pad(counts, caCountW) + " "
		if i == s.cursor {
			lines = append(lines, st.Selected.Render(truncate(row+pad(crl, crlW), s.width)))
			continue
		}
		lines = append(lines, truncate(row+crlStyle.Render(pad(crl, crlW)), s.width))
	}
	if ca := s.selected(); ca != nil {
		lines = append(lines, st.Dim.Render(truncate("subject: "+plain(ca.Subject), s.width)))
	}
	return strings.Join(lines, "\n")
}

func fixedPass(p []byte) store.PassphraseFunc {
	if len(p) == 0 {
		return nil
	}
	return func(string) ([]byte, error) { return p, nil }
}
