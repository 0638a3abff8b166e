package store

import (
	"testing"

	"github.com/pkibench/pkibench/pki"
)

// generalSubjectDisplay is indexSubjectDisplay without its fast path.
func generalSubjectDisplay(s string) string {
	n, err := pki.ParseSubject(s)
	if err != nil {
		return s
	}
	return pki.FormatName(n)
}

func TestPlainSubjectDisplayMatchesGeneral(t *testing.T) {
	for _, s := range []string{
		"/CN=l1", "/CN=a/O=ABC Inc./OU=x", "/C=DE/ST=Berlin/L=B/O=o/OU=u/CN=c/emailAddress=a@b.c",
		"/DC=org/DC=example/CN=x", "/CN=a=b", "/CN=a b", "/serialNumber=12/title=t/street=s/postalCode=1/GN=g/SN=s/UID=u",
		// each of these must take the general path (or end as it does)
		"/CN=", "/CN= a", "/CN=a ", "/C=DEU", "/cn=x", "/EMAIL=a@b", "/S=x", "//CN=x", "/CN=x/", "/CN", "/X=y",
		"/CN=\x7f", "/CN=é", "/CN=a\tb", "/ CN=x", "/CN=x /O=y",
	} {
		got, ok := plainSubjectDisplay(s)
		want := generalSubjectDisplay(s)
		if ok && got != want {
			t.Errorf("%q: fast path %q, general %q", s, got, want)
		}
		if indexSubjectDisplay(s) != want {
			t.Errorf("%q: indexSubjectDisplay %q, general %q", s, indexSubjectDisplay(s), want)
		}
	}
}

func FuzzPlainSubjectDisplay(f *testing.F) {
	for _, s := range []string{"/CN=l1", "/C=DE/O=x y/CN=z", "/CN=a=b/OU= x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) == 0 || s[0] != '/' {
			return
		}
		if got, ok := plainSubjectDisplay(s); ok {
			if want := generalSubjectDisplay(s); got != want {
				t.Fatalf("%q: fast path %q, general %q", s, got, want)
			}
		}
	})
}
