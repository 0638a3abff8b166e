package store

import (
	"crypto/x509/pkix"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/pkibench/pkibench/pki"
)

func listTree(t *testing.T, dir string) string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil {
			out = append(out, strings.TrimPrefix(p, dir))
		}
		return nil
	})
	sort.Strings(out)
	return strings.Join(out, "\n")
}

// A link planted at any folder or file a write touches makes every write
// refuse with a LinkError, and nothing is written where the link points.
func TestNoWriteFollowsAPlantedLink(t *testing.T) {
	for _, planted := range []string{"certs", "cas", "imported", "cas/abc", "cas/abc/certs", "cas/abc/crl",
		"cas/abc/profiles.tsv", "cas/abc/index.txt", "cas/abc/crlnumber", "cas/abc/crl.pem", ".lock"} {
		t.Run(strings.ReplaceAll(planted, "/", "_"), func(t *testing.T) {
			st := newStore(t)
			mustCA(t, st, CAOptions{Name: "abc"})
			if _, err := st.Issue(IssueOptions{Names: []string{"a"}, CA: "abc", Profile: pki.ProfileClient}); err != nil {
				t.Fatal(err)
			}
			if _, err := st.PublishCRL("abc", CRLOptions{}); err != nil {
				t.Fatal(err)
			}
			leaf := signedByStoreCA(t, st, "abc", pkix.Name{CommonName: "leaf"}, 99)
			// The link points at a copy of what was there, so following it works.
			outside := filepath.Join(t.TempDir(), "outside")
			p := filepath.Join(st.Path(), planted)
			if err := os.Rename(p, outside); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(outside, p); err != nil {
				t.Fatal(err)
			}
			before := listTree(t, outside)
			ops := map[string]func() error{
				"issue": func() error {
					_, err := st.Issue(IssueOptions{Names: []string{"b"}, CA: "abc", Profile: pki.ProfileClient})
					return err
				},
				"ca create": func() error { _, err := st.CreateCA(CAOptions{Name: "sub", Parent: "abc"}); return err },
				"import": func() error {
					_, err := st.Import([]ImportFile{{Source: "l.pem", Data: leaf}}, ImportOptions{As: "leaf"})
					return err
				},
				"crl":    func() error { _, err := st.PublishCRL("abc", CRLOptions{}); return err },
				"revoke": func() error { _, err := st.Revoke("a", RevokeOptions{}); return err },
				"csr":    func() error { _, _, err := st.CreateCSR(CSROptions{Name: "c"}); return err },
			}
			for name, op := range ops {
				err := op()
				var le *LinkError
				if !errors.As(err, &le) {
					t.Errorf("%s with a link at %s: %v (want a LinkError)", name, planted, err)
				}
			}
			if after := listTree(t, outside); after != before {
				t.Errorf("writes went through the link at %s:\nbefore:\n%s\nafter:\n%s", planted, before, after)
			}
			rep, err := st.Check(false)
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, pr := range rep.Problems {
				found = found || pr.Severity == "problem" && strings.Contains(pr.Message, "symbolic link")
			}
			if !found {
				t.Errorf("check does not report the link at %s: %+v", planted, rep.Problems)
			}
		})
	}
}
