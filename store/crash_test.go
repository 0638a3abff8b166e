package store

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pkibench/pkibench/pki"
	"github.com/pkibench/pkibench/pki/testtool"
)

// crashHelperEnv makes the test binary act as a child that issues, revokes
// or publishes in a loop until it is killed.
const crashHelperEnv = "PKIBENCH_CRASH_HELPER"

func TestMain(m *testing.M) {
	if op := os.Getenv(crashHelperEnv); op != "" {
		os.Exit(crashHelper(op, os.Getenv("PKIBENCH_CRASH_STORE")))
	}
	os.Exit(testtool.Main(m, "store"))
}

func crashHelper(op, dir string) int {
	st, err := Open(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	if strings.HasPrefix(op, "issue500:") || op == "revoke-a" {
		return concurrentHelper(st, op)
	}
	if rest, ok := strings.CutPrefix(op, "points:"); ok {
		return pointsHelper(st, rest)
	}
	if rest, ok := strings.CutPrefix(op, "fsize:"); ok {
		return fullDiskHelper(st, rest)
	}
	fmt.Println("started")
	for round := 0; ; round++ {
		switch op {
		case "issue":
			names := make([]string, 1000)
			for i := range names {
				names[i] = fmt.Sprintf("r%d-%d", round, i)
			}
			_, err = st.Issue(IssueOptions{Names: names, CA: "abc", Profile: pki.ProfileClient})
		case "revoke":
			if round == 400 {
				select {} // everything revoked: wait for the kill
			}
			_, err = st.Revoke(fmt.Sprintf("v%d", round), RevokeOptions{Reason: 1})
		case "crl":
			_, err = st.PublishCRL("abc", CRLOptions{})
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 4
		}
	}
}

// A child process issuing (or revoking, or publishing CRLs) is killed with
// SIGKILL at several points; afterwards check finds every index line with its
// certificate and every key with its certificate, and the next write works.
func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("kills child processes; runs in CI and without -short")
	}
	for _, op := range []string{"issue", "revoke", "crl"} {
		for _, delay := range []time.Duration{30 * time.Millisecond, 150 * time.Millisecond, 600 * time.Millisecond} {
			t.Run(fmt.Sprintf("%s-after-%v", op, delay), func(t *testing.T) {
				st := newStore(t)
				mustCA(t, st, CAOptions{Name: "abc"})
				if op == "revoke" {
					names := make([]string, 400)
					for i := range names {
						names[i] = fmt.Sprintf("v%d", i)
					}
					if _, err := st.Issue(IssueOptions{Names: names, CA: "abc", Profile: pki.ProfileClient}); err != nil {
						t.Fatal(err)
					}
				}
				cmd := exec.Command(os.Args[0], "-test.run=^$")
				cmd.Env = append(os.Environ(), crashHelperEnv+"="+op, "PKIBENCH_CRASH_STORE="+st.Path())
				out, _ := cmd.StdoutPipe()
				var stderr strings.Builder
				cmd.Stderr = &stderr
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				buf := make([]byte, 8)
				out.Read(buf) // "started"
				time.Sleep(delay)
				cmd.Process.Signal(syscall.SIGKILL)
				cmd.Wait()
				if strings.TrimSpace(stderr.String()) != "" {
					t.Fatalf("child failed before the kill: %s", stderr.String())
				}
				rep, err := st.Check(false)
				if err != nil {
					t.Fatal(err)
				}
				for _, p := range rep.Problems {
					if p.Severity == "problem" {
						t.Errorf("after SIGKILL: %s: %s", p.Path, p.Message)
					}
				}
				// The next write works and leaves a clean store.
				if _, err := st.Issue(IssueOptions{Names: []string{"after"}, CA: "abc", Profile: pki.ProfileClient}); err != nil {
					t.Fatalf("issue after crash: %v", err)
				}
				if _, err := st.PublishCRL("abc", CRLOptions{}); err != nil {
					t.Fatalf("crl after crash: %v", err)
				}
				rep, _ = st.Check(true)
				if rep.Remaining() != 0 {
					t.Errorf("after repair: %+v", rep.Problems)
				}
				if _, err := os.Stat(filepath.Join(st.Path(), "cas/abc", journalFile)); err == nil {
					t.Error("journal left behind")
				}
			})
		}
	}
}

// concurrentHelper issues 500 certificates named PREFIX-N in batches of 25,
// or revokes a-0 .. a-99 as they appear, then exits.
func concurrentHelper(st *Store, op string) int {
	if prefix, ok := strings.CutPrefix(op, "issue500:"); ok {
		for b := 0; b < 20; b++ {
			names := make([]string, 25)
			for i := range names {
				names[i] = fmt.Sprintf("%s-%d", prefix, b*25+i)
			}
			if _, err := st.Issue(IssueOptions{Names: names, CA: "abc", Profile: pki.ProfileClient}); err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 4
			}
		}
		return 0
	}
	deadline := time.Now().Add(60 * time.Second)
	for i := 0; i < 100; {
		_, err := st.Revoke(fmt.Sprintf("a-%d", i), RevokeOptions{Reason: 4})
		var nf *NotFoundError
		switch {
		case err == nil:
			i++
		case errors.As(err, &nf) && time.Now().Before(deadline):
			time.Sleep(5 * time.Millisecond) // not issued yet
		default:
			fmt.Fprintln(os.Stderr, err)
			return 4
		}
	}
	return 0
}

// Two processes issue 500 certificates each into one CA while a third
// revokes 100 of them: 1,000 index lines, 1,000 distinct serials, 100
// revoked, and a clean check.
func TestConcurrentProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("runs three child processes; runs in CI and without -short")
	}
	st := newStore(t)
	mustCA(t, st, CAOptions{Name: "abc"})
	var cmds []*exec.Cmd
	var outs []*strings.Builder
	for _, op := range []string{"issue500:a", "issue500:b", "revoke-a"} {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), crashHelperEnv+"="+op, "PKIBENCH_CRASH_STORE="+st.Path())
		var out strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds, outs = append(cmds, cmd), append(outs, &out)
	}
	for i, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Fatalf("child %d: %v\n%s", i, err, outs[i].String())
		}
	}
	all, err := st.List(ListFilter{})
	if err != nil {
		t.Fatal(err)
	}
	serials := map[string]bool{}
	revoked := 0
	for _, c := range all {
		serials[c.Serial] = true
		if c.Status == StatusRevoked {
			revoked++
		}
	}
	if len(all) != 1000 || len(serials) != 1000 || revoked != 100 {
		t.Errorf("%d index lines, %d distinct serials, %d revoked; want 1000, 1000, 100", len(all), len(serials), revoked)
	}
	rep, err := st.Check(false)
	if err != nil || rep.Remaining() != 0 {
		t.Errorf("check: %v %+v", err, rep.Problems)
	}
}
