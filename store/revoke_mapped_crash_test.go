package store

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/pkibench/pkibench/pki"
	"github.com/pkibench/pkibench/store/layout"
)

// SIGKILL at every step of a revocation in an index large enough to be
// mapped (the path of a CA of 100,000): after each kill the index is
// either the old bytes or the old bytes with exactly the one line revoked,
// ca list agrees with a recount, and the next revocation completes.
func TestRevokeMappedSurvivesKills(t *testing.T) {
	if testing.Short() {
		t.Skip("kills child processes; runs in CI and without -short")
	}
	completed, sawOld, sawNew := false, false, false
	for k := 1; k <= 20 && !completed; k++ {
		st := newStore(t)
		mustCA(t, st, CAOptions{Name: "abc"})
		if _, err := st.Issue(IssueOptions{Names: []string{"v", "w"}, CA: "abc", Profile: pki.ProfileClient}); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(st.caDir("abc"), layout.Index)
		old, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var pad bytes.Buffer
		for i := 1; pad.Len() < mapMin+4096; i++ {
			fmt.Fprintf(&pad, "V\t371122093714Z\t\t%032X\tunknown\t/CN=pad%d\n", 0xF000000+i, i)
		}
		old = append(pad.Bytes(), old...)
		if err := os.WriteFile(p, old, 0o644); err != nil {
			t.Fatal(err)
		}
		code, stderr := runChild(t, st, fmt.Sprintf("points:revoke-v:%d", k))
		switch code {
		case 0:
			completed = true
		case -1:
		default:
			t.Fatalf("step %d: child failed: %s", k, stderr)
		}
		when := fmt.Sprintf("killed at step %d", k)
		now, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case bytes.Equal(now, old):
			sawOld = true
		case len(now) > len(old) && bytes.Equal(now[:len(pad.Bytes())], pad.Bytes()) && recount(t, st, "abc", st.Now())[1] == 1:
			sawNew = true
		default:
			t.Fatalf("%s: the index is neither the old one nor the old one with v revoked (%d bytes, was %d)", when, len(now), len(old))
		}
		if got, _ := listed(t, st); got["abc"] != recount(t, st, "abc", st.Now()) {
			t.Errorf("%s: ca list counts %v, the index holds %v", when, got["abc"], recount(t, st, "abc", st.Now()))
		}
		if _, err := st.Check(true); err != nil {
			t.Fatal(err)
		}
		if left, _ := filepath.Glob(filepath.Join(st.caDir("abc"), ".tmp-*")); len(left) > 0 {
			t.Errorf("%s: check --repair left temporary files: %v", when, left)
		}
		if _, err := st.Revoke("w", RevokeOptions{Reason: 1}); err != nil {
			t.Fatalf("%s: the next revocation: %v", when, err)
		}
		if got, recounted := listed(t, st); recounted["abc"] || got["abc"] != recount(t, st, "abc", st.Now()) {
			t.Errorf("%s: after the next revocation ca list counted the index %v, counts %v", when, recounted["abc"], got["abc"])
		}
	}
	if !completed || !sawOld || !sawNew {
		t.Errorf("completed %v, a kill before the rename %v, after it %v", completed, sawOld, sawNew)
	}
}
