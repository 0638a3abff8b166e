package ui

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/pkibench/pkibench/probe"
)

const (
	noClientCert = "none"
	ownRoot      = "own root"
)

// Probe screen fields, in display order.
const (
	pfClient = iota
	pfServer
	pfServerTrust
	pfClientTrust
	pfAuth
	pfCRL
	pfName
	pfVersion
	pfAt
	numProbeFields
)

var probeLabels = [numProbeFields]string{"Client", "Server", "Server trusts", "Client trusts", "Client auth", "CRL check", "Server name", "TLS version", "Verify at"}

// probeScreen is the config on the left and the verdict on the right.
type probeScreen struct {
	c       *Common
	focus   int
	choices [numProbeFields][]string
	picked  [numProbeFields]string
	touched [numProbeFields]bool
	name    textinput.Model
	req     reqID
	running bool
	res     *probe.Result
	matrix  []matrixRow // shown instead of res after a matrix run
	err     error
	scroll  int
	width   int
	height  int
}

func newProbe(c *Common) *probeScreen {
	ti := newInput()
	ti.Prompt = ""
	ti.SetValue("localhost")
	ti.CharLimit = 253
	s := &probeScreen{c: c, name: ti}
	auth := make([]string, len(probe.AuthModes))
	for i, m := range probe.AuthModes {
		auth[i] = string(m)
	}
	s.choices[pfAuth] = auth
	s.picked[pfAuth] = string(probe.AuthRequireAndVerify)
	s.choices[pfCRL] = []string{"off", "on"}
	s.picked[pfCRL] = "off"
	s.choices[pfVersion] = []string{"default", "1.2", "1.3"}
	s.picked[pfVersion] = "default"
	// The verification time, so expiry shows without waiting (--at).
	s.choices[pfAt] = []string{"now", "+30d", "+1y", "+2y", "+5y", "+11y", "-1d"}
	s.picked[pfAt] = "now"
	s.refreshChoices()
	return s
}

func (s *probeScreen) SetSize(w, h int) {
	s.width, s.height = w, h
	s.name.SetWidth(max(8, s.leftWidth()-18))
}

func (s *probeScreen) leftWidth() int { return min(46, max(40, s.width*2/5)) }

func (s *probeScreen) ShortHelp() []key.Binding {
	k := s.c.Keys
	return []key.Binding{k.Run, k.Up, k.Down, key.NewBinding(key.WithKeys("left", "right"), key.WithHelp("←/→", "change")),
		key.NewBinding(key.WithKeys("M"), key.WithHelp("M", "matrix")),
		key.NewBinding(key.WithKeys("v"), key.WithHelp("v", "inspect blamed")), k.Commands, k.PageDown}
}

// Capturing is true while the server name is being typed.
func (s *probeScreen) Capturing() bool { return s.focus == pfName }

// refreshChoices rebuilds the identity and CA lists from the store data,
// keeping what was picked when it still exists.
func (s *probeScreen) refreshChoices() {
	var leaves []string
	for _, c := range s.c.Data.Certs {
		if c.Kind == "ca" {
			continue
		}
		leaves = append(leaves, c.Name)
	}
	slices.Sort(leaves)
	leaves = slices.Compact(leaves)
	var cas []string
	for _, ca := range s.c.Data.CAs {
		cas = append(cas, ca.Name)
	}
	s.choices[pfClient] = append([]string{noClientCert}, leaves...)
	s.choices[pfServer] = leaves
	s.choices[pfServerTrust] = append([]string{ownRoot}, cas...)
	s.choices[pfClientTrust] = append([]string{ownRoot}, cas...)
	keep := func(f int, prefer string) {
		for _, v := range s.choices[f] {
			// A pick the user made stays while it exists; an automatic
			// one follows the data (a client issued after the server).
			if v == s.picked[f] && s.touched[f] {
				return
			}
		}
		s.picked[f] = ""
		for _, v := range s.choices[f] {
			if prefer != "" && strings.Contains(v, prefer) {
				s.picked[f] = v
				return
			}
		}
		if len(s.choices[f]) > 0 {
			s.picked[f] = s.choices[f][0]
		}
	}
	keep(pfClient, "client")
	keep(pfServer, "server")
	keep(pfServerTrust, "")
	keep(pfClientTrust, "")
}

func (s *probeScreen) cycle(f, d int) {
	ch := s.choices[f]
	if len(ch) == 0 {
		return
	}
	i := 0
	for j, v := range ch {
		if v == s.picked[f] {
			i = j
		}
	}
	s.picked[f] = ch[((i+d)%len(ch)+len(ch))%len(ch)]
	s.touched[f] = true
}

func (s *probeScreen) request() (probeRequest, error) {
	r := probeRequest{Server: s.picked[pfServer], ServerName: strings.TrimSpace(s.name.Value()), CRL: s.picked[pfCRL] == "on"}
	if s.picked[pfClient] != noClientCert {
		r.Client = s.picked[pfClient]
	}
	if v := s.picked[pfServerTrust]; v != ownRoot {
		r.ServerTrust = v
	}
	if v := s.picked[pfClientTrust]; v != ownRoot {
		r.ClientTrust = v
	}
	var err error
	if r.Auth, err = probe.ParseAuthMode(s.picked[pfAuth]); err != nil {
		return r, err
	}
	if v := s.picked[pfVersion]; v != "default" {
		if r.Version, err = probe.ParseVersion(v); err != nil {
			return r, err
		}
	}
	if r.Server == "" {
		return r, fmt.Errorf("no server identity: issue a server certificate first (tab 2, i)")
	}
	return r, nil
}

func (s *probeScreen) run() tea.Cmd {
	r, err := s.request()
	if err != nil {
		s.err = err
		return nil
	}
	s.req = s.c.begin("probe " + r.Client + " → " + r.Server)
	s.running, s.err, s.scroll = true, nil, 0
	return probeCmd(s.c.ctx, s.c.Store, s.c.Opts.Probe, s.req, r, shiftTime(s.c.now(), s.picked[pfAt]))
}

// runMatrix probes every client identity (and none) against the server.
func (s *probeScreen) runMatrix() tea.Cmd {
	r, err := s.request()
	if err != nil {
		s.err = err
		return nil
	}
	var clients []string
	for _, v := range s.choices[pfClient] {
		if v == noClientCert {
			v = ""
		}
		clients = append(clients, v)
	}
	s.req = s.c.begin(fmt.Sprintf("matrix: %d clients → %s", len(clients), r.Server))
	s.running, s.err, s.scroll = true, nil, 0
	return matrixCmd(s.c.ctx, s.c.Store, s.c.Opts.Matrix, s.req, r, clients, shiftTime(s.c.now(), s.picked[pfAt]))
}

func (s *probeScreen) Update(msg tea.Msg) (Component, tea.Cmd) {
	switch msg := msg.(type) {
	case matrixDoneMsg:
		if msg.reqID != s.req {
			return s, nil
		}
		s.running, s.res, s.matrix = false, nil, msg.rows
		accepted := 0
		for _, r := range msg.rows {
			if r.Err == nil && r.Result.OK() {
				accepted++
			}
		}
		return s, s.c.status(fmt.Sprintf("matrix: %d of %d clients accepted", accepted, len(msg.rows)), nil)
	case dataChangedMsg:
		s.refreshChoices()
	case probeDoneMsg:
		if msg.reqID != s.req {
			return s, nil
		}
		s.running = false
		if msg.err != nil {
			s.err, s.res = msg.err, nil
			return s, s.c.status("", msg.err)
		}
		res := msg.res
		s.res, s.matrix = &res, nil
		return s, s.c.status(fmt.Sprintf("probe: %s %s", res.Verdict, res.Reason), nil)
	case tea.MouseWheelMsg:
		switch msg.Button {
		case tea.MouseWheelDown:
			s.scroll += 3
		case tea.MouseWheelUp:
			s.scroll = max(0, s.scroll-3)
		}
	case tea.KeyPressMsg:
		return s.key(msg)
	}
	if s.focus == pfName {
		var cmd tea.Cmd
		s.name, cmd = s.name.Update(msg)
		return s, cmd
	}
	return s, nil
}

func (s *probeScreen) setFocus(f int) tea.Cmd {
	s.focus = (f%numProbeFields + numProbeFields) % numProbeFields
	if s.focus == pfName {
		return s.name.Focus()
	}
	s.name.Blur()
	return nil
}

func (s *probeScreen) key(msg tea.KeyPressMsg) (Component, tea.Cmd) {
	k := msg.String()
	switch k {
	case "enter":
		return s, s.run()
	case "up":
		return s, s.setFocus(s.focus - 1)
	case "down":
		return s, s.setFocus(s.focus + 1)
	case "pgdown":
		s.scroll += max(1, s.height-2)
		return s, nil
	case "pgup":
		s.scroll = max(0, s.scroll-max(1, s.height-2))
		return s, nil
	}
	if s.focus == pfName {
		switch k {
		case "tab":
			return s, s.c.post(switchTabMsg{delta: 1})
		case "shift+tab":
			return s, s.c.post(switchTabMsg{delta: -1})
		case "esc":
			return s, s.setFocus(pfClient)
		}
		var cmd tea.Cmd
		s.name, cmd = s.name.Update(msg)
		return s, cmd
	}
	switch k {
	case "k":
		return s, s.setFocus(s.focus - 1)
	case "j":
		return s, s.setFocus(s.focus + 1)
	case "left", "h":
		s.cycle(s.focus, -1)
	case "right", "l", "space":
		s.cycle(s.focus, 1)
	case "M":
		return s, s.runMatrix()
	case "c":
		cmds, err := s.commands()
		if err != nil {
			s.err = err
			return s, nil
		}
		return s, s.c.openDialog(newCommandsDialog(s.c, "The same handshake with openssl, curl and Node.js", cmds))
	case "v":
		if s.res != nil {
			who := s.picked[pfServer]
			if strings.HasPrefix(string(s.res.Reason), "client-") && s.picked[pfClient] != noClientCert {
				who = s.picked[pfClient]
			}
			field := ""
			if len(s.res.Evidence) > 0 {
				field = s.res.Evidence[0].Field
			}
			return s, s.c.openInspectAt(who, who, field)
		}
	}
	return s, nil
}

func (s *probeScreen) View() string {
	lw := s.leftWidth()
	left := s.configView(lw)
	rw := max(10, s.width-lw-3)
	right := s.verdictLines(rw)
	h := s.height
	s.scroll = max(0, min(s.scroll, len(right)-h))
	if s.scroll < len(right) {
		right = right[s.scroll:]
	}
	if len(right) > h {
		right = right[:h]
	}
	ll := strings.Split(left, "\n")
	var b strings.Builder
	for i := 0; i < h; i++ {
		var l, r string
		if i < len(ll) {
			l = ll[i]
		}
		if i < len(right) {
			r = right[i]
		}
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(padStyled(l, lw))
		b.WriteString(" " + s.c.Styles.Dim.Render("│") + " ")
		b.WriteString(truncate(r, rw))
	}
	return b.String()
}

// padStyled pads a styled string to w cells.
func padStyled(s string, w int) string {
	s = truncate(s, w)
	return s + strings.Repeat(" ", max(0, w-lipgloss.Width(s)))
}

func (s *probeScreen) configView(w int) string {
	st := s.c.Styles
	lines := []string{st.Title.Render("Handshake"), ""}
	for f := 0; f < numProbeFields; f++ {
		label := pad(probeLabels[f], 14)
		var val string
		if f == pfName {
			val = s.name.View()
		} else {
			val = s.picked[f]
			if val == "" {
				val = st.Dim.Render("(none)")
			} else {
				val = "‹ " + val + " ›"
			}
		}
		if f == s.focus {
			lines = append(lines, truncate(st.Focused.Render("› "+label)+" "+val, w))
		} else {
			lines = append(lines, truncate("  "+label+" "+val, w))
		}
	}
	lines = append(lines, "")
	if m, err := probe.ParseAuthMode(s.picked[pfAuth]); err == nil {
		lines = append(lines, wrapIndent(st.Dim, "Node.js: ", m.NodeJS(), w)...)
		lines = append(lines, wrapIndent(st.Dim, "openssl: ", m.OpenSSL(), w)...)
	}
	lines = append(lines, "", st.Dim.Render("enter runs the handshake"))
	return strings.Join(lines, "\n")
}

func (s *probeScreen) verdictLines(w int) []string {
	st := s.c.Styles
	switch {
	case s.running:
		return []string{"", st.Note.Render("running the handshake on 127.0.0.1 …")}
	case s.err != nil:
		return append([]string{"", st.Error.Render("cannot probe:")}, wrapIndent(st.Error, "", s.err.Error(), w)...)
	case s.matrix != nil:
		return s.matrixLines(w)
	case s.res == nil:
		return append([]string{""}, wrapIndent(st.Dim, "", "Pick a client and a server, then press enter: the verdict, its reason, the side that decided and the fix show here. Trust: by default each side trusts the root above its own certificate.", w)...)
	}
	r := s.res
	badge := st.Accept
	if !r.OK() {
		badge = st.Reject
	}
	var out []string
	out = append(out, strings.Split(badge.Padding(1, 3).Render(string(r.Verdict)), "\n")...)
	side := string(r.Side)
	if side == "" {
		side = "—"
	}
	out = append(out, "", st.Label.Render("reason ")+string(r.Reason)+"   "+st.Label.Render("side ")+side)
	out = append(out, wrapIndent(lipgloss.NewStyle(), "", r.Summary, w)...)
	if r.Detail != "" {
		out = append(out, "")
		for _, d := range strings.Split(r.Detail, "\n") {
			out = append(out, wrapIndent(st.Dim, "", d, w)...)
		}
	}
	if r.Fix != "" {
		out = append(out, "")
		out = append(out, wrapIndent(st.OK, "fix: ", r.Fix, w)...)
	}
	for _, wn := range r.Warnings {
		out = append(out, wrapIndent(st.Dim, "warning: ", wn, w)...)
	}
	if len(r.Also) > 0 {
		out = append(out, "", st.Label.Render("also"))
		for _, a := range r.Also {
			out = append(out, wrapIndent(lipgloss.NewStyle(), "  ", fmt.Sprintf("%s (%s): %s", a.Code, a.Side, a.Summary), w)...)
		}
	}
	if len(r.Evidence) > 0 {
		out = append(out, "", st.Label.Render("evidence"))
		for _, e := range r.Evidence {
			out = append(out, wrapIndent(lipgloss.NewStyle(), "  ", fmt.Sprintf("%s %s: %s", e.Cert, e.Field, e.Value), w)...)
		}
	}
	if r.TLS.Version != "" {
		out = append(out, "", st.Label.Render("negotiated ")+strings.Join(nonEmpty(r.TLS.Version, r.TLS.CipherSuite, r.TLS.Group), " · "))
	}
	if len(r.Timeline) > 0 {
		out = append(out, "", st.Label.Render("timeline"))
		for _, t := range r.Timeline {
			out = append(out, truncate(plain(fmt.Sprintf("  %7.1fms %-7s %s", t.AtMS, t.Side, t.Step)), w))
		}
	}
	for _, n := range r.Notes {
		out = append(out, wrapIndent(st.Dim, "note: ", n, w)...)
	}
	return out
}

func nonEmpty(v ...string) []string {
	var out []string
	for _, s := range v {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// shiftTime applies a "+30d" / "+1y" / "-1d" choice to now.
func shiftTime(now time.Time, v string) time.Time {
	if v == "" || v == "now" {
		return now
	}
	sign := 1
	switch v[0] {
	case '-':
		sign = -1
		v = v[1:]
	case '+':
		v = v[1:]
	}
	n, err := strconv.Atoi(v[:len(v)-1])
	if err != nil {
		return now
	}
	switch v[len(v)-1] {
	case 'd':
		return now.AddDate(0, 0, sign*n)
	case 'y':
		return now.AddDate(sign*n, 0, 0)
	}
	return now
}

// matrixLines is the grid: one row per client, its verdict, reason and side.
func (s *probeScreen) matrixLines(w int) []string {
	st := s.c.Styles
	nameW := 4
	for _, r := range s.matrix {
		nameW = max(nameW, len(r.Client))
	}
	nameW = min(nameW, max(8, w/3))
	out := []string{st.Title.Render("Matrix: every client → " + s.picked[pfServer]), "",
		st.Header.Render(truncate(pad("CLIENT", nameW)+" "+pad("VERDICT", 7)+" "+pad("REASON", 26)+" SIDE", w))}
	for _, r := range s.matrix {
		var verdict, reason, side string
		style := st.Reject
		switch {
		case r.Err != nil:
			verdict, reason = "ERROR", r.Err.Error()
		default:
			verdict, reason, side = string(r.Result.Verdict), string(r.Result.Reason), string(r.Result.Side)
			if r.Result.OK() {
				style = st.Accept
			}
		}
		cell := style.Padding(0).Render(pad(verdict, 7))
		out = append(out, truncate(pad(r.Client, nameW)+" "+cell+" "+pad(reason, 26)+" "+side, w))
	}
	out = append(out, "", st.Dim.Render("enter probes the picked client alone, with the full verdict"))
	return out
}
