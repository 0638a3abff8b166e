package verify

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/pkibench/pkibench/pki"
)

// stage is a small PKI shared by the table: a root, an intermediate below
// it, and a foreign root (the seeds' "ZXC Inc.").
type stage struct {
	root, inter, foreign ca
}

func newStage(t *testing.T) stage {
	t.Helper()
	root := newRoot(t, "/O=ABC Inc./CN=ABC Root CA")
	return stage{
		root:    root,
		inter:   root.intermediate(t, "/O=ABC Inc./CN=ABC Issuing CA", nil),
		foreign: newRoot(t, "/O=ZXC Inc./CN=ZXC Root CA"),
	}
}

type verifyCase struct {
	name  string
	setup func(t *testing.T, s stage) (*x509.Certificate, Options)
	code  Code
	field string // Evidence[0].Field
	cert  string // substring of Evidence[0].Cert
}

func serverOpts(s stage) Options {
	return Options{Roots: []*x509.Certificate{s.root.cert}, Intermediates: []*x509.Certificate{s.inter.cert}, Name: "localhost", Usage: UsageServer, At: t0}
}

func clientOpts(s stage) Options {
	return Options{Roots: []*x509.Certificate{s.root.cert}, Intermediates: []*x509.Certificate{s.inter.cert}, Usage: UsageClient, At: t0}
}

var localhost = []string{"localhost"}

func verifyCases() []verifyCase {
	server := func(t *testing.T, s stage) *x509.Certificate {
		return s.inter.leaf(t, "/O=ABC Inc./CN=localhost", pki.ProfileServer, localhost, nil)
	}
	client := func(t *testing.T, s stage) *x509.Certificate {
		return s.inter.leaf(t, "/O=ABC Inc./CN=client1", pki.ProfileClient, nil, nil)
	}
	return []verifyCase{
		{"server ok", func(t *testing.T, s stage) (*x509.Certificate, Options) { return server(t, s), serverOpts(s) }, OK, "", ""},
		{"client ok", func(t *testing.T, s stage) (*x509.Certificate, Options) { return client(t, s), clientOpts(s) }, OK, "", ""},
		{"server untrusted (foreign CA)", func(t *testing.T, s stage) (*x509.Certificate, Options) {
			return s.foreign.leaf(t, "/O=ZXC Inc./CN=localhost", pki.ProfileServer, localhost, nil), serverOpts(s)
		}, ServerCertUntrusted, "issuer", "localhost"},
		{"client untrusted (seeds' ZXC Inc.)", func(t *testing.T, s stage) (*x509.Certificate, Options) {
			return s.foreign.leaf(t, "/O=ZXC Inc./CN=client3", pki.ProfileClient, nil, nil), clientOpts(s)
		}, ClientCertUntrusted, "issuer", "client3"},
		{"server self-signed", func(t *testing.T, s stage) (*x509.Certificate, Options) {
			k := mustKey(t)
			r := request(t, "/CN=localhost", pki.ProfileServer, k)
			r.DNS = localhost
			c, err := pki.Issue(r, nil, k)
			if err != nil {
				t.Fatal(err)
			}
			return c, serverOpts(s)
		}, ServerCertUntrusted, "issuer", "localhost"},
		{"server chain incomplete (same organisation)", func(t *testing.T, s stage) (*x509.Certificate, Options) {
			o := serverOpts(s)
			o.Intermediates = nil
			return server(t, s), o
		}, ServerChainIncomplete, "issuer", "localhost"},
		{"client chain incomplete (intermediate known locally)", func(t *testing.T, s stage) (*x509.Certificate, Options) {
			other := s.root.intermediate(t, "/CN=Team CA", nil)
			o := clientOpts(s)
			o.Intermediates = nil
			o.Known = []*x509.Certificate{other.cert}
			return other.leaf(t, "/CN=client1", pki.ProfileClient, nil, nil), o
		}, ClientChainIncomplete, "issuer", "client1"},
		{"server expired", func(t *testing.T, s stage) (*x509.Certificate, Options) {
			o := serverOpts(s)
			o.At = t0.Add(400 * 24 * time.Hour)
			c := s.inter.leaf(t, "/CN=localhost", pki.ProfileServer, localhost, func(c *x509.Certificate) { c.NotAfter = t0.Add(48 * time.Hour) })
			return c, o
		}, ServerCertExpired, "validity.not_after", "localhost"},
		{"server not yet valid", func(t *testing.T, s stage) (*x509.Certificate, Options) {
			c := s.inter.leaf(t, "/CN=localhost", pki.ProfileServer, localhost, func(c *x509.Certificate) { c.NotBefore = t0.Add(time.Hour) })
			return c, serverOpts(s)
		}, ServerCertNotYetValid, "validity.not_before", "localhost"},
		{"client expired", func(t *testing.T, s stage) (*x509.Certificate, Options) {
			c := s.inter.leaf(t, "/CN=client1", pki.ProfileClient, nil, func(c *x509.Certificate) { c.NotAfter = t0.Add(-time.Hour) })
			return c, clientOpts(s)
		}, ClientCertExpired, "validity.not_after", "client1"},
		{"client not yet valid", func(t *testing.T, s stage) (*x509.Certificate, Options) {
			c := s.inter.leaf(t, "/CN=client1", pki.ProfileClient, nil, func(c *x509.Certificate) { c.NotBefore = t0.Add(time.Hour) })
			return c, clientOpts(s)
		}, ClientCertNotYetValid, "validity.not_before", "client1"},
		{"intermediate expired", func(t *testing.T, s stage) (*x509.Certificate, Options) {
			old := s.root.intermediate(t, "/O=ABC Inc./CN=Old CA", func(r *pki.Request) { r.NotAfter = t0.Add(-time.Hour) })
			c := old.leaf(t, "/CN=client1", pki.ProfileClient, nil, func(c *x509.Certificate) { c.NotAfter = t0.Add(24 * time.Hour) })
			o := clientOpts(s)
			o.Intermediates = []*x509.Certificate{old.cert}
			return c, o
		}, ClientCertExpired, "validity.not_after", "Old CA"},
		{"name mismatch", func(t *testing.T, s stage) (*x509.Certificate, Options) {
			o := serverOpts(s)
			o.Name = "invoice.example.com"
			return server(t, s), o
		}, ServerNameMismatch, "ext.subject_alt_name", "localhost"},
		{"IP mismatch", func(t *testing.T, s stage) (*x509.Certificate, Options) {
			o := serverOpts(s)
			o.Name = "127.0.0.1"
			return server(t, s), o
		}, ServerNameMismatch, "ext.subject_alt_name", "localhost"},
		{"CN only", func(t *testing.T, s stage) (*x509.Certificate, Options) {
			c := s.inter.leaf(t, "/O=ABC Inc./CN=localhost", pki.ProfileServerClient, nil, nil)
			return c, serverOpts(s)
		}, ServerCertCNOnly, "ext.subject_alt_name", "localhost"},
		{"client cert used as server", func(t *testing.T, s stage) (*x509.Certificate, Options) {
			c := s.inter.leaf(t, "/CN=localhost", pki.ProfileClient, localhost, nil)
			return c, serverOpts(s)
		}, ServerCertWrongUsage, "ext.extended_key_usage", "localhost"},
		{"server cert used as client", func(t *testing.T, s stage) (*x509.Certificate, Options) {
			return server(t, s), clientOpts(s)
		}, ClientCertWrongUsage, "ext.extended_key_usage", "localhost"},
		{"key usage without digitalSignature", func(t *testing.T, s stage) (*x509.Certificate, Options) {
			c := s.inter.leaf(t, "/CN=client1", pki.ProfileClient, nil, func(c *x509.Certificate) { c.KeyUsage = x509.KeyUsageDataEncipherment })
			return c, clientOpts(s)
		}, ClientCertWrongUsage, "ext.key_usage", "client1"},
		{"client revoked", func(t *testing.T, s stage) (*x509.Certificate, Options) {
			c := client(t, s)
			o := clientOpts(s)
			o.CRLs = append(o.CRLs, s.inter.crl(t, t0.Add(-time.Hour), t0.Add(7*24*time.Hour), pki.Revocation{Serial: c.SerialNumber, Time: t0.Add(-2 * time.Hour), Reason: 1}))
			return c, o
		}, ClientCertRevoked, "serial", "client1"},
		{"server revoked", func(t *testing.T, s stage) (*x509.Certificate, Options) {
			c := server(t, s)
			o := serverOpts(s)
			o.CRLs = append(o.CRLs, s.inter.crl(t, t0.Add(-time.Hour), t0.Add(7*24*time.Hour), pki.Revocation{Serial: c.SerialNumber, Time: t0.Add(-2 * time.Hour), Reason: 4}))
			return c, o
		}, ServerCertRevoked, "serial", "localhost"},
		{"intermediate revoked by the root", func(t *testing.T, s stage) (*x509.Certificate, Options) {
			o := clientOpts(s)
			o.CRLs = append(o.CRLs, s.root.crl(t, t0.Add(-time.Hour), t0.Add(7*24*time.Hour), pki.Revocation{Serial: s.inter.cert.SerialNumber, Time: t0.Add(-2 * time.Hour), Reason: 2}))
			return client(t, s), o
		}, ClientCertRevoked, "serial", "ABC Issuing CA"},
		{"crl stale", func(t *testing.T, s stage) (*x509.Certificate, Options) {
			o := clientOpts(s)
			o.CRLs = append(o.CRLs, s.inter.crl(t, t0.Add(-48*time.Hour), t0.Add(-24*time.Hour)))
			return client(t, s), o
		}, CRLStale, "crl.next_update", "ABC Issuing CA"},
		{"crl from the future", func(t *testing.T, s stage) (*x509.Certificate, Options) {
			o := clientOpts(s)
			o.CRLs = append(o.CRLs, s.inter.crl(t, t0.Add(time.Hour), t0.Add(48*time.Hour)))
			return client(t, s), o
		}, CRLStale, "crl.this_update", "ABC Issuing CA"},
		{"crl missing", func(t *testing.T, s stage) (*x509.Certificate, Options) {
			o := clientOpts(s)
			o.RequireCRL = true
			o.CRLs = append(o.CRLs, s.root.crl(t, t0.Add(-time.Hour), t0.Add(48*time.Hour)))
			return client(t, s), o
		}, CRLMissing, "issuer", "client1"},
		{"crl signed by an impostor with the same name", func(t *testing.T, s stage) (*x509.Certificate, Options) {
			impostor := newRoot(t, "/O=ABC Inc./CN=ABC Issuing CA")
			o := clientOpts(s)
			o.CRLs = append(o.CRLs, impostor.crl(t, t0.Add(-time.Hour), t0.Add(48*time.Hour)))
			return client(t, s), o
		}, CRLInvalid, "signature_algorithm", "ABC Issuing CA"},
		{"path length exceeded", func(t *testing.T, s stage) (*x509.Certificate, Options) {
			zero := 0
			p0 := s.root.intermediate(t, "/O=ABC Inc./CN=Pathlen0 CA", func(r *pki.Request) { r.PathLen = &zero })
			below := p0.intermediate(t, "/O=ABC Inc./CN=Too Deep CA", nil)
			o := clientOpts(s)
			o.Intermediates = []*x509.Certificate{p0.cert, below.cert}
			return below.leaf(t, "/CN=client1", pki.ProfileClient, nil, nil), o
		}, PathLenExceeded, "ext.basic_constraints", "Pathlen0 CA"},
		{"name constraint violated", func(t *testing.T, s stage) (*x509.Certificate, Options) {
			nc := s.root.intermediate(t, "/O=ABC Inc./CN=Example CA", func(r *pki.Request) {
				r.Constraints.PermittedDNS = []string{"example.com"}
			})
			o := serverOpts(s)
			o.Intermediates = []*x509.Certificate{nc.cert}
			return nc.leaf(t, "/CN=localhost", pki.ProfileServer, localhost, nil), o
		}, NameConstraintViolated, "ext.name_constraints", "Example CA"},
		{"issuer not a CA", func(t *testing.T, s stage) (*x509.Certificate, Options) {
			k := mustKey(t)
			notCA := s.inter.leafWithKey(t, "/O=ABC Inc./CN=client1", pki.ProfileClient, nil, k, nil)
			fake := ca{notCA, k}
			o := clientOpts(s)
			o.Intermediates = append(o.Intermediates, notCA)
			return fake.leaf(t, "/CN=client2", pki.ProfileClient, nil, nil), o
		}, IssuerNotCA, "ext.basic_constraints", "client1"},
		{"root without basic constraints", func(t *testing.T, s stage) (*x509.Certificate, Options) {
			k := mustKey(t)
			tm, err := pki.Template(request(t, "/CN=Bare Root", pki.ProfileRootCA, k))
			if err != nil {
				t.Fatal(err)
			}
			tm.BasicConstraintsValid, tm.IsCA = false, false
			root, err := pki.SignTemplate(tm, nil, k)
			if err != nil {
				t.Fatal(err)
			}
			r := ca{root, k}
			return r.leaf(t, "/CN=client1", pki.ProfileClient, nil, nil), Options{Roots: []*x509.Certificate{root}, Usage: UsageClient, At: t0}
		}, IssuerNotCA, "ext.basic_constraints", "Bare Root"},
		{"weak signature (SHA-1)", func(t *testing.T, s stage) (*x509.Certificate, Options) {
			c := s.inter.leaf(t, "/CN=client1", pki.ProfileClient, nil, func(c *x509.Certificate) { c.SignatureAlgorithm = x509.ECDSAWithSHA1 })
			return c, clientOpts(s)
		}, WeakSignature, "signature_algorithm", "client1"},
		{"weak key (RSA 1024)", func(t *testing.T, s stage) (*x509.Certificate, Options) {
			k, err := rsa.GenerateKey(rand.Reader, 1024)
			if err != nil {
				t.Fatal(err)
			}
			return s.inter.leafWithKey(t, "/CN=client1", pki.ProfileClient, nil, k, nil), clientOpts(s)
		}, WeakKey, "subject_public_key_info", "client1"},
		{"unknown critical extension", func(t *testing.T, s stage) (*x509.Certificate, Options) {
			c := s.inter.leaf(t, "/CN=client1", pki.ProfileClient, nil, func(c *x509.Certificate) {
				c.ExtraExtensions = append(c.ExtraExtensions, pkixExt(asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 1}, true))
			})
			return c, clientOpts(s)
		}, CertMalformed, "extensions", "client1"},
		{"max intermediates", func(t *testing.T, s stage) (*x509.Certificate, Options) {
			o := clientOpts(s)
			zero := 0
			o.MaxIntermediates = &zero
			return client(t, s), o
		}, PathLenExceeded, "ext.basic_constraints", "ABC Issuing CA"},
	}
}

func TestVerifyCodes(t *testing.T) {
	s := newStage(t)
	for _, tc := range verifyCases() {
		t.Run(tc.name, func(t *testing.T) {
			leaf, opts := tc.setup(t, s)
			chains, f := Verify(leaf, opts)
			if tc.code == OK {
				if f != nil {
					t.Fatalf("want OK, got %s", Text(f, nil))
				}
				if len(chains) == 0 || chains[0][0] != leaf {
					t.Fatalf("no chain returned: %v", chains)
				}
				return
			}
			if f == nil {
				t.Fatalf("want %s, got OK", tc.code)
			}
			if f.Code != tc.code {
				t.Fatalf("want %s, got %s", tc.code, Text(f, nil))
			}
			if chains != nil {
				t.Errorf("chains returned with a finding")
			}
			// Lower layers speak in values: a fix never spells a command or a flag.
			if f.Fix != nil && (strings.Contains(f.Fix.Say, "pkibench") || strings.Contains(f.Fix.Say, "--") || f.Fix.Kind == "") {
				t.Errorf("fix is not a plain value: %+v", f.Fix)
			}
			if f.Summary == "" || f.Fix == nil || f.Fix.Say == "" || f.Detail == "" {
				t.Errorf("summary, detail and fix must be set:\n%s", Text(f, nil))
			}
			if len(f.Evidence) == 0 {
				t.Fatalf("no evidence:\n%s", Text(f, nil))
			}
			e := f.Evidence[0]
			if e.Field != tc.field || !strings.Contains(e.Cert, tc.cert) {
				t.Errorf("evidence %+v, want field %q on a cert containing %q\n%s", e, tc.field, tc.cert, Text(f, nil))
			}
			if !strings.Contains(Text(f, nil), string(tc.code)) {
				t.Errorf("Text lacks the code:\n%s", Text(f, nil))
			}
		})
	}
}

func pkixExt(oid asn1.ObjectIdentifier, critical bool) pkix.Extension {
	return pkix.Extension{Id: oid, Critical: critical, Value: []byte{0x05, 0x00}}
}

func TestRevokedDetail(t *testing.T) {
	s := newStage(t)
	c := s.inter.leaf(t, "/CN=client2", pki.ProfileClient, nil, nil)
	o := clientOpts(s)
	revokedAt := t0.Add(-3 * time.Hour)
	o.CRLs = []*x509.RevocationList{s.inter.crl(t, t0.Add(-time.Hour), t0.Add(24*time.Hour), pki.Revocation{Serial: c.SerialNumber, Time: revokedAt, Reason: 1})}
	_, f := Verify(c, o)
	if f == nil || f.Code != ClientCertRevoked {
		t.Fatalf("want revoked, got %v", f)
	}
	for _, want := range []string{"keyCompromise", stamp(revokedAt), "CRL number:   7", serial(c)} {
		if !strings.Contains(f.Detail, want) {
			t.Errorf("detail lacks %q:\n%s", want, f.Detail)
		}
	}
	var crlErr *CRLError
	if !errors.As(f.Err, &crlErr) || crlErr.Problem != ProblemRevoked || crlErr.Entry == nil {
		t.Errorf("Err is not a *CRLError with the entry: %#v", f.Err)
	}
	// Before the revocation time the certificate was still good.
	o.At = revokedAt.Add(-time.Minute)
	o.CRLs = []*x509.RevocationList{s.inter.crl(t, o.At.Add(-time.Hour), o.At.Add(time.Hour), pki.Revocation{Serial: c.SerialNumber, Time: revokedAt, Reason: 1})}
	if _, f := Verify(c, o); f != nil {
		t.Errorf("revoked in the future must not count: %s", Text(f, nil))
	}
}

func TestClassifyTyped(t *testing.T) {
	s := newStage(t)
	leaf := s.foreign.leaf(t, "/CN=localhost", pki.ProfileServer, localhost, nil)
	opts := serverOpts(s)
	_, err := leaf.Verify(x509.VerifyOptions{Roots: pool(opts.Roots), CurrentTime: t0})
	if err == nil {
		t.Fatal("foreign leaf verified")
	}
	// As crypto/tls hands it over: wrapped, with what the peer sent.
	wrapped := &tls.CertificateVerificationError{UnverifiedCertificates: []*x509.Certificate{leaf}, Err: err}
	f := Classify(errors.Join(errors.New("remote error"), wrapped), nil, opts)
	if f.Code != ServerCertUntrusted {
		t.Errorf("want %s, got %s", ServerCertUntrusted, Text(f, nil))
	}
	if !errors.Is(f.Err, err) && !errors.As(f.Err, new(x509.UnknownAuthorityError)) {
		t.Errorf("Err does not keep the typed error: %v", f.Err)
	}

	good := s.inter.leaf(t, "/CN=localhost", pki.ProfileServer, localhost, nil)
	tests := []struct {
		err  error
		code Code
	}{
		{x509.HostnameError{Certificate: good, Host: "other.example"}, ServerNameMismatch},
		{x509.CertificateInvalidError{Cert: good, Reason: x509.IncompatibleUsage}, ServerCertWrongUsage},
		{x509.CertificateInvalidError{Cert: good, Reason: x509.CANotAuthorizedForThisName, Detail: "x509: DNS name"}, NameConstraintViolated},
		{&CRLError{Problem: ProblemExpired}, CRLStale},
		{errors.New("tls: failed to parse certificate from server: x509: malformed certificate"), CertMalformed},
		{asn1.StructuralError{Msg: "bad"}, CertMalformed},
		{errors.New("something else"), OK},
	}
	for _, tt := range tests {
		f := Classify(tt.err, good, opts)
		if tt.code == OK {
			// good verifies, so the walk finds nothing: the raw error stays.
			if f.Code != Unknown {
				t.Errorf("%v: want unknown, got %s", tt.err, f.Code)
			}
			continue
		}
		if f.Code != tt.code {
			t.Errorf("%v: want %s, got %s", tt.err, tt.code, Text(f, nil))
		}
	}
	if Classify(nil, good, opts) != nil {
		t.Error("Classify(nil) must be nil")
	}
}

func TestUsageAnyAndIPName(t *testing.T) {
	s := newStage(t)
	c := s.inter.leaf(t, "/CN=host", pki.ProfileServer, localhost, func(c *x509.Certificate) { c.IPAddresses = []net.IP{net.ParseIP("127.0.0.1")} })
	o := serverOpts(s)
	o.Name = "127.0.0.1"
	if _, f := Verify(c, o); f != nil {
		t.Fatalf("IP SAN: %s", Text(f, nil))
	}
	o.Usage = UsageAny
	o.Name = ""
	cl := s.inter.leaf(t, "/CN=client1", pki.ProfileClient, nil, nil)
	if _, f := Verify(cl, o); f != nil {
		t.Fatalf("UsageAny must accept a client certificate: %s", Text(f, nil))
	}
}

func TestMalformedAndText(t *testing.T) {
	_, err := x509.ParseCertificate([]byte{0x30, 0x03, 0x02, 0x01, 0x00})
	f := Malformed(err, "peer.pem")
	if f.Code != CertMalformed || !errors.Is(f, err) {
		t.Fatalf("Malformed: %+v", f)
	}
	txt := Text(f, nil)
	for _, want := range []string{"reason:", "cert-malformed", "fix:", "peer.pem"} {
		if !strings.Contains(txt, want) {
			t.Errorf("Text lacks %q:\n%s", want, txt)
		}
	}
	if Text(nil, nil) == "" || (*Finding)(nil).Error() != "ok" {
		t.Error("nil finding must render")
	}
}

// A P-224 key is not weak by RSA rules and Go verifies it: guard against
// keyWeakness flagging every non-RSA key.
func TestKeyWeaknessOnlyFlagsWeak(t *testing.T) {
	k, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if why := keyWeakness(&x509.Certificate{PublicKey: &k.PublicKey}); why != "" {
		t.Errorf("P-384 flagged: %s", why)
	}
	if why := keyWeakness(&x509.Certificate{PublicKey: nil, PublicKeyAlgorithm: x509.DSA}); why == "" {
		t.Error("unknown key not flagged")
	}
}

// Zero-valued typed errors (nil certificates inside) must not panic.
func TestClassifyZeroErrors(t *testing.T) {
	s := newStage(t)
	leaf := s.inter.leaf(t, "/CN=client1", pki.ProfileClient, nil, nil)
	errs := []error{
		x509.HostnameError{Host: "x"}, x509.UnknownAuthorityError{}, x509.ConstraintViolationError{},
		x509.InsecureAlgorithmError(x509.SHA1WithRSA), x509.UnhandledCriticalExtension{}, x509.SystemRootsError{},
		&CRLError{}, &tls.CertificateVerificationError{}, &Finding{Code: Timeout},
	}
	for r := x509.NotAuthorizedToSign; r <= x509.NoValidChains; r++ {
		errs = append(errs, x509.CertificateInvalidError{Reason: r})
	}
	for _, l := range []*x509.Certificate{leaf, nil} {
		for _, err := range errs {
			f := Classify(err, l, clientOpts(s))
			if f == nil || f.Code == "" {
				t.Errorf("%T with leaf %v: no finding", err, l != nil)
			}
			_ = Text(f, nil)
		}
	}
}
