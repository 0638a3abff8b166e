package store

import (
	"fmt"
	"path/filepath"
	"testing"

	"pkibench/internal/pki"
)

// BenchmarkIssueBatch issues b.N ECDSA P-256 client certificates in batches
// of 100 with durable writes (issue 8: >= 500 certificates per second).
func BenchmarkIssueBatch(b *testing.B) {
	st, err := OpenOrCreate(filepath.Join(b.TempDir(), "pki"))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := st.CreateCA(CAOptions{Name: "abc"}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for done := 0; done < b.N; {
		n := min(100, b.N-done)
		names := make([]string, n)
		for i := range names {
			names[i] = fmt.Sprintf("c%d", done+i)
		}
		if _, err := st.Issue(IssueOptions{Names: names, CA: "abc", Profile: pki.ProfileClient}); err != nil {
			b.Fatal(err)
		}
		done += n
	}
}

// BenchmarkIssueOne issues one certificate per call (one lock, one sync).
func BenchmarkIssueOne(b *testing.B) {
	st, err := OpenOrCreate(filepath.Join(b.TempDir(), "pki"))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := st.CreateCA(CAOptions{Name: "abc"}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := st.Issue(IssueOptions{Names: []string{fmt.Sprintf("c%d", i)}, CA: "abc", Profile: pki.ProfileClient}); err != nil {
			b.Fatal(err)
		}
	}
}
