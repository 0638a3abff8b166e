package probe

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/pkibench/pkibench/pki"
	"github.com/pkibench/pkibench/pki/verify"
)

// server is the built-in server: one listener, one session per connection.
// Each session's outcome goes to the client that made the connection (Run,
// Matrix), paired by the client's address, or to Serve's callback
// (serveLimited).
type server struct {
	cfg   ServerConfig
	opts  Options
	cert  tls.Certificate
	pool  *x509.CertPool
	ln    net.Listener
	wg    sync.WaitGroup
	pairs pairing
	// acceptLog hears of each accept error the server rides out.
	acceptLog func(err error, retry time.Duration)
}

// serverOutcome is what one session saw, from the server's side only.
type serverOutcome struct {
	remote    string
	at        time.Time
	nameOf    func(*x509.Certificate) string
	known     []*x509.Certificate
	log       *stepLog
	err       error           // handshake error, as crypto/tls returned it
	ioErr     error           // error reading the first bytes
	finding   *verify.Finding // pkibench's own verdict on the client chain
	peer      []*x509.Certificate
	state     tls.ConnectionState
	handshake bool
	request   int    // first application bytes received
	sni       string // server name the client asked for
	offered   []uint16
}

// identityError is a local problem with an identity, found before dialling.
type identityError struct {
	role string
	err  error
}

func (e *identityError) Error() string { return e.role + " identity: " + e.err.Error() }
func (e *identityError) Unwrap() error { return e.err }

func checkIdentity(role string, id pki.Identity) error {
	if id.Cert == nil {
		return &identityError{role, errors.New("no certificate")}
	}
	if id.Key == nil {
		return &identityError{role, fmt.Errorf("no private key for %s", pki.FormatName(id.Cert.Subject))}
	}
	if err := pki.CheckKeyPair(id.Cert, id.Key); err != nil {
		return &identityError{role, err}
	}
	return nil
}

func newServer(sc ServerConfig, opts Options) (*server, error) {
	if err := checkIdentity("server", sc.Identity); err != nil {
		return nil, err
	}
	addr, err := sc.listenAddr()
	if err != nil {
		return nil, err
	}
	s := &server{cfg: sc, opts: opts, cert: sc.Identity.TLSCertificate(), pairs: pairing{m: map[string]chan *serverOutcome{}}}
	if len(sc.ClientCAs) > 0 {
		s.pool = x509.NewCertPool()
		for _, c := range sc.ClientCAs {
			s.pool.AddCert(c)
		}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listening on %s: %w", addr, err)
	}
	s.ln = ln
	return s, nil
}

func (s *server) addr() string { return s.ln.Addr().String() }

// serve accepts until the listener is closed or ctx is done, one
// goroutine per connection (the probe's own server: its clients are the
// probe's, so their number is already bounded).
func (s *server) serve(ctx context.Context) error {
	var delay time.Duration
	for {
		conn, err := s.accept(ctx, &delay)
		if conn == nil {
			return err
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			out := s.handle(ctx, conn)
			s.pairs.ch(out.remote) <- out
		}()
	}
}

// accept returns the next connection, or nil when the listener is closed
// or ctx is done (a nil error) or accepting failed for good. Accept
// errors that pass (no file descriptors left, a connection reset before
// it was accepted) are waited out with a backoff, 5 ms doubling up to
// 1 s, as net/http does; delay carries the backoff between calls.
func (s *server) accept(ctx context.Context, delay *time.Duration) (net.Conn, error) {
	for {
		conn, err := s.ln.Accept()
		if err == nil {
			*delay = 0
			return conn, nil
		}
		if errors.Is(err, net.ErrClosed) || ctx.Err() != nil {
			return nil, nil
		}
		if !temporaryAcceptError(err) {
			return nil, fmt.Errorf("accepting connections on %s: %w", s.addr(), err)
		}
		*delay = min(max(2**delay, 5*time.Millisecond), time.Second)
		if s.acceptLog != nil {
			s.acceptLog(err, *delay)
		}
		select {
		case <-time.After(*delay):
		case <-ctx.Done():
			return nil, nil
		}
	}
}

// start serves in the background until close; counting the accept loop in
// wg keeps every later Add ahead of close's Wait.
func (s *server) start(ctx context.Context) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		_ = s.serve(ctx) // a probe's own listener; a failed accept shows as the probe's timeout
	}()
}

// close stops accepting and waits for the sessions in flight, which end by
// their own deadlines.
func (s *server) close() {
	s.ln.Close()
	s.wg.Wait()
}

func (s *server) tlsConfig(out *serverOutcome) *tls.Config {
	mode := s.cfg.auth()
	at := out.at
	return &tls.Config{
		Certificates:           []tls.Certificate{s.cert},
		ClientAuth:             mode.tlsClientAuth(),
		ClientCAs:              s.pool, // sent as the acceptable CA names
		MinVersion:             s.cfg.MinVersion,
		MaxVersion:             s.cfg.MaxVersion,
		CipherSuites:           s.cfg.CipherSuites,
		SessionTicketsDisabled: true,
		Time:                   func() time.Time { return at },
		GetConfigForClient: func(hi *tls.ClientHelloInfo) (*tls.Config, error) {
			out.sni = hi.ServerName
			out.offered = hi.SupportedVersions
			out.log.add("ClientHello received (SNI %q, versions %s)", hi.ServerName, versionList(hi.SupportedVersions))
			return nil, nil
		},
		VerifyConnection: func(cs tls.ConnectionState) error {
			out.peer = cs.PeerCertificates
			if len(cs.PeerCertificates) == 0 {
				if mode != AuthNone {
					out.log.add("no client certificate received")
				}
				return nil
			}
			out.log.add("client certificate received: %s", pki.FormatName(cs.PeerCertificates[0].Subject))
			if !mode.verifies() {
				out.log.add("client certificate not verified (auth mode %s)", mode)
				return nil
			}
			if f := s.verifyClient(cs.PeerCertificates, at); f != nil {
				out.finding = f
				out.log.add("client certificate rejected: %s", f.Code)
				return f
			}
			out.log.add("client certificate verified")
			return nil
		},
	}
}

// verifyClient checks a client chain the way the server is configured to,
// CRLs included (crypto/tls has no CRL checking).
func (s *server) verifyClient(chain []*x509.Certificate, at time.Time) *verify.Finding {
	vo := verify.Options{Roots: s.cfg.ClientCAs, Intermediates: chain[1:], Usage: verify.UsageClient, At: at, NameOf: s.opts.NameOf, Known: s.opts.KnownCAs}
	if s.cfg.CheckCRL {
		vo.CRLs, vo.RequireCRL = s.cfg.CRLs, true
		if s.cfg.CRLSource != nil {
			crls, err := s.cfg.CRLSource()
			if err != nil {
				return &verify.Finding{Code: verify.CRLMissing, Side: verify.SideServer,
					Summary: "The server could not read its current CRLs, so it refuses client certificates until it can: " + err.Error(),
					Fix:     &pki.Fix{Kind: pki.FixRepair, Say: "check the store's published CRLs (a repair mends a torn publication), then publish the CA's CRL again"}, Err: err}
			}
			vo.CRLs = crls
		}
	}
	_, f := verify.Verify(chain[0], vo)
	if f != nil && f.Side == verify.SideNone {
		f.Side = verify.SideServer
	}
	return f
}

// handle runs one session: handshake, then the first bytes both ways.
func (s *server) handle(ctx context.Context, raw net.Conn) *serverOutcome {
	out := s.accepted(raw, time.Now())
	defer raw.Close()
	if tc := s.handshake(ctx, raw, out); tc != nil {
		s.answer(tc, out)
	}
	return out
}

// accepted starts the outcome of a connection accepted at start.
func (s *server) accepted(raw net.Conn, start time.Time) *serverOutcome {
	out := &serverOutcome{remote: raw.RemoteAddr().String(), at: s.opts.at(), nameOf: s.opts.NameOf, known: s.opts.KnownCAs,
		log: &stepLog{side: verify.SideServer, start: start}}
	out.log.add("connection accepted from %s", out.remote)
	return out
}

// handshake runs the TLS handshake on conn within the timeout, counted
// from now. It returns the connection, or nil when the handshake failed
// (out says why).
func (s *server) handshake(ctx context.Context, conn net.Conn, out *serverOutcome) *tls.Conn {
	conn.SetDeadline(time.Now().Add(s.opts.timeout()))
	tc := tls.Server(conn, s.tlsConfig(out))
	err := tc.HandshakeContext(ctx)
	out.state = tc.ConnectionState()
	if err != nil {
		out.err = err
		out.log.add("handshake failed: %v", err)
		return nil
	}
	out.handshake = true
	out.log.add("handshake complete (%s, %s)", tls.VersionName(out.state.Version), tls.CipherSuiteName(out.state.CipherSuite))
	return tc
}

// answer waits a little for the client's first bytes, answers with the
// verdict as an HTTP response and closes the TLS session; the answer has
// the timeout of its own (after a wait as long as the timeout, a deadline
// shared with the handshake would have passed).
func (s *server) answer(tc *tls.Conn, out *serverOutcome) {
	// An outside client may send nothing (openssl s_client without input):
	// wait a little for a request, then answer anyway.
	tc.SetReadDeadline(time.Now().Add(firstBytesWait(s.opts.timeout())))
	buf := make([]byte, 4096)
	n, rerr := tc.Read(buf)
	out.request = n
	if n > 0 {
		out.log.add("received %d bytes: %q", n, firstLine(buf[:n]))
	} else if rerr != nil {
		out.ioErr = rerr
		out.log.add("read: %v", rerr)
		if !isTimeout(rerr) {
			return
		}
	}
	tc.SetWriteDeadline(time.Now().Add(s.opts.timeout()))
	body := "pkibench: ACCEPT: " + s.describePeer(out) + "\n"
	resp := fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", len(body), body)
	if _, err := tc.Write([]byte(resp)); err != nil {
		out.ioErr = err
		out.log.add("write: %v", err)
		return
	}
	out.log.add("sent %d bytes", len(resp))
	tc.Close()
}

// firstBytesWait is how long the server waits for a request after the
// handshake: the timeout, at most 2 s.
func firstBytesWait(timeout time.Duration) time.Duration { return min(timeout, 2*time.Second) }

func (s *server) describePeer(out *serverOutcome) string {
	if len(out.peer) == 0 {
		return "no client certificate"
	}
	v := "verified"
	if !s.cfg.auth().verifies() {
		v = "not verified"
	}
	return fmt.Sprintf("client certificate %s (%s)", pki.FormatName(out.peer[0].Subject), v)
}

func firstLine(b []byte) string {
	s := string(b)
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i]
	}
	if len(s) > 60 {
		s = s[:60] + "..."
	}
	return s
}

func versionList(vs []uint16) string {
	names := make([]string, 0, len(vs))
	for _, v := range vs {
		if n := tls.VersionName(v); !strings.HasPrefix(n, "0x") {
			names = append(names, n)
		}
	}
	return strings.Join(names, ", ")
}

// pairing hands a server session's outcome to the client that opened it.
type pairing struct {
	mu sync.Mutex
	m  map[string]chan *serverOutcome
}

func (p *pairing) ch(addr string) chan *serverOutcome {
	p.mu.Lock()
	defer p.mu.Unlock()
	c, ok := p.m[addr]
	if !ok {
		c = make(chan *serverOutcome, 1)
		p.m[addr] = c
	}
	return c
}

func (p *pairing) drop(addr string) {
	p.mu.Lock()
	delete(p.m, addr)
	p.mu.Unlock()
}

// temporaryAcceptError is an accept error that passes by itself: the
// process or system is out of file descriptors or buffers for the moment,
// or a client gave up before its connection was accepted.
func temporaryAcceptError(err error) bool {
	for _, e := range []syscall.Errno{syscall.EMFILE, syscall.ENFILE, syscall.ENOBUFS, syscall.ENOMEM,
		syscall.ECONNABORTED, syscall.ECONNRESET, syscall.EAGAIN, syscall.EINTR, syscall.EPROTO} {
		if errors.Is(err, e) {
			return true
		}
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
