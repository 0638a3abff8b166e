package inspect

import (
	"bytes"
	"encoding/json"
	"io"
	"slices"
)

// entriesMark stands in for the lines of a big CRL's entries while the
// rest of its document is marshalled; WriteJSON writes the lines there.
const entriesMark = "\x00pkibench:crl-entries\x00"

// WriteJSON writes exactly what json.MarshalIndent(d, prefix, indent)
// returns, but the lines of a big CRL's entries (80 MB of JSON at 300,000
// entries) are rendered from their DER and written as they are made, in
// pieces of about 64 KB. Every write ends at the end of a line of the
// JSON, never inside a string.
func (d Document) WriteJSON(w io.Writer, prefix, indent string) error {
	si, fi := -1, -1
	for i, s := range d.Sections {
		for j, f := range s.Fields {
			if f.entries != nil {
				si, fi = i, j
			}
		}
	}
	if si < 0 {
		b, err := json.MarshalIndent(d, prefix, indent)
		if err != nil {
			return err
		}
		_, err = w.Write(b)
		return err
	}
	// The document with one stand-in line for the entries, copied so d's
	// sections are left as they are.
	entries := d.Sections[si].Fields[fi].entries.der
	d.Sections = slices.Clone(d.Sections)
	d.Sections[si].Fields = slices.Clone(d.Sections[si].Fields)
	d.Sections[si].Fields[fi].entries = nil
	d.Sections[si].Fields[fi].Lines = []string{entriesMark}
	b, err := json.MarshalIndent(d, prefix, indent)
	if err != nil {
		return err
	}
	mark, _ := json.Marshal(entriesMark)
	at := bytes.Index(b, mark)
	lineAt := bytes.LastIndexByte(b[:at], '\n') + 1
	ws := b[lineAt:at]
	head, tail := b[:lineAt], b[at+len(mark):]
	buf := make([]byte, 0, flushAt+flushAt/4)
	n := 0
	_, err = appendEntryLines(nil, entries, func(text []byte) error {
		for len(text) > 0 {
			i := bytes.IndexByte(text, '\n')
			if n == 0 {
				// The head goes out once there is a line to follow it.
				if _, err := w.Write(head); err != nil {
					return err
				}
			} else {
				buf = append(buf, ",\n"...)
			}
			if len(buf) >= flushAt {
				if _, err := w.Write(buf); err != nil {
					return err
				}
				buf = buf[:0]
			}
			buf = append(buf, ws...)
			buf = appendJSONString(buf, text[:i])
			text = text[i+1:]
			n++
		}
		return nil
	}, 1)
	if err != nil {
		return err
	}
	if n == 0 {
		// No entry read: an empty array, as MarshalIndent writes it.
		head = bytes.TrimRight(head, " \t\n")
		tail = tail[bytes.IndexByte(tail, ']'):]
		buf = append(head, tail...)
	} else {
		buf = append(buf, tail...)
	}
	_, err = w.Write(buf)
	return err
}

// appendJSONString appends s as encoding/json writes a string: plain
// printable ASCII as is, anything else (quotes, backslashes, the HTML
// characters it escapes, controls, non-ASCII) through json.Marshal itself.
func appendJSONString(dst, s []byte) []byte {
	for _, c := range s {
		if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(string(s))
			return append(dst, q...)
		}
	}
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"')
}
