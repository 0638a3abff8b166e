package store

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pkibench/pkibench/pki"
)

// TestLabCleanKilled: `lab --clean` killed at each folder it removes
// leaves a store whose CAs all load (ca list, the TUI) and that the next
// `lab --clean` finishes (then check finds no fault); what is left
// of a half-deleted folder is a hidden leftover check --repair removes.
// (Before: a kill inside the deletion of cas/lab-x left a folder without
// ca.crt and ca.json: `ca list` failed for good, check could not repair
// it, and lab --clean no longer saw it as lab material.)
func TestLabCleanKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("kills child processes")
	}
	completed := false
	for k := 1; k <= 10 && !completed; k++ {
		st := newStore(t)
		mustCA(t, st, CAOptions{Name: "abc"})
		mustCA(t, st, CAOptions{Name: "lab-x", Lab: true})
		if _, err := st.Issue(IssueOptions{Names: []string{"lab-leaf"}, CA: "lab-x", Profile: pki.ProfileClient}); err != nil {
			t.Fatal(err)
		}
		code, stderr := runChild(t, st, fmt.Sprintf("points:lab-clean:%d", k))
		switch code {
		case 0:
			completed = true
		case -1:
		default:
			t.Fatalf("step %d: child failed: %s", k, stderr)
		}
		when := fmt.Sprintf("killed at step %d", k)
		if _, err := st.ListCAs(); err != nil {
			t.Fatalf("%s: ca list: %v", when, err)
		}
		// Between two folders check may report the index of lab-x naming
		// a removed certificate: the interrupted clean is finished by
		// running it again, which must work.
		if _, err := st.RemoveLab(); err != nil {
			t.Fatalf("%s: lab --clean again: %v", when, err)
		}
		if rep, err := st.Check(true); err != nil || rep.Remaining() != 0 {
			t.Fatalf("%s: repair: %v %+v", when, err, rep)
		}
		for _, d := range []string{"cas", "certs"} {
			ents, _ := os.ReadDir(filepath.Join(st.Path(), d))
			for _, e := range ents {
				if strings.HasPrefix(e.Name(), "lab-") || strings.HasPrefix(e.Name(), ".") {
					t.Errorf("%s: %s/%s left after lab --clean and repair", when, d, e.Name())
				}
			}
		}
		if !exists(st.caDir("abc")) {
			t.Fatalf("%s: abc removed", when)
		}
	}
	if !completed {
		t.Fatal("lab --clean never completed")
	}
}
