package ui

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/pkibench/pkibench/pki/testtool"
)

// TestIssueFormSANTable runs the CLI's --san table (testtool.SANCases)
// through the issue form's one SAN field: the same inputs are refused
// with the same messages, and the accepted ones are in the certificate
// as openssl reads it.
func TestIssueFormSANTable(t *testing.T) {
	openssl := testtool.Require(t, "openssl")
	d := goldenDriver(t, 100, 30)
	for i, c := range testtool.SANCases() {
		t.Run(c.Input, func(t *testing.T) {
			name := fmt.Sprintf("san%d", i)
			d.press("i")
			fill(t, d, "name", name)
			fill(t, d, "san", c.Input)
			f := d.m.dialog.(*form)
			if c.Err != "" {
				err := f.field("san").err
				if err == nil || !strings.HasPrefix(err.Error(), c.Err) {
					t.Fatalf("SANs %q: error %v, want it to start %q", c.Input, err, c.Err)
				}
				d.expect("✗ " + c.Err[:min(len(c.Err), 30)])
				d.press("enter")
				if d.m.dialog == nil || d.m.c.Store == nil {
					t.Fatalf("the form was accepted")
				}
				d.press("esc", "esc")
				return
			}
			d.press("enter")
			d.expect("issued " + name)
			leaf, err := d.m.c.Store.TargetFile(name)
			if err != nil {
				t.Fatal(err)
			}
			got, err := exec.Command(openssl, "x509", "-noout", "-ext", "subjectAltName", "-in", leaf).CombinedOutput()
			if err != nil {
				t.Fatalf("openssl: %v\n%s", err, got)
			}
			if want := strings.Join(c.Want, ", "); !strings.Contains(string(got), want) {
				t.Fatalf("SANs %q: openssl shows %q, want %q", c.Input, got, want)
			}
		})
	}
}

// TestIssueFormSubject: the subject field keeps the order typed and a bad
// attribute is refused in the field.
func TestIssueFormSubject(t *testing.T) {
	d := goldenDriver(t, 100, 30)
	d.press("i")
	fill(t, d, "subject", "/XX=1")
	d.expect("✗ ")
	if d.m.dialog.(*form).field("subject").err == nil {
		t.Fatal("/XX=1 accepted as a subject")
	}
	fill(t, d, "subject", "CN=api.example.com,O=Acme")
	fill(t, d, "name", "api")
	d.press("enter")
	d.expect("issued api")
	for _, c := range d.m.c.Data.Certs {
		if c.Name == "api" {
			if c.Subject != "O = Acme, CN = api.example.com" { // RFC 4514 order reversed, most significant first
				t.Fatalf("subject %q", c.Subject)
			}
			return
		}
	}
	t.Fatal("api not listed")
}
