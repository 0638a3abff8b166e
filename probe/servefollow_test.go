package probe

import (
	"context"
	"crypto/x509"
	"errors"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pkibench/pkibench/pki/verify"
)

// TestServeLogsAcceptErrors: each error ridden out is reported with its
// backoff, which grows from 5 ms and never passes 1 s.
func TestServeLogsAcceptErrors(t *testing.T) {
	w := newWorld(t)
	srv, err := NewServer(w.serverCfg(w.server), Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv.s.ln = &flakyListener{Listener: srv.s.ln, fails: 4, err: errEMFILE}
	var mu sync.Mutex
	var delays []time.Duration
	srv.LogAcceptErrors(func(err error, retry time.Duration) {
		if !errors.Is(err, syscall.EMFILE) {
			t.Errorf("logged %v", err)
		}
		mu.Lock()
		delays = append(delays, retry)
		mu.Unlock()
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, nil) }()
	Connect(ctx, srv.Addr(), w.clientCfg(&w.client), Options{})
	cancel()
	<-done
	mu.Lock()
	defer mu.Unlock()
	want := []time.Duration{5 * time.Millisecond, 10 * time.Millisecond, 20 * time.Millisecond, 40 * time.Millisecond}
	if len(delays) != len(want) {
		t.Fatalf("logged %v, want %v", delays, want)
	}
	for i := range want {
		if delays[i] != want[i] {
			t.Errorf("logged %v, want %v", delays, want)
		}
	}
}

// TestServeFollowsCRLSource: with a CRL source the server asks for the
// current CRLs at every connection, so a revocation published while it
// runs refuses the next handshake; a source that fails refuses too.
func TestServeFollowsCRLSource(t *testing.T) {
	w := newWorld(t)
	sc := w.serverCfg(w.server)
	sc.CheckCRL = true
	empty := w.makeCRL(t, w.now.Add(-time.Hour), w.now.Add(7*24*time.Hour))
	var mu sync.Mutex
	current := []any{empty}
	sc.CRLs = nil
	sc.CRLSource = func() ([]*x509.RevocationList, error) {
		mu.Lock()
		defer mu.Unlock()
		switch v := current[0].(type) {
		case error:
			return nil, v
		default:
			return []*x509.RevocationList{v.(*x509.RevocationList)}, nil
		}
	}
	srv, err := NewServer(sc, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	results := make(chan Result, 4)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, func(r Result) { results <- r }) }()
	defer func() { cancel(); <-done }()
	verdict := func() verify.Code {
		Connect(ctx, srv.Addr(), w.clientCfg(&w.clientRevoked), Options{})
		select {
		case r := <-results:
			return r.Reason
		case <-ctx.Done():
			t.Fatal("no verdict")
			return ""
		}
	}
	if got := verdict(); got != verify.OK {
		t.Fatalf("before revocation: %s", got)
	}
	mu.Lock()
	current[0] = w.crl // lists clientRevoked
	mu.Unlock()
	if got := verdict(); got != verify.ClientCertRevoked {
		t.Errorf("after the CRL was published: %s, want %s", got, verify.ClientCertRevoked)
	}
	mu.Lock()
	current[0] = errors.New("crl.der: permission denied")
	mu.Unlock()
	if got := verdict(); got != verify.CRLMissing {
		t.Errorf("CRL source failing: %s, want %s (fail closed)", got, verify.CRLMissing)
	}
}
