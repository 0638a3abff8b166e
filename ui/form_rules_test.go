package ui

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pkibench/pkibench/pki/testtool"
)

// fill sets the form's field key to v as a user does: tab to it, type
// (ctrl+u first empties an edited text field), or ←/→ on a choice.
func fill(t *testing.T, d *driver, key, v string) {
	t.Helper()
	f, ok := d.m.dialog.(*form)
	if !ok {
		t.Fatalf("no form open (%T)", d.m.dialog)
	}
	if !f.typing {
		d.press("enter")
		if f.focused().isChoice() {
			t.Fatal("fill: enter on a choice in key mode submits; start from typing mode")
		}
	}
	for i := 0; f.fields[f.focus].key != key; i++ {
		if i > len(f.fields) {
			t.Fatalf("no field %s", key)
		}
		d.press("tab")
	}
	x := f.fields[f.focus]
	if x.isChoice() {
		for i := 0; x.value() != v; i++ {
			if i > len(x.choices) {
				t.Fatalf("%s has no choice %q (%v)", key, v, x.choices)
			}
			d.press("right")
		}
		return
	}
	if !x.pristine {
		d.press("ctrl+u")
	}
	d.typeText(v)
}

// TestCAFormRules: the rules that keep the CA form from making a broken CA,
// one per row; each checks the message a user sees.
func TestCAFormRules(t *testing.T) {
	tests := []struct {
		name   string
		fields [][2]string
		submit bool
		want   string // on screen
		made   string // a CA of that name exists afterwards ("" none)
	}{
		{"days below the bounds", [][2]string{{"days", "0"}}, true, "a whole number from 1 to", ""},
		{"days above the bounds", [][2]string{{"days", "40000"}}, true, "a whole number from 1 to", ""},
		{"subject of the parent", [][2]string{{"parent", "demo-ca-int"}, {"subject", "CN = Demo Intermediate CA"}}, true,
			"is the subject of its", ""},
		{"passphrase not confirmed", [][2]string{{"name", "enc-ca"}, {"pass", "hunter2"}, {"confirm", "hunter3"}}, true,
			"does not match the passphrase", ""},
		{"passphrase confirmed", [][2]string{{"name", "enc-ca"}, {"pass", "hunter2"}, {"confirm", "hunter2"}}, true,
			"CA enc-ca created", "enc-ca"},
		{"path length 0 forbids a CA below", [][2]string{{"name", "pl0"}, {"pathlen", "0"}}, true, "CA pl0 created", "pl0"},
	}
	d := goldenDriver(t, 100, 30)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d.press("1", "n")
			for _, fv := range tt.fields {
				fill(t, d, fv[0], fv[1])
			}
			if tt.submit {
				d.press("enter")
			}
			d.expect(tt.want)
			if f, ok := d.m.dialog.(*form); ok && strings.HasPrefix(tt.name, "days") {
				if err := f.field("days").err; err == nil || !strings.Contains(err.Error(), "from 1 to 36600") {
					t.Fatalf("days error %v, want the bounds 1 to 36600", err)
				}
			}
			if tt.made != "" {
				if d.m.c.caByName(tt.made) == nil {
					t.Fatalf("CA %s not made", tt.made)
				}
			} else if d.m.dialog == nil {
				t.Fatalf("the form was accepted:\n%s", d.screen())
			}
			if d.m.dialog != nil {
				d.press("esc", "esc")
			}
		})
	}
	// Below pl0 (path length 0) the form warns.
	d.press("1", "n")
	fill(t, d, "parent", "pl0")
	d.expect("pl0 has path length 0: a CA below it fails")
	d.press("esc", "esc")
}

// TestDefaultSubjectsDistinct: a CA under an intermediate, and one under
// that, get subjects of their own by default, never their issuer's.
func TestDefaultSubjectsDistinct(t *testing.T) {
	d := goldenDriver(t, 100, 30)
	d.press("1", "n")
	fill(t, d, "parent", "demo-ca-int")
	d.press("enter")
	d.expect("CA demo-ca-int-int created")
	d.press("n")
	fill(t, d, "parent", "demo-ca-int-int")
	d.press("enter")
	d.expect("CA demo-ca-int-int-int created")
	seen := map[string]string{}
	for _, ca := range d.m.c.Data.CAs {
		if other, ok := seen[ca.Subject]; ok {
			t.Fatalf("%s and %s share the subject %s", ca.Name, other, ca.Subject)
		}
		seen[ca.Subject] = ca.Name
	}
}

// TestWrongPassphraseRetry: a wrong CA passphrase names the form's field,
// empties it and puts the cursor there; the retry is not appended.
func TestWrongPassphraseRetry(t *testing.T) {
	d := goldenDriver(t, 100, 30)
	d.press("1", "n")
	fill(t, d, "name", "enc-ca")
	fill(t, d, "pass", "hunter2")
	fill(t, d, "confirm", "hunter2")
	d.press("enter")
	d.expect("CA enc-ca created")

	d.press("i")
	fill(t, d, "ca", "enc-ca")
	d.press("enter")
	d.expect(`the key is encrypted: type its passphrase in "CA passphrase"`)
	f := d.m.dialog.(*form)
	fill(t, d, "pass", "nope")
	d.press("enter")
	d.expect(`wrong passphrase: type it again in "CA passphrase"`)
	if x := f.focused(); x.key != "pass" || x.input.Value() != "" || !f.typing {
		t.Fatalf("after a wrong passphrase: focus %s, value %q, typing %v", x.key, x.input.Value(), f.typing)
	}
	d.typeText("hunter2")
	d.press("enter")
	d.expect("issued server-2 by enc-ca")
}

// TestCAChainVerifiesWithOpenSSL: root → intermediate → sub-CA made in
// the forms with their default subjects, and a server under the sub-CA,
// verify with openssl (no "self-signed certificate in certificate chain").
func TestCAChainVerifiesWithOpenSSL(t *testing.T) {
	openssl := testtool.Require(t, "openssl")
	d := goldenDriver(t, 100, 30)
	d.press("1", "n")
	fill(t, d, "parent", "demo-ca-int")
	d.press("enter")
	d.expect("CA demo-ca-int-int created")
	d.press("i")
	fill(t, d, "ca", "demo-ca-int-int")
	fill(t, d, "name", "deep")
	d.press("enter")
	d.expect("issued deep by demo-ca-int-int")
	root := filepath.Join(d.m.c.Store.Path(), "cas", "demo-ca", "ca.crt")
	untrusted := []string{}
	for _, n := range []string{"demo-ca-int", "demo-ca-int-int"} {
		untrusted = append(untrusted, "-untrusted", filepath.Join(d.m.c.Store.Path(), "cas", n, "ca.crt"))
	}
	leaf, err := d.m.c.Store.TargetFile("deep")
	if err != nil {
		t.Fatal(err)
	}
	args := append([]string{"verify", "-CAfile", root}, untrusted...)
	args = append(args, "-attime", "1772366400", leaf) // the test clock, 2026-03-01
	out, err := exec.Command(openssl, args...).CombinedOutput()
	if err != nil || !strings.Contains(string(out), ": OK") {
		t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}
