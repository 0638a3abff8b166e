package probe

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/pkibench/pkibench/pki/verify"
)

var versions = []struct {
	name string
	v    uint16
}{{"TLS1.3", tls.VersionTLS13}, {"TLS1.2", tls.VersionTLS12}}

// TestRunReasons stages every reason code that a built-in server and client
// can produce on loopback, under TLS 1.3 and 1.2, and checks verdict,
// reason and side.
func TestRunReasons(t *testing.T) {
	w := newWorld(t)
	type tc struct {
		name   string
		server func() ServerConfig
		client func() ClientConfig
		opts   Options
		only   uint16 // run under this version only (0: both)
		reason verify.Code
		side   verify.Side
		check  func(t *testing.T, r Result)
	}
	cases := []tc{
		{name: "ok", server: func() ServerConfig { return w.serverCfg(w.server) }, client: func() ClientConfig { return w.clientCfg(&w.client) },
			reason: verify.OK, side: verify.SideNone, check: func(t *testing.T, r Result) {
				if len(r.AcceptableCAs) != 1 || !strings.Contains(r.AcceptableCAs[0], "ABC Inc.") {
					t.Errorf("acceptable CAs = %q", r.AcceptableCAs)
				}
				if len(r.ClientChain) == 0 || len(r.ServerChain) == 0 || r.TLS.CipherSuite == "" || r.TLS.Group == "" {
					t.Errorf("chains/tls not filled: %+v %+v %+v", r.ClientChain, r.ServerChain, r.TLS)
				}
			}},
		{name: "ok-intermediate-sent", server: func() ServerConfig { return w.serverCfg(w.server) }, client: func() ClientConfig { return w.clientCfg(&w.clientViaInter) },
			reason: verify.OK, side: verify.SideNone},
		{name: "client-cert-missing", server: func() ServerConfig { return w.serverCfg(w.server) }, client: func() ClientConfig { return w.clientCfg(nil) },
			reason: verify.ClientCertMissing, side: verify.SideServer},
		{name: "client-cert-withheld", server: func() ServerConfig { return w.serverCfg(w.server) }, client: func() ClientConfig {
			c := w.clientCfg(&w.clientForeign)
			c.GoStyle = true
			return c
		}, reason: verify.ClientCertWithheld, side: verify.SideClient},
		{name: "client-cert-untrusted", server: func() ServerConfig { return w.serverCfg(w.server) }, client: func() ClientConfig { return w.clientCfg(&w.clientForeign) },
			reason: verify.ClientCertUntrusted, side: verify.SideServer, check: func(t *testing.T, r Result) {
				if !hasNote(r, "Go client would have withheld") {
					t.Errorf("no withheld note: %q", r.Notes)
				}
			}},
		{name: "client-chain-incomplete", server: func() ServerConfig { return w.serverCfg(w.server) }, client: func() ClientConfig { return w.clientCfg(&w.clientNoInter) },
			reason: verify.ClientChainIncomplete, side: verify.SideServer},
		{name: "client-cert-expired", server: func() ServerConfig { return w.serverCfg(w.server) }, client: func() ClientConfig { return w.clientCfg(&w.clientExpired) },
			reason: verify.ClientCertExpired, side: verify.SideServer},
		{name: "client-cert-expired-at", server: func() ServerConfig { return w.serverCfg(w.serverLong) }, client: func() ClientConfig { return w.clientCfg(&w.client) },
			opts: Options{At: time.Now().Add(2 * 365 * 24 * time.Hour)}, reason: verify.ClientCertExpired, side: verify.SideServer},
		{name: "client-cert-not-yet-valid", server: func() ServerConfig { return w.serverCfg(w.server) }, client: func() ClientConfig { return w.clientCfg(&w.clientNotYet) },
			reason: verify.ClientCertNotYetValid, side: verify.SideServer},
		{name: "client-cert-revoked", server: func() ServerConfig {
			s := w.serverCfg(w.server)
			s.CheckCRL, s.CRLs = true, []*x509.RevocationList{w.crl}
			return s
		}, client: func() ClientConfig { return w.clientCfg(&w.clientRevoked) }, reason: verify.ClientCertRevoked, side: verify.SideServer},
		{name: "crl-ok", server: func() ServerConfig {
			s := w.serverCfg(w.server)
			s.CheckCRL, s.CRLs = true, []*x509.RevocationList{w.crl}
			return s
		}, client: func() ClientConfig { return w.clientCfg(&w.client) }, reason: verify.OK, side: verify.SideNone},
		{name: "client-cert-wrong-usage", server: func() ServerConfig { return w.serverCfg(w.server) }, client: func() ClientConfig { return w.clientCfg(&w.clientServerEKU) },
			reason: verify.ClientCertWrongUsage, side: verify.SideServer},
		{name: "crl-stale", server: func() ServerConfig {
			s := w.serverCfg(w.server)
			s.CheckCRL, s.CRLs = true, []*x509.RevocationList{w.staleCRL}
			return s
		}, client: func() ClientConfig { return w.clientCfg(&w.client) }, reason: verify.CRLStale, side: verify.SideServer},
		{name: "crl-missing", server: func() ServerConfig {
			s := w.serverCfg(w.server)
			s.CheckCRL = true
			return s
		}, client: func() ClientConfig { return w.clientCfg(&w.client) }, reason: verify.CRLMissing, side: verify.SideServer},
		{name: "server-cert-untrusted", server: func() ServerConfig { return w.serverCfg(w.serverForeign) }, client: func() ClientConfig { return w.clientCfg(&w.client) },
			reason: verify.ServerCertUntrusted, side: verify.SideClient},
		{name: "server-cert-expired", server: func() ServerConfig { return w.serverCfg(w.serverExpired) }, client: func() ClientConfig { return w.clientCfg(&w.client) },
			reason: verify.ServerCertExpired, side: verify.SideClient},
		{name: "server-name-mismatch", server: func() ServerConfig { return w.serverCfg(w.serverOtherName) }, client: func() ClientConfig { return w.clientCfg(&w.client) },
			reason: verify.ServerNameMismatch, side: verify.SideClient},
		{name: "server-cert-cn-only", server: func() ServerConfig { return w.serverCfg(w.serverCNOnly) }, client: func() ClientConfig {
			c := w.clientCfg(&w.client)
			c.Emulate = verify.ClientGo
			return c
		}, reason: verify.ServerCertCNOnly, side: verify.SideClient},
		{name: "server-cert-cn-only-browser", server: func() ServerConfig { return w.serverCfg(w.serverCNOnly) }, client: func() ClientConfig {
			c := w.clientCfg(&w.client)
			c.Emulate = verify.ClientBrowser
			return c
		}, reason: verify.ServerCertCNOnly, side: verify.SideClient},
		{name: "cn-only-accepted-as-curl", server: func() ServerConfig { return w.serverCfg(w.serverCNOnly) }, client: func() ClientConfig { return w.clientCfg(&w.client) },
			reason: verify.OK, side: verify.SideNone, check: func(t *testing.T, r Result) {
				if len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], "Go clients and browsers refuse it") {
					t.Errorf("warnings = %q", r.Warnings)
				}
			}},
		{name: "every-fault-go", server: func() ServerConfig { return w.serverCfg(w.serverCNOnlyClientEKU) }, client: func() ClientConfig {
			c := w.clientCfg(&w.clientExpired)
			c.Emulate = verify.ClientGo
			return c
		}, reason: verify.ServerCertCNOnly, side: verify.SideClient, check: func(t *testing.T, r Result) {
			if !hasAlso(r, verify.ServerCertWrongUsage, verify.SideClient) || !hasAlso(r, verify.ClientCertExpired, verify.SideServer) {
				t.Errorf("also = %+v", r.Also)
			}
		}},
		{name: "every-fault-curl", server: func() ServerConfig { return w.serverCfg(w.serverCNOnlyClientEKU) }, client: func() ClientConfig { return w.clientCfg(&w.client) },
			reason: verify.ServerCertWrongUsage, side: verify.SideClient, check: func(t *testing.T, r Result) {
				if len(r.Also) != 0 || len(r.Warnings) != 1 {
					t.Errorf("also = %+v, warnings %q", r.Also, r.Warnings)
				}
			}},
		{name: "server-cert-wrong-usage", server: func() ServerConfig { return w.serverCfg(w.serverClientEKU) }, client: func() ClientConfig { return w.clientCfg(&w.client) },
			reason: verify.ServerCertWrongUsage, side: verify.SideClient},
		{name: "path-len-exceeded-server", server: func() ServerConfig { return w.serverCfg(w.serverPathLen) }, client: func() ClientConfig { return w.clientCfg(&w.client) },
			reason: verify.PathLenExceeded, side: verify.SideClient},
		{name: "path-len-exceeded-client", server: func() ServerConfig { return w.serverCfg(w.server) }, client: func() ClientConfig { return w.clientCfg(&w.clientPathLen) },
			reason: verify.PathLenExceeded, side: verify.SideServer},
		{name: "name-constraint-violated-server", server: func() ServerConfig { return w.serverCfg(w.serverNameConstrain) }, client: func() ClientConfig { return w.clientCfg(&w.client) },
			reason: verify.NameConstraintViolated, side: verify.SideClient},
		{name: "name-constraint-violated-client", server: func() ServerConfig { return w.serverCfg(w.server) }, client: func() ClientConfig { return w.clientCfg(&w.clientNameConstr) },
			reason: verify.NameConstraintViolated, side: verify.SideServer},
		{name: "weak-signature", server: func() ServerConfig { return w.serverCfg(w.serverSHA1) }, client: func() ClientConfig { return w.clientCfg(&w.client) },
			reason: verify.WeakSignature, side: verify.SideClient},
		{name: "server-chain-incomplete", server: func() ServerConfig { return w.serverCfg(w.serverNoInter) }, client: func() ClientConfig { return w.clientCfg(&w.client) },
			reason: verify.ServerChainIncomplete, side: verify.SideClient},
		{name: "server-cert-not-yet-valid", server: func() ServerConfig { return w.serverCfg(w.serverNotYet) }, client: func() ClientConfig { return w.clientCfg(&w.client) },
			reason: verify.ServerCertNotYetValid, side: verify.SideClient},
		{name: "issuer-not-ca", server: func() ServerConfig { return w.serverCfg(w.server) }, client: func() ClientConfig { return w.clientCfg(&w.clientByLeaf) },
			reason: verify.IssuerNotCA, side: verify.SideServer},
		{name: "weak-key", server: func() ServerConfig { return w.serverCfg(w.server) }, client: func() ClientConfig { return w.clientCfg(&w.clientWeakKey) },
			reason: verify.WeakKey, side: verify.SideServer},
		{name: "crl-invalid", server: func() ServerConfig {
			s := w.serverCfg(w.server)
			s.CheckCRL, s.CRLs = true, []*x509.RevocationList{w.forgedCRL}
			return s
		}, client: func() ClientConfig { return w.clientCfg(&w.client) }, reason: verify.CRLInvalid, side: verify.SideServer},
		{name: "key-mismatch", server: func() ServerConfig { return w.serverCfg(w.server) }, client: func() ClientConfig { return w.clientCfg(&w.clientWrongKey) },
			reason: verify.KeyMismatch, side: verify.SideLocal},
		{name: "protocol-version-mismatch-server-old", only: tls.VersionTLS13, server: func() ServerConfig {
			s := w.serverCfg(w.server)
			s.MaxVersion = tls.VersionTLS12
			return s
		}, client: func() ClientConfig {
			c := w.clientCfg(&w.client)
			c.MinVersion = tls.VersionTLS13
			return c
		}, reason: verify.ProtocolVersionMismatch, side: verify.SideServer},
		{name: "protocol-version-mismatch-client-old", only: tls.VersionTLS12, server: func() ServerConfig {
			s := w.serverCfg(w.server)
			s.MinVersion = tls.VersionTLS13
			return s
		}, client: func() ClientConfig { return w.clientCfg(&w.client) }, reason: verify.ProtocolVersionMismatch, side: verify.SideServer},
		{name: "no-shared-cipher", only: tls.VersionTLS12, server: func() ServerConfig {
			s := w.serverCfg(w.server)
			s.CipherSuites = []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384}
			return s
		}, client: func() ClientConfig {
			c := w.clientCfg(&w.client)
			c.CipherSuites = []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}
			return c
		}, reason: verify.NoSharedCipher, side: verify.SideServer},
		{name: "request-mode-accepts-foreign", server: func() ServerConfig {
			s := w.serverCfg(w.server)
			s.Auth = AuthRequest
			return s
		}, client: func() ClientConfig { return w.clientCfg(&w.clientForeign) }, reason: verify.OK, side: verify.SideNone, check: func(t *testing.T, r Result) {
			if !hasNote(r, "without verifying") {
				t.Errorf("notes = %q", r.Notes)
			}
		}},
		{name: "verify-if-given-no-cert", server: func() ServerConfig {
			s := w.serverCfg(w.server)
			s.Auth = AuthVerifyIfGiven
			return s
		}, client: func() ClientConfig { return w.clientCfg(nil) }, reason: verify.OK, side: verify.SideNone},
		{name: "verify-if-given-foreign", server: func() ServerConfig {
			s := w.serverCfg(w.server)
			s.Auth = AuthVerifyIfGiven
			return s
		}, client: func() ClientConfig { return w.clientCfg(&w.clientForeign) }, reason: verify.ClientCertUntrusted, side: verify.SideServer},
		{name: "require-any-missing", server: func() ServerConfig {
			s := w.serverCfg(w.server)
			s.Auth = AuthRequireAny
			return s
		}, client: func() ClientConfig { return w.clientCfg(nil) }, reason: verify.ClientCertMissing, side: verify.SideServer},
	}
	ctx := context.Background()
	for _, c := range cases {
		for _, v := range versions {
			if c.only != 0 && c.only != v.v {
				continue
			}
			t.Run(c.name+"/"+v.name, func(t *testing.T) {
				t.Parallel()
				sc, cc := c.server(), c.client()
				if sc.MaxVersion == 0 && sc.MinVersion == 0 {
					sc.MaxVersion = v.v
				}
				if cc.MaxVersion == 0 && cc.MinVersion == 0 {
					cc.MaxVersion = v.v
				}
				r := Run(ctx, sc, cc, c.opts)
				assertResult(t, r, c.reason, c.side)
				if c.reason == verify.OK && r.TLS.Version != tls.VersionName(v.v) {
					t.Errorf("negotiated %s, want %s", r.TLS.Version, tls.VersionName(v.v))
				}
				if c.check != nil {
					c.check(t, r)
				}
			})
		}
	}
}

func hasAlso(r Result, code verify.Code, side verify.Side) bool {
	for _, a := range r.Also {
		if a.Code == code && a.Side == side {
			return true
		}
	}
	return false
}

func hasNote(r Result, sub string) bool {
	for _, n := range r.Notes {
		if strings.Contains(n, sub) {
			return true
		}
	}
	return false
}

func assertResult(t *testing.T, r Result, reason verify.Code, side verify.Side) {
	t.Helper()
	want := Reject
	if reason == verify.OK {
		want = Accept
	}
	if r.Verdict != want || r.Reason != reason || r.Side != side {
		js, _ := json.MarshalIndent(r, "", "  ")
		t.Fatalf("got %s %s (%s), want %s %s (%s)\n%s", r.Verdict, r.Reason, r.Side, want, reason, side, js)
	}
	if r.Summary == "" {
		t.Errorf("empty summary")
	}
	if reason != verify.OK && reason != verify.KeyMismatch && (r.Fix == nil || r.Fix.Say == "" || strings.Contains(r.Fix.Say, "pkibench")) {
		t.Errorf("no fix for %s", reason)
	}
}

func TestResultJSONAndText(t *testing.T) {
	w := newWorld(t)
	r := Run(context.Background(), w.serverCfg(w.server), w.clientCfg(&w.clientForeign), Options{})
	js, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(js, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"verdict", "reason", "side", "summary", "detail", "fix", "evidence", "tls", "acceptable_cas",
		"client_chain", "server_chain", "errors", "timeline", "duration_ms", "notes"} {
		if _, ok := m[k]; !ok {
			t.Errorf("JSON lacks %q: %s", k, js)
		}
	}
	errs, _ := m["errors"].(map[string]any)
	if errs["client"] == nil || errs["server"] == nil {
		t.Errorf("raw errors missing: %v", errs)
	}
	steps, _ := m["timeline"].([]any)
	sides := map[any]bool{}
	for _, s := range steps {
		sides[s.(map[string]any)["side"]] = true
	}
	if !sides["client"] || !sides["server"] {
		t.Errorf("timeline lacks a side: %v", steps)
	}
	txt := r.Text(true, nil)
	for _, want := range []string{"REJECT  client-cert-untrusted  (decided by server)", "fix:", "timeline:", "acceptable CAs: O = ABC Inc., CN = ABC Inc. Root"} {
		if !strings.Contains(txt, want) {
			t.Errorf("text lacks %q:\n%s", want, txt)
		}
	}
}

// A result of a probe that never ran has no moment: its "at" is null, as
// every absent time in --json, not Go's zero time; a real one is RFC 3339.
func TestResultJSONAtNullWhenNeverRun(t *testing.T) {
	for _, tc := range []struct {
		at   time.Time
		want string
	}{
		{time.Time{}, `"at":null`},
		{time.Date(2027, 1, 2, 3, 4, 5, 0, time.UTC), `"at":"2027-01-02T03:04:05Z"`},
	} {
		js, err := json.Marshal(Result{At: tc.at})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(js), tc.want) || strings.Count(string(js), `"at":`) != 1 {
			t.Errorf("at %v: want one %s in %s", tc.at, tc.want, js)
		}
	}
}
