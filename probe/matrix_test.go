package probe

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/pkibench/pkibench/pki"
	"github.com/pkibench/pkibench/pki/verify"
)

// loopbackAddr is what differs between two runs of the same probe: the
// ports of the built-in server and of the client.
var loopbackAddr = regexp.MustCompile(`127\.0\.0\.1:[0-9]+`)

// comparable is a result's JSON without what belongs to one connection
// (addresses, timings, the timeline of steps).
func comparable(t *testing.T, r Result) string {
	t.Helper()
	r.Addr, r.Timeline, r.DurationMS = "", nil, 0
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return loopbackAddr.ReplaceAllString(string(b), "ADDR")
}

// TestMatrixMatchesRun: every row of a matrix is what Run gives for that
// client alone at the same moment, byte for byte in JSON (verdict, reason,
// side, summary, detail, evidence, fix, the "also" list, chains, notes),
// for a mix of clients (valid, revoked, expired, not yet valid, foreign CA,
// no certificate, wrong usage, wrong key, intermediates sent or not, weak
// key) against servers whose own chain is good, expired, for another name,
// CN-only or from a CA the clients do not trust: the judgements a matrix
// makes once for all rows give what each probe would find alone.
func TestMatrixMatchesRun(t *testing.T) {
	w := newWorld(t)
	at := time.Now().Truncate(time.Second)
	ids := []*pki.Identity{&w.client, &w.clientRevoked, &w.clientExpired, &w.clientNotYet, &w.clientForeign, nil,
		&w.clientServerEKU, &w.clientWrongKey, &w.clientViaInter, &w.clientNoInter, &w.clientWeakKey, &w.clientByLeaf,
		&w.clientPathLen, &w.clientNameConstr, &w.clientDeep}
	var clients []ClientConfig
	for i, id := range ids {
		cc := w.clientCfg(id)
		switch i % 3 { // the emulated client decides on a CN-only server
		case 1:
			cc.Emulate = verify.ClientGo
		case 2:
			cc.Emulate = verify.ClientOpenSSL
		}
		if i == 4 {
			cc.RootCAs = []*x509.Certificate{w.foreignRoot.cert} // trusts only its own root
		}
		clients = append(clients, cc)
	}
	servers := []struct {
		name string
		id   pki.Identity
	}{
		{"good", w.server},
		{"expired", w.serverExpired},
		{"other-name", w.serverOtherName},
		{"cn-only", w.serverCNOnly},
		{"foreign", w.serverForeign},
		{"no-intermediate", w.serverNoInter},
	}
	known := []*x509.Certificate{w.root.cert, w.inter.cert, w.inter2.cert, w.foreignRoot.cert}
	for _, s := range servers {
		t.Run(s.name, func(t *testing.T) {
			sc := w.serverCfg(s.id)
			sc.CheckCRL, sc.CRLs = true, []*x509.RevocationList{w.crl}
			opts := Options{At: at, KnownCAs: known, NameOf: func(c *x509.Certificate) string {
				if c.Equal(w.client.Cert) {
					return "mail"
				}
				return ""
			}}
			rows := Matrix(context.Background(), clients, sc, opts)
			if len(rows) != len(clients) {
				t.Fatalf("%d rows for %d clients", len(rows), len(clients))
			}
			for i, cc := range clients {
				alone := Run(context.Background(), sc, cc, opts)
				if got, want := comparable(t, rows[i]), comparable(t, alone); got != want {
					t.Errorf("client %d (%s): the matrix row differs from Run alone\nmatrix: %s\nRun:    %s", i, alone.ClientName, got, want)
				}
			}
		})
	}
}

// TestMatrixOneMoment: a matrix without a time judges every row at its
// start, so every row carries the same At.
func TestMatrixOneMoment(t *testing.T) {
	w := newWorld(t)
	clients := []ClientConfig{w.clientCfg(&w.client), w.clientCfg(&w.clientExpired), w.clientCfg(&w.client)}
	before := time.Now()
	rows := Matrix(context.Background(), clients, w.serverCfg(w.server), Options{})
	for i, r := range rows {
		if !r.At.Equal(rows[0].At) || r.At.Before(before.Add(-time.Second)) {
			t.Errorf("row %d at %s, row 0 at %s (started %s)", i, r.At, rows[0].At, before)
		}
	}
	if rows[1].Reason != verify.ClientCertExpired {
		t.Errorf("expired client: %s", rows[1].Reason)
	}
}

// TestSharedVerdictKey: a judgement of the server chain is shared only by
// probes whose every input is the same (the chain and roots by their bytes,
// not their pointers); without a fixed time nothing is shared.
func TestSharedVerdictKey(t *testing.T) {
	w := newWorld(t)
	m := newShared(Options{})
	at := time.Now()
	reparse := func(c *x509.Certificate) *x509.Certificate {
		d, err := x509.ParseCertificate(bytes.Clone(c.Raw))
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	chain := []*x509.Certificate{w.server.Cert}
	base := serverCheck{emulate: verify.ClientCurl, roots: []*x509.Certificate{w.root.cert}, name: "localhost", at: at}
	first := m.serverVerdict(chain, base)
	if again := m.serverVerdict([]*x509.Certificate{reparse(w.server.Cert)}, serverCheck{emulate: verify.ClientCurl,
		roots: []*x509.Certificate{reparse(w.root.cert)}, name: "localhost", at: at}); again != first {
		t.Error("the same chain and roots, parsed again, got another entry")
	}
	other := func(name string, chain []*x509.Certificate, chk serverCheck) {
		if m.serverVerdict(chain, chk) == first {
			t.Errorf("%s: shares the entry of another judgement", name)
		}
	}
	chk := base
	chk.name = "other.example"
	other("another name", chain, chk)
	chk = base
	chk.at = at.Add(time.Second)
	other("another time", chain, chk)
	chk = base
	chk.emulate = verify.ClientGo
	other("another client", chain, chk)
	chk = base
	chk.roots = []*x509.Certificate{w.foreignRoot.cert}
	other("other roots", chain, chk)
	chk = base
	chk.roots = append(chk.roots, w.rsaRoot.cert)
	other("more roots", chain, chk)
	other("another chain", []*x509.Certificate{w.server.Cert, w.inter.cert}, base)
	chk = base
	chk.at = time.Time{}
	if a, b := m.serverVerdict(chain, chk), m.serverVerdict(chain, chk); a == b {
		t.Error("without a fixed time two judgements share an entry")
	}
	if f, _ := first.verdict(); f != nil {
		t.Errorf("good server chain: %s", f.Code)
	}
}

// TestResolveClientsMatchesResolveClient: resolving the clients of a matrix
// together gives each the config and the error ResolveClient gives alone,
// in order, and asks for passphrases one at a time.
func TestResolveClientsMatchesResolveClient(t *testing.T) {
	w := newWorld(t)
	src := newMemSource(w)
	names := []string{"client", "keyless", "", "missing", "locked", "client", "server"}
	asking := 0
	r := Request{Server: "server", Passphrase: func(string) ([]byte, error) {
		asking++
		defer func() { asking-- }()
		if asking > 1 {
			t.Error("two passphrase prompts at once")
		}
		time.Sleep(time.Millisecond)
		return []byte("secret"), nil
	}}
	ccs, errs := r.ResolveClients(context.Background(), src, names)
	for i, name := range names {
		g := r
		g.Client = name
		want, wantErr := g.ResolveClient(src)
		if fmt.Sprint(errs[i]) != fmt.Sprint(wantErr) {
			t.Errorf("%q: error %v, alone %v", name, errs[i], wantErr)
			continue
		}
		if wantErr != nil {
			continue
		}
		got := ccs[i]
		if (got.Identity == nil) != (want.Identity == nil) || (got.Identity != nil && !got.Identity.Cert.Equal(want.Identity.Cert)) {
			t.Errorf("%q: identity differs", name)
		}
		if len(got.RootCAs) != len(want.RootCAs) {
			t.Fatalf("%q: %d roots, alone %d", name, len(got.RootCAs), len(want.RootCAs))
		}
		for j := range got.RootCAs {
			if !got.RootCAs[j].Equal(want.RootCAs[j]) {
				t.Errorf("%q: root %d differs", name, j)
			}
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, errs := r.ResolveClients(ctx, src, names); errs[0] == nil {
		t.Error("a cancelled resolve read the clients")
	}
}
