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
	numTabs
)

var tabNames = [numTabs]string{"Authorities", "Certificates", "Probe", "Inspect"}

// capturer is implemented by screens that take typed text (forms, filters):
// while they capture, global single-letter keys are theirs.
type capturer interface{ Capturing() bool }

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
	help     help.Model
	spinner  spinner.Model
	status   string
	lastErr  error
	casReq   reqID
	certsReq reqID
	width    int
	height   int
	// noSpin keeps the spinner still: tests drive the model synchronously.
	noSpin bool
	// watch polls the store for writes by other processes (Run sets it;
	// tests drive the model without timers).
	watch bool
	stamp string
	// pathLabel replaces the store path in the status bar (golden tests).
	pathLabel string
}

// New builds the workbench on an opened store; Run is New plus a program.
func New(st *store.Store, opts Options) tea.Model {
	return newModel(context.Background(), st, opts)
}

func newModel(ctx context.Context, st *store.Store, opts Options) *Model {
	if opts.Probe == nil {
		opts.Probe = probe.Run
	}
	if opts.Matrix == nil {
		opts.Matrix = probe.Matrix
	}
	c := &Common{Store: st, Styles: DefaultStyles(), Keys: DefaultKeyMap(), Opts: opts, ctx: ctx}
	m := &Model{c: c, help: help.New()}
	m.spinner = spinner.New(spinner.WithSpinner(spinner.MiniDot))
	m.inspect = newInspect(c)
	m.screens = [numTabs]Component{newAuthorities(c), newCertificates(c), newProbe(c), m.inspect}
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

// Init reads the store's lists and starts watching it.
func (m *Model) Init() tea.Cmd { return tea.Batch(m.reload(), m.watchCmd()) }

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
		if msg.reqID != m.casReq {
			return nil
		}
		if msg.err != nil {
			m.lastErr = msg.err
			return nil
		}
		m.c.Data.CAs = msg.cas
		m.c.Data.Gen++
		return m.broadcast(dataChangedMsg{})
	case certsLoadedMsg:
		if msg.reqID != m.certsReq {
			return nil
		}
		if msg.err != nil {
			m.lastErr = msg.err
			return nil
		}
		m.c.Data.Certs, m.c.Data.Hay = msg.certs, msg.hay
		m.c.Data.Gen++
		return m.broadcast(dataChangedMsg{})
	case reloadMsg:
		return m.reload()
	case storeStampMsg:
		changed := m.stamp != "" && msg.stamp != m.stamp
		m.stamp = msg.stamp
		if changed {
			return tea.Batch(m.reload(), m.watchCmd())
		}
		return m.watchCmd()
	case tea.FocusMsg:
		// Back from another terminal: whatever was done there shows now.
		return m.reload()
	case statusMsg:
		m.status, m.lastErr = msg.text, msg.err
		return nil
	case openDialogMsg:
		m.dialog = msg.dialog
		m.dialog.SetSize(m.bodySize())
		m.lastErr = nil
		return m.spinTick()
	case closeDialogMsg:
		m.dialog = nil
		if msg.status != "" {
			m.status, m.lastErr = msg.status, nil
		}
		return nil
	case openInspectMsg:
		if m.active != TabInspect {
			m.prev = m.active
		}
		m.active = TabInspect
		return tea.Batch(m.inspect.openAt(msg.target, msg.title, msg.field), m.spinTick())
	case switchTabMsg:
		m.setTab(m.active + msg.delta)
		return nil
	case tea.KeyPressMsg:
		return m.key(msg)
	case tea.MouseWheelMsg, tea.PasteMsg:
		// Input goes to what is on top only: a paste must not land in a
		// text field of a screen that is hidden.
		var cmd tea.Cmd
		if m.dialog != nil {
			m.dialog, cmd = m.dialog.Update(msg)
		} else {
			m.screens[m.active], cmd = m.screens[m.active].Update(msg)
		}
		return cmd
	}
	return m.broadcast(msg)
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
		if key.Matches(msg, k.Help, k.Back) || msg.String() == "q" {
			m.showHelp = false
		}
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
		m.showHelp = true
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
		case key.Matches(msg, k.Tab1):
			m.setTab(TabAuthorities)
			return nil
		case key.Matches(msg, k.Tab2):
			m.setTab(TabCertificates)
			return nil
		case key.Matches(msg, k.Tab3):
			m.setTab(TabProbe)
			return nil
		case key.Matches(msg, k.Tab4):
			m.setTab(TabInspect)
			return nil
		case key.Matches(msg, k.Refresh):
			return m.reload()
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
		body = m.fullHelp()
	case m.dialog != nil:
		body = dialogBox(m.dialog.View(), w, h)
	default:
		body = m.screens[m.active].View()
	}
	return m.tabBar() + "\n" + fitLines(body, w, h) + "\n" + m.statusBar() + "\n" + m.helpLine()
}

func (m *Model) tabBar() string {
	st := m.c.Styles
	var parts []string
	for i, n := range tabNames {
		label := fmt.Sprintf("%d %s", i+1, n)
		if i == m.active {
			parts = append(parts, st.TabActive.Render(label))
		} else {
			parts = append(parts, st.TabInactive.Render(label))
		}
	}
	bar := strings.Join(parts, " ")
	name := st.Title.Render("pkibench")
	gap := m.width - lipgloss.Width(bar) - lipgloss.Width(name)
	if gap < 1 {
		return truncate(bar, m.width)
	}
	return bar + strings.Repeat(" ", gap) + name
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
	room := m.width - lipgloss.Width(left) - 2
	pathW := min(len(path), max(12, room/3))
	msgW := room - pathW
	return left + style.Render(pad(msg, msgW)) + "  " + st.Dim.Render(truncateLeft(path, pathW))
}

func (m *Model) helpLine() string {
	var b []key.Binding
	if !m.showHelp {
		b = m.top().ShortHelp()
	}
	b = append(b, m.c.Keys.Help, m.c.Keys.Quit)
	return truncate(m.help.ShortHelpView(b), m.width)
}

func (m *Model) fullHelp() string {
	k := m.c.Keys
	groups := [][]key.Binding{
		{k.NextTab, k.PrevTab, k.Tab1, k.Tab2, k.Tab3, k.Tab4, k.Back, k.Help, k.Quit},
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Home, k.End, k.Enter, k.Refresh},
		{k.NewCA, k.Issue, k.Revoke, k.PublishCRL, k.Import, k.Export, k.SignCSR},
		{k.Filter, k.Sort, k.Reverse, k.Explain, k.Commands},
	}
	hm := m.help
	hm.ShowAll = true
	return m.c.Styles.Title.Render("All keys") + "   " + m.c.Styles.Dim.Render("(? or esc closes)") + "\n\n" +
		hm.FullHelpView(groups) + "\n\n" +
		m.c.Styles.Dim.Render("Probe: ↑/↓ field, ←/→ change, enter run, M matrix, v inspect the blamed certificate.\n"+
			"Forms: tab/↓ next field, ←/→ choose, enter submit, esc cancel.")
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
