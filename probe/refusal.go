package probe

import (
	"bytes"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"

	"github.com/pkibench/pkibench/pki"
	"github.com/pkibench/pkibench/pki/verify"
)

// This file holds what the probe says when a server refuses without
// naming the cause: an answer after the handshake (nginx's HTTP 400,
// PostgreSQL's FATAL), a chain longer than its verify depth, a client that
// left its intermediate out, a STARTTLS exchange that failed. The fixes of
// these reasons are written here and nowhere else.

// refusedAfterHandshake explains a server that completed the handshake and
// then refused the client certificate in its first answer. The answer says
// that it refused, rarely why: the cause is found locally.
func refusedAfterHandshake(r *Result, c *clientOutcome, cc ClientConfig, ref *refusal) {
	r.note("the TLS handshake completed, then the server refused the client certificate at the %s level: %q", ref.Proto, ref.Line)
	if ref.Inferred {
		r.note("the answer does not name the certificate (a custom error page); the server asked for a client certificate and answered a plain request with %q, which is how nginx refuses one, and the cause below is found locally", ref.Line)
	}
	switch {
	case ref.PostHandshake:
		r.set(verify.ClientCertMissing, verify.SideServer,
			"The server asks for the client certificate only after the request (per-location client authentication: TLS 1.3 post-handshake authentication), which this client (Go's TLS, as pkibench) cannot answer; it refused without one.", "",
			"ask for the certificate in the handshake: Apache `SSLVerifyClient require` in the <VirtualHost>, not inside <Location> or <Directory>; curl and `openssl s_client -enable_pha` do answer post-handshake authentication")
	case !c.sentCert || cc.Identity == nil:
		missingOrWithheld(r, c, cc)
	default:
		if f := diagnoseOwn(c, cc); f != nil {
			r.setFinding(f, verify.SideServer)
			break
		}
		if f := depthGuess(cc); f != nil && ref.VerifyError {
			r.setFinding(f, verify.SideServer)
			break
		}
		if ref.Missing {
			r.set(verify.ClientCertMissing, verify.SideServer,
				fmt.Sprintf("The server says no client certificate was sent, though one was (%s).", pki.FormatName(cc.Identity.Cert.Subject)), "",
				"check that the server asks for the certificate in the TLS handshake (nginx ssl_verify_client, Apache SSLVerifyClient)")
			break
		}
		r.set(verify.Unknown, verify.SideServer,
			fmt.Sprintf("The server refused the client certificate at the %s level (%q) and nothing known locally explains it.", ref.Proto, ref.Line), "",
			"look at the server's error log for the verify error (nginx: \"client SSL certificate verify error\"); pass the server's CRL to the store if it checks one")
	}
	r.Detail = strings.TrimLeft(r.Detail+"\nserver answered: "+ref.Line, "\n")
}

// depthGuess names a client chain with more intermediate CAs than nginx
// and Apache verify by default (depth 1): they refuse it while the chain is
// otherwise valid, nginx with HTTP 400, Apache with the alert "internal
// error" (its log says "Chain too long"). Callers use it only behind those
// two answers.
func depthGuess(cc ClientConfig) *verify.Finding {
	id := cc.Identity
	if id == nil || id.Cert == nil {
		return nil
	}
	n := 0
	for _, c := range id.Chain {
		if !pki.IsSelfSigned(c) {
			n++
		}
	}
	if n < 2 {
		return nil
	}
	return ChainTooLong(id.Cert, id.Chain, n, 1)
}

// ChainTooLong is the finding for a client chain of n intermediate CAs
// refused by a server that verifies to depth (nginx ssl_verify_depth,
// Apache SSLVerifyDepth: the number of CA certificates allowed between the
// client certificate and the trusted root).
func ChainTooLong(leaf *x509.Certificate, chain []*x509.Certificate, n, depth int) *verify.Finding {
	var names []string
	for _, c := range append([]*x509.Certificate{leaf}, chain...) {
		names = append(names, pki.FormatName(c.Subject))
	}
	subj := pki.FormatName(leaf.Subject)
	return &verify.Finding{
		Code: verify.ClientChainTooLong, Side: verify.SideServer,
		Summary: fmt.Sprintf("The client chain has %d intermediate CAs, more than the server's verify depth (%d is the default of nginx and Apache) allows; the chain is otherwise valid.", n, depth),
		Detail:  "client chain: " + strings.Join(names, " -> "),
		// Measured against the servers: nginx (OpenSSL's depth) counts the
		// intermediates, Apache's mod_ssl counts the root as well.
		Fix: pki.Advice(fmt.Sprintf("raise the server's verify depth: nginx `ssl_verify_depth %d;`, Apache `SSLVerifyDepth %d`; or issue the client certificate from a CA nearer the root",
			n, n+1)),
		Evidence: []verify.Evidence{{Cert: subj, Serial: pki.SerialHex(leaf.SerialNumber), Field: "issuer", Value: pki.FormatName(leaf.Issuer)}},
	}
}

// incompleteByAcceptable finds a client certificate whose issuer is not
// among the CA names the server sent but chains, through CAs known here,
// to one that is: the client left an intermediate out. A server that names
// no CAs (Python's ssl, Go) is taken to trust the root the chain reaches.
func incompleteByAcceptable(c *clientOutcome, id *pki.Identity) *verify.Finding {
	named := func(raw []byte) bool {
		if len(c.acceptable) == 0 {
			return false
		}
		for _, ca := range c.acceptable {
			if bytes.Equal(raw, ca) {
				return true
			}
		}
		return false
	}
	sent := append([]*x509.Certificate{id.Cert}, id.Chain...)
	var missing []*x509.Certificate
	cur := id.Cert
	for hop := 0; ; hop++ {
		if named(cur.RawIssuer) {
			break
		}
		if pki.IsSelfSigned(cur) && len(c.acceptable) == 0 && hop > 0 {
			break // the root, for a server that named no CAs
		}
		if hop == 8 || pki.IsSelfSigned(cur) {
			return nil
		}
		parent := findIssuer(cur, sent)
		if parent == nil {
			if parent = findIssuer(cur, c.known); parent == nil {
				return nil
			}
			missing = append(missing, parent)
		}
		cur = parent
	}
	if len(missing) == 0 {
		return nil
	}
	accepted := strings.Join(decodeDNs(c.acceptable), "; ")
	if len(c.acceptable) == 0 {
		accepted = pki.FormatName(cur.Subject) + " (the root above it; the server named no acceptable CAs)"
	}
	var names []string
	for _, m := range missing {
		names = append(names, pki.FormatName(m.Subject))
	}
	subj := pki.FormatName(id.Cert.Subject)
	name := id.Name
	if name == "" {
		name = "NAME"
	}
	return &verify.Finding{
		Code: verify.ClientChainIncomplete, Side: verify.SideServer,
		Summary: fmt.Sprintf("The client sent %s without the intermediate CA %s; the server accepts %s, which that intermediate chains to, but cannot reach it without the intermediate.",
			subj, strings.Join(names, ", "), accepted),
		Detail: fmt.Sprintf("client certificate: %s\nits issuer:         %s (known here, not sent)\nacceptable CAs:     %s",
			subj, pki.FormatName(id.Cert.Issuer), accepted),
		Fix: &pki.Fix{Kind: pki.FixSendChain, Name: name,
			Say: "send the intermediate with the certificate (curl --cert and Node.js cert: the full chain file; openssl s_client -cert_chain), or give the server the intermediate"},
		Evidence: []verify.Evidence{{Cert: subj, Serial: pki.SerialHex(id.Cert.SerialNumber), Field: "issuer", Value: pki.FormatName(id.Cert.Issuer)}},
	}
}

func findIssuer(c *x509.Certificate, among []*x509.Certificate) *x509.Certificate {
	for _, p := range among {
		if p != nil && bytes.Equal(c.RawIssuer, p.RawSubject) && c.CheckSignatureFrom(p) == nil {
			return p
		}
	}
	return nil
}

// startTLSFailed explains a server that did not agree to start TLS.
func startTLSFailed(r *Result, err error) {
	var se *StartTLSError
	said := ""
	if errors.As(err, &se) && se.Said != "" {
		said = fmt.Sprintf("the server said %q", se.Said)
	}
	r.set(verify.NotTLS, verify.SideNetwork,
		fmt.Sprintf("The STARTTLS exchange failed before any TLS: %v.", err), said,
		"check the protocol (--starttls) and the port: the server may not offer STARTTLS there, or may want TLS from the first byte (leave --starttls out)")
}

// curlSays adds what curl prints for the same refusal of the server's
// chain, so a "curl error 60" report can be matched to the probe.
func curlSays(r *Result, cc ClientConfig) {
	switch r.Reason {
	case verify.ServerCertUntrusted, verify.ServerChainIncomplete:
		trust := "the CAs given (--client-trust)"
		if cc.SystemRoots {
			trust = "the system roots (--system-roots), as curl without --cacert"
		}
		r.note("curl says: \"curl: (60) SSL certificate problem: unable to get local issuer certificate\" when trusting %s", trust)
	}
}

// crlBundleGuess names a silent refusal of a client certificate that is
// valid here, when the store knows CRLs of several CAs, that of the
// client's issuer among them: a Node.js server given a PEM bundle of CRLs
// as one `crl` string loads only the first, and refuses every client of
// the other CAs ("unable to get certificate CRL") by closing the
// connection.
func crlBundleGuess(cc ClientConfig) *verify.Finding {
	id := cc.Identity
	if id == nil || id.Cert == nil {
		return nil
	}
	own, others := false, map[string]bool{}
	for _, crl := range cc.KnownCRLs {
		if bytes.Equal(crl.RawIssuer, id.Cert.RawIssuer) {
			own = true
		} else {
			others[string(crl.RawIssuer)] = true
		}
	}
	if !own || len(others) == 0 {
		return nil
	}
	issuer := pki.FormatName(id.Cert.Issuer)
	return &verify.Finding{
		Code: verify.CRLMissing, Side: verify.SideServer,
		Summary: fmt.Sprintf("The server most likely checks CRLs and has none for %s, the client certificate's issuer: the certificate is valid and unrevoked here, and Node.js given several CRLs as one PEM bundle loads only the first.", issuer),
		Detail: fmt.Sprintf("client certificate: %s\nissuer:             %s\nCRLs known here:    %d CAs (the issuer's among them); Node.js's error: \"unable to get certificate CRL\"",
			pki.FormatName(id.Cert.Subject), issuer, len(others)+1),
		Fix:      pki.Advice("give Node.js one CRL per array element: `crl: [fs.readFileSync('a-crl.pem'), fs.readFileSync('b-crl.pem')]` (not one concatenated file); for openssl and nginx a bundle file is fine"),
		Evidence: []verify.Evidence{{Cert: pki.FormatName(id.Cert.Subject), Serial: pki.SerialHex(id.Cert.SerialNumber), Field: "issuer", Value: issuer}},
	}
}
