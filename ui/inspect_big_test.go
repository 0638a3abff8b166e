package ui

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/pkibench/pkibench/pki"
	"github.com/pkibench/pkibench/pki/inspect"
)

// bigCRLDoc is the Inspect screen's document of a CRL of n entries, as an
// opened file is shown (zlint aside: it reads the entries itself).
func bigCRLDoc(tb testing.TB, n int) inspectDoc {
	tb.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	now := time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)
	subj, _ := pki.ParseSubject("/CN=Big CRL CA")
	ca, err := pki.Issue(pki.Request{Subject: subj, Profile: pki.ProfileRootCA, NotBefore: now, NotAfter: now.AddDate(1, 0, 0), PublicKey: key.Public()}, nil, key)
	if err != nil {
		tb.Fatal(err)
	}
	rev := make([]pki.Revocation, n)
	for i := range rev {
		rev[i] = pki.Revocation{Serial: big.NewInt(int64(i + 1)), Time: now, Reason: pki.Reason(i % 6)}
	}
	der, err := pki.CreateCRL(pki.CRLRequest{Number: big.NewInt(1), ThisUpdate: now, NextUpdate: now.AddDate(0, 0, 7), Revoked: rev}, ca, key)
	if err != nil {
		tb.Fatal(err)
	}
	objs, err := pki.DecodeLenient(der, "big.crl")
	if err != nil || len(objs) != 1 {
		tb.Fatal(len(objs), err)
	}
	return inspectDoc{Title: "big.crl", Doc: inspect.FromObject(objs[0], now), Path: "big.crl", Kind: objs[0].Kind, DER: true}
}

// The Inspect screen of a CRL of 20,000 entries: every entry reaches the
// screen (scrolled to the end, the last serial is on it), and only the
// rows on screen are styled.
func TestInspectBigCRLScrollsToTheEnd(t *testing.T) {
	d := goldenDriver(t, 80, 24)
	d.m.inspect.SetSize(80, 24)
	d.m.inspect.show("big.crl", bigCRLDoc(t, 20_000))
	if n := len(d.m.inspect.lines); n < 20_000*3 {
		t.Fatalf("%d rows for 20,000 entries", n)
	}
	last := -1
	for i, l := range d.m.inspect.lines {
		if strings.Contains(l.text, "Serial Number: 4E20") {
			last = i
		}
	}
	if last < 0 {
		t.Fatal("the last entry (serial 4E20) is not among the rows")
	}
	d.m.inspect.scroll(last - d.m.inspect.offset)
	if v := d.m.inspect.View(); !strings.Contains(v, "Serial Number: 4E20") {
		t.Fatalf("scrolled to the last entry, it is not drawn:\n%s", v)
	}
}

// BenchmarkInspectScreenBigCRL is showing a CRL of 300,000 entries on the
// Inspect screen (wrapping its 1.7 million lines) and drawing one frame.
func BenchmarkInspectScreenBigCRL(b *testing.B) {
	doc := bigCRLDoc(b, 300_000)
	c := &Common{Styles: DefaultStyles()}
	b.ResetTimer()
	for range b.N {
		s := newInspect(c)
		s.SetSize(120, 40)
		s.show("big.crl", doc)
		_ = s.View()
	}
}
