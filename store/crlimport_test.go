package store

import (
	"bytes"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pkibench/pkibench/pki"
)

// TestImportedCRLAttachesToItsCA: a CRL of a store CA is checked against
// the CA's key and attached; the newest by number becomes current in both
// crl.der and crl.pem, older ones go to the history; a CRL naming the CA
// but signed by another key is refused.
func TestImportedCRLAttachesToItsCA(t *testing.T) {
	st := newStore(t)
	mustCA(t, st, CAOptions{Name: "abc"})
	if _, err := st.Issue(IssueOptions{Names: []string{"c1"}, CA: "abc", Profile: pki.ProfileClient}); err != nil {
		t.Fatal(err)
	}
	cert, key, err := st.caSigner("abc", nil)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Second)
	mk := func(num int64, this time.Time, revoked ...int64) []byte {
		t.Helper()
		var revs []pki.Revocation
		for _, s := range revoked {
			revs = append(revs, pki.Revocation{Serial: big.NewInt(s), Time: this})
		}
		var n *big.Int
		if num > 0 {
			n = big.NewInt(num)
		}
		der, err := pki.CreateCRL(pki.CRLRequest{Number: n, ThisUpdate: this, NextUpdate: this.Add(48 * time.Hour), Revoked: revs}, cert, key)
		if err != nil {
			t.Fatal(err)
		}
		return der
	}
	imp := func(der []byte, name string) (Imported, error) {
		return st.Import([]ImportFile{{Source: name, Data: pki.EncodeCRLPEM(der)}}, ImportOptions{})
	}
	dir := st.caDir("abc")
	current := func() []byte {
		d, _ := os.ReadFile(filepath.Join(dir, "crl.der"))
		p, _ := os.ReadFile(filepath.Join(dir, "crl.pem"))
		if !bytes.Equal(pki.EncodeCRLPEM(d), p) {
			t.Fatal("crl.der and crl.pem hold different CRLs")
		}
		return d
	}
	crl5 := mk(5, now.Add(-time.Hour), 77)
	crl3 := mk(3, now, 1, 2) // later thisUpdate but a lower number: not current
	if out, err := imp(crl5, "five.crl"); err != nil || out.Kind != "crl" || out.CA != "abc" {
		t.Fatalf("import CRL 5: %+v %v", out, err)
	}
	if !bytes.Equal(current(), crl5) {
		t.Fatal("CRL 5 is not current")
	}
	if _, err := imp(crl3, "three.crl"); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(current(), crl5) {
		t.Error("an older CRL number replaced the current CRL")
	}
	for _, f := range []string{"05.pem", "03.pem"} {
		if _, err := os.Stat(filepath.Join(dir, "crl", f)); err != nil {
			t.Errorf("history %s: %v", f, err)
		}
	}
	got, err := st.CRL("abc")
	if err != nil || got.Number.Int64() != 5 || len(got.RevokedCertificateEntries) != 1 {
		t.Fatalf("store CRL: %v %v", got, err)
	}
	if all, err := st.CRLs(); err != nil || len(all) != 1 {
		t.Errorf("CRLs(): %d %v", len(all), err)
	}
	// The next publication numbers past the imported CRL.
	s, err := st.PublishCRL("abc", CRLOptions{})
	if err != nil || s.Number != "06" {
		t.Errorf("publish after import: number %v, %v; want 06", s, err)
	}
	// A CRL that names abc but is signed by another CA's key: refused.
	other := newStore(t)
	mustCA(t, other, CAOptions{Name: "abc", Subject: cert.Subject})
	ocert, okey, err := other.caSigner("abc", nil)
	if err != nil {
		t.Fatal(err)
	}
	forged, err := pki.CreateCRL(pki.CRLRequest{Number: big.NewInt(9), ThisUpdate: now, NextUpdate: now.Add(time.Hour)}, ocert, okey)
	if err != nil {
		t.Fatal(err)
	}
	var ie *CRLIssuerError
	if _, err := imp(forged, "forged.crl"); !errors.As(err, &ie) {
		t.Errorf("a CRL from another key: %v, want CRLIssuerError", err)
	}
	if got, _ := st.CRL("abc"); got == nil || got.Number.Int64() != 6 {
		t.Error("the refused CRL changed the current one")
	}
}

func TestNewerCRLWithoutNumbers(t *testing.T) {
	a := pki.CRLHeader{ThisUpdate: time.Unix(200, 0)}
	b := pki.CRLHeader{ThisUpdate: time.Unix(100, 0)}
	if !newerCRL(a, b) || newerCRL(b, a) {
		t.Error("without numbers, the later thisUpdate is newer")
	}
	a.Number, b.Number = big.NewInt(1), big.NewInt(2)
	if newerCRL(a, b) || !newerCRL(b, a) {
		t.Error("with numbers, the higher number is newer")
	}
}
