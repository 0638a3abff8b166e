package inspect

import (
	"bytes"
	"encoding/json"
	"io"
	"slices"
	"strings"
)

// entriesMark and pemMark stand in for the lines of a big CRL's entries
// and for a big PEM while the rest of a document is marshalled; WriteJSON
// writes the real values there.
const (
	entriesMark = "\x00pkibench:crl-entries\x00"
	pemMark     = "\x00pkibench:pem\x00"
)

// WriteJSON writes exactly what json.MarshalIndent(d, prefix, indent)
// returns, but the lines of a big CRL's entries (80 MB of JSON at 300,000
// entries) are rendered from their DER as they are written, and a PEM of
// more than 64 KB is written a line at a time, in pieces of about 64 KB.
// A write never ends inside a UTF-8 sequence or an escape (a writer that
// rewrites characters may take each write on its own).
func (d Document) WriteJSON(w io.Writer, prefix, indent string) error {
	si, fi := -1, -1
	for i, s := range d.Sections {
		for j, f := range s.Fields {
			if f.entries != nil {
				si, fi = i, j
			}
		}
	}
	pem := d.PEM
	bigPEM := len(pem) > flushAt
	var entries []byte
	if si >= 0 {
		// One stand-in line for the entries, in copies so d's sections
		// are left as they are.
		entries = d.Sections[si].Fields[fi].entries.der
		d.Sections = slices.Clone(d.Sections)
		d.Sections[si].Fields = slices.Clone(d.Sections[si].Fields)
		d.Sections[si].Fields[fi].entries = nil
		d.Sections[si].Fields[fi].Lines = []string{entriesMark}
	}
	if bigPEM {
		d.PEM = pemMark
	}
	b, err := json.MarshalIndent(d, prefix, indent)
	if err != nil {
		return err
	}
	pw := pieceWriter{w: w}
	rest := b
	if si >= 0 {
		// The marshalled stand-in is one line, `<ws>"<mark>"`, of the
		// "lines" array; the real lines take its place.
		mark, _ := json.Marshal(entriesMark)
		at := bytes.Index(rest, mark)
		lineAt := bytes.LastIndexByte(rest[:at], '\n') + 1
		head, ws := rest[:lineAt], rest[lineAt:at]
		rest = rest[at+len(mark):]
		n := 0
		_, err = appendEntryLines(nil, entries, func(text []byte) error {
			for len(text) > 0 {
				i := bytes.IndexByte(text, '\n')
				if n == 0 {
					pw.add(head)
				} else {
					pw.add([]byte(",\n"))
				}
				pw.add(ws)
				pw.buf = appendJSONString(pw.buf, text[:i])
				text = text[i+1:]
				n++
			}
			return pw.flushFull()
		}, 1)
		if err != nil {
			return err
		}
		if n == 0 {
			// No entry read: an empty array, `[]`, as MarshalIndent
			// writes it.
			pw.add(bytes.TrimRight(head, " \t\n"))
			rest = rest[bytes.IndexByte(rest, ']'):]
		}
	}
	if bigPEM {
		mark, _ := json.Marshal(pemMark)
		at := bytes.Index(rest, mark)
		pw.add(rest[:at])
		pw.add([]byte{'"'})
		for line := range strings.SplitAfterSeq(pem, "\n") {
			q, _ := json.Marshal(line)
			pw.add(q[1 : len(q)-1])
			if err := pw.flushFull(); err != nil {
				return err
			}
		}
		pw.add([]byte{'"'})
		rest = rest[at+len(mark):]
	}
	pw.add(rest)
	return pw.flush()
}

// pieceWriter gathers output and writes it in pieces of about flushAt.
type pieceWriter struct {
	w   io.Writer
	buf []byte
}

func (p *pieceWriter) add(b []byte) {
	if p.buf == nil {
		p.buf = make([]byte, 0, flushAt+flushAt/4)
	}
	p.buf = append(p.buf, b...)
}

// flushFull writes the buffer out once it holds flushAt bytes.
func (p *pieceWriter) flushFull() error {
	if len(p.buf) < flushAt {
		return nil
	}
	return p.flush()
}

func (p *pieceWriter) flush() error {
	if len(p.buf) == 0 {
		return nil
	}
	_, err := p.w.Write(p.buf)
	p.buf = p.buf[:0]
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
