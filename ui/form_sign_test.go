package ui

import (
	"bytes"
	"crypto/x509/pkix"
	"encoding/asn1"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pkibench/pkibench/pki"
)

// TestSignFormShowsRequest: the sign form shows the request — subject in
// its own order, SANs, key, signature — before signing, and the signed
// certificate keeps that subject order (CN = api.example.com, O = Acme,
// not Go's O first).
func TestSignFormShowsRequest(t *testing.T) {
	d := goldenDriver(t, 100, 30)
	key, _ := pki.GenerateKey(pki.P256)
	subj := pkix.Name{ExtraNames: []pkix.AttributeTypeAndValue{
		{Type: asn1.ObjectIdentifier{2, 5, 4, 3}, Value: "api.example.com"}, {Type: asn1.ObjectIdentifier{2, 5, 4, 10}, Value: "Acme"}}}
	csr, err := pki.CreateCSR(pki.CSRRequest{Subject: subj, DNS: []string{"api.example.com"}, Emails: []string{"ops@example.com"}}, key)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "api.csr")
	if err := os.WriteFile(path, pki.EncodeCSRPEM(csr.Raw), 0o600); err != nil {
		t.Fatal(err)
	}
	d.press("2", "C")
	fill(t, d, "csr", path)
	d.expect("Request subject: CN = api.example.com, O = Acme", "SANs: DNS:api.example.com, email:ops@example.com",
		"Key: ", "signature ok")
	fill(t, d, "ca", "demo-ca-int")
	d.press("enter")
	if d.m.dialog != nil {
		t.Fatalf("the form stayed open:\n%s", d.screen())
	}
	if last := d.m.log[len(d.m.log)-1]; !strings.HasPrefix(last.Text, "signed "+path) {
		t.Fatalf("status %q", last.Text)
	}
	id, err := d.m.c.Store.Identity("api", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(id.Cert.RawSubject, csr.RawSubject) {
		t.Fatalf("signed subject %s, the request's was %s", id.Cert.Subject, csr.Subject)
	}
}
