package pki

import (
	"errors"
	"testing"
)

func TestParseSubtrees(t *testing.T) {
	s, err := ParseSubtrees([]string{"example.com", ".corp.example", "DNS:lab.test", "10.0.0.0/8", "IP:fd00::/8", "email:example.com", "ops@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.DNS) != 3 || len(s.IPs) != 2 || len(s.Emails) != 2 || s.IPs[0].String() != "10.0.0.0/8" {
		t.Fatalf("%+v", s)
	}
	for _, c := range []struct{ in, kind string }{
		{"10.0.0.0", "ip"}, // no mask: not a range, and not taken for a DNS name
		{"IP:10.0.0.0", "ip"},
		{"1.2.3/8", "ip"},
		{"*.example.com", "dns"},
		{"a..b", "dns"},
		{"email:a b@example.com", "email"},
		{"email:-bad-", "email"},
	} {
		_, err := ParseSubtrees([]string{c.in})
		var se *SANError
		if !errors.As(err, &se) || se.Kind != c.kind {
			t.Errorf("%q: err %v, want a %s error", c.in, err, c.kind)
		}
	}
}
