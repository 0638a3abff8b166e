package probe

import (
	"context"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/pkibench/pkibench/pki/verify"
)

// Connect runs the client side only against any TLS server at addr
// (host:port): it shows the server's chain, the acceptable client CA names
// it asked for and the verdict. When the server refuses without an alert it
// analyses locally what it most likely refused. An addr without a port
// means 443; an empty cc.ServerName means addr's host, or localhost for a
// loopback IP (as in the seeds, whose certificates name localhost).
func Connect(ctx context.Context, addr string, cc ClientConfig, opts Options) Result {
	start := time.Now()
	addr, cc.ServerName = connectTarget(addr, cc.ServerName)
	if r, bad := localCheck("connect", ServerConfig{}, cc, opts, start); bad {
		r.Addr = addr
		return r
	}
	r := newResult("connect", "", cc, opts)
	r.Addr = addr
	// A server that says nothing after the handshake has not refused: wait
	// a little for its first bytes, not the whole timeout.
	wait := opts.timeout() / 2
	if wait > 2*time.Second {
		wait = 2 * time.Second
	}
	c := runClient(ctx, addr, cc, opts, newShared(opts), start, wait, nil)
	classifyClient(&r, c, cc, wait)
	fillFromClient(&r, c, cc)
	addAlso(&r, c, cc)
	curlSays(&r, cc)
	r.Timeline = mergeSteps(c.log)
	r.finish(start)
	return r
}

// classifyClient decides from the client's side alone.
func classifyClient(r *Result, c *clientOutcome, cc ClientConfig, wait time.Duration) {
	if c.dialErr != nil {
		classifyNetwork(r, c.dialErr, r.Addr)
		return
	}
	if c.startErr != nil {
		startTLSFailed(r, c.startErr)
		return
	}
	if c.finding != nil {
		r.setFinding(c.finding, verify.SideClient)
		return
	}
	ref := refusalIn(cc.StartTLS, c.answer, c.requested)
	if ref == nil && c.handshake {
		ref = unsaidRefusal(cc.StartTLS, c.answer, c, cc)
	}
	if c.handshake && ref != nil {
		refusedAfterHandshake(r, c, cc, ref)
		return
	}
	if c.handshake && c.received > 0 {
		r.set(verify.OK, verify.SideNone, "Handshake complete and first bytes exchanged both ways.", "", "")
		if n := answerNote(cc.StartTLS, c.answer); n != "" {
			if !c.requested {
				// No CertificateRequest came: the server took no certificate.
				n = strings.Replace(n, "the server took the certificate and", "the server did not ask for a client certificate in the handshake and", 1)
			}
			r.note("%s", n)
		}
		if c.requested && !c.sentCert {
			r.note("the server asked for a client certificate, none was sent, and it carried on")
		}
		if c.sentCert {
			if f := diagnoseOwn(c, cc); f != nil && f.Code != verify.ClientCertUntrusted {
				r.note("the server accepted a client certificate that is refused locally (%s): %s", f.Code, f.Summary)
			}
		}
		return
	}
	if c.handshake && c.readTimedOut {
		r.set(verify.OK, verify.SideNone, "Handshake complete; the server accepted the connection but sent no bytes.", "", "")
		r.note("the server sent nothing within %s of the request; it did not refuse the connection", wait)
		return
	}
	f := factsOf(firstErr(c.err, c.ioErr))
	switch {
	case f.cve != nil && len(f.cve.UnverifiedCertificates) > 0:
		fd := verify.Classify(f.cve.Err, f.cve.UnverifiedCertificates[0], verify.Options{Roots: cc.RootCAs, Name: cc.serverName(), Usage: verify.UsageServer, At: c.at, NameOf: c.nameOf, Known: c.known})
		r.setFinding(fd, verify.SideClient)
	case f.x509 != nil && len(c.serverChain) > 0:
		fd := verify.Classify(f.x509, c.serverChain[0], verify.Options{Roots: cc.RootCAs, Intermediates: c.serverChain[1:], Name: cc.serverName(), Usage: verify.UsageServer, At: c.at, NameOf: c.nameOf, Known: c.known})
		r.setFinding(fd, verify.SideClient)
	case f.alert != noAlert:
		alertFromServer(r, f.alert, c, cc)
	case f.version:
		versionMismatch(r, verify.SideClient, cc.MinVersion, cc.MaxVersion, 0, 0)
	case f.noCipher:
		noSharedCipher(r, verify.SideClient)
	case f.notTLS:
		notTLS(r)
	case f.closed:
		peerClosed(r, c, cc)
	case f.timeout:
		timeout(r)
	default:
		r.set(verify.Unknown, verify.SideNone, fmt.Sprintf("The handshake failed: %v.", f.err), "", "see the raw error")
	}
}

func connectTarget(addr, name string) (string, string) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = strings.TrimSuffix(strings.TrimPrefix(addr, "["), "]")
		addr = net.JoinHostPort(host, "443")
	}
	if name != "" {
		return addr, name
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() || host == "" {
		return addr, "localhost"
	}
	return addr, host
}
