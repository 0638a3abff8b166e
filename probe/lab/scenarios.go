package lab

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"

	"github.com/pkibench/pkibench/pki"
	"github.com/pkibench/pkibench/pki/verify"
	"github.com/pkibench/pkibench/store"
)

// Scenarios returns the catalogue: the seeds' stories first, then every
// other reason code the built-in server and client can stage on loopback.
// NotStaged lists the codes left out and why.
func Scenarios() []Scenario {
	return []Scenario{
		{
			ID: "seeds-mail-accepted", Title: "ABC Inc.: the mail server downloads invoices",
			Story: "The invoice server (certificate for localhost from the ABC Inc. CA) demands a client certificate " +
				"from ABC Inc. (Node.js requestCert: true, rejectUnauthorized: true). The mail server presents its " +
				"ABC Inc. certificate: both sides trust the company CA, so both accept.",
			Expected: verify.OK, ExpectedSide: verify.SideNone,
			Mend:  "nothing to mend: this is how it should work (`pkibench probe --client lab-mail-server --server lab-invoice-server`)",
			stage: stageSeedsOK,
		},
		{
			ID: "seeds-foreign-ca", Title: "A mail-server certificate from ZXC Inc. is refused",
			Story: "The mail server presents a certificate signed by another company's CA (ZXC Inc.). The invoice server " +
				"trusts only ABC Inc., so it cannot build a chain and refuses; a Node.js server just closes the socket " +
				"(\"socket hang up\").",
			Expected: verify.ClientCertUntrusted, ExpectedSide: verify.SideServer,
			Mend:  "issue the mail server's certificate from the CA the server trusts: `pkibench issue mail-server --ca lab-abc --profile client`, or add ZXC's CA to the server's trust (`--server-trust lab-abc,lab-zxc`)",
			stage: stageForeignCA,
		},
		{
			ID: "seeds-client1-crl", Title: "client1 gets in while the server checks the CRL",
			Story: "ABC Inc. revoked client2 and published a CRL; the invoice server checks it (Node.js `crl` option). " +
				"client1 is not on the list, so it is accepted.",
			Expected: verify.OK, ExpectedSide: verify.SideNone,
			Mend:  "nothing to mend: revoking one client leaves the others working",
			stage: func(ctx context.Context, b bench) (staged, error) { return stageCRLClients(b, "lab-client1") },
		},
		{
			ID: "seeds-client2-revoked", Title: "client2 is revoked and refused",
			Story: "client2's certificate was revoked (keyCompromise) and is on ABC Inc.'s latest CRL. The invoice server " +
				"checks the CRL and refuses client2, although its certificate is otherwise valid.",
			Expected: verify.ClientCertRevoked, ExpectedSide: verify.SideServer,
			Mend:  "give client2 a new certificate: `pkibench issue client2-new --ca lab-abc --profile client` (a revoked certificate cannot be un-revoked, except from certificateHold)",
			stage: func(ctx context.Context, b bench) (staged, error) { return stageCRLClients(b, "lab-client2") },
		},
		{
			ID: "seeds-no-client-cert", Title: "A client without a certificate",
			Story: "The client connects without any certificate (like curl without --cert). The invoice server requires " +
				"one and ends the handshake.",
			Expected: verify.ClientCertMissing, ExpectedSide: verify.SideServer,
			Mend:  "give the client a certificate from the CA the server trusts: `pkibench issue NAME --ca lab-abc --profile client`, then curl --cert/--key",
			stage: func(ctx context.Context, b bench) (staged, error) { return pairOf(b, nil) },
		},
		{
			ID: "client-cert-withheld", Title: "A Go client silently withholds its certificate",
			Story: "The server asks for a certificate from ABC Inc. The Go client holds one from ZXC Inc. and, because its " +
				"issuer is not among the CA names the server sent, sends no certificate at all: the server then says " +
				"\"missing\", while the real cause is on the client.",
			Expected: verify.ClientCertWithheld, ExpectedSide: verify.SideClient,
			Mend:  "give the client a certificate from one of the CAs the server lists (`pkibench issue NAME --ca lab-abc --profile client`), or add its CA to the server's trust",
			stage: stageWithheld,
		},
		{
			ID: "client-cert-expired", Title: "400 days later: the mail server's certificate has run out",
			Story: "The clock is moved 400 days ahead. The mail server's certificate was issued for one year, the invoice " +
				"server's for five: the server now refuses the expired client certificate.",
			Expected: verify.ClientCertExpired, ExpectedSide: verify.SideServer,
			Mend:  "renew before notAfter: `pkibench issue mail-server-2 --ca lab-abc --profile client --days 365`, and watch expiry with `pkibench list --status expired`",
			stage: stageClientExpired,
		},
		{
			ID: "client-cert-not-yet-valid", Title: "A client certificate that starts in two years",
			Story: "The client certificate's notBefore is two years in the future (a CA with a wrong clock). The server " +
				"refuses it until then.",
			Expected: verify.ClientCertNotYetValid, ExpectedSide: verify.SideServer,
			Mend:  "re-issue it with a start date of now (`pkibench issue NAME --ca lab-abc --profile client`) and check the CA machine's clock",
			stage: stageClientNotYet,
		},
		{
			ID: "client-cert-wrong-usage", Title: "A server certificate used as a client certificate",
			Story: "The mail server presents a certificate made with the server profile: its extended key usage says " +
				"serverAuth only, so the invoice server refuses to accept it for client authentication.",
			Expected: verify.ClientCertWrongUsage, ExpectedSide: verify.SideServer,
			Mend:  "issue client certificates with the client profile (EKU clientAuth): `pkibench issue NAME --ca lab-abc --profile client` (or server-client for both)",
			stage: stageClientWrongUsage,
		},
		{
			ID: "client-chain-incomplete", Title: "The client leaves its intermediate CA out",
			Story: "The client certificate comes from ABC Inc.'s issuing (intermediate) CA, but the client sends only its " +
				"own certificate. The server trusts the ABC root and cannot link the two.",
			Expected: verify.ClientChainIncomplete, ExpectedSide: verify.SideServer,
			Mend:  "send the chain: use certs/NAME/fullchain.pem as the client certificate (curl --cert fullchain.pem, Node.js cert: fullchain)",
			stage: stageClientChainIncomplete,
		},
		{
			ID: "server-cert-untrusted", Title: "The server's certificate comes from a CA the client does not know",
			Story: "The invoice server presents a certificate from ZXC Inc.; the client trusts only ABC Inc. and refuses " +
				"the server (curl: \"unable to get local issuer certificate\").",
			Expected: verify.ServerCertUntrusted, ExpectedSide: verify.SideClient,
			Mend:  "issue the server certificate from the CA the clients trust (`pkibench issue NAME --ca lab-abc --dns localhost`), or give clients ZXC's CA (`--client-trust lab-zxc`, curl --cacert)",
			stage: stageServerUntrusted,
		},
		{
			ID: "server-cert-expired", Title: "The server's certificate expired last year",
			Story:    "The invoice server still presents a certificate that expired long ago; the client refuses it.",
			Expected: verify.ServerCertExpired, ExpectedSide: verify.SideClient,
			Mend:  "renew the server certificate: `pkibench issue NAME --ca lab-abc --dns localhost` and restart the server with it",
			stage: stageServerExpired,
		},
		{
			ID: "server-cert-not-yet-valid", Title: "The server's certificate starts in two years",
			Story:    "The server certificate's notBefore lies in the future; the client refuses it until then.",
			Expected: verify.ServerCertNotYetValid, ExpectedSide: verify.SideClient,
			Mend:  "re-issue it starting now (`pkibench issue NAME --ca lab-abc --dns localhost`) and check the clocks",
			stage: stageServerNotYet,
		},
		{
			ID: "server-name-mismatch", Title: "The client dials a name the certificate does not cover",
			Story:    "The client connects to invoice.abc.com, but the invoice server's certificate names only localhost.",
			Expected: verify.ServerNameMismatch, ExpectedSide: verify.SideClient,
			Mend:  "put every name clients dial in the SAN: `pkibench issue NAME --ca lab-abc --dns localhost --dns invoice.abc.com`",
			stage: stageNameMismatch,
		},
		{
			ID: "server-cert-cn-only", Title: "A server certificate with the name only in the CN",
			Story: "Like the seeds' openssl-made certificates, this server certificate has CN=localhost but no Subject " +
				"Alternative Name. openssl, curl and Node.js still accept it; Go (and browsers) do not: the lab's client is a Go client here (--emulate go).",
			Expected: verify.ServerCertCNOnly, ExpectedSide: verify.SideClient,
			Mend:  "put the name in the SAN: `pkibench issue NAME --ca lab-abc --dns localhost` (openssl: -addext subjectAltName=DNS:localhost)",
			stage: stageCNOnly,
		},
		{
			ID: "server-cert-wrong-usage", Title: "A client certificate used by the server",
			Story: "The server presents a certificate made with the client profile (EKU clientAuth only); the client " +
				"refuses it for a server.",
			Expected: verify.ServerCertWrongUsage, ExpectedSide: verify.SideClient,
			Mend:  "issue server certificates with the server profile: `pkibench issue NAME --ca lab-abc --profile server --dns localhost`",
			stage: stageServerWrongUsage,
		},
		{
			ID: "server-chain-incomplete", Title: "The server leaves its intermediate CA out",
			Story: "The server certificate comes from ABC Inc.'s issuing CA, but the server sends only its own certificate " +
				"(cert.pem instead of fullchain.pem); the client trusts the root and cannot link them.",
			Expected: verify.ServerChainIncomplete, ExpectedSide: verify.SideClient,
			Mend:  "serve the full chain: certs/NAME/fullchain.pem (Node.js cert: fullchain, openssl s_server -cert_chain chain.pem)",
			stage: stageServerChainIncomplete,
		},
		{
			ID: "crl-stale", Title: "Jump past the CRL's nextUpdate",
			Story: "ABC Inc. published a CRL valid for 7 days and then forgot about it. The clock is moved to just after " +
				"its nextUpdate: a server that checks CRLs now refuses every client of the CA, revoked or not.",
			Expected: verify.CRLStale, ExpectedSide: verify.SideServer,
			Mend:  "publish CRLs on a schedule, well before nextUpdate: `pkibench crl lab-abc --days 7` (cron), and watch `pkibench ca list`",
			stage: stageCRLStale,
		},
		{
			ID: "crl-missing", Title: "The server checks CRLs but has none for the client's CA",
			Story: "The server is told to check revocation, but was never given ABC Inc.'s CRL, so it cannot tell whether " +
				"the mail server's certificate was revoked and refuses it.",
			Expected: verify.CRLMissing, ExpectedSide: verify.SideServer,
			Mend:  "publish the CA's CRL and give it to the server: `pkibench crl lab-abc`, then `pkibench probe ... --crl` (Node.js crl: fs.readFileSync('crl.pem'))",
			stage: stageCRLMissing,
		},
		{
			ID: "crl-invalid", Title: "A CRL with a forged signature",
			Story: "The server holds a CRL that names ABC Inc. as its issuer but was signed with another key (ZXC Inc.'s). " +
				"It cannot trust it, so it refuses the client.",
			Expected: verify.CRLInvalid, ExpectedSide: verify.SideServer,
			Mend:  "use the CRL the CA itself signed: `pkibench crl lab-abc` (check with `openssl crl -in crl.pem -CAfile ca.crt -noout`)",
			stage: stageCRLInvalid,
		},
		{
			ID: "path-len-exceeded", Title: "A CA below a CA that may have none",
			Story: "ABC Inc.'s team CA has pathLenConstraint 0 (it may sign only end-entity certificates), yet another CA " +
				"was made below it and issued the client certificate. The server refuses the chain.",
			Expected: verify.PathLenExceeded, ExpectedSide: verify.SideServer,
			Mend:  "issue from a CA allowed to have the depth: `pkibench issue NAME --ca lab-abc-team` (or create the team CA with a larger --path-len)",
			stage: stagePathLen,
		},
		{
			ID: "name-constraint-violated", Title: "A CA restricted to example.com signs localhost",
			Story: "The server certificate comes from an intermediate CA whose name constraints permit only example.com; " +
				"it names localhost, so the client refuses it.",
			Expected: verify.NameConstraintViolated, ExpectedSide: verify.SideClient,
			Mend:  "issue names from a CA permitted to vouch for them (`pkibench ca create NAME --parent lab-abc --permit-dns localhost`), or widen the constraint",
			stage: stageNameConstraint,
		},
		{
			ID: "issuer-not-ca", Title: "A certificate signed by another leaf",
			Story: "The client certificate was signed with the mail server's own key, a leaf certificate that is not a CA " +
				"(basicConstraints CA:FALSE). Nothing signed by it can be trusted.",
			Expected: verify.IssuerNotCA, ExpectedSide: verify.SideServer,
			Mend:  "sign certificates only with CA keys: `pkibench issue NAME --ca lab-abc --profile client`",
			stage: stageIssuerNotCA,
		},
		{
			ID: "weak-signature", Title: "A server certificate signed with SHA-1",
			Story: "The server certificate is signed with sha1WithRSAEncryption, broken since SHAttered (2017): Go " +
				"and browsers refuse it, and so does OpenSSL 3 in TLS at its default security level.",
			Expected: verify.WeakSignature, ExpectedSide: verify.SideClient,
			Mend:  "re-issue with SHA-256 (pkibench always does): `pkibench issue NAME --ca lab-rsa --dns localhost`",
			stage: stageWeakSignature,
		},
		{
			ID: "weak-key", Title: "A client certificate with a 1024-bit RSA key",
			Story:    "The client certificate's key is RSA 1024, below the 2048-bit floor; the server refuses it.",
			Expected: verify.WeakKey, ExpectedSide: verify.SideServer,
			Mend:  "make a new key of at least RSA 2048 or ECDSA P-256: `pkibench issue NAME --ca lab-abc --profile client --algo p256`",
			stage: stageWeakKey,
		},
		{
			ID: "key-mismatch", Title: "The wrong key next to the certificate",
			Story: "The mail server's certificate is paired with a key that is not its own (a file mixed up during a " +
				"renewal). No handshake can work; pkibench says so before dialling.",
			Expected: verify.KeyMismatch, ExpectedSide: verify.SideLocal,
			Mend:  "use the key the certificate was issued for (certs/NAME/key.pem); compare `openssl x509 -pubkey -noout` with `openssl pkey -pubout`",
			stage: stageKeyMismatch,
		},
		{
			ID: "protocol-version-mismatch", Title: "A TLS 1.3-only client meets a TLS 1.2-only server",
			Story:    "The client accepts only TLS 1.3; the server speaks at most TLS 1.2. They share no version.",
			Expected: verify.ProtocolVersionMismatch, ExpectedSide: verify.SideServer,
			Mend:  "let both sides speak TLS 1.2 and 1.3 (drop --server-tls / --client-tls; Node.js minVersion: 'TLSv1.2')",
			stage: stageVersionMismatch,
		},
		{
			ID: "no-shared-cipher", Title: "TLS 1.2 with no cipher suite in common",
			Story:    "Both sides speak TLS 1.2 only, and each allows a single, different cipher suite.",
			Expected: verify.NoSharedCipher, ExpectedSide: verify.SideServer,
			Mend:  "keep the default cipher suites on both sides (or TLS 1.3, whose suites always overlap)",
			stage: stageNoSharedCipher,
		},
	}
}

// NotStaged names the reason codes the lab does not stage, and why.
func NotStaged() map[verify.Code]string {
	return map[verify.Code]string{
		verify.ServerCertRevoked: "the probing client, like Go, curl and Node.js by default, does not check the server's revocation",
		verify.PeerClosed:        "needs a peer that closes without an alert (a Node.js server): use `pkibench probe --connect`",
		verify.NotTLS:            "needs a peer that does not speak TLS: use `pkibench probe --connect` against one",
		verify.ConnectionRefused: "needs a port nobody listens on: use `pkibench probe --connect`",
		verify.Timeout:           "needs a peer that never answers; the lab would have to wait out the timeout",
		verify.CertMalformed:     "crypto/x509 refuses to create or parse most malformed certificates; see the verify conformance suite",
		verify.Unknown:           "is what pkibench says when nothing else fits: there is nothing to stage",
	}
}

func pairOf(b bench, id *pki.Identity) (staged, error) { return b.pair(id) }

func stageSeedsOK(ctx context.Context, b bench) (staged, error) {
	id, err := b.mail()
	if err != nil {
		return staged{}, err
	}
	return pairOf(b, &id)
}

func zxcMail(b bench) (pki.Identity, error) {
	if _, err := b.zxc(); err != nil {
		return pki.Identity{}, err
	}
	return b.cert(store.IssueOptions{Names: []string{"lab-mail-server-zxc"}, CA: zxcCA, Profile: pki.ProfileClient,
		Subject: pkix.Name{Organization: []string{"MailServer"}, CommonName: localhost}})
}

func stageForeignCA(ctx context.Context, b bench) (staged, error) {
	id, err := zxcMail(b)
	if err != nil {
		return staged{}, err
	}
	return pairOf(b, &id)
}

func stageWithheld(ctx context.Context, b bench) (staged, error) {
	g, err := stageForeignCA(ctx, b)
	g.cc.GoStyle = true
	return g, err
}

// stageCRLClients issues client1 and client2, revokes client2, publishes a
// fresh CRL and has the server check it; who is the client presenting.
func stageCRLClients(b bench, who string) (staged, error) {
	if _, err := b.abc(); err != nil {
		return staged{}, err
	}
	ids := map[string]pki.Identity{}
	for _, n := range []string{"lab-client1", "lab-client2"} {
		id, err := b.cert(store.IssueOptions{Names: []string{n}, CA: abcCA, Profile: pki.ProfileClient,
			Subject: pkix.Name{Organization: []string{"ABC Inc."}, CommonName: n[len("lab-"):]}})
		if err != nil {
			return staged{}, err
		}
		ids[n] = id
	}
	var already *store.AlreadyRevokedError
	if _, err := b.st.Revoke("lab-client2", store.RevokeOptions{Reason: 1}); err != nil && !errors.As(err, &already) {
		return staged{}, err
	}
	if err := b.crl(abcCA, 0, ids["lab-client2"].Cert); err != nil {
		return staged{}, err
	}
	id := ids[who]
	g, err := pairOf(b, &id)
	if err != nil {
		return g, err
	}
	return g, b.withCRL(&g.sc, abcCA)
}

func stageClientExpired(ctx context.Context, b bench) (staged, error) {
	g, err := stageSeedsOK(ctx, b)
	g.opts.At = AdvanceDays(b.st, 400)
	return g, err
}

// abcClient issues a client certificate from ABC Inc. bent by o.
func abcClient(b bench, o store.IssueOptions) (pki.Identity, error) {
	if _, err := b.abc(); err != nil {
		return pki.Identity{}, err
	}
	o.CA = abcCA
	if o.Profile == "" {
		o.Profile = pki.ProfileClient
	}
	return b.cert(o)
}

func stageClientNotYet(ctx context.Context, b bench) (staged, error) {
	id, err := abcClient(b, store.IssueOptions{Names: []string{"lab-client-not-yet-valid"},
		NotBefore: AdvanceDays(b.st, 2*365), Days: 365})
	if err != nil {
		return staged{}, err
	}
	return pairOf(b, &id)
}

func stageClientWrongUsage(ctx context.Context, b bench) (staged, error) {
	id, err := abcClient(b, store.IssueOptions{Names: []string{"lab-client-wrong-usage"}, Profile: pki.ProfileServer,
		DNS: []string{localhost}})
	if err != nil {
		return staged{}, err
	}
	return pairOf(b, &id)
}

func stageClientChainIncomplete(ctx context.Context, b bench) (staged, error) {
	if _, err := b.issuing(); err != nil {
		return staged{}, err
	}
	id, err := b.cert(store.IssueOptions{Names: []string{"lab-client-via-issuing"}, CA: issuingCA, Profile: pki.ProfileClient})
	if err != nil {
		return staged{}, err
	}
	id.Chain = nil // the client sends its own certificate only
	return pairOf(b, &id)
}

// withServer is the seeds' pair with another server identity.
func withServer(b bench, server pki.Identity) (staged, error) {
	mail, err := b.mail()
	if err != nil {
		return staged{}, err
	}
	return b.pairWith(server, &mail)
}

// abcServer issues a localhost server certificate from ca bent by o.
func abcServer(b bench, ca string, o store.IssueOptions) (pki.Identity, error) {
	o.CA = ca
	if o.Profile == "" {
		o.Profile = pki.ProfileServer
	}
	if o.DNS == nil {
		o.DNS = []string{localhost}
	}
	return b.cert(o)
}

func stageServerUntrusted(ctx context.Context, b bench) (staged, error) {
	if _, err := b.zxc(); err != nil {
		return staged{}, err
	}
	id, err := abcServer(b, zxcCA, store.IssueOptions{Names: []string{"lab-invoice-server-zxc"}})
	if err != nil {
		return staged{}, err
	}
	return withServer(b, id)
}

func stageServerExpired(ctx context.Context, b bench) (staged, error) {
	if _, err := b.abc(); err != nil {
		return staged{}, err
	}
	id, err := abcServer(b, abcCA, store.IssueOptions{Names: []string{"lab-server-expired"},
		NotBefore: AdvanceDays(b.st, -400), Days: 30})
	if err != nil {
		return staged{}, err
	}
	return withServer(b, id)
}

func stageServerNotYet(ctx context.Context, b bench) (staged, error) {
	if _, err := b.abc(); err != nil {
		return staged{}, err
	}
	id, err := abcServer(b, abcCA, store.IssueOptions{Names: []string{"lab-server-not-yet-valid"},
		NotBefore: AdvanceDays(b.st, 2*365), Days: 365})
	if err != nil {
		return staged{}, err
	}
	return withServer(b, id)
}

func stageNameMismatch(ctx context.Context, b bench) (staged, error) {
	g, err := stageSeedsOK(ctx, b)
	g.cc.ServerName = "invoice.abc.com"
	return g, err
}

func stageCNOnly(ctx context.Context, b bench) (staged, error) {
	if _, err := b.abc(); err != nil {
		return staged{}, err
	}
	id, err := abcServer(b, abcCA, store.IssueOptions{Names: []string{"lab-server-cn-only"},
		Subject: pkix.Name{Organization: []string{"InvoiceServer"}, CommonName: localhost},
		Tweak:   func(c *x509.Certificate) { c.DNSNames = nil }})
	if err != nil {
		return staged{}, err
	}
	g, err := withServer(b, id)
	g.cc.Emulate = verify.ClientGo // curl, openssl and Node.js accept it with a warning
	return g, err
}

func stageServerWrongUsage(ctx context.Context, b bench) (staged, error) {
	if _, err := b.abc(); err != nil {
		return staged{}, err
	}
	id, err := abcServer(b, abcCA, store.IssueOptions{Names: []string{"lab-server-wrong-usage"}, Profile: pki.ProfileClient})
	if err != nil {
		return staged{}, err
	}
	return withServer(b, id)
}

func stageServerChainIncomplete(ctx context.Context, b bench) (staged, error) {
	if _, err := b.issuing(); err != nil {
		return staged{}, err
	}
	id, err := abcServer(b, issuingCA, store.IssueOptions{Names: []string{"lab-server-via-issuing"}})
	if err != nil {
		return staged{}, err
	}
	id.Chain = nil // the server sends cert.pem, not fullchain.pem
	return withServer(b, id)
}

// crlStaleCA has its own CRL so the week-long publication does not disturb
// the seeds' CRL on lab-abc.
const crlStaleCA = "lab-abc-crl-week"

func stageCRLStale(ctx context.Context, b bench) (staged, error) {
	if _, err := b.abc(); err != nil {
		return staged{}, err
	}
	if _, err := b.ca(store.CAOptions{Name: crlStaleCA, Parent: abcCA,
		Subject: pkix.Name{Organization: []string{"ABC Inc."}, CommonName: "ABC Inc. Lab Weekly-CRL CA"}}); err != nil {
		return staged{}, err
	}
	id, err := b.cert(store.IssueOptions{Names: []string{"lab-client-weekly-crl"}, CA: crlStaleCA, Profile: pki.ProfileClient})
	if err != nil {
		return staged{}, err
	}
	if err := b.crl(crlStaleCA, 7, nil); err != nil {
		return staged{}, err
	}
	g, err := pairOf(b, &id)
	if err != nil {
		return g, err
	}
	if err := b.withCRL(&g.sc, crlStaleCA); err != nil {
		return g, err
	}
	// The root is checked too: give the server its CRL when there is one.
	if crl, err := b.st.CRL(abcCA); err == nil {
		g.sc.CRLs = append(g.sc.CRLs, crl)
	}
	g.opts.At, err = PastNextUpdate(b.st, crlStaleCA)
	return g, err
}

func stageCRLMissing(ctx context.Context, b bench) (staged, error) {
	g, err := stageSeedsOK(ctx, b)
	g.sc.CheckCRL, g.sc.CRLs = true, nil
	return g, err
}

func stageCRLInvalid(ctx context.Context, b bench) (staged, error) {
	g, err := stageSeedsOK(ctx, b)
	if err != nil {
		return g, err
	}
	if _, err := b.zxc(); err != nil {
		return g, err
	}
	abc, err := b.st.Identity(abcCA, nil)
	if err != nil {
		return g, err
	}
	zxc, err := b.st.Identity(zxcCA, nil)
	if err != nil {
		return g, err
	}
	now := b.st.Now()
	der, err := pki.CreateCRL(pki.CRLRequest{Number: bigOne(), ThisUpdate: now.Add(-time1m), NextUpdate: now.AddDate(0, 0, 30)}, abc.Cert, zxc.Key)
	if err != nil {
		return g, err
	}
	crl, err := x509.ParseRevocationList(der)
	if err != nil {
		return g, err
	}
	g.sc.CheckCRL, g.sc.CRLs = true, []*x509.RevocationList{crl}
	return g, nil
}

func stagePathLen(ctx context.Context, b bench) (staged, error) {
	if _, err := b.abc(); err != nil {
		return staged{}, err
	}
	zero := 0
	if _, err := b.ca(store.CAOptions{Name: "lab-abc-team", Parent: abcCA, PathLen: &zero,
		Subject: pkix.Name{Organization: []string{"ABC Inc."}, CommonName: "ABC Inc. Lab Team CA (pathlen 0)"}}); err != nil {
		return staged{}, err
	}
	if _, err := b.ca(store.CAOptions{Name: "lab-abc-team-sub", Parent: "lab-abc-team",
		Subject: pkix.Name{Organization: []string{"ABC Inc."}, CommonName: "ABC Inc. Lab Sub-team CA"}}); err != nil {
		return staged{}, err
	}
	id, err := b.cert(store.IssueOptions{Names: []string{"lab-client-too-deep"}, CA: "lab-abc-team-sub", Profile: pki.ProfileClient})
	if err != nil {
		return staged{}, err
	}
	return pairOf(b, &id)
}

func stageNameConstraint(ctx context.Context, b bench) (staged, error) {
	if _, err := b.abc(); err != nil {
		return staged{}, err
	}
	if _, err := b.ca(store.CAOptions{Name: "lab-abc-example-only", Parent: abcCA,
		Constraints: pki.NameConstraints{PermittedDNS: []string{"example.com"}},
		Subject:     pkix.Name{Organization: []string{"ABC Inc."}, CommonName: "ABC Inc. Lab example.com CA"}}); err != nil {
		return staged{}, err
	}
	// The store's issue policy refuses localhost under this CA, as it
	// should; the lab asks for a permitted name and bends it afterwards.
	id, err := abcServer(b, "lab-abc-example-only", store.IssueOptions{Names: []string{"lab-server-outside-constraints"},
		DNS: []string{"www.example.com"}, Tweak: func(c *x509.Certificate) { c.DNSNames = []string{localhost} }})
	if err != nil {
		return staged{}, err
	}
	return withServer(b, id)
}

func stageIssuerNotCA(ctx context.Context, b bench) (staged, error) {
	mail, err := b.mail()
	if err != nil {
		return staged{}, err
	}
	id, err := memLeaf(b, mail, "lab-signed-by-leaf", algo(pki.P256), pki.ProfileClient, nil)
	if err != nil {
		return staged{}, err
	}
	return pairOf(b, &id)
}

// rsaCA is an RSA root: SHA-1 signatures need an RSA key.
const rsaCA = "lab-rsa"

func stageWeakSignature(ctx context.Context, b bench) (staged, error) {
	if _, err := b.ca(store.CAOptions{Name: rsaCA, Algorithm: pki.RSA2048,
		Subject: pkix.Name{Organization: []string{"ABC Inc."}, CommonName: "ABC Inc. Lab RSA CA"}}); err != nil {
		return staged{}, err
	}
	id, err := abcServer(b, rsaCA, store.IssueOptions{Names: []string{"lab-server-sha1"},
		Tweak: func(c *x509.Certificate) { c.SignatureAlgorithm = x509.SHA1WithRSA }})
	if err != nil {
		return staged{}, err
	}
	g, err := withServer(b, id)
	if err != nil {
		return g, err
	}
	rsa, err := b.trust(rsaCA)
	g.cc.RootCAs = append(g.cc.RootCAs, rsa...)
	return g, err
}

func stageWeakKey(ctx context.Context, b bench) (staged, error) {
	if _, err := b.abc(); err != nil {
		return staged{}, err
	}
	abc, err := b.st.Identity(abcCA, nil)
	if err != nil {
		return staged{}, err
	}
	id, err := memLeaf(b, abc, "lab-client-rsa1024", rsa1024, pki.ProfileClient, nil)
	if err != nil {
		return staged{}, err
	}
	return pairOf(b, &id)
}

func stageKeyMismatch(ctx context.Context, b bench) (staged, error) {
	id, err := b.mail()
	if err != nil {
		return staged{}, err
	}
	if id.Key, err = pki.GenerateKey(pki.P256); err != nil {
		return staged{}, err
	}
	return pairOf(b, &id)
}

func stageVersionMismatch(ctx context.Context, b bench) (staged, error) {
	g, err := stageSeedsOK(ctx, b)
	g.sc.MaxVersion = tls.VersionTLS12
	g.cc.MinVersion = tls.VersionTLS13
	return g, err
}

func stageNoSharedCipher(ctx context.Context, b bench) (staged, error) {
	g, err := stageSeedsOK(ctx, b)
	g.sc.MinVersion, g.sc.MaxVersion = tls.VersionTLS12, tls.VersionTLS12
	g.cc.MinVersion, g.cc.MaxVersion = tls.VersionTLS12, tls.VersionTLS12
	g.sc.CipherSuites = []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384}
	g.cc.CipherSuites = []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}
	return g, err
}
