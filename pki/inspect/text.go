package inspect

import (
	"bufio"
	"io"
	"strings"
)

// Text renders d in the layout of openssl's -text -noout output.
func Text(d Document) string {
	var b strings.Builder
	n := 0
	for _, s := range d.Sections {
		for _, f := range s.Fields {
			for _, l := range f.Lines {
				n += len(l) + 1
			}
		}
	}
	b.Grow(n)
	for _, s := range d.Sections {
		for _, f := range s.Fields {
			for _, l := range f.Lines {
				b.WriteString(l)
				b.WriteByte('\n')
			}
		}
	}
	return b.String()
}

// TextExplained is Text with, under each field, its explanation and any
// finding, indented a little deeper than the field and marked so they
// cannot be mistaken for openssl output.
func TextExplained(d Document) string {
	var b strings.Builder
	for _, s := range d.Sections {
		for _, f := range s.Fields {
			for _, l := range f.Lines {
				b.WriteString(l)
				b.WriteByte('\n')
			}
			ind := "    "
			if len(f.Lines) > 0 {
				first := f.Lines[0]
				ind = first[:len(first)-len(strings.TrimLeft(first, " "))] + "    "
			}
			if f.Severity != "" && f.Severity != SeverityOK {
				b.WriteString(ind + "!! " + strings.ToUpper(string(f.Severity)) + ": " + f.Finding + "\n")
			}
			if f.Explain != "" {
				b.WriteString(ind + "-- " + f.Explain + "\n")
			}
		}
	}
	if d.Fingerprints != nil {
		b.WriteString("SHA256 Fingerprint=" + d.Fingerprints.SHA256 + "\n")
		b.WriteString("SHA1 Fingerprint=" + d.Fingerprints.SHA1 + "\n")
	}
	return b.String()
}

// WriteText writes Text(d) to w without building it in memory first: the
// text of a CRL with 300,000 entries is tens of megabytes.
func WriteText(w io.Writer, d Document) error {
	n := 0
	for _, s := range d.Sections {
		for _, f := range s.Fields {
			for _, l := range f.Lines {
				n += len(l) + 1
			}
		}
	}
	if n <= 64<<10 {
		// A certificate's text: one exact buffer, one write.
		buf := make([]byte, 0, n)
		for _, s := range d.Sections {
			for _, f := range s.Fields {
				for _, l := range f.Lines {
					buf = append(append(buf, l...), '\n')
				}
			}
		}
		_, err := w.Write(buf)
		return err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	for _, s := range d.Sections {
		for _, f := range s.Fields {
			for _, l := range f.Lines {
				bw.WriteString(l)
				bw.WriteByte('\n')
			}
		}
	}
	return bw.Flush()
}
