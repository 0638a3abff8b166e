package inspect

import (
	"bytes"
	"encoding/json"
	"math/big"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pkibench/pkibench/pki"
	"github.com/pkibench/pkibench/pki/testtool"
)

// entriesCRL is the DER of a CRL with n entries: serials of one to
// nineteen bytes (some with a leading zero nibble, some long enough for
// openssl's backslash break), every reason, two revocation times.
func entriesCRL(t *testing.T, n int) []byte {
	t.Helper()
	ca := newTestCA(t, "Entries CA")
	rev := make([]pki.Revocation, n)
	for i := range rev {
		serial := new(big.Int).Lsh(big.NewInt(int64(i+1)), uint(i%150))
		rev[i] = pki.Revocation{Serial: serial, Time: testNow.Add(-time.Duration(i%2) * time.Hour), Reason: pki.Reason(i % 6)}
	}
	der, err := pki.CreateCRL(pki.CRLRequest{Number: big.NewInt(7), ThisUpdate: testNow, NextUpdate: testNow.AddDate(0, 0, 7), Revoked: rev}, ca.cert, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// crlDocument is the document of a DER CRL, as inspect prints it.
func crlDocument(t *testing.T, der []byte) Document {
	t.Helper()
	docs, err := Inspect(der, "entries.crl", testNow)
	if err != nil || len(docs) != 1 {
		t.Fatalf("Inspect: %v (%d documents)", err, len(docs))
	}
	return docs[0]
}

// TestBigCRLEntriesStream checks the entries of a CRL above
// maxEntryFields, which are rendered from their DER as they are written:
// Text and WriteText print what openssl prints, byte for byte, and
// AllLines and the JSON "lines" hold exactly those lines.
func TestBigCRLEntriesStream(t *testing.T) {
	tool := testtool.Require(t, "openssl")
	der := entriesCRL(t, maxEntryFields+1)
	d := crlDocument(t, der)
	f, ok := d.Field("crl.revoked.entries")
	if !ok || f.Lines != nil || f.entries == nil || f.Value != "10001" {
		t.Fatalf("crl.revoked.entries = %+v, %v; want one field rendered late, value 10001", f.Label, ok)
	}
	want := runOpenSSL(t, tool, der, "crl", "-inform", "DER", "-text", "-noout")
	if got := Text(d); got != want {
		_, _, missing, extra := lineParity(got, want)
		t.Fatalf("Text differs from openssl crl -text: missing %.5q, extra %.5q", missing, extra)
	}
	// WriteText in pieces, each ending at a line's end.
	var w pieces
	if err := WriteText(&w, d); err != nil {
		t.Fatal(err)
	}
	if w.String() != want {
		t.Fatal("WriteText differs from Text")
	}
	if w.writes < 10 {
		t.Errorf("WriteText wrote %d pieces; want the entries streamed in pieces of about 64 KB", w.writes)
	}
	for i, p := range w.each {
		if !strings.HasSuffix(p, "\n") {
			t.Fatalf("write %d does not end at a line's end: ...%q", i, p[max(0, len(p)-20):])
		}
	}
	// The explained view is the same text with marked lines between.
	var ex pieces
	if err := WriteTextExplained(&ex, d); err != nil {
		t.Fatal(err)
	}
	var kept []string
	for _, l := range strings.SplitAfter(ex.String(), "\n") {
		if t := strings.TrimLeft(l, " "); !strings.HasPrefix(t, "-- ") && !strings.HasPrefix(t, "!! ") && !strings.Contains(l, " Fingerprint=") {
			kept = append(kept, l)
		}
	}
	if strings.Join(kept, "") != want || ex.writes < 10 || ex.String() != TextExplained(d) {
		t.Errorf("WriteTextExplained (%d writes) is not openssl's text with explanations between", ex.writes)
	}
	lines := slices.Collect(f.AllLines())
	if got := strings.Join(lines, "\n") + "\n"; !strings.Contains(want, got) {
		t.Fatal("AllLines is not openssl's text of the entries")
	}
	if n := strings.Count(want, "Serial Number:"); n != maxEntryFields+1 {
		t.Fatalf("openssl printed %d entries", n)
	}
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	var back Field
	if err := json.Unmarshal(b, &back); err != nil || !slices.Equal(back.Lines, lines) {
		t.Fatalf("JSON lines of the entries: %v, %d lines, want %d", err, len(back.Lines), len(lines))
	}
	// At the limit, one field per entry, the text is the same as openssl's.
	atLimit := entriesCRL(t, maxEntryFields)
	small := crlDocument(t, atLimit)
	if _, ok := small.Field("crl.revoked.9999"); !ok {
		t.Fatal("a CRL of maxEntryFields entries has no field per entry")
	}
	if got, want := Text(small), runOpenSSL(t, tool, atLimit, "crl", "-inform", "DER", "-text", "-noout"); got != want {
		_, _, missing, extra := lineParity(got, want)
		t.Fatalf("per-entry Text differs from openssl: missing %.5q, extra %.5q", missing, extra)
	}
}

// pieces records every write.
type pieces struct {
	bytes.Buffer
	writes int
	each   []string
}

func (p *pieces) Write(b []byte) (int, error) {
	p.writes++
	p.each = append(p.each, string(b))
	return p.Buffer.Write(b)
}

// TestWriteJSONStreams checks that Document.WriteJSON writes what
// json.MarshalIndent writes, for a big CRL whose entries it streams (at
// the top level and nested in a bigger value's indentation) and for a
// document without such a field, and that it writes in pieces.
func TestWriteJSONStreams(t *testing.T) {
	big := crlDocument(t, entriesCRL(t, maxEntryFields+1))
	if len(big.PEM) <= flushAt {
		t.Fatalf("the big CRL's PEM is %d bytes; want more than %d, written a line at a time", len(big.PEM), flushAt)
	}
	noPEM := big
	noPEM.PEM = ""
	c := buildCorpus(t)
	cert := FromCertificate(c.certs[0], testNow)
	for _, tc := range []struct {
		name           string
		d              Document
		prefix, indent string
		minWrites      int
	}{
		{"big CRL", big, "", "  ", 10},
		{"big CRL nested", big, "    ", "  ", 10},
		{"big CRL without PEM", noPEM, "    ", "  ", 10},
		{"certificate", cert, "    ", "  ", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want, err := json.MarshalIndent(tc.d, tc.prefix, tc.indent)
			if err != nil {
				t.Fatal(err)
			}
			var w pieces
			if err := tc.d.WriteJSON(&w, tc.prefix, tc.indent); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(w.Bytes(), want) {
				_, _, missing, extra := lineParity(w.String(), string(want))
				t.Fatalf("WriteJSON differs from MarshalIndent: missing %.5q, extra %.5q", missing, extra)
			}
			if w.writes < tc.minWrites {
				t.Errorf("%d writes, want at least %d", w.writes, tc.minWrites)
			}
			// Pieces end at a line's end, after a whole string, or in the
			// PEM after an escaped newline: never inside a character or an
			// escape.
			for i, p := range w.each[:len(w.each)-1] {
				if !strings.HasSuffix(p, "\n") && !strings.HasSuffix(p, `"`) && !strings.HasSuffix(p, `\n`) {
					t.Fatalf("write %d ends inside a line: ...%q", i, p[max(0, len(p)-20):])
				}
			}
		})
	}
	if _, ok := big.Field("crl.revoked.entries"); !ok || big.Sections[len(big.Sections)-2].Fields[1].entries == nil {
		t.Fatal("WriteJSON changed the document it wrote")
	}
}
