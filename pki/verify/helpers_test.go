package verify

import (
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"testing"
	"time"

	"github.com/pkibench/pkibench/pki"
)

// t0 is the fixed "now" of the staged PKI, so tests never depend on the clock.
var t0 = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

type ca struct {
	cert *x509.Certificate
	key  crypto.Signer
}

func mustKey(t testing.TB) crypto.Signer {
	t.Helper()
	k, err := pki.GenerateKey(pki.P256)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func subject(t testing.TB, s string) pkix.Name {
	t.Helper()
	n, err := pki.ParseSubject(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// request is a Request valid from t0-1d to t0+365d.
func request(t testing.TB, subj string, p pki.Profile, key crypto.Signer) pki.Request {
	return pki.Request{
		Subject:   subject(t, subj),
		Profile:   p,
		NotBefore: t0.Add(-24 * time.Hour),
		NotAfter:  t0.Add(365 * 24 * time.Hour),
		PublicKey: key.Public(),
	}
}

func newRoot(t testing.TB, subj string) ca {
	t.Helper()
	k := mustKey(t)
	c, err := pki.Issue(request(t, subj, pki.ProfileRootCA, k), nil, k)
	if err != nil {
		t.Fatal(err)
	}
	return ca{c, k}
}

func (p ca) intermediate(t testing.TB, subj string, mutate func(*pki.Request)) ca {
	t.Helper()
	k := mustKey(t)
	r := request(t, subj, pki.ProfileIntermediateCA, k)
	if mutate != nil {
		mutate(&r)
	}
	c, err := pki.Issue(r, p.cert, p.key)
	if err != nil {
		t.Fatal(err)
	}
	return ca{c, k}
}

// leaf issues a leaf; tmpl, when given, may break the template on purpose.
func (p ca) leaf(t testing.TB, subj string, prof pki.Profile, dns []string, tmpl func(*x509.Certificate)) *x509.Certificate {
	t.Helper()
	k := mustKey(t)
	return p.leafWithKey(t, subj, prof, dns, k, tmpl)
}

func (p ca) leafWithKey(t testing.TB, subj string, prof pki.Profile, dns []string, k crypto.Signer, tmpl func(*x509.Certificate)) *x509.Certificate {
	t.Helper()
	r := request(t, subj, prof, k)
	r.DNS = dns
	if r.NotAfter.After(p.cert.NotAfter) {
		r.NotAfter = p.cert.NotAfter
	}
	tm, err := pki.Template(r)
	if err != nil {
		t.Fatal(err)
	}
	if tmpl != nil {
		tmpl(tm)
	}
	c, err := pki.SignTemplate(tm, p.cert, p.key)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (p ca) crl(t testing.TB, this, next time.Time, revoked ...pki.Revocation) *x509.RevocationList {
	t.Helper()
	der, err := pki.CreateCRL(pki.CRLRequest{Number: big.NewInt(7), ThisUpdate: this, NextUpdate: next, Revoked: revoked}, p.cert, p.key)
	if err != nil {
		t.Fatal(err)
	}
	crl, err := x509.ParseRevocationList(der)
	if err != nil {
		t.Fatal(err)
	}
	return crl
}
