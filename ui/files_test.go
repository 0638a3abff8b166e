package ui

import (
	"crypto/x509/pkix"
	"os"
	"path/filepath"
	"testing"

	"github.com/pkibench/pkibench/pki"
	"github.com/pkibench/pkibench/store"
)

func TestExportImportSign(t *testing.T) {
	d := goldenDriver(t, 120, 40)
	dir := t.TempDir()

	// Export the server certificate as a chain.
	d.press("2", "end", "x")
	d.expect("Export server", "server.pem")
	d.press("right", "right") // pem -> der -> chain
	d.expect("server-chain.pem", "the intermediates only (no certificate, no root)")
	d.press("right") // -> fullchain
	d.expect("server-fullchain.pem", "certificate + intermediates (no root)")
	d.press("down", "ctrl+u")
	out := filepath.Join(dir, "server-fullchain.pem")
	d.typeText(out)
	d.press("enter")
	d.expect("exported server as fullchain")
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	// certbot's fullchain: the certificate, then intermediates, never the root.
	objs, err := pki.Decode(data, out)
	if err != nil {
		t.Fatal(err)
	}
	certs := pki.Certificates(objs)
	if len(certs) == 0 || certs[0].IsCA {
		t.Fatalf("fullchain does not start with the certificate:\n%s", data)
	}
	for _, c := range certs {
		if pki.IsSelfSigned(c) {
			t.Errorf("fullchain holds the root %s", c.Subject)
		}
	}
	// Never overwrite.
	d.press("x", "down", "ctrl+u")
	d.typeText(out)
	d.press("enter")
	d.expect("file exists")
	d.press("esc", "esc") // stop typing, then cancel the form

	// Import it into another store: a foreign certificate.
	other := testStore(t)
	d2 := newDriver(t, other, 120, 40)
	d2.press("2", "m")
	d2.typeText(out)
	d2.press("down")
	d2.typeText("web")
	d2.press("enter")
	d2.expect("imported", "as web")
	d2.expect("1 certificates")

	// Sign a CSR made elsewhere.
	ext, _, err := other.CreateCSR(store.CSROptions{Name: "partner", Subject: pkix.Name{CommonName: "partner.example"}, DNS: []string{"partner.example"}, Algorithm: pki.P256})
	if err != nil {
		t.Fatal(err)
	}
	csrPath := filepath.Join(dir, "partner.csr")
	if err := os.WriteFile(csrPath, pki.EncodeCSRPEM(ext.Raw), 0o600); err != nil {
		t.Fatal(err)
	}
	d.press("2", "C")
	d.expect("Sign a certificate request")
	d.typeText(csrPath)
	d.expect("partner") // the name follows the file
	d.press("enter")
	d.expect("signed", "partner by demo-ca")
}
