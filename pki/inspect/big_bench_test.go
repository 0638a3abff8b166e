package inspect

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"io"
	"math/big"
	"testing"
	"time"

	"github.com/pkibench/pkibench/pki"
)

// bigCRL is a PEM CRL of n revoked certificates, each with a reason.
func bigCRL(b *testing.B, n int) []byte {
	b.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Second)
	subj, _ := pki.ParseSubject("/CN=Big CRL CA")
	ca, err := pki.Issue(pki.Request{Subject: subj, Profile: pki.ProfileRootCA, NotBefore: now, NotAfter: now.AddDate(1, 0, 0), PublicKey: key.Public()}, nil, key)
	if err != nil {
		b.Fatal(err)
	}
	rev := make([]pki.Revocation, n)
	for i := range rev {
		rev[i] = pki.Revocation{Serial: new(big.Int).Lsh(big.NewInt(int64(i+1)), 100), Time: now, Reason: pki.Reason(i % 6)}
	}
	der, err := pki.CreateCRL(pki.CRLRequest{Number: big.NewInt(1), ThisUpdate: now, NextUpdate: now.AddDate(0, 0, 7), Revoked: rev}, ca, key)
	if err != nil {
		b.Fatal(err)
	}
	return pki.EncodeCRLPEM(der)
}

// BenchmarkInspectCRL300k is `pkibench inspect` of a CRL with 300,000
// entries: decode, document, text.
func BenchmarkInspectCRL300k(b *testing.B) {
	data := bigCRL(b, 300_000)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for range b.N {
		// As the command line prints it: straight to the output.
		err := Each(data, "big.crl", time.Now(), false, func(d Document) error {
			return WriteText(io.Discard, d)
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkInspectPEM40k is `pkibench inspect` of a PEM file of 40,000
// certificate blocks.
const pemBlocks = 40_000

func BenchmarkInspectPEM40k(b *testing.B) {
	c := buildCorpus(&testing.T{})
	var buf bytes.Buffer
	for i := 0; i < pemBlocks; i++ {
		buf.Write(pki.EncodeCertPEM(c.certs[i%len(c.certs)].Raw))
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for range b.N {
		// As the command line does: one document at a time.
		err := Each(data, "big.pem", time.Now(), false, func(d Document) error {
			return WriteText(io.Discard, d)
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
