package probe

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/pkibench/pkibench/pki"
	"github.com/pkibench/pkibench/pki/verify"
)

// AuthMode is how the built-in server asks for client certificates.
type AuthMode string

const (
	AuthNone             AuthMode = "none"
	AuthRequest          AuthMode = "request"
	AuthRequireAny       AuthMode = "require-any"
	AuthVerifyIfGiven    AuthMode = "verify-if-given"
	AuthRequireAndVerify AuthMode = "require-and-verify"
)

// AuthModes lists the modes, the default last.
var AuthModes = []AuthMode{AuthNone, AuthRequest, AuthRequireAny, AuthVerifyIfGiven, AuthRequireAndVerify}

// ParseAuthMode accepts a mode name; "" is the default, require-and-verify.
func ParseAuthMode(s string) (AuthMode, error) {
	if s == "" {
		return AuthRequireAndVerify, nil
	}
	for _, m := range AuthModes {
		if strings.EqualFold(s, string(m)) {
			return m, nil
		}
	}
	return "", fmt.Errorf("unknown client-auth mode %q (expected one of none, request, require-any, verify-if-given, require-and-verify)", s)
}

// The one mapping of client-auth modes to other servers' settings: the
// probe's explanations, the TUI and the equivalent commands (probe/equiv)
// all read it here.

// OpenSSLArgs are the openssl s_server flags of the mode: -verify asks for
// a certificate, -Verify requires one, and -verify_return_error makes
// s_server refuse a certificate that fails verification (without it a bad
// certificate is only logged). nil for none.
func (m AuthMode) OpenSSLArgs() []string {
	switch m {
	case AuthRequest:
		return []string{"-verify", "1"}
	case AuthVerifyIfGiven:
		return []string{"-verify", "1", "-verify_return_error"}
	case AuthRequireAny:
		return []string{"-Verify", "1"}
	case AuthRequireAndVerify:
		return []string{"-Verify", "1", "-verify_return_error"}
	}
	return nil
}

// OpenSSL is OpenSSLArgs as one line.
func (m AuthMode) OpenSSL() string {
	if a := m.OpenSSLArgs(); a != nil {
		return strings.Join(a, " ")
	}
	return "(no -verify option)"
}

// NodeJSOptions are the https.createServer options of the mode; exact is
// false when Node.js has no such mode and the options are the nearest.
func (m AuthMode) NodeJSOptions() (opts []string, exact bool) {
	switch m {
	case AuthNone:
		return []string{"requestCert: false"}, true
	case AuthRequest:
		return []string{"requestCert: true", "rejectUnauthorized: false"}, true
	case AuthRequireAndVerify:
		return []string{"requestCert: true", "rejectUnauthorized: true"}, true
	}
	return []string{"requestCert: true", "rejectUnauthorized: true"}, false
}

// NodeJS says how a Node.js https server expresses the mode.
func (m AuthMode) NodeJS() string {
	opts, exact := m.NodeJSOptions()
	s := strings.Join(opts, ", ")
	switch {
	case !exact:
		return "no Node.js equivalent; nearest: " + s
	case m == AuthRequest:
		return s + " (Node verifies but lets it through; check req.socket.authorized)"
	}
	return s
}

// requires reports whether a connection without a client certificate fails.
func (m AuthMode) requires() bool { return m == AuthRequireAny || m == AuthRequireAndVerify }

// verifies reports whether a client certificate that is sent is checked.
func (m AuthMode) verifies() bool { return m == AuthVerifyIfGiven || m == AuthRequireAndVerify }

// tlsClientAuth is the crypto/tls mode the built-in server runs with. It
// never lets crypto/tls verify: pkibench verifies itself (with CRLs and at
// the probe's time) so that every rejection carries a typed finding.
func (m AuthMode) tlsClientAuth() tls.ClientAuthType {
	switch m {
	case AuthNone:
		return tls.NoClientCert
	case AuthRequest, AuthVerifyIfGiven:
		return tls.RequestClientCert
	}
	return tls.RequireAnyClientCert
}

// ServerConfig is the built-in server.
type ServerConfig struct {
	Identity pki.Identity
	// ClientCAs are the CAs client certificates must chain to; their names
	// are sent in the CertificateRequest as acceptable CAs.
	ClientCAs []*x509.Certificate
	// Auth is the client-auth mode; "" means require-and-verify.
	Auth AuthMode
	// CRLs are checked for the client chain when CheckCRL is set; a client
	// whose issuer has no CRL here is then refused (crl-missing).
	CRLs     []*x509.RevocationList
	CheckCRL bool
	// CRLSource, when set with CheckCRL, replaces CRLs: it is asked for
	// the current CRLs at every client chain checked, so a long-running
	// server follows CRLs published after it started. An error refuses
	// the client (crl-missing): revocation checking fails closed.
	CRLSource func() ([]*x509.RevocationList, error)
	// MinVersion and MaxVersion are tls.VersionTLS1x values; 0 is Go's default.
	MinVersion, MaxVersion uint16
	// CipherSuites limits the TLS 1.2 suites; nil is Go's default.
	CipherSuites []uint16
	// Listen is host:port; "" means 127.0.0.1 on a free port.
	Listen string
	// AllowPublic permits a Listen address that is not loopback.
	AllowPublic bool
}

// ClientConfig is the probing client.
type ClientConfig struct {
	// Identity is the client certificate; nil sends none.
	Identity *pki.Identity
	// RootCAs are the CAs the server certificate must chain to.
	RootCAs []*x509.Certificate
	// ServerName is sent as SNI and checked against the server certificate;
	// "" means localhost.
	ServerName string
	// MinVersion and MaxVersion are tls.VersionTLS1x values; 0 is Go's default.
	MinVersion, MaxVersion uint16
	// CipherSuites limits the TLS 1.2 suites; nil is Go's default.
	CipherSuites []uint16
	// GoStyle makes the client behave like a Go client: it withholds its
	// certificate when the issuer is not among the server's acceptable CAs.
	// By default it sends it anyway, as curl, openssl and Node.js do.
	GoStyle bool
	// Emulate is the client whose judgement the probe copies (verify.Clients);
	// "" is curl's, which like openssl's and Node.js's accepts a name found
	// only in a CN-only server certificate.
	Emulate verify.Client
	// StartTLS is the protocol spoken before the handshake (StartTLSProtocols);
	// "" is TLS from the first byte, with an HTTP request after it.
	StartTLS string
	// SystemRoots says RootCAs hold the system's trusted roots (as curl
	// trusts them by default), so a refusal can say what curl would say.
	SystemRoots bool
	// KnownCRLs are CRLs the caller knows about (the store's); Connect uses
	// them to explain a server that closes without saying why.
	KnownCRLs []*x509.RevocationList
}

// Options apply to one probe.
type Options struct {
	// At is the verification time for both sides; zero means now.
	At time.Time
	// Timeout bounds the whole handshake and first bytes; zero means 5s.
	Timeout time.Duration
	// NameOf gives the store name of a certificate, so a fix can say the
	// real `pkibench issue NAME --ca CA`; nil falls back to the CN.
	NameOf func(*x509.Certificate) string
	// KnownCAs are CA certificates known locally (the store's) but not
	// trusted or sent: a peer's issuer found here is an intermediate it
	// left out (chain-incomplete), not an unknown CA.
	KnownCAs []*x509.Certificate
	// Progress, when set, hears of each finished client of a Matrix: its
	// index in the clients and its result. Calls come one at a time (never
	// concurrently), in the order the clients finish; a slow callback
	// slows the matrix. Run and Connect do not call it.
	Progress func(i int, r Result)
}

const defaultTimeout = 5 * time.Second

func (o Options) timeout() time.Duration {
	if o.Timeout <= 0 {
		return defaultTimeout
	}
	return o.Timeout
}

func (o Options) at() time.Time {
	if o.At.IsZero() {
		return time.Now()
	}
	return o.At
}

func (c ClientConfig) emulate() verify.Client {
	if c.Emulate == "" {
		return verify.ClientCurl
	}
	return c.Emulate
}

// withholds reports whether the client keeps back a certificate whose
// issuer the server did not name.
func (c ClientConfig) withholds() bool { return c.GoStyle || c.emulate().Withholds() }

func (c ClientConfig) serverName() string {
	if c.ServerName == "" {
		return "localhost"
	}
	return c.ServerName
}

func (s ServerConfig) auth() AuthMode {
	if s.Auth == "" {
		return AuthRequireAndVerify
	}
	return s.Auth
}

// listenAddr returns the address to listen on, refusing a non-loopback one
// unless AllowPublic is set: the built-in server accepts whatever it is told.
func (s ServerConfig) listenAddr() (string, error) {
	if s.Listen == "" {
		return "127.0.0.1:0", nil
	}
	host, _, err := net.SplitHostPort(s.Listen)
	if err != nil {
		return "", fmt.Errorf("listen address %q: %w", s.Listen, err)
	}
	if s.AllowPublic || host == "localhost" {
		return s.Listen, nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return "", &PublicListenError{Addr: s.Listen}
	}
	return s.Listen, nil
}

// PublicListenError refuses a listen address outside loopback.
type PublicListenError struct{ Addr string }

func (e *PublicListenError) Error() string {
	return fmt.Sprintf("refusing to listen on %s: not a loopback address (allow it explicitly to serve beyond this machine)", e.Addr)
}

// VersionName is "TLS 1.3" etc.; 0 is "default".
func VersionName(v uint16) string {
	if v == 0 {
		return "default"
	}
	return tls.VersionName(v)
}

// ParseVersion accepts 1.2, 1.3, tls1.2, TLS 1.3, tls12 ...; "" is 0.
func ParseVersion(s string) (uint16, error) {
	n := strings.NewReplacer(" ", "", "_", "", "v", "").Replace(strings.ToLower(s))
	n = strings.TrimPrefix(n, "tls")
	switch n {
	case "":
		return 0, nil
	case "1.0", "10":
		return tls.VersionTLS10, nil
	case "1.1", "11":
		return tls.VersionTLS11, nil
	case "1.2", "12":
		return tls.VersionTLS12, nil
	case "1.3", "13":
		return tls.VersionTLS13, nil
	}
	return 0, fmt.Errorf("unknown TLS version %q (expected 1.2 or 1.3)", s)
}
