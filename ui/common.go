// Package ui is the Bubble Tea v2 workbench (DESIGN.md §8). Screens share one
// Component interface and one Common value (size, styles, keymap), as in
// soft-serve; every store, pki and probe call runs in a tea.Cmd whose result
// message carries the id of the request that asked, so a late answer to an
// abandoned request is dropped.
package ui

import (
	"context"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/pkibench/pkibench/probe"
	"github.com/pkibench/pkibench/store"
)

// MinWidth and MinHeight are the smallest terminal the workbench draws in.
const (
	MinWidth  = 80
	MinHeight = 24
)

// ProbeFunc runs one handshake; it is probe.Run unless a test swaps it.
type ProbeFunc func(ctx context.Context, s probe.ServerConfig, c probe.ClientConfig, o probe.Options) probe.Result

// ConnectFunc probes an outside server; it is probe.Connect unless a test
// swaps it.
type ConnectFunc func(ctx context.Context, addr string, c probe.ClientConfig, o probe.Options) probe.Result

// MatrixFunc runs every client against one server; it is probe.Matrix
// unless a test swaps it. Like probe.Matrix it calls o.Progress (one call
// at a time) for each finished client before it returns, and stops early
// when ctx is cancelled.
type MatrixFunc func(ctx context.Context, clients []probe.ClientConfig, s probe.ServerConfig, o probe.Options) []probe.Result

// Options configure the workbench.
type Options struct {
	// Probe runs handshakes; nil means the probe package's engine.
	Probe ProbeFunc
	// Connect probes a HOST:PORT target; nil means probe.Connect.
	Connect ConnectFunc
	// Matrix runs a matrix; nil means the probe package's engine.
	Matrix MatrixFunc
	// Now is the clock for "expiring soon" marks; nil means the store's clock.
	Now func() time.Time
	// ExpiringSoon is how close to its end a certificate is marked; 0 means 30 days.
	ExpiringSoon time.Duration
}

// Component is what every screen implements: it draws itself in the size it
// is given and reacts to messages routed to it by the root model.
type Component interface {
	Update(tea.Msg) (Component, tea.Cmd)
	View() string
	SetSize(width, height int)
	// ShortHelp lists the keys shown in the help line while the screen is on top.
	ShortHelp() []key.Binding
}

// Common is shared by every screen: the store, the size of the body area,
// the styles and the keymap.
type Common struct {
	Store  *store.Store
	Styles *Styles
	Keys   KeyMap
	Opts   Options
	Width  int
	Height int
	Data   data
	// ShowLab lists the lab's scratch CAs and certificates with the rest.
	ShowLab bool
	work    work
	posted  []tea.Msg
	// ctx ends when the program ends, so running handshakes stop with it.
	ctx context.Context
}

func (c *Common) now() time.Time {
	if c.Opts.Now != nil {
		return c.Opts.Now()
	}
	if c.Store != nil {
		return c.Store.Now()
	}
	return time.Now()
}

func (c *Common) soon() time.Duration {
	if c.Opts.ExpiringSoon > 0 {
		return c.Opts.ExpiringSoon
	}
	return 30 * 24 * time.Hour
}

// data is what the root model last read from the store; screens draw from it.
type data struct {
	CAs   []*store.CA
	Certs []store.Cert
	// Hay is the filter's search text, one per certificate.
	Hay []string
	// HiddenLab is how many lab CAs are left out of CAs (Lab tab, a shows).
	HiddenLab int
	// Gen changes every time the lists are replaced, so screens can cache
	// what they derive from them (the filtered, sorted certificate index).
	Gen int
	// CAsWaiting and CertsWaiting are true from Init until the first
	// answer of the store read: the first frame is drawn before the store
	// is read, and an empty list then means "not read yet", not "none".
	CAsWaiting, CertsWaiting bool
}

// work tracks requests in flight; it lives in Common and is only touched from
// Update, so it needs no lock.
type work struct {
	next    int
	pending map[int]string
}

// begin allocates a request id for an async call described by what.
func (c *Common) begin(what string) reqID {
	if c.work.pending == nil {
		c.work.pending = map[int]string{}
	}
	c.work.next++
	c.work.pending[c.work.next] = what
	return reqID(c.work.next)
}

// end marks a request answered (whether or not anyone still wants it).
func (c *Common) end(id int) { delete(c.work.pending, id) }

// Busy is the number of requests in flight.
func (c *Common) Busy() int { return len(c.work.pending) }

func (c *Common) busyWhat() string {
	best := 0
	for id := range c.work.pending {
		best = max(best, id)
	}
	return c.work.pending[best]
}

// post queues a request to the root model (open a dialog, set the status
// ...). The root applies it before it returns from the Update that caused
// it, so a key typed right after "n" already reaches the form: a tea.Cmd
// would let that key overtake the dialog.
func (c *Common) post(msg tea.Msg) tea.Cmd {
	c.posted = append(c.posted, msg)
	return nil
}

func (c *Common) status(text string, err error) tea.Cmd {
	return c.post(statusMsg{text: text, err: err})
}

func (c *Common) reload() tea.Cmd { return c.post(reloadMsg{}) }

func (c *Common) openDialog(d Component) tea.Cmd { return c.post(openDialogMsg{dialog: d}) }

func (c *Common) closeDialog(status string) tea.Cmd {
	return c.post(closeDialogMsg{status: status})
}

func (c *Common) openInspect(target, title string) tea.Cmd {
	return c.post(openInspectMsg{target: target, title: title})
}

// openInspectAt opens Inspect scrolled to (and marking) the field with path.
func (c *Common) openInspectAt(target, title, field string) tea.Cmd {
	return c.post(openInspectMsg{target: target, title: title, field: field})
}

// moveCursor applies the list movement keys (up, down, page, home, end) to
// a cursor over n rows with a page of page rows; ok is false for other keys.
// Callers clamp afterwards.
func moveCursor(k KeyMap, msg tea.KeyPressMsg, cursor, page, n int) (int, bool) {
	switch {
	case key.Matches(msg, k.Down):
		return cursor + 1, true
	case key.Matches(msg, k.Up):
		return cursor - 1, true
	case key.Matches(msg, k.PageDown):
		return cursor + page, true
	case key.Matches(msg, k.PageUp):
		return cursor - page, true
	case key.Matches(msg, k.Home):
		return 0, true
	case key.Matches(msg, k.End):
		return n - 1, true
	}
	return cursor, false
}
