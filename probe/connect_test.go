package probe

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pkibench/pkibench/pki"
	"github.com/pkibench/pkibench/pki/verify"
)

// rawServer listens on loopback and runs fn for each connection until the
// test ends.
func rawServer(t *testing.T, fn func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				c.SetDeadline(time.Now().Add(3 * time.Second))
				fn(c)
			}()
		}
	}()
	return ln.Addr().String()
}

func TestConnectNetwork(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	t.Run("connection-refused", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		assertResult(t, Connect(ctx, addr, w.clientCfg(&w.client), Options{}), verify.ConnectionRefused, verify.SideNetwork)
	})
	t.Run("not-tls", func(t *testing.T) {
		addr := rawServer(t, func(c net.Conn) {
			c.Read(make([]byte, 1024))
			io.WriteString(c, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
		})
		assertResult(t, Connect(ctx, addr, w.clientCfg(&w.client), Options{}), verify.NotTLS, verify.SideNetwork)
	})
	t.Run("peer-closed", func(t *testing.T) {
		addr := rawServer(t, func(c net.Conn) { c.Read(make([]byte, 1024)) })
		assertResult(t, Connect(ctx, addr, w.clientCfg(&w.client), Options{}), verify.PeerClosed, verify.SideNetwork)
	})
	t.Run("timeout", func(t *testing.T) {
		done := make(chan struct{})
		addr := rawServer(t, func(c net.Conn) { <-done })
		r := Connect(ctx, addr, w.clientCfg(&w.client), Options{Timeout: 200 * time.Millisecond})
		close(done)
		assertResult(t, r, verify.Timeout, verify.SideNetwork)
	})
}

// nodeStyle is a TLS server that behaves like Node.js with requestCert and
// rejectUnauthorized: it verifies after the handshake and, when it does not
// like the client, closes without an alert ("socket hang up").
func nodeStyle(t *testing.T, w *world, crls []*x509.RevocationList, version uint16) string {
	t.Helper()
	pool := x509.NewCertPool()
	pool.AddCert(w.root.cert)
	cfg := &tls.Config{Certificates: []tls.Certificate{w.server.TLSCertificate()}, ClientAuth: tls.RequestClientCert,
		ClientCAs: pool, MaxVersion: version}
	return rawServer(t, func(c net.Conn) {
		tc := tls.Server(c, cfg)
		if err := tc.Handshake(); err != nil {
			return
		}
		peers := tc.ConnectionState().PeerCertificates
		if len(peers) == 0 {
			return // hang up
		}
		inter := x509.NewCertPool()
		for _, p := range peers[1:] {
			inter.AddCert(p)
		}
		if _, err := peers[0].Verify(x509.VerifyOptions{Roots: pool, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
			return
		}
		for _, crl := range crls {
			for _, e := range crl.RevokedCertificateEntries {
				if e.SerialNumber.Cmp(peers[0].SerialNumber) == 0 {
					return
				}
			}
		}
		if peers[0].Subject.CommonName == "mail" {
			return // refuses for a reason nobody can know from outside
		}
		tc.Read(make([]byte, 1024))
		io.WriteString(tc, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
		tc.Close()
	})
}

func TestConnectNodeStyleHangUp(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	cases := []struct {
		name   string
		id     *pki.Identity
		crls   []*x509.RevocationList
		at     time.Time
		reason verify.Code
		side   verify.Side
	}{
		{"accepted", ptr(w.clientViaInter), nil, time.Time{}, verify.OK, verify.SideNone},
		{"missing", nil, nil, time.Time{}, verify.ClientCertMissing, verify.SideServer},
		{"foreign-ca", &w.clientForeign, nil, time.Time{}, verify.ClientCertUntrusted, verify.SideServer},
		{"expired", &w.clientExpired, nil, time.Time{}, verify.ClientCertExpired, verify.SideServer},
		{"not-yet-valid", &w.clientNotYet, nil, time.Time{}, verify.ClientCertNotYetValid, verify.SideServer},
		{"wrong-usage", &w.clientServerEKU, nil, time.Time{}, verify.ClientCertWrongUsage, verify.SideServer},
		{"revoked-known-crl", &w.clientRevoked, []*x509.RevocationList{w.crl}, time.Time{}, verify.ClientCertRevoked, verify.SideServer},
		{"nothing-local", &w.client, nil, time.Time{}, verify.PeerClosed, verify.SideNetwork},
	}
	for _, v := range versions {
		for _, c := range cases {
			t.Run(v.name+"/"+c.name, func(t *testing.T) {
				t.Parallel()
				addr := nodeStyle(t, w, []*x509.RevocationList{w.crl}, v.v)
				cc := w.clientCfg(c.id)
				cc.KnownCRLs = c.crls
				r := Connect(ctx, addr, cc, Options{At: c.at})
				assertResult(t, r, c.reason, c.side)
				if c.reason != verify.OK && c.reason != verify.PeerClosed && !hasNote(r, "sent no alert") {
					t.Errorf("no 'sent no alert' note: %q", r.Notes)
				}
				if len(r.ServerChain) == 0 || len(r.AcceptableCAs) != 1 {
					t.Errorf("server chain %v, acceptable CAs %v", r.ServerChain, r.AcceptableCAs)
				}
			})
		}
	}
}

// TestConnectToServe drives the built-in server as an outside client would
// and checks both verdicts: the one Connect gives and the one Serve reports.
func TestConnectToServe(t *testing.T) {
	w := newWorld(t)
	for _, v := range versions {
		t.Run(v.name, func(t *testing.T) {
			sc := w.serverCfg(w.server)
			sc.MaxVersion = v.v
			srv, err := NewServer(sc, Options{})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			results := make(chan Result, 16)
			done := make(chan error)
			go func() { done <- srv.Serve(ctx, func(r Result) { results <- r }) }()
			defer func() {
				cancel()
				if err := <-done; err != nil {
					t.Error(err)
				}
			}()
			noTrust := w.clientCfg(&w.client)
			noTrust.RootCAs = nil
			expiredAt := w.clientCfg(&w.client)
			cases := []struct {
				name          string
				cc            ClientConfig
				opts          Options
				client, serve verify.Code
				side          verify.Side // of the serve verdict
			}{
				{"good", w.clientCfg(&w.client), Options{}, verify.OK, verify.OK, verify.SideNone},
				{"foreign", w.clientCfg(&w.clientForeign), Options{}, verify.ClientCertUntrusted, verify.ClientCertUntrusted, verify.SideServer},
				{"missing", w.clientCfg(nil), Options{}, verify.ClientCertMissing, verify.ClientCertMissing, verify.SideServer},
				{"expired", w.clientCfg(&w.clientExpired), Options{}, verify.ClientCertExpired, verify.ClientCertExpired, verify.SideServer},
				{"client-distrusts-server", noTrust, Options{}, verify.ServerCertUntrusted, verify.ServerCertUntrusted, verify.SideClient},
				// The client probes at a later time than the server verifies at:
				// its own certificate is expired for it, not for the server.
				{"client-clock-ahead", expiredAt, Options{At: time.Now().Add(2 * 365 * 24 * time.Hour)}, verify.ServerCertExpired, verify.ServerCertUntrusted, verify.SideClient},
			}
			for _, c := range cases {
				r := Connect(context.Background(), srv.Addr(), c.cc, c.opts)
				if r.Reason != c.client {
					t.Errorf("%s: connect says %s (%s): %s %q", c.name, r.Reason, r.Side, r.Summary, r.Errors)
				}
				select {
				case sr := <-results:
					if sr.Reason != c.serve || sr.Side != c.side || sr.Mode != "serve" || sr.Peer == "" || len(sr.AcceptableCAs) != 1 {
						t.Errorf("%s: serve says %s (%s) %s, want %s (%s)", c.name, sr.Reason, sr.Side, sr.Summary, c.serve, c.side)
					}
					if strings.TrimSpace(sr.Line()) == "" {
						t.Errorf("empty line")
					}
				case <-time.After(5 * time.Second):
					t.Fatalf("%s: no serve verdict", c.name)
				}
			}
			// plain HTTP to the TLS port
			conn, err := net.Dial("tcp", srv.Addr())
			if err != nil {
				t.Fatal(err)
			}
			io.WriteString(conn, "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
			io.ReadAll(conn)
			conn.Close()
			if sr := <-results; sr.Reason != verify.NotTLS {
				t.Errorf("plain HTTP: serve says %s", sr.Reason)
			}
		})
	}
}

func TestServeRefusesPublicListen(t *testing.T) {
	w := newWorld(t)
	for _, addr := range []string{"0.0.0.0:0", ":0", "192.0.2.1:8443"} {
		sc := w.serverCfg(w.server)
		sc.Listen = addr
		_, err := NewServer(sc, Options{})
		var pe *PublicListenError
		if !errors.As(err, &pe) {
			t.Errorf("%s: err = %v, want PublicListenError", addr, err)
		}
	}
	sc := w.serverCfg(w.server)
	sc.Listen = "localhost:0"
	srv, err := NewServer(sc, Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv.s.ln.Close()
}

func TestServeStopsOnCancel(t *testing.T) {
	w := newWorld(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	srv, err := NewServer(w.serverCfg(w.server), Options{})
	if err != nil {
		t.Fatal(err)
	}
	go func() { done <- srv.Serve(ctx, nil) }()
	cancel()
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		t.Fatal("Serve did not stop")
	}
	if r := Connect(context.Background(), srv.Addr(), w.clientCfg(&w.client), Options{}); r.Reason != verify.ConnectionRefused {
		t.Errorf("after stop: %s", r.Reason)
	}
}

func TestMatrix(t *testing.T) {
	w := newWorld(t)
	ids := []*pki.Identity{&w.client, &w.clientForeign, nil, &w.clientExpired, &w.clientRevoked, &w.clientWrongKey}
	want := []verify.Code{verify.OK, verify.ClientCertUntrusted, verify.ClientCertMissing, verify.ClientCertExpired, verify.ClientCertRevoked, verify.KeyMismatch}
	var clients []ClientConfig
	for _, id := range ids {
		clients = append(clients, w.clientCfg(id))
	}
	sc := w.serverCfg(w.server)
	sc.CheckCRL, sc.CRLs = true, []*x509.RevocationList{w.crl}
	// Progress hears of every row once, with the result Matrix returns;
	// the map is not locked: the calls never overlap (go test -race).
	heard := map[int]Result{}
	rs := Matrix(context.Background(), clients, sc, Options{Progress: func(i int, r Result) {
		if _, dup := heard[i]; dup {
			t.Errorf("progress heard client %d twice", i)
		}
		heard[i] = r
	}})
	if len(rs) != len(want) {
		t.Fatalf("%d results", len(rs))
	}
	if len(heard) != len(rs) {
		t.Errorf("progress heard %d of %d clients", len(heard), len(rs))
	}
	for i, r := range heard {
		if r.Reason != rs[i].Reason || r.ClientName != rs[i].ClientName {
			t.Errorf("progress of client %d: %s %s, Matrix returned %s %s", i, r.ClientName, r.Reason, rs[i].ClientName, rs[i].Reason)
		}
	}
	for i, r := range rs {
		if r.Reason != want[i] {
			t.Errorf("client %d (%s): %s, want %s", i, r.ClientName, r.Reason, want[i])
		}
	}
	if rs[2].ClientName != "none" {
		t.Errorf("client name %q", rs[2].ClientName)
	}
}

func TestConnectTarget(t *testing.T) {
	for _, c := range []struct{ in, name, addr, wantName string }{
		{"127.0.0.1:3100", "", "127.0.0.1:3100", "localhost"},
		{"invoice.abc.com", "", "invoice.abc.com:443", "invoice.abc.com"},
		{"[::1]:8443", "", "[::1]:8443", "localhost"},
		{"10.0.0.5:443", "mail.abc.com", "10.0.0.5:443", "mail.abc.com"},
		{"::1", "", "[::1]:443", "localhost"},
	} {
		addr, name := connectTarget(c.in, c.name)
		if addr != c.addr || name != c.wantName {
			t.Errorf("connectTarget(%q, %q) = %q, %q", c.in, c.name, addr, name)
		}
	}
}
