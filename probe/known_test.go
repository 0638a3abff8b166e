package probe

import (
	"context"
	"crypto/x509"
	"crypto/x509/pkix"
	"testing"
	"time"

	"github.com/pkibench/pkibench/pki"
	"github.com/pkibench/pkibench/pki/verify"
)

// A client that leaves out its intermediate is refused either way; with
// the store's CAs known the verdict says why (chain-incomplete) even when
// the hierarchy's names share no organisation to guess from.
func TestKnownCAsNameAMissingIntermediate(t *testing.T) {
	now := time.Now()
	mk := func(name string, parent *authority, profile pki.Profile) *authority {
		k := mustKey(t, pki.P256)
		var pc *x509.Certificate
		var pk = k
		if parent != nil {
			pc, pk = parent.cert, parent.key
		}
		c, err := pki.Issue(pki.Request{Subject: pkix.Name{CommonName: name}, Profile: profile, PublicKey: k.Public(),
			NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour)}, pc, pk)
		if err != nil {
			t.Fatal(err)
		}
		return &authority{cert: c, key: k}
	}
	root := mk("root", nil, pki.ProfileRootCA)
	inter := mk("issuing", root, pki.ProfileIntermediateCA)
	inter.chain = []*x509.Certificate{root.cert}
	server := root.leaf(t, "localhost", pki.ProfileServer, []string{"localhost"}, nil)
	client := inter.leaf(t, "client", pki.ProfileClient, nil, nil)
	client.Chain = nil // the intermediate is not sent
	sc := ServerConfig{Identity: server, ClientCAs: []*x509.Certificate{root.cert}}
	cc := ClientConfig{Identity: &client, RootCAs: []*x509.Certificate{root.cert}}
	for _, c := range []struct {
		known []*x509.Certificate
		want  verify.Code
	}{
		{nil, verify.ClientCertUntrusted},
		{[]*x509.Certificate{root.cert, inter.cert}, verify.ClientChainIncomplete},
	} {
		r := Run(context.Background(), sc, cc, Options{At: now, KnownCAs: c.known})
		if r.Verdict != Reject || r.Reason != c.want || r.Side != verify.SideServer {
			t.Errorf("known %d CAs: %s %s %s, want REJECT %s server", len(c.known), r.Verdict, r.Reason, r.Side, c.want)
		}
	}
}
