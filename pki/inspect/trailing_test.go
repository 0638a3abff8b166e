package inspect

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"

	"github.com/pkibench/pkibench/pki"
	"github.com/pkibench/pkibench/pki/testtool"
)

// TestDERWithTrailingBytesAsOpenSSL: a lone DER certificate or CRL
// followed by stray bytes was refused outright (a CRL) or shown as
// "Unable to parse certificate: malformed DER" (a certificate), while
// openssl's d2i reads the object and ignores the bytes. Inspect now prints
// what openssl prints and a warning naming the bytes.
func TestDERWithTrailingBytesAsOpenSSL(t *testing.T) {
	tool := testtool.Require(t, "openssl")
	ca := newTestCA(t, "Trailing CA")
	crl := handCRL(maxEntryFields+1, shapeEntry(-1, nil), nil)
	for _, c := range []struct {
		name, cmd string
		der       []byte
	}{
		{"certificate", "x509", ca.cert.Raw},
		{"small CRL", "crl", entriesCRL(t, 3)},
		{"big CRL", "crl", crl},
	} {
		in := append(bytes.Clone(c.der), "JUNK\x00"...)
		cmd := exec.Command(tool, c.cmd, "-inform", "DER", "-text", "-noout")
		cmd.Stdin = bytes.NewReader(in)
		want, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s: openssl %s: %v", c.name, c.cmd, err)
		}
		objs, err := pki.DecodeLenient(in, "trailing.der")
		if err != nil || len(objs) != 1 {
			t.Fatalf("%s: %v", c.name, err)
		}
		d := FromObject(objs[0], testNow)
		if got := Text(d); !strings.HasPrefix(got, string(want)) {
			_, _, missing, extra := lineParity(got, string(want))
			t.Errorf("%s: text differs from openssl: missing %.3q extra %.3q", c.name, missing, extra)
		}
		found := false
		for _, f := range d.Findings() {
			found = found || (f.Path == "der" && strings.Contains(f.Message, "5 bytes follow"))
		}
		if !found {
			t.Errorf("%s: no finding about the 5 trailing bytes: %+v", c.name, d.Findings())
		}
		// The strict decode still refuses the file.
		if _, err := pki.Decode(in, "trailing.der"); err == nil {
			t.Errorf("%s: strict Decode accepts trailing bytes", c.name)
		}
	}
}
