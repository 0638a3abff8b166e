// Package inspect turns certificates, CSRs, CRLs and keys into a Document:
// ordered sections of fields, each with the exact lines openssl's -text
// output shows for it, a one-line explanation for newcomers and a severity.
// Text renders a Document in openssl's layout; the TUI styles the same
// lines; --json marshals the Document itself.
package inspect

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"iter"
	"slices"
	"strings"
)

// Severity grades a field for the reader.
type Severity string

const (
	SeverityOK      Severity = "ok"
	SeverityNote    Severity = "note"
	SeverityWarning Severity = "warning"
	SeverityProblem Severity = "problem"
)

// rank orders severities so the worst can be picked.
func (s Severity) rank() int {
	switch s {
	case SeverityNote:
		return 1
	case SeverityWarning:
		return 2
	case SeverityProblem:
		return 3
	}
	return 0
}

// Worse reports whether s is more serious than o.
func (s Severity) Worse(o Severity) bool { return s.rank() > o.rank() }

// Field is one item of a Document: what openssl prints for it and what it
// means.
type Field struct {
	Label string `json:"label"`
	// Value is the field's value as text; it may span several lines.
	Value string `json:"value"`
	// Lines are the exact openssl -text lines, with their indentation.
	Lines    []string `json:"lines"`
	Explain  string   `json:"explain"`
	Severity Severity `json:"severity"`
	// Finding says what is wrong when Severity is not ok.
	Finding string `json:"finding"`
	// Path is a stable id, e.g. "validity.not_after" or "ext.subject_alt_name".
	Path string `json:"path"`
	// entries, set only on a big CRL's crl.revoked.entries, stands in for
	// Lines (then nil): the DER of the CRL's entries, rendered line by line
	// as they are written. Read a field's lines with AllLines. A pointer:
	// every field of every document carries it.
	entries *lateEntries
}

// lateEntries is the DER of a CRL's revokedCertificates (its content).
type lateEntries struct{ der []byte }

// AllLines yields the field's lines: Lines, or for the entries of a big
// CRL their lines rendered one entry at a time.
func (f Field) AllLines() iter.Seq[string] {
	return func(yield func(string) bool) {
		if f.entries == nil {
			for _, l := range f.Lines {
				if !yield(l) {
					return
				}
			}
			return
		}
		stop := errors.New("stop")
		_, _ = appendEntryLines(nil, f.entries.der, func(buf []byte) error {
			for len(buf) > 0 {
				i := bytes.IndexByte(buf, '\n')
				if !yield(string(buf[:i])) {
					return stop
				}
				buf = buf[i+1:]
			}
			return nil
		}, 1)
	}
}

// appendLines appends the field's lines, each with its newline, to buf;
// see appendEntryLines for flush.
func (f Field) appendLines(buf []byte, flush func([]byte) error) ([]byte, error) {
	if f.entries != nil {
		return appendEntryLines(buf, f.entries.der, flush, flushAt)
	}
	for _, l := range f.Lines {
		buf = append(append(buf, l...), '\n')
	}
	if flush != nil && len(buf) >= flushAt {
		err := flush(buf)
		return buf[:0], err
	}
	return buf, nil
}

// MarshalJSON writes the field with "lines" always an array, the lines of
// a big CRL's entries rendered into it.
func (f Field) MarshalJSON() ([]byte, error) {
	type plain Field
	p := plain(f)
	if f.entries != nil {
		p.Lines = slices.Collect(f.AllLines())
	}
	if p.Lines == nil {
		p.Lines = []string{}
	}
	return json.Marshal(p)
}

// Section groups fields the way openssl's output does (data, validity,
// public key, extensions, signature).
type Section struct {
	Title  string  `json:"title"`
	Fields []Field `json:"fields"`
}

// Fingerprints are digests of the DER, in openssl's colon form.
type Fingerprints struct {
	SHA256 string `json:"sha256"`
	SHA1   string `json:"sha1"`
}

// Finding is one note, warning or problem, pointing at its field.
type Finding struct {
	Severity Severity `json:"severity"`
	Path     string   `json:"path"`
	Message  string   `json:"message"`
	// Source is who found it: "" for pkibench's own checks, "zlint" for
	// a linter result added with AddFindings.
	Source string `json:"source"`
}

// Document is one inspected object. Kind is "certificate", "csr", "crl",
// "private-key", "public-key", or for objects that stay closed without a
// password "encrypted-private-key" / "pkcs12". Title names it in one line
// (e.g. "Certificate CN = localhost").
type Document struct {
	Kind         string        `json:"kind"`
	Title        string        `json:"title"`
	Sections     []Section     `json:"sections"`
	Fingerprints *Fingerprints `json:"fingerprints"` // null for keys held in memory only
	PEM          string        `json:"pem"`          // "" unless asked for
	// Data is the typed form of a certificate, CSR or CRL (null for keys).
	Data *Data `json:"data"`
	// FindingList is Findings(), for JSON readers.
	FindingList []Finding `json:"findings"`
	// extra are findings from outside (a linter), after the fields' own.
	extra []Finding
	// der is the object's DER, for callers that run more checks on it.
	der []byte
}

// AddFindings appends findings made outside this package (a linter's).
func (d *Document) AddFindings(fs ...Finding) { d.extra = append(d.extra, fs...) }

// DER is the encoding of the inspected certificate, CSR or CRL (nil for
// keys and opaque objects).
func (d Document) DER() []byte { return d.der }

// MarshalJSON writes the document with its findings listed under
// "findings" (always an array), computed from the fields as written.
func (d Document) MarshalJSON() ([]byte, error) {
	type plain Document
	p := plain(d)
	p.FindingList = d.Findings()
	if p.FindingList == nil {
		p.FindingList = []Finding{}
	}
	return json.Marshal(p)
}

// Findings lists every field whose severity is not ok, in document order.
func (d Document) Findings() []Finding {
	var out []Finding
	for _, s := range d.Sections {
		for _, f := range s.Fields {
			if f.Severity != "" && f.Severity != SeverityOK {
				out = append(out, Finding{Severity: f.Severity, Path: f.Path, Message: f.Finding})
			}
		}
	}
	return append(out, d.extra...)
}

// Worst is the most serious severity in the document.
func (d Document) Worst() Severity {
	w := SeverityOK
	for _, f := range d.Findings() {
		if f.Severity.Worse(w) {
			w = f.Severity
		}
	}
	return w
}

// Field returns the field with the given path.
func (d Document) Field(path string) (Field, bool) {
	for _, s := range d.Sections {
		for _, f := range s.Fields {
			if f.Path == path {
				return f, true
			}
		}
	}
	return Field{}, false
}

// flag raises the severity of the field at path (keeping the worst) and
// adds the finding text.
func (d *Document) flag(path string, sev Severity, msg string) {
	for si := range d.Sections {
		for fi := range d.Sections[si].Fields {
			f := &d.Sections[si].Fields[fi]
			if f.Path != path {
				continue
			}
			if sev.Worse(f.Severity) {
				f.Severity = sev
			}
			if f.Finding == "" {
				f.Finding = msg
			} else {
				f.Finding += "; " + msg
			}
			return
		}
	}
}

func fingerprints(der []byte) *Fingerprints {
	s256 := sha256.Sum256(der)
	s1 := sha1.Sum(der)
	return &Fingerprints{SHA256: hexColon(s256[:], true), SHA1: hexColon(s1[:], true)}
}

func pemOf(label string, der []byte) string {
	// Sized up front: EncodeToMemory's doubling buffer costs six times a
	// big CRL's size in garbage.
	n := base64.StdEncoding.EncodedLen(len(der))
	var b strings.Builder
	b.Grow(n + n/64 + 2*len(label) + 40)
	_ = pem.Encode(&b, &pem.Block{Type: label, Bytes: der})
	return b.String()
}

// field builds a Field from printed text.
func field(path, label, value, printed, explain string) Field {
	return Field{Label: label, Value: value, Lines: splitLines(printed), Explain: explain, Severity: SeverityOK, Path: path}
}

// valueOf is the printed text without its indentation, as a value.
func valueOf(printed string) string {
	lines := splitLines(printed)
	for i, l := range lines {
		lines[i] = strings.TrimLeft(l, " ")
	}
	return strings.Join(lines, "\n")
}
