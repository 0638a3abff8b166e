package ui

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/pkibench/pkibench/pki"
	"github.com/pkibench/pkibench/store"
)

// A certificate whose subject carries an escape sequence, a C1 CSI and a
// newline is shown escaped in the certificate list and in the inspect
// view: the TUI never sends it to the terminal raw.
func TestControlCharactersShownEscaped(t *testing.T) {
	st := testStore(t)
	key, _ := pki.GenerateKey(pki.P256)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "evil\x1b[2J\u009b5m\nX"},
		NotBefore: fixedNow.Add(-time.Hour), NotAfter: fixedNow.Add(time.Hour), PublicKey: key.Public()}
	cert, err := pki.SignTemplate(tmpl, nil, key)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Import([]store.ImportFile{{Source: "evil.pem", Data: pki.EncodeCertPEM(cert.Raw)}}, store.ImportOptions{As: "evil"}); err != nil {
		t.Fatal(err)
	}
	d := newDriver(t, st, 120, 40)
	d.press("2")
	for _, view := range []string{"list", "inspect"} {
		raw := d.m.render()
		if strings.Contains(raw, "\x1b[2J") || strings.Contains(raw, "\u009b") {
			t.Errorf("%s view sends the subject's control characters raw", view)
		}
		if view == "inspect" && !strings.Contains(d.screen(), "Subject:") {
			t.Fatalf("inspect view did not open:\n%s", d.screen())
		}
		if !strings.Contains(d.screen(), `evil\x1B[2J`) {
			t.Errorf("%s view does not show the subject escaped:\n%s", view, d.screen())
		}
		d.press("end", "enter")
	}
}
