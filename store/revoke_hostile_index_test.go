package store

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pkibench/pkibench/pki/testtool"
)

// An index.txt crafted (or merely written by another tool) so that a byte
// search for the serial could land on the wrong line or spoil the line it
// rewrites. Single revoke (the byte search) and a batch (the per-line map)
// must give the same index: only the target's line changed, everything
// else byte for byte; an index they cannot read safely is refused whole.
func TestRevokeInHostileIndex(t *testing.T) {
	v := func(serial, cn string) string { return "V\t371122093714Z\t\t" + serial + "\tunknown\t/CN=" + cn + "\n" }
	crlf := func(s string) string { return strings.TrimSuffix(s, "\n") + "\r\n" }
	at := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
	r := func(serial, cn, eol string) string {
		return fmt.Sprintf("R\t371122093714Z\t%s,keyCompromise\t%s\tunknown\t/CN=%s%s", asn1Time(at), serial, cn, eol)
	}
	long := strings.Repeat("x", 1<<20+10)
	for _, tc := range []struct {
		name   string
		lines  []string
		line   int    // the line revoked; -1 for none
		want   string // that line after
		errHas string // when nothing may change
	}{
		{"CRLF line keeps its subject and its CR", []string{v("0A", "a"), crlf(v("C350", "t")), v("0B", "b")}, 1, r("C350", "t", "\r\n"), ""},
		{"CRLF everywhere", []string{crlf(v("0A", "a")), crlf(v("C350", "t"))}, 1, r("C350", "t", "\r\n"), ""},
		{"serial after a tab in a subject", []string{"V\t371122093714Z\t\t0A\tunknown\t/CN=x\tC350\t\n", v("C350", "t")}, 1, r("C350", "t", "\n"), ""},
		{"serial as a subject", []string{v("0A", "C350"), v("C350", "t")}, 1, r("C350", "t", "\n"), ""},
		{"serial as a file name", []string{"V\t371122093714Z\t\t0A\tC350\t/CN=a\n", v("C350", "t")}, 1, r("C350", "t", "\n"), ""},
		{"serial padded with 100 zeros", []string{v("0A", "a"), v(strings.Repeat("0", 100)+"C350", "t")}, 1, r(strings.Repeat("0", 100)+"C350", "t", "\n"), ""},
		{"NUL in another line", []string{"V\t371122093714Z\t\t0A\tunknown\t/CN=a\x00b\n", v("C350", "t")}, 1, r("C350", "t", "\n"), ""},
		{"a line over 1 MB before it", []string{v("0A", long), v("C350", "t")}, 1, r("C350", "t", "\n"), ""},
		{"the target's line torn", []string{v("0A", "a"), strings.TrimSuffix(v("C350", "t"), "\n")}, -1, "", "not found"},
		{"a decoy line of five fields first", []string{"V\t371122093714Z\t\tC350\tunknown\n", v("C350", "t")}, -1, "", "expected 6 tab-separated fields"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := strings.Join(tc.lines, "")
			want := before
			if tc.line >= 0 {
				after := append([]string(nil), tc.lines...)
				after[tc.line] = tc.want
				want = strings.Join(after, "")
			}
			for _, batch := range []bool{false, true} {
				st := newStore(t)
				mustCA(t, st, CAOptions{Name: "abc"})
				p := filepath.Join(st.Path(), "cas/abc/index.txt")
				if err := os.WriteFile(p, []byte(before), 0o644); err != nil {
					t.Fatal(err)
				}
				o := RevokeOptions{Reason: 1, At: at}
				var err error
				if batch {
					var rs []RevokeResult
					if rs, err = st.RevokeMany([]string{"abc/C350", "abc/FFFFFF"}, o); err == nil {
						err = rs[0].Err
					}
				} else {
					_, err = st.Revoke("abc/C350", o)
				}
				switch {
				case tc.errHas == "" && err != nil:
					t.Errorf("batch=%v: %v", batch, err)
				case tc.errHas != "" && (err == nil || !strings.Contains(err.Error(), tc.errHas)):
					t.Errorf("batch=%v: %v, want an error saying %q", batch, err, tc.errHas)
				}
				b, err := os.ReadFile(p)
				if err != nil {
					t.Fatal(err)
				}
				if string(b) != want {
					t.Errorf("batch=%v: index after revoking C350:\n%q\nwant:\n%q", batch, trimMiddle(string(b)), trimMiddle(want))
				}
			}
		})
	}
}

func trimMiddle(s string) string {
	if len(s) > 600 {
		return s[:300] + "..." + s[len(s)-300:]
	}
	return s
}

// openssl ca -gencrl reads a revocation pkibench wrote into an index of
// CRLF lines and of a serial padded beyond 20 bytes, and lists the serial.
func TestOpensslReadsRevocationInCRLFIndex(t *testing.T) {
	openssl := testtool.Require(t, "openssl")
	st := newStore(t)
	mustCA(t, st, CAOptions{Name: "abc"})
	p := filepath.Join(st.caDir("abc"), "index.txt")
	idx := "V\t371122093714Z\t\t0A\tunknown\t/CN=a\r\n" +
		"V\t371122093714Z\t\t" + strings.Repeat("0", 60) + "C350\tunknown\t/CN=t\r\n" +
		"V\t371122093714Z\t\t0B\tunknown\t/CN=b\r\n"
	if err := os.WriteFile(p, []byte(idx), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Revoke("abc/C350", RevokeOptions{Reason: 1}); err != nil {
		t.Fatal(err)
	}
	crl := opensslGenCRL(t, openssl, st)
	if !strings.Contains(crl, "Serial Number: C350") || strings.Contains(crl, "Serial Number: 0A") || strings.Contains(crl, "Serial Number: 0B") {
		t.Errorf("openssl's CRL from the index pkibench revoked in:\n%s", crl)
	}
	got, _ := listed(t, st)
	if want := recount(t, st, "abc", st.Now()); got["abc"] != want || want != [3]int{2, 1, 0} {
		t.Errorf("ca list %v, index %v, want [2 1 0]", got["abc"], want)
	}
}
