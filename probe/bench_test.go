package probe

import (
	"context"
	"crypto/tls"
	"fmt"
	"testing"

	"github.com/pkibench/pkibench/pki"
	"github.com/pkibench/pkibench/pki/verify"
)

// BenchmarkHandshake is one in-process mTLS probe (ECDSA P-256, TLS 1.3)
// against a server that stays up: handshake, both verifications, first
// bytes both ways, classification.
func BenchmarkHandshake(b *testing.B) {
	w := newWorld(b)
	sc := w.serverCfg(w.server)
	sc.MinVersion = tls.VersionTLS13
	cc := w.clientCfg(&w.client)
	srv, err := newServer(sc, Options{})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv.start(ctx)
	defer srv.close()
	b.ResetTimer()
	for b.Loop() {
		if r := probeOnce(ctx, srv, sc, cc, Options{}, newShared(Options{})); r.Reason != verify.OK {
			b.Fatalf("%s: %s", r.Reason, r.Summary)
		}
	}
}

// BenchmarkRun includes starting and stopping the built-in server.
func BenchmarkRun(b *testing.B) {
	w := newWorld(b)
	sc, cc := w.serverCfg(w.server), w.clientCfg(&w.client)
	for b.Loop() {
		if r := Run(context.Background(), sc, cc, Options{}); r.Reason != verify.OK {
			b.Fatalf("%s: %s", r.Reason, r.Summary)
		}
	}
}

// BenchmarkMatrix20 runs 20 client identities against one server.
func BenchmarkMatrix20(b *testing.B) {
	w := newWorld(b)
	var clients []ClientConfig
	for i := range 20 {
		id := w.root.leaf(b, fmt.Sprintf("client%02d", i), pki.ProfileClient, nil, nil)
		if i%4 == 3 {
			id = w.foreignRoot.leaf(b, fmt.Sprintf("foreign%02d", i), pki.ProfileClient, nil, nil)
		}
		clients = append(clients, w.clientCfg(&id))
	}
	sc := w.serverCfg(w.server)
	for b.Loop() {
		rs := Matrix(context.Background(), clients, sc, Options{})
		if len(rs) != 20 || rs[0].Reason != verify.OK || rs[3].Reason != verify.ClientCertUntrusted {
			b.Fatalf("unexpected matrix: %s %s", rs[0].Reason, rs[3].Reason)
		}
	}
}

// BenchmarkMatrixThroughput runs 500 client identities (one in four from a
// foreign CA, refused) against one built-in server and reports handshakes
// per second (issue 19: 10,000 identities under 30 s, >= 300/s).
func BenchmarkMatrixThroughput(b *testing.B) {
	const n = 500
	w := newWorld(b)
	clients := make([]ClientConfig, n)
	for i := range clients {
		id := w.root.leaf(b, fmt.Sprintf("client%04d", i), pki.ProfileClient, nil, nil)
		if i%4 == 3 {
			id = w.foreignRoot.leaf(b, fmt.Sprintf("foreign%04d", i), pki.ProfileClient, nil, nil)
		}
		clients[i] = w.clientCfg(&id)
	}
	sc := w.serverCfg(w.server)
	b.ResetTimer()
	for b.Loop() {
		rs := Matrix(context.Background(), clients, sc, Options{})
		for i, r := range rs {
			want := verify.OK
			if i%4 == 3 {
				want = verify.ClientCertUntrusted
			}
			if r.Reason != want || r.ClientName != clients[i].Identity.Name {
				b.Fatalf("client %d (%s): %s, want %s: %s", i, r.ClientName, r.Reason, want, r.Summary)
			}
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "handshakes/s")
}
