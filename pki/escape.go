package pki

import (
	"crypto/x509/pkix"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// EscapeControl is the one escaping helper for everything pkibench shows:
// every control character (C0, DEL, C1) and every byte that is not UTF-8 is
// written \xHH, the way openssl's X509_NAME_oneline writes them, so a
// certificate field can never move the cursor, recolour the terminal or
// start a line of its own. Printable text (UTF-8 included) is unchanged.
func EscapeControl(s string) string {
	if !needsEscape(s, false) {
		return s
	}
	var b strings.Builder
	escapeTo(&b, s, false)
	return b.String()
}

// needsEscape reports whether s holds anything EscapeControl would change;
// keepLayout lets newlines and tabs through (pkibench's own output layout).
func needsEscape(s string, keepLayout bool) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if isC0orDEL(c) && !(keepLayout && (c == '\n' || c == '\t')) {
				return true
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 || r >= 0x80 && r <= 0x9f {
			return true
		}
		i += n
	}
	return false
}

func isC0orDEL(c byte) bool { return c < 0x20 || c == 0x7f }

func escapeTo(b *strings.Builder, s string, keepLayout bool) {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if isC0orDEL(c) && !(keepLayout && (c == '\n' || c == '\t')) {
				fmt.Fprintf(b, `\x%02X`, c)
			} else {
				b.WriteByte(c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 || r >= 0x80 && r <= 0x9f {
			// A C1 control is escaped byte by byte, as openssl does.
			for _, x := range []byte(s[i : i+n]) {
				fmt.Fprintf(b, `\x%02X`, x)
			}
		} else {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
}

// EscapeOneline escapes a name value exactly as openssl's X509_NAME_oneline
// (and so `openssl ca` in index.txt): every byte below 0x20 or above 0x7E
// becomes \xHH. The result is printable ASCII, so escaping it again changes
// nothing.
func EscapeOneline(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e {
			fmt.Fprintf(&b, `\x%02X`, c)
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// EscapeWriter passes pkibench's text output through EscapeControl, keeping
// only newlines and tabs (the output's own layout): whatever a certificate,
// CSR or file holds reaches a terminal or a pipe escaped. A C1 control split
// across two writes is not seen; every writer in pkibench writes whole
// values (fmt.Fprintf, tabwriter cells).
type EscapeWriter struct{ W io.Writer }

// Write escapes p and writes it; it reports len(p) on success.
func (e EscapeWriter) Write(p []byte) (int, error) {
	if plainLayout(p) {
		// Printable ASCII, newlines and tabs, the bulk of what is written
		// (55 MB of a big CRL's entries): checked without a copy.
		return e.W.Write(p)
	}
	s := string(p)
	if !needsEscape(s, true) {
		return e.W.Write(p)
	}
	var b strings.Builder
	escapeTo(&b, s, true)
	if _, err := io.WriteString(e.W, b.String()); err != nil {
		return 0, err
	}
	return len(p), nil
}

// ControlCharError refuses a name attribute that holds a control character:
// such a value would forge or break an index.txt line and reach terminals.
type ControlCharError struct {
	Attribute string // short name, e.g. "CN"
	Value     string // escaped
	Char      rune
}

func (e *ControlCharError) Error() string {
	return fmt.Sprintf("subject attribute %s = %q holds control character U+%04X: control characters (tab, newline, escape, DEL, C1) are not allowed in names",
		e.Attribute, e.Value, e.Char)
}

// CheckNameControl refuses a name with a control character or invalid UTF-8
// in any attribute, naming the attribute.
func CheckNameControl(n pkix.Name) error {
	for _, a := range nameAttrs(n) {
		v := fmt.Sprint(a.Value)
		for i, r := range v {
			bad := r < 0x20 || r >= 0x7f && r <= 0x9f
			if r == utf8.RuneError {
				if _, size := utf8.DecodeRuneInString(v[i:]); size == 1 {
					bad, r = true, rune(v[i])
				}
			}
			if bad {
				k, ok := oidShort[a.Type.String()]
				if !ok {
					k = a.Type.String()
				}
				return &ControlCharError{Attribute: k, Value: EscapeControl(v), Char: r}
			}
		}
	}
	return nil
}

// plainLayout reports whether p is printable ASCII, newlines and tabs only:
// nothing EscapeWriter changes.
func plainLayout(p []byte) bool {
	for _, c := range p {
		if (c < 0x20 && c != '\n' && c != '\t') || c >= 0x7f {
			return false
		}
	}
	return true
}
