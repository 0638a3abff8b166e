package store

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/pkibench/pkibench/pki"
)

// FuzzIndexLine: no input makes the index parser panic, and every entry it
// accepts formats back to a line that parses to the same six fields.
func FuzzIndexLine(f *testing.F) {
	f.Add([]byte("V\t270101000000Z\t\t0A1B\tcerts/web\t/CN=web\n"))
	f.Add([]byte("R\t20991231235959Z\t250101000000Z,keyCompromise\t01\tunknown\t/O=\\xC3\\xA9/CN=x\n"))
	f.Add([]byte("E\t491231235959Z\t\tab\tcas/sub\t/CN=a\\/b\nV\t500101000000Z"))
	f.Add([]byte("R\t270101000000Z\t250101000000Z\t00\tcerts/x\t\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		es, _, err := ParseIndex(data, "index.txt")
		if err != nil {
			return
		}
		for _, e := range es {
			line := e.Line()
			if strings.Count(line, "\n") != 1 || strings.Count(line, "\t") != 5 {
				t.Fatalf("entry %+v formats as %q", e, line)
			}
			again, torn, err := ParseIndex([]byte(line), "index.txt")
			if err != nil || torn || len(again) != 1 {
				t.Fatalf("%q does not parse back: %v", line, err)
			}
			sameFields(t, e, again[0])
		}
	})
}

// FuzzIndexRoundTrip: any subject a certificate can carry (any attribute
// values, control characters and invalid UTF-8 included) and any serial
// give one index line that parses back to the same six fields.
func FuzzIndexRoundTrip(f *testing.F) {
	f.Add("web", "ABC Inc.", []byte{1}, int64(0), uint8(0))
	f.Add(forgedCN, "a\tb", []byte{0x7f, 0xff}, int64(1), uint8(1))
	f.Add("é\u0085\x00", "\\x0A/", []byte{0}, int64(-5), uint8(6))
	f.Fuzz(func(t *testing.T, cn, org string, serial []byte, days int64, reason uint8) {
		if len(serial) > 20 {
			serial = serial[:20]
		}
		name := pkix.Name{Names: []pkix.AttributeTypeAndValue{
			{Type: asn1.ObjectIdentifier{2, 5, 4, 10}, Value: org},
			{Type: asn1.ObjectIdentifier{2, 5, 4, 3}, Value: cn},
		}}
		notAfter := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(days%(60*365)) * 24 * time.Hour)
		cert := &x509.Certificate{Subject: name, SerialNumber: new(big.Int).SetBytes(serial), NotAfter: notAfter}
		e := entryFor(cert, "certs/x")
		if reason%2 == 1 {
			// The reasons revoke accepts, and none (an index openssl wrote).
			codes := []int{0, 1, 2, 3, 4, 5, 6, 9, 10, -1}
			e.Flag, e.RevokedAt = 'R', notAfter.Add(-time.Hour)
			if c := codes[int(reason/2)%len(codes)]; c >= 0 {
				e.Reason, e.HasReason = pki.Reason(c), true
			}
		}
		line := e.Line()
		if strings.Count(line, "\n") != 1 || strings.Count(line, "\t") != 5 {
			t.Fatalf("subject %q gives line %q", pki.FormatNameSlash(name), line)
		}
		es, torn, err := ParseIndex([]byte(line), "index.txt")
		if err != nil || torn || len(es) != 1 {
			t.Fatalf("%q: %v", line, err)
		}
		sameFields(t, e, es[0])
	})
}

func sameFields(t *testing.T, a, b Entry) {
	t.Helper()
	if a.Flag != b.Flag || !a.NotAfter.Equal(b.NotAfter) || a.Serial.Cmp(b.Serial) != 0 ||
		a.File != b.File && !(a.File == "" && b.File == "unknown") || a.Subject != b.Subject ||
		a.Flag == 'R' && (!a.RevokedAt.Equal(b.RevokedAt) || a.HasReason != b.HasReason || a.Reason != b.Reason) {
		t.Fatalf("round trip changed the entry:\n%+v\n%+v", a, b)
	}
}
