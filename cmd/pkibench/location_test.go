package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// pbEnv runs the CLI with no --store: the store rule decides.
func pbEnv(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, strings.NewReader(""), &out, &errb)
	return out.String(), errb.String(), code
}

// isolate gives the test its own HOME, XDG_DATA_HOME and working folder.
func isolate(t *testing.T) (home, xdg, cwd string) {
	home, cwd = t.TempDir(), t.TempDir()
	xdg = filepath.Join(home, "xdg")
	t.Setenv("HOME", home)
	t.Setenv("XDG_DATA_HOME", xdg)
	t.Setenv("PKIBENCH_STORE", "")
	t.Chdir(cwd)
	return home, xdg, cwd
}

func TestStoreRuleFromTheCLI(t *testing.T) {
	_, xdg, cwd := isolate(t)
	// No ./pki store: a write goes to $XDG_DATA_HOME/pkibench.
	if _, errs, code := pbEnv(t, "ca", "create", "abc"); code != 0 {
		t.Fatalf("ca create: exit %d: %s", code, errs)
	}
	if _, err := os.Stat(filepath.Join(xdg, "pkibench", "cas", "abc", "ca.crt")); err != nil {
		t.Fatalf("the CA is not in the XDG store: %v", err)
	}
	if _, err := os.Stat(filepath.Join(cwd, "pki")); !os.IsNotExist(err) {
		t.Fatal("a store was written into the working folder")
	}
	// The easy-rsa habit: init ./pki, and later commands here use it.
	out, errs, code := pbEnv(t, "init", "pki")
	if code != 0 || !strings.Contains(out, "created store") {
		t.Fatalf("init pki: exit %d: %s%s", code, out, errs)
	}
	if _, errs, code := pbEnv(t, "ca", "create", "local"); code != 0 {
		t.Fatalf("ca create local: exit %d: %s", code, errs)
	}
	if _, err := os.Stat(filepath.Join(cwd, "pki", "cas", "local")); err != nil {
		t.Fatalf("./pki holds store.json but was not used: %v", err)
	}
	// init again leaves the store as it is.
	if out, _, code := pbEnv(t, "init", "pki"); code != 0 || !strings.Contains(out, "already") {
		t.Errorf("second init: exit %d: %s", code, out)
	}
	// $PKIBENCH_STORE beats ./pki; --store beats both.
	env := filepath.Join(t.TempDir(), "env")
	t.Setenv("PKIBENCH_STORE", env)
	if _, errs, code := pbEnv(t, "ca", "create", "e"); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	flag := filepath.Join(t.TempDir(), "flag")
	if _, errs, code := pbEnv(t, "--store", flag, "ca", "create", "f"); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, p := range []string{filepath.Join(env, "cas", "e"), filepath.Join(flag, "cas", "f")} {
		if _, err := os.Stat(p); err != nil {
			t.Error(err)
		}
	}
}

func TestReadOnlyCommandsNeverCreateTheDefaultStore(t *testing.T) {
	_, xdg, cwd := isolate(t)
	for _, args := range [][]string{{"list"}, {"ca", "list"}, {"check"}, {"inspect", "web"}} {
		_, errs, code := pbEnv(t, args...)
		if code == 0 {
			t.Errorf("%v with no store: exit 0", args)
		}
		if args[0] == "list" && !strings.Contains(errs, "pkibench init") {
			t.Errorf("%v: the error does not say how to make a store: %s", args, errs)
		}
	}
	for _, p := range []string{xdg, filepath.Join(cwd, "pki")} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("a read-only command created %s", p)
		}
	}
}

func TestTUIWithoutATerminal(t *testing.T) {
	home, xdg, cwd := isolate(t)
	out, errs, code := pbEnv(t)
	if code != exitUsage {
		t.Errorf("exit %d, want %d", code, exitUsage)
	}
	if out != "" || strings.Count(errs, "\n") != 1 || !strings.Contains(errs, "needs a terminal") {
		t.Errorf("want one line on stderr saying the TUI needs a terminal, got stdout %q stderr %q", out, errs)
	}
	for _, d := range []string{xdg, filepath.Join(cwd, "pki")} {
		if _, err := os.Stat(d); !os.IsNotExist(err) {
			t.Errorf("pkibench without a terminal created %s", d)
		}
	}
	if ents, _ := os.ReadDir(home); len(ents) != 0 {
		t.Errorf("pkibench without a terminal wrote into HOME: %v", ents)
	}
}

// Running from a source checkout (its pki/ is the Go package) must never
// put a store into the source tree.
func TestCheckoutNeverGetsAStore(t *testing.T) {
	repo, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(repo, "go.mod")); err != nil {
		t.Skip("not run from a checkout")
	}
	_, xdg, _ := isolate(t)
	t.Chdir(repo)
	src := filepath.Join(repo, "pki")
	before, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(src, "store.json")); err == nil {
		t.Fatalf("%s already holds a store.json; remove it", src)
	}
	t.Cleanup(func() {
		// Undo what a broken rule would have written, never more.
		for _, n := range []string{"store.json", ".lock", "cas", "certs", "imported"} {
			p := filepath.Join(src, n)
			if _, err := os.Lstat(p); err == nil && !contains(before, n) {
				os.RemoveAll(p)
			}
		}
	})
	for _, args := range [][]string{{"ca", "create", "abc"}, {"issue", "web", "--ca", "abc", "--dns", "localhost"}, {"list"}} {
		if _, errs, code := pbEnv(t, args...); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errs)
		}
	}
	after, _ := os.ReadDir(src)
	if len(after) != len(before) {
		t.Errorf("the source folder %s changed: %d entries before, %d after", src, len(before), len(after))
	}
	if _, err := os.Stat(filepath.Join(xdg, "pkibench", "certs", "web", "cert.pem")); err != nil {
		t.Errorf("the store did not go to $XDG_DATA_HOME: %v", err)
	}
}

func contains(ents []os.DirEntry, name string) bool {
	for _, e := range ents {
		if e.Name() == name {
			return true
		}
	}
	return false
}

// --help states the store rule (the same text as store.LocationRule).
func TestHelpStatesTheStoreRule(t *testing.T) {
	out := mustPB(t, t.TempDir(), "--help")
	for _, want := range []string{"--store DIR", "$PKIBENCH_STORE", "./pki, only if it already holds a pkibench store (store.json)", "$XDG_DATA_HOME/pkibench (default ~/.local/share/pkibench)"} {
		if !strings.Contains(out, want) {
			t.Errorf("--help lacks %q", want)
		}
	}
}
