package verify

import "testing"

func TestConstraintMatching(t *testing.T) {
	for _, c := range []struct {
		name, constraint string
		want             bool
	}{
		{"example.com", "example.com", true},
		{"a.example.com", "example.com", true},
		{"a.example.com.", "Example.COM", true},
		{"notexample.com", "example.com", false},
		{"example.com", ".example.com", false},
		{"a.example.com", ".example.com", true},
		{"anything.test", "", true},
	} {
		if got := domainWithin(c.name, c.constraint); got != c.want {
			t.Errorf("domainWithin(%q, %q) = %v", c.name, c.constraint, got)
		}
	}
	for _, c := range []struct {
		addr, constraint string
		want             bool
	}{
		{"a@example.com", "a@example.com", true},
		{"b@example.com", "a@example.com", false},
		{"a@example.com", "example.com", true},
		{"a@mail.example.com", "example.com", false},
		{"a@mail.example.com", ".example.com", true},
		{"not-an-address", "example.com", false},
	} {
		if got := emailWithin(c.addr, c.constraint); got != c.want {
			t.Errorf("emailWithin(%q, %q) = %v", c.addr, c.constraint, got)
		}
	}
}
