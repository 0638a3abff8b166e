package ui

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pkibench/pkibench/pki"
	"github.com/pkibench/pkibench/pki/testtool"
)

// TestExportCAAndKey: x on Authorities exports the selected CA's
// certificate (openssl verifies it under the root) and, with a warning,
// its key (0600, the CA's own key); an encrypted CA's certificate exports
// without its passphrase, and its key stays encrypted.
func TestExportCAAndKey(t *testing.T) {
	openssl := testtool.Require(t, "openssl")
	d := goldenDriver(t, 100, 30)
	dir := t.TempDir()
	exportCA := func(ca, format, file string) {
		t.Helper()
		d.press("1", "home")
		auth := d.m.screens[TabAuthorities].(*authoritiesScreen)
		for i := 0; auth.selected() == nil || auth.selected().Name != ca; i++ {
			if i > len(d.m.c.Data.CAs) {
				t.Fatalf("no CA %s", ca)
			}
			d.press("down")
		}
		d.press("x")
		d.expect("Export " + ca)
		for i := 0; d.m.dialog.(*form).value("format") != format; i++ {
			if i > 10 {
				t.Fatalf("no format %s", format)
			}
			d.press("right")
		}
		if format == "key" {
			d.expect("this writes " + ca + "'s private key")
		}
		fill(t, d, "out", file)
		d.press("enter")
		d.expect("exported " + ca + " as " + format)
	}

	pem := filepath.Join(dir, "int.pem")
	exportCA("demo-ca-int", "pem", pem)
	root := filepath.Join(d.m.c.Store.Path(), "cas", "demo-ca", "ca.crt")
	out, err := exec.Command(openssl, "verify", "-CAfile", root, "-attime", "1772366400", pem).CombinedOutput()
	if err != nil || !strings.Contains(string(out), ": OK") {
		t.Fatalf("openssl verify: %v\n%s", err, out)
	}

	keyFile := filepath.Join(dir, "int.key")
	exportCA("demo-ca-int", "key", keyFile)
	// The whole status line is in the message log (the bar cuts it; the
	// log wraps it where the temporary path's length decides).
	if last := d.m.log[len(d.m.log)-1]; !strings.Contains(last.Text, "this is demo-ca-int's private key, NOT encrypted") {
		t.Fatalf("status %q, want the key warning", last.Text)
	}
	fi, err := os.Stat(keyFile)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v, want 0600", fi.Mode(), err)
	}
	data, _ := os.ReadFile(keyFile)
	objs, err := pki.Decode(data, keyFile)
	if err != nil || len(objs) != 1 || objs[0].Key == nil {
		t.Fatalf("exported key: %v %+v", err, objs)
	}
	id, err := d.m.c.Store.Identity("demo-ca-int", nil)
	if err != nil || pki.CheckKeyPair(id.Cert, objs[0].Key) != nil {
		t.Fatalf("the exported key is not demo-ca-int's: %v", err)
	}

	// An encrypted CA: its certificate needs no passphrase; its key is
	// written as stored, encrypted.
	d.press("1", "n")
	fill(t, d, "name", "enc-ca")
	fill(t, d, "parent", "none (root)")
	fill(t, d, "pass", "hunter2")
	fill(t, d, "confirm", "hunter2")
	d.press("enter")
	d.expect("CA enc-ca created")
	exportCA("enc-ca", "pem", filepath.Join(dir, "enc.pem"))
	exportCA("enc-ca", "key", filepath.Join(dir, "enc.key"))
	data, _ = os.ReadFile(filepath.Join(dir, "enc.key"))
	if objs, err := pki.Decode(data, "enc.key"); err != nil || objs[0].Kind != pki.KindEncryptedKey {
		t.Fatalf("enc-ca's exported key is not encrypted: %v", err)
	}
}
