package probe

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"time"

	"github.com/pkibench/pkibench/pki"
	"github.com/pkibench/pkibench/pki/verify"
)

// clientOutcome is what the probing client saw.
type clientOutcome struct {
	log       *stepLog
	shared    *shared // the run's judgements made once for all its probes
	at        time.Time
	nameOf    func(*x509.Certificate) string
	known     []*x509.Certificate
	local     string
	dialErr   error
	err       error // handshake error
	ioErr     error // error writing or reading the first bytes
	finding   *verify.Finding
	state     tls.ConnectionState
	handshake bool

	requested     bool     // the server sent a CertificateRequest
	acceptable    [][]byte // the CA names it sent, DER
	sentCert      bool
	wouldWithhold error // why a Go client would not have sent its certificate
	withheld      bool  // GoStyle: it did not
	serverChain   []*x509.Certificate
	judged        *serverVerdict // this client's judgement of serverChain

	sent, received int
	readTimedOut   bool
	answer         []byte // the server's first bytes after the handshake
	startErr       error  // the STARTTLS exchange failed
	warnings       []string
}

func (c *clientOutcome) tlsConfig(cc ClientConfig) *tls.Config {
	name := cc.serverName()
	at := c.at
	return &tls.Config{
		ServerName: name,
		// pkibench verifies the server itself (VerifyConnection) so that a
		// rejection carries a typed finding at the probe's time.
		InsecureSkipVerify: true,
		MinVersion:         cc.MinVersion,
		MaxVersion:         cc.MaxVersion,
		CipherSuites:       cc.CipherSuites,
		Time:               func() time.Time { return at },
		// Apache asks for a certificate per location by renegotiating
		// (TLS 1.2), as curl and openssl answer; Go's default refuses.
		Renegotiation: tls.RenegotiateOnceAsClient,
		GetClientCertificate: func(cri *tls.CertificateRequestInfo) (*tls.Certificate, error) {
			c.requested = true
			c.acceptable = cri.AcceptableCAs
			c.log.add("CertificateRequest received (%d acceptable CA names)", len(cri.AcceptableCAs))
			if cc.Identity == nil {
				c.log.add("no client certificate to send")
				return &tls.Certificate{}, nil
			}
			cert := c.shared.tlsCertificate(*cc.Identity)
			if err := cri.SupportsCertificate(&cert); err != nil {
				c.wouldWithhold = err
				if cc.withholds() {
					c.withheld = true
					c.log.add("client certificate withheld (Go behaviour): %v", err)
					return &tls.Certificate{}, nil
				}
			}
			c.sentCert = true
			c.log.add("client certificate sent: %s", pki.FormatName(cc.Identity.Cert.Subject))
			return &cert, nil
		},
		VerifyConnection: func(cs tls.ConnectionState) error {
			c.serverChain = cs.PeerCertificates
			if len(cs.PeerCertificates) == 0 {
				return nil
			}
			c.log.add("server certificate received: %s", pki.FormatName(cs.PeerCertificates[0].Subject))
			c.judged = c.shared.serverVerdict(cs.PeerCertificates, c.serverCheck(cc))
			f, warn := c.judged.verdict()
			if warn != "" {
				c.warnings = append(c.warnings, warn)
				c.log.add("server certificate names %q only in its CN (accepted as %s does)", name, cc.emulate())
			}
			if f != nil {
				c.finding = f
				c.log.add("server certificate rejected: %s", f.Code)
				return f
			}
			c.log.add("server certificate verified for %q", name)
			return nil
		},
	}
}

// serverCheck is what this client judges the server chain by.
func (c *clientOutcome) serverCheck(cc ClientConfig) serverCheck {
	return serverCheck{emulate: cc.emulate(), roots: cc.RootCAs, name: cc.serverName(), at: c.at}
}

// runClient dials addr, runs the handshake and exchanges the first bytes.
// dialled is called with the local address as soon as the TCP connection is
// up, so the built-in server's outcome can be paired with it. firstBytesWait
// bounds the wait for the server's first bytes; a server that stays silent
// that long has at least not refused the connection.
func runClient(ctx context.Context, addr string, cc ClientConfig, opts Options, m *shared, start time.Time, firstBytesWait time.Duration, dialled func(string)) *clientOutcome {
	c := &clientOutcome{shared: m, at: opts.at(), nameOf: opts.NameOf, known: opts.KnownCAs, log: &stepLog{side: verify.SideClient, start: start}}
	deadline := time.Now().Add(opts.timeout())
	ctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	c.log.add("dialling %s", addr)
	d := net.Dialer{}
	raw, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		c.dialErr = err
		c.log.add("dial failed: %v", err)
		return c
	}
	defer raw.Close()
	c.local = raw.LocalAddr().String()
	if dialled != nil {
		dialled(c.local)
	}
	c.log.add("TCP connected from %s", c.local)
	raw.SetDeadline(deadline)
	if cc.StartTLS != "" {
		if err := startTLS(raw, cc.StartTLS, cc.serverName(), c.log); err != nil {
			c.startErr = err
			c.log.add("%v", err)
			return c
		}
	}
	tc := tls.Client(raw, c.tlsConfig(cc))
	err = tc.HandshakeContext(ctx)
	c.state = tc.ConnectionState()
	if err != nil {
		c.err = err
		c.log.add("handshake failed: %v", err)
		return c
	}
	c.handshake = true
	c.log.add("handshake complete (%s, %s)", tls.VersionName(c.state.Version), tls.CipherSuiteName(c.state.CipherSuite))

	// In TLS 1.3 Handshake returns before the server has judged the client
	// certificate, and nginx judges it only when it answers the first
	// request: the first bytes both ways show the verdict.
	if req := firstRequest(cc.StartTLS, cc.serverName(), cc.Identity); req != nil {
		n, err := tc.Write(req)
		c.sent = n
		if err != nil {
			c.ioErr = err
			c.log.add("write: %v", err)
			// A server that refused the certificate in TLS 1.3 sent its
			// alert and closed; writing then meets a reset, but the alert
			// may still wait in the receive buffer.
			tc.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
			if _, rerr := tc.Read(make([]byte, 1)); receivedAlert(rerr) != noAlert {
				c.ioErr = rerr
				c.log.add("read: %v", rerr)
			}
			return c
		}
		c.log.add("sent %d bytes", n)
	}
	if firstBytesWait > 0 {
		if d := time.Now().Add(firstBytesWait); d.Before(deadline) {
			tc.SetReadDeadline(d)
		}
	}
	// HTTP asks the server to close after its answer, so read it whole (an
	// error page names its reason in the body); other protocols answer in
	// their first record.
	buf := make([]byte, 0, 4096)
	for len(buf) < cap(buf) {
		n, err := tc.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err != nil {
			if len(buf) == 0 {
				c.ioErr = err
				c.readTimedOut = isTimeout(err)
				c.log.add("read: %v", err)
			}
			break
		}
		if cc.StartTLS != "" || httpComplete(buf) {
			break
		}
	}
	c.received = len(buf)
	c.answer = buf
	if len(buf) > 0 {
		c.log.add("received %d bytes: %q", len(buf), firstLine(buf))
	}
	return c
}
