package verify

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pkibench/pkibench/pki"
	"github.com/pkibench/pkibench/pki/testtool"
)

func writePEM(t *testing.T, path, typ string, ders ...[]byte) {
	t.Helper()
	var b []byte
	for _, d := range ders {
		b = append(b, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: d})...)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// opensslAccepts runs `openssl verify` with the same inputs as opts.
func opensslAccepts(t *testing.T, bin string, leaf *x509.Certificate, opts Options) (bool, string) {
	t.Helper()
	dir := t.TempDir()
	args := []string{"verify"}
	var roots [][]byte
	for _, r := range opts.Roots {
		roots = append(roots, r.Raw)
	}
	writePEM(t, filepath.Join(dir, "roots.pem"), "CERTIFICATE", roots...)
	args = append(args, "-CAfile", filepath.Join(dir, "roots.pem"))
	if len(opts.Intermediates) > 0 {
		var ders [][]byte
		for _, c := range opts.Intermediates {
			ders = append(ders, c.Raw)
		}
		writePEM(t, filepath.Join(dir, "untrusted.pem"), "CERTIFICATE", ders...)
		args = append(args, "-untrusted", filepath.Join(dir, "untrusted.pem"))
	}
	if len(opts.CRLs) > 0 {
		var ders [][]byte
		for _, c := range opts.CRLs {
			ders = append(ders, c.Raw)
		}
		writePEM(t, filepath.Join(dir, "crl.pem"), "X509 CRL", ders...)
		args = append(args, "-crl_check", "-CRLfile", filepath.Join(dir, "crl.pem"))
	}
	if opts.Name != "" {
		if _, isIP := ipOrName(opts.Name); isIP {
			args = append(args, "-verify_ip", opts.Name)
		} else {
			args = append(args, "-verify_hostname", opts.Name)
		}
	}
	switch opts.Usage {
	case UsageServer:
		args = append(args, "-purpose", "sslserver")
	case UsageClient:
		args = append(args, "-purpose", "sslclient")
	}
	if !opts.At.IsZero() {
		args = append(args, "-attime", fmt.Sprint(opts.At.Unix()))
	}
	writePEM(t, filepath.Join(dir, "leaf.pem"), "CERTIFICATE", leaf.Raw)
	args = append(args, filepath.Join(dir, "leaf.pem"))
	out, err := exec.Command(bin, args...).CombinedOutput()
	return err == nil, strings.TrimSpace(string(out))
}

// TestOpenSSLAgrees checks accept/reject against `openssl verify` on the
// staged cases where openssl has the same rule (openssl accepts CN-only
// names, stale CRLs it is not asked about, etc., so those are left out).
func TestOpenSSLAgrees(t *testing.T) {
	bin := testtool.Require(t, "openssl")
	s := newStage(t)
	same := map[string]bool{
		"server ok": true, "client ok": true, "server untrusted (foreign CA)": true,
		"client untrusted (seeds' ZXC Inc.)": true, "server self-signed": true,
		"server chain incomplete (same organisation)": true, "server expired": true,
		"server not yet valid": true, "intermediate expired": true, "name mismatch": true,
		"IP mismatch": true, "client cert used as server": true, "server cert used as client": true,
		"key usage without digitalSignature": true, "path length exceeded": true,
		"name constraint violated": true, "issuer not a CA": true, "unknown critical extension": true,
	}
	n := 0
	for _, tc := range verifyCases() {
		if !same[tc.name] {
			continue
		}
		n++
		t.Run(tc.name, func(t *testing.T) {
			leaf, opts := tc.setup(t, s)
			_, f := Verify(leaf, opts)
			ok, out := opensslAccepts(t, bin, leaf, opts)
			if ok != (f == nil) {
				t.Errorf("openssl accepts=%v, pkibench finding=%v\nopenssl: %s", ok, f, out)
			}
		})
	}
	if n != len(same) {
		t.Fatalf("ran %d of %d openssl cases: a case was renamed", n, len(same))
	}

	// CRL cases: openssl -crl_check wants the CRL of the leaf's issuer, which
	// is pkibench's RequireCRL for the leaf link.
	client := s.inter.leaf(t, "/CN=client2", pki.ProfileClient, nil, nil)
	clean := s.inter.crl(t, t0.Add(-time.Hour), t0.Add(24*time.Hour))
	revoked := s.inter.crl(t, t0.Add(-time.Hour), t0.Add(24*time.Hour), pki.Revocation{Serial: client.SerialNumber, Time: t0.Add(-2 * time.Hour), Reason: 1})
	for _, c := range []struct {
		name string
		crl  *x509.RevocationList
		at   time.Time
		want Code
	}{
		{"not on the CRL", clean, t0, OK},
		{"revoked", revoked, t0, ClientCertRevoked},
		{"stale CRL", clean, t0.Add(48 * time.Hour), CRLStale},
	} {
		t.Run("crl "+c.name, func(t *testing.T) {
			opts := Options{Roots: []*x509.Certificate{s.root.cert}, Intermediates: []*x509.Certificate{s.inter.cert}, Usage: UsageClient, At: c.at, CRLs: []*x509.RevocationList{c.crl}}
			_, f := Verify(client, opts)
			got := OK
			if f != nil {
				got = f.Code
			}
			if got != c.want {
				t.Errorf("pkibench: want %s, got %s", c.want, Text(f, nil))
			}
			ok, out := opensslAccepts(t, bin, client, opts)
			if ok != (c.want == OK) {
				t.Errorf("openssl accepts=%v, want %v: %s", ok, c.want == OK, out)
			}
		})
	}
}

// TestOpenSSLRejectsKeyCertSignLeaf backs the knownDisagreements entry for
// rfc5280::ca-as-leaf: openssl's sslserver purpose also refuses a leaf whose
// key usage is only keyCertSign.
func TestOpenSSLRejectsKeyCertSignLeaf(t *testing.T) {
	bin := testtool.Require(t, "openssl")
	for _, c := range loadLimbo(t) {
		if c.ID != "rfc5280::ca-as-leaf" && c.ID != "pathlen::validation-ignores-pathlen-in-leaf" {
			continue
		}
		leaf, err := parsePEMCert(c.PeerCertificate)
		if err != nil {
			t.Fatal(err)
		}
		opts := Options{Usage: UsageServer}
		for _, s := range c.TrustedCerts {
			r, err := parsePEMCert(s)
			if err != nil {
				t.Fatal(err)
			}
			opts.Roots = append(opts.Roots, r)
		}
		for _, s := range c.UntrustedIntermediates {
			r, err := parsePEMCert(s)
			if err != nil {
				t.Fatal(err)
			}
			opts.Intermediates = append(opts.Intermediates, r)
		}
		_, f := Verify(leaf, opts)
		ok, out := opensslAccepts(t, bin, leaf, opts)
		if ok || f == nil {
			t.Errorf("%s: openssl accepts=%v (%s), pkibench finding=%v; both should reject", c.ID, ok, out, f)
		}
	}
}
