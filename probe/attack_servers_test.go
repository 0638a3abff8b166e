package probe

import (
	"context"
	"path/filepath"
	"strings"
	"time"

	"crypto/x509"
	"github.com/pkibench/pkibench/pki/testtool"
	"testing"

	"github.com/pkibench/pkibench/pki/verify"
)

// TestRealNginxCustomErrorPages: nginx as sites configure it, not as the
// defaults answer: the refusal pages replaced (error_page) by text that
// says nothing of certificates, or turned into 403. The verdict must still
// be the server's refusal with the true cause, never ACCEPT ok.
func TestRealNginxCustomErrorPages(t *testing.T) {
	nginx := findServer(t, "nginx")
	w := newWorld(t)
	f := writeRealFiles(t, w)
	fresh := func(w *world) []*x509.RevocationList { return []*x509.RevocationList{w.crl} }
	custom400 := `error_page 400 495 496 =400 @bad; location @bad { return 400 "Bad request. Please contact support.\n"; }`
	forbid := `error_page 495 496 =403 @denied; location @denied { return 403 "Access denied\n"; }`
	expired := want{verify.ClientCertExpired, verify.SideServer}
	runRealConfigs(t, w, []realConfig{
		{name: "on+custom-400", start: func(t *testing.T) string { return nginxConfig(t, nginx, f, "on", custom400) },
			wants: map[string]want{"ok": wantOK, "no-cert": wantMissing, "foreign-ca": wantUntrusted, "expired": expired,
				"missing-intermediate": {verify.ClientChainIncomplete, verify.SideServer}}},
		{name: "on+ssl_crl+custom-400", known: fresh, start: func(t *testing.T) string {
			return nginxConfig(t, nginx, f, "on", custom400+" ssl_crl "+f.path("crl.pem")+";")
		}, wants: map[string]want{"ok": wantOK, "revoked": {verify.ClientCertRevoked, verify.SideServer}}},
		// The server's CRL revokes client2; the store does not know it:
		// the 400 is still the server's refusal, of unknown cause here.
		{name: "ssl_crl-unknown-to-the-store+custom-400", start: func(t *testing.T) string {
			return nginxConfig(t, nginx, f, "on", custom400+" ssl_crl "+f.path("crl.pem")+";")
		}, wants: map[string]want{"ok": wantOK, "revoked": {verify.Unknown, verify.SideServer}}},
		{name: "optional+error_page-403", start: func(t *testing.T) string { return nginxConfig(t, nginx, f, "optional", forbid) },
			wants: map[string]want{"ok": wantOK, "no-cert": wantOK, "foreign-ca": wantUntrusted, "expired": expired}},
	})
}

// TestRefusalNeedsAnErrorStatus: a page that quotes nginx's refusal text
// (a troubleshooting page, a wiki) answered with 200 is not a refusal.
func TestRefusalNeedsAnErrorStatus(t *testing.T) {
	for _, answer := range []string{
		"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<h1>Troubleshooting</h1><p>nginx says \"No required SSL certificate was sent\" when curl has no --cert.</p>",
		"HTTP/1.1 302 Found\r\nLocation: /login\r\n\r\nNo required SSL certificate was sent? Log in instead.",
	} {
		if r := refusalIn("", []byte(answer), true); r != nil {
			t.Errorf("%q: taken as a refusal %+v", firstLine([]byte(answer)), r)
		}
	}
}

// TestRealServersTLS12: the same servers limited to TLS 1.2, where the
// refusal of a client certificate comes inside the handshake (an alert
// before the client's Finished is answered), not after it as in TLS 1.3;
// and Apache with a verify depth deeper than the chain.
func TestRealServersTLS12(t *testing.T) {
	openssl := testtool.Require(t, "openssl")
	nginx := findServer(t, "nginx")
	apache := findServer(t, "apache2")
	w := newWorld(t)
	f := writeRealFiles(t, w)
	crl := func(w *world) []*x509.RevocationList { return []*x509.RevocationList{w.crl} }
	sServer := func(extra ...string) func(t *testing.T) string {
		return func(t *testing.T) string {
			dir := openDir(t)
			addr := freeAddr(t)
			args := append([]string{"s_server", "-accept", addr, "-cert", f.path("server.pem"), "-key", f.path("server.key"),
				"-CAfile", f.path("ca.pem"), "-Verify", "1", "-verify_return_error", "-www", "-tls1_2"}, extra...)
			startServer(t, addr, filepath.Join(dir, "s_server.log"), false, openssl, args...)
			return addr
		}
	}
	runRealConfigs(t, w, []realConfig{
		{name: "s_server-tls1_2", wants: strictWants(false), start: sServer()},
		// -verify (lower case) asks for a certificate without requiring
		// one; a bad one is still refused (-verify_return_error).
		{name: "s_server-verify-request-only", wants: map[string]want{
			"ok": wantOK, "no-cert": wantOK, "foreign-ca": wantUntrusted,
			"expired": {verify.ClientCertExpired, verify.SideServer},
		}, start: func(t *testing.T) string {
			dir := openDir(t)
			addr := freeAddr(t)
			startServer(t, addr, filepath.Join(dir, "s_server.log"), false, openssl, "s_server", "-accept", addr,
				"-cert", f.path("server.pem"), "-key", f.path("server.key"), "-CAfile", f.path("ca.pem"),
				"-verify", "1", "-verify_return_error", "-www")
			return addr
		}},
		{name: "s_server-tls1_2-crl", wants: crlWants, known: crl, start: sServer("-crl_check", "-CRL", f.path("crl.pem"))},
		{name: "nginx-TLSv1.2", wants: strictWants(true), start: func(t *testing.T) string {
			return nginxConfig(t, nginx, f, "on", "ssl_protocols TLSv1.2;")
		}},
		{name: "apache-TLSv1.2", wants: strictWants(true), start: func(t *testing.T) string {
			return apacheConfig(t, apache, f, "SSLProtocol -all +TLSv1.2")
		}},
		{name: "apache-TLSv1.2-crl", wants: crlWants, known: crl, start: func(t *testing.T) string {
			return apacheConfig(t, apache, f, "SSLProtocol -all +TLSv1.2\n  SSLCARevocationFile "+f.path("crl.pem")+"\n  SSLCARevocationCheck leaf")
		}},
		{name: "apache-SSLVerifyDepth-10", wants: strictWants(false), start: func(t *testing.T) string {
			return apacheConfig(t, apache, f, "SSLVerifyDepth 10")
		}},
	})
}

// TestRealApachePerLocationVerify: client authentication configured per
// location (`<Location /> SSLVerifyClient require`), as sites protect one
// path. Apache asks for the certificate only after the request: by TLS 1.3
// post-handshake authentication, which Go's TLS client does not offer, or
// (TLS 1.2) by renegotiation. Under TLS 1.3 the probe cannot present its
// certificate (the verdict must say so, never ACCEPT ok); under TLS 1.2 it
// renegotiates once, as curl and openssl do, and gets the real answer.
func TestRealApachePerLocationVerify(t *testing.T) {
	apache := findServer(t, "apache2")
	w := newWorld(t)
	f := writeRealFiles(t, w)
	loc := "<Location />\n    SSLVerifyClient require\n  </Location>"
	for _, c := range []struct{ name, extra string }{
		{"tls1.3", loc},
		{"tls1.2", "SSLProtocol -all +TLSv1.2\n  " + loc},
	} {
		t.Run(c.name, func(t *testing.T) {
			addr := apacheVerify(t, apache, f, "none", c.extra)
			for _, id := range []string{"ok", "foreign-ca"} {
				var cc ClientConfig
				for _, rc := range realCases() {
					if rc.name == id {
						cc = rc.cc(w)
					}
				}
				r := Connect(context.Background(), addr, cc, Options{Timeout: 5 * time.Second})
				t.Logf("%s: %s %s (%s): %s\n  notes: %q", id, r.Verdict, r.Reason, r.Side, r.Summary, r.Notes)
				if c.name == "tls1.3" && r.Verdict == Accept && r.Reason == verify.OK {
					t.Errorf("%s: ACCEPT ok, but the server never verified a client certificate", id)
				}
				if c.name == "tls1.2" {
					want := map[string]verify.Code{"ok": verify.OK, "foreign-ca": verify.ClientCertUntrusted}[id]
					if r.Reason != want {
						t.Errorf("%s under renegotiation: got %s (%s): %s; want %s", id, r.Reason, r.Side, r.Summary, want)
					}
				}
				if c.name == "tls1.3" && (r.Reason != verify.ClientCertMissing || r.Side != verify.SideServer || !strings.Contains(r.Summary, "post-handshake")) {
					t.Errorf("%s: got %s (%s): %s; want client-cert-missing (server) naming post-handshake authentication", id, r.Reason, r.Side, r.Summary)
				}
			}
		})
	}
}
