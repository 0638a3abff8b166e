package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"testing"
	"time"
)

func selfSigned(t *testing.T) (*x509.Certificate, crypto.Signer) {
	t.Helper()
	k, err := GenerateKey(P256)
	if err != nil {
		t.Fatal(err)
	}
	c, err := Issue(Request{Subject: pkix.Name{CommonName: "Test Root"}, Profile: ProfileRootCA, PublicKey: k.Public(),
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour)}, nil, k)
	if err != nil {
		t.Fatal(err)
	}
	return c, k
}

func bigOne() *big.Int { return big.NewInt(1) }

func mustRSA(t *testing.T, k crypto.Signer) *rsa.PrivateKey {
	r, ok := k.(*rsa.PrivateKey)
	if !ok {
		t.Fatal("not RSA")
	}
	return r
}

func mustEC(t *testing.T, k crypto.Signer) *ecdsa.PrivateKey {
	r, ok := k.(*ecdsa.PrivateKey)
	if !ok {
		t.Fatal("not ECDSA")
	}
	return r
}

func x509MarshalName(n pkix.Name) ([]byte, error) { return asn1.Marshal(n.ToRDNSequence()) }

func asn1Unmarshal(b []byte, v any) ([]byte, error) { return asn1.Unmarshal(b, v) }
