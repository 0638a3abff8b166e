package verify

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pkibench/pkibench/pki"
)

// fuzzChain is a fixed root -> leaf chain: Ed25519 keys from fixed seeds,
// so CRLs in the committed corpus verify against it run after run.
func fuzzChain(t testing.TB) (root ca, leaf *x509.Certificate) {
	t.Helper()
	rk := ed25519.NewKeyFromSeed(make([]byte, 32))
	lseed := make([]byte, 32)
	lseed[0] = 1
	lk := ed25519.NewKeyFromSeed(lseed)
	r := request(t, "/O=Fuzz/CN=Fuzz Root", pki.ProfileRootCA, rk)
	r.Serial = big.NewInt(1)
	rc, err := pki.Issue(r, nil, rk)
	if err != nil {
		t.Fatal(err)
	}
	root = ca{rc, rk}
	lr := request(t, "/O=Fuzz/CN=fuzz-client", pki.ProfileClient, lk)
	lr.Serial = big.NewInt(0x1234)
	leaf, err = pki.Issue(lr, rc, rk)
	if err != nil {
		t.Fatal(err)
	}
	return root, leaf
}

// fuzzSeeds are CRLs of the fuzz root: revoking the leaf, empty, stale,
// with a critical CRL number.
func fuzzSeeds(t testing.TB) [][]byte {
	root, leaf := fuzzChain(t)
	mk := func(this, next time.Time, entries []x509.RevocationListEntry, extra []pkix.Extension) []byte {
		der, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
			Number: big.NewInt(3), ThisUpdate: this, NextUpdate: next,
			RevokedCertificateEntries: entries, ExtraExtensions: extra,
		}, root.cert, root.key)
		if err != nil {
			t.Fatal(err)
		}
		return der
	}
	revoked := []x509.RevocationListEntry{{SerialNumber: leaf.SerialNumber, RevocationTime: t0.Add(-time.Hour), ReasonCode: 1}}
	good := mk(t0.Add(-time.Hour), t0.Add(time.Hour), revoked, nil)
	return [][]byte{
		good,
		v1CRLFor(t, root, leaf),
		mk(t0.Add(-time.Hour), t0.Add(time.Hour), nil, nil),
		mk(t0.Add(-48*time.Hour), t0.Add(-24*time.Hour), revoked, nil),
		mk(t0.Add(-time.Hour), t0.Add(time.Hour), nil, []pkix.Extension{{Id: asn1.ObjectIdentifier{2, 5, 29, 99}, Critical: true, Value: []byte{5, 0}}}),
		good[:len(good)/2],
	}
}

func FuzzCheckCRL(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	root, leaf := fuzzChain(f)
	chain := []*x509.Certificate{leaf, root.cert}
	f.Fuzz(func(t *testing.T, der []byte) {
		crl, err := pki.ParseCRL(der)
		if err != nil {
			return
		}
		for _, o := range []Options{
			{CRLs: []*x509.RevocationList{crl}, At: t0},
			{CRLs: []*x509.RevocationList{crl}, At: t0, RequireCRL: true, Usage: UsageClient},
			{CRLs: []*x509.RevocationList{crl, nil}},
		} {
			fd := CheckCRL(chain, o)
			if fd == nil {
				continue
			}
			if fd.Code == "" || fd.Summary == "" {
				t.Fatalf("empty finding: %#v", fd)
			}
			_ = Text(fd, nil)
			if c := Classify(fd.Err, leaf, o); c == nil || c.Code == "" {
				t.Fatalf("Classify lost the CRL error %v", fd.Err)
			}
		}
	})
}

// TestFuzzSeedsClassified pins what the seeds mean, so the corpus keeps
// covering every CRL outcome.
func TestFuzzSeedsClassified(t *testing.T) {
	root, leaf := fuzzChain(t)
	want := []Code{ClientCertRevoked, ClientCertRevoked, OK, CRLStale, CRLInvalid}
	for i, der := range fuzzSeeds(t)[:len(want)] {
		crl, err := pki.ParseCRL(der)
		if err != nil {
			t.Fatalf("seed %d: %v", i, err)
		}
		got := OK
		if f := CheckCRL([]*x509.Certificate{leaf, root.cert}, Options{CRLs: []*x509.RevocationList{crl}, At: t0, Usage: UsageClient}); f != nil {
			got = f.Code
		}
		if got != want[i] {
			t.Errorf("seed %d: want %s, got %s", i, want[i], got)
		}
	}
	if os.Getenv("PKIBENCH_WRITE_FUZZ_SEEDS") == "1" {
		dir := filepath.Join("testdata", "fuzz", "FuzzCheckCRL")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for i, der := range fuzzSeeds(t) {
			body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", der)
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("seed-%d", i)), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// v1CRLFor signs, by hand, a v1 CRL (no version, no extensions) of the
// fuzz root revoking leaf, as openssl writes without a crlnumber file.
func v1CRLFor(t testing.TB, root ca, leaf *x509.Certificate) []byte {
	t.Helper()
	alg := pkix.AlgorithmIdentifier{Algorithm: asn1.ObjectIdentifier{1, 3, 101, 112}}
	type entry struct {
		Serial *big.Int
		Time   time.Time `asn1:"utc"`
	}
	tbs, err := asn1.Marshal(struct {
		Algorithm  pkix.AlgorithmIdentifier
		Issuer     asn1.RawValue
		ThisUpdate time.Time `asn1:"utc"`
		NextUpdate time.Time `asn1:"utc"`
		Revoked    []entry
	}{alg, asn1.RawValue{FullBytes: root.cert.RawSubject}, t0.Add(-time.Hour), t0.Add(time.Hour), []entry{{leaf.SerialNumber, t0.Add(-2 * time.Hour)}}})
	if err != nil {
		t.Fatal(err)
	}
	sig, err := root.key.Sign(rand.Reader, tbs, crypto.Hash(0))
	if err != nil {
		t.Fatal(err)
	}
	der, err := asn1.Marshal(struct {
		TBS       asn1.RawValue
		Algorithm pkix.AlgorithmIdentifier
		Signature asn1.BitString
	}{asn1.RawValue{FullBytes: tbs}, alg, asn1.BitString{Bytes: sig, BitLength: 8 * len(sig)}})
	if err != nil {
		t.Fatal(err)
	}
	return der
}
