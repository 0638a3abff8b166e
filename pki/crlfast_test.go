package pki

import (
	"bytes"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pkibench/pkibench/pki/testtool"
)

// The hand-encoded entries must give exactly what crypto/x509 gives, and
// openssl must accept the CRL, for every key type.
func TestFastCRLMatchesCryptoX509(t *testing.T) {
	for _, a := range []Algorithm{P256, P384, Ed25519, RSA2048} {
		t.Run(string(a), func(t *testing.T) {
			k, _ := GenerateKey(a)
			ca, err := Issue(Request{Subject: subjectCN("CRL CA"), Profile: ProfileRootCA, PublicKey: k.Public(),
				NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(1, 0, 0)}, nil, k)
			if err != nil {
				t.Fatal(err)
			}
			now := time.Now().UTC().Truncate(time.Second)
			var revs []Revocation
			for i := 0; i < 300; i++ {
				revs = append(revs, Revocation{Serial: big.NewInt(int64(i * 7919)), Time: now.Add(-time.Duration(i) * time.Minute), Reason: Reason(i % 11 % 10)})
			}
			revs = append(revs, Revocation{Serial: new(big.Int).Lsh(big.NewInt(1), 126), Time: time.Date(2051, 1, 1, 0, 0, 0, 0, time.UTC), Reason: 1})
			req := CRLRequest{Number: big.NewInt(42), ThisUpdate: now, NextUpdate: now.Add(24 * time.Hour), Revoked: revs}
			fast, err := createCRLFast(req, ca, k)
			if err != nil {
				t.Fatal(err)
			}
			got, err := x509.ParseRevocationList(fast)
			if err != nil {
				t.Fatal(err)
			}
			if err := got.CheckSignatureFrom(ca); err != nil {
				t.Fatalf("signature: %v", err)
			}
			if len(got.RevokedCertificateEntries) != len(revs) || got.Number.Int64() != 42 {
				t.Fatalf("entries %d number %v", len(got.RevokedCertificateEntries), got.Number)
			}
			for i, e := range got.RevokedCertificateEntries {
				w := revs[i]
				if e.SerialNumber.Cmp(w.Serial) != 0 || !e.RevocationTime.Equal(w.Time) || e.ReasonCode != int(w.Reason) {
					t.Fatalf("entry %d: %v %v %d, want %v %v %d", i, e.SerialNumber, e.RevocationTime, e.ReasonCode, w.Serial, w.Time, w.Reason)
				}
			}
			// The entries are byte-identical to crypto/x509's encoding.
			entries := make([]x509.RevocationListEntry, len(revs))
			for i, e := range revs {
				entries[i] = x509.RevocationListEntry{SerialNumber: e.Serial, RevocationTime: e.Time, ReasonCode: int(e.Reason)}
			}
			slow, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{Number: big.NewInt(42), ThisUpdate: now,
				NextUpdate: now.Add(24 * time.Hour), RevokedCertificateEntries: entries}, ca, k)
			if err != nil {
				t.Fatal(err)
			}
			if a, b := tbsFields(t, fast), tbsFields(t, slow); len(a) != 7 || len(b) != 7 || !bytes.Equal(a[5], b[5]) || !bytes.Equal(a[6], b[6]) || !bytes.Equal(a[2], b[2]) {
				t.Error("fast CRL differs from crypto/x509's in entries, extensions or issuer")
			}
			openssl := testtool.Require(t, "openssl")
			dir := t.TempDir()
			os.WriteFile(filepath.Join(dir, "crl.pem"), EncodeCRLPEM(fast), 0o644)
			os.WriteFile(filepath.Join(dir, "ca.pem"), EncodeCertPEM(ca.Raw), 0o644)
			out := testtool.Run(t, dir, openssl, "crl", "-in", "crl.pem", "-CAfile", "ca.pem", "-noout")
			if !strings.Contains(out, "verify OK") {
				t.Errorf("openssl crl: %s", out)
			}
		})
	}
}

// tbsFields splits a CRL's TBSCertList into its DER fields.
func tbsFields(t *testing.T, der []byte) [][]byte {
	t.Helper()
	var outer struct {
		TBS asn1.RawValue
		Alg asn1.RawValue
		Sig asn1.BitString
	}
	if _, err := asn1.Unmarshal(der, &outer); err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for rest := outer.TBS.Bytes; len(rest) > 0; {
		var f asn1.RawValue
		var err error
		if rest, err = asn1.Unmarshal(rest, &f); err != nil {
			t.Fatal(err)
		}
		out = append(out, f.FullBytes)
	}
	return out
}

func subjectCN(cn string) pkix.Name { return pkix.Name{CommonName: cn} }

func TestParseCRLHeader(t *testing.T) {
	k, _ := GenerateKey(P256)
	ca, _ := Issue(Request{Subject: subjectCN("H"), Profile: ProfileRootCA, PublicKey: k.Public(),
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(1, 0, 0)}, nil, k)
	now := time.Now().UTC().Truncate(time.Second)
	for _, n := range []int{0, 3, 500} {
		var revs []Revocation
		for i := 0; i < n; i++ {
			revs = append(revs, Revocation{Serial: big.NewInt(int64(i + 1)), Time: now, Reason: 1})
		}
		der, err := CreateCRL(CRLRequest{Number: big.NewInt(7), ThisUpdate: now, NextUpdate: now.Add(time.Hour), Revoked: revs}, ca, k)
		if err != nil {
			t.Fatal(err)
		}
		h, err := ParseCRLHeader(der)
		if err != nil || h.Entries != n || h.Number.Int64() != 7 || !h.ThisUpdate.Equal(now) || !h.NextUpdate.Equal(now.Add(time.Hour)) {
			t.Errorf("%d entries: %+v %v", n, h, err)
		}
	}
	if _, err := ParseCRLHeader([]byte("junk")); err == nil {
		t.Error("junk parsed")
	}
}

func FuzzParseCRLHeader(f *testing.F) {
	f.Add([]byte{0x30, 0x03, 0x30, 0x01, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) { ParseCRLHeader(b) })
}
