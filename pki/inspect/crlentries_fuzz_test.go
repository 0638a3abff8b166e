package inspect

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/pkibench/pkibench/pki/testtool"
)

// FuzzCRLEntries feeds arbitrary bytes to the entries renderer as the
// content of revokedCertificates. Whatever it is given, the per-entry
// fields (up to maxEntryFields), the lines rendered late (AllLines, the
// text written in pieces) and the JSON "lines" (streamed by WriteJSON,
// and as json.MarshalIndent writes them) must agree, and nothing panics.
// go test -run x -fuzz FuzzCRLEntries -fuzztime 30s ./pki/inspect
func FuzzCRLEntries(f *testing.F) {
	reason := derSeq(testtool.DER(0x06, []byte{0x55, 0x1d, 0x15}), testtool.DER(0x04, []byte{0x0a, 0x01, 0x01}))
	good := func(i int) []byte {
		return derSeq(testtool.DER(0x02, []byte{byte(i + 1)}), testtool.DER(0x17, []byte("260601120000Z")), derSeq(reason))
	}
	var seed []byte
	for i := range 4 {
		seed = append(seed, good(i)...)
	}
	f.Add(seed)
	f.Add(append(slices.Clone(seed), 0x30, 0x20, 0x02, 0x10, 0x01))
	f.Add(derSeq(testtool.DER(0x02, []byte{0xff, 0x01}), testtool.DER(0x18, []byte("20491231235959Z"))))
	f.Add(derSeq(testtool.DER(0x02, []byte{1}), testtool.DER(0x17, []byte("26X601120000Z")),
		derSeq(derSeq(testtool.DER(0x06, []byte{0x55, 0x1d, 0x1d}), testtool.DER(0x04, derSeq(testtool.DER(0x82, []byte("a\u0085b\x1b[1m\xff"))))))))
	f.Fuzz(func(t *testing.T, der []byte) {
		text, err := appendEntryLines(nil, der, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		if len(text) > 0 {
			if text[len(text)-1] != '\n' {
				t.Fatalf("rendered text does not end a line: %q", text)
			}
			want = strings.Split(string(text[:len(text)-1]), "\n")
		}
		n := 0
		eachTLV(der, func(tlv) { n++ })
		var small []string
		for _, fl := range entryFields(der, n) {
			small = append(small, fl.Lines...)
		}
		if !slices.Equal(small, want) {
			t.Fatalf("per-entry fields' lines differ from the entries' text:\n%q\n%q", small, want)
		}
		late := Field{Label: "Revoked Certificates (entries)", Path: "crl.revoked.entries", Severity: SeverityOK, entries: &lateEntries{der}}
		if got := slices.Collect(late.AllLines()); !slices.Equal(got, want) {
			t.Fatalf("AllLines differs from the entries' text:\n%q\n%q", got, want)
		}
		// Written in pieces at line ends, the text is the same.
		var pieces bytes.Buffer
		if _, err := appendEntryLines(nil, der, func(b []byte) error {
			if len(b) > 0 && b[len(b)-1] != '\n' {
				t.Fatalf("a piece does not end a line: %q", b)
			}
			pieces.Write(b)
			return nil
		}, 1); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(pieces.Bytes(), text) {
			t.Fatal("text written in pieces differs")
		}
		d := Document{Kind: "crl", Sections: []Section{{Title: "Revoked Certificates", Fields: []Field{late}}}}
		var streamed bytes.Buffer
		if err := d.WriteJSON(&streamed, "", "  "); err != nil {
			t.Fatal(err)
		}
		whole, err := json.MarshalIndent(d, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(streamed.Bytes(), whole) {
			t.Fatalf("WriteJSON differs from json.MarshalIndent:\n%s\n%s", streamed.Bytes(), whole)
		}
		var doc struct {
			Sections []struct {
				Fields []struct {
					Lines []string `json:"lines"`
				} `json:"fields"`
			} `json:"sections"`
		}
		if err := json.Unmarshal(streamed.Bytes(), &doc); err != nil {
			t.Fatalf("WriteJSON is not JSON: %v", err)
		}
		got := doc.Sections[0].Fields[0].Lines
		if len(got) != len(want) {
			t.Fatalf("JSON has %d lines, the text %d", len(got), len(want))
		}
		for i, l := range want {
			// JSON holds each line as encoding/json spells it (invalid
			// UTF-8 as U+FFFD).
			var exp string
			q, _ := json.Marshal(l)
			_ = json.Unmarshal(q, &exp)
			if got[i] != exp {
				t.Fatalf("JSON line %d = %q, text %q", i, got[i], l)
			}
		}
	})
}
