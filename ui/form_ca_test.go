package ui

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pkibench/pkibench/pki/testtool"
)

// TestCAFormConstraintsAndURLs: name constraints and the CRL/AIA URLs typed
// in the CA form are in the CA certificate and the certificates it issues
// as openssl reads them, and the issue policy holds a name outside them.
func TestCAFormConstraintsAndURLs(t *testing.T) {
	openssl := testtool.Require(t, "openssl")
	d := goldenDriver(t, 100, 30)
	d.press("1", "n")
	fill(t, d, "permit", "10.0.0.0")
	d.expect(`ip "10.0.0.0": not a CIDR range`)
	fill(t, d, "crl", "pki.example.com/x.crl")
	d.expect(`"pki.example.com/x.crl" is not an http://`)
	d.press("enter")
	if d.m.dialog == nil {
		t.Fatal("the form was accepted with bad fields")
	}
	fill(t, d, "name", "nc")
	fill(t, d, "parent", "none (root)")
	fill(t, d, "permit", "example.com, 10.0.0.0/8, email:example.com")
	fill(t, d, "exclude", "secret.example.com")
	fill(t, d, "crl", "http://pki.example.com/nc.crl")
	fill(t, d, "aia", "http://pki.example.com/nc.crt")
	d.press("enter")
	d.expect("CA nc created")

	text := func(path string) string {
		out, err := exec.Command(openssl, "x509", "-noout", "-text", "-in", path).CombinedOutput()
		if err != nil {
			t.Fatalf("openssl: %v\n%s", err, out)
		}
		return string(out)
	}
	ca := text(filepath.Join(d.m.c.Store.Path(), "cas", "nc", "ca.crt"))
	for _, want := range []string{"Permitted:", "DNS:example.com", "IP:10.0.0.0/255.0.0.0", "email:example.com",
		"Excluded:", "DNS:secret.example.com"} {
		if !strings.Contains(ca, want) {
			t.Errorf("CA certificate lacks %q:\n%s", want, ca)
		}
	}

	d.press("i")
	fill(t, d, "ca", "nc")
	fill(t, d, "name", "inside")
	fill(t, d, "san", "www.example.com, 10.1.2.3, ops@example.com")
	d.press("enter")
	d.expect("issued inside by nc")
	leaf, err := d.m.c.Store.TargetFile("inside")
	if err != nil {
		t.Fatal(err)
	}
	lt := text(leaf)
	for _, want := range []string{"URI:http://pki.example.com/nc.crl", "CA Issuers - URI:http://pki.example.com/nc.crt"} {
		if !strings.Contains(lt, want) {
			t.Errorf("leaf lacks %q:\n%s", want, lt)
		}
	}

	d.press("i")
	fill(t, d, "ca", "nc")
	fill(t, d, "name", "outside")
	fill(t, d, "san", "secret.example.com")
	d.press("enter")
	d.expect("secret.example.com")
	if d.m.c.nameTaken("outside") {
		t.Fatal("a certificate outside the name constraints was issued")
	}
}

// TestFormScrollsWhenTall: at 80x24 the CA form with errors under its
// fields is taller than the body; it shows the focused field and says how
// many fields are above and below instead of pushing the tabs off screen.
func TestFormScrollsWhenTall(t *testing.T) {
	d := goldenDriver(t, 80, 24)
	d.press("1", "n")
	fill(t, d, "permit", "not a subtree at all, with spaces")
	fill(t, d, "exclude", "also bad here")
	fill(t, d, "crl", "ftp://nowhere")
	fill(t, d, "aia", "nope")
	scr := d.screen()
	if n := strings.Count(scr, "\n") + 1; n > 24 {
		t.Fatalf("%d lines at 80x24:\n%s", n, scr)
	}
	d.expect("1 Authorities", "AIA URL", "more fields")
}
