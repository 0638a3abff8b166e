package ui

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/pkibench/pkibench/pki/verify"
	"github.com/pkibench/pkibench/probe"
)

// asyncDriver runs a driver's commands each in a goroutine, as Bubble Tea
// does, so a command may block (a matrix waiting for esc) while keys go on
// reaching the model. Every wait is bounded by ctx.
type asyncDriver struct {
	*driver
	ctx  context.Context
	msgs chan tea.Msg
}

func newAsyncDriver(t *testing.T, d *driver) *asyncDriver {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return &asyncDriver{driver: d, ctx: ctx, msgs: make(chan tea.Msg, 16)}
}

func (a *asyncDriver) spawn(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	go func() {
		switch msg := cmd().(type) {
		case nil:
		case tea.BatchMsg:
			for _, c := range msg {
				a.spawn(c)
			}
		default:
			select {
			case a.msgs <- msg:
			case <-a.ctx.Done():
			}
		}
	}()
}

func (a *asyncDriver) press(k string) {
	_, cmd := a.m.Update(keyMsg(k))
	a.spawn(cmd)
}

// until hands the model every message of the running commands until one
// for which done is true has been handled.
func (a *asyncDriver) until(what string, done func(tea.Msg) bool) {
	a.t.Helper()
	for {
		select {
		case msg := <-a.msgs:
			if reflect.TypeOf(msg).PkgPath() != uiPkg {
				continue
			}
			_, cmd := a.m.Update(msg)
			a.spawn(cmd)
			if done(msg) {
				return
			}
		case <-a.ctx.Done():
			a.t.Fatalf("waiting for %s: %v\n%s", what, a.ctx.Err(), a.screen())
		}
	}
}

// blockingMatrix answers the first client of every run with a REJECT,
// reports it, then waits for the run to be cancelled; runs counts calls.
func blockingMatrix(runs *atomic.Int32) MatrixFunc {
	return func(ctx context.Context, clients []probe.ClientConfig, _ probe.ServerConfig, o probe.Options) []probe.Result {
		runs.Add(1)
		out := make([]probe.Result, len(clients))
		out[0] = probe.Result{Verdict: probe.Reject, Reason: verify.ClientCertWrongUsage, Side: verify.SideServer}
		o.Progress(0, out[0])
		<-ctx.Done()
		for i := 1; i < len(out); i++ {
			out[i] = probe.Result{Verdict: probe.Reject, Reason: verify.Unknown, Summary: ctx.Err().Error()}
		}
		return out
	}
}

// isProgress is true of the first progress message that says done, from
// any run (only one runs).
func isProgress(done int) func(tea.Msg) bool { return isRunProgress(0, done) }

// isRunProgress is true of run's progress message that says done (any
// run's when run is 0).
func isRunProgress(run reqID, done int) func(tea.Msg) bool {
	return func(msg tea.Msg) bool {
		p, ok := msg.(matrixProgressMsg)
		return ok && p.done == done && (run == 0 || p.run == run)
	}
}

func isMatrixDone(id reqID) func(tea.Msg) bool {
	return func(msg tea.Msg) bool {
		d, ok := msg.(matrixDoneMsg)
		return ok && d.reqID == id
	}
}

// TestMatrixProgressAndCancel: the matrix shows done/total while it runs
// and esc in the help; esc stops it, the rows done so far stay and the
// status and log say cancelled.
func TestMatrixProgressAndCancel(t *testing.T) {
	var runs atomic.Int32
	d := goldenDriver(t, 80, 24)
	d.m.c.Opts.Matrix = blockingMatrix(&runs)
	a := newAsyncDriver(t, d)
	d.press("3")
	a.press("M")
	p := d.m.screens[TabProbe].(*probeScreen)
	// "none" fails to resolve (no trust picked), "client" is answered:
	// 2 of 3 are done and "server" waits.
	a.until("2 of 3 done", isProgress(2))
	d.expect("matrix: 2/3 clients done", "esc cancel")
	if !p.running || p.matrix != nil {
		t.Fatalf("running %v, matrix %v", p.running, p.matrix)
	}
	id := p.req
	a.press("esc")
	a.until("the cancelled answer", isMatrixDone(id))
	if p.running || p.cancel != nil {
		t.Fatal("still running after esc")
	}
	var got []string
	for _, r := range p.matrix {
		got = append(got, r.Client)
	}
	if want := []string{noClientCert, "client"}; !slices.Equal(got, want) {
		t.Fatalf("rows kept %q, want %q", got, want)
	}
	d.expect("CANCELLED: 2 clients done", "client-cert-wrong-usage", "matrix cancelled: 2 of 3 clients done, 0 accepted")
	if strings.Contains(d.screen(), "esc cancel") {
		t.Errorf("help still offers esc cancel:\n%s", d.screen())
	}
	if last := d.m.log[len(d.m.log)-1]; !strings.Contains(last.Text, "matrix cancelled") {
		t.Errorf("log ends with %q", last.Text)
	}
	if n := runs.Load(); n != 1 {
		t.Errorf("%d runs", n)
	}
}

// TestMatrixStaleRunIgnored: M again while a matrix runs cancels the first
// run; its progress and its answer do not touch the second.
func TestMatrixStaleRunIgnored(t *testing.T) {
	var runs atomic.Int32
	d := goldenDriver(t, 80, 24)
	d.m.c.Opts.Matrix = blockingMatrix(&runs)
	a := newAsyncDriver(t, d)
	d.press("3")
	a.press("M")
	a.until("first run's progress", isProgress(2))
	p := d.m.screens[TabProbe].(*probeScreen)
	first := p.req
	a.press("M")
	if p.req == first {
		t.Fatal("M did not start a new run")
	}
	// The first run's late progress and its answer are ignored.
	d.m.Update(matrixProgressMsg{run: first, matrixProgress: matrixProgress{done: 3, total: 3}})
	a.until("the first run's answer", isMatrixDone(first))
	if !p.running || p.matrix != nil || p.progress.done == 3 {
		t.Fatalf("the first run's messages reached the second: running %v, matrix %v, progress %v", p.running, p.matrix, p.progress)
	}
	second := p.req
	// esc once the second run is under way: esc before would stop it
	// before any row, which is right but not this test.
	a.until("second run's progress", isRunProgress(second, 2))
	a.press("esc")
	a.until("the second run's answer", isMatrixDone(second))
	if runs.Load() != 2 || p.running || len(p.matrix) != 2 {
		t.Fatalf("runs %d, running %v, rows %d", runs.Load(), p.running, len(p.matrix))
	}
}

// TestMatrixFailuresFirst: REJECT and ERROR rows come before ACCEPT rows,
// each group in the clients' order.
func TestMatrixFailuresFirst(t *testing.T) {
	acc := probe.Result{Verdict: probe.Accept}
	rej := probe.Result{Verdict: probe.Reject}
	rows := []matrixRow{
		{Client: "a1", Result: acc}, {Client: "r1", Result: rej}, {Client: "a2", Result: acc},
		{Client: "e1", Err: fmt.Errorf("no key")}, {Client: "r2", Result: rej}, {Client: "a3", Result: acc},
	}
	failuresFirst(rows)
	var got []string
	for _, r := range rows {
		got = append(got, r.Client)
	}
	if want := []string{"r1", "e1", "r2", "a1", "a2", "a3"}; !slices.Equal(got, want) {
		t.Fatalf("order %q, want %q", got, want)
	}
}

// TestMatrixScrollKeys: G/end go to the bottom of a matrix taller than the
// pane, g/home back to the top.
func TestMatrixScrollKeys(t *testing.T) {
	d := goldenDriver(t, 80, 24)
	d.press("3")
	p := d.m.screens[TabProbe].(*probeScreen)
	p.matrix = []matrixRow{}
	for i := range 40 {
		p.matrix = append(p.matrix, matrixRow{Client: fmt.Sprintf("client-%02d", i), Result: probe.Result{Verdict: probe.Reject, Reason: verify.ClientCertExpired, Side: verify.SideServer}})
	}
	d.expect("client-00")
	for _, c := range []struct{ key, see, hidden string }{
		{"G", "client-39", "client-00"}, {"g", "client-00", "client-39"},
		{"end", "client-39", "client-00"}, {"home", "client-00", "client-39"},
	} {
		d.press(c.key)
		if s := d.screen(); !strings.Contains(s, c.see) || strings.Contains(s, c.hidden) {
			t.Fatalf("after %s want %s shown and %s not:\n%s", c.key, c.see, c.hidden, s)
		}
	}
}
