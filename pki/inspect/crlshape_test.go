package inspect

import (
	"bytes"
	"errors"
	"os/exec"
	"strings"
	"testing"

	"github.com/pkibench/pkibench/pki"
	"github.com/pkibench/pkibench/pki/testtool"
)

func derSeq(c ...[]byte) []byte { return testtool.DER(0x30, c...) }

// handCRL is a CRL of n entries built by hand, entry i from entry(i);
// tbsTail is appended to the TBS after its extensions. Its signature is
// not a real one: `openssl crl -text` does not check it.
func handCRL(n int, entry func(i int) []byte, tbsTail []byte) []byte {
	alg := derSeq(testtool.DER(0x06, []byte{0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02}))
	issuer := derSeq(testtool.DER(0x31, derSeq(testtool.DER(0x06, []byte{0x55, 0x04, 0x03}), testtool.DER(0x0c, []byte("Shape CA")))))
	var ents []byte
	for i := range n {
		ents = append(ents, entry(i)...)
	}
	number := derSeq(testtool.DER(0x06, []byte{0x55, 0x1d, 0x14}), testtool.DER(0x04, testtool.DER(0x02, []byte{7})))
	tbs := derSeq(testtool.DER(0x02, []byte{1}), alg, issuer, testtool.DER(0x17, []byte("260101000000Z")), testtool.DER(0x17, []byte("260201000000Z")),
		derSeq(ents), testtool.DER(0xa0, derSeq(number)), tbsTail)
	sig := testtool.DER(0x03, []byte{0, 0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01})
	return derSeq(tbs, alg, sig)
}

// shapeEntry is a well-formed entry (serial i+1, a reason) unless i is
// the odd one out, which odd builds.
func shapeEntry(oddAt int, odd func(serial, date []byte) []byte) func(int) []byte {
	return func(i int) []byte {
		serial := testtool.DER(0x02, []byte{0x10, byte(i >> 16), byte(i >> 8), byte(i)})
		date := testtool.DER(0x17, []byte("260601120000Z"))
		if i == oddAt {
			return odd(serial, date)
		}
		reason := derSeq(testtool.DER(0x06, []byte{0x55, 0x1d, 0x15}), testtool.DER(0x04, []byte{0x0a, 0x01, byte(i % 6)}))
		return derSeq(serial, date, derSeq(reason))
	}
}

// TestMalformedCRLEntriesRefusedAsOpenSSL checks CRLs, just below and
// above the size where entries are rendered late, with one malformed
// entry in the middle (or trailing bytes in the TBS): openssl crl refuses
// each, and so must inspect; the well-formed odd ones openssl prints,
// inspect prints the same.
func TestMalformedCRLEntriesRefusedAsOpenSSL(t *testing.T) {
	tool := testtool.Require(t, "openssl")
	reason := derSeq(testtool.DER(0x06, []byte{0x55, 0x1d, 0x15}), testtool.DER(0x04, []byte{0x0a, 0x01, 0x01}))
	cases := []struct {
		name    string
		odd     func(serial, date []byte) []byte
		tbsTail []byte
		refused bool
	}{
		{"truncated entry length", func(s, d []byte) []byte { return []byte{0x30, 0x20, 0x02, 0x10, 0x01} }, nil, true},
		{"serial overruns entry", func(s, d []byte) []byte { return derSeq([]byte{0x02, 0x7f, 0x01}, d) }, nil, true},
		{"empty serial", func(s, d []byte) []byte { return derSeq(testtool.DER(0x02, nil), d) }, nil, true},
		{"padded serial", func(s, d []byte) []byte { return derSeq(testtool.DER(0x02, []byte{0, 1}), d) }, nil, true},
		{"date as OCTET STRING", func(s, d []byte) []byte { return derSeq(s, testtool.DER(0x04, []byte("260601120000Z"))) }, nil, true},
		{"extensions not readable", func(s, d []byte) []byte { return derSeq(s, d, testtool.DER(0x30, []byte{0xff, 0xff, 0xff})) }, nil, true},
		{"element after extensions", func(s, d []byte) []byte { return derSeq(s, d, derSeq(reason), []byte{5, 0}) }, nil, true},
		{"trailing bytes in TBS", func(s, d []byte) []byte { return derSeq(s, d) }, []byte{5, 0}, true},
		// openssl prints these.
		{"no extensions", func(s, d []byte) []byte { return derSeq(s, d) }, nil, false},
		{"empty extensions", func(s, d []byte) []byte { return derSeq(s, d, derSeq()) }, nil, false},
		{"negative serial", func(s, d []byte) []byte { return derSeq(testtool.DER(0x02, []byte{0xff, 0x01}), d, derSeq(reason)) }, nil, false},
		{"garbage reason value", func(s, d []byte) []byte {
			return derSeq(s, d, derSeq(derSeq(testtool.DER(0x06, []byte{0x55, 0x1d, 0x15}), testtool.DER(0x04, []byte{0xde, 0xad}))))
		}, nil, false},
		{"critical unknown extension", func(s, d []byte) []byte {
			return derSeq(s, d, derSeq(derSeq(testtool.DER(0x06, []byte{0x2a, 3, 4, 5}), []byte{1, 1, 0xff}, testtool.DER(0x04, []byte{5, 0}))))
		}, nil, false},
		{"invalidity date as UTCTime", func(s, d []byte) []byte {
			inv := derSeq(testtool.DER(0x06, []byte{0x55, 0x1d, 0x18}), testtool.DER(0x04, testtool.DER(0x17, []byte("260501000000Z"))))
			return derSeq(s, d, derSeq(reason, inv))
		}, nil, false},
		{"revocation date unreadable", func(s, d []byte) []byte { return derSeq(s, testtool.DER(0x17, []byte("26X601120000Z"))) }, nil, false},
		{"GeneralizedTime before 2050", func(s, d []byte) []byte { return derSeq(s, testtool.DER(0x18, []byte("20491231235959Z"))) }, nil, false},
	}
	for _, n := range []int{3, maxEntryFields, maxEntryFields + 1} {
		for _, c := range cases {
			der := handCRL(n, shapeEntry(n/2, c.odd), c.tbsTail)
			cmd := exec.Command(tool, "crl", "-inform", "DER", "-text", "-noout")
			cmd.Stdin = bytes.NewReader(der)
			want, oerr := cmd.Output()
			if (oerr != nil) != c.refused {
				t.Fatalf("%s (%d entries): openssl refuses = %v, case says %v", c.name, n, oerr != nil, c.refused)
			}
			objs, err := pki.DecodeLenient(der, "shape.crl")
			if c.refused {
				if err == nil || !errors.Is(err, pki.ErrCRLShape) {
					t.Errorf("%s (%d entries): openssl refuses it, inspect's decode says %v", c.name, n, err)
				}
				continue
			}
			if err != nil || len(objs) != 1 {
				t.Fatalf("%s (%d entries): %v", c.name, n, err)
			}
			got := Text(FromObject(objs[0], testNow))
			if !strings.HasPrefix(got, string(want)) {
				_, _, missing, extra := lineParity(got, string(want))
				t.Errorf("%s (%d entries): text differs from openssl: missing %.3q extra %.3q", c.name, n, missing, extra)
			}
		}
	}
}
