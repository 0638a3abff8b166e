package ui

import (
	"cmp"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/pkibench/pkibench/pki"
	"github.com/pkibench/pkibench/pki/verify"
	"github.com/pkibench/pkibench/probe"
	"github.com/pkibench/pkibench/store"
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
	pfClientTLS
	pfServerTLS
	pfGoStyle
	pfEmulate
	pfSystemRoots
	pfConnect
	pfAt
	numProbeFields
)

var probeLabels = [numProbeFields]string{"Client", "Server", "Server trusts", "Client trusts", "Client auth", "CRL check", "Server name",
	"Client TLS", "Server TLS", "Go client", "Judge as", "System roots", "Target", "Verify at"}

// builtIn is what the Target field shows when it is empty: the probe runs
// its own server; a typed HOST:PORT probes that server instead (--connect).
const builtIn = "built-in server"

// isText reports whether a probe field takes typed text (after enter).
func isText(f int) bool { return f == pfName || f == pfConnect || f == pfAt }

// isPicker reports whether a field picks from the store's names, which
// may be thousands: / searches them by typing.
func isPicker(f int) bool {
	return f == pfClient || f == pfServer || f == pfServerTrust || f == pfClientTrust
}

// serverOnly are the fields of the built-in server, which an outside
// target (Connect) does not use.
func serverOnly(f int) bool {
	return f == pfServer || f == pfServerTrust || f == pfAuth || f == pfCRL || f == pfServerTLS
}

// probeScreen is the config on the left and the verdict on the right.
type probeScreen struct {
	c       *Common
	focus   int
	choices [numProbeFields][]string
	picked  [numProbeFields]string
	touched [numProbeFields]bool
	// text holds the typed fields (isText): server name, target, time.
	text [numProbeFields]textinput.Model
	// editing is true while a text field takes typed keys (entered with
	// enter on the field, left with enter or esc).
	editing bool
	// search is the query typed after / on a picker; searching is true
	// while it takes keys, before is the pick to restore on esc.
	search    textinput.Model
	searching bool
	before    string
	// found is how many choices the query matches (counted in Update:
	// at 100,000 names a count costs milliseconds, too much per frame).
	found int
	// opening is a lab scenario's request waiting for its names to be
	// listed (the staging issued them), then filled in and run.
	opening  *probe.Request
	scenario string
	// roots are the system's roots once loaded (System roots on): read
	// by a Cmd, kept for the next runs.
	roots []*x509.Certificate
	// stale marks a verdict (or matrix) whose inputs changed since it ran.
	stale   bool
	req     reqID
	running bool
	// cancel stops the running matrix (esc); nil when none runs. progress
	// is how far it is, from its progress channel.
	cancel   context.CancelFunc
	progress matrixProgress
	ticks    <-chan matrixProgress
	// cancelled marks the matrix shown as the part of a run esc stopped.
	cancelled bool
	res       *probe.Result
	matrix    []matrixRow // shown instead of res after a matrix run
	err       error
	scroll    int
	width     int
	height    int
	// pass holds the passphrases given in this session's dialogs, by the
	// purpose the store asks with ("the key of NAME").
	pass map[string][]byte
}

// passphrases answers the store from the dialogs' answers; a key nobody
// was asked for yet fails with store.ErrPassphraseNeeded, which opens the
// dialog. The map is copied: the probe runs outside Update.
func (s *probeScreen) passphrases() store.PassphraseFunc {
	known := make(map[string][]byte, len(s.pass))
	for k, v := range s.pass {
		known[k] = v
	}
	return func(purpose string) ([]byte, error) {
		if p, ok := known[purpose]; ok {
			return p, nil
		}
		return nil, fmt.Errorf("%s: %w", purpose, store.ErrPassphraseNeeded)
	}
}

func newProbe(c *Common) *probeScreen {
	s := &probeScreen{c: c, pass: map[string][]byte{}}
	for f, v := range map[int]string{pfName: "localhost", pfConnect: "", pfAt: "now"} {
		ti := newInput()
		ti.Prompt = ""
		ti.CharLimit = 253
		ti.SetValue(v)
		s.text[f] = ti
	}
	s.text[pfConnect].Placeholder = builtIn
	s.search = newInput()
	s.search.Prompt = "/"
	s.search.CharLimit = 253
	auth := make([]string, len(probe.AuthModes))
	for i, m := range probe.AuthModes {
		auth[i] = string(m)
	}
	s.choices[pfAuth] = auth
	s.picked[pfAuth] = string(probe.AuthRequireAndVerify)
	s.choices[pfCRL] = []string{"off", "on"}
	s.picked[pfCRL] = "off"
	// Each side pins its own version, so a mismatch can be staged.
	for _, f := range []int{pfClientTLS, pfServerTLS} {
		s.choices[f] = []string{"default", "1.2", "1.3"}
		s.picked[f] = "default"
	}
	s.choices[pfGoStyle] = []string{"off", "on"}
	s.picked[pfGoStyle] = "off"
	s.choices[pfSystemRoots] = []string{"off", "on"}
	s.picked[pfSystemRoots] = "off"
	for _, cl := range verify.Clients {
		s.choices[pfEmulate] = append(s.choices[pfEmulate], string(cl))
	}
	s.picked[pfEmulate] = string(verify.ClientCurl)
	// The verification time, so expiry shows without waiting (--at):
	// ←/→ step through these, enter types any time pki.ParseTime reads.
	s.choices[pfAt] = atChoices()
	s.picked[pfAt] = "now"
	s.refreshChoices()
	return s
}

func (s *probeScreen) SetSize(w, h int) {
	s.width, s.height = w, h
	for f := range s.text {
		if isText(f) {
			s.text[f].SetWidth(max(8, s.leftWidth()-18))
		}
	}
	s.search.SetWidth(max(8, s.leftWidth()-30))
}

func (s *probeScreen) leftWidth() int { return min(46, max(40, s.width*2/5)) }

func (s *probeScreen) ShortHelp() []key.Binding {
	k := s.c.Keys
	if s.editing {
		return []key.Binding{key.NewBinding(key.WithKeys("enter", "esc"), key.WithHelp("enter/esc", "done typing"))}
	}
	if s.searching {
		return []key.Binding{key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "pick")),
			key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
			key.NewBinding(key.WithKeys("up", "down"), key.WithHelp("↑/↓", "other matches"))}
	}
	b := []key.Binding{k.Run}
	if s.cancel != nil {
		b = []key.Binding{key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")), k.Run}
	}
	if isText(s.focus) {
		b = []key.Binding{key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "edit "+strings.ToLower(probeLabels[s.focus])))}
		if s.focus == pfAt {
			b = append(b, key.NewBinding(key.WithKeys("h", "l"), key.WithHelp("←/→", "change")))
		}
	} else {
		b = append(b, key.NewBinding(key.WithKeys("h", "l"), key.WithHelp("←/→", "change")))
		if isPicker(s.focus) {
			b = append(b, key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "search")))
		}
	}
	b = append(b, key.NewBinding(key.WithKeys("j", "k"), key.WithHelp("↑/↓", "field")),
		key.NewBinding(key.WithKeys("M"), key.WithHelp("M", "matrix")))
	if s.res != nil {
		b = append(b, key.NewBinding(key.WithKeys("v"), key.WithHelp("v", "inspect blamed")))
	}
	b = append(b, k.Commands)
	if s.more() {
		b = append(b, key.NewBinding(key.WithKeys("pgdown"), key.WithHelp("pgdn/pgup", "scroll")))
	}
	return append(b, k.NextTab)
}

// Capturing is true while a text field is being typed into.
func (s *probeScreen) Capturing() bool { return s.editing || s.searching }

// more reports whether the verdict pane has lines below or above the fold.
func (s *probeScreen) more() bool {
	return len(s.verdictLines(max(10, s.width-s.leftWidth()-3))) > s.height || s.scroll > 0
}

// changed marks what is on the right out of date: an input moved since.
func (s *probeScreen) changed() {
	if s.res != nil || s.matrix != nil || s.err != nil {
		s.stale = true
	}
}

// refreshChoices rebuilds the identity and CA lists from the store data,
// keeping what was picked when it still exists.
func (s *probeScreen) refreshChoices() {
	// The identity made for each side, by the profile it was issued with
	// (Certificates' PROFILE column), not by its name's letters. Names and
	// profiles stay side by side (no map): at 100,000 certificates this
	// runs when the lists arrive, before the Certificates tab can show them.
	type leaf struct{ name, profile string }
	all := make([]leaf, 0, len(s.c.Data.Certs))
	for _, c := range s.c.Data.Certs {
		if c.Kind != "ca" {
			all = append(all, leaf{c.Name, c.Profile})
		}
	}
	slices.SortStableFunc(all, func(a, b leaf) int { return strings.Compare(a.name, b.name) })
	// One entry per name; the last one read gives the profile, as it did.
	leaves, profiles := make([]string, 0, len(all)), make([]string, 0, len(all))
	for i, l := range all {
		if i+1 < len(all) && all[i+1].name == l.name {
			continue
		}
		leaves, profiles = append(leaves, l.name), append(profiles, l.profile)
	}
	var cas []string
	for _, ca := range s.c.Data.CAs {
		cas = append(cas, ca.Name)
	}
	s.choices[pfClient] = append([]string{noClientCert}, leaves...)
	s.choices[pfServer] = leaves
	s.choices[pfServerTrust] = append([]string{ownRoot}, cas...)
	s.choices[pfClientTrust] = append([]string{ownRoot}, cas...)
	// profileAt is the profile of choice i of field f ("" for the entries
	// that are not identities).
	profileAt := func(f, i int) string {
		if f == pfClient {
			i--
		}
		if f != pfClient && f != pfServer || i < 0 {
			return ""
		}
		return profiles[i]
	}
	keep := func(f int, prefer string) {
		for _, v := range s.choices[f] {
			// A pick the user made stays while it exists; an automatic
			// one follows the data (a client issued after the server).
			if v == s.picked[f] && s.touched[f] {
				return
			}
		}
		s.picked[f] = ""
		if prefer == "" {
			s.picked[f] = first(s.choices[f])
			return
		}
		// First an identity issued with the side's profile, then one
		// with both, then one named for the side.
		for _, ok := range []func(i int, v string) bool{
			func(i int, _ string) bool { return profileAt(f, i) == prefer },
			func(i int, _ string) bool { return profileAt(f, i) == string(pki.ProfileServerClient) },
			func(_ int, v string) bool { return strings.Contains(v, prefer) },
		} {
			for i, v := range s.choices[f] {
				if ok(i, v) {
					s.picked[f] = v
					return
				}
			}
		}
		if len(s.choices[f]) > 0 {
			s.picked[f] = s.choices[f][0]
		}
	}
	keep(pfClient, string(pki.ProfileClient))
	keep(pfServer, string(pki.ProfileServer))
	keep(pfServerTrust, "")
	keep(pfClientTrust, "")
}

// open takes a lab scenario's request; it is filled in and run once the
// pickers list its names.
func (s *probeScreen) open(r probe.Request, scenario string) {
	s.opening, s.scenario = &r, scenario
	s.res, s.matrix, s.err, s.stale = nil, nil, nil, false
}

// fill sets every field from the waiting request and runs it, once the
// pickers hold its names; a value the form cannot show is an error.
func (s *probeScreen) fill() tea.Cmd {
	r := *s.opening
	one := func(l []string) string {
		if len(l) == 0 {
			return ownRoot
		}
		return l[0]
	}
	want := map[int]string{pfClient: r.Client, pfServer: r.Server, pfServerTrust: one(r.ServerTrust), pfClientTrust: one(r.ClientTrust)}
	if r.Client == "" {
		want[pfClient] = noClientCert
	}
	for f, v := range want {
		if !slices.Contains(s.choices[f], v) {
			return nil // not listed yet: the next reload
		}
	}
	s.opening = nil
	if len(r.ServerTrust) > 1 || len(r.ClientTrust) > 1 || r.Connect != "" || len(r.SystemRoots) > 0 {
		s.err = fmt.Errorf("lab %s trusts several CAs or an outside target: the form holds one of each", s.scenario)
		return nil
	}
	version := func(v uint16) (string, bool) {
		if v == 0 {
			return "default", true
		}
		for _, c := range []string{"1.2", "1.3"} {
			if n, err := probe.ParseVersion(c); err == nil && n == v {
				return c, true
			}
		}
		return "", false
	}
	cv, ok1 := version(r.ClientVersion)
	sv, ok2 := version(r.ServerVersion)
	if !ok1 || !ok2 {
		s.err = fmt.Errorf("lab %s pins a TLS version the form does not offer", s.scenario)
		return nil
	}
	onOff := map[bool]string{false: "off", true: "on"}
	auth := r.Auth
	if auth == "" {
		auth = probe.AuthRequireAndVerify
	}
	emulate := string(r.Emulate)
	if emulate == "" {
		emulate = string(verify.ClientCurl)
	}
	for f, v := range want {
		s.picked[f] = v
	}
	s.picked[pfAuth], s.picked[pfCRL], s.picked[pfClientTLS], s.picked[pfServerTLS] = string(auth), onOff[r.CheckCRL], cv, sv
	s.picked[pfGoStyle], s.picked[pfEmulate], s.picked[pfSystemRoots] = onOff[r.GoStyle], emulate, "off"
	for f := range s.touched {
		s.touched[f] = true
	}
	s.text[pfName].SetValue(r.ServerName)
	s.text[pfConnect].SetValue("")
	at := "now"
	if !r.At.IsZero() {
		at = r.At.UTC().Format(time.RFC3339)
	}
	s.text[pfAt].SetValue(at)
	s.focus = pfClient
	s.setEditing(false)
	return s.run()
}

func first(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

// matches are the choices of a picker the query finds: names that start
// with it first, then names that hold it, each in list order.
func matches(choices []string, query string) []string {
	q := strings.ToLower(strings.TrimSpace(query))
	if q == "" {
		return nil
	}
	var pre, in []string
	for _, v := range choices {
		lv := strings.ToLower(v)
		switch {
		case strings.HasPrefix(lv, q):
			pre = append(pre, v)
		case strings.Contains(lv, q):
			in = append(in, v)
		}
	}
	return append(pre, in...)
}

// searchKey handles a key while a picker is searched: typed text narrows,
// ↑/↓ step through the matches, enter keeps the pick, esc restores.
func (s *probeScreen) searchKey(msg tea.KeyPressMsg) tea.Cmd {
	f := s.focus
	switch msg.String() {
	case "enter":
		s.searching = false
		s.search.Blur()
		return nil
	case "esc":
		s.searching = false
		s.search.Blur()
		if s.picked[f] != s.before {
			s.picked[f] = s.before
		}
		return nil
	case "up", "down":
		m := matches(s.choices[f], s.search.Value())
		if len(m) == 0 {
			return nil
		}
		i := slices.Index(m, s.picked[f])
		d := 1
		if msg.String() == "up" {
			d = -1
		}
		s.pick(f, m[((i+d)%len(m)+len(m))%len(m)])
		return nil
	}
	var cmd tea.Cmd
	s.search, cmd = s.search.Update(msg)
	m := matches(s.choices[f], s.search.Value())
	if s.found = len(m); len(m) > 0 {
		s.pick(f, m[0])
	}
	return cmd
}

// pick sets a picker's value as the user's choice.
func (s *probeScreen) pick(f int, v string) {
	if s.picked[f] == v {
		return
	}
	s.picked[f] = v
	s.touched[f] = true
	s.changed()
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
	if f == pfAt {
		s.text[pfAt].SetValue(s.picked[f])
	}
	s.changed()
}

// request is the form as the one probe request type the CLI builds too.
func (s *probeScreen) request() (probe.Request, error) {
	r := probe.Request{Server: s.picked[pfServer], ServerName: strings.TrimSpace(s.text[pfName].Value()), CheckCRL: s.picked[pfCRL] == "on",
		Passphrase: s.passphrases(), GoStyle: s.picked[pfGoStyle] == "on", Connect: strings.TrimSpace(s.text[pfConnect].Value())}
	var err error
	if r.At, err = shiftTime(s.c.now(), strings.TrimSpace(s.text[pfAt].Value())); err != nil {
		return r, fmt.Errorf("%q: %w", probeLabels[pfAt], err)
	}
	if r.Emulate, err = verify.ParseClient(s.picked[pfEmulate]); err != nil {
		return r, err
	}
	if s.picked[pfSystemRoots] == "on" {
		r.SystemRoots = s.roots
	}
	if s.picked[pfClient] != noClientCert {
		r.Client = s.picked[pfClient]
	}
	if v := s.picked[pfServerTrust]; v != ownRoot {
		r.ServerTrust = []string{v}
	}
	if v := s.picked[pfClientTrust]; v != ownRoot {
		r.ClientTrust = []string{v}
	}
	if r.Auth, err = probe.ParseAuthMode(s.picked[pfAuth]); err != nil {
		return r, err
	}
	for f, v := range map[int]*uint16{pfClientTLS: &r.ClientVersion, pfServerTLS: &r.ServerVersion} {
		if p := s.picked[f]; p != "default" {
			if *v, err = probe.ParseVersion(p); err != nil {
				return r, fmt.Errorf("%q: %w", probeLabels[f], err)
			}
		}
	}
	if r.Connect != "" {
		// An outside server: only the client side of the form applies.
		if _, _, err := net.SplitHostPort(r.Connect); err != nil {
			return r, fmt.Errorf("%q is %q: expected HOST:PORT of a TLS server, or empty for the built-in server (%w)", probeLabels[pfConnect], r.Connect, err)
		}
		r.Server, r.ServerTrust, r.Auth, r.CheckCRL, r.ServerVersion = "", nil, "", false, 0
		return r, nil
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
	s.stopMatrix()
	if cmd := s.needRoots(false); cmd != nil {
		return cmd
	}
	target := r.Server
	if r.Connect != "" {
		target = r.Connect
	}
	s.req = s.c.begin("probe " + r.Client + " → " + target)
	s.running, s.err, s.scroll, s.stale = true, nil, 0, false
	return probeCmd(s.c.ctx, s.c.Store, s.c.Opts, s.req, r)
}

// needRoots loads the system's roots in a Cmd the first time a run asks
// for them (the file read stays out of Update); the run starts again when
// they are in.
func (s *probeScreen) needRoots(matrix bool) tea.Cmd {
	if s.picked[pfSystemRoots] != "on" || s.roots != nil {
		return nil
	}
	s.req = s.c.begin("loading the system roots")
	s.running, s.err, s.scroll, s.stale = true, nil, 0, false
	return loadRootsCmd(s.req, matrix)
}

// runMatrix probes every client identity (and none) against the server.
func (s *probeScreen) runMatrix() tea.Cmd {
	r, err := s.request()
	if err != nil {
		s.err = err
		return nil
	}
	if r.Connect != "" {
		s.err = fmt.Errorf("the matrix runs every client against the built-in server: empty %q to run it", probeLabels[pfConnect])
		return nil
	}
	s.stopMatrix()
	if cmd := s.needRoots(true); cmd != nil {
		return cmd
	}
	var clients []string
	for _, v := range s.choices[pfClient] {
		if v == noClientCert {
			v = ""
		}
		clients = append(clients, v)
	}
	s.req = s.c.begin(fmt.Sprintf("matrix: %d clients → %s", len(clients), r.Server))
	s.running, s.err, s.scroll, s.stale = true, nil, 0, false
	s.progress = matrixProgress{total: len(clients)}
	// A context of its own, so esc stops this run and nothing else.
	ctx, cancel := context.WithCancel(s.c.ctx)
	s.cancel = cancel
	progress := make(chan matrixProgress, 1)
	s.ticks = progress
	return tea.Batch(matrixCmd(ctx, s.c.Store, s.c.Opts.Matrix, s.req, r, clients, progress), waitProgress(progress, s.req))
}

// stopMatrix cancels the running matrix, if any; its answer, when it
// comes, is stale (another run took its place) or says cancelled.
func (s *probeScreen) stopMatrix() {
	if s.cancel != nil {
		s.cancel()
		s.cancel, s.ticks = nil, nil
	}
}

// failuresFirst orders a matrix's rows: errors and rejections before
// acceptances, the clients' order otherwise.
func failuresFirst(rows []matrixRow) {
	slices.SortStableFunc(rows, func(a, b matrixRow) int {
		return cmp.Compare(b2i(a.accepted()), b2i(b.accepted()))
	})
}

func (r matrixRow) accepted() bool { return r.Err == nil && r.Result.OK() }

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (s *probeScreen) Update(msg tea.Msg) (Component, tea.Cmd) {
	switch msg := msg.(type) {
	case matrixProgressMsg:
		if msg.run != s.req || s.cancel == nil {
			return s, nil
		}
		s.progress = msg.matrixProgress
		return s, waitProgress(s.ticks, msg.run)
	case matrixDoneMsg:
		if msg.reqID != s.req {
			return s, nil
		}
		s.stopMatrix()
		s.running, s.res, s.matrix = false, nil, msg.rows
		if s.matrix == nil {
			s.matrix = []matrixRow{}
		}
		failuresFirst(s.matrix)
		accepted := 0
		for _, r := range msg.rows {
			if r.accepted() {
				accepted++
			}
		}
		if msg.cancelled {
			s.cancelled = true
			return s, s.c.status(fmt.Sprintf("matrix cancelled: %d of %d clients done, %d accepted", len(msg.rows), msg.total, accepted), nil)
		}
		s.cancelled = false
		return s, s.c.status(fmt.Sprintf("matrix: %d of %d clients accepted", accepted, len(msg.rows)), nil)
	case rootsLoadedMsg:
		if msg.reqID != s.req {
			return s, nil
		}
		s.running = false
		if msg.err != nil {
			s.err = msg.err
			return s, s.c.status("", msg.err)
		}
		s.roots = msg.roots
		if msg.matrix {
			return s, s.runMatrix()
		}
		return s, s.run()
	case dataChangedMsg:
		s.refreshChoices()
		if s.opening != nil {
			return s, s.fill()
		}
	case probeDoneMsg:
		if msg.reqID != s.req {
			return s, nil
		}
		s.running = false
		var re *probe.ResolveError
		if errors.Is(msg.err, store.ErrPassphraseNeeded) && errors.As(msg.err, &re) {
			// The CLI prompts for an encrypted key; the TUI asks in a dialog
			// and runs the same request again with the answer.
			purpose := "the key of " + re.Name
			return s, s.c.openDialog(newPassphraseDialog(s.c, purpose, func(p []byte) tea.Cmd {
				s.pass[purpose] = p
				return s.run()
			}))
		}
		if msg.err != nil {
			s.err, s.res = requestError(msg.err), nil
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
			s.scroll -= 3
		}
		s.scroll = s.clampScroll(len(s.verdictLines(max(10, s.width-s.leftWidth()-3))), s.height)
	case tea.KeyPressMsg:
		return s.key(msg)
	}
	if s.editing {
		return s, s.typeText(msg)
	}
	if _, paste := msg.(tea.PasteMsg); paste && s.searching {
		var cmd tea.Cmd
		s.search, cmd = s.search.Update(msg)
		m := matches(s.choices[s.focus], s.search.Value())
		if s.found = len(m); len(m) > 0 {
			s.pick(s.focus, m[0])
		}
		return s, cmd
	}
	return s, nil
}

// typeText hands a key or a paste to the focused text field and marks the
// verdict stale when its value changed.
func (s *probeScreen) typeText(msg tea.Msg) tea.Cmd {
	f := s.focus
	before := s.text[f].Value()
	var cmd tea.Cmd
	s.text[f], cmd = s.text[f].Update(msg)
	if s.text[f].Value() != before {
		s.changed()
	}
	return cmd
}

func (s *probeScreen) setFocus(f int) tea.Cmd {
	s.focus = (f%numProbeFields + numProbeFields) % numProbeFields
	s.setEditing(false)
	return nil
}

// scrollBy moves the verdict pane by a page (or to an end) and clamps.
func (s *probeScreen) scrollBy(k string) {
	page := max(1, s.height-2)
	switch k {
	case "pgdown", "space":
		s.scroll += page
	case "pgup":
		s.scroll -= page
	case "home", "g":
		s.scroll = 0
	case "end", "G":
		s.scroll = 1 << 20
	}
	s.scroll = s.clampScroll(len(s.verdictLines(max(10, s.width-s.leftWidth()-3))), s.height)
}

// setEditing starts or ends typing into the focused text field.
func (s *probeScreen) setEditing(on bool) tea.Cmd {
	s.editing = on && isText(s.focus)
	for f := range s.text {
		if isText(f) {
			s.text[f].Blur()
		}
	}
	if s.editing {
		return s.text[s.focus].Focus()
	}
	return nil
}

func (s *probeScreen) key(msg tea.KeyPressMsg) (Component, tea.Cmd) {
	k := msg.String()
	if s.searching {
		return s, s.searchKey(msg)
	}
	if s.editing {
		switch k {
		case "enter", "esc":
			return s, s.setEditing(false)
		case "up":
			return s, s.setFocus(s.focus - 1)
		case "down":
			return s, s.setFocus(s.focus + 1)
		}
		return s, s.typeText(msg)
	}
	switch k {
	case "esc":
		// Nothing is typed here: esc stops a running matrix (the rows
		// done so far stay), and means nothing otherwise.
		if s.cancel != nil {
			s.stopMatrix()
			return s, s.c.status("cancelling the matrix…", nil)
		}
		return s, nil
	case "enter":
		if isText(s.focus) {
			return s, s.setEditing(true)
		}
		return s, s.run()
	case "up":
		return s, s.setFocus(s.focus - 1)
	case "down":
		return s, s.setFocus(s.focus + 1)
	case "pgdown", "space", "pgup", "home", "g", "end", "G":
		s.scrollBy(k)
		return s, nil
	}
	switch k {
	case "k":
		return s, s.setFocus(s.focus - 1)
	case "j":
		return s, s.setFocus(s.focus + 1)
	case "left", "h":
		s.cycle(s.focus, -1)
	case "right", "l":
		s.cycle(s.focus, 1)
	case "/":
		if isPicker(s.focus) {
			s.searching, s.before, s.found = true, s.picked[s.focus], 0
			s.search.SetValue("")
			return s, s.search.Focus()
		}
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
			return s, s.inspectBlamed()
		}
	}
	return s, nil
}

// inspectBlamed opens what the verdict's evidence blames, with the field
// marked: the culprit by serial (the CA whose path length or constraint is
// broken, not the leaf that met it), the CA's CRL for a CRL verdict, else
// the side that refused.
func (s *probeScreen) inspectBlamed() tea.Cmd {
	who := s.picked[pfServer]
	if strings.HasPrefix(string(s.res.Reason), "client-") && s.picked[pfClient] != noClientCert {
		who = s.picked[pfClient]
	}
	field := ""
	if len(s.res.Evidence) > 0 {
		e := s.res.Evidence[0]
		field = e.Field
		if target, title, ok := s.c.bySerial(e.Serial); ok {
			// A CRL verdict blames the CA's CRL, not its certificate.
			if ca := s.c.caByName(target); ca != nil && strings.HasPrefix(string(s.res.Reason), "crl-") && ca.CRL != nil {
				return s.c.openInspect(crlTarget+ca.Name, "CRL of "+ca.Name)
			}
			return s.c.openInspectAt(target, title, field)
		}
	}
	return s.c.openInspectAt(who, who, field)
}

// View renders the screen; like every View it only reads the state.
func (s *probeScreen) View() string {
	lw := s.leftWidth()
	left := s.configView(lw)
	rw := max(10, s.width-lw-3)
	right := s.pane(rw, s.height)
	h := s.height
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

// clampScroll is the scroll offset that keeps a page of h rows (one of them
// the scroll indicator) over n lines filled.
func (s *probeScreen) clampScroll(n, h int) int {
	return max(0, min(s.scroll, n-(h-1)))
}

// pane is the part of the verdict that fits h rows; when the verdict is
// longer, the last row says where the page is and how to move.
func (s *probeScreen) pane(w, h int) []string {
	all := s.verdictLines(w)
	if len(all) <= h {
		return all
	}
	scroll := s.clampScroll(len(all), h)
	vis := all[scroll:min(len(all), scroll+h-1)]
	below := len(all) - scroll - len(vis)
	arrow := "▼"
	switch {
	case scroll > 0 && below > 0:
		arrow = "▲▼"
	case below == 0:
		arrow = "▲"
	}
	ind := fmt.Sprintf("%s lines %d–%d of %d · pgdn/pgup", arrow, scroll+1, scroll+len(vis), len(all))
	return append(append([]string{}, vis...), s.c.Styles.Note.Render(truncate(ind, w)))
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
		if isText(f) {
			// Typed fields show plain text, and the input with its cursor
			// only while typed into.
			val = s.text[f].Value()
			switch {
			case s.editing && f == s.focus:
				val = s.text[f].View()
			case f == pfConnect && strings.TrimSpace(val) == "":
				val = st.Dim.Render(builtIn)
			}
		} else {
			val = s.picked[f]
			switch {
			case val == "":
				val = st.Dim.Render("(none)")
			case serverOnly(f) && strings.TrimSpace(s.text[pfConnect].Value()) != "":
				val = st.Dim.Render("(not used: outside target)")
			default:
				val = "‹ " + val + " ›"
			}
		}
		if f == s.focus && s.searching {
			lines = append(lines, truncate(st.Focused.Render("› "+label)+" "+val, w))
			lines = append(lines, truncate(pad("", 17)+s.search.View()+st.Dim.Render(fmt.Sprintf(" %d of %d", s.found, len(s.choices[f]))), w))
		} else if f == s.focus {
			lines = append(lines, truncate(st.Focused.Render("› "+label)+" "+val, w))
		} else {
			lines = append(lines, truncate("  "+label+" "+val, w))
		}
	}
	// The hint first: at 80x24 the lines under it may not fit.
	what := map[int]string{pfName: "the server name", pfConnect: "the target (HOST:PORT)", pfAt: "the verification time"}[s.focus]
	switch {
	case s.searching:
		lines = append(lines, "", st.Note.Render(truncate("searching "+probeLabels[s.focus]+": enter picks, esc cancels", w)))
	case s.editing:
		lines = append(lines, "", st.Note.Render(truncate("typing "+what+": enter/esc done", w)))
	case isText(s.focus):
		lines = append(lines, "", st.Dim.Render(truncate("enter edits "+what, w)))
	default:
		lines = append(lines, "", st.Dim.Render("enter runs the handshake"))
	}
	lines = append(lines, "")
	if m, err := probe.ParseAuthMode(s.picked[pfAuth]); err == nil {
		lines = append(lines, wrapIndent(st.Dim, "Node.js: ", m.NodeJS(), w)...)
		lines = append(lines, wrapIndent(st.Dim, "openssl: ", m.OpenSSL(), w)...)
	}
	return strings.Join(lines, "\n")
}

func (s *probeScreen) verdictLines(w int) []string {
	st := s.c.Styles
	switch {
	case s.running:
		where := "on 127.0.0.1"
		if c := strings.TrimSpace(s.text[pfConnect].Value()); c != "" {
			where = "with " + c
		}
		if s.cancel != nil {
			return s.progressLines(w)
		}
		return []string{"", st.Note.Render("running the handshake " + where + " …")}
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
	head := badge.Padding(0, 2).Render(string(r.Verdict))
	if s.stale {
		head += " " + st.Warning.Render("STALE")
	}
	out = append(out, head)
	if s.stale {
		out = append(out, wrapIndent(st.Warning, "", "an input changed since this verdict; enter runs it again", w)...)
	}
	side := string(r.Side)
	if side == "" {
		side = "—"
	}
	// Reason and side each get a line of their own: they are never cut.
	out = append(out, wrapIndent(st.Label, "reason ", string(r.Reason), w)...)
	out = append(out, wrapIndent(st.Label, "side   ", side, w)...)
	if n := s.unpublishedNote(); n != "" && r.OK() {
		// Where it is read: right under the reason and side.
		out = append(out, "")
		out = append(out, wrapIndent(st.Warning, "note: ", n, w)...)
	}
	out = append(out, "")
	out = append(out, wrapIndent(lipgloss.NewStyle(), "", r.Summary, w)...)
	if r.Detail != "" {
		out = append(out, "")
		for _, d := range strings.Split(r.Detail, "\n") {
			out = append(out, wrapIndent(st.Dim, "", d, w)...)
		}
	}
	if r.Fix != nil {
		out = append(out, "")
		out = append(out, wrapIndent(st.OK, "fix: ", r.Fix.Say, w)...)
		if h := s.c.fixHint(r.Fix); h != "" {
			out = append(out, wrapIndent(st.Dim, "  ↳ ", h, w)...)
		}
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
		out = append(out, "")
		out = append(out, wrapIndent(lipgloss.NewStyle(), "negotiated ", strings.Join(nonEmpty(r.TLS.Version, r.TLS.CipherSuite, r.TLS.Group), " · "), w)...)
	}
	if len(r.Timeline) > 0 {
		out = append(out, "", st.Label.Render("timeline"))
		for _, t := range r.Timeline {
			out = append(out, wrapIndent(lipgloss.NewStyle(), fmt.Sprintf("%6.1fms %-6s ", t.AtMS, t.Side), t.Step, w)...)
		}
	}
	for _, n := range r.Notes {
		out = append(out, wrapIndent(st.Dim, "note: ", n, w)...)
	}
	return out
}

// unpublishedNote explains an ACCEPT with CRL checking for a client the
// store has revoked: the revocation is in the index, not in the CRL yet.
func (s *probeScreen) unpublishedNote() string {
	if s.res == nil || s.picked[pfCRL] != "on" || s.picked[pfClient] == noClientCert {
		return ""
	}
	for _, c := range s.c.Data.Certs {
		if c.Name == s.picked[pfClient] && c.Status == store.StatusRevoked {
			return fmt.Sprintf("%s is revoked in %s's index (%s) but the published CRL does not list it yet: press p on Authorities to publish, then run again", c.Name, c.CA, c.Reason)
		}
	}
	return ""
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

// atChoices are the times the probe form offers; every one is a form
// pki.ParseTime reads, the parser behind the CLI's --at.
func atChoices() []string { return []string{"now", "+30d", "+1y", "+2y", "+5y", "+11y", "-1d"} }

// shiftTime reads a time choice ("+30d", "+1y", "-1d") the way the CLI's
// --at does, with the same bounds.
func shiftTime(now time.Time, v string) (time.Time, error) {
	if v == "" {
		return now, nil
	}
	return pki.ParseTime(v, now, pki.ClockRange())
}

// progressLines stand for the matrix while it runs: how many clients
// are done, a bar, and how to stop it.
func (s *probeScreen) progressLines(w int) []string {
	st := s.c.Styles
	p := s.progress
	line := fmt.Sprintf("matrix: %d/%d clients done", p.done, p.total)
	barW := max(0, min(40, w-len(line)-3))
	if p.total > 0 && barW >= 10 {
		full := barW * p.done / p.total
		line += "  " + strings.Repeat("█", full) + strings.Repeat("░", barW-full)
	}
	out := []string{st.Title.Render("Matrix: every client → " + s.picked[pfServer]), "", st.Note.Render(truncate(line, w)), ""}
	return append(out, wrapIndent(st.Dim, "", "esc cancels; the rows done so far stay", w)...)
}

// matrixLines is the grid: one row per client, its verdict, reason and side.
func (s *probeScreen) matrixLines(w int) []string {
	st := s.c.Styles
	nameW, reasonW := len("CLIENT"), len("REASON")
	for _, r := range s.matrix {
		nameW = max(nameW, len(r.Client))
		if r.Err == nil {
			reasonW = max(reasonW, len(r.Result.Reason))
		}
	}
	nameW = min(nameW, max(8, w/3))
	const verdictW, sideW = 7, 7
	// Reason last: when the row is too narrow it goes on a line of its
	// own under the client, whole, instead of pushing SIDE off screen.
	oneLine := nameW+verdictW+sideW+reasonW+3 <= w
	out := []string{st.Title.Render("Matrix: every client → " + s.picked[pfServer])}
	if s.cancelled {
		out = append(out, wrapIndent(st.Warning, "", fmt.Sprintf("CANCELLED: %d clients done before esc; M runs them all again", len(s.matrix)), w)...)
	}
	if s.stale {
		out = append(out, wrapIndent(st.Warning, "", "STALE: an input changed since this matrix; M runs it again", w)...)
	}
	head := pad("CLIENT", nameW) + " " + pad("VERDICT", verdictW) + " " + pad("SIDE", sideW) + " REASON"
	if !oneLine {
		head = pad("CLIENT", nameW) + " " + pad("VERDICT", verdictW) + " SIDE"
	}
	out = append(out, "", st.Header.Render(truncate(head, w)))
	for _, r := range s.matrix {
		var verdict, reason, side string
		style := st.Reject
		switch {
		case r.Err != nil:
			verdict, reason = "ERROR", requestError(r.Err).Error()
		default:
			verdict, reason, side = string(r.Result.Verdict), string(r.Result.Reason), string(r.Result.Side)
			if r.Result.OK() {
				style = st.Accept
			}
		}
		cell := style.Padding(0).Render(pad(verdict, verdictW))
		row := pad(r.Client, nameW) + " " + cell + " " + pad(orDash(side), sideW)
		if oneLine {
			out = append(out, wrapIndent(lipgloss.NewStyle(), row+" ", reason, w)...)
			continue
		}
		out = append(out, row)
		out = append(out, wrapIndent(st.Dim, "  ", reason, w)...)
	}
	out = append(out, "")
	out = append(out, wrapIndent(st.Dim, "", "enter probes the picked client alone, with the full verdict", w)...)
	return out
}

// fieldLabels name the form field of each part of a probe request.
var fieldLabels = map[probe.Field]string{
	probe.FieldClient: "Client", probe.FieldServer: "Server",
	probe.FieldServerTrust: "Server trusts", probe.FieldClientTrust: "Client trusts",
}

// requestError renders a refused probe request in the form's terms, as the
// CLI renders it in its flags.
func requestError(err error) error {
	var t *probe.TrustNeededError
	var nk *probe.NoKeyError
	switch {
	case errors.As(err, &t) && t.Name == "":
		return fmt.Errorf("a client without a certificate must be told what to trust: pick a CA in %q", fieldLabels[t.Field])
	case errors.As(err, &t):
		return fmt.Errorf("the chain of %s does not reach a root in the store: pick a CA in %q", t.Name, fieldLabels[t.Field])
	case errors.As(err, &nk):
		return fmt.Errorf("%s %s: its private key is not in the store; pick an identity with a key", fieldLabels[nk.Field], nk.Name)
	}
	return err
}
