package verify

import (
	"bytes"
	"crypto/x509"
	"fmt"
	"slices"
	"testing"
)

// TestRootCopiesSameAnswer: an identity's chain often ends with its root,
// which is also the root trusted: Verify leaves that copy out of the pool
// of intermediates (one signature check fewer). For every case of the
// Verify table, with each root also given as an intermediate, the chains,
// the finding and every fault are the same whether the copy is the root
// itself (left out) or the same certificate parsed again (kept, Go's own
// answer).
func TestRootCopiesSameAnswer(t *testing.T) {
	s := newStage(t)
	left := 0
	for _, tc := range verifyCases() {
		t.Run(tc.name, func(t *testing.T) {
			leaf, opts := tc.setup(t, s)
			same, again := opts, opts
			same.Intermediates = append(slices.Clip(opts.Intermediates), opts.Roots...)
			again.Intermediates = slices.Clip(opts.Intermediates)
			for _, r := range opts.Roots {
				c, err := x509.ParseCertificate(bytes.Clone(r.Raw))
				if err != nil {
					t.Fatal(err)
				}
				again.Intermediates = append(again.Intermediates, c)
			}
			if rootCopies(same) != nil {
				left++
			}
			if rootCopies(again) != nil {
				t.Fatal("a certificate parsed again was taken for the root itself")
			}
			c1, f1 := Verify(leaf, same)
			c2, f2 := Verify(leaf, again)
			if a, b := chainsText(c1), chainsText(c2); a != b {
				t.Errorf("chains differ:\n%s\n%s", a, b)
			}
			if a, b := findingText(f1), findingText(f2); a != b {
				t.Errorf("finding differs:\n%s\n%s", a, b)
			}
			var a, b string
			for _, f := range Faults(leaf, same) {
				a += findingText(f)
			}
			for _, f := range Faults(leaf, again) {
				b += findingText(f)
			}
			if a != b {
				t.Errorf("faults differ:\n%s\n%s", a, b)
			}
		})
	}
	if left == 0 {
		t.Error("no case left a root's copy out: the test compares nothing")
	}
}

// TestRootCopiesKept: a copy is kept when another certificate of its name
// could be its issuer (a different key), or when it is not self-issued.
func TestRootCopiesKept(t *testing.T) {
	s := newStage(t)
	rekeyed := newRoot(t, "/O=ABC Inc./CN=ABC Root CA") // same name, another key
	opts := Options{Roots: []*x509.Certificate{s.root.cert, rekeyed.cert}, Intermediates: []*x509.Certificate{s.root.cert}}
	if rootCopies(opts) != nil {
		t.Error("a root copy left out although another key bears its name")
	}
	opts = Options{Roots: []*x509.Certificate{s.inter.cert}, Intermediates: []*x509.Certificate{s.inter.cert}}
	if rootCopies(opts) != nil {
		t.Error("an intermediate given as a root was left out: it is not self-issued, its issuer may extend the path")
	}
	opts = Options{Roots: []*x509.Certificate{s.root.cert}, Intermediates: []*x509.Certificate{s.inter.cert, s.root.cert}}
	if got := rootCopies(opts); len(got) != 2 || got[0] || !got[1] {
		t.Errorf("marks %v, want only the root's copy", got)
	}
}

func chainsText(chains [][]*x509.Certificate) string {
	var b bytes.Buffer
	for _, c := range chains {
		for _, x := range c {
			fmt.Fprintf(&b, "%s <- ", x.Subject)
		}
		b.WriteString("\n")
	}
	return b.String()
}

func findingText(f *Finding) string {
	if f == nil {
		return "ok\n"
	}
	return fmt.Sprintf("%s %s\n%s\n%s\n%+v %+v\n", f.Code, f.Side, f.Summary, f.Detail, f.Evidence, f.Fix)
}
