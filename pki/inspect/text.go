package inspect

import (
	"io"
	"strings"
)

// Text renders d in the layout of openssl's -text -noout output.
func Text(d Document) string {
	buf := make([]byte, 0, textSize(d))
	for _, s := range d.Sections {
		for _, f := range s.Fields {
			buf, _ = f.appendLines(buf, nil)
		}
	}
	return string(buf)
}

// textBuffer is the buffer WriteText fills: the exact size of a
// certificate's text, which then goes out in one write, or room for one
// piece of a longer text.
func textBuffer(d Document) []byte {
	n := textSize(d)
	for _, s := range d.Sections {
		for _, f := range s.Fields {
			if f.entries != nil {
				n = flushAt
			}
		}
	}
	if n >= flushAt {
		n = flushAt + flushAt/4
	}
	return make([]byte, 0, n)
}

// textSize is the size of Text(d) when no field renders its lines late
// (a big CRL's entries), a lower bound otherwise.
func textSize(d Document) int {
	n := 0
	for _, s := range d.Sections {
		for _, f := range s.Fields {
			for _, l := range f.Lines {
				n += len(l) + 1
			}
		}
	}
	return n
}

// TextExplained is Text with, under each field, its explanation and any
// finding, indented a little deeper than the field and marked so they
// cannot be mistaken for openssl output.
func TextExplained(d Document) string {
	var b strings.Builder
	_ = WriteTextExplained(&b, d)
	return b.String()
}

// WriteTextExplained writes TextExplained(d) to w as WriteText writes
// Text(d): a big CRL's entries are rendered as they are written.
func WriteTextExplained(w io.Writer, d Document) error {
	buf := textBuffer(d)
	flush := func(b []byte) error {
		_, err := w.Write(b)
		return err
	}
	var err error
	for _, s := range d.Sections {
		for _, f := range s.Fields {
			ind := ""
			for l := range f.AllLines() {
				ind = l[:len(l)-len(strings.TrimLeft(l, " "))]
				break
			}
			ind += "    "
			if buf, err = f.appendLines(buf, flush); err != nil {
				return err
			}
			if f.Severity != "" && f.Severity != SeverityOK {
				buf = append(buf, ind+"!! "+strings.ToUpper(string(f.Severity))+": "+f.Finding+"\n"...)
			}
			if f.Explain != "" {
				buf = append(buf, ind+"-- "+f.Explain+"\n"...)
			}
		}
	}
	if d.Fingerprints != nil {
		buf = append(buf, "SHA256 Fingerprint="+d.Fingerprints.SHA256+"\n"...)
		buf = append(buf, "SHA1 Fingerprint="+d.Fingerprints.SHA1+"\n"...)
	}
	if len(buf) == 0 {
		return nil
	}
	return flush(buf)
}

// WriteText writes Text(d) to w without building it in memory: a
// certificate's text goes out in one write, the entries of a big CRL (55
// MB of text at 300,000 entries) are rendered from their DER and written
// in pieces of about 64 KB, each ending at a line's end.
func WriteText(w io.Writer, d Document) error {
	buf := textBuffer(d)
	flush := func(b []byte) error {
		_, err := w.Write(b)
		return err
	}
	var err error
	for _, s := range d.Sections {
		for _, f := range s.Fields {
			if buf, err = f.appendLines(buf, flush); err != nil {
				return err
			}
		}
	}
	if len(buf) == 0 {
		return nil
	}
	return flush(buf)
}
