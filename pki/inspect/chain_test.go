package inspect

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"strings"
	"testing"
	"time"

	"github.com/pkibench/pkibench/pki"
)

func TestChain(t *testing.T) {
	root := newTestCA(t, "Chain Root")
	interKey := mustKey(t, pki.P256)
	inter, err := pki.Issue(pki.Request{Subject: pkix.Name{CommonName: "Chain Issuing"}, Profile: pki.ProfileIntermediateCA,
		NotBefore: testNow.AddDate(0, -6, 0), NotAfter: testNow.AddDate(2, 0, 0), PublicKey: interKey.Public()}, root.cert, root.key)
	if err != nil {
		t.Fatal(err)
	}
	issuing := testCA{inter, interKey}
	leaf := issuing.sign(t, leafTemplate(t, mustKey(t, pki.P256)))
	// An impostor CA with the same name but another key.
	impostorKey := mustKey(t, pki.P256)
	impostor, err := pki.Issue(pki.Request{Subject: pkix.Name{CommonName: "Chain Issuing"}, Profile: pki.ProfileRootCA,
		NotBefore: testNow.AddDate(-1, 0, 0), NotAfter: testNow.AddDate(1, 0, 0), PublicKey: impostorKey.Public()}, nil, impostorKey)
	if err != nil {
		t.Fatal(err)
	}
	impostor.SubjectKeyId = nil // so only the signature can tell them apart

	statuses := func(links []Link) string {
		var s []string
		for _, l := range links {
			s = append(s, string(l.Status))
		}
		return strings.Join(s, ",")
	}
	tests := []struct {
		name  string
		leaf  *x509.Certificate
		chain []*x509.Certificate
		now   time.Time
		want  string
	}{
		{"full chain, any order", leaf, []*x509.Certificate{root.cert, inter}, testNow, "ok,ok,self-signed"},
		{"missing root", leaf, []*x509.Certificate{inter}, testNow, "ok,issuer-missing"},
		{"leaf only", leaf, nil, testNow, "issuer-missing"},
		{"expired leaf", leaf, []*x509.Certificate{inter, root.cert}, leaf.NotAfter.Add(time.Hour), "expired,ok,self-signed"},
		{"not yet valid", leaf, []*x509.Certificate{inter, root.cert}, leaf.NotBefore.Add(-time.Hour), "not-yet-valid,ok,self-signed"},
		{"wrong issuer key", leaf, []*x509.Certificate{impostor}, testNow, "signature-mismatch,self-signed"},
		{"root alone", root.cert, []*x509.Certificate{inter}, testNow, "self-signed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			links := Chain(tt.leaf, tt.chain, tt.now)
			if got := statuses(links); got != tt.want {
				t.Errorf("statuses = %s, want %s\n%s", got, tt.want, TextChain(links))
			}
		})
	}
	text := TextChain(Chain(leaf, []*x509.Certificate{inter, root.cert}, testNow))
	for _, want := range []string{"0: CN = localhost  [ok]", "`- 1: CN = Chain Issuing  [ok]", "issuer: CN = Chain Root", "self-signed: a root"} {
		if !strings.Contains(text, want) {
			t.Errorf("TextChain lacks %q:\n%s", want, text)
		}
	}
	if Chain(nil, nil, testNow) != nil {
		t.Error("Chain(nil) should be nil")
	}
}
