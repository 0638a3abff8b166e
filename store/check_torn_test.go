package store

import (
	"crypto/x509/pkix"
	"fmt"

	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gofrs/flock"

	"github.com/pkibench/pkibench/pki"
)

func problemsText(rep *CheckReport, sev string) string {
	var b strings.Builder
	for _, p := range rep.Problems {
		if p.Severity == sev {
			b.WriteString(p.Path + ": " + p.Message + "\n")
		}
	}
	return b.String()
}

func dropIndexLine(t *testing.T, st *Store, ca, file string) {
	t.Helper()
	idx := filepath.Join(st.Path(), "cas", ca, "index.txt")
	es, err := readIndex(idx)
	if err != nil {
		t.Fatal(err)
	}
	var keep []Entry
	for _, e := range es {
		if e.File != file {
			keep = append(keep, e)
		}
	}
	if err := writeIndex(idx, keep); err != nil {
		t.Fatal(err)
	}
}

// The torn states an interrupted write could leave before writes were
// journalled are each an integrity fault for check, and --repair mends each
// from what the store holds (no guess): the intermediate and the imported
// leaf are recorded in their CA's index, the CRL files are rewritten from
// the newest history file, crlnumber moves past it, folder modes tighten.
func TestCheckDetectsAndRepairsTornStates(t *testing.T) {
	st := newStore(t)
	mustCA(t, st, CAOptions{Name: "abc"})
	mustCA(t, st, CAOptions{Name: "sub", Parent: "abc"})
	leaf := signedByStoreCA(t, st, "abc", pkix.Name{CommonName: "leaf"}, 31337)
	if _, err := st.Import([]ImportFile{{Source: "leaf.pem", Data: leaf}}, ImportOptions{As: "leaf"}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if _, err := st.PublishCRL("abc", CRLOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	p := st.Path()
	dropIndexLine(t, st, "abc", "cas/sub")
	dropIndexLine(t, st, "abc", "certs/leaf")
	old, _ := os.ReadFile(filepath.Join(p, "cas/abc/crl/01.pem"))
	os.WriteFile(filepath.Join(p, "cas/abc/crl.pem"), old, 0o644)
	os.WriteFile(filepath.Join(p, "cas/abc/crlnumber"), []byte("02\n"), 0o644)
	for _, d := range []string{"cas", "certs", "imported"} {
		os.Chmod(filepath.Join(p, d), 0o755)
	}
	rep, err := st.Check(false)
	if err != nil {
		t.Fatal(err)
	}
	got := problemsText(rep, "problem")
	for _, want := range []string{"cas/sub: intermediate CA sub has no line in its parent abc's index", "certs/leaf: no index line",
		"crl.der and crl.pem hold different CRLs", "crlnumber 02 would reuse", "cas: permissions 755", "certs: permissions 755", "imported: permissions 755"} {
		if !strings.Contains(got, want) {
			t.Errorf("check did not report %q:\n%s", want, got)
		}
	}
	if rep, err = st.Check(true); err != nil || rep.Remaining() != 0 {
		t.Fatalf("repair: %v\n%s", err, problemsText(rep, "problem"))
	}
	if rep, _ = st.Check(false); hasProblem(rep) {
		t.Fatalf("after repair:\n%s", problemsText(rep, "problem"))
	}
	// The repaired things work: both can be revoked, and the next CRL takes
	// number 03 and lists them.
	for _, n := range []string{"sub", "leaf"} {
		if _, err := st.Revoke(n, RevokeOptions{Reason: 1}); err != nil {
			t.Errorf("revoke %s after repair: %v", n, err)
		}
	}
	crl, err := st.PublishCRL("abc", CRLOptions{})
	if err != nil || crl.Number != "03" || crl.Entries != 2 {
		t.Errorf("CRL after repair: %+v %v", crl, err)
	}
}

// Warnings (unencrypted CA key, stale CRL, unpublished revocations, a CA
// close to expiry) are reported but are not integrity faults.
func TestCheckWarningsAreNotFaults(t *testing.T) {
	st := newStore(t)
	mustCA(t, st, CAOptions{Name: "abc", Days: 20})
	if _, err := st.Issue(IssueOptions{Names: []string{"a", "b"}, CA: "abc", Profile: pki.ProfileClient, Days: 5}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.PublishCRL("abc", CRLOptions{Days: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Revoke("a", RevokeOptions{Reason: 1}); err != nil {
		t.Fatal(err)
	}
	st.SetClock(func() time.Time { return time.Now().Add(48 * time.Hour) })
	rep, err := st.Check(false)
	if err != nil {
		t.Fatal(err)
	}
	if hasProblem(rep) || rep.Remaining() != 0 {
		t.Errorf("warnings counted as faults:\n%s", problemsText(rep, "problem"))
	}
	w := problemsText(rep, "warning")
	for _, want := range []string{"ca.key: the CA's private key is not encrypted", "the CRL went stale", "the index has 1 revoked certificate(s), the latest CRL lists 0", "ca.crt: the CA expires on"} {
		if !strings.Contains(w, want) {
			t.Errorf("no warning %q:\n%s", want, w)
		}
	}
}

// check waits for a writer holding the store lock instead of reading a
// write half done (and reporting its files as orphans).
func TestCheckTakesTheLockShared(t *testing.T) {
	st := newStore(t)
	mustCA(t, st, CAOptions{Name: "abc"})
	writer := flock.New(filepath.Join(st.Path(), ".lock"))
	if err := writer.Lock(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		st.Check(false)
		close(done)
	}()
	select {
	case <-done:
		t.Fatal("check ran while a writer held the lock")
	case <-time.After(300 * time.Millisecond):
	}
	// Two readers share it.
	reader := flock.New(filepath.Join(st.Path(), ".lock"))
	writer.Unlock()
	<-done
	if err := reader.RLock(); err != nil {
		t.Fatal(err)
	}
	defer reader.Unlock()
	if _, err := st.Check(false); err != nil {
		t.Fatal(err)
	}
}

// A journal that does not parse (a disk that filled up under an older
// version) means nothing was committed: check warns, the next write removes
// it and works. A journal naming a path pkibench never writes is refused,
// never acted on.
func TestTornAndForgedJournals(t *testing.T) {
	st := newStore(t)
	mustCA(t, st, CAOptions{Name: "abc"})
	for i, torn := range []string{"", `{"items":[{"serial":"0A","pa`} {
		os.WriteFile(st.journalPath("abc"), []byte(torn), 0o644)
		rep, err := st.Check(false)
		if err != nil || hasProblem(rep) || !strings.Contains(problemsText(rep, "warning"), "torn journal") {
			t.Fatalf("torn journal %q: %v %+v", torn, err, rep.Problems)
		}
		if _, err := st.Issue(IssueOptions{Names: []string{fmt.Sprintf("n%d", i)}, CA: "abc", Profile: pki.ProfileClient}); err != nil {
			t.Fatalf("issue after a torn journal %q: %v", torn, err)
		}
		if exists(st.journalPath("abc")) {
			t.Fatal("torn journal left")
		}
	}
	victim := filepath.Join(t.TempDir(), "victim")
	os.WriteFile(victim, []byte("x"), 0o644)
	for _, p := range []string{"certs/../../" + filepath.Base(victim), victim, "certs/a/b", "cas/abc/certs/../ca.key"} {
		os.WriteFile(st.journalPath("abc"), []byte(`{"items":[{"serial":"0B","paths":["`+p+`"]}]}`), 0o644)
		if _, err := st.Issue(IssueOptions{Names: []string{"z"}, CA: "abc", Profile: pki.ProfileClient}); err == nil || !strings.Contains(err.Error(), "not a path pkibench writes") {
			t.Errorf("journal naming %q: %v", p, err)
		}
		if rep, _ := st.Check(false); !hasProblem(rep) {
			t.Errorf("check does not report a journal naming %q", p)
		}
		if rep, err := st.Check(true); err != nil || rep.Remaining() == 0 {
			t.Errorf("check --repair on a journal naming %q: %v, %d remaining", p, err, rep.Remaining())
		}
	}
	if !exists(victim) || !exists(filepath.Join(st.Path(), "cas/abc/ca.key")) {
		t.Error("a forged journal removed a file")
	}
}
