package ui

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pkibench/pkibench/pki/testtool"
)

// TestFormFlowRootIntermediateSubCA: on an empty store, the forms alone make
// a root, an intermediate under it and a sub-CA under that (path length,
// name constraints and URLs on the way), then issue a certificate with DNS,
// IP, e-mail and URI SANs from the one SAN field; openssl verifies the
// chain and each name (-verify_hostname, -verify_ip, -verify_email).
func TestFormFlowRootIntermediateSubCA(t *testing.T) {
	openssl := testtool.Require(t, "openssl")
	st := testStore(t)
	d := newDriver(t, st, 100, 30)

	d.press("n")
	fill(t, d, "name", "flow-root")
	fill(t, d, "pathlen", "2")
	d.press("enter")
	d.expect("CA flow-root created")

	d.press("n")
	fill(t, d, "name", "flow-int")
	fill(t, d, "parent", "flow-root")
	fill(t, d, "permit", "example.com, localhost, 127.0.0.0/8, email:example.com")
	fill(t, d, "crl", "http://pki.example.com/flow-int.crl")
	d.press("enter")
	d.expect("CA flow-int created")

	d.press("n")
	fill(t, d, "name", "flow-sub")
	fill(t, d, "parent", "flow-int")
	fill(t, d, "pathlen", "0")
	fill(t, d, "aia", "http://pki.example.com/flow-sub.crt")
	d.press("enter")
	d.expect("CA flow-sub created")

	d.press("i")
	fill(t, d, "ca", "flow-sub")
	fill(t, d, "profile", "server-client")
	fill(t, d, "name", "flow-leaf")
	fill(t, d, "san", "localhost, 127.0.0.1, ops@example.com, spiffe://example.com/web")
	fill(t, d, "subject", "CN=flow-leaf,O=Flow")
	d.press("enter")
	d.expect("issued flow-leaf by flow-sub")

	cas := filepath.Join(st.Path(), "cas")
	leaf, err := st.TargetFile("flow-leaf")
	if err != nil {
		t.Fatal(err)
	}
	base := []string{"verify", "-CAfile", filepath.Join(cas, "flow-root", "ca.crt"),
		"-untrusted", filepath.Join(cas, "flow-int", "ca.crt"), "-untrusted", filepath.Join(cas, "flow-sub", "ca.crt"),
		"-attime", "1772366400"} // the test clock, 2026-03-01
	for _, extra := range [][]string{
		nil,
		{"-verify_hostname", "localhost"},
		{"-verify_ip", "127.0.0.1"},
		{"-verify_email", "ops@example.com"},
	} {
		args := append(append(append([]string{}, base...), extra...), leaf)
		out, err := exec.Command(openssl, args...).CombinedOutput()
		if err != nil || !strings.Contains(string(out), ": OK") {
			t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	// A name the leaf does not carry fails, so the checks above mean something.
	args := append(append(append([]string{}, base...), "-verify_ip", "127.0.0.2"), leaf)
	if out, err := exec.Command(openssl, args...).CombinedOutput(); err == nil {
		t.Fatalf("openssl accepted an IP the leaf lacks:\n%s", out)
	}
	text, err := exec.Command(openssl, "x509", "-noout", "-text", "-in", leaf).CombinedOutput()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Subject: O = Flow, CN = flow-leaf", "DNS:localhost", "email:ops@example.com",
		"IP Address:127.0.0.1", "URI:spiffe://example.com/web", "CA Issuers - URI:http://pki.example.com/flow-sub.crt"} {
		if !strings.Contains(string(text), want) {
			t.Errorf("leaf lacks %q:\n%s", want, text)
		}
	}
}
