package probe

import (
	"crypto/x509"
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
