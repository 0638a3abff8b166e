package main

import (
	"encoding/json"
	"time"

	"github.com/pkibench/pkibench/store"
)

// printCertsJSON prints `list --json` byte for byte as printJSON prints the
// slice (TestCertsJSONIsPrintJSON), with the keys written by hand instead of
// by reflection, marshalling, compacting and indenting each certificate:
// that was 80 % of `list --json` of 100,000 certificates. Strings that
// encoding/json would escape and every time still go through its encoders.
func printCertsJSON(a *app, certs []store.Cert) error {
	if len(certs) == 0 {
		return a.printJSON([]store.Cert{})
	}
	w := a.rawOut()
	b := make([]byte, 0, 64<<10)
	b = append(b, "[\n"...)
	for i, c := range certs {
		var err error
		if b, err = appendCertJSON(b, c); err != nil {
			return err
		}
		if i < len(certs)-1 {
			b = append(b, ',')
		}
		b = append(b, '\n')
		if len(b) >= 60<<10 || i == len(certs)-1 {
			if i == len(certs)-1 {
				b = append(b, "]\n"...)
			}
			// Chunks end between elements, so no string is cut.
			if _, err := w.Write(jsonEscapeControls(b)); err != nil {
				return err
			}
			b = b[:0]
		}
	}
	return nil
}

// appendCertJSON is one element of the list at the indentation printJSON
// gives it, keys in store.Cert's order with revoked_at last (its
// MarshalJSON).
func appendCertJSON(b []byte, c store.Cert) ([]byte, error) {
	var err error
	field := func(key string, last bool, value func([]byte) ([]byte, error)) {
		if err != nil {
			return
		}
		b = append(append(append(b, "    \""...), key...), "\": "...)
		if b, err = value(b); err == nil && !last {
			b = append(b, ",\n"...)
		}
	}
	str := func(s string) func([]byte) ([]byte, error) {
		return func(b []byte) ([]byte, error) { return appendJSONString(b, s) }
	}
	tm := func(t time.Time) func([]byte) ([]byte, error) {
		return func(b []byte) ([]byte, error) {
			v, err := t.MarshalJSON()
			return append(b, v...), err
		}
	}
	b = append(b, "  {\n"...)
	field("name", false, str(c.Name))
	field("ca", false, str(c.CA))
	field("serial", false, str(c.Serial))
	field("subject", false, str(c.Subject))
	field("not_after", false, tm(c.NotAfter))
	field("status", false, str(string(c.Status)))
	field("profile", false, str(c.Profile))
	field("reason", false, str(c.Reason))
	field("kind", false, str(c.Kind))
	field("dir", false, str(c.Dir))
	field("note", false, str(c.Note))
	if c.RevokedAt.IsZero() {
		field("revoked_at", true, func(b []byte) ([]byte, error) { return append(b, "null"...), nil })
	} else {
		field("revoked_at", true, tm(c.RevokedAt))
	}
	return append(b, "\n  }"...), err
}

// appendJSONString writes s as encoding/json does: plain printable ASCII
// as it is, anything it would escape (quotes, backslash, controls, <, >,
// &, non-ASCII) through encoding/json itself.
func appendJSONString(b []byte, s string) ([]byte, error) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			v, err := json.Marshal(s)
			return append(b, v...), err
		}
	}
	return append(append(append(b, '"'), s...), '"'), nil
}
