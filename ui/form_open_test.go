package ui

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pkibench/pkibench/pki"
)

// TestOpenFileInInspect: o opens any file in Inspect — a certificate, a
// chain, a CSR (its subject in its own order), a CRL, a key, an encrypted
// key and a PKCS#12 bundle behind a password; a missing or wrong password
// names the form's field and keeps the form open.
func TestOpenFileInInspect(t *testing.T) {
	d := goldenDriver(t, 100, 30)
	st := d.m.c.Store
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	id, err := st.Identity("server", nil)
	if err != nil {
		t.Fatal(err)
	}
	certPEM := pki.EncodeCertPEM(id.Cert.Raw)
	var chainPEM []byte
	chainPEM = append(chainPEM, certPEM...)
	for _, c := range id.Chain {
		chainPEM = append(chainPEM, pki.EncodeCertPEM(c.Raw)...)
	}
	key, _ := pki.GenerateKey(pki.P256)
	// CN before O, as openssl req -subj /CN=api.example.com/O=Acme writes it.
	subj := pkix.Name{ExtraNames: []pkix.AttributeTypeAndValue{
		{Type: asn1.ObjectIdentifier{2, 5, 4, 3}, Value: "api.example.com"}, {Type: asn1.ObjectIdentifier{2, 5, 4, 10}, Value: "Acme"}}}
	csr, err := pki.CreateCSR(pki.CSRRequest{Subject: subj,
		DNS: []string{"api.example.com"}}, key)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM, _ := pki.EncodeKeyPEM(key, nil)
	encPEM, _ := pki.EncodeKeyPEM(key, []byte("hunter2"))
	p12, err := pki.EncodePKCS12(id.Key, id.Cert, id.Chain, "hunter2", "server")
	if err != nil {
		t.Fatal(err)
	}
	d.press("1", "p") // publish demo-ca's CRL
	ca, err := st.CA("demo-ca")
	if err != nil || ca.CRL == nil {
		t.Fatalf("no CRL: %v", err)
	}
	crl, err := os.ReadFile(ca.CRL.Path)
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name, file, pass string
		want             []string
	}{
		{"certificate", write("server.pem", certPEM), "", []string{"Certificate:", "Subject: CN = server"}},
		{"chain", write("chain.pem", chainPEM), "", []string{"Certificate:", "CN = server"}},
		{"csr", write("req.csr", pki.EncodeCSRPEM(csr.Raw)), "", []string{"Certificate Request:", "CN = api.example.com, O = Acme", "DNS:api.example.com"}},
		{"crl", write("ca.crl", crl), "", []string{"Certificate Revocation List (CRL):"}},
		{"key", write("key.pem", keyPEM), "", []string{"Private-Key: (256 bit"}},
		{"encrypted key", write("enc.pem", encPEM), "hunter2", []string{"Private-Key: (256 bit"}},
		{"pkcs12", write("server.p12", p12), "hunter2", []string{"Certificate:", "Subject: CN = server"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d.press("4", "o")
			fill(t, d, "file", tt.file)
			if tt.pass != "" {
				// First without the password, then a wrong one.
				d.press("enter")
				d.expect(`type its passphrase in "Password"`)
				fill(t, d, "pass", "nope")
				d.press("enter")
				d.expect(`wrong passphrase: type it again in "Password"`)
				fill(t, d, "pass", tt.pass)
			}
			d.press("enter")
			if d.m.dialog != nil {
				t.Fatalf("the form stayed open:\n%s", d.screen())
			}
			d.expect(tt.want...)
		})
	}

	d.press("4", "o")
	fill(t, d, "file", filepath.Join(dir, "missing.pem"))
	d.press("enter")
	f, ok := d.m.dialog.(*form)
	if !ok {
		t.Fatal("a missing file closed the form")
	}
	if f.err == nil || !strings.Contains(f.err.Error(), "missing.pem") {
		t.Fatalf("error %v, want it to name missing.pem", f.err)
	}
	if strings.Contains(d.screen(), "hunter2") {
		t.Fatal("a password on screen")
	}
}
