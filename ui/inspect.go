package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/pkibench/pkibench/pki/inspect"
	"github.com/pkibench/pkibench/probe/equiv"
	"github.com/pkibench/pkibench/store"
)

// inspectScreen is the full-screen Inspect: the openssl-style lines of one
// object, scrollable, styled by severity, explanations on `e`.
type inspectScreen struct {
	c      *Common
	req    reqID // the request this screen waits for; others are stale
	target string
	title  string
	// mark is the Path of the field a probe verdict blames: it is marked
	// and scrolled to.
	mark    string
	doc     *inspectDoc
	err     error
	explain bool
	offset  int
	width   int
	height  int
	lines   []inspectRow // wrapped for the current width and explain state; styled when shown
}

func newInspect(c *Common) *inspectScreen {
	return &inspectScreen{c: c}
}

// openAt starts reading target; any answer to an earlier open is dropped.
func (s *inspectScreen) openAt(target, title, mark string) tea.Cmd {
	s.req = s.c.begin("inspect " + title)
	s.target, s.title, s.mark = target, title, mark
	s.doc, s.err, s.offset, s.lines = nil, nil, 0, nil
	return inspectCmd(s.c.Store, s.req, target, s.c.now(), s.record(target))
}

// show puts a document read elsewhere (a file opened with o) on the
// screen; an answer to an earlier open is dropped.
func (s *inspectScreen) show(title string, doc inspectDoc) {
	s.req = 0
	s.target, s.title, s.mark = doc.Path, title, ""
	s.doc, s.err, s.offset = &doc, nil, 0
	s.render()
}

// bySerial finds the store object with that serial (upper-case hex): a
// CA of the store or a certificate in an index; ok is false when none is.
func (c *Common) bySerial(serial string) (target, title string, ok bool) {
	if serial == "" {
		return "", "", false
	}
	for _, ca := range c.Data.CAs {
		if strings.EqualFold(ca.Serial, serial) {
			return ca.Name, "CA " + ca.Name, true
		}
	}
	for _, x := range c.Data.Certs {
		if x.CA != "" && strings.EqualFold(x.Serial, serial) {
			return certTarget(x), x.Name, true
		}
	}
	return "", "", false
}

// record is the store's entry for target (by CA/SERIAL or name), so the
// read can add its revocation status; nil for what the index does not know.
func (s *inspectScreen) record(target string) *store.Cert {
	for i := range s.c.Data.Certs {
		c := &s.c.Data.Certs[i]
		if c.CA != "" && (certTarget(*c) == target || c.Name == target) {
			rec := *c
			return &rec
		}
	}
	return nil
}

func (s *inspectScreen) SetSize(w, h int) {
	s.width, s.height = w, h
	s.render()
}

func (s *inspectScreen) ShortHelp() []key.Binding {
	k := s.c.Keys
	return []key.Binding{k.Up, k.Down, k.PageDown, k.Explain, k.Commands, k.Back, k.OpenFile}
}

func (s *inspectScreen) Update(msg tea.Msg) (Component, tea.Cmd) {
	switch msg := msg.(type) {
	case inspectedMsg:
		if msg.reqID != s.req {
			return s, nil
		}
		if msg.err != nil {
			s.err = msg.err
			return s, s.c.status("", msg.err)
		}
		s.doc = &msg.doc
		s.render()
		if at, ok := s.markAt(); ok {
			s.offset = 0
			s.scroll(at - 2)
		}
	case tea.KeyPressMsg:
		k := s.c.Keys
		switch {
		case key.Matches(msg, k.OpenFile):
			return s, s.c.openDialog(newOpenFileForm(s.c))
		case key.Matches(msg, k.Commands):
			if s.doc != nil {
				return s, s.c.openDialog(newCommandsDialog(s.c, "The same view with openssl", equiv.Inspect(s.doc.Path, s.doc.Kind, s.doc.DER)))
			}
		case key.Matches(msg, k.Explain):
			s.explain = !s.explain
			s.render()
		case key.Matches(msg, k.Down):
			s.scroll(1)
		case key.Matches(msg, k.Up):
			s.scroll(-1)
		case key.Matches(msg, k.PageDown), msg.String() == "space":
			s.scroll(s.bodyHeight())
		case key.Matches(msg, k.PageUp):
			s.scroll(-s.bodyHeight())
		case key.Matches(msg, k.Home):
			s.offset = 0
		case key.Matches(msg, k.End):
			s.scroll(len(s.lines))
		}
	case tea.MouseWheelMsg:
		switch msg.Button {
		case tea.MouseWheelDown:
			s.scroll(3)
		case tea.MouseWheelUp:
			s.scroll(-3)
		}
	}
	return s, nil
}

func (s *inspectScreen) bodyHeight() int { return max(1, s.height-1) }

func (s *inspectScreen) scroll(d int) {
	s.offset = max(0, min(s.offset+d, len(s.lines)-s.bodyHeight()))
}

// inspectRow is one screen line of the document: its text, and the style
// it is drawn with when it is on screen (nil: the text is drawn as it is,
// already styled). Only the visible rows are styled: a CRL of 300,000
// entries has 1.7 million lines, and styling every one on each width or
// explain change took seconds.
type inspectRow struct {
	text  string
	style *lipgloss.Style
}

func styled(lines []string) []inspectRow {
	out := make([]inspectRow, len(lines))
	for i, l := range lines {
		out[i] = inspectRow{text: l}
	}
	return out
}

func (r inspectRow) draw() string {
	if r.style == nil {
		return r.text
	}
	return r.style.Render(r.text)
}

// render wraps the document once per change, so scrolling only slices.
func (s *inspectScreen) render() {
	if s.doc == nil {
		s.lines = nil
		return
	}
	st := s.c.Styles
	var out []inspectRow
	if cs := s.doc.Status; cs != nil {
		out = append(out, styled(s.statusLines(cs))...)
	}
	d := s.doc.Doc
	for _, sec := range d.Sections {
		for _, f := range sec.Fields {
			out = s.appendFieldLines(out, f)
		}
	}
	var tail []string
	if len(s.doc.Chain) > 0 {
		tail = append(tail, s.chainLines()...)
	}
	if fp := d.Fingerprints; fp != nil {
		tail = append(tail, "", st.Label.Render("SHA-256 Fingerprint:"))
		tail = append(tail, wrapIndent(lipgloss.NewStyle(), "    ", fp.SHA256, s.width)...)
		tail = append(tail, st.Label.Render("SHA-1 Fingerprint:"))
		tail = append(tail, wrapIndent(lipgloss.NewStyle(), "    ", fp.SHA1, s.width)...)
	}
	var lints []inspect.Finding
	for _, f := range d.Findings() {
		if f.Source != "" {
			lints = append(lints, f)
		}
	}
	if len(lints) > 0 {
		tail = append(tail, "", st.Label.Render(fmt.Sprintf("Lints (%s):", lints[0].Source)))
		for _, f := range lints {
			tail = append(tail, wrapIndent(severityStyle(st, f.Severity), "    "+string(f.Severity)+" ", f.Message, s.width)...)
		}
	}
	if d.PEM != "" {
		tail = append(tail, "")
		tail = append(tail, strings.Split(strings.TrimRight(d.PEM, "\n"), "\n")...)
	}
	s.lines = append(out, styled(tail)...)
	s.scroll(0)
}

// statusLines renders the store's word on the certificate (state and CRL)
// above the document, followed by a blank line.
func (s *inspectScreen) statusLines(cs *certStatus) []string {
	st := s.c.Styles
	var out []string
	style := st.OK
	state := cs.State
	switch cs.State {
	case "revoked":
		style = st.Problem
		state += fmt.Sprintf(" (%s) since %s by %s", cs.Reason, cs.Since.UTC().Format("2006-01-02 15:04Z"), cs.CA)
	case "on hold":
		style = st.Warning
		state += fmt.Sprintf(" (certificateHold) since %s by %s; r on Certificates releases it", cs.Since.UTC().Format("2006-01-02 15:04Z"), cs.CA)
	case "expired":
		style = st.Problem
		state += " since " + cs.Since.UTC().Format("2006-01-02 15:04Z")
	}
	out = append(out, wrapIndent(style, "Status: ", state, s.width)...)
	crlStyle := st.Dim
	if cs.Unpublished {
		crlStyle = st.Warning
	}
	out = append(out, wrapIndent(crlStyle, "CRL:    ", cs.CRL, s.width)...)
	out = append(out, "")
	return out
}

// appendFieldLines adds one field's lines, wrapped to the width, styled by
// severity or marked, and its finding and explanation when they are on.
func (s *inspectScreen) appendFieldLines(out []inspectRow, f inspect.Field) []inspectRow {
	st := s.c.Styles
	style := severityStyle(st, f.Severity)
	marked := s.mark != "" && f.Path == s.mark
	first, seen := "", false
	for l := range f.AllLines() {
		if !seen {
			first, seen = l, true
		}
		l = plain(l)
		if marked {
			l = markLine(l)
		}
		if !marked && len(l) <= s.width && printableASCII(l) {
			out = append(out, inspectRow{l, &style}) // wrapLine's answer, without its slice
			continue
		}
		for _, p := range wrapLine(l, s.width) {
			if marked {
				out = append(out, inspectRow{p, &st.Selected})
				continue
			}
			out = append(out, inspectRow{p, &style})
		}
	}
	if s.explain {
		indent := leadingSpaces(first) + "  "
		if f.Finding != "" {
			out = append(out, styled(wrapIndent(style, indent+"! ", f.Finding, s.width))...)
		}
		if f.Explain != "" {
			out = append(out, styled(wrapIndent(st.Dim, indent+"» ", f.Explain, s.width))...)
		}
	}
	return out
}

// chainLines renders the chain from the leaf up, each link with its
// status; the leaf also carries the store's state when it is not valid.
func (s *inspectScreen) chainLines() []string {
	st := s.c.Styles
	out := []string{"", st.Label.Render("Chain (leaf first):")}
	for i, l := range s.doc.Chain {
		style := st.OK
		status := string(l.Status)
		if l.Status != inspect.LinkOK && l.Status != inspect.LinkSelfSigned {
			style = st.Problem
		}
		if cs := s.doc.Status; i == 0 && cs != nil && cs.State != "valid" {
			// The chain verifies; the issuer has withdrawn it.
			status += ", " + cs.State
			style = st.Problem
		}
		out = append(out, wrapIndent(style, fmt.Sprintf("%s%d: ", strings.Repeat("  ", i+1), i), fmt.Sprintf("%s  [%s]", l.Subject, status), s.width)...)
		if l.Detail != "" {
			out = append(out, wrapIndent(st.Dim, strings.Repeat("  ", i+2)+"   ", l.Detail, s.width)...)
		}
	}
	return out
}

func (s *inspectScreen) View() string {
	st := s.c.Styles
	head := "Inspect " + s.title
	if s.doc != nil && s.doc.Title != "" {
		head += ": " + s.doc.Title
	}
	mode := "  e: explanations off"
	if s.explain {
		mode = "  e: explanations on"
	}
	header := st.Title.Render(truncate(head, s.width-len(mode))) + st.Dim.Render(mode)
	var body string
	switch {
	case s.target == "":
		body = st.Dim.Render("Press enter on a CA or a certificate to inspect it.")
	case s.err != nil:
		body = st.Error.Render(plain(s.err.Error()))
	case s.doc == nil:
		body = st.Dim.Render("reading " + s.title + " …")
	default:
		end := min(len(s.lines), s.offset+s.bodyHeight())
		vis := make([]string, 0, end-s.offset)
		for _, l := range s.lines[s.offset:end] {
			vis = append(vis, truncate(l.draw(), s.width))
		}
		body = strings.Join(vis, "\n")
	}
	return header + "\n" + body
}

// markLine puts an arrow in the indentation of a blamed field's line.
func markLine(l string) string {
	if strings.HasPrefix(l, "  ") {
		return "▶" + l[1:]
	}
	return "▶ " + l
}

// markAt is the first rendered line of the marked field.
func (s *inspectScreen) markAt() (int, bool) {
	for i, l := range s.lines {
		if strings.Contains(l.text, "▶") {
			return i, true
		}
	}
	return 0, false
}

func severityStyle(st *Styles, sev inspect.Severity) lipgloss.Style {
	switch sev {
	case inspect.SeverityNote:
		return st.Note
	case inspect.SeverityWarning:
		return st.Warning
	case inspect.SeverityProblem:
		return st.Problem
	}
	return lipgloss.NewStyle()
}

func leadingSpaces(s string) string {
	return s[:len(s)-len(strings.TrimLeft(s, " "))]
}
