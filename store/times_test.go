package store

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pkibench/pkibench/pki"
)

// TestIndexTimesEveryYear: every year openssl's index can hold is written
// in openssl's form (UTCTime 1950-2049, GeneralizedTime otherwise) and read
// back to the same second, whichever of the two forms the line uses.
func TestIndexTimesEveryYear(t *testing.T) {
	for _, y := range []int{1, 999, 1000, 1949, 1950, 1999, 2000, 2049, 2050, 2099, 2100, 9999} {
		tm := time.Date(y, 7, 14, 1, 2, 3, 0, time.UTC)
		s := asn1Time(tm)
		want := 15
		if y >= 1950 && y < 2050 {
			want = 13
		}
		if len(s) != want {
			t.Errorf("year %d: %q has %d characters, want %d", y, s, len(s), want)
		}
		back, err := parseASN1Time(s)
		if err != nil || !back.Equal(tm) {
			t.Errorf("year %d: %q reads back as %v, %v", y, s, back, err)
		}
		// openssl copies a certificate's own time encoding into the index,
		// so GeneralizedTime within 1950-2049 must read too.
		g := tm.Format("20060102150405Z")
		if back, err := parseASN1Time(g); err != nil || !back.Equal(tm) {
			t.Errorf("year %d: GeneralizedTime %q reads back as %v, %v", y, g, back, err)
		}
	}
}

// TestRevokeRefusesTimesTheIndexCannotHold: a revocation in the year 10000+
// once wrote a five-digit year that broke the index for good; a future or
// pre-1950 revocation is refused as well, and the index is untouched.
func TestRevokeRefusesTimesTheIndexCannotHold(t *testing.T) {
	st := newStore(t)
	mustCA(t, st, CAOptions{Name: "abc", Subject: subj(t, "/O=ABC Inc.")})
	if _, err := st.Issue(IssueOptions{Names: []string{"web"}, CA: "abc", Profile: pki.ProfileServer, DNS: []string{"localhost"}}); err != nil {
		t.Fatal(err)
	}
	idx := filepath.Join(st.Path(), "cas", "abc", "index.txt")
	before, err := os.ReadFile(idx)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for _, at := range []time.Time{now.AddDate(3000000/365, 0, 0), now.Add(time.Hour), time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)} {
		if _, err := st.Revoke("web", RevokeOptions{At: at}); !errors.Is(err, pki.ErrTimeRange) {
			t.Errorf("revoke at %v: %v, want ErrTimeRange", at, err)
		}
		after, _ := os.ReadFile(idx)
		if string(after) != string(before) {
			t.Fatalf("revoke at %v changed the index:\n%s", at, after)
		}
	}
	if _, err := st.List(ListFilter{}); err != nil {
		t.Fatalf("list after refused revocations: %v", err)
	}
	past := now.Add(-48 * time.Hour).UTC().Truncate(time.Second)
	r, err := st.Revoke("web", RevokeOptions{At: past})
	if err != nil || !r.Cert.RevokedAt.Equal(past) {
		t.Fatalf("revoke two days ago: %v, %v", r.Cert.RevokedAt, err)
	}
}
