package ui

import (
	"testing"

	"github.com/pkibench/pkibench/pki"
	"github.com/pkibench/pkibench/store"
)

// A write by another process changes the store's stamp; the workbench
// reloads its lists when the stamp it polls changes, and on focus.
func TestWatchReloadsOnOutsideWrites(t *testing.T) {
	st := testStore(t)
	before := st.Stamp()
	other, err := store.Open(st.Path())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.CreateCA(store.CAOptions{Name: "elsewhere"}); err != nil {
		t.Fatal(err)
	}
	if _, err := other.Issue(store.IssueOptions{Names: []string{"x"}, CA: "elsewhere", Profile: pki.ProfileClient}); err != nil {
		t.Fatal(err)
	}
	after := st.Stamp()
	if before == after {
		t.Fatal("the stamp did not change after another handle wrote the store")
	}
	d := newDriver(t, st, 100, 30)
	d.expect("elsewhere")
	if _, err := other.Issue(store.IssueOptions{Names: []string{"y"}, CA: "elsewhere", Profile: pki.ProfileClient}); err != nil {
		t.Fatal(err)
	}
	req := d.m.certsReq
	d.send(storeStampMsg{stamp: after})
	d.send(storeStampMsg{stamp: st.Stamp()})
	if d.m.certsReq == req {
		t.Fatal("a changed stamp did not reload the lists")
	}
	d.press("2")
	d.expect("y")
}
