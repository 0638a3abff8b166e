package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/pkibench/pkibench/probe"
)

// matrixStore is a store with a mix of clients for one server: valid,
// revoked, short-lived (expired at the probes' time), from another CA, with
// the server profile (wrong usage) and with both profiles.
func matrixStore(t *testing.T) string {
	dir := filepath.Join(t.TempDir(), "pki")
	mustPB(t, dir, "ca", "create", "abc")
	mustPB(t, dir, "ca", "create", "zxc", "--subject", "/O=ZXC Inc./CN=zxc.com")
	mustPB(t, dir, "issue", "srv", "--ca", "abc", "--profile", "server", "--dns", "localhost")
	mustPB(t, dir, "issue", "v1", "v2", "r1", "--ca", "abc", "--profile", "client")
	mustPB(t, dir, "issue", "e1", "--ca", "abc", "--profile", "client", "--days", "1")
	mustPB(t, dir, "issue", "w1", "--ca", "zxc", "--profile", "client")
	mustPB(t, dir, "issue", "u1", "--ca", "abc", "--profile", "server", "--dns", "x.example")
	mustPB(t, dir, "issue", "b1", "--ca", "abc", "--profile", "server-client", "--dns", "localhost")
	mustPB(t, dir, "revoke", "r1")
	mustPB(t, dir, "crl", "abc")
	return dir
}

var cliAddr = regexp.MustCompile(`127\.0\.0\.1:[0-9]+`)

// sameParts is a probe result's JSON without what belongs to one
// connection: the address, the timings, the timeline.
func sameParts(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"addr", "timeline", "duration_ms", "duration_s"} {
		delete(m, k)
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return cliAddr.ReplaceAllString(string(b), "ADDR")
}

// TestMatrixCLIMatchesSingleProbes: every row of `probe --matrix --json`
// is what `probe --client NAME --json` prints for that client alone at the
// same time (verdict, reason, side, summary, evidence, fix, also, chains),
// and the matrix covers every client with a key, the server left out.
func TestMatrixCLIMatchesSingleProbes(t *testing.T) {
	dir := matrixStore(t)
	for _, flags := range [][]string{
		{"--crl", "--at", "+2d"},
		{"--at", "+2d", "--emulate", "go", "--name", "other.example"},
	} {
		// One fixed moment for the matrix and the single probes.
		at, _, _ := pb(t, dir, append([]string{"probe", "--json", "--client", "v1", "--server", "srv"}, flags...)...)
		var first struct{ At string }
		if err := json.Unmarshal([]byte(at), &first); err != nil {
			t.Fatal(err)
		}
		flags := append(append([]string{}, flags...), "--at", first.At)
		out, errs, code := pb(t, dir, append([]string{"probe", "--matrix", "--json", "--server", "srv"}, flags...)...)
		if code != 1 {
			t.Fatalf("%v: exit %d: %s", flags, code, errs)
		}
		var rows []json.RawMessage
		if err := json.Unmarshal([]byte(out), &rows); err != nil {
			t.Fatalf("%v: %v\n%s", flags, err, out)
		}
		var names []string
		reasons := map[string]bool{}
		for _, row := range rows {
			var r struct {
				ClientName string `json:"client_name"`
				Reason     string
				Also       []struct{ Code string }
			}
			if err := json.Unmarshal(row, &r); err != nil {
				t.Fatal(err)
			}
			names = append(names, r.ClientName)
			reasons[r.Reason] = true
			for _, f := range r.Also {
				reasons[f.Code] = true
			}
			alone, _, _ := pb(t, dir, append([]string{"probe", "--json", "--client", r.ClientName, "--server", "srv"}, flags...)...)
			if got, want := sameParts(t, row), sameParts(t, json.RawMessage(alone)); got != want {
				t.Errorf("%v: %s: the matrix row differs from the probe alone\nmatrix: %s\nalone:  %s", flags, r.ClientName, got, want)
			}
		}
		slices.Sort(names)
		if got := strings.Join(names, " "); got != "b1 e1 r1 u1 v1 v2 w1" {
			t.Errorf("%v: matrix rows %q", flags, got)
		}
		if len(reasons) < 3 {
			t.Errorf("%v: only %v (reasons and also): the mix does not exercise the matrix", flags, reasons)
		}
	}
}

// TestPrintJSONListBytes: a list printed one element at a time is the
// bytes printJSON gives for the whole slice, controls escaped alike.
func TestPrintJSONListBytes(t *testing.T) {
	rows := []probe.Result{
		{Verdict: probe.Accept, Reason: "ok", ClientName: "a"},
		{Verdict: probe.Reject, Reason: "client-cert-revoked", ClientName: "b\u0085<&>", Notes: []string{"x\u007fy"}},
		{ClientName: "c"},
	}
	for _, items := range [][]probe.Result{rows, rows[:1], {}, nil} {
		var whole, each bytes.Buffer
		(&app{stdout: &whole}).printJSON(items)
		if err := printJSONList(&app{stdout: &each}, items); err != nil {
			t.Fatal(err)
		}
		if whole.String() != each.String() {
			t.Errorf("%d items:\nwhole: %q\neach:  %q", len(items), whole.String(), each.String())
		}
	}
}
