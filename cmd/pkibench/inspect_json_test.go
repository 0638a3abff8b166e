package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"math/big"
	"testing"
	"time"

	"github.com/pkibench/pkibench/pki"
	"github.com/pkibench/pkibench/pki/inspect"
)

// TestPrintInspectJSONIsPrintJSON checks that inspect's streamed --json
// writes byte for byte what printJSON writes for the same output: a big
// CRL (whose entries are streamed), a bundle with a chain, no documents.
func TestPrintInspectJSONIsPrintJSON(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Second)
	subj, _ := pki.ParseSubject("/CN=JSON CA/O=<Example & Co>")
	ca, err := pki.Issue(pki.Request{Subject: subj, Profile: pki.ProfileRootCA, NotBefore: now, NotAfter: now.AddDate(1, 0, 0), PublicKey: key.Public()}, nil, key)
	if err != nil {
		t.Fatal(err)
	}
	rev := make([]pki.Revocation, 10_001)
	for i := range rev {
		rev[i] = pki.Revocation{Serial: big.NewInt(int64(i + 1)), Time: now, Reason: pki.Reason(i % 6)}
	}
	der, err := pki.CreateCRL(pki.CRLRequest{Number: big.NewInt(1), ThisUpdate: now, NextUpdate: now.AddDate(0, 0, 7), Revoked: rev}, ca, key)
	if err != nil {
		t.Fatal(err)
	}
	crl, err := pki.DecodeLenient(der, "big.crl")
	if err != nil {
		t.Fatal(err)
	}
	cert := pki.Object{Kind: pki.KindCertificate, DER: ca.Raw, Cert: ca}
	for _, out := range []inspectOutput{
		{Source: "big.crl", Documents: []inspect.Document{inspect.FromObjectPEM(crl[0], now, false)}, Chain: []inspect.Link{}},
		{Source: "bundle.pem", Documents: []inspect.Document{inspect.FromObjectPEM(cert, now, true), inspect.FromObjectPEM(crl[0], now, true)},
			Chain: inspect.Chain(ca, nil, now)},
		{Source: "empty", Documents: []inspect.Document{}, Chain: []inspect.Link{}},
	} {
		var want, got bytes.Buffer
		if err := (&app{stdout: &want}).printJSON(out); err != nil {
			t.Fatal(err)
		}
		if err := (&app{stdout: &got}).printInspectJSON(out); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), want.Bytes()) {
			g, w := got.Bytes(), want.Bytes()
			i := 0
			for i < len(g) && i < len(w) && g[i] == w[i] {
				i++
			}
			t.Errorf("%s: streamed JSON differs from printJSON at byte %d: got ...%q, want ...%q", out.Source, i, g[max(0, i-40):min(len(g), i+40)], w[max(0, i-40):min(len(w), i+40)])
		}
	}
}
