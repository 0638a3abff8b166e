package main

import (
	"regexp"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	list := `rsadsi = RSA Data Security, Inc., 1.2.840.113549
pkcs7 = 1.2.840.113549.1.7
# None-OID object: DES-EDE3, des-ede3
X500 = directory services (X.500), 2.5
dup = a duplicate, 2.5
dstu4145be = DSTU 4145-2002 big endian, 1.2.804.2.1.1.1.1.3.1.1.1.
`
	objs, err := Parse([]byte(list))
	if err != nil {
		t.Fatal(err)
	}
	want := []Object{
		{"1.2.840.113549", "rsadsi", "RSA Data Security, Inc."},
		{"1.2.840.113549.1.7", "pkcs7", "pkcs7"},
		{"2.5", "X500", "directory services (X.500)"},
		{"1.2.804.2.1.1.1.1.3.1.1.1.", "dstu4145be", "DSTU 4145-2002 big endian"},
	}
	if len(objs) != len(want) {
		t.Fatalf("got %v", objs)
	}
	for i := range want {
		if objs[i] != want[i] {
			t.Errorf("object %d: %+v, want %+v", i, objs[i], want[i])
		}
	}
	for _, bad := range []string{"no equals sign", "x = y, not.an.oid", ""} {
		if _, err := Parse([]byte(bad)); err == nil {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
	src, err := Render(want, "OpenSSL 3.0")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(src), "// Code generated from `openssl list -objects` (OpenSSL 3.0); DO NOT EDIT.") ||
		!regexp.MustCompile(`"2\.5":\s+\{"X500", "directory services \(X\.500\)"\},`).Match(src) {
		t.Errorf("render:\n%s", src)
	}
}

func TestSeries(t *testing.T) {
	for in, want := range map[string]string{
		"OpenSSL 3.0.19 27 Jan 2026 (Library: OpenSSL 3.0.19 27 Jan 2026)\n": "OpenSSL 3.0",
		"OpenSSL 3.5.1 1 Jul 2025": "OpenSSL 3.5",
	} {
		if got, err := Series(in); err != nil || got != want {
			t.Errorf("Series(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := Series("LibreSSL 3.8.2"); err == nil {
		t.Error("LibreSSL accepted")
	}
}
