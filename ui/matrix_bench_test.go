package ui

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pkibench/pkibench/pki"
	"github.com/pkibench/pkibench/probe"
	"github.com/pkibench/pkibench/store"
)

// BenchmarkMatrixScreen runs the Probe screen's matrix (what M starts) for
// 300 client identities of a store against one server, from store names to
// rows, and reports handshakes per second (issue 19: 10,000 under 30 s), in
// a store of only those and in one where another CA holds 100,000 more
// (what the screen reads per probe grows with the store).
func BenchmarkMatrixScreen(b *testing.B) {
	for _, extra := range []int{0, 100_000} {
		b.Run(fmt.Sprintf("others=%d", extra), func(b *testing.B) { benchMatrixScreen(b, extra) })
	}
}

func benchMatrixScreen(b *testing.B, extra int) {
	const n = 300
	st, err := store.OpenOrCreate(filepath.Join(b.TempDir(), "pki"))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := st.CreateCA(store.CAOptions{Name: "abc"}); err != nil {
		b.Fatal(err)
	}
	if _, err := st.Issue(store.IssueOptions{Names: []string{"srv"}, CA: "abc", Profile: pki.ProfileServer, DNS: []string{"localhost"}}); err != nil {
		b.Fatal(err)
	}
	clients := make([]string, n)
	for i := range clients {
		clients[i] = fmt.Sprintf("c%03d", i)
	}
	if _, err := st.Issue(store.IssueOptions{Names: clients, CA: "abc", Profile: pki.ProfileClient}); err != nil {
		b.Fatal(err)
	}
	if extra > 0 {
		if _, err := st.CreateCA(store.CAOptions{Name: "big"}); err != nil {
			b.Fatal(err)
		}
		var idx strings.Builder
		for i := range extra {
			fmt.Fprintf(&idx, "V\t371122093714Z\t\t%06X\tunknown\t/CN=b%d\n", 0x100000+i, i)
		}
		if err := os.WriteFile(filepath.Join(st.Path(), "cas", "big", "index.txt"), []byte(idx.String()), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	r := probe.Request{Server: "srv", Auth: probe.AuthRequireAndVerify, ServerName: "localhost"}
	b.ResetTimer()
	for b.Loop() {
		msg := matrixCmd(context.Background(), st, probe.Matrix, 1, r, clients, make(chan matrixProgress, 1))().(matrixDoneMsg)
		for _, row := range msg.rows {
			if row.Err != nil || !row.Result.OK() {
				b.Fatalf("%s: %v %s", row.Client, row.Err, row.Result.Summary)
			}
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "handshakes/s")
}
