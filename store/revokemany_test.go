package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pkibench/pkibench/pki"
	"github.com/pkibench/pkibench/pki/testtool"
)

// One command revoking many targets rewrites each CA's index once, reports
// every target in order, and leaves index.txt as openssl reads it.
func TestRevokeManyOneRewritePerCA(t *testing.T) {
	st := newStore(t)
	mustCA(t, st, CAOptions{Name: "abc"})
	mustCA(t, st, CAOptions{Name: "xyz"})
	names := []string{"a1", "a2", "a3", "a4"}
	if _, err := st.Issue(IssueOptions{Names: names, CA: "abc", Profile: pki.ProfileClient}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Issue(IssueOptions{Names: []string{"x1", "x2"}, CA: "xyz", Profile: pki.ProfileClient}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Revoke("a4", RevokeOptions{Reason: 1}); err != nil {
		t.Fatal(err)
	}
	_, a2serial, err := st.Locate("a2")
	if err != nil {
		t.Fatal(err)
	}
	var writes []string
	st.stepHook = func(p string) {
		if p == "index written" {
			writes = append(writes, p)
		}
	}
	targets := []string{"a1", "x1", "abc/" + a2serial, "a1", "a4", "nobody", "abc/FFFF", "x2", "a3"}
	rs, err := st.RevokeMany(targets, RevokeOptions{Reason: pki.Reason(4)})
	st.stepHook = nil
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(writes, ","); got != "index written,index written" {
		t.Errorf("writes: %s (want one index rewrite per CA)", got)
	}
	var already *AlreadyRevokedError
	var notFound *NotFoundError
	for i, want := range []string{"ok", "ok", "ok", "already", "already", "notfound", "notfound", "ok", "ok"} {
		r := rs[i]
		if r.Target != targets[i] {
			t.Errorf("result %d is for %q, want %q", i, r.Target, targets[i])
		}
		switch want {
		case "ok":
			if r.Err != nil || r.Cert.Status != StatusRevoked || r.Cert.Reason != "superseded" {
				t.Errorf("%s: %+v", targets[i], r)
			}
		case "already":
			if !errors.As(r.Err, &already) {
				t.Errorf("%s: want already revoked, got %v", targets[i], r.Err)
			}
		case "notfound":
			if !errors.As(r.Err, &notFound) {
				t.Errorf("%s: want not found, got %v", targets[i], r.Err)
			}
		}
	}
	l, err := st.List(ListFilter{Status: StatusRevoked})
	if err != nil || len(l) != 6 {
		t.Fatalf("revoked after the batch: %d %v", len(l), err)
	}
	// The index is openssl's: every line parses and no serial repeats.
	for _, ca := range []string{"abc", "xyz"} {
		b, err := os.ReadFile(filepath.Join(st.Path(), "cas", ca, "index.txt"))
		if err != nil {
			t.Fatal(err)
		}
		es, torn, err := ParseIndex(b, ca)
		if err != nil || torn {
			t.Fatalf("%s index: %v torn=%v", ca, err, torn)
		}
		seen := map[string]bool{}
		for _, e := range es {
			if seen[e.SerialHex()] {
				t.Errorf("%s: serial %s twice", ca, e.SerialHex())
			}
			seen[e.SerialHex()] = true
		}
	}
}

// A batch where nothing can be revoked writes nothing.
func TestRevokeManyNothingToDoWritesNothing(t *testing.T) {
	st := newStore(t)
	mustCA(t, st, CAOptions{Name: "abc"})
	p := filepath.Join(st.Path(), "cas/abc/index.txt")
	os.WriteFile(p, []byte("R\t271122093714Z\t251122093714Z,keyCompromise\t0A\tunknown\t/CN=x\n"), 0o644)
	before, _ := os.Stat(p)
	rs, err := st.RevokeMany([]string{"abc/0A", "abc/0B"}, RevokeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rs[0].Err == nil || rs[1].Err == nil {
		t.Errorf("results: %+v", rs)
	}
	after, _ := os.Stat(p)
	if !os.SameFile(before, after) {
		t.Error("index.txt was rewritten although nothing changed")
	}
}

// Several targets in an index not in openssl's normal spelling are found.
func TestRevokeManyAnySpelling(t *testing.T) {
	st := newStore(t)
	mustCA(t, st, CAOptions{Name: "abc"})
	p := filepath.Join(st.Path(), "cas/abc/index.txt")
	os.WriteFile(p, []byte("V\t271122093714Z\t\tabc\tunknown\t/CN=x\nV\t271122093714Z\t\t0B\tunknown\t/CN=y\n"), 0o644)
	rs, err := st.RevokeMany([]string{"abc/ABC", "abc/b"}, RevokeOptions{Reason: 4})
	if err != nil || rs[0].Err != nil || rs[1].Err != nil {
		t.Fatal(rs, err)
	}
	b, _ := os.ReadFile(p)
	if strings.Count(string(b), "R\t") != 2 || !strings.Contains(string(b), "\t0ABC\tunknown\t/CN=x\n") {
		t.Errorf("index after revoke:\n%s", b)
	}
}

// Serials padded with zeros (as some tools write them) are found by their
// value, and their lines keep their spelling.
func TestRevokeManyPaddedSerials(t *testing.T) {
	st := newStore(t)
	mustCA(t, st, CAOptions{Name: "abc"})
	p := filepath.Join(st.Path(), "cas/abc/index.txt")
	idx := "V\t271122093714Z\t\t00000005\tunknown\t/CN=x\nV\t271122093714Z\t\t000A\tunknown\t/CN=y\nV\t271122093714Z\t\t00\tunknown\t/CN=z\n"
	os.WriteFile(p, []byte(idx), 0o644)
	rs, err := st.RevokeMany([]string{"abc/5", "abc/0A", "abc/0"}, RevokeOptions{Reason: 4})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		if r.Err != nil {
			t.Errorf("%s: %v", r.Target, r.Err)
		}
	}
	b, _ := os.ReadFile(p)
	if strings.Count(string(b), "R\t") != 3 || !strings.Contains(string(b), "\t00000005\tunknown\t/CN=x\n") || !strings.Contains(string(b), "\t000A\tunknown\t/CN=y\n") {
		t.Errorf("index after revoke:\n%s", b)
	}
}

// openssl ca -gencrl reads every revocation of one batch from index.txt.
func TestOpensslReadsBatchRevocations(t *testing.T) {
	openssl := testtool.Require(t, "openssl")
	st := newStore(t)
	mustCA(t, st, CAOptions{Name: "abc"})
	names := []string{"c1", "c2", "c3", "c4", "c5"}
	if _, err := st.Issue(IssueOptions{Names: names, CA: "abc", Profile: pki.ProfileClient}); err != nil {
		t.Fatal(err)
	}
	rs, err := st.RevokeMany([]string{"c1", "c3", "c5"}, RevokeOptions{Reason: 1})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(st.Path(), "cas/abc")
	cnf := filepath.Join(t.TempDir(), "ca.cnf")
	os.WriteFile(cnf, []byte(fmt.Sprintf("[ca]\ndefault_ca = CA_default\n[CA_default]\ndir = %s\ndatabase = $dir/index.txt\n"+
		"crlnumber = $dir/crlnumber\ncertificate = $dir/ca.crt\nprivate_key = $dir/ca.key\ndefault_md = sha256\ndefault_crl_days = 7\n", dir)), 0o600)
	out := filepath.Join(t.TempDir(), "openssl-crl.pem")
	testtool.Run(t, "", openssl, "ca", "-gencrl", "-config", cnf, "-out", out)
	text := testtool.Run(t, "", openssl, "crl", "-in", out, "-noout", "-text")
	if got := strings.Count(text, "Serial Number:"); got != 3 {
		t.Errorf("openssl's CRL lists %d serials, want 3:\n%s", got, text)
	}
	for _, r := range rs {
		if r.Err != nil || !strings.Contains(text, r.Cert.Serial) {
			t.Errorf("%s (%s) missing from openssl's CRL: %v", r.Target, r.Cert.Serial, r.Err)
		}
	}
}

// A CA whose index cannot be read fails its own targets only.
func TestRevokeManyOneBadIndexFailsOnlyItsCA(t *testing.T) {
	st := newStore(t)
	mustCA(t, st, CAOptions{Name: "abc"})
	mustCA(t, st, CAOptions{Name: "xyz"})
	abc := filepath.Join(st.Path(), "cas/abc/index.txt")
	os.WriteFile(abc, []byte("V\t271122093714Z\t\t0A\tunknown\t/CN=x\n"), 0o644)
	xyz := filepath.Join(st.Path(), "cas/xyz/index.txt")
	os.WriteFile(xyz, []byte("not an index line\n"), 0o644)
	rs, err := st.RevokeMany([]string{"xyz/0B", "abc/0A"}, RevokeOptions{Reason: 1})
	if err != nil {
		t.Fatal(err)
	}
	var ie *IndexError
	if !errors.As(rs[0].Err, &ie) || rs[1].Err != nil || rs[1].Cert.Status != StatusRevoked {
		t.Errorf("results: %+v", rs)
	}
	b, _ := os.ReadFile(abc)
	if !strings.HasPrefix(string(b), "R\t") {
		t.Errorf("abc's index: %s", b)
	}
}
