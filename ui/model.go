package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/pkibench/pkibench/probe"
	"github.com/pkibench/pkibench/store"
)

// Tab indexes.
const (
	TabAuthorities = iota
	TabCertificates
	TabProbe
	TabInspect
	TabLab
	numTabs
)

var tabNames = [numTabs]string{"Authorities", "Certificates", "Probe", "Inspect", "Lab"}

// capturer is implemented by screens that take typed text (forms, filters):
// while they capture, global single-letter keys are theirs.
type capturer interface{ Capturing() bool }

// plainer is a dialog drawn full screen, without a box or mouse capture, so
// its text can be selected and copied as it is.
type plainer interface{ Plain() bool }

// Model is the root of the workbench: tabs, the full-screen Inspect, a
// modal dialog, the help overlay and the status bar. It routes messages:
// keys to the screen on top, answers and data changes to every screen, each
// of which drops answers to requests it no longer waits for.
type Model struct {
	c        *Common
	screens  [numTabs]Component
	inspect  *inspectScreen
	active   int
	prev     int // the tab Inspect was opened from, for esc
	dialog   Component
	showHelp bool
	// helpOffset scrolls the key map when it does not fit.
	helpOffset int
	help       help.Model
	spinner    spinner.Model
	status     string
	lastErr    error
	casReq     reqID
	certsReq   reqID
	width      int
	height     int
	// noSpin keeps the spinner still: tests drive the model synchronously.
	noSpin bool
	// watch polls the store for writes by other processes (Run sets it;
	// tests drive the model without timers).
	watch bool
	stamp string
	// pathLabel replaces the store path in the status bar (golden tests).
	pathLabel string
	// log keeps every status message and error of the session, oldest
	// first; the status bar shows the newest, L shows them all, whole.
	log []logEntry
	// askedReload: the user pressed ctrl+r and is told when it is done.
	askedReload bool
	// raw is what the store returned; Data is raw without the lab's
	// scratch material unless the user asked to see it.
	raw struct {
		cas   []*store.CA
		certs []store.Cert
		hay   []string
	}
}

// applyLab sets the lists screens draw from: the store's, without lab CAs
// and what they issued unless Common.ShowLab.
func (m *Model) applyLab() {
	m.c.Data.Gen++
	if m.c.ShowLab {
		m.c.Data.CAs, m.c.Data.Certs, m.c.Data.Hay = m.raw.cas, m.raw.certs, m.raw.hay
		m.c.Data.HiddenLab = 0
		return
	}
	labCA := map[string]bool{}
	var cas []*store.CA
	for _, ca := range m.raw.cas {
		if ca.Lab {
			labCA[ca.Name] = true
			continue
		}
		cas = append(cas, ca)
	}
	m.c.Data.CAs, m.c.Data.HiddenLab = cas, len(labCA)
	if len(labCA) == 0 {
		m.c.Data.Certs, m.c.Data.Hay = m.raw.certs, m.raw.hay
		return
	}
	certs := make([]store.Cert, 0, len(m.raw.certs))
	var hay []string
	if len(m.raw.hay) == len(m.raw.certs) {
		hay = make([]string, 0, len(m.raw.hay))
	}
	for i, c := range m.raw.certs {
		if labCA[c.CA] || (c.Kind == "ca" && labCA[c.Name]) {
			continue
		}
		certs = append(certs, c)
		if hay != nil {
			hay = append(hay, m.raw.hay[i])
		}
	}
	m.c.Data.Certs, m.c.Data.Hay = certs, hay
}

// note sets the status bar and records the message in the log.
func (m *Model) note(text string, err error) {
	m.status, m.lastErr = text, err
	e := logEntry{At: m.c.now(), Text: text}
	if err != nil {
		e.Text, e.Err = err.Error(), true
	}
	if e.Text == "" {
		return
	}
	m.log = append(m.log, e)
	if len(m.log) > maxLog {
		m.log = m.log[len(m.log)-maxLog:]
	}
}

func newModel(ctx context.Context, st *store.Store, opts Options) *Model {
	if opts.Probe == nil {
		opts.Probe = probe.Run
	}
	if opts.Connect == nil {
		opts.Connect = probe.Connect
	}
	if opts.Matrix == nil {
		opts.Matrix = probe.Matrix
	}
	c := &Common{Store: st, Styles: DefaultStyles(), Keys: DefaultKeyMap(), Opts: opts, ctx: ctx}
	m := &Model{c: c, help: help.New()}
	m.spinner = spinner.New(spinner.WithSpinner(spinner.MiniDot))
	m.inspect = newInspect(c)
	m.screens = [numTabs]Component{newAuthorities(c), newCertificates(c), newProbe(c), m.inspect, newLab(c)}
	return m
}

// Run starts the workbench on st and returns when the user quits or ctx ends.
func Run(ctx context.Context, st *store.Store, opts Options) error {
	if ctx == nil {
		// cobra's cmd.Context() is nil unless the command ran with a context.
		ctx = context.Background()
	}
	// Work (handshakes) stops when the program ends, however it ends.
	work, cancel := context.WithCancel(ctx)
	defer cancel()
	m := newModel(work, st, opts)
	m.watch = true
	p := tea.NewProgram(m, tea.WithContext(ctx))
	_, err := p.Run()
	if errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
		return nil
	}
	if err != nil {
		return fmt.Errorf("tui: %w", err)
	}
	return nil
}

// Init starts reading the store's lists and watching it; it does not wait
// for them: the first frame shows at once, its lists marked as being read,
// and they fill when casLoadedMsg and certsLoadedMsg arrive.
func (m *Model) Init() tea.Cmd {
	if m.c.Store != nil {
		m.c.Data.CAsWaiting, m.c.Data.CertsWaiting = true, true
	}
	return tea.Batch(m.reload(), m.watchCmd())
}

// watchInterval is how often the TUI looks for writes by other processes.
const watchInterval = 2 * time.Second

// watchCmd stats the store after a pause; a changed stamp reloads the lists,
// so a `pkibench issue` in another terminal shows up without a key press.
func (m *Model) watchCmd() tea.Cmd {
	if !m.watch || m.c.Store == nil {
		return nil
	}
	st := m.c.Store
	return tea.Tick(watchInterval, func(time.Time) tea.Msg { return storeStampMsg{stamp: st.Stamp()} })
}

func (m *Model) reload() tea.Cmd {
	m.casReq = m.c.begin("reading CAs")
	m.certsReq = m.c.begin("reading certificates")
	return tea.Batch(loadCAsCmd(m.c.Store, m.casReq), loadCertsCmd(m.c.Store, m.certsReq), m.spinTick())
}

// spinTick starts the spinner when work begins; the spinner stops by itself
// (its tick is not renewed) once nothing runs.
func (m *Model) spinTick() tea.Cmd {
	if m.noSpin {
		return nil
	}
	return m.spinner.Tick
}

// Active is the index of the tab on screen.
func (m *Model) Active() int { return m.active }

// Busy is the number of store or probe calls running.
func (m *Model) Busy() int { return m.c.Busy() }

// top is the component that receives keys.
func (m *Model) top() Component {
	if m.dialog != nil {
		return m.dialog
	}
	return m.screens[m.active]
}

func (m *Model) bodySize() (int, int) { return m.width, max(1, m.height-3) }

func (m *Model) resize() {
	w, h := m.bodySize()
	m.c.Width, m.c.Height = w, h
	for _, s := range m.screens {
		s.SetSize(w, h)
	}
	if m.dialog != nil {
		m.dialog.SetSize(w, h)
	}
	m.help.SetWidth(w)
}

func (m *Model) setTab(i int) {
	m.active = ((i % numTabs) + numTabs) % numTabs
}

// Update routes one message, then what the screens posted while handling it.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	cmds := []tea.Cmd{m.update(msg)}
	for len(m.c.posted) > 0 {
		p := m.c.posted[0]
		m.c.posted = m.c.posted[1:]
		cmds = append(cmds, m.update(p))
	}
	return m, tea.Batch(cmds...)
}

func (m *Model) update(msg tea.Msg) tea.Cmd {
	if r, ok := msg.(result); ok {
		m.c.end(r.requestID())
	}
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.resize()
		return nil
	case spinner.TickMsg:
		if m.c.Busy() == 0 {
			return nil
		}
		var cmd tea.Cmd
		m.spinner, cmd = m.spinner.Update(msg)
		return cmd
	case casLoadedMsg:
		return m.casLoaded(msg)
	case certsLoadedMsg:
		return m.certsLoaded(msg)
	case reloadMsg:
		return m.reload()
	case storeStampMsg:
		return m.storeStamp(msg)
	case tea.FocusMsg:
		// Back from another terminal: whatever was done there shows now.
		return m.reload()
	case statusMsg:
		m.note(msg.text, msg.err)
		return nil
	case openDialogMsg:
		m.dialog = msg.dialog
		m.dialog.SetSize(m.bodySize())
		m.lastErr = nil
		return m.spinTick()
	case closeDialogMsg:
		m.dialog = nil
		if msg.status != "" {
			m.note(msg.status, nil)
		}
		return nil
	case openInspectMsg:
		return m.openInspect(msg)
	case showLabMsg:
		return m.showLab(msg)
	case openProbeMsg:
		return m.openProbe(msg)
	case switchTabMsg:
		m.setTab(m.active + msg.delta)
		return nil
	case tea.KeyPressMsg:
		return m.key(msg)
	case tea.MouseClickMsg:
		return m.click(msg)
	case tea.MouseWheelMsg, tea.PasteMsg:
		return m.toTop(msg)
	}
	return m.broadcast(msg)
}

// toTop hands input to what is on top only: a paste must not land in a
// text field of a screen that is hidden.
func (m *Model) toTop(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	if m.dialog != nil {
		m.dialog, cmd = m.dialog.Update(msg)
	} else {
		m.screens[m.active], cmd = m.screens[m.active].Update(msg)
	}
	return cmd
}

// casLoaded takes the CAs of the latest reload, ignoring a stale answer.
func (m *Model) casLoaded(msg casLoadedMsg) tea.Cmd {
	if msg.reqID != m.casReq {
		return nil
	}
	m.c.Data.CAsWaiting = false
	if msg.err != nil {
		m.note("", msg.err)
		return nil
	}
	m.raw.cas = msg.cas
	m.applyLab()
	return m.broadcast(dataChangedMsg{})
}

// certsLoaded takes the certificates of the latest reload, ignoring a
// stale answer, and says so when the reload was asked for.
func (m *Model) certsLoaded(msg certsLoadedMsg) tea.Cmd {
	if msg.reqID != m.certsReq {
		return nil
	}
	m.c.Data.CertsWaiting = false
	if msg.err != nil {
		m.note("", msg.err)
		return nil
	}
	m.raw.certs, m.raw.hay = msg.certs, msg.hay
	m.applyLab()
	if m.askedReload {
		m.askedReload = false
		m.note(fmt.Sprintf("reloaded the store: %d CAs, %d certificates", len(m.c.Data.CAs), len(m.c.Data.Certs)), nil)
	}
	return m.broadcast(dataChangedMsg{})
}

// storeStamp reloads when the store changed since the last stamp, and
// keeps watching.
func (m *Model) storeStamp(msg storeStampMsg) tea.Cmd {
	changed := m.stamp != "" && msg.stamp != m.stamp
	m.stamp = msg.stamp
	if changed {
		return tea.Batch(m.reload(), m.watchCmd())
	}
	return m.watchCmd()
}

// openInspect switches to the inspect tab, remembering where to go back.
func (m *Model) openInspect(msg openInspectMsg) tea.Cmd {
	if m.active != TabInspect {
		m.prev = m.active
	}
	m.active = TabInspect
	if msg.doc != nil {
		m.inspect.show(msg.title, *msg.doc)
		return nil
	}
	return tea.Batch(m.inspect.openAt(msg.target, msg.title, msg.field), m.spinTick())
}

// showLab shows or hides lab material in Authorities and Certificates.
func (m *Model) showLab(msg showLabMsg) tea.Cmd {
	m.c.ShowLab = msg.show
	m.applyLab()
	if msg.show {
		m.note("lab material shown in Authorities and Certificates", nil)
	} else {
		m.note("lab material hidden from Authorities and Certificates", nil)
	}
	return m.broadcast(dataChangedMsg{})
}

// openProbe opens a lab scenario in the probe pane.
func (m *Model) openProbe(msg openProbeMsg) tea.Cmd {
	// Lab identities must be in the pickers; the staging may have
	// issued them, so the store is read again and the pane fills in
	// once they are listed.
	m.c.ShowLab = true
	m.applyLab()
	m.setTab(TabProbe)
	m.note("lab "+msg.scenario+" opened in the probe: change a field, enter runs it again", nil)
	m.screens[TabProbe].(*probeScreen).open(msg.req, msg.scenario)
	return tea.Batch(m.broadcast(dataChangedMsg{}), m.reload())
}

// broadcast hands a non-key message to the dialog and every screen.
func (m *Model) broadcast(msg tea.Msg) tea.Cmd {
	var cmds []tea.Cmd
	if m.dialog != nil {
		var cmd tea.Cmd
		m.dialog, cmd = m.dialog.Update(msg)
		cmds = append(cmds, cmd)
	}
	for i, s := range m.screens {
		var cmd tea.Cmd
		m.screens[i], cmd = s.Update(msg)
		cmds = append(cmds, cmd)
	}
	if m.c.Busy() > 0 {
		cmds = append(cmds, m.spinTick())
	}
	return tea.Batch(cmds...)
}

func (m *Model) key(msg tea.KeyPressMsg) tea.Cmd {
	k := m.c.Keys
	if msg.String() == "ctrl+c" {
		return m.quit()
	}
	if m.width < MinWidth || m.height < MinHeight {
		if key.Matches(msg, k.Quit) {
			return m.quit()
		}
		return nil
	}
	if m.showHelp {
		switch {
		case key.Matches(msg, k.Help, k.Back) || msg.String() == "q":
			m.showHelp = false
		case key.Matches(msg, k.Down):
			m.helpOffset++
		case key.Matches(msg, k.Up):
			m.helpOffset--
		case key.Matches(msg, k.PageDown):
			m.helpOffset += m.height / 2
		case key.Matches(msg, k.PageUp):
			m.helpOffset -= m.height / 2
		}
		w, h := m.bodySize()
		m.helpOffset = max(0, min(m.helpOffset, len(m.helpLines(w))-(h-1)))
		return nil
	}
	top := m.top()
	if c, ok := top.(capturer); ok && c.Capturing() {
		var cmd tea.Cmd
		if m.dialog != nil {
			m.dialog, cmd = m.dialog.Update(msg)
		} else {
			m.screens[m.active], cmd = top.Update(msg)
		}
		return tea.Batch(cmd, m.busyTick())
	}
	switch {
	case key.Matches(msg, k.Quit):
		return m.quit()
	case key.Matches(msg, k.Help):
		m.showHelp, m.helpOffset = true, 0
		return nil
	}
	if m.dialog == nil {
		switch {
		case key.Matches(msg, k.NextTab):
			m.setTab(m.active + 1)
			return nil
		case key.Matches(msg, k.PrevTab):
			m.setTab(m.active - 1)
			return nil
		case m.tabKey(msg):
			return nil
		case key.Matches(msg, k.Refresh):
			m.askedReload = true
			m.status, m.lastErr = "reloading the store…", nil
			return m.reload()
		case key.Matches(msg, k.Log):
			return m.c.openDialog(newLogDialog(m.c, m.log))
		case key.Matches(msg, k.Back) && m.active == TabInspect:
			m.active = m.prev
			return nil
		}
	}
	var cmd tea.Cmd
	if m.dialog != nil {
		m.dialog, cmd = m.dialog.Update(msg)
	} else {
		m.screens[m.active], cmd = top.Update(msg)
	}
	return tea.Batch(cmd, m.busyTick())
}

// click selects a tab (on the tab bar) or hands the body's screen a row
// click in body coordinates; dialogs and the key map ignore the mouse.
func (m *Model) click(msg tea.MouseClickMsg) tea.Cmd {
	if msg.Button != tea.MouseLeft || m.dialog != nil || m.showHelp || m.typing() {
		return nil
	}
	if msg.Y == 0 {
		x := 0
		for i, n := range tabNames {
			w := lipgloss.Width(m.tabLabel(i, n))
			if msg.X >= x && msg.X < x+w {
				m.setTab(i)
				return nil
			}
			x += w + 1
		}
		return nil
	}
	_, h := m.bodySize()
	if msg.Y-1 >= h {
		return nil
	}
	var cmd tea.Cmd
	m.screens[m.active], cmd = m.screens[m.active].Update(bodyClickMsg{x: msg.X, y: msg.Y - 1})
	return cmd
}

// busyTick keeps the spinner turning when a key started work.
func (m *Model) busyTick() tea.Cmd {
	if m.c.Busy() > 0 {
		return m.spinTick()
	}
	return nil
}

func (m *Model) quit() tea.Cmd {
	return tea.Quit
}

// View draws the whole screen: tabs, body, status bar, help line.
func (m *Model) View() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	if p, ok := m.dialog.(plainer); ok && p.Plain() && !m.showHelp {
		// Text meant to be selected and copied: the terminal's own
		// selection needs the mouse.
		v.MouseMode = tea.MouseModeNone
	}
	v.WindowTitle = "pkibench"
	v.ReportFocus = true
	return v
}

// render is View's text, separate so tests and benchmarks read it directly.
func (m *Model) render() string {
	if m.width == 0 || m.height == 0 {
		return ""
	}
	if m.width < MinWidth || m.height < MinHeight {
		msg := fmt.Sprintf("terminal too small\n%dx%d, needs at least %dx%d\n\nq quits", m.width, m.height, MinWidth, MinHeight)
		return lipgloss.Place(m.width, m.height, lipgloss.Center, lipgloss.Center,
			lipgloss.NewStyle().Align(lipgloss.Center).Render(msg))
	}
	w, h := m.bodySize()
	var body string
	switch {
	case m.showHelp:
		body = m.fullHelp(w, h)
	case m.dialog != nil:
		if p, ok := m.dialog.(plainer); ok && p.Plain() {
			body = m.dialog.View()
		} else {
			body = dialogBox(m.dialog.View(), w, h)
		}
	default:
		body = m.screens[m.active].View()
	}
	return m.tabBar() + "\n" + fitLines(body, w, h) + "\n" + m.statusBar() + "\n" + m.helpLine()
}

func (m *Model) tabBar() string {
	st := m.c.Styles
	var parts []string
	for i, n := range tabNames {
		parts = append(parts, m.tabLabel(i, n))
	}
	bar := strings.Join(parts, " ")
	name := st.Title.Render("pkibench")
	gap := m.width - lipgloss.Width(bar) - lipgloss.Width(name)
	if gap < 1 {
		return truncate(bar, m.width)
	}
	return bar + strings.Repeat(" ", gap) + name
}

// tabLabel is tab i's label as drawn (the mouse finds tabs by it).
func (m *Model) tabLabel(i int, name string) string {
	label := fmt.Sprintf("%d %s", i+1, name)
	if i == m.active {
		return m.c.Styles.TabActive.Render(label)
	}
	return m.c.Styles.TabInactive.Render(label)
}

func (m *Model) statusBar() string {
	st := m.c.Styles
	left := ""
	if n := m.c.Busy(); n > 0 {
		left = m.spinner.View() + " " + m.c.busyWhat() + " "
	}
	msg := m.status
	style := st.StatusBar
	if m.lastErr != nil {
		msg, style = "error: "+m.lastErr.Error(), st.Error
	}
	path := m.pathLabel
	if path == "" && m.c.Store != nil {
		path = m.c.Store.Path()
	}
	room := m.width - lipgloss.Width(left) - 3
	// The message comes first: the path gives way down to 12 cells.
	pathW := max(min(12, len(path)), min(len(path), room/3, room-lipgloss.Width(msg)))
	msgW := room - pathW
	if lipgloss.Width(msg) > msgW {
		// Cut: say where the whole message is.
		msg = truncate(msg, msgW-8) + " (L log)"
	}
	return left + style.Render(pad(msg, msgW)) + st.Dim.Render(" │ ") + st.Dim.Render(truncateLeft(path, pathW))
}

// helpLine shows the keys that work now: the screen's own, then ? and q
// unless a field is being typed into (then they are text). Keys that do
// not fit are left out from the end, never cut mid-word.
func (m *Model) helpLine() string {
	if m.showHelp {
		b := []key.Binding{key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc/?", "close"))}
		if w, h := m.bodySize(); len(m.helpLines(w)) > h-1 {
			b = append(b, key.NewBinding(key.WithKeys("j", "k"), key.WithHelp("↑/↓", "scroll")))
		}
		return m.help.ShortHelpView(append(b, m.c.Keys.Quit))
	}
	b := m.top().ShortHelp()
	if !m.typing() {
		b = append(b, m.c.Keys.Help, m.c.Keys.Quit)
	}
	keep := len(b) - 2
	if m.typing() {
		keep = len(b)
	}
	hm := m.help
	hm.SetWidth(0) // measure whole; help's own cut would end in "…"
	for lipgloss.Width(hm.ShortHelpView(b)) > m.width && keep > 1 {
		b = append(b[:keep-1], b[keep:]...)
		keep--
	}
	return truncate(hm.ShortHelpView(b), m.width)
}

// typing reports whether a text field is being edited: then printable keys
// are text, and no global key but ctrl+c works.
func (m *Model) typing() bool {
	c, ok := m.top().(capturer)
	return ok && c.Capturing()
}

// truncateLeft keeps the end of s (a path's most telling part).
func truncateLeft(s string, w int) string {
	r := []rune(s)
	if len(r) <= w {
		return s
	}
	if w <= 1 {
		return "…"
	}
	return "…" + string(r[len(r)-w+1:])
}

// tabKey switches to the tab a number key names (1-5) and reports whether
// msg was one.
func (m *Model) tabKey(msg tea.KeyPressMsg) bool {
	k := m.c.Keys
	for _, t := range []struct {
		b   key.Binding
		tab int
	}{{k.Tab1, TabAuthorities}, {k.Tab2, TabCertificates}, {k.Tab3, TabProbe}, {k.Tab4, TabInspect}, {k.Tab5, TabLab}} {
		if key.Matches(msg, t.b) {
			m.setTab(t.tab)
			return true
		}
	}
	return false
}
