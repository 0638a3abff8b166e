package inspect

import (
	"crypto/x509"
	"encoding/asn1"
	"testing"
	"unicode/utf16"

	"github.com/pkibench/pkibench/pki"
	"github.com/pkibench/pkibench/pki/testtool"
)

// rawATV builds one AttributeTypeAndValue with an explicit string type.
func rawATV(t *testing.T, oid asn1.ObjectIdentifier, tag int, content []byte) []byte {
	t.Helper()
	o, err := asn1.Marshal(oid)
	if err != nil {
		t.Fatal(err)
	}
	v := wrapSequence(content, byte(tag))
	return wrapSequence(append(o, v...), 0x30)
}

func bmp(s string) []byte {
	var out []byte
	for _, u := range utf16.Encode([]rune(s)) {
		out = append(out, byte(u>>8), byte(u))
	}
	return out
}

// TestNameParity checks openssl's name escaping on subjects Go would
// never write (but parses): BMP, T61 and Numeric strings 4-byte UTF-8,
// multi-valued RDNs, leading and trailing spaces, '#', quotes, control
// characters and characters outside the BMP.
func TestNameParity(t *testing.T) {
	tool := testtool.Require(t, "openssl")
	cn := asn1.ObjectIdentifier{2, 5, 4, 3}
	o := asn1.ObjectIdentifier{2, 5, 4, 10}
	ou := asn1.ObjectIdentifier{2, 5, 4, 11}
	unknown := asn1.ObjectIdentifier{1, 2, 3, 4, 5}
	names := [][][]byte{
		{rawATV(t, cn, tagBMP, bmp("Zoë Ünïcødé ☃"))},
		{rawATV(t, o, tagT61, []byte("Caf\xe9 \"Q\" \\ back")), rawATV(t, ou, tagBMP, bmp("ße clef, comma"))},
		{rawATV(t, cn, tagUTF8, []byte(" lead and trail ")), rawATV(t, ou, tagUTF8, []byte("#hash")), rawATV(t, cn, tagPrintable, []byte("Plain (x) = y?"))},
		{rawATV(t, unknown, tagUTF8, []byte("ctrl\x01\x7f<>;+=")), rawATV(t, ou, 18, []byte("0123 456"))},
		{rawATV(t, cn, tagIA5, []byte("a")), rawATV(t, o, tagUTF8, []byte("emoji 😀"))},
	}
	ca := newTestCA(t, "Names CA")
	rep := parityReport{name: "escaped names"}
	for i, atvs := range names {
		var rdns []byte
		// Put the first two of each set into one multi-valued RDN for the
		// last case, single-valued RDNs otherwise.
		if i == len(names)-1 {
			var set []byte
			for _, a := range atvs {
				set = append(set, a...)
			}
			rdns = wrapSequence(set, 0x31)
		} else {
			for _, a := range atvs {
				rdns = append(rdns, wrapSequence(a, 0x31)...)
			}
		}
		raw := wrapSequence(rdns, 0x30)
		tmpl := leafTemplate(t, mustKey(t, pki.P256))
		tmpl.RawSubject = raw
		c := ca.sign(t, tmpl)
		want := runOpenSSL(t, tool, c.Raw, "x509", "-inform", "DER", "-text", "-noout")
		rep.add(formatName(raw), Text(FromCertificate(c, testNow)), want)
		if _, err := x509.ParseCertificate(c.Raw); err != nil {
			t.Fatal(err)
		}
	}
	rep.check(t)
	if rep.matched != rep.total {
		t.Errorf("names must match exactly")
	}
}
