package ui

import (
	"context"
	"errors"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/pkibench/pkibench/store"
)

// TestFirstFrameBeforeStoreRead: the first frame is drawn before the store
// read answers, its lists marked as being read (not "none yet"), and the
// lists fill when the answers arrive.
func TestFirstFrameBeforeStoreRead(t *testing.T) {
	st := testStore(t)
	if _, err := st.CreateCA(store.CAOptions{Name: "rootca"}); err != nil {
		t.Fatal(err)
	}
	m := newModel(context.Background(), st, Options{})
	m.noSpin = true
	d := &driver{t: t, m: m}
	// Update, not d.send: the driver insists nothing is pending, and here
	// the read is left pending on purpose.
	load := m.Init()
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})

	tests := []struct {
		tab        string
		want, lack []string
	}{
		{"1", []string{"Authorities", "Reading the store…"}, []string{"No CA yet", "rootca"}},
		{"2", []string{"reading certificates…", "Reading the store…"}, []string{"No certificates yet", "certificates   / filter"}},
	}
	for _, tc := range tests {
		m.Update(keyMsg(tc.tab))
		s := d.screen()
		for _, w := range tc.want {
			if !strings.Contains(s, w) {
				t.Errorf("tab %s before the read: no %q in\n%s", tc.tab, w, s)
			}
		}
		for _, l := range tc.lack {
			if strings.Contains(s, l) {
				t.Errorf("tab %s before the read: %q shown in\n%s", tc.tab, l, s)
			}
		}
	}

	d.run(load)
	d.press("1")
	if s := d.screen(); !strings.Contains(s, "rootca") || strings.Contains(s, "Reading the store") {
		t.Errorf("after the read, tab 1 lacks the CA or still reads:\n%s", s)
	}
	d.press("2")
	if s := d.screen(); !strings.Contains(s, "No certificates yet") || strings.Contains(s, "Reading the store") {
		t.Errorf("after the read, tab 2 does not say there are none, or still reads:\n%s", s)
	}
}

// TestFirstFrameReadError: a failed read ends the "being read" state (the
// error is in the status line) instead of leaving it forever.
func TestFirstFrameReadError(t *testing.T) {
	m := newModel(context.Background(), testStore(t), Options{})
	m.noSpin = true
	d := &driver{t: t, m: m}
	_ = m.Init()
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	boom := errors.New("index.txt: line 3: bad status")
	m.Update(casLoadedMsg{reqID: m.casReq, err: boom})
	d.send(certsLoadedMsg{reqID: m.certsReq, err: boom})
	s := d.screen()
	if strings.Contains(s, "Reading the store") || !strings.Contains(s, "bad status") {
		t.Errorf("after a failed read:\n%s", s)
	}
}
