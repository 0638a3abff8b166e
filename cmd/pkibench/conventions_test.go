package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pkibench/pkibench/pki/testtool"
)

// pbIn runs the CLI against store dir with stdin.
func pbIn(t *testing.T, dir string, stdin []byte, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(append([]string{"--store", dir}, args...), bytes.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), code
}

func TestVersion(t *testing.T) {
	dir := t.TempDir()
	out := mustPB(t, dir, "--version")
	if !strings.HasPrefix(out, "pkibench ") || !strings.Contains(out, runtime.Version()) || strings.Count(out, "\n") != 1 {
		t.Errorf("--version: %q", out)
	}
	if v := mustPB(t, dir, "version"); v != out {
		t.Errorf("version %q differs from --version %q", v, out)
	}
	var b buildInfo
	if err := json.Unmarshal([]byte(mustPB(t, dir, "version", "--json")), &b); err != nil {
		t.Fatal(err)
	}
	if b.Module != "github.com/pkibench/pkibench" || b.GoVersion != runtime.Version() || b.Version == "" {
		t.Errorf("version --json: %+v", b)
	}
	// A binary built from a VCS checkout carries its stamp: it is reported.
	stamped := fromBuildInfo(&debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/pkibench/pkibench", Version: "v1.2.3"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.time", Value: "2026-11-29T10:00:00Z"}, {Key: "vcs.modified", Value: "true"}}}, true)
	if got, want := stamped.String(), "pkibench v1.2.3 (0123456789ab+modified, 2026-11-29T10:00:00Z) go1.26.8"; got != want {
		t.Errorf("stamped: %q, want %q", got, want)
	}
	if b := fromBuildInfo(nil, false); b.Version != "(unknown)" {
		t.Errorf("no build info: %+v", b)
	}
}

func TestUnknownCommandsAreUsageErrors(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pki")
	cases := []struct {
		args    []string
		suggest string
	}{
		{[]string{"isue"}, "issue"},
		{[]string{"ca", "crate"}, "create"},
		{[]string{"lst"}, "list"},
		{[]string{"ca", "zzzzzz"}, ""},
	}
	for _, c := range cases {
		out, errs, code := pb(t, dir, c.args...)
		if code != exitUsage {
			t.Errorf("%v: exit %d, want 2", c.args, code)
		}
		if !strings.Contains(errs, "unknown command \""+c.args[len(c.args)-1]+"\"") {
			t.Errorf("%v: %q", c.args, errs)
		}
		if c.suggest != "" && (!strings.Contains(errs, "Did you mean this?\n") || !strings.Contains(errs, "\t"+c.suggest+"\n")) {
			t.Errorf("%v: no suggestion %q in %q", c.args, c.suggest, errs)
		}
		if c.suggest == "" && strings.Contains(errs, "Did you mean") {
			t.Errorf("%v: suggested something for nonsense: %q", c.args, errs)
		}
		if out != "" {
			t.Errorf("%v: printed help on stdout: %q", c.args, out)
		}
	}
	// A bare group still shows its help and succeeds.
	if out := mustPB(t, dir, "ca"); !strings.Contains(out, "create") {
		t.Errorf("pkibench ca: %q", out)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Error("a usage error created the store")
	}
}

func TestManPages(t *testing.T) {
	out := filepath.Join(t.TempDir(), "man")
	mustPB(t, t.TempDir(), "man", out)
	for _, p := range []string{"pkibench.1", "pkibench-ca-create.1", "pkibench-issue.1", "pkibench-probe.1", "pkibench-init.1"} {
		b, err := os.ReadFile(filepath.Join(out, p))
		if err != nil {
			t.Error(err)
			continue
		}
		if !bytes.Contains(b, []byte(".TH \"PKIBENCH\" \"1\"")) {
			t.Errorf("%s: no man header", p)
		}
	}
	b, _ := os.ReadFile(filepath.Join(out, "pkibench-issue.1"))
	if !bytes.Contains(b, []byte(`profile`)) {
		t.Error("pkibench-issue.1 does not describe --profile")
	}
}

func TestDashIsStandardInput(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pki")
	mustPB(t, dir, "ca", "create", "abc")
	mustPB(t, dir, "issue", "web", "--ca", "abc", "--dns", "localhost")
	mustPB(t, dir, "csr", "req", "--dns", "req.example")
	cert, err := os.ReadFile(filepath.Join(dir, "certs", "web", "cert.pem"))
	if err != nil {
		t.Fatal(err)
	}
	csr, err := os.ReadFile(filepath.Join(dir, "certs", "req", "csr.pem"))
	if err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(t.TempDir(), "other")
	cases := []struct {
		name  string
		store string
		stdin []byte
		args  []string
		code  int
		want  string
	}{
		{"inspect", dir, cert, []string{"inspect", "-"}, 0, "Subject: CN = web"},
		{"verify", dir, cert, []string{"verify", "-", "--ca", "abc", "--name", "localhost"}, 0, "(standard input): OK"},
		{"sign", dir, csr, []string{"sign", "-", "--ca", "abc", "--name", "signed"}, 0, "signed"},
		{"sign needs --name", dir, csr, []string{"sign", "-", "--ca", "abc"}, 2, "--name"},
		{"import", other, cert, []string{"import", "-", "--as", "web"}, 0, "imported"},
		{"import needs --as", other, cert, []string{"import", "-"}, 2, "--as"},
		{"import - twice", other, cert, []string{"import", "-", "--key", "-", "--as", "w2"}, 2, "only once"},
		{"empty stdin", dir, nil, []string{"inspect", "-"}, 1, "(standard input): empty"},
		{"garbage stdin", dir, []byte("hello"), []string{"inspect", "-"}, 1, "(standard input)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, errs, code := pbIn(t, c.store, c.stdin, c.args...)
			if code != c.code || !strings.Contains(out+errs, c.want) {
				t.Errorf("exit %d (want %d), output %q (want %q)", code, c.code, out+errs, c.want)
			}
		})
	}
}

// complete runs cobra's hidden __complete command, as the shell scripts do,
// and returns the offered values (the trailing ":directive" line dropped).
func completeArgs(t *testing.T, dir string, args ...string) []string {
	t.Helper()
	out, errs, code := pb(t, dir, append([]string{"__complete"}, args...)...)
	if code != 0 {
		t.Fatalf("__complete %v: exit %d: %s", args, code, errs)
	}
	var vals []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if l != "" && !strings.HasPrefix(l, ":") {
			vals = append(vals, strings.SplitN(l, "\t", 2)[0])
		}
	}
	return vals
}

func TestValueCompletion(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pki")
	mustPB(t, dir, "ca", "create", "abc")
	mustPB(t, dir, "ca", "create", "sub", "--parent", "abc")
	mustPB(t, dir, "ca", "create", "zxc")
	mustPB(t, dir, "issue", "web", "--ca", "sub", "--dns", "localhost")
	mustPB(t, dir, "issue", "mail", "--ca", "abc", "--profile", "client")
	cases := []struct {
		args []string
		want []string
	}{
		{[]string{"issue", "x", "--ca", ""}, []string{"abc", "sub", "zxc"}},
		{[]string{"issue", "x", "--ca", "s"}, []string{"sub"}},
		{[]string{"ca", "create", "y", "--parent", ""}, []string{"abc", "sub", "zxc"}},
		{[]string{"probe", "--client", ""}, []string{"none", "mail", "web"}},
		{[]string{"probe", "--server", ""}, []string{"mail", "web"}},
		{[]string{"probe", "--server-trust", "z"}, []string{"zxc"}},
		{[]string{"probe", "--auth", ""}, []string{"none", "request", "require-any", "verify-if-given", "require-and-verify"}},
		{[]string{"revoke", "x", "--reason", "key"}, []string{"keyCompromise"}},
		{[]string{"issue", "x", "--profile", ""}, []string{"server", "client", "server-client"}},
		{[]string{"csr", "x", "--algo", "rsa"}, []string{"rsa2048", "rsa3072", "rsa4096"}},
		{[]string{"export", "web", "--format", ""}, []string{"pem", "der", "chain", "fullchain", "p12", "key"}},
		{[]string{"verify", "web", "--usage", ""}, []string{"server", "client", "any"}},
		{[]string{"list", "--status", ""}, []string{"valid", "revoked", "expired"}},
		{[]string{"serve", "--server-tls", ""}, []string{"1.2", "1.3"}},
		{[]string{"revoke", ""}, []string{"abc", "mail", "sub", "web", "zxc"}},
		{[]string{"inspect", "w"}, []string{"web"}},
		{[]string{"crl", ""}, []string{"abc", "sub", "zxc"}},
		{[]string{"lab", "seeds-f"}, []string{"seeds-foreign-ca"}},
	}
	for _, c := range cases {
		if got := completeArgs(t, dir, c.args...); !slices.Equal(got, c.want) {
			t.Errorf("__complete %v = %v, want %v", c.args, got, c.want)
		}
	}
	// Without a store, names complete to nothing and no store is created.
	none := filepath.Join(t.TempDir(), "none")
	if got := completeArgs(t, none, "issue", "x", "--ca", ""); len(got) != 0 {
		t.Errorf("no store: %v", got)
	}
	if _, err := os.Stat(none); !os.IsNotExist(err) {
		t.Error("completion created a store")
	}
}

func TestCACreateSaysTheKeyIsNotEncrypted(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pki")
	out, errs, code := pb(t, dir, "ca", "create", "abc", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Errorf("--json stdout is not one JSON value: %v\n%s", err, out)
	}
	if strings.Count(errs, "\n") != 1 || !strings.Contains(errs, "not encrypted") || !strings.Contains(errs, "--encrypt") {
		t.Errorf("want one line on stderr about the unencrypted key, got %q", errs)
	}
	pass := filepath.Join(t.TempDir(), "pass")
	os.WriteFile(pass, []byte("correct horse\n"), 0o600)
	_, errs, code = pb(t, dir, "ca", "create", "enc", "--encrypt", "--passphrase-file", pass)
	if code != 0 || strings.Contains(errs, "not encrypted") {
		t.Errorf("--encrypt: exit %d, stderr %q", code, errs)
	}
	out, errs, _ = pb(t, dir, "ca", "create", "cmds", "--commands")
	if strings.Contains(out+errs, "not encrypted") {
		t.Errorf("--commands creates nothing and should not warn: %q", errs)
	}
}

func TestExportToAPipe(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pki")
	mustPB(t, dir, "ca", "create", "abc")
	mustPB(t, dir, "ca", "create", "sub", "--parent", "abc")
	mustPB(t, dir, "issue", "web", "--ca", "sub", "--dns", "localhost")
	// stdout is a buffer here, as it is a pipe in `pkibench export ... | openssl`.
	out, errs, code := pb(t, dir, "export", "web", "--format", "der")
	cert, err := os.ReadFile(filepath.Join(dir, "certs", "web", "cert.pem"))
	if err != nil {
		t.Fatal(err)
	}
	if code != 0 || len(out) == 0 || !strings.Contains(string(cert), "BEGIN") || out[0] != 0x30 {
		t.Errorf("der to a pipe: exit %d, %d bytes, stderr %q", code, len(out), errs)
	}
	pass := filepath.Join(t.TempDir(), "pass")
	os.WriteFile(pass, []byte("p12 password\n"), 0o600)
	out, errs, code = pb(t, dir, "export", "web", "--format", "p12", "--passphrase-file", pass)
	if code != 0 || len(out) < 100 || out[0] != 0x30 {
		t.Errorf("p12 to a pipe: exit %d, %d bytes, stderr %q", code, len(out), errs)
	}
	// chain and fullchain say what they hold, on stderr so the PEM stays clean.
	out, errs, _ = pb(t, dir, "export", "web", "--format", "fullchain")
	if strings.Count(out, "BEGIN CERTIFICATE") != 2 || !strings.Contains(errs, "1 intermediate (CN = sub)") || !strings.Contains(errs, "not the root") {
		t.Errorf("fullchain: %d certificates, stderr %q", strings.Count(out, "BEGIN CERTIFICATE"), errs)
	}
	file := filepath.Join(t.TempDir(), "chain.pem")
	out = mustPB(t, dir, "export", "web", "--format", "chain", "--out", file)
	if !strings.Contains(out, "chain: 1 intermediate (CN = sub); not the certificate, not the root") {
		t.Errorf("chain --out: %q", out)
	}
}

// On a terminal (a pty from script(1)), binary exports are refused with a
// usage error; the same command into a pipe works (TestExportToAPipe).
func TestBinaryExportRefusesATerminal(t *testing.T) {
	script := testtool.Require(t, "script")
	dir := filepath.Join(t.TempDir(), "pki")
	mustPB(t, dir, "ca", "create", "abc")
	mustPB(t, dir, "issue", "web", "--ca", "abc", "--dns", "localhost")
	bin := filepath.Join(t.TempDir(), "pkibench")
	testtool.Run(t, "", "go", "build", "-o", bin, ".")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, c := range []struct {
		format string
		code   int
	}{{"der", exitUsage}, {"pem", 0}} {
		line := fmt.Sprintf("%q --store %q export web --format %s", bin, dir, c.format)
		out, err := exec.CommandContext(ctx, script, "-qec", line, os.DevNull).CombinedOutput()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != c.code {
			t.Errorf("--format %s on a terminal: exit %d, want %d\n%s", c.format, code, c.code, out)
		}
		if c.code == exitUsage && !strings.Contains(string(out), "is binary") {
			t.Errorf("--format %s on a terminal: %s", c.format, out)
		}
	}
}
