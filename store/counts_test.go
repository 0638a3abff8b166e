package store

import (
	"bytes"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pkibench/pkibench/pki"
	"github.com/pkibench/pkibench/pki/testtool"
	"github.com/pkibench/pkibench/store/layout"
)

// recount counts CA ca's index lines at now the slow, always right way.
func recount(t *testing.T, st *Store, ca string, now time.Time) [3]int {
	t.Helper()
	es, err := readIndex(filepath.Join(st.caDir(ca), layout.Index))
	if err != nil {
		t.Fatal(err)
	}
	var n [3]int
	for _, e := range es {
		switch e.Status(now) {
		case StatusValid:
			n[0]++
		case StatusRevoked:
			n[1]++
		case StatusExpired:
			n[2]++
		}
	}
	return n
}

// listed returns ListCAs' counts of every CA, and which CAs it counted by
// reading their index instead of their summary.
func listed(t *testing.T, st *Store) (map[string][3]int, map[string]bool) {
	t.Helper()
	recounted := map[string]bool{}
	st.recountHook = func(ca string) { recounted[ca] = true }
	defer func() { st.recountHook = nil }()
	cas, err := st.ListCAs()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][3]int{}
	for _, c := range cas {
		out[c.Name] = [3]int{c.Valid, c.Revoked, c.Expired}
	}
	return out, recounted
}

func countsFinding(rep *CheckReport, ca string) *Problem {
	for i, p := range rep.Problems {
		if p.Path == filepath.Join("cas", ca, layout.IndexCounts) {
			return &rep.Problems[i]
		}
	}
	return nil
}

// opensslRevoke revokes a certificate of store CA abc with the real openssl ca, which
// rewrites index.txt (index.txt.new renamed over it) behind pkibench's back.
func opensslRevoke(t *testing.T, st *Store, name string) {
	t.Helper()
	openssl := testtool.Require(t, "openssl")
	dir := st.caDir("abc")
	cnf := filepath.Join(t.TempDir(), "ca.cnf")
	if err := os.WriteFile(cnf, []byte(fmt.Sprintf(`[ca]
default_ca = d
[d]
dir = %s
database = $dir/index.txt
new_certs_dir = $dir/certs
certificate = $dir/ca.crt
private_key = $dir/ca.key
default_md = sha256
`, dir)), 0o600); err != nil {
		t.Fatal(err)
	}
	testtool.Run(t, "", openssl, "ca", "-config", cnf, "-revoke", filepath.Join(st.certDir(name), layout.Cert), "-crl_reason", "keyCompromise")
}

// Every way the summary can stop describing the index: ca list notices and
// counts the index (the hook proves which path it took, and the same table
// proves the hook is wired: the fresh case must not recount, every other
// must), check reports it, check --repair rewrites it, and read-only calls
// never write it.
func TestCountsSummaryValidation(t *testing.T) {
	for _, tc := range []struct {
		name        string
		mutate      func(t *testing.T, st *Store, sum string)
		wantRecount bool
		finding     string // severity check gives it, "" for none
		want        [3]int // valid, revoked, expired after mutate
		lies        bool   // a forgery with a valid checksum is believed until check
	}{
		{name: "fresh", mutate: func(*testing.T, *Store, string) {}, want: [3]int{3, 1, 0}},
		{name: "openssl ca -revoke", mutate: func(t *testing.T, st *Store, _ string) { opensslRevoke(t, st, "c") },
			wantRecount: true, finding: "warning", want: [3]int{2, 2, 0}},
		{name: "line appended by hand", mutate: func(t *testing.T, st *Store, _ string) {
			f, err := os.OpenFile(filepath.Join(st.caDir("abc"), layout.Index), os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(f, "R\t301231235959Z\t250101000000Z,keyCompromise\t0ABC\tunknown\t/CN=hand\n")
			f.Close()
		}, wantRecount: true, finding: "warning", want: [3]int{3, 2, 0}},
		{name: "rewritten in place, same size, mtime set back", mutate: func(t *testing.T, st *Store, _ string) {
			p := filepath.Join(st.caDir("abc"), layout.Index)
			fi, _ := os.Stat(p)
			b, _ := os.ReadFile(p)
			b[0] = 'E' // the first line (a, valid) becomes expired; same size, same inode
			if err := os.WriteFile(p, b, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Chtimes(p, fi.ModTime(), fi.ModTime()); err != nil {
				t.Fatal(err)
			}
		}, wantRecount: true, finding: "warning", want: [3]int{2, 1, 1}},
		{name: "summary torn", mutate: func(t *testing.T, _ *Store, sum string) {
			b, _ := os.ReadFile(sum)
			os.WriteFile(sum, b[:len(b)-3], 0o644)
		}, wantRecount: true, finding: "warning", want: [3]int{3, 1, 0}},
		{name: "summary bit flipped", mutate: func(t *testing.T, _ *Store, sum string) {
			b, _ := os.ReadFile(sum)
			b[countsHeader] ^= 0x04 // the first expiry delta
			os.WriteFile(sum, b, 0o644)
		}, wantRecount: true, finding: "warning", want: [3]int{3, 1, 0}},
		{name: "summary missing", mutate: func(t *testing.T, _ *Store, sum string) { os.Remove(sum) },
			wantRecount: true, finding: "warning", want: [3]int{3, 1, 0}},
		{name: "forged with its checksum", mutate: func(t *testing.T, _ *Store, sum string) {
			b, _ := os.ReadFile(sum)
			c, err := decodeCounts(b)
			if err != nil {
				t.Fatal(err)
			}
			c.revoked += 5
			os.WriteFile(sum, c.encode(), 0o644)
		}, finding: "problem", lies: true, want: [3]int{3, 1, 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := newStore(t)
			mustCA(t, st, CAOptions{Name: "abc"})
			if _, err := st.Issue(IssueOptions{Names: []string{"a", "b", "c", "d"}, CA: "abc", Profile: pki.ProfileClient}); err != nil {
				t.Fatal(err)
			}
			if _, err := st.Revoke("b", RevokeOptions{Reason: 1}); err != nil {
				t.Fatal(err)
			}
			sum := filepath.Join(st.caDir("abc"), layout.IndexCounts)
			tc.mutate(t, st, sum)
			before, _ := os.ReadFile(sum)

			now := st.Now()
			got, recounted := listed(t, st)
			want := recount(t, st, "abc", now)
			if want != tc.want {
				t.Fatalf("the index holds %v after the change, want %v (the change did not happen?)", want, tc.want)
			}
			if recounted["abc"] != tc.wantRecount {
				t.Errorf("ca list counted the index: %v, want %v", recounted["abc"], tc.wantRecount)
			}
			if tc.lies {
				if got["abc"] == want {
					t.Errorf("the forged summary was not the one listed: %v", got["abc"])
				}
			} else if got["abc"] != want {
				t.Errorf("ca list counts %v, the index holds %v", got["abc"], want)
			}

			rep, err := st.Check(false)
			if err != nil {
				t.Fatal(err)
			}
			p := countsFinding(rep, "abc")
			switch {
			case tc.finding == "" && p != nil:
				t.Errorf("check reports a fresh summary: %+v", *p)
			case tc.finding != "" && (p == nil || p.Severity != tc.finding):
				t.Errorf("check: want a %s about the summary, got %+v", tc.finding, rep.Problems)
			}
			if after, _ := os.ReadFile(sum); !bytes.Equal(before, after) {
				t.Error("a read-only call (ca list, check) wrote the summary")
			}

			rep, err = st.Check(true)
			if err != nil {
				t.Fatal(err)
			}
			if p := countsFinding(rep, "abc"); tc.finding != "" && (p == nil || !p.Repaired) {
				t.Errorf("check --repair did not rewrite the summary: %+v", rep.Problems)
			}
			if _, state := readCounts(st.caDir("abc")); state != countsFresh {
				t.Errorf("after repair the summary is in state %d, want fresh", state)
			}
			got, recounted = listed(t, st)
			if recounted["abc"] || got["abc"] != recount(t, st, "abc", now) {
				t.Errorf("after repair: counted the index %v, counts %v, want %v", recounted["abc"], got["abc"], recount(t, st, "abc", now))
			}
			if rep, _ := st.Check(false); countsFinding(rep, "abc") != nil {
				t.Errorf("check after repair: %+v", rep.Problems)
			}
		})
	}
}

// VALID and EXPIRED are counted from the summary for any clock, exactly as
// the index's lines count them: at a certificate's notAfter it is still
// valid, a nanosecond later expired, and moving the clock back revives it.
func TestCountsFollowTheClock(t *testing.T) {
	st := newStore(t)
	t0 := time.Date(2031, 3, 1, 12, 0, 0, 0, time.UTC)
	st.SetClock(func() time.Time { return t0 })
	mustCA(t, st, CAOptions{Name: "abc"})
	var ends []time.Time
	for i, days := range []int{1, 2, 2, 30, 400} {
		cs, err := st.Issue(IssueOptions{Names: []string{fmt.Sprintf("c%d", i)}, CA: "abc", Profile: pki.ProfileClient, Days: days})
		if err != nil {
			t.Fatal(err)
		}
		ends = append(ends, cs[0].NotAfter)
	}
	if _, err := st.Revoke("c3", RevokeOptions{Reason: 1}); err != nil {
		t.Fatal(err)
	}
	clocks := []time.Time{t0, t0.AddDate(-1, 0, 0), t0.AddDate(5, 0, 0)}
	for _, e := range ends {
		clocks = append(clocks, e, e.Add(time.Nanosecond), e.Add(-time.Nanosecond), e.Add(time.Second))
	}
	for _, now := range clocks {
		st.SetClock(func() time.Time { return now })
		got, recounted := listed(t, st)
		if recounted["abc"] {
			t.Fatalf("at %v: the index was counted, the summary was not used", now)
		}
		if want := recount(t, st, "abc", now); got["abc"] != want {
			t.Errorf("at %v: ca list counts %v, the index holds %v", now, got["abc"], want)
		}
	}
	// The clock really moved the counts (the table is not all one state).
	st.SetClock(func() time.Time { return ends[1].Add(time.Nanosecond) })
	if got, _ := listed(t, st); got["abc"] != [3]int{1, 1, 3} {
		t.Errorf("a nanosecond after the 2-day certificates expire: %v, want valid 1, revoked 1, expired 3", got["abc"])
	}
}

// Every pkibench write that changes an index leaves a summary that is fresh
// and agrees with a recount of that index.
func TestCountsFollowEveryWrite(t *testing.T) {
	st := newStore(t)
	for _, step := range []struct {
		name string
		do   func(t *testing.T) error
	}{
		{"ca create (root)", func(*testing.T) error { _, err := st.CreateCA(CAOptions{Name: "abc"}); return err }},
		{"ca create (intermediate, in its parent's index)", func(*testing.T) error {
			_, err := st.CreateCA(CAOptions{Name: "sub", Parent: "abc"})
			return err
		}},
		{"issue a batch", func(*testing.T) error {
			_, err := st.Issue(IssueOptions{Names: []string{"a", "b", "c", "d", "e"}, CA: "sub", Profile: pki.ProfileClient})
			return err
		}},
		{"issue with other days (expiries out of order)", func(*testing.T) error {
			_, err := st.Issue(IssueOptions{Names: []string{"short"}, CA: "sub", Profile: pki.ProfileClient, Days: 2})
			return err
		}},
		{"sign a CSR", func(t *testing.T) error {
			_, err := st.SignCSR(csrWith(t, pkix.Name{CommonName: "csr"}), "csr.pem", IssueOptions{Names: []string{"csr"}, CA: "sub"})
			return err
		}},
		{"import a leaf of a store CA", func(t *testing.T) error {
			_, err := st.Import([]ImportFile{{Source: "leaf.pem", Data: signedByStoreCA(t, st, "sub", pkix.Name{CommonName: "leaf"}, 4242)}}, ImportOptions{As: "leaf"})
			return err
		}},
		{"revoke", func(*testing.T) error { _, err := st.Revoke("a", RevokeOptions{Reason: 1}); return err }},
		{"revoke many", func(*testing.T) error {
			rs, err := st.RevokeMany([]string{"b", "c", "short"}, RevokeOptions{Reason: 4})
			for _, r := range rs {
				if r.Err != nil {
					return r.Err
				}
			}
			return err
		}},
		{"hold", func(*testing.T) error { _, err := st.Revoke("d", RevokeOptions{Reason: 6}); return err }},
		{"release", func(*testing.T) error { _, err := st.Revoke("d", RevokeOptions{Release: true}); return err }},
		{"revoke an intermediate", func(*testing.T) error { _, err := st.Revoke("sub", RevokeOptions{Reason: 5}); return err }},
		{"publish a CRL (the index is unchanged)", func(*testing.T) error { _, err := st.PublishCRL("sub", CRLOptions{}); return err }},
		{"check --repair cuts a torn line", func(t *testing.T) error {
			f, err := os.OpenFile(filepath.Join(st.caDir("sub"), layout.Index), os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				return err
			}
			f.WriteString("V\t301231235959Z\t\t0ABC") // no newline: torn
			f.Close()
			_, err = st.Check(true)
			return err
		}},
		{"issue after the repair", func(*testing.T) error {
			_, err := st.Issue(IssueOptions{Names: []string{"f"}, CA: "sub", Profile: pki.ProfileClient})
			return err
		}},
	} {
		if err := step.do(t); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		names, err := st.CANames()
		if err != nil {
			t.Fatal(err)
		}
		for _, ca := range names {
			sum, state := readCounts(st.caDir(ca))
			es, err := readIndex(filepath.Join(st.caDir(ca), layout.Index))
			if err != nil {
				t.Fatal(err)
			}
			if state != countsFresh || !sum.same(countsOf(es)) {
				t.Errorf("after %s: the summary of %s is in state %d, agrees with the index: %v", step.name, ca, state, sum.same(countsOf(es)))
			}
		}
	}
	got, recounted := listed(t, st)
	if len(recounted) != 0 || got["sub"] != recount(t, st, "sub", st.Now()) || got["abc"] != recount(t, st, "abc", st.Now()) {
		t.Errorf("ca list: counted the index of %v, counts %v", recounted, got)
	}
}

// A kill at every step of an issue and of a revocation, including the one
// between the index commit and the summary's refresh: ca list stays right
// (it counts the index when the summary is behind), check finds no
// integrity problem (a stale summary is a warning) and check --repair or the
// next write brings the summary back.
func TestCountsSurviveCrashes(t *testing.T) {
	if testing.Short() {
		t.Skip("kills child processes; runs in CI and without -short")
	}
	for _, op := range []string{"issue-dots", "revoke-v"} {
		t.Run(op, func(t *testing.T) {
			window := false // a kill landed after the index commit, before the refresh
			completed := false
			for k := 1; k <= 40 && !completed; k++ {
				st := newStore(t)
				mustCA(t, st, CAOptions{Name: "abc"})
				if _, err := st.Issue(IssueOptions{Names: []string{"v", "w"}, CA: "abc", Profile: pki.ProfileClient}); err != nil {
					t.Fatal(err)
				}
				code, stderr := runChild(t, st, fmt.Sprintf("points:%s:%d", op, k))
				switch code {
				case 0:
					completed = true
				case -1:
				default:
					t.Fatalf("step %d: child failed: %s", k, stderr)
				}
				when := fmt.Sprintf("killed at step %d", k)
				idx := indexNames(t, st, "abc")
				committed := idx["certs/e"] != ""
				if op == "revoke-v" {
					committed = recount(t, st, "abc", st.Now())[1] == 1
				}
				_, state := readCounts(st.caDir("abc"))
				if committed && state != countsFresh {
					window = true
				}
				now := st.Now()
				if got, _ := listed(t, st); got["abc"] != recount(t, st, "abc", now) {
					t.Errorf("%s: ca list counts %v, the index holds %v", when, got["abc"], recount(t, st, "abc", now))
				}
				noProblems(t, st, when)
				if rep, err := st.Check(false); err == nil && state != countsFresh && countsFinding(rep, "abc") == nil {
					t.Errorf("%s: check does not report the stale summary", when)
				}
				if k%2 == 1 {
					if _, err := st.Check(true); err != nil {
						t.Fatal(err)
					}
				} else if _, err := st.Issue(IssueOptions{Names: []string{"next"}, CA: "abc", Profile: pki.ProfileClient}); err != nil {
					t.Fatalf("%s: the next write: %v", when, err)
				}
				got, recounted := listed(t, st)
				if recounted["abc"] || got["abc"] != recount(t, st, "abc", now) {
					t.Errorf("%s: after recovery ca list counted the index %v, counts %v, want %v", when, recounted["abc"], got["abc"], recount(t, st, "abc", now))
				}
			}
			if !completed {
				t.Fatal("the write never completed within 40 steps")
			}
			if !window {
				t.Error("no kill landed between the index commit and the summary's refresh")
			}
		})
	}
}

// The summary's own encoding: what encode writes decodes to the same
// counts; every truncation and every flipped byte is refused.
func TestCountsEncoding(t *testing.T) {
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	var es []Entry
	for i, d := range []time.Duration{-time.Hour, time.Hour, 24 * time.Hour, -48 * time.Hour, time.Hour} {
		es = append(es, Entry{Flag: "VVRVE"[i], NotAfter: now.Add(d)})
	}
	c := countsOf(es)
	c.id = indexID{size: 123, mtime: 456, ctime: 789, ino: 42}
	b := c.encode()
	d, err := decodeCounts(b)
	if err != nil || d.id != c.id || !d.same(c) {
		t.Fatalf("decode(encode) = %+v, %v", d, err)
	}
	// V -1h and V -48h expired, E always expired, R revoked, V +1h valid.
	if v, r, e, err := d.at(now); err != nil || v != 1 || r != 1 || e != 3 {
		t.Errorf("at(now) = %d %d %d %v, want 1 1 3", v, r, e, err)
	}
	for n := 0; n < len(b); n++ {
		if _, err := decodeCounts(b[:n]); err == nil {
			t.Errorf("a summary cut to %d bytes decoded", n)
		}
	}
	for i := range b {
		x := append([]byte(nil), b...)
		x[i] ^= 0x20
		if _, err := decodeCounts(x); err == nil {
			t.Errorf("a summary with byte %d flipped decoded", i)
		}
	}
	if strings.Count(string(b), countsMagic) != 1 {
		t.Error("no magic")
	}
}

// The summary is updated in place after an append, never through a second
// link to it: a hard link planted at index.counts keeps its other name's
// bytes, and the summary is replaced whole instead.
func TestCountsNeverWrittenThroughALink(t *testing.T) {
	st := newStore(t)
	mustCA(t, st, CAOptions{Name: "abc"})
	if _, err := st.Issue(IssueOptions{Names: []string{"a"}, CA: "abc", Profile: pki.ProfileClient}); err != nil {
		t.Fatal(err)
	}
	sum := filepath.Join(st.caDir("abc"), layout.IndexCounts)
	other := filepath.Join(t.TempDir(), "other")
	if err := os.Link(sum, other); err != nil {
		t.Skip("hard links not supported here:", err)
	}
	before, _ := os.ReadFile(other)
	if _, err := st.Issue(IssueOptions{Names: []string{"b"}, CA: "abc", Profile: pki.ProfileClient}); err != nil {
		t.Fatal(err)
	}
	if after, _ := os.ReadFile(other); !bytes.Equal(before, after) {
		t.Error("the issue wrote through a second link to index.counts")
	}
	if _, state := readCounts(st.caDir("abc")); state != countsFresh {
		t.Errorf("summary state %d after the issue, want fresh", state)
	}
}

// A FIFO planted at index.counts neither blocks ca list (it counts the
// index) nor is written through (writes refuse, naming it).
func TestCountsFIFOPlanted(t *testing.T) {
	st := newStore(t)
	mustCA(t, st, CAOptions{Name: "abc"})
	if _, err := st.Issue(IssueOptions{Names: []string{"a"}, CA: "abc", Profile: pki.ProfileClient}); err != nil {
		t.Fatal(err)
	}
	sum := filepath.Join(st.caDir("abc"), layout.IndexCounts)
	os.Remove(sum)
	if err := syscall.Mkfifo(sum, 0o644); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	done := make(chan [3]int, 1)
	go func() {
		cas, err := st.ListCAs()
		if err != nil || len(cas) != 1 {
			done <- [3]int{-1, -1, -1}
			return
		}
		done <- [3]int{cas[0].Valid, cas[0].Revoked, cas[0].Expired}
	}()
	select {
	case got := <-done:
		if got != [3]int{1, 0, 0} {
			t.Errorf("ca list with a FIFO at index.counts: %v, want 1 valid", got)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("ca list blocked on a FIFO at index.counts")
	}
	_, err := st.Issue(IssueOptions{Names: []string{"b"}, CA: "abc", Profile: pki.ProfileClient})
	var le *LinkError
	if !errors.As(err, &le) || le.Path != sum {
		t.Errorf("issue with a FIFO at index.counts: %v, want a refusal naming it", err)
	}
}
