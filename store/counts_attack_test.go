package store

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/pkibench/pkibench/pki"
	"github.com/pkibench/pkibench/store/layout"
)

// A summary handed over by someone else, made to match the index it sits
// beside (its identity copied, its checksum recomputed, as anyone can):
// counts no index of that size could hold are refused, never shown by
// `ca list` nor used to size a buffer, and a revocation afterwards (which
// decodes the expiries) neither panics nor allocates by the forged count.
func TestCountsHostileSummary(t *testing.T) {
	for _, tc := range []struct {
		name  string
		forge func(c *indexCounts)
	}{
		{"a trillion revoked", func(c *indexCounts) { c.revoked = 1 << 40 }},
		{"a trillion expired", func(c *indexCounts) { c.expired = 1 << 40 }},
		{"valid beyond its expiries", func(c *indexCounts) { c.valid = 1 << 60 }},
		{"counts that overflow when added", func(c *indexCounts) { c.revoked, c.expired = 1<<62, 1<<62 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := newStore(t)
			mustCA(t, st, CAOptions{Name: "abc"})
			if _, err := st.Issue(IssueOptions{Names: []string{"a", "b", "c"}, CA: "abc", Profile: pki.ProfileClient}); err != nil {
				t.Fatal(err)
			}
			dir := st.caDir("abc")
			sum := filepath.Join(dir, layout.IndexCounts)
			b, err := os.ReadFile(sum)
			if err != nil {
				t.Fatal(err)
			}
			c, err := decodeCounts(b)
			if err != nil {
				t.Fatal(err)
			}
			tc.forge(&c)
			if err := os.WriteFile(sum, c.encode(), 0o644); err != nil {
				t.Fatal(err)
			}
			// Writing the summary did not touch the index: its identity
			// (copied into the forgery) still matches.
			if id, _ := statIndex(filepath.Join(dir, layout.Index)); id != c.id {
				t.Fatal("the forged summary does not name the index")
			}
			now := st.Now()
			got, recounted := listed(t, st)
			if want := recount(t, st, "abc", now); got["abc"] != want || !recounted["abc"] {
				t.Errorf("ca list: %v (counted the index: %v), the index holds %v", got["abc"], recounted["abc"], want)
			}
			rep, err := st.Check(false)
			if err != nil {
				t.Fatal(err)
			}
			if p := countsFinding(rep, "abc"); p == nil || !strings.Contains(p.Message, "not what pkibench writes") {
				t.Errorf("check: want the summary reported as not pkibench's, got %+v", rep.Problems)
			}
			// A revocation applies its delta to a summary that names the
			// index it changed: the forged one must not be decoded by its
			// forged count.
			if _, err := st.Revoke("b", RevokeOptions{Reason: 1}); err != nil {
				t.Fatal(err)
			}
			got, recounted = listed(t, st)
			if want := recount(t, st, "abc", now); got["abc"] != want || recounted["abc"] {
				t.Errorf("after a revocation: ca list %v (counted the index: %v), the index holds %v", got["abc"], recounted["abc"], want)
			}
		})
	}
}

// A sparse index.counts of a gigabyte costs its maker nothing: `ca list`
// and `check` must not allocate its size (before, readRegular made a buffer
// of the file's size and read a gigabyte of zeros).
func TestCountsSparseHugeSummary(t *testing.T) {
	st := newStore(t)
	mustCA(t, st, CAOptions{Name: "abc"})
	if _, err := st.Issue(IssueOptions{Names: []string{"a", "b"}, CA: "abc", Profile: pki.ProfileClient}); err != nil {
		t.Fatal(err)
	}
	sum := filepath.Join(st.caDir("abc"), layout.IndexCounts)
	if err := os.Truncate(sum, 1<<30); err != nil {
		t.Fatal(err)
	}
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	got, recounted := listed(t, st)
	rep, err := st.Check(false)
	if err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&m1)
	if d := m1.TotalAlloc - m0.TotalAlloc; d > 64<<20 {
		t.Errorf("ca list and check allocated %d MB for a summary of a sparse gigabyte", d>>20)
	}
	if want := recount(t, st, "abc", st.Now()); got["abc"] != want || !recounted["abc"] {
		t.Errorf("ca list: %v (counted the index: %v), the index holds %v", got["abc"], recounted["abc"], want)
	}
	if p := countsFinding(rep, "abc"); p == nil || !strings.Contains(p.Message, "larger than") {
		t.Errorf("check: want the summary reported too large, got %+v", rep.Problems)
	}
	if _, err := st.Check(true); err != nil {
		t.Fatal(err)
	}
	if _, state := readCounts(st.caDir("abc")); state != countsFresh {
		t.Error("check --repair did not rewrite the summary")
	}
}

// A folder, or a link to /dev/zero, at index.counts: ca list counts the
// index, check says what is there instead of "no counts summary", a write
// refuses naming it.
func TestCountsFolderPlanted(t *testing.T) {
	for _, tc := range []struct {
		name  string
		plant func(p string) error
	}{
		{"folder", func(p string) error { return os.Mkdir(p, 0o700) }},
		{"link to /dev/zero", func(p string) error { return os.Symlink("/dev/zero", p) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := newStore(t)
			mustCA(t, st, CAOptions{Name: "abc"})
			if _, err := st.Issue(IssueOptions{Names: []string{"a"}, CA: "abc", Profile: pki.ProfileClient}); err != nil {
				t.Fatal(err)
			}
			sum := filepath.Join(st.caDir("abc"), layout.IndexCounts)
			os.Remove(sum)
			if err := tc.plant(sum); err != nil {
				t.Fatal(err)
			}
			got, _ := listed(t, st)
			if want := recount(t, st, "abc", st.Now()); got["abc"] != want {
				t.Errorf("ca list: %v, the index holds %v", got["abc"], want)
			}
			rep, err := st.Check(false)
			if err != nil {
				t.Fatal(err)
			}
			// check already named a planted link.
			if p := countsFinding(rep, "abc"); p == nil || !strings.Contains(p.Message, "expected a regular file") && !strings.Contains(p.Message, "symbolic link") {
				t.Errorf("check: want what is there named, got %+v", rep.Problems)
			}
			if _, err := st.Issue(IssueOptions{Names: []string{"b"}, CA: "abc", Profile: pki.ProfileClient}); err == nil || !strings.Contains(err.Error(), layout.IndexCounts) {
				t.Errorf("an issue with a %s at the summary: %v, want a refusal naming it", tc.name, err)
			}
		})
	}
}

// FuzzDecodeCounts: whatever the bytes, decoding and every use of a decoded
// summary neither panic nor allocate more than the input's size allows.
func FuzzDecodeCounts(f *testing.F) {
	var c indexCounts
	c.id = indexID{size: 4096, mtime: 1, ctime: 2, ino: 3}
	base := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	c.add([]Entry{{Flag: 'V', NotAfter: base}, {Flag: 'R'}, {Flag: 'V', NotAfter: base.Add(-time.Hour)}, {Flag: 'E'}})
	f.Add(c.encode())
	big := c
	big.valid = 1 << 60
	f.Add(big.encode())
	neg := c
	neg.body = binary.AppendVarint(append([]byte(nil), c.body...), -1<<62)
	neg.valid++
	neg.last -= 1 << 62
	f.Add(neg.encode())
	f.Add([]byte(countsMagic))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := decodeCounts(b)
		if err != nil {
			return
		}
		if c.valid > int64(len(b)) || c.revoked > c.id.size || c.expired > c.id.size {
			t.Fatalf("decoded counts beyond what %d bytes can describe: %+v", len(b), c)
		}
		c.at(base)
		c.expiries()
		c.same(c)
		c.body = append([]byte(nil), c.body...)
		c.remove([]Entry{{Flag: 'V', NotAfter: base}, {Flag: 'R'}})
		c.add([]Entry{{Flag: 'V', NotAfter: base}})
		decodeCounts(c.encode())
	})
}
