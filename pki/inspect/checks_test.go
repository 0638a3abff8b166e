package inspect

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/pkibench/pkibench/pki"
	"github.com/pkibench/pkibench/pki/testtool"
)

func TestCertificateFindings(t *testing.T) {
	ca := newTestCA(t, "Findings CA")
	key := mustKey(t, pki.P256)
	good := ca.sign(t, leafTemplate(t, key))

	noEKU := leafTemplate(t, key)
	noEKU.ExtKeyUsage = nil
	cnOnly := leafTemplate(t, key)
	cnOnly.DNSNames = nil
	long := leafTemplate(t, key)
	long.NotAfter = long.NotBefore.AddDate(2, 0, 0)
	caNoSign := leafTemplate(t, key)
	caNoSign.IsCA, caNoSign.ExtKeyUsage, caNoSign.KeyUsage = true, nil, x509.KeyUsageCRLSign

	tests := []struct {
		name string
		cert *x509.Certificate
		now  time.Time
		path string
		want Severity
		text string // part of the finding
	}{
		{"expired", good, good.NotAfter.Add(72 * time.Hour), "validity.not_after", SeverityProblem, "expired 3 days ago"},
		{"not yet valid", good, good.NotBefore.Add(-time.Hour), "validity.not_before", SeverityProblem, "not valid for another"},
		{"no EKU", ca.sign(t, noEKU), testNow, "ext.key_usage", SeverityNote, "no Extended Key Usage"},
		{"CN only", ca.sign(t, cnOnly), testNow, "subject", SeverityWarning, "no Subject Alternative Name"},
		{"long server", ca.sign(t, long), testNow, "validity.not_after", SeverityNote, "398 days"},
		{"CA without keyCertSign", ca.sign(t, caNoSign), testNow, "ext.key_usage", SeverityWarning, "keyCertSign"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := FromCertificate(tt.cert, tt.now)
			f, ok := d.Field(tt.path)
			if !ok {
				t.Fatalf("no field %s", tt.path)
			}
			if f.Severity != tt.want || !strings.Contains(f.Finding, tt.text) {
				t.Errorf("%s = %s %q, want %s containing %q", tt.path, f.Severity, f.Finding, tt.want, tt.text)
			}
			if d.Worst() != tt.want {
				t.Errorf("Worst = %s, want %s (findings %+v)", d.Worst(), tt.want, d.Findings())
			}
		})
	}
	// A client certificate is never matched against a host name: no SAN is
	// no finding.
	clientOnly := leafTemplate(t, key)
	clientOnly.DNSNames = nil
	clientOnly.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	if d := FromCertificate(ca.sign(t, clientOnly), testNow); d.Worst() != SeverityOK {
		t.Errorf("a client certificate without SAN has findings: %+v", d.Findings())
	}
	if d := FromCertificate(good, testNow); d.Worst() != SeverityOK {
		t.Errorf("a good server certificate has findings: %+v", d.Findings())
	}
	if d := FromCertificate(ca.cert, testNow); d.Worst() != SeverityOK {
		t.Errorf("a good root has findings: %+v", d.Findings())
	}
}

// TestOpensslMadeFindings covers what Go cannot make: SHA-1 signatures,
// 1024-bit RSA and the seeds' v1 certificates.
func TestOpensslMadeFindings(t *testing.T) {
	tool := testtool.Require(t, "openssl")
	weak := opensslCert(t, tool, "leaf.pem",
		[]string{"req", "-x509", "-nodes", "-days", "30", "-newkey", "rsa:2048", "-subj", "/CN=SHA1 CA", "-keyout", "ca.key", "-out", "ca.pem"},
		[]string{"req", "-new", "-nodes", "-newkey", "rsa:1024", "-subj", "/CN=weak", "-keyout", "leaf.key", "-out", "leaf.csr"},
		[]string{"x509", "-req", "-sha1", "-days", "30", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-set_serial", "0", "-out", "leaf.pem"})
	d := FromCertificate(weak, time.Now())
	for path, want := range map[string]Severity{
		"signature_algorithm": SeverityProblem, "public_key": SeverityProblem, "version": SeverityNote, "subject": SeverityWarning,
	} {
		if f, _ := d.Field(path); f.Severity != want {
			t.Errorf("%s = %s (%s), want %s", path, f.Severity, f.Finding, want)
		}
	}
	if f, _ := d.Field("version"); !strings.Contains(f.Finding, "version 1") {
		t.Errorf("version finding %q", f.Finding)
	}
}

func TestCRLFindings(t *testing.T) {
	ca := newTestCA(t, "CRL CA")
	der, err := pki.CreateCRL(pki.CRLRequest{Number: big.NewInt(7), ThisUpdate: testNow, NextUpdate: testNow.AddDate(0, 0, 7),
		Revoked: []pki.Revocation{{Serial: big.NewInt(42), Time: testNow, Reason: 1}}}, ca.cert, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	crl, err := x509.ParseRevocationList(der)
	if err != nil {
		t.Fatal(err)
	}
	fresh := FromCRL(crl, testNow.Add(time.Hour))
	if fresh.Worst() != SeverityOK {
		t.Errorf("fresh CRL has findings: %+v", fresh.Findings())
	}
	if f, _ := fresh.Field("crl.revoked.0"); f.Value != "2A revoked Jun  1 12:00:00 2026 GMT (Key Compromise)" {
		t.Errorf("revoked entry value %q", f.Value)
	}
	stale := FromCRL(crl, testNow.AddDate(0, 0, 10))
	if f, _ := stale.Field("crl.next_update"); f.Severity != SeverityProblem || !strings.Contains(f.Finding, "stale") {
		t.Errorf("stale CRL next_update = %s %q", f.Severity, f.Finding)
	}
}

func TestCSRFindings(t *testing.T) {
	key := mustKey(t, pki.P256)
	csr, err := pki.CreateCSR(pki.CSRRequest{Subject: pkix.Name{CommonName: "no-san"}}, key)
	if err != nil {
		t.Fatal(err)
	}
	d := FromCSR(csr)
	if f, _ := d.Field("subject"); f.Severity != SeverityNote {
		t.Errorf("CSR without SAN: subject = %s", f.Severity)
	}
	if f, _ := d.Field("signature"); f.Severity != SeverityOK {
		t.Errorf("valid CSR signature flagged: %s", f.Finding)
	}
}
