package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pkibench/pkibench/pki/testtool"
	"github.com/pkibench/pkibench/probe/lab"
)

func TestLabCommand(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pki")
	mustPB(t, dir, "ca", "create", "abc", "--subject", "/O=ABC Inc.")
	mustPB(t, dir, "issue", "web", "--ca", "abc", "--dns", "localhost")
	before := testtool.Snapshot(t, dir)

	out := mustPB(t, dir, "lab", "--json")
	var outs []lab.Outcome
	if err := json.Unmarshal([]byte(out), &outs); err != nil {
		t.Fatalf("lab --json: %v\n%s", err, out)
	}
	if len(outs) != len(lab.Scenarios()) {
		t.Errorf("lab --json gave %d outcomes, want %d", len(outs), len(lab.Scenarios()))
	}
	for _, o := range outs {
		if !o.Pass || o.Actual.Reason != o.Expected {
			t.Errorf("%s: expected %s, actual %s %s", o.ID, o.Expected, o.Actual.Reason, o.Error)
		}
	}

	out = mustPB(t, dir, "lab", "seeds-client2-revoked", "path-len-exceeded")
	if strings.Count(out, "PASS") != 2 || !strings.Contains(out, "2 of 2") {
		t.Errorf("table:\n%s", out)
	}
	out = mustPB(t, dir, "lab", "seeds-foreign-ca")
	for _, want := range []string{"what is broken", "ZXC Inc.", "REJECT", "client-cert-untrusted", "how to mend it", "PASS"} {
		if !strings.Contains(out, want) {
			t.Errorf("single scenario lacks %q:\n%s", want, out)
		}
	}
	out = mustPB(t, dir, "lab", "seeds-mail-accepted", "--at", "+400d")
	if !strings.Contains(out, "client-cert-expired") || !strings.Contains(out, "moved") {
		t.Errorf("--at +400d:\n%s", out)
	}
	out = mustPB(t, dir, "lab", "seeds-client1-crl", "--at", "crl:lab-abc")
	if !strings.Contains(out, "crl-stale") {
		t.Errorf("--at crl:lab-abc:\n%s", out)
	}
	out = mustPB(t, dir, "lab", "--list", "--json")
	var listing labListing
	if err := json.Unmarshal([]byte(out), &listing); err != nil || len(listing.Scenarios) != len(lab.Scenarios()) || len(listing.NotStaged) == 0 {
		t.Errorf("lab --list --json: %v\n%s", err, out)
	}
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"lab", "nope"}, 2, `no scenario "nope"`},
		{[]string{"lab", "--clean", "seeds-foreign-ca"}, 2, "--clean takes no scenario"},
		{[]string{"lab", "--at", "yesterday"}, 2, "--at"},
		{[]string{"lab", "--at", "crl:abc"}, 1, "CRL"},
	} {
		out, errs, code := pb(t, dir, c.args...)
		if code != c.code || !strings.Contains(out+errs, c.want) {
			t.Errorf("%v: exit %d (want %d): %s%s", c.args, code, c.code, out, errs)
		}
	}

	out = mustPB(t, dir, "lab", "--clean")
	if !strings.Contains(out, "removed cas/lab-abc") || strings.Contains(out, "cas/abc\n") {
		t.Errorf("--clean:\n%s", out)
	}
	testtool.SameSnapshot(t, before, testtool.Snapshot(t, dir))
	if out := mustPB(t, dir, "lab", "--clean"); !strings.Contains(out, "no lab material") {
		t.Errorf("second --clean: %s", out)
	}
}
