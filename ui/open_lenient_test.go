package ui

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestOpenFileShowsWhatOpensslShows: the TUI's Inspect read files with the
// strict decode, so a DER CRL or certificate followed by stray bytes
// (which openssl prints, and the CLI's inspect shows) was only an error
// there. It now decodes as the CLI does: both are shown, with the warning
// about the bytes, and the certificate with crypto/x509's refusal.
func TestOpenFileShowsWhatOpensslShows(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(5), Subject: pkix.Name{CommonName: "Open CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(1, 0, 0), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
	certDER, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(certDER)
	crlDER, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{Number: big.NewInt(1), ThisUpdate: now, NextUpdate: now.AddDate(0, 0, 7),
		RevokedCertificateEntries: []x509.RevocationListEntry{{SerialNumber: big.NewInt(9), RevocationTime: now}}}, ca, key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, c := range []struct {
		name, want string
		der        []byte
	}{
		{"crl.der", "Serial Number: 09", crlDER},
		{"cert.der", "Subject: CN = Open CA", certDER},
	} {
		p := filepath.Join(dir, c.name)
		if err := os.WriteFile(p, append(c.der, "JUNK"...), 0o600); err != nil {
			t.Fatal(err)
		}
		doc, err := readFileDoc(nil, p, nil, now)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		var text strings.Builder
		for _, s := range doc.Doc.Sections {
			for _, f := range s.Fields {
				for l := range f.AllLines() {
					text.WriteString(l + "\n")
				}
			}
		}
		if !strings.Contains(text.String(), c.want) {
			t.Errorf("%s: the document does not show %q:\n%s", c.name, c.want, text.String())
		}
		found := false
		for _, f := range doc.Doc.Findings() {
			found = found || strings.Contains(f.Message, "4 bytes follow")
		}
		if !found {
			t.Errorf("%s: no finding about the trailing bytes: %+v", c.name, doc.Doc.Findings())
		}
	}
}
