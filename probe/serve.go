package probe

import (
	"context"
	"crypto/tls"
	"sync"
	"time"

	"github.com/pkibench/pkibench/pki/verify"
)

// Server is the built-in server kept up for outside clients (curl, openssl
// s_client, Node.js): each connection yields one verdict.
type Server struct {
	s      *server
	limits Limits
}

// NewServer checks the identity and listens; refusing a non-loopback
// address unless sc.AllowPublic is set.
func NewServer(sc ServerConfig, opts Options) (*Server, error) {
	s, err := newServer(sc, opts)
	if err != nil {
		return nil, err
	}
	return &Server{s: s}, nil
}

// Addr is the host:port the server listens on.
func (s *Server) Addr() string { return s.s.addr() }

// Serve accepts connections until ctx is cancelled, calling fn once per
// connection with its verdict as the server saw it. Calls to fn never
// overlap, and a connection's verdict is not kept once fn returns. What it
// holds at once is bounded by its Limits (see SetLimits): connections
// beyond them wait in the kernel's listen queue, and a slow fn slows
// accepting the same way. It returns after the last connection accepted
// has been delivered: nil when stopped, an error when accepting failed for
// good (accept errors that pass are ridden out, see LogAcceptErrors). When
// ctx ends, connections queued, waiting for a handshake slot or in a
// handshake end at once with ctx's error as their verdict; a session
// answering its client ends within its wait for the request (at most 2 s).
func (s *Server) Serve(ctx context.Context, fn func(Result)) error {
	var mu sync.Mutex
	deliver := func(out *serverOutcome) {
		r := serverResult(out, s.s.cfg, s.Addr())
		mu.Lock()
		defer mu.Unlock()
		if fn != nil {
			fn(r)
		}
	}
	stopped := make(chan struct{})
	defer close(stopped)
	go func() {
		select {
		case <-ctx.Done():
			s.s.ln.Close()
		case <-stopped:
		}
	}()
	return s.s.serveLimited(ctx, s.limits, deliver)
}

// SetLimits bounds the handshakes in progress, the connections served and
// those queued at once; call it before Serve. Zero fields take the
// defaults.
func (s *Server) SetLimits(l Limits) { s.limits = l }

// LogAcceptErrors makes Serve report each accept error it rides out (file
// descriptors exhausted, say) with the delay before it tries again.
func (s *Server) LogAcceptErrors(fn func(err error, retry time.Duration)) { s.s.acceptLog = fn }

// serverResult decides one outside connection from the server's side.
func serverResult(out *serverOutcome, sc ServerConfig, addr string) Result {
	start := out.log.start
	r := Result{Mode: "serve", Addr: addr, Peer: out.remote, At: out.at.UTC(), ServerName: out.sni, Auth: sc.auth()}
	classifyServer(&r, out, sc)
	r.TLS = tlsInfo(out.state)
	r.ClientChain = summarize(out.peer)
	if sc.auth() != AuthNone {
		// The names this server put in its CertificateRequest.
		for _, c := range sc.ClientCAs {
			r.AcceptableCAs = append(r.AcceptableCAs, decodeDNs([][]byte{c.RawSubject})...)
		}
	}
	r.ServerChain = summarize(wireChain(sc.Identity))
	r.Errors.Server = errText(firstErr(out.err, out.ioErr))
	r.Timeline = mergeSteps(out.log)
	r.finish(start)
	return r
}

func classifyServer(r *Result, s *serverOutcome, sc ServerConfig) {
	mode := sc.auth()
	if s.finding != nil {
		r.setFinding(s.finding, verify.SideServer)
		return
	}
	f := factsOf(s.err)
	switch {
	case s.err == nil:
	case len(s.peer) == 0 && mode.requires() && f.noCert:
		r.set(verify.ClientCertMissing, verify.SideServer,
			"The server requires a client certificate and the client sent none.", "",
			"give the client a certificate and key: curl --cert/--key, openssl s_client -cert/-key, Node.js https.request({cert, key})")
		return
	case f.version || f.alert == alertProtocolVersion:
		side := verify.SideServer
		if f.alert == alertProtocolVersion {
			side = verify.SideClient
		}
		versionMismatch(r, side, 0, 0, sc.MinVersion, sc.MaxVersion)
		r.note("the client offered: %s", versionList(s.offered))
		return
	case f.noCipher:
		noSharedCipher(r, verify.SideServer)
		return
	case f.alert != noAlert:
		alertFromClient(r, f.alert, s, sc)
		return
	case f.sent == alertBadRecordMAC && s.state.Version == tls.VersionTLS13 && len(s.peer) == 0:
		// OpenSSL clients (curl, s_client) send the alert that refuses the
		// server's certificate unencrypted in TLS 1.3, where the server
		// already expects encrypted records: it arrives as a bad MAC.
		alertFromClient(r, alertCertificateUnknown, s, sc)
		r.Notes = r.Notes[:len(r.Notes)-1]
		r.note("the client sent an alert the server could not read (OpenSSL sends it unencrypted in TLS 1.3): it most likely refused the server certificate")
		return
	case f.notTLS:
		notTLS(r)
		r.note("the client spoke something other than TLS (plain HTTP to an https port?)")
		return
	case f.closed:
		if fd := diagnoseServerCert(s, sc); fd != nil {
			r.setFinding(fd, verify.SideClient)
			r.note("the client closed the connection without an alert; the reason above is what pkibench found in its own certificate")
			return
		}
		r.set(verify.PeerClosed, verify.SideNetwork, "The client closed the connection during the handshake without a TLS alert.", "",
			"look at the client's error message (curl -v, openssl s_client output)")
		return
	case f.timeout:
		timeout(r)
		return
	default:
		r.set(verify.Unknown, verify.SideServer, "The handshake failed: "+s.err.Error(), "", "see the raw error")
		return
	}
	if s.ioErr != nil {
		if a := receivedAlert(s.ioErr); a != noAlert {
			alertFromClient(r, a, s, sc)
			return
		}
	}
	r.set(verify.OK, verify.SideNone, "Handshake complete; "+(&server{cfg: sc}).describePeer(s)+".", "", "")
	if s.request == 0 {
		r.note("the client sent no bytes after the handshake")
	}
	if len(s.peer) > 0 && !mode.verifies() {
		if fd := (&server{cfg: sc}).verifyClient(s.peer, s.at); fd != nil {
			r.note("the server (auth %s) took the client certificate without verifying it; verifying would have refused it: %s", mode, fd.Code)
		}
	}
}
