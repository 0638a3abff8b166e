package store

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pkibench/pkibench/pki"
)

func TestCheckFindsAndRepairs(t *testing.T) {
	st := newStore(t)
	mustCA(t, st, CAOptions{Name: "abc"})
	mustCA(t, st, CAOptions{Name: "zxc"})
	if _, err := st.Issue(IssueOptions{Names: []string{"a", "b"}, CA: "abc", Profile: pki.ProfileClient}); err != nil {
		t.Fatal(err)
	}
	rep, err := st.Check(false)
	if err != nil || rep.Remaining() != 0 || rep.Certs != 2 || rep.CAs != 2 {
		t.Fatalf("clean store: %+v %v", rep, err)
	}
	p := st.Path()
	os.Chmod(filepath.Join(p, "certs/a/key.pem"), 0o644)
	zkey, _ := os.ReadFile(filepath.Join(p, "cas/zxc/ca.key"))
	os.WriteFile(filepath.Join(p, "certs/b/key.pem"), zkey, 0o600)
	f, _ := os.OpenFile(filepath.Join(p, "cas/abc/index.txt"), os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString("V\t2711")
	f.Close()
	os.MkdirAll(filepath.Join(p, "certs/orphan"), 0o700)
	os.WriteFile(filepath.Join(p, "certs/orphan/meta.json"), []byte(`{"ca":"abc","serial":"01"}`), 0o644)
	os.WriteFile(filepath.Join(p, "certs/orphan/cert.pem"), []byte("x"), 0o644)
	os.Symlink("/etc/passwd", filepath.Join(p, "cas/abc/evil"))

	rep, err = st.Check(false)
	if err != nil {
		t.Fatal(err)
	}
	all := ""
	for _, pr := range rep.Problems {
		all += pr.Path + ": " + pr.Message + "\n"
	}
	for _, want := range []string{"certs/a/key.pem: permissions 644", "certs/b/key.pem: the private key", "index.txt: the last line is torn",
		"certs/orphan: no index line", "symbolic link"} {
		if !strings.Contains(all, want) {
			t.Errorf("check did not report %q:\n%s", want, all)
		}
	}
	if fi, _ := os.Stat(filepath.Join(p, "certs/a/key.pem")); fi.Mode().Perm() != 0o644 {
		t.Error("check without --repair changed something")
	}
	rep, err = st.Check(true)
	if err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(filepath.Join(p, "certs/a/key.pem")); fi.Mode().Perm() != 0o600 {
		t.Error("repair did not fix the key's permissions")
	}
	if len(rep.Repaired) < 2 {
		t.Errorf("repaired: %v", rep.Repaired)
	}
	b, _ := os.ReadFile(filepath.Join(p, "cas/abc/index.txt"))
	if strings.HasSuffix(string(b), "2711") {
		t.Error("repair did not cut the torn line")
	}
}

// check's findings carry their fix as a value (publish CA's CRL), never a
// command line: the CLI renders it, the store does not.
func TestCheckStaleCRLFixIsAValue(t *testing.T) {
	st := newStore(t)
	mustCA(t, st, CAOptions{Name: "abc", Subject: subj(t, "/O=ABC Inc.")})
	if _, err := st.PublishCRL("abc", CRLOptions{Days: 1}); err != nil {
		t.Fatal(err)
	}
	st.SetClock(func() time.Time { return time.Now().AddDate(0, 0, 3) })
	rep, err := st.Check(false)
	if err != nil {
		t.Fatal(err)
	}
	var found *Problem
	for i, p := range rep.Problems {
		if strings.Contains(p.Message, "went stale") {
			found = &rep.Problems[i]
		}
	}
	if found == nil || found.Fix == nil || found.Fix.Kind != pki.FixPublishCRL || found.Fix.CA != "abc" || strings.Contains(found.Message, "pkibench") {
		t.Fatalf("stale CRL problem: %+v", found)
	}
}
