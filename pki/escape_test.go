package pki

import (
	"bytes"
	"crypto/x509/pkix"
	"errors"
	"testing"
)

func TestEscapeControl(t *testing.T) {
	cases := []struct{ in, want string }{
		{"plain é 日本", "plain é 日本"},
		{"a\nb\tc", `a\x0Ab\x09c`},
		{"\x1b[31mred", `\x1B[31mred`},
		{"del\x7f", `del\x7F`},
		{"c1\u0085\u009b", `c1\xC2\x85\xC2\x9B`},
		{"bad\xffutf8", `bad\xFFutf8`},
		{"\x00", `\x00`},
	}
	for _, c := range cases {
		if got := EscapeControl(c.in); got != c.want {
			t.Errorf("EscapeControl(%q) = %q, want %q", c.in, got, c.want)
		}
		if got := EscapeControl(EscapeControl(c.in)); got != c.want {
			t.Errorf("EscapeControl is not idempotent on %q: %q", c.in, got)
		}
	}
}

// The writer keeps pkibench's own layout (newlines, tabs) and escapes the rest.
func TestEscapeWriter(t *testing.T) {
	var b bytes.Buffer
	w := EscapeWriter{W: &b}
	n, err := w.Write([]byte("subject: CN=\x1b[2J\u009b31m\r\tok\n"))
	if err != nil || n != len("subject: CN=\x1b[2J\u009b31m\r\tok\n") {
		t.Fatalf("write: %d %v", n, err)
	}
	if want := "subject: CN=\\x1B[2J\\xC2\\x9B31m\\x0D\tok\n"; b.String() != want {
		t.Errorf("wrote %q, want %q", b.String(), want)
	}
}

func TestFormatNameEscapesControls(t *testing.T) {
	n := pkix.Name{CommonName: "a\x1b[31m\nb"}
	if got, want := FormatName(n), `CN = a\x1B[31m\x0Ab`; got != want {
		t.Errorf("FormatName = %q, want %q", got, want)
	}
	var cc *ControlCharError
	if err := CheckNameControl(n); !errors.As(err, &cc) || cc.Attribute != "CN" || cc.Char != 0x1b {
		t.Errorf("CheckNameControl: %v", err)
	}
	if err := CheckNameControl(pkix.Name{CommonName: "fine é"}); err != nil {
		t.Errorf("CheckNameControl refused a clean name: %v", err)
	}
}
