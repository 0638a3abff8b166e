package probe

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"math"
	"runtime"
	"sync"
	"time"

	"github.com/pkibench/pkibench/pki"
	"github.com/pkibench/pkibench/pki/verify"
)

// Run starts the built-in server on a free loopback port, connects the
// client to it once, exchanges the first bytes both ways and says what
// happened.
func Run(ctx context.Context, sc ServerConfig, cc ClientConfig, opts Options) Result {
	start := time.Now()
	if r, bad := localCheck("probe", sc, cc, opts, start); bad {
		return r
	}
	srv, err := newServer(sc, opts)
	if err != nil {
		return setupFailure("probe", sc, cc, opts, err, start)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	srv.start(ctx)
	defer srv.close()
	return probeOnce(ctx, srv, sc, cc, opts, newShared(opts))
}

// Matrix runs every client config against one built-in server and returns
// the results in the order of clients. The server is started once for the
// whole matrix and the handshakes run in parallel, one per core: each is
// CPU-bound on both of its sides (signatures, key exchange, chain
// verification), so more in flight only adds scheduling on a busy machine
// (measured in BENCHMARKS.md). A server identity whose key does not match
// fails every row the same way a single probe would. Every row is judged
// at one moment, opts.At or else the matrix's start (each row's At), and
// what does not depend on the client (the server chain's verdict and
// faults, a root's self-signature) is judged once for all rows; each row
// is what Run would give for its client at that moment. opts.Progress,
// when set, hears of each row as it finishes.
func Matrix(ctx context.Context, clients []ClientConfig, sc ServerConfig, opts Options) []Result {
	if opts.At.IsZero() {
		// One moment for the whole matrix, so what does not depend on the
		// client (the server chain's verdict and faults) is judged once.
		opts.At = time.Now()
	}
	m := newShared(opts)
	out := make([]Result, len(clients))
	srv, err := newServer(sc, opts)
	if err != nil {
		for i, cc := range clients {
			out[i] = setupFailure("probe", sc, cc, opts, err, time.Now())
			if opts.Progress != nil {
				opts.Progress(i, out[i])
			}
		}
		return out
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	srv.start(ctx)
	defer srv.close()
	next := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex // one Progress call at a time
	done := func(i int) {
		if opts.Progress != nil {
			mu.Lock()
			defer mu.Unlock()
			opts.Progress(i, out[i])
		}
	}
	for range min(len(clients), matrixWorkers()) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				cc := clients[i]
				// newServer checked the server's key pair once for all.
				if cc.Identity != nil {
					if err := checkIdentity("client", *cc.Identity); err != nil {
						out[i] = setupFailure("probe", sc, cc, opts, err, time.Now())
						done(i)
						continue
					}
				}
				out[i] = probeOnce(ctx, srv, sc, cc, opts, m)
				done(i)
			}
		}()
	}
	for i := range clients {
		next <- i
	}
	close(next)
	wg.Wait()
	return out
}

// matrixWorkers is how many handshakes of a matrix are in flight at once.
func matrixWorkers() int { return runtime.GOMAXPROCS(0) }

func probeOnce(ctx context.Context, srv *server, sc ServerConfig, cc ClientConfig, opts Options, m *shared) Result {
	start := time.Now()
	r := newResult("probe", sc.auth(), cc, opts)
	r.Addr = srv.addr()
	c := runClient(ctx, r.Addr, cc, opts, m, start, 0, nil)
	var s *serverOutcome
	if c.local != "" {
		ch := srv.pairs.ch(c.local)
		select {
		case s = <-ch:
		case <-time.After(opts.timeout() + time.Second):
		case <-ctx.Done():
		}
		srv.pairs.drop(c.local)
	}
	classifyPair(&r, c, s, sc, cc)
	fillFromClient(&r, c, cc)
	addAlso(&r, c, cc)
	if s != nil {
		r.Errors.Server = errText(firstErr(s.err, s.ioErr))
		if len(r.ClientChain) == 0 {
			r.ClientChain = summarize(s.peer)
		}
		r.Timeline = mergeSteps(c.log, shift(s.log, start))
	} else {
		r.Timeline = mergeSteps(c.log)
		if c.local != "" {
			r.note("the server's side of this connection was not seen")
		}
	}
	r.finish(start)
	return r
}

// shift re-bases a server log on the probe's start so both sides share one clock.
func shift(l *stepLog, start time.Time) *stepLog {
	d := ms(l.start.Sub(start))
	out := &stepLog{side: l.side, start: start, steps: make([]Step, len(l.steps))}
	for i, s := range l.steps {
		s.AtMS = math.Round((s.AtMS+d)*1000) / 1000
		out.steps[i] = s
	}
	return out
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

func newResult(mode string, auth AuthMode, cc ClientConfig, opts Options) Result {
	r := Result{Mode: mode, At: opts.at().UTC(), ServerName: cc.serverName(), Auth: auth, ClientName: "none"}
	if cc.Identity != nil {
		r.ClientName = cc.Identity.Name
		if r.ClientName == "" && cc.Identity.Cert != nil {
			r.ClientName = pki.FormatName(cc.Identity.Cert.Subject)
		}
	}
	return r
}

// fillFromClient copies what the client saw into the result.
func fillFromClient(r *Result, c *clientOutcome, cc ClientConfig) {
	r.TLS = tlsInfo(c.state)
	r.AcceptableCAs = decodeDNs(c.acceptable)
	r.ServerChain = summarize(c.serverChain)
	r.Errors.Client = errText(firstErr(c.dialErr, c.err, c.ioErr))
	if c.sentCert && cc.Identity != nil {
		// The chain as it went on the wire: the leaf and its intermediates.
		r.ClientChain = summarize(c.shared.wireChain(*cc.Identity))
	}
	if c.received > 0 || c.sent > 0 {
		r.Exchange = &ExchangeBytes{ClientSent: c.sent, ClientReceived: c.received}
	}
	withheldNote(r, c)
	r.Warnings = append(r.Warnings, c.warnings...)
}

// wireChain is what a peer presenting id sends: the leaf and the
// intermediates above it, never the self-signed root.
func wireChain(id pki.Identity) []*x509.Certificate {
	return wireChainWith(id, pki.IsSelfSigned)
}

// wireChainWith is wireChain with the self-signed test given (shared.wireChain).
func wireChainWith(id pki.Identity, selfSigned func(*x509.Certificate) bool) []*x509.Certificate {
	n := len(id.TLSCertificateWith(selfSigned).Certificate)
	return append([]*x509.Certificate{id.Cert}, id.Chain[:n-1]...)
}

// localCheck refuses, before any network traffic, identities whose key does
// not match their certificate.
func localCheck(mode string, sc ServerConfig, cc ClientConfig, opts Options, start time.Time) (Result, bool) {
	var errs []error
	if mode == "probe" {
		errs = append(errs, checkIdentity("server", sc.Identity))
	}
	if cc.Identity != nil {
		errs = append(errs, checkIdentity("client", *cc.Identity))
	}
	for _, err := range errs {
		if err != nil {
			return setupFailure(mode, sc, cc, opts, err, start), true
		}
	}
	return Result{}, false
}

func setupFailure(mode string, sc ServerConfig, cc ClientConfig, opts Options, err error, start time.Time) Result {
	r := newResult(mode, sc.auth(), cc, opts)
	var km *pki.KeyMismatchError
	var ie *identityError
	switch {
	case errors.As(err, &km):
		role := "an identity"
		if errors.As(err, &ie) {
			role = "the " + ie.role
		}
		r.set(verify.KeyMismatch, verify.SideLocal,
			fmt.Sprintf("The private key of %s does not belong to its certificate.", role),
			km.Error(), "pair the certificate with the key it was issued for (compare `openssl x509 -pubkey` with `openssl pkey -pubout`)")
	case errors.As(err, &ie):
		r.set(verify.Unknown, verify.SideLocal, err.Error(), "", "give the identity a certificate and its private key")
	default:
		r.set(verify.Unknown, verify.SideLocal, err.Error(), "", "")
	}
	r.Errors.Client = err.Error()
	r.finish(start)
	return r
}
