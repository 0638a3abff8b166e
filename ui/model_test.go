package ui

import (
	"strings"
	"testing"

	"github.com/pkibench/pkibench/store"
)

func TestCreateCAIssueRevokeFlow(t *testing.T) {
	st := testStore(t)
	d := newDriver(t, st, 100, 30)
	d.expect("No CA yet")
	d.press("n")
	d.expect("Create a certificate authority", "root-ca")
	d.typeText("demo-ca")
	d.press("enter")
	if d.m.dialog != nil {
		t.Fatalf("form still open:\n%s", d.screen())
	}
	d.expect("CA demo-ca created", "demo-ca", "ECDSA P-256")
	cas, err := st.ListCAs()
	if err != nil || len(cas) != 1 || cas[0].Name != "demo-ca" {
		t.Fatalf("ListCAs = %v, %v", cas, err)
	}
	d.press("i")
	d.expect("Issue a certificate", "server", "localhost")
	d.press("enter")
	d.expect("issued server by demo-ca")
	d.press("i", "tab", "tab", "right")
	d.expect("client")
	d.press("enter")
	d.expect("issued client by demo-ca")
	d.press("2")
	d.expect("2 certificates", "client", "server", "valid")
	// client sorts first by name; revoke it.
	d.press("r")
	d.expect("Revoke client", "keyCompromise")
	d.press("down", "enter")
	d.expect("with reason keyCompromise?")
	d.press("y")
	d.expect("client revoked (keyCompromise)", "Publish CRL of demo-ca now? y/n")
	d.press("y")
	if d.m.dialog != nil {
		t.Fatalf("dialog still open:\n%s", d.screen())
	}
	d.expect("revoked", "CRL 01 of demo-ca published")
	certs, _ := st.List(store.ListFilter{})
	var revoked int
	for _, c := range certs {
		if c.Status == store.StatusRevoked {
			revoked++
		}
	}
	if revoked != 1 {
		t.Fatalf("revoked = %d, want 1", revoked)
	}
	_ = strings.Contains
}
