package probe

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"strings"

	"github.com/pkibench/pkibench/pki"
	"github.com/pkibench/pkibench/pki/verify"
)

func (r *Result) setFinding(f *verify.Finding, side verify.Side) {
	if f.Side != verify.SideNone {
		side = f.Side
	}
	r.Reason, r.Side = f.Code, side
	r.Summary, r.Detail, r.Fix, r.Evidence = fromFinding(f)
	if f.Code == verify.OK {
		r.Verdict = Accept
	} else {
		r.Verdict = Reject
	}
}

// set decides the result; fix is advice in words ("" for none), and a
// structured fix replaces it with setFix.
func (r *Result) set(code verify.Code, side verify.Side, summary, detail, fix string) {
	r.Reason, r.Side, r.Summary, r.Detail, r.Fix = code, side, summary, detail, nil
	if fix != "" {
		r.Fix = pki.Advice(fix)
	}
	if code == verify.OK {
		r.Verdict = Accept
	} else {
		r.Verdict = Reject
	}
}

// classifyPair decides a probe in which pkibench ran both sides and so
// knows both sides' typed errors. Order: pkibench's own verification
// findings, then crypto/tls's typed and known errors on either side, then
// alerts, then the network.
func classifyPair(r *Result, c *clientOutcome, s *serverOutcome, sc ServerConfig, cc ClientConfig) {
	if c.dialErr != nil {
		classifyNetwork(r, c.dialErr, r.Addr)
		return
	}
	if s != nil && s.finding != nil {
		r.setFinding(s.finding, verify.SideServer)
		return
	}
	if c.finding != nil {
		r.setFinding(c.finding, verify.SideClient)
		return
	}
	cerr := c.err
	if cerr == nil {
		cerr = c.ioErr
	}
	cf := factsOf(cerr)
	var sf errFacts
	if s != nil {
		sf = factsOf(s.err)
	} else {
		sf = factsOf(nil)
	}
	if classifyCertErrors(r, c, s, sc, cc, cf, sf) || classifyNegotiation(r, sc, cc, cf, sf) {
		return
	}
	if c.handshake && s != nil && s.handshake && c.received > 0 && s.request > 0 {
		r.set(verify.OK, verify.SideNone, "Handshake complete and first bytes exchanged both ways.", "", "")
		acceptNotes(r, c, s, sc, cc)
		return
	}
	classifyFailure(r, c, s, sc, cc, cf, sf)
}

// classifyCertErrors decides a missing or withheld client certificate and
// the certificate verification errors crypto/tls reported on either side,
// and reports whether it decided.
func classifyCertErrors(r *Result, c *clientOutcome, s *serverOutcome, sc ServerConfig, cc ClientConfig, cf, sf errFacts) bool {
	switch {
	case s != nil && s.err != nil && len(s.peer) == 0 && sc.auth().requires() && (sf.noCert || cf.alert == alertCertificateRequired):
		missingOrWithheld(r, c, cc)
	case sf.cve != nil && len(sf.cve.UnverifiedCertificates) > 0:
		f := verify.Classify(sf.cve.Err, sf.cve.UnverifiedCertificates[0], verify.Options{Roots: sc.ClientCAs, Usage: verify.UsageClient, At: c.at, NameOf: c.nameOf, Known: c.known})
		r.setFinding(f, verify.SideServer)
	case cf.cve != nil && len(cf.cve.UnverifiedCertificates) > 0:
		f := verify.Classify(cf.cve.Err, cf.cve.UnverifiedCertificates[0], verify.Options{Roots: cc.RootCAs, Name: cc.serverName(), Usage: verify.UsageServer, At: c.at, NameOf: c.nameOf, Known: c.known})
		r.setFinding(f, verify.SideClient)
	case sf.x509 != nil && len(s.peer) > 0:
		f := verify.Classify(sf.x509, s.peer[0], verify.Options{Roots: sc.ClientCAs, Intermediates: s.peer[1:], Usage: verify.UsageClient, At: c.at, NameOf: c.nameOf, Known: c.known})
		r.setFinding(f, verify.SideServer)
	case cf.x509 != nil && len(c.serverChain) > 0:
		f := verify.Classify(cf.x509, c.serverChain[0], verify.Options{Roots: cc.RootCAs, Intermediates: c.serverChain[1:], Name: cc.serverName(), Usage: verify.UsageServer, At: c.at, NameOf: c.nameOf, Known: c.known})
		r.setFinding(f, verify.SideClient)
	default:
		return false
	}
	return true
}

// classifyNegotiation decides a failure to agree on a TLS version or a
// cipher suite, and reports whether it decided.
func classifyNegotiation(r *Result, sc ServerConfig, cc ClientConfig, cf, sf errFacts) bool {
	switch {
	case sf.version || cf.version || cf.alert == alertProtocolVersion || sf.alert == alertProtocolVersion:
		side := verify.SideServer
		if sf.alert == alertProtocolVersion || (cf.version && cf.alert == noAlert) {
			side = verify.SideClient
		}
		versionMismatch(r, side, cc.MinVersion, cc.MaxVersion, sc.MinVersion, sc.MaxVersion)
	case sf.noCipher || cf.noCipher:
		side := verify.SideServer
		if cf.noCipher && !sf.noCipher {
			side = verify.SideClient
		}
		noSharedCipher(r, side)
	default:
		return false
	}
	return true
}

// classifyFailure decides a handshake that failed without a typed error:
// by the alert either side received, then the network.
func classifyFailure(r *Result, c *clientOutcome, s *serverOutcome, sc ServerConfig, cc ClientConfig, cf, sf errFacts) {
	switch {
	case cf.alert != noAlert:
		alertFromServer(r, cf.alert, c, cc)
	case sf.alert != noAlert:
		alertFromClient(r, sf.alert, s, sc)
	case cf.notTLS:
		notTLS(r)
	case cf.timeout || sf.timeout:
		timeout(r)
	case cf.closed:
		peerClosed(r, c, cc)
	default:
		r.set(verify.Unknown, verify.SideNone, "The handshake failed for a reason pkibench cannot name; see both sides' raw errors.", "", "")
	}
}

func missingOrWithheld(r *Result, c *clientOutcome, cc ClientConfig) {
	if c.withheld && cc.Identity != nil {
		r.set(verify.ClientCertWithheld, verify.SideClient,
			"The client had a certificate but did not send it: its issuer is not among the CA names the server asked for, so a Go client withholds it.",
			fmt.Sprintf("client certificate: %s\nits issuer:         %s\nacceptable CAs:     %s\nGo says:            %v",
				pki.FormatName(cc.Identity.Cert.Subject), pki.FormatName(cc.Identity.Cert.Issuer),
				strings.Join(orNone(decodeDNs(c.acceptable)), "; "), c.wouldWithhold),
			"issue the client certificate from a CA the server trusts, or add its CA to the server's trusted client CAs (Node.js `ca`, openssl -CAfile)")
		r.Evidence = []Evidence{{Cert: pki.FormatName(cc.Identity.Cert.Subject), Serial: serialHex(cc.Identity.Cert), Field: "issuer", Value: pki.FormatName(cc.Identity.Cert.Issuer)}}
		return
	}
	r.set(verify.ClientCertMissing, verify.SideServer,
		"The server requires a client certificate and the client sent none.",
		fmt.Sprintf("acceptable CAs the server named: %s", strings.Join(orNone(decodeDNs(c.acceptable)), "; ")),
		"")
	r.Fix = &pki.Fix{Kind: pki.FixSendCert, Side: "client",
		Say: "give the client a certificate and key: curl --cert/--key, openssl s_client -cert/-key, Node.js https.request({cert, key})"}
}

func versionMismatch(r *Result, side verify.Side, cmin, cmax, smin, smax uint16) {
	r.set(verify.ProtocolVersionMismatch, side,
		"Client and server have no TLS version in common.",
		fmt.Sprintf("client allows: %s .. %s\nserver allows: %s .. %s", VersionName(cmin), VersionName(cmax), VersionName(smin), VersionName(smax)),
		"allow a common version on both sides (TLS 1.2 and 1.3 are the ones to keep): openssl -tls1_2/-tls1_3, curl --tlsv1.2 --tls-max, Node.js minVersion/maxVersion")
}

func noSharedCipher(r *Result, side verify.Side) {
	r.set(verify.NoSharedCipher, side,
		"Client and server have no cipher suite (or key exchange group) in common.", "",
		"enable a common cipher suite on both sides (openssl -cipher/-ciphersuites, Node.js ciphers); for TLS 1.2 an ECDHE-ECDSA or ECDHE-RSA AES-GCM suite matching the certificate's key")
}

func notTLS(r *Result) {
	r.set(verify.NotTLS, verify.SideNetwork,
		"The peer does not speak TLS on this port (its first bytes are not a TLS record).", "",
		"use the TLS port, or https:// rather than http:// (the peer may be a plain HTTP server)")
}

func timeout(r *Result) {
	r.set(verify.Timeout, verify.SideNetwork,
		"The handshake did not finish in time: the peer stopped answering.", "",
		"check that the port serves TLS and is not filtered; raise the timeout if the peer is slow")
}

func classifyNetwork(r *Result, err error, addr string) {
	f := factsOf(err)
	switch {
	case f.refused:
		r.set(verify.ConnectionRefused, verify.SideNetwork,
			fmt.Sprintf("Nothing is listening on %s: the connection was refused.", addr), "",
			"start the server, or check the host and port")
	case f.timeout:
		r.set(verify.Timeout, verify.SideNetwork,
			fmt.Sprintf("Connecting to %s timed out.", addr), "",
			"check the address and any firewall between here and there")
	default:
		r.set(verify.Unknown, verify.SideNetwork, fmt.Sprintf("Could not connect to %s: %v.", addr, err), "", "check the address")
	}
}

// acceptNotes explains what an ACCEPT did not check.
func acceptNotes(r *Result, c *clientOutcome, s *serverOutcome, sc ServerConfig, cc ClientConfig) {
	mode := sc.auth()
	switch {
	case mode == AuthNone:
		r.note("the server did not ask for a client certificate (auth none)")
	case c.withheld:
		r.note("the client withheld its certificate (its issuer is not among the server's acceptable CAs) and the server (auth %s) did not require one", mode)
	case len(s.peer) == 0:
		r.note("no client certificate was sent and the server (auth %s) did not require one", mode)
	case !mode.verifies():
		if f := (&server{cfg: sc}).verifyClient(s.peer, c.at); f != nil {
			r.note("the server (auth %s) took the client certificate without verifying it; verifying would have refused it: %s", mode, f.Code)
		} else {
			r.note("the server (auth %s) took the client certificate without verifying it (it would have verified)", mode)
		}
	}
}

// withheldNote is added whenever a client sent a certificate that a Go
// client would have kept back.
func withheldNote(r *Result, c *clientOutcome) {
	if c.wouldWithhold != nil && !c.withheld {
		r.note("a Go client would have withheld this certificate: its issuer is not among the acceptable CA names the server sent (%v); curl, openssl and Node.js send it anyway, as pkibench did", c.wouldWithhold)
	}
}

func orNone(s []string) []string {
	if len(s) == 0 {
		return []string{"(none sent)"}
	}
	return s
}

// alertFromServer explains an alert the server sent, checked against what
// is known locally about the client's own certificate: alerts mislead
// (openssl says "certificate expired" when its own CRL is stale).
func alertFromServer(r *Result, alert int, c *clientOutcome, cc ClientConfig) {
	name := alertName(alert)
	r.note("the server sent the alert %q (%d)", name, alert)
	switch alert {
	case alertProtocolVersion:
		versionMismatch(r, verify.SideServer, cc.MinVersion, cc.MaxVersion, 0, 0)
		return
	case alertInsufficientSecurity:
		noSharedCipher(r, verify.SideServer)
		return
	case alertCertificateRequired:
		missingOrWithheld(r, c, cc)
		return
	case alertInternalError:
		if len(c.serverChain) == 0 && cc.MaxVersion != 0 && cc.MaxVersion < tls.VersionTLS12 {
			// OpenSSL 3 at its default security level has no protocol
			// below TLS 1.2 to offer and says "internal error" (nginx).
			versionMismatch(r, verify.SideServer, cc.MinVersion, cc.MaxVersion, 0, 0)
			r.note("inferred: the client offered only %s and the server answered \"internal error\" before its certificate, as OpenSSL 3 does when no protocol version is enabled in common", VersionName(cc.MaxVersion))
			return
		}
	case alertHandshakeFailure:
		if c.requested && !c.sentCert {
			missingOrWithheld(r, c, cc)
			return
		}
		if len(c.serverChain) == 0 && !c.requested {
			noSharedCipher(r, verify.SideServer)
			r.note("inferred: a handshake failure before the server sent its certificate is most often no shared cipher suite or group")
			return
		}
	}
	if c.requested && !c.sentCert {
		missingOrWithheld(r, c, cc)
		return
	}
	if c.sentCert && cc.Identity != nil {
		if f := diagnoseOwn(c, cc); f != nil {
			r.setFinding(f, verify.SideServer)
			if f.Code != alertCode(alert) && alertCode(alert) != "" {
				r.note("the alert says %q, but locally the client certificate is %s: that is the likelier cause", name, f.Code)
			}
			return
		}
		// Only the answer measured for a chain too long (Apache's "internal
		// error"): other alerts and silent closes have other causes.
		if f := depthGuess(cc); f != nil && alert == alertInternalError {
			r.setFinding(f, verify.SideServer)
			r.note("inferred from the alert %q on a chain that is valid here: Apache answers a chain longer than SSLVerifyDepth with \"internal error\" and logs \"Chain too long\"", name)
			return
		}
		switch alert {
		case alertCertificateExpired:
			r.set(verify.CRLStale, verify.SideServer,
				"The server said \"certificate expired\", but the client certificate and its chain are valid at the probe's time: the server's own CRL is most likely past its nextUpdate (openssl sends this alert for a stale CRL).",
				fmt.Sprintf("client certificate: %s, valid %s .. %s", pki.FormatName(cc.Identity.Cert.Subject), stampOf(cc.Identity.Cert.NotBefore), stampOf(cc.Identity.Cert.NotAfter)),
				"")
			r.Fix = &pki.Fix{Kind: pki.FixPublishCRL, Say: "publish a fresh CRL and reload it on the server", CA: issuerName(cc.Identity, c.nameOf)}
			return
		case alertCertificateRevoked:
			r.set(verify.ClientCertRevoked, verify.SideServer,
				"The server says the client certificate is revoked (no CRL known here lists it).", "",
				"")
			r.Fix = clientReissue("issue a new client certificate", cc.Identity, c.nameOf)
			return
		case alertUnknownCA:
			r.set(verify.ClientCertUntrusted, verify.SideServer,
				"The server does not trust the CA that issued the client certificate (alert \"unknown certificate authority\").",
				fmt.Sprintf("client certificate issuer: %s", pki.FormatName(cc.Identity.Cert.Issuer)),
				"issue the client certificate from a CA the server trusts, or add its CA to the server's client CAs (Node.js `ca`, openssl -CAfile)")
			return
		}
	}
	r.set(verify.Unknown, verify.SideServer,
		fmt.Sprintf("The server refused the handshake with the alert %q and nothing known locally explains it.", name), "",
		"look at the server's log for the reason it gives")
}

// alertCode is the code an alert names on its face, if any.
func alertCode(alert int) verify.Code {
	switch alert {
	case alertCertificateExpired:
		return verify.ClientCertExpired
	case alertCertificateRevoked:
		return verify.ClientCertRevoked
	case alertUnknownCA:
		return verify.ClientCertUntrusted
	}
	return ""
}

// alertFromClient explains an alert a client sent the built-in server:
// the client refused the server's certificate.
func alertFromClient(r *Result, alert int, s *serverOutcome, sc ServerConfig) {
	name := alertName(alert)
	r.note("the client sent the alert %q (%d)", name, alert)
	if alert == alertProtocolVersion {
		versionMismatch(r, verify.SideClient, 0, 0, sc.MinVersion, sc.MaxVersion)
		return
	}
	if f := diagnoseServerCert(s, sc); f != nil {
		r.setFinding(f, verify.SideClient)
		return
	}
	switch alert {
	case alertUnknownCA:
		r.set(verify.ServerCertUntrusted, verify.SideClient,
			"The client does not trust the CA that issued the server certificate (alert \"unknown certificate authority\").",
			fmt.Sprintf("server certificate issuer: %s", pki.FormatName(sc.Identity.Cert.Issuer)),
			"give the client the CA certificate: curl --cacert, openssl s_client -CAfile, Node.js `ca`")
	case alertCertificateExpired:
		r.set(verify.ServerCertExpired, verify.SideClient, "The client says the server certificate (or one above it) has expired.", "", "renew the server certificate")
	case alertBadCertificate, alertCertificateUnknown, alertUnsupportedCert:
		r.set(verify.ServerCertUntrusted, verify.SideClient,
			fmt.Sprintf("The client refused the server certificate (alert %q); its trust store most likely lacks the server's CA.", name),
			fmt.Sprintf("server certificate issuer: %s", pki.FormatName(sc.Identity.Cert.Issuer)),
			"give the client the CA certificate: curl --cacert, openssl s_client -CAfile, Node.js `ca`")
	default:
		r.set(verify.Unknown, verify.SideClient, fmt.Sprintf("The client ended the handshake with the alert %q.", name), "", "look at the client's error message")
	}
}

// diagnoseServerCert finds what an outside client most likely refused in
// the built-in server's own certificate: dates, usage, the name it dialled.
func diagnoseServerCert(s *serverOutcome, sc ServerConfig) *verify.Finding {
	id := sc.Identity
	vo := verify.Options{Usage: verify.UsageServer, At: s.at, Name: s.sni, NameOf: s.nameOf, Known: s.known}
	root := topOf(id.Cert, id.Chain)
	if root == nil {
		return nil
	}
	vo.Roots = []*x509.Certificate{root}
	vo.Intermediates = id.Chain
	// An outside client is most likely curl, openssl or Node.js, which take
	// a CN-only name: never blame the CN for their refusal.
	_, f, _ := verify.VerifyAs(verify.ClientCurl, id.Cert, vo)
	if f == nil || f.Code == verify.ServerCertUntrusted || f.Code == verify.ServerChainIncomplete {
		return nil
	}
	return f
}

// topOf is the self-signed root at the top of an identity's chain, or nil.
func topOf(leaf *x509.Certificate, chain []*x509.Certificate) *x509.Certificate {
	return topOfWith(leaf, chain, pki.IsSelfSigned)
}

// topOfWith is topOf with the self-signed test given (shared.topOf).
func topOfWith(leaf *x509.Certificate, chain []*x509.Certificate, selfSigned func(*x509.Certificate) bool) *x509.Certificate {
	top := leaf
	if len(chain) > 0 {
		top = chain[len(chain)-1]
	}
	if selfSigned(top) {
		return top
	}
	return nil
}

func peerClosed(r *Result, c *clientOutcome, cc ClientConfig) {
	if c.requested && !c.sentCert {
		missingOrWithheld(r, c, cc)
		r.note("the server sent no alert: it closed the connection (Node.js with rejectUnauthorized does this; clients see \"socket hang up\")")
		return
	}
	if c.sentCert && cc.Identity != nil {
		if f := diagnoseOwn(c, cc); f != nil {
			r.setFinding(f, verify.SideServer)
			r.note("the server sent no alert: it closed the connection (Node.js with rejectUnauthorized does this; clients see \"socket hang up\"); the reason above is what pkibench found locally")
			return
		}
		if f := crlBundleGuess(cc); f != nil {
			r.setFinding(f, verify.SideServer)
			r.note("inferred: the server closed the connection without an alert (Node.js does) after a certificate that is valid here")
			return
		}
	}
	r.set(verify.PeerClosed, verify.SideNetwork,
		"The server closed the connection without a TLS alert and nothing known locally explains why.",
		"", "look at the server's log; a Node.js server with rejectUnauthorized closes without saying why (\"socket hang up\")")
	if c.sentCert {
		r.note("the client certificate was sent and looks valid locally; if the server checks a CRL pkibench does not know, pass it as a known CRL")
	}
}
