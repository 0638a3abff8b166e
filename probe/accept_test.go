package probe

import (
	"context"
	"errors"
	"net"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pkibench/pkibench/pki/verify"
)

// flakyListener fails its first accepts with err, then (unless broken)
// accepts for real: what a listener does when the process is out of file
// descriptors, and what it does when it is gone for good.
type flakyListener struct {
	net.Listener
	mu     sync.Mutex
	fails  int
	err    error
	broken bool
}

func (l *flakyListener) Accept() (net.Conn, error) {
	l.mu.Lock()
	if l.fails > 0 || l.broken {
		l.fails--
		l.mu.Unlock()
		return nil, l.err
	}
	l.mu.Unlock()
	return l.Listener.Accept()
}

var errEMFILE = &net.OpError{Op: "accept", Net: "tcp", Err: os.NewSyscallError("accept4", syscall.EMFILE)}

// TestServeRidesOutAcceptErrors: serve once returned (and the CLI exited 0
// without a word) at the first failed accept; now it backs off and keeps
// serving, as net/http does.
func TestServeRidesOutAcceptErrors(t *testing.T) {
	w := newWorld(t)
	srv, err := NewServer(w.serverCfg(w.server), Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv.s.ln = &flakyListener{Listener: srv.s.ln, fails: 5, err: errEMFILE}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	results := make(chan Result, 4)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, func(r Result) { results <- r }) }()
	r := Connect(ctx, srv.Addr(), w.clientCfg(&w.client), Options{})
	if r.Reason != verify.OK {
		t.Errorf("connect after 5 failed accepts: %s %s", r.Reason, r.Summary)
	}
	select {
	case sr := <-results:
		if sr.Reason != verify.OK {
			t.Errorf("serve verdict: %s", sr.Reason)
		}
	case err := <-done:
		t.Fatalf("Serve returned %v at a passing accept error instead of serving", err)
	case <-ctx.Done():
		t.Fatal("no verdict from serve")
	}
	select {
	case err := <-done:
		t.Fatalf("Serve returned %v while still wanted", err)
	default:
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Serve after cancel: %v, want nil", err)
	}
}

// TestServeStopsOnPermanentAcceptError: an accept error that does not pass
// ends Serve with an error saying so, never a silent nil.
func TestServeStopsOnPermanentAcceptError(t *testing.T) {
	w := newWorld(t)
	srv, err := NewServer(w.serverCfg(w.server), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.s.ln.Close()
	gone := errors.New("listener gone")
	srv.s.ln = &flakyListener{Listener: srv.s.ln, broken: true, err: &net.OpError{Op: "accept", Net: "tcp", Err: gone}}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, nil) }()
	select {
	case err := <-done:
		if !errors.Is(err, gone) {
			t.Errorf("Serve = %v, want an error wrapping %v", err, gone)
		}
	case <-ctx.Done():
		t.Fatal("Serve kept retrying an accept error that does not pass")
	}
}
