package ui

import (
	"fmt"
	"testing"

	"github.com/pkibench/pkibench/pki"
	"github.com/pkibench/pkibench/store"
)

// TestProbePickerSearch: with 1,000 client identities, / on a picker and a
// few typed keys choose c0999 (it took 999 → presses); ↑/↓ step through
// the matches, esc restores the pick, and keys typed into the search never
// act as global keys. The default server is the identity issued with the
// server profile, not the first name in the list.
func TestProbePickerSearch(t *testing.T) {
	st := testStore(t)
	if _, err := st.CreateCA(store.CAOptions{Name: "root", Algorithm: pki.P256}); err != nil {
		t.Fatal(err)
	}
	var names []string
	for i := 1; i <= 1000; i++ {
		names = append(names, fmt.Sprintf("c%04d", i))
	}
	issue := func(p pki.Profile, names ...string) {
		t.Helper()
		if _, err := st.Issue(store.IssueOptions{Names: names, CA: "root", Profile: p, DNS: []string{"localhost"}, Algorithm: pki.P256}); err != nil {
			t.Fatal(err)
		}
	}
	issue(pki.ProfileClient, append(names, "aaa-client")...)
	issue(pki.ProfileServer, "mail")
	d := newDriver(t, st, 120, 40)
	d.press("3")
	p := d.m.screens[TabProbe].(*probeScreen)
	if p.picked[pfServer] != "mail" || p.picked[pfClient] != "aaa-client" {
		t.Fatalf("defaults: server %q client %q, want mail (server profile) and aaa-client (first client profile)", p.picked[pfServer], p.picked[pfClient])
	}

	d.press("/")
	if !d.m.typing() {
		t.Fatal("/ on the client picker did not start a search")
	}
	d.typeText("c0999")
	if p.picked[pfClient] != "c0999" {
		t.Fatalf("typed c0999: picked %q", p.picked[pfClient])
	}
	d.expect("/c0999", "1 of 1003")
	d.press("enter")
	if d.m.typing() || p.picked[pfClient] != "c0999" {
		t.Fatalf("enter: typing %v, picked %q", d.m.typing(), p.picked[pfClient])
	}

	// ↑/↓ walk the matches; esc puts the pick back.
	d.press("/")
	d.typeText("c000")
	if p.picked[pfClient] != "c0001" {
		t.Fatalf("c000: picked %q, want c0001", p.picked[pfClient])
	}
	d.press("down", "down")
	if p.picked[pfClient] != "c0003" {
		t.Fatalf("two downs: picked %q, want c0003", p.picked[pfClient])
	}
	d.typeText("?q")
	if d.quit || d.m.showHelp {
		t.Fatal("?q typed into the search acted as global keys")
	}
	d.press("esc")
	if p.picked[pfClient] != "c0999" || d.m.typing() {
		t.Fatalf("esc: picked %q, typing %v; want c0999 back", p.picked[pfClient], d.m.typing())
	}
	d.press("enter")
	if p.res == nil || !p.res.OK() {
		t.Fatalf("c0999 → mail: %+v\n%s", p.res, d.screen())
	}
}

func TestMatches(t *testing.T) {
	choices := []string{"none", "mail", "c10", "c1", "web-c1"}
	for q, want := range map[string][]string{
		"c1": {"c10", "c1", "web-c1"}, "C1": {"c10", "c1", "web-c1"}, "mai": {"mail"}, "zzz": nil, " ": nil,
	} {
		if got := matches(choices, q); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("matches(%q) = %v, want %v", q, got, want)
		}
	}
}

// BenchmarkPickerSearch is one keystroke of / on a picker of 100,000
// identities: the matches are recomputed in Update on every key.
func BenchmarkPickerSearch(b *testing.B) {
	choices := make([]string, 100000)
	for i := range choices {
		choices[i] = fmt.Sprintf("c%06d", i)
	}
	for b.Loop() {
		if m := matches(choices, "c0999"); len(m) != 100 {
			b.Fatalf("%d matches", len(m))
		}
	}
}
