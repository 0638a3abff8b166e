package ui

import (
	"crypto/x509/pkix"
	"os"
	"path/filepath"
	"strings"
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
	d.press("right", "right", "right") // pem -> der -> chain -> fullchain
	d.expect("server-fullchain.pem")
	d.press("down", "ctrl+u")
	out := filepath.Join(dir, "server-fullchain.pem")
	d.typeText(out)
	d.press("enter")
	d.expect("exported server as fullchain")
	data, err := os.ReadFile(out)
	if err != nil || strings.Count(string(data), "BEGIN CERTIFICATE") != 2 {
		t.Fatalf("chain file: %v\n%s", err, data)
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
