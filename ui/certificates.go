package ui

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/pkibench/pkibench/pki"
	"github.com/pkibench/pkibench/store"
)

// certColumn is a sortable column of the Certificates table.
type certColumn int

const (
	colName certColumn = iota
	colSubject
	colCA
	colProfile
	colNotAfter
	colStatus
	numCols
)

var colTitles = [numCols]string{"NAME", "SUBJECT", "CA", "PROFILE", "NOT AFTER", "STATUS"}

// certificatesScreen is the filterable, sortable table. It keeps an index
// into Common's certificate slice (never a copy of it) and draws only the
// rows on screen, so 100,000 certificates cost a few dozen rows per frame.
type certificatesScreen struct {
	c       *Common
	gen     int      // Data.Gen the index was built from
	hay     []string // lower-cased name, subject and CA per certificate
	index   []int    // visible certificates, filtered and sorted
	sortBy  certColumn
	desc    bool
	filter  textinput.Model
	editing bool
	cursor  int
	offset  int
	width   int
	height  int
	// need is each column's widest cell, measured when the list changes.
	need [numCols]int
}

func newCertificates(c *Common) *certificatesScreen {
	ti := newInput()
	ti.Prompt = "/"
	ti.Placeholder = "filter by name, subject or CA"
	ti.CharLimit = 128
	return &certificatesScreen{c: c, filter: ti, sortBy: colName}
}

func (s *certificatesScreen) SetSize(w, h int) {
	s.width, s.height = w, h
	s.filter.SetWidth(max(10, w-4))
	s.clamp()
}

func (s *certificatesScreen) ShortHelp() []key.Binding {
	k := s.c.Keys
	if s.editing {
		return []key.Binding{key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "keep filter")), key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear filter"))}
	}
	b := []key.Binding{k.Enter}
	if s.filter.Value() != "" {
		b = append(b, key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear filter")))
	}
	return append(b, k.Filter, k.Issue, k.Revoke, k.Export, k.Sort, k.Import, k.SignCSR)
}

// Capturing reports whether typed keys belong to the filter input.
func (s *certificatesScreen) Capturing() bool { return s.editing }

func (s *certificatesScreen) selected() (store.Cert, bool) {
	if s.cursor < 0 || s.cursor >= len(s.index) {
		return store.Cert{}, false
	}
	return s.c.Data.Certs[s.index[s.cursor]], true
}

// rows is how many table rows fit: the body minus header and filter line.
func (s *certificatesScreen) rows() int { return max(1, s.height-2) }

func (s *certificatesScreen) clamp() {
	n := len(s.index)
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

// rebuild takes the new haystack (made with the list, in its Cmd) and
// recomputes the index.
func (s *certificatesScreen) rebuild() {
	if s.gen != s.c.Data.Gen || len(s.hay) != len(s.c.Data.Certs) {
		s.gen = s.c.Data.Gen
		s.measure()
		s.hay = s.c.Data.Hay
		if len(s.hay) != len(s.c.Data.Certs) {
			s.hay = haystack(s.c.Data.Certs)
		}
	}
	s.applyFilter()
}

// haystack is what the filter searches: the columns on screen (name,
// subject as shown, CA, profile), nothing hidden, so a match is always
// visible in its row.
func haystack(certs []store.Cert) []string {
	hay := make([]string, len(certs))
	for i, c := range certs {
		hay[i] = strings.ToLower(c.Name + "\x00" + displaySubject(c.Subject) + "\x00" + c.CA + "\x00" + c.Profile)
	}
	return hay
}

// displayWidth is displaySubject's width without building it: "/" becomes
// ", " and "=" becomes " = " (cheap enough for 100,000 rows per reload).
func displayWidth(s string) int {
	if !strings.HasPrefix(s, "/") {
		return len(s)
	}
	n, eq := len(s)-2, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '=':
			eq++
		case '/':
			n++
		}
	}
	return n + 2*eq
}

// displaySubject writes a subject the one way the TUI shows subjects, as
// openssl does by default ("CN = x, O = y"); the index keeps openssl's
// "/CN=x/O=y", which is turned around here.
func displaySubject(s string) string {
	if !strings.HasPrefix(s, "/") {
		return s
	}
	if !strings.ContainsAny(s, "\\,+\"<>;#") {
		// The common case, built directly: the filter's haystack holds
		// 100,000 of these.
		var b strings.Builder
		for i, part := range strings.Split(s[1:], "/") {
			k, v, ok := strings.Cut(part, "=")
			if !ok || k == "" {
				return slowDisplaySubject(s)
			}
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(k + " = " + v)
		}
		return b.String()
	}
	return slowDisplaySubject(s)
}

func slowDisplaySubject(s string) string {
	n, err := pki.ParseSubject(s)
	if err != nil {
		return s
	}
	return pki.FormatName(n)
}

func (s *certificatesScreen) applyFilter() {
	q := strings.ToLower(strings.TrimSpace(s.filter.Value()))
	s.index = s.index[:0]
	for i, h := range s.hay {
		if q == "" || strings.Contains(h, q) {
			s.index = append(s.index, i)
		}
	}
	s.sort()
}

func (s *certificatesScreen) sort() {
	certs := s.c.Data.Certs
	by, desc := s.sortBy, s.desc
	slices.SortStableFunc(s.index, func(a, b int) int {
		x, y := &certs[a], &certs[b]
		var r int
		switch by {
		case colSubject:
			r = cmp.Compare(x.Subject, y.Subject)
		case colCA:
			r = cmp.Compare(x.CA, y.CA)
		case colProfile:
			r = cmp.Compare(x.Profile, y.Profile)
		case colNotAfter:
			r = x.NotAfter.Compare(y.NotAfter)
		case colStatus:
			r = cmp.Compare(x.Status, y.Status)
		}
		if r == 0 {
			r = cmp.Compare(x.Name, y.Name)
		}
		if desc {
			r = -r
		}
		return r
	})
	s.clamp()
}

func (s *certificatesScreen) Update(msg tea.Msg) (Component, tea.Cmd) {
	switch msg := msg.(type) {
	case dataChangedMsg:
		s.rebuild()
		return s, nil
	case tea.PasteMsg:
		if s.editing {
			var cmd tea.Cmd
			s.filter, cmd = s.filter.Update(msg)
			s.cursor, s.offset = 0, 0
			s.applyFilter()
			return s, cmd
		}
	case bodyClickMsg:
		// Row 0 is the filter line, row 1 the header.
		if !s.editing && msg.y >= 2 && s.offset+msg.y-2 < len(s.index) {
			s.cursor = s.offset + msg.y - 2
			s.clamp()
		}
		return s, nil
	case tea.MouseWheelMsg:
		switch msg.Button {
		case tea.MouseWheelDown:
			s.cursor += 3
		case tea.MouseWheelUp:
			s.cursor -= 3
		}
		s.clamp()
		return s, nil
	case tea.KeyPressMsg:
		if s.editing {
			return s.updateFilter(msg)
		}
		if cmd, done := s.onKey(msg); done {
			return s, cmd
		}
		s.clamp()
	}
	return s, nil
}

// onKey acts on a key outside the filter line; done is false when the key
// only moved the cursor, re-sorted or did nothing, and the cursor is to be
// clamped.
func (s *certificatesScreen) onKey(msg tea.KeyPressMsg) (cmd tea.Cmd, done bool) {
	k := s.c.Keys
	moved := false
	s.cursor, moved = moveCursor(k, msg, s.cursor, s.rows(), len(s.index))
	switch {
	case moved:
	case key.Matches(msg, k.Back) && s.filter.Value() != "":
		s.filter.SetValue("")
		s.cursor, s.offset = 0, 0
		s.applyFilter()
		return s.c.status("filter cleared", nil), true
	case key.Matches(msg, k.Filter):
		s.editing = true
		return s.filter.Focus(), true
	case key.Matches(msg, k.Sort):
		s.sortBy = (s.sortBy + 1) % numCols
		s.sort()
	case key.Matches(msg, k.Reverse):
		s.desc = !s.desc
		s.sort()
	case key.Matches(msg, k.Enter):
		if c, ok := s.selected(); ok {
			return s.c.openInspect(certTarget(c), c.Name), true
		}
	default:
		return s.onActionKey(msg)
	}
	return nil, false
}

// onActionKey opens the dialog of an action key (import, export, sign,
// issue, revoke); done is false for any other key.
func (s *certificatesScreen) onActionKey(msg tea.KeyPressMsg) (cmd tea.Cmd, done bool) {
	k := s.c.Keys
	switch {
	case key.Matches(msg, k.Import):
		return s.c.openDialog(newImportForm(s.c)), true
	case key.Matches(msg, k.Export):
		if c, ok := s.selected(); ok {
			return s.c.openDialog(newExportForm(s.c, c.Name, c.Name)), true
		}
		return s.c.status("", s.nothing("export")), true
	case key.Matches(msg, k.OpenFile):
		return s.c.openDialog(newOpenFileForm(s.c)), true
	case key.Matches(msg, k.SignCSR):
		return s.c.openDialog(newSignForm(s.c, s.selectedCA())), true
	case key.Matches(msg, k.Issue):
		return s.c.openDialog(newIssueForm(s.c, s.selectedCA())), true
	case key.Matches(msg, k.Revoke):
		return s.revokeSelected(), true
	}
	return nil, false
}

// selectedCA is the CA of the selected certificate, "" for none.
func (s *certificatesScreen) selectedCA() string {
	if c, ok := s.selected(); ok {
		return c.CA
	}
	return ""
}

// revokeSelected opens the revoke dialog for the selected certificate, or
// the release dialog for one on hold, or says why it cannot.
func (s *certificatesScreen) revokeSelected() tea.Cmd {
	c, ok := s.selected()
	if !ok {
		return s.c.status("", s.nothing("revoke"))
	}
	if c.CA == "" {
		return s.c.status("", errNotRevocable(c.Name))
	}
	if c.Status == store.StatusRevoked {
		if c.Reason == "certificateHold" {
			return s.c.openDialog(newReleaseDialog(s.c, certTarget(c), c.Name, c.CA))
		}
		return s.c.status("", fmt.Errorf("%s is already revoked (%s, %s): only a hold can be released",
			c.Name, c.RevokedAt.UTC().Format("2006-01-02"), c.Reason))
	}
	return s.c.openDialog(newRevokeDialog(s.c, certTarget(c), c.Name, c.CA))
}

func (s *certificatesScreen) updateFilter(msg tea.KeyPressMsg) (Component, tea.Cmd) {
	switch msg.String() {
	case "enter":
		s.editing = false
		s.filter.Blur()
		return s, nil
	case "esc":
		s.editing = false
		s.filter.Blur()
		s.filter.SetValue("")
		s.applyFilter()
		return s, nil
	}
	before := s.filter.Value()
	var cmd tea.Cmd
	s.filter, cmd = s.filter.Update(msg)
	if s.filter.Value() != before {
		s.cursor, s.offset = 0, 0
		s.applyFilter()
	}
	return s, cmd
}

// nothing says why a key that acts on the selected row did nothing.
func (s *certificatesScreen) nothing(verb string) error {
	if len(s.c.Data.Certs) == 0 {
		return fmt.Errorf("nothing to %s: no certificates yet (i issues one)", verb)
	}
	return fmt.Errorf("nothing to %s: no certificate matches the filter (esc clears it)", verb)
}

// certTarget names a certificate for Revoke and TargetFile: CA/SERIAL is
// unique even when names are reused across CAs.
func certTarget(c store.Cert) string {
	if c.CA != "" && c.Serial != "" {
		return c.CA + "/" + c.Serial
	}
	return c.Name
}

type notRevocableError struct{ name string }

func (e *notRevocableError) Error() string {
	return e.name + " was not issued by a CA in this store: only its issuer can revoke it"
}

func errNotRevocable(name string) error { return &notRevocableError{name: name} }

// columnWidths gives each column what its longest cell needs first (capped
// so one odd name cannot take the row), the subject what is left, and any
// room still left to the subject up to its need.
func (s *certificatesScreen) columnWidths() [numCols]int {
	need := s.need
	gaps := int(numCols) - 1
	w := [numCols]int{
		min(need[colName], 28), 0, min(need[colCA], 24), min(need[colProfile], 16),
		need[colNotAfter], need[colStatus],
	}
	fixed := gaps
	for i, x := range w {
		if certColumn(i) != colSubject {
			fixed += x
		}
	}
	w[colSubject] = max(12, min(need[colSubject], s.width-fixed))
	// Too narrow: the name and CA give way, down to their titles.
	for over := fixed + w[colSubject] - s.width; over > 0; over-- {
		switch {
		case w[colName] >= w[colCA] && w[colName] > 8:
			w[colName]--
		case w[colCA] > 6:
			w[colCA]--
		case w[colSubject] > 8:
			w[colSubject]--
		default:
			over = 0
		}
	}
	return w
}

// measure finds what each column needs, over every certificate, when the
// list changes (not per frame). It runs in Update on 100,000 rows, so it
// counts bytes (store names are ASCII) and never builds a cell.
func (s *certificatesScreen) measure() {
	var need [numCols]int
	for i, t := range colTitles {
		need[i] = ansi.StringWidth(t) + 1 // room for the sort arrow
	}
	need[colNotAfter] = max(need[colNotAfter], 10)
	now, soon := s.c.now(), s.c.soon()
	for i := range s.c.Data.Certs {
		c := &s.c.Data.Certs[i]
		need[colName] = max(need[colName], len(c.Name))
		need[colCA] = max(need[colCA], len(c.CA))
		need[colProfile] = max(need[colProfile], len(c.Profile))
		need[colSubject] = max(need[colSubject], displayWidth(c.Subject))
		switch {
		case c.Status == store.StatusRevoked, c.Status == store.StatusExpired:
			need[colStatus] = max(need[colStatus], len("revoked"))
		case c.NotAfter.Sub(now) < soon:
			need[colStatus] = max(need[colStatus], len("expires 29d"))
		}
	}
	s.need = need
}

func (s *certificatesScreen) View() string {
	st := s.c.Styles
	var b strings.Builder
	// The filter line: the input while editing, else a summary.
	switch {
	case s.editing:
		b.WriteString(s.filter.View())
	case s.filter.Value() != "":
		b.WriteString(st.Dim.Render(truncate("/"+s.filter.Value()+"  ", s.width/2)) + st.Dim.Render(countLine(len(s.index), len(s.c.Data.Certs))+"   esc clears the filter"))
	case s.c.Data.CertsWaiting && len(s.c.Data.Certs) == 0:
		b.WriteString(st.Dim.Render("reading certificates…"))
	default:
		b.WriteString(st.Dim.Render(countLine(len(s.index), len(s.c.Data.Certs)) + "   / filter   s sort   S reverse"))
	}
	b.WriteByte('\n')
	widths := s.columnWidths()
	order := [numCols]certColumn{colName, colSubject, colCA, colProfile, colNotAfter, colStatus}
	var head strings.Builder
	for i, col := range order {
		t := colTitles[col]
		if col == s.sortBy {
			t += map[bool]string{false: "↑", true: "↓"}[s.desc]
		}
		if i > 0 {
			head.WriteByte(' ')
		}
		head.WriteString(pad(t, widths[col]))
	}
	b.WriteString(st.Header.Render(truncate(head.String(), s.width)))
	if len(s.c.Data.Certs) == 0 && s.c.Data.CertsWaiting {
		b.WriteString("\n\n" + st.Dim.Render("Reading the store…"))
		return b.String()
	}
	if len(s.c.Data.Certs) == 0 {
		b.WriteString("\n\nNo certificates yet. Press i to issue one (create a CA first on tab 1).")
		return b.String()
	}
	now := s.c.now()
	soon := s.c.soon()
	end := min(len(s.index), s.offset+s.rows())
	for r := s.offset; r < end; r++ {
		c := &s.c.Data.Certs[s.index[r]]
		b.WriteByte('\n')
		state, style := certState(st, c, now, soon)
		row := pad(c.Name, widths[colName]) + " " + pad(displaySubject(c.Subject), widths[colSubject]) + " " + pad(c.CA, widths[colCA]) + " " +
			pad(c.Profile, widths[colProfile]) + " " + pad(c.NotAfter.UTC().Format("2006-01-02"), widths[colNotAfter]) + " "
		if r == s.cursor {
			b.WriteString(st.Selected.Render(truncate(row+pad(state, widths[colStatus]), s.width)))
			continue
		}
		b.WriteString(truncate(row+style.Render(pad(state, widths[colStatus])), s.width))
	}
	return b.String()
}

func countLine(shown, total int) string {
	if shown == total {
		return itoa(total) + " certificates"
	}
	return itoa(shown) + " of " + itoa(total) + " certificates"
}

// certState is the status cell: revoked and expired as the index says, and
// a valid certificate close to its end marked as expiring.
func certState(st *Styles, c *store.Cert, now time.Time, soon time.Duration) (string, lipgloss.Style) {
	switch {
	case c.Status == store.StatusRevoked && c.Reason == "certificateHold":
		return "on hold", st.Warning
	case c.Status == store.StatusRevoked:
		return "revoked", st.Problem
	case c.Status == store.StatusExpired || now.After(c.NotAfter):
		return "expired", st.Problem
	case c.NotAfter.Sub(now) < soon:
		left := c.NotAfter.Sub(now)
		if left >= 24*time.Hour {
			return "expires " + itoa(int(left/(24*time.Hour))) + "d", st.Warning
		}
		return "expires " + store.Humanize(left), st.Warning
	}
	return "valid", st.OK
}
