package ui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/pkibench/pkibench/store"
)

func TestTreePrefixes(t *testing.T) {
	cas := []*store.CA{
		{Name: "root"},
		{Name: "a", Parent: "root"},
		{Name: "a1", Parent: "a"},
		{Name: "a2", Parent: "a"},
		{Name: "b", Parent: "root"},
		{Name: "b1", Parent: "b"},
		{Name: "other"},
	}
	want := []string{"", "├ ", "│ ├ ", "│ └ ", "└ ", "  └ ", ""}
	got := treePrefixes(cas)
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("%s: prefix %q, want %q", cas[i].Name, got[i], want[i])
		}
	}
}

// TestAuthoritiesShowUnpublishedRevocations: a revocation not yet in the
// CRL is said in the CA's row, with the key that publishes it; after p the
// row is fresh again; a second revocation is counted as missing.
func TestAuthoritiesShowUnpublishedRevocations(t *testing.T) {
	d := goldenDriver(t, 120, 30) // revoked client, CRL not published
	d.press("1")
	d.expect("demo-ca", "none: 1 revocation unpublished — press p to publish")
	d.press("p")
	d.expect("CRL 01 of demo-ca published", "#01 fresh for")
	if strings.Contains(d.screen(), "unpublished") {
		t.Fatalf("still unpublished after p:\n%s", d.screen())
	}
	d.press("2", "G", "r", "enter", "y", "n", "1") // revoke server, do not publish
	d.expect("#01 missing 1 revocation — press p to publish")
}

// TestNothingToActOn: keys that act on a selection say why they did
// nothing instead of staying silent.
func TestNothingToActOn(t *testing.T) {
	d := newDriver(t, testStore(t), 80, 24)
	d.press("p")
	d.expect("nothing to publish: no CA yet")
	d.press("r")
	d.expect("nothing to revoke: no CA yet")
	d.press("2", "x")
	d.expect("nothing to export: no certificates yet")
	d.press("r")
	d.expect("nothing to revoke: no certificates yet")
	d.press("ctrl+r")
	d.expect("reloaded the store: 0 CAs, 0 certificates")
}

// TestFilterEscAndShownColumns: esc clears an applied filter; the filter
// matches only what the table shows (a serial is not a column).
func TestFilterEscAndShownColumns(t *testing.T) {
	d := goldenDriver(t, 120, 30)
	d.press("2", "/")
	d.typeText("ser")
	d.press("enter")
	d.expect("1 of 3 certificates", "esc clears the filter")
	d.press("esc")
	d.expect("3 certificates")
	if strings.Contains(d.screen(), "of 3") {
		t.Fatalf("esc did not clear the filter:\n%s", d.screen())
	}
	serial := d.m.c.Data.Certs[0].Serial
	d.press("/")
	d.typeText(strings.ToLower(serial[:8]))
	d.press("enter")
	d.expect("0 of 3 certificates")
	d.press("x")
	d.expect("nothing to export: no certificate matches the filter")
	d.press("esc")
	d.press("/")
	d.typeText("cn = demo inter")
	d.press("enter")
	d.expect("1 of 3 certificates", "CN = Demo Intermediate CA")
}

// TestMouseClicks: a click on a tab's label selects the tab; a click on a
// row selects the row.
func TestMouseClicks(t *testing.T) {
	d := goldenDriver(t, 100, 30)
	click := func(x, y int) { d.send(tea.MouseClickMsg{X: x, Y: y, Button: tea.MouseLeft}) }
	line := strings.Split(d.screen(), "\n")[0]
	for i, name := range tabNames {
		x := strings.Index(line, name)
		if x < 0 {
			t.Fatalf("tab %s not on the bar %q", name, line)
		}
		click(len([]rune(line[:x])), 0)
		if d.m.Active() != i {
			t.Fatalf("click on %s: tab %d", name, d.m.Active())
		}
	}
	click(len([]rune(line[:strings.Index(line, "Certificates")])), 0)
	click(5, 1+2+2) // body row 4: the third certificate
	cs := d.m.screens[TabCertificates].(*certificatesScreen)
	if c, _ := cs.selected(); c.Name != "server" {
		t.Fatalf("click selected %q, want server", c.Name)
	}
	click(len([]rune(line[:strings.Index(line, "Authorities")])), 0)
	click(3, 1+2) // body row 2: the intermediate
	if a := d.m.screens[TabAuthorities].(*authoritiesScreen).selected(); a == nil || a.Name != "demo-ca-int" {
		t.Fatalf("click selected %v, want demo-ca-int", a)
	}
}

// TestMatrixFitsAt80: the matrix's reason and side are whole at 80
// columns (the reason takes a line of its own when the row is narrow).
func TestMatrixFitsAt80(t *testing.T) {
	d := goldenDriver(t, 80, 24)
	// Client trusts the first CA (the "none" row needs it, as the CLI needs
	// --client-trust), CRL check on, matrix.
	d.press("3", "j", "j", "j", "l", "j", "j", "l", "M")
	p := d.m.screens[TabProbe].(*probeScreen)
	if len(p.matrix) == 0 {
		t.Fatalf("no matrix:\n%s", d.screen())
	}
	d.expect("CLIENT", "SIDE")
	for _, r := range p.matrix {
		if r.Err != nil {
			t.Fatalf("%s: %v", r.Client, r.Err)
		}
		d.expect(string(r.Result.Reason))
	}
	if rows := strings.Split(d.screen(), "\n"); strings.Contains(strings.Join(rows[1:len(rows)-2], "\n"), "…") {
		t.Fatalf("matrix cut at 80x24:\n%s", d.screen())
	}
}

// TestDisplaySubject: the fast path writes what pki.FormatName writes.
func TestDisplaySubject(t *testing.T) {
	for _, in := range []string{"/CN=client", "/O=ABC Inc./CN=ABC Root CA", "/C=DE/O=Acme/OU=Ops/CN=api.example.com", "/CN=a, b", "/CN=x+OU=y", "CN = already"} {
		if got, want := displaySubject(in), slowDisplaySubject(in); got != want {
			t.Errorf("displaySubject(%q) = %q, want %q", in, got, want)
		}
		if got := displaySubject(in); displayWidth(in) < len(got)-2 && strings.HasPrefix(in, "/") && !strings.ContainsAny(in, ",+") {
			t.Errorf("displayWidth(%q) = %d, shown %d", in, displayWidth(in), len(got))
		}
	}
}
