package main

import (
	"encoding/asn1"
	"encoding/json"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pkibench/pkibench/pki/testtool"
)

// reshapeTBS re-encodes the CRL der with its TBS's elements passed
// through edit (the signature no longer matches; the shape is the point).
func reshapeTBS(t *testing.T, der []byte, edit func([]asn1.RawValue) []byte) []byte {
	t.Helper()
	var top, tbs asn1.RawValue
	if _, err := asn1.Unmarshal(der, &top); err != nil {
		t.Fatal(err)
	}
	rest, err := asn1.Unmarshal(top.Bytes, &tbs)
	if err != nil {
		t.Fatal(err)
	}
	var els []asn1.RawValue
	for b := tbs.Bytes; len(b) > 0; {
		var v asn1.RawValue
		if b, err = asn1.Unmarshal(b, &v); err != nil {
			t.Fatal(err)
		}
		els = append(els, v)
	}
	newTBS, err := asn1.Marshal(asn1.RawValue{Tag: asn1.TagSequence, IsCompound: true, Bytes: edit(els)})
	if err != nil {
		t.Fatal(err)
	}
	out, err := asn1.Marshal(asn1.RawValue{Tag: asn1.TagSequence, IsCompound: true, Bytes: append(newTBS, rest...)})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestVerifyMalformedCRLIsAResult: a --crl file that openssl's verify
// cannot load (a truncated entry, trailing bytes in the TBS) once made
// verify print a bare "not a certificate ... malformed validity" line, or
// pass as if the CRL were fine (crypto/x509 overlooks trailing TBS
// elements). It is now a crl-invalid result naming the file and the part
// that does not read, in text and --json.
func TestVerifyMalformedCRLIsAResult(t *testing.T) {
	openssl := testtool.Require(t, "openssl")
	dir := seedStore(t)
	mustPB(t, dir, "revoke", "client2")
	mustPB(t, dir, "crl", "abc")
	b, err := os.ReadFile(filepath.Join(dir, "cas/abc/crl.pem"))
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(b)
	cases := map[string]struct {
		edit func([]asn1.RawValue) []byte
		want string
	}{
		"truncated-entry.crl": {func(els []asn1.RawValue) []byte {
			var out []byte
			for _, e := range els {
				if e.Tag == asn1.TagSequence && e.Class == asn1.ClassUniversal && len(out) > 0 && isEntries(e) {
					out = append(out, 0x30, 0x05, 0x30, 0x20, 0x02, 0x10, 0x01)
					continue
				}
				out = append(out, e.FullBytes...)
			}
			return out
		}, "revokedCertificates entry 0"},
		"trailing-tbs.crl": {func(els []asn1.RawValue) []byte {
			var out []byte
			for _, e := range els {
				out = append(out, e.FullBytes...)
			}
			return append(out, 0x05, 0x00)
		}, "after the last field"},
	}
	for name, c := range cases {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, reshapeTBS(t, blk.Bytes, c.edit), 0o600); err != nil {
			t.Fatal(err)
		}
		o, err := exec.Command(openssl, "crl", "-inform", "DER", "-in", p, "-noout").CombinedOutput()
		if err == nil {
			t.Fatalf("%s: openssl crl reads it; the case is meant to be malformed\n%s", name, o)
		}
		out, errs, code := pb(t, dir, "verify", "client2", "--usage", "client", "--crl", p)
		if code != 1 || errs != "" || !strings.Contains(out, "crl-invalid") || !strings.Contains(out, p) || !strings.Contains(out, c.want) {
			t.Errorf("%s: exit %d, want 1 with a crl-invalid result naming the file and %q\nstdout: %s\nstderr: %s", name, code, c.want, out, errs)
		}
		var j verifyOutput
		jout, _, _ := pb(t, dir, "verify", "client2", "--usage", "client", "--crl", p, "--json")
		if err := json.Unmarshal([]byte(jout), &j); err != nil || j.OK || j.Reason != "crl-invalid" {
			t.Errorf("%s --json: %v %+v", name, err, j)
		}
	}
}

// isEntries says whether a TBS element is revokedCertificates: a
// SEQUENCE whose first element is itself a SEQUENCE (an entry).
func isEntries(e asn1.RawValue) bool {
	return len(e.Bytes) > 0 && e.Bytes[0] == 0x30
}
