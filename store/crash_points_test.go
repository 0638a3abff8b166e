package store

import (
	"bytes"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/pkibench/pkibench/pki"
)

// pointsHelper runs one multi-file write and SIGKILLs itself at its k-th
// step (between two file operations). It exits 0 when the write finished
// before reaching step k.
func pointsHelper(st *Store, spec string) int {
	op, ks, _ := strings.Cut(spec, ":")
	k, _ := strconv.Atoi(ks)
	n := 0
	st.stepHook = func(string) {
		if n++; n == k {
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
			select {}
		}
	}
	var err error
	switch op {
	case "ca-sub":
		_, err = st.CreateCA(CAOptions{Name: "sub", Parent: "abc"})
	case "import":
		var b []byte
		if b, err = os.ReadFile(os.Getenv("PKIBENCH_CRASH_FILE")); err == nil {
			_, err = st.Import([]ImportFile{{Source: "leaf.pem", Data: b}}, ImportOptions{As: "leaf"})
		}
	case "crl":
		_, err = st.PublishCRL("abc", CRLOptions{})
	case "crl-import":
		var b []byte
		if b, err = os.ReadFile(os.Getenv("PKIBENCH_CRASH_FILE")); err == nil {
			_, err = st.Import([]ImportFile{{Source: "imported.crl", Data: b}}, ImportOptions{})
		}
	case "lab-clean":
		_, err = st.RemoveLab()
	case "revoke-v":
		_, err = st.Revoke("v", RevokeOptions{Reason: 1})
	case "issue-dots":
		_, err = st.Issue(IssueOptions{Names: []string{"a..b", "c..d", "e"}, CA: "abc", Profile: pki.ProfileClient})
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 4
	}
	return 0
}

// fullDiskHelper issues with the file size limit set to limit bytes: every
// write past it fails with EFBIG, as a full disk fails with ENOSPC.
func fullDiskHelper(st *Store, limit string) int {
	n, _ := strconv.ParseUint(limit, 10, 64)
	signal.Ignore(syscall.SIGXFSZ)
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: n, Max: ^uint64(0)}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	_, err := st.Issue(IssueOptions{Names: []string{"full1", "full2"}, CA: "abc", Profile: pki.ProfileClient})
	if err == nil {
		fmt.Println("issued")
	}
	return 0
}

func runChild(t *testing.T, st *Store, op string, env ...string) (exitCode int, stderr string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(append(os.Environ(), crashHelperEnv+"="+op, "PKIBENCH_CRASH_STORE="+st.Path()), env...)
	var errb strings.Builder
	cmd.Stderr = &errb
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return -1, errb.String()
		}
		return ee.ExitCode(), errb.String()
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0, errb.String()
}

func noProblems(t *testing.T, st *Store, when string) {
	t.Helper()
	rep, err := st.Check(false)
	if err != nil {
		t.Fatalf("%s: check: %v", when, err)
	}
	for _, p := range rep.Problems {
		if p.Severity == "problem" {
			t.Errorf("%s: %s: %s", when, p.Path, p.Message)
		}
	}
}

// indexNames maps the file column of a CA's index to the line's serial.
func indexNames(t *testing.T, st *Store, ca string) map[string]string {
	t.Helper()
	es, err := readIndex(filepath.Join(st.Path(), "cas", ca, "index.txt"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, e := range es {
		out[e.File] = e.SerialHex()
	}
	return out
}

// Every multi-file write is killed (SIGKILL) at each of its steps in turn.
// After each kill, check finds no integrity fault (only warnings about the
// interrupted write), and after the next write or check --repair the store
// is whole: each thing exists with its index line or not at all, the CRL
// files agree, and no CRL number is reused.
func TestCrashAtEveryStep(t *testing.T) {
	if testing.Short() {
		t.Skip("kills child processes; runs in CI and without -short")
	}
	for _, op := range []string{"ca-sub", "import", "crl", "crl-import", "issue-dots"} {
		t.Run(op, func(t *testing.T) {
			completed := false
			for k := 1; k <= 40 && !completed; k++ {
				st := newStore(t)
				mustCA(t, st, CAOptions{Name: "abc"})
				var env []string
				switch op {
				case "import":
					leaf := filepath.Join(t.TempDir(), "leaf.pem")
					os.WriteFile(leaf, signedByStoreCA(t, st, "abc", pkix.Name{CommonName: "leaf"}, 4242), 0o644)
					env = append(env, "PKIBENCH_CRASH_FILE="+leaf)
				case "crl", "crl-import":
					if _, err := st.Issue(IssueOptions{Names: []string{"v"}, CA: "abc", Profile: pki.ProfileClient}); err != nil {
						t.Fatal(err)
					}
					if _, err := st.PublishCRL("abc", CRLOptions{}); err != nil {
						t.Fatal(err)
					}
					if _, err := st.Revoke("v", RevokeOptions{Reason: 1}); err != nil {
						t.Fatal(err)
					}
					if op == "crl-import" {
						// The CA's own CRL 7, made elsewhere (openssl ca
						// -gencrl with its key), imported: it becomes current.
						env = append(env, "PKIBENCH_CRASH_FILE="+externalCRL(t, st, 7))
					}
				}
				code, stderr := runChild(t, st, fmt.Sprintf("points:%s:%d", op, k), env...)
				switch code {
				case 0:
					completed = true
					t.Logf("%s completed with %d step(s) killed before", op, k-1)
				case -1:
				default:
					t.Fatalf("step %d: child failed: %s", k, stderr)
				}
				when := fmt.Sprintf("killed at step %d", k)
				noProblems(t, st, when)
				hist := crlHistory(t, st)
				if k%2 == 1 {
					if rep, err := st.Check(true); err != nil || rep.Remaining() != 0 {
						t.Fatalf("%s: repair: %v %+v", when, err, rep)
					}
				} else if _, err := st.Issue(IssueOptions{Names: []string{"next"}, CA: "abc", Profile: pki.ProfileClient}); err != nil {
					t.Fatalf("%s: the next write: %v", when, err)
				}
				rep, err := st.Check(false)
				if err != nil || len(rep.Problems) != 0 && hasProblem(rep) {
					t.Fatalf("%s: after recovery: %v %+v", when, err, rep.Problems)
				}
				for _, f := range []string{"cas/abc/" + journalFile, "cas/abc/" + crlMarker} {
					if exists(filepath.Join(st.Path(), f)) {
						t.Errorf("%s: %s left behind", when, f)
					}
				}
				idx := indexNames(t, st, "abc")
				for _, thing := range map[string][]string{"ca-sub": {"cas/sub"}, "import": {"certs/leaf"},
					"issue-dots": {"certs/a..b", "certs/c..d", "certs/e"}}[op] {
					serial, inIndex := idx[thing]
					onDisk := exists(filepath.Join(st.Path(), thing))
					if inIndex != onDisk {
						t.Errorf("%s: %s on disk %v, in the index %v", when, thing, onDisk, inIndex)
					}
					if inIndex != exists(filepath.Join(st.Path(), "cas/abc/certs", serial+".pem")) && inIndex {
						t.Errorf("%s: %s has no cas/abc/certs/%s.pem", when, thing, serial)
					}
				}
				if op == "crl" || op == "crl-import" {
					checkCRLFiles(t, st, when, hist)
				}
			}
			if !completed {
				t.Fatal("the write never completed within 40 steps")
			}
		})
	}
}

func hasProblem(rep *CheckReport) bool {
	for _, p := range rep.Problems {
		if p.Severity == "problem" {
			return true
		}
	}
	return false
}

func crlHistory(t *testing.T, st *Store) map[string][]byte {
	out := map[string][]byte{}
	ents, _ := os.ReadDir(filepath.Join(st.Path(), "cas/abc/crl"))
	for _, e := range ents {
		b, _ := os.ReadFile(filepath.Join(st.Path(), "cas/abc/crl", e.Name()))
		out[e.Name()] = b
	}
	return out
}

// checkCRLFiles: crl.der, crl.pem and the newest history file are one CRL;
// a new publication takes a new number and leaves the history as it was.
func checkCRLFiles(t *testing.T, st *Store, when string, before map[string][]byte) {
	t.Helper()
	dir := filepath.Join(st.Path(), "cas/abc")
	der, _ := os.ReadFile(filepath.Join(dir, "crl.der"))
	pemDER, err := readCRLFile(filepath.Join(dir, "crl.pem"))
	h := latestHistory(dir)
	num := h.maxNum
	if err != nil || !bytes.Equal(der, pemDER) || !h.has(der) {
		t.Fatalf("%s: crl.der, crl.pem and crl/%s.pem differ", when, pki.SerialHex(num))
	}
	next, _ := readCRLNumber(filepath.Join(dir, "crlnumber"))
	if next.Cmp(num) <= 0 {
		t.Fatalf("%s: crlnumber %s would reuse %s", when, pki.SerialHex(next), pki.SerialHex(num))
	}
	got, err := st.PublishCRL("abc", CRLOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := new(big.Int).SetString(got.Number, 16); n.Cmp(num) <= 0 {
		t.Errorf("%s: published number %s after %s", when, got.Number, pki.SerialHex(num))
	}
	after := crlHistory(t, st)
	for name, b := range before {
		if !bytes.Equal(after[name], b) {
			t.Errorf("%s: history file crl/%s was overwritten", when, name)
		}
	}
}

// A disk that fills up at any point of an issue (simulated with the file
// size limit, which fails writes with EFBIG as a full disk fails them with
// ENOSPC) never leaves a journal that blocks the store: check has no
// integrity fault, the next write works once there is room, and repair
// leaves a clean store.
func TestFullDiskDuringIssue(t *testing.T) {
	if testing.Short() {
		t.Skip("runs child processes; runs in CI and without -short")
	}
	for _, limit := range []int{0, 1, 40, 200, 600, 1200, 3000, 6000} {
		t.Run(strconv.Itoa(limit), func(t *testing.T) {
			st := newStore(t)
			mustCA(t, st, CAOptions{Name: "abc"})
			if _, err := st.Issue(IssueOptions{Names: []string{"before"}, CA: "abc", Profile: pki.ProfileClient}); err != nil {
				t.Fatal(err)
			}
			if code, stderr := runChild(t, st, "fsize:"+strconv.Itoa(limit)); code != 0 {
				t.Fatalf("child: %d %s", code, stderr)
			}
			if j := filepath.Join(st.Path(), "cas/abc", journalFile); exists(j) {
				b, _ := os.ReadFile(j)
				t.Logf("journal left: %q", b)
			}
			noProblems(t, st, "after the disk filled")
			if _, err := st.Issue(IssueOptions{Names: []string{"after"}, CA: "abc", Profile: pki.ProfileClient}); err != nil {
				t.Fatalf("the next issue: %v", err)
			}
			if rep, err := st.Check(true); err != nil || rep.Remaining() != 0 {
				t.Fatalf("repair: %v %+v", err, rep)
			}
			idx := indexNames(t, st, "abc")
			for _, n := range []string{"full1", "full2"} {
				if _, in := idx["certs/"+n]; in != exists(filepath.Join(st.Path(), "certs", n)) {
					t.Errorf("%s: in the index %v, on disk %v", n, in, !in)
				}
			}
		})
	}
}
