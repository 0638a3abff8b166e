package main

import (
	"strings"
	"testing"

	"github.com/pkibench/pkibench/pki/testtool"
)

// TestTimesOneParserWithBounds: every --at goes through pki.ParseTime;
// out-of-range and overflowing values are usage errors (exit 2) that leave
// the store byte-for-byte as it was, and the TUI's +1y is accepted here too.
func TestTimesOneParserWithBounds(t *testing.T) {
	dir := seedStore(t)
	refused := []struct {
		args []string
		want string
	}{
		{[]string{"revoke", "client2", "--at", "+3000000d"}, "+3000000d"},
		{[]string{"revoke", "client2", "--at", "+3000000h"}, "292 years"},
		{[]string{"revoke", "client2", "--at", "+9223372036854775807s"}, "292 years"},
		{[]string{"revoke", "client2", "--at", "0001-01-01T00:00:00Z"}, "out of range"},
		{[]string{"revoke", "client2", "--at", "+1h"}, "a revocation time must lie between"},
		{[]string{"revoke", "client2", "--at", "2099-01-01"}, "a revocation time"},
		{[]string{"revoke", "client2", "--at", "+1x"}, "unknown unit"},
		{[]string{"verify", "invoice-server", "--at", "+3000000d"}, "+3000000d"},
		{[]string{"verify", "invoice-server", "--at", "0001-01-01T00:00:00Z"}, "a simulated clock time must lie between 1950"},
		{[]string{"inspect", "invoice-server", "--at", "+9223372036854775807s"}, "292 years"},
		{[]string{"probe", "--server", "invoice-server", "--client", "client2", "--at", "1900-01-01"}, "a simulated clock time"},
		{[]string{"issue", "q", "--ca", "abc", "--profile", "client", "--days", "3000000"}, "past 9999-12-31"},
		{[]string{"ca", "create", "far", "--days", "3000000"}, "past 9999-12-31"},
		{[]string{"crl", "abc", "--days", "3000000"}, "past 9999-12-31"},
	}
	for _, c := range refused {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			before := testtool.Snapshot(t, dir)
			out, errs, code := pb(t, dir, c.args...)
			if code != 2 || !strings.Contains(errs, c.want) {
				t.Errorf("exit %d (want 2), stderr %q (want %q); stdout %q", code, errs, c.want, out)
			}
			testtool.SameSnapshot(t, before, testtool.Snapshot(t, dir))
		})
	}
	// The TUI offers +1y; the CLI reads it the same way (once refused).
	out, errs, code := pb(t, dir, "verify", "invoice-server", "--at", "+1y")
	if code != 1 || !strings.Contains(out, "expired") {
		t.Errorf("verify --at +1y: exit %d, %s%s; want the leaf (365 days) expired", code, out, errs)
	}
	mustPB(t, dir, "verify", "invoice-server", "--at", "+1d12h")
	mustPB(t, dir, "revoke", "client2", "--at", "-1d12h")
	if out := mustPB(t, dir, "list"); !strings.Contains(out, "revoked") {
		t.Errorf("list after revoke --at -1d12h:\n%s", out)
	}
}
