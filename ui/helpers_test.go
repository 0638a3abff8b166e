package ui

import (
	"context"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/pkibench/pkibench/store"
)

// fixedNow is the clock of every test store, so goldens do not move.
var fixedNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func testStore(t testing.TB) *store.Store {
	t.Helper()
	st, err := store.OpenOrCreate(filepath.Join(t.TempDir(), "pki"))
	if err != nil {
		t.Fatal(err)
	}
	st.SetClock(func() time.Time { return fixedNow })
	return st
}

// driver runs the model synchronously: every tea.Cmd is executed at once
// and its message fed back, so a test sees the state after all the work a
// key started. Messages from outside this package (spinner ticks) are
// dropped; the model is built without blinking cursors or a spinner, so no
// command ever waits on a timer.
type driver struct {
	t    testing.TB
	m    *Model
	quit bool
}

func newDriver(t testing.TB, st *store.Store, w, h int) *driver {
	t.Helper()
	m := newModel(context.Background(), st, Options{})
	m.noSpin = true
	d := &driver{t: t, m: m}
	d.send(tea.WindowSizeMsg{Width: w, Height: h})
	d.run(m.Init())
	return d
}

var uiPkg = reflect.TypeOf(driver{}).PkgPath()

func (d *driver) send(msg tea.Msg) {
	_, cmd := d.m.Update(msg)
	d.run(cmd)
}

func (d *driver) run(cmd tea.Cmd) {
	queue := []tea.Cmd{cmd}
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		switch msg := c().(type) {
		case nil:
		case tea.BatchMsg:
			queue = append(queue, msg...)
		case tea.QuitMsg:
			d.quit = true
		default:
			if reflect.TypeOf(msg).PkgPath() != uiPkg {
				continue
			}
			_, next := d.m.Update(msg)
			queue = append(queue, next)
		}
	}
	if n := d.m.Busy(); n != 0 {
		d.t.Fatalf("%d requests still pending after all commands ran: %v", n, d.m.c.work.pending)
	}
}

// press sends keys by name: "enter", "tab", "down", "ctrl+c" or one rune.
func (d *driver) press(keys ...string) {
	for _, k := range keys {
		d.send(keyMsg(k))
	}
}

// typeText sends each rune as a key press, as VHS's Type does.
func (d *driver) typeText(s string) {
	for _, r := range s {
		d.send(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

func (d *driver) screen() string { return ansi.Strip(d.m.render()) }

func (d *driver) expect(want ...string) {
	d.t.Helper()
	s := d.screen()
	for _, w := range want {
		if !strings.Contains(s, w) {
			d.t.Fatalf("screen lacks %q:\n%s", w, s)
		}
	}
}

func keyMsg(k string) tea.KeyPressMsg {
	special := map[string]tea.KeyPressMsg{
		"enter":     {Code: tea.KeyEnter},
		"tab":       {Code: tea.KeyTab},
		"shift+tab": {Code: tea.KeyTab, Mod: tea.ModShift},
		"esc":       {Code: tea.KeyEscape},
		"up":        {Code: tea.KeyUp},
		"down":      {Code: tea.KeyDown},
		"left":      {Code: tea.KeyLeft},
		"right":     {Code: tea.KeyRight},
		"pgdown":    {Code: tea.KeyPgDown},
		"pgup":      {Code: tea.KeyPgUp},
		"home":      {Code: tea.KeyHome},
		"end":       {Code: tea.KeyEnd},
		"backspace": {Code: tea.KeyBackspace},
		"space":     {Code: tea.KeySpace, Text: " "},
		"ctrl+c":    {Code: 'c', Mod: tea.ModCtrl},
		"ctrl+u":    {Code: 'u', Mod: tea.ModCtrl},
		"ctrl+r":    {Code: 'r', Mod: tea.ModCtrl},
	}
	if m, ok := special[k]; ok {
		return m
	}
	r := []rune(k)
	return tea.KeyPressMsg{Code: r[0], Text: k}
}
