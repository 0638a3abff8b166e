package probe

import (
	"context"
	"crypto/x509"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/pkibench/pkibench/pki"
	"github.com/pkibench/pkibench/pki/verify"
)

// Source is where a probe request's names are resolved: identities, trust
// anchors and CRLs. *store.Store satisfies it; the package probe never
// imports the store, so the CLI, the TUI, the lab and serve all set up a
// probe through Request and this interface, and decide alike.
type Source interface {
	// Identity returns a certificate with its chain and, when at hand, its
	// key; pass is asked only for an encrypted key and may be nil.
	Identity(name string, pass pki.PassphraseFunc) (pki.Identity, error)
	// CACerts returns the certificates of the named CAs (trust anchors).
	CACerts(names ...string) ([]*x509.Certificate, error)
	// CRLs returns every CRL the source has published, one per CA.
	CRLs() ([]*x509.RevocationList, error)
	// Knowledge names certificates and lists the known CAs, to explain a
	// verdict (a missing intermediate rather than an unknown CA).
	Knowledge(ids ...*pki.Identity) pki.Knowledge
}

// DefaultTimeout bounds a probe's handshake and first bytes when a request
// gives none: the CLI's --timeout default and the TUI's only value.
const DefaultTimeout = defaultTimeout

// Field names a part of a request, so a front end can point at its own flag
// (--client-trust) or form field (Client trusts) when a request is refused.
type Field string

const (
	FieldClient      Field = "client"
	FieldServer      Field = "server"
	FieldServerTrust Field = "server-trust"
	FieldClientTrust Field = "client-trust"
	FieldTimeout     Field = "timeout"
	FieldStartTLS    Field = "starttls"
)

// Request is one probe, by source names. The zero values are the defaults:
// no client certificate, each side trusting the root above its own
// certificate, require-and-verify, no CRL check, server name localhost,
// Go's TLS versions, now, DefaultTimeout.
type Request struct {
	// Client is the client identity; "" sends no certificate.
	Client string
	// Server is the built-in server's identity ("" with Connect).
	Server string
	// ServerTrust are the CAs client certificates must chain to; empty is
	// the root above the server's own certificate.
	ServerTrust []string
	// ClientTrust are the CAs the server certificate must chain to; empty is
	// the root above the client's own certificate. A client without a
	// certificate has no root of its own and must be told (TrustNeededError).
	ClientTrust []string
	Auth        AuthMode
	// CheckCRL makes the server check client chains against every CRL the
	// source has published; without it no CRL is read.
	CheckCRL   bool
	ServerName string
	// ClientVersion and ServerVersion pin one TLS version (0: Go's default).
	ClientVersion, ServerVersion uint16
	GoStyle                      bool
	// Connect is HOST:PORT of an outside server: only the client side runs,
	// and the source's CRLs are read to explain a server that hangs up.
	Connect string
	// At is the verification time of both sides; zero is each connection's now.
	At time.Time
	// Timeout bounds the handshake and first bytes; zero is DefaultTimeout.
	Timeout time.Duration
	// Passphrase is asked for an encrypted key; nil means nobody can be
	// asked, and an encrypted key is refused with the source's error.
	Passphrase pki.PassphraseFunc
	// Emulate is the client whose judgement the probe copies ("" is curl).
	Emulate verify.Client
	// StartTLS is the protocol spoken before the handshake (Connect only).
	StartTLS string
	// SystemRoots are the system's trusted roots, loaded by the front end
	// when asked (curl's default trust); they add to ClientTrust and count
	// as trust given for a client without a certificate.
	SystemRoots []*x509.Certificate
}

// Resolved is a request turned into the values the engine takes.
type Resolved struct {
	Server  ServerConfig
	Client  ClientConfig
	Options Options
}

// MissingError refuses a request that lacks a part it needs.
type MissingError struct {
	Field Field
	Why   string
}

func (e *MissingError) Error() string { return fmt.Sprintf("%s: %s", e.Field, e.Why) }

// NoKeyError refuses an identity whose private key is not at hand: a peer
// that cannot prove its certificate tests nothing.
type NoKeyError struct {
	Field Field
	Name  string
}

func (e *NoKeyError) Error() string {
	return fmt.Sprintf("%s %s: its private key is not in the store", e.Field, e.Name)
}

// TrustNeededError refuses a side that has no certificate (or no chain up to
// a root) to take its trust from and was not told what to trust.
type TrustNeededError struct {
	Field Field  // the trust field that must be given
	Name  string // the identity without a root, "" for no certificate
}

func (e *TrustNeededError) Error() string {
	if e.Name == "" {
		return fmt.Sprintf("a client without a certificate must be told what to trust: %s CA", e.Field)
	}
	return fmt.Sprintf("%s CA is needed: the chain of %s does not reach a root", e.Field, e.Name)
}

// ResolveError wraps the source's answer for one named part of a request.
type ResolveError struct {
	Field Field
	Name  string
	Err   error
}

func (e *ResolveError) Error() string { return fmt.Sprintf("%s %s: %v", e.Field, e.Name, e.Err) }
func (e *ResolveError) Unwrap() error { return e.Err }

// Resolve turns a built-in probe (client against Server) or, with Connect,
// a client-only probe into engine values.
func (r Request) Resolve(src Source) (Resolved, error) {
	var out Resolved
	opts, err := r.options()
	if err != nil {
		return out, err
	}
	var server *pki.Identity
	if r.Connect == "" {
		if out.Server, err = r.ResolveServer(src); err != nil {
			return out, err
		}
		server = &out.Server.Identity
	}
	if out.Client, err = r.ResolveClient(src); err != nil {
		return out, err
	}
	out.Options = r.know(src, opts, server, out.Client.Identity)
	return out, nil
}

// ResolveServer resolves the server side alone (serve, and the matrix).
func (r Request) ResolveServer(src Source) (ServerConfig, error) {
	if r.Server == "" {
		return ServerConfig{}, &MissingError{FieldServer, "a server identity is required"}
	}
	id, err := r.identity(src, FieldServer, r.Server)
	if err != nil {
		return ServerConfig{}, err
	}
	auth := r.Auth
	if auth == "" {
		auth = AuthRequireAndVerify
	}
	sc := ServerConfig{Identity: id, Auth: auth, CheckCRL: r.CheckCRL, MinVersion: r.ServerVersion, MaxVersion: r.ServerVersion}
	if sc.ClientCAs, err = trust(src, FieldServerTrust, r.ServerTrust, &id, pki.IsSelfSigned); err != nil {
		return sc, err
	}
	if r.CheckCRL {
		// Every published CRL, and an unreadable one fails the request: a
		// server told to check CRLs must never pass a client for want of one.
		if sc.CRLs, err = src.CRLs(); err != nil {
			return sc, fmt.Errorf("reading the CRLs to check: %w", err)
		}
	}
	return sc, nil
}

// ResolveClient resolves the client side alone.
func (r Request) ResolveClient(src Source) (ClientConfig, error) {
	return r.resolveClient(src, pki.IsSelfSigned)
}

// ResolveClients resolves the client side for each of names (r.Client
// ignored; "" sends no certificate), as ResolveClient would one by one: the
// clients of a matrix. They are read in parallel, one reader per core, and
// a root above many of them has its self-signature checked once. Each
// name gets its config or its error, in the order of names; a cancelled
// ctx leaves the names not yet read with ctx's error. The Passphrase
// function is never called concurrently.
func (r Request) ResolveClients(ctx context.Context, src Source, names []string) ([]ClientConfig, []error) {
	ccs, errs := make([]ClientConfig, len(names)), make([]error, len(names))
	if r.Passphrase != nil {
		ask, mu := r.Passphrase, new(sync.Mutex)
		r.Passphrase = func(purpose string) ([]byte, error) {
			mu.Lock()
			defer mu.Unlock()
			return ask(purpose)
		}
	}
	m := newShared(Options{})
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(len(names), runtime.GOMAXPROCS(0)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := ctx.Err(); err != nil {
					errs[i] = err
					continue
				}
				g := r
				g.Client = names[i]
				ccs[i], errs[i] = g.resolveClient(src, m.isSelfSigned)
			}
		}()
	}
	for i := range names {
		next <- i
	}
	close(next)
	wg.Wait()
	internCAs(ccs)
	return ccs, errs
}

// internCAs makes the clients share one copy of each CA certificate they
// hold (each identity was read with its own copy of the root above it), so
// a matrix of thousands keeps one parsed root, not thousands.
func internCAs(ccs []ClientConfig) {
	one := map[string]*x509.Certificate{}
	intern := func(cs []*x509.Certificate) {
		for i, c := range cs {
			if c == nil {
				continue
			}
			if o, ok := one[string(c.Raw)]; ok {
				cs[i] = o
			} else {
				one[string(c.Raw)] = c
			}
		}
	}
	for i := range ccs {
		if id := ccs[i].Identity; id != nil {
			intern(id.Chain)
		}
		intern(ccs[i].RootCAs)
	}
}

// resolveClient is ResolveClient with the self-signed test given.
func (r Request) resolveClient(src Source, selfSigned func(*x509.Certificate) bool) (ClientConfig, error) {
	cc := ClientConfig{ServerName: r.ServerName, GoStyle: r.GoStyle, MinVersion: r.ClientVersion, MaxVersion: r.ClientVersion,
		Emulate: r.Emulate, StartTLS: r.StartTLS}
	if r.StartTLS != "" && r.Connect == "" {
		return cc, &MissingError{FieldStartTLS, "STARTTLS is spoken only to an outside server: give its HOST:PORT to connect to"}
	}
	if r.Client != "" {
		id, err := r.identity(src, FieldClient, r.Client)
		if err != nil {
			return cc, err
		}
		cc.Identity = &id
	}
	var err error
	if len(r.SystemRoots) == 0 || len(r.ClientTrust) > 0 || cc.Identity != nil {
		cc.RootCAs, err = trust(src, FieldClientTrust, r.ClientTrust, cc.Identity, selfSigned)
		if err != nil && (len(r.SystemRoots) == 0 || len(r.ClientTrust) > 0) {
			return cc, err
		}
	}
	if len(r.SystemRoots) > 0 {
		cc.RootCAs = append(cc.RootCAs, r.SystemRoots...)
		cc.SystemRoots = true
	}
	if r.Connect != "" {
		// Only an outside server that hangs up needs explaining from the
		// source's CRLs; reading them all costs time at 100,000 revocations.
		if cc.KnownCRLs, err = src.CRLs(); err != nil {
			return cc, fmt.Errorf("reading the CRLs that explain a hang-up: %w", err)
		}
	}
	return cc, nil
}

// ServeOptions are the options of a long-running server: no client is
// known in advance, so only the server names its certificate.
func (r Request) ServeOptions(src Source, sc ServerConfig) (Options, error) {
	opts, err := r.options()
	if err != nil {
		return opts, err
	}
	return r.know(src, opts, &sc.Identity), nil
}

// MatrixOptions are the options of one server against several clients.
func (r Request) MatrixOptions(src Source, sc ServerConfig, ccs []ClientConfig) (Options, error) {
	opts, err := r.options()
	if err != nil {
		return opts, err
	}
	ids := []*pki.Identity{&sc.Identity}
	for _, cc := range ccs {
		ids = append(ids, cc.Identity)
	}
	return r.know(src, opts, ids...), nil
}

func (r Request) options() (Options, error) {
	if r.Timeout < 0 {
		return Options{}, &MissingError{FieldTimeout, fmt.Sprintf("%s is negative (expected a positive duration)", r.Timeout)}
	}
	t := r.Timeout
	if t == 0 {
		t = DefaultTimeout
	}
	return Options{At: r.At, Timeout: t}, nil
}

func (r Request) know(src Source, opts Options, ids ...*pki.Identity) Options {
	k := src.Knowledge(ids...)
	opts.NameOf, opts.KnownCAs = k.NameOf, k.CAs
	return opts
}

func (r Request) identity(src Source, f Field, name string) (pki.Identity, error) {
	id, err := src.Identity(name, r.Passphrase)
	if err != nil {
		return id, &ResolveError{Field: f, Name: name, Err: err}
	}
	if id.Key == nil {
		return id, &NoKeyError{Field: f, Name: name}
	}
	return id, nil
}

// trust resolves explicit CA names, or the root above own's certificate.
func trust(src Source, f Field, names []string, own *pki.Identity, selfSigned func(*x509.Certificate) bool) ([]*x509.Certificate, error) {
	if len(names) > 0 {
		cs, err := src.CACerts(names...)
		if err != nil {
			return nil, &ResolveError{Field: f, Name: strings.Join(names, ","), Err: err}
		}
		return cs, nil
	}
	if own == nil || own.Cert == nil {
		return nil, &TrustNeededError{Field: f}
	}
	if root := topOfWith(own.Cert, own.Chain, selfSigned); root != nil {
		return []*x509.Certificate{root}, nil
	}
	return nil, &TrustNeededError{Field: f, Name: own.Name}
}
