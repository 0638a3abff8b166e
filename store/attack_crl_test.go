package store

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pkibench/pkibench/pki"
)

// TestCheckAgreesWithImportedUnnumberedCRL: a CA that published numbered
// CRLs with pkibench, then an `openssl ca -gencrl` CRL without a number
// (later thisUpdate, one more revocation) imported for it: import makes the
// later CRL current (newest by thisUpdate), and check must agree. It must
// not call that state torn, and --repair must never put the older CRL back
// (that would un-revoke a certificate).
func TestCheckAgreesWithImportedUnnumberedCRL(t *testing.T) {
	st := newStore(t)
	mustCA(t, st, CAOptions{Name: "abc"})
	out, err := st.Issue(IssueOptions{Names: []string{"c1"}, CA: "abc", Profile: pki.ProfileClient})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.PublishCRL("abc", CRLOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Revoke("c1", RevokeOptions{}); err != nil {
		t.Fatal(err)
	}
	serial, ok := new(big.Int).SetString(out[0].Serial, 16)
	if !ok {
		t.Fatal(out[0].Serial)
	}
	cert, key, err := st.caSigner("abc", nil)
	if err != nil {
		t.Fatal(err)
	}
	this := time.Now().UTC().Truncate(time.Second).Add(time.Minute)
	der := v1CRL(t, cert, key, this, serial)
	if _, err := st.Import([]ImportFile{{Source: "v1.crl", Data: pki.EncodeCRLPEM(der)}}, ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	dir := st.caDir("abc")
	if cur, _ := os.ReadFile(filepath.Join(dir, "crl.der")); !bytes.Equal(cur, der) {
		t.Fatal("the later unnumbered CRL did not become current")
	}
	rep, err := st.Check(false)
	if err != nil {
		t.Fatal(err)
	}
	if n := rep.Remaining(); n != 0 {
		t.Errorf("check: %d problem(s) after a legitimate import: %+v", n, rep.Problems)
	}
	if _, err := st.Check(true); err != nil {
		t.Fatal(err)
	}
	if cur, _ := os.ReadFile(filepath.Join(dir, "crl.der")); !bytes.Equal(cur, der) {
		t.Error("check --repair replaced the current CRL (which revokes c1) with an older one")
	}
	got, err := st.CRL("abc")
	if err != nil || len(got.RevokedCertificateEntries) != 1 || got.Number != nil && got.Number.Cmp(big.NewInt(1)) == 0 {
		t.Errorf("current CRL after repair: %v %v", got, err)
	}
}

// v1CRL signs a version 1 CRL without extensions (no CRL number), as
// `openssl ca -gencrl` writes one when the CA has no crlnumber file.
func v1CRL(t *testing.T, ca *x509.Certificate, key crypto.Signer, this time.Time, revoked ...*big.Int) []byte {
	t.Helper()
	if _, ok := key.Public().(*ecdsa.PublicKey); !ok {
		t.Fatalf("v1CRL signs with ECDSA keys only, got %T", key.Public())
	}
	alg := pkix.AlgorithmIdentifier{Algorithm: asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}}
	type revokedCert struct {
		Serial *big.Int
		Time   time.Time
	}
	var revs []revokedCert
	for _, s := range revoked {
		revs = append(revs, revokedCert{s, this})
	}
	tbs, err := asn1.Marshal(struct {
		Signature  pkix.AlgorithmIdentifier
		Issuer     asn1.RawValue
		ThisUpdate time.Time
		NextUpdate time.Time
		Revoked    []revokedCert `asn1:"optional"`
	}{alg, asn1.RawValue{FullBytes: ca.RawSubject}, this.UTC(), this.Add(48 * time.Hour).UTC(), revs})
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(tbs)
	sig, err := key.Sign(rand.Reader, sum[:], crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	der, err := asn1.Marshal(struct {
		TBS asn1.RawValue
		Alg pkix.AlgorithmIdentifier
		Sig asn1.BitString
	}{asn1.RawValue{FullBytes: tbs}, alg, asn1.BitString{Bytes: sig, BitLength: 8 * len(sig)}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pki.ParseCRL(der); err != nil {
		t.Fatalf("v1 CRL does not parse: %v", err)
	}
	return der
}

// externalCRL writes CRL number num of CA abc, signed with its key outside
// pkibench's publication (as `openssl ca -gencrl` would), listing every
// revocation of the index; it returns the file.
func externalCRL(t *testing.T, st *Store, num int64) string {
	t.Helper()
	cert, key, err := st.caSigner("abc", nil)
	if err != nil {
		t.Fatal(err)
	}
	es, err := readIndex(filepath.Join(st.caDir("abc"), "index.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var revs []pki.Revocation
	for _, e := range es {
		if e.Flag == 'R' {
			revs = append(revs, pki.Revocation{Serial: e.Serial, Time: e.RevokedAt, Reason: e.Reason})
		}
	}
	now := time.Now().UTC().Truncate(time.Second)
	der, err := pki.CreateCRL(pki.CRLRequest{Number: big.NewInt(num), ThisUpdate: now, NextUpdate: now.Add(48 * time.Hour), Revoked: revs}, cert, key)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "ext.crl")
	if err := os.WriteFile(p, pki.EncodeCRLPEM(der), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestForgedCRLImportMarker: an import's marker names a file of crl/ and
// nothing else; one naming a path elsewhere is refused, never acted on.
func TestForgedCRLImportMarker(t *testing.T) {
	st := newStore(t)
	mustCA(t, st, CAOptions{Name: "abc"})
	dir := st.caDir("abc")
	key, _ := os.ReadFile(filepath.Join(dir, "ca.key"))
	for _, forged := range []string{"file ../ca.key", "file /etc/passwd", "file .hidden.pem", "file x/../../ca.key"} {
		if err := os.WriteFile(filepath.Join(dir, crlMarker), []byte(forged+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		var je *JournalError
		if _, err := st.Issue(IssueOptions{Names: []string{"x"}, CA: "abc", Profile: pki.ProfileClient}); !errors.As(err, &je) {
			t.Errorf("marker %q: %v, want a JournalError", forged, err)
		}
		if now, _ := os.ReadFile(filepath.Join(dir, "ca.key")); !bytes.Equal(now, key) || exists(filepath.Join(dir, "crl.der")) {
			t.Errorf("marker %q was acted on", forged)
		}
	}
}

// TestRevokeImportedCopySaysWhy: an import kept in imported/ because its
// serial is taken in its (store) CA's index is not "from a CA that is not
// in the store".
func TestRevokeImportedCopySaysWhy(t *testing.T) {
	st := newStore(t)
	mustCA(t, st, CAOptions{Name: "abc"})
	if _, err := st.Issue(IssueOptions{Names: []string{"mail"}, CA: "abc", Profile: pki.ProfileClient}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(st.certDir("mail"), "cert.pem"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Import([]ImportFile{{Source: "copy.pem", Data: b}}, ImportOptions{As: "dup"}); err != nil {
		t.Fatal(err)
	}
	_, err = st.Revoke("dup", RevokeOptions{})
	if err == nil || strings.Contains(err.Error(), "not in the store") || !strings.Contains(err.Error(), `"mail"`) {
		t.Errorf("revoke dup: %v", err)
	}
}

// TestImportedDeltaCRLNeverBecomesCurrent: a delta CRL (RFC 5280 5.2.4,
// as AD CS publishes beside its base CRL) lists only the changes since its
// base. Made current, it would replace the full CRL that servers read
// (crl.pem): revocations listed only in the base would vanish for the
// probe, and openssl-based servers, which ignore delta CRLs by default,
// would find no CRL at all. It is kept in the history only.
func TestImportedDeltaCRLNeverBecomesCurrent(t *testing.T) {
	st := newStore(t)
	mustCA(t, st, CAOptions{Name: "abc"})
	if _, err := st.Issue(IssueOptions{Names: []string{"c1"}, CA: "abc", Profile: pki.ProfileClient}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Revoke("c1", RevokeOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.PublishCRL("abc", CRLOptions{}); err != nil {
		t.Fatal(err)
	}
	dir := st.caDir("abc")
	base, _ := os.ReadFile(filepath.Join(dir, "crl.der"))
	cert, key, err := st.caSigner("abc", nil)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Second).Add(time.Minute)
	baseNum, _ := asn1.Marshal(big.NewInt(1))
	delta, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
		Number: big.NewInt(2), ThisUpdate: now, NextUpdate: now.Add(time.Hour),
		ExtraExtensions: []pkix.Extension{{Id: asn1.ObjectIdentifier{2, 5, 29, 27}, Critical: true, Value: baseNum}},
	}, cert, key)
	if err != nil {
		t.Fatal(err)
	}
	out, err := st.Import([]ImportFile{{Source: "delta.crl", Data: pki.EncodeCRLPEM(delta)}}, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if cur, _ := os.ReadFile(filepath.Join(dir, "crl.der")); !bytes.Equal(cur, base) {
		t.Error("the delta CRL replaced the full CRL")
	}
	if !strings.Contains(strings.Join(out.Notes, " "), "delta") {
		t.Errorf("notes do not say it is a delta CRL: %q", out.Notes)
	}
	if rep, err := st.Check(false); err != nil || rep.Remaining() != 0 {
		t.Errorf("check after a delta import: %v %+v", err, rep)
	}
	if s, err := st.PublishCRL("abc", CRLOptions{}); err != nil || s.Number != "03" {
		t.Errorf("next publication: %+v %v (want 03: the delta's number is used)", s, err)
	}
}
