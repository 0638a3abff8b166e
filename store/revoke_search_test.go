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

// Revoking one certificate finds its line by searching the bytes of the
// index: the line found is the one whose serial field holds the serial
// (padded or not), never a file name or a longer serial that merely contains
// the digits; only that line changes, every other byte stays as another tool
// wrote it; and one target alone or in a batch writes the same index.
func TestRevokeOneFindsItsLineByBytes(t *testing.T) {
	const (
		other  = "V\t271122093714Z\t\t0A\tC350\t/CN=file named like the serial\n" // the digits in the file column
		longer = "V\t271122093714Z\t\t01C350\tunknown\t/CN=longer serial\n"       // the digits end a longer serial
		gen    = "V\t20271122093714Z\t\t0B\tunknown\t/CN=generalized time\n"      // a spelling pkibench would not write
		prefix = "V\t271122093714Z\t\tC350AA\tunknown\t/CN=digits first\n"        // the digits start a longer serial
		ten    = "V\t271122093714Z\t\t10\tunknown\t/CN=ten\n"
	)
	at := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
	revoked := func(serial, cn string) string {
		return fmt.Sprintf("R\t271122093714Z\t%s,keyCompromise\t%s\tunknown\t/CN=%s\n", asn1Time(at), serial, cn)
	}
	for _, tc := range []struct {
		name, target string
		before       []string // the index, one line each
		line         int      // the line that is revoked
		want         string   // that line after
	}{
		{"padded", "abc/C350", []string{other, longer, gen, "V\t271122093714Z\t\t0000C350\tunknown\t/CN=t\n", prefix}, 3, revoked("0000C350", "t")},
		{"padded as typed", "abc/0000C350", []string{other, longer, gen, "V\t271122093714Z\t\t0000C350\tunknown\t/CN=t\n", prefix}, 3, revoked("0000C350", "t")},
		{"normal", "abc/C350", []string{gen, longer, "V\t271122093714Z\t\tC350\tunknown\t/CN=t\n", prefix}, 2, revoked("C350", "t")},
		{"zero", "abc/0", []string{ten, gen, "V\t271122093714Z\t\t0000\tunknown\t/CN=zero\n"}, 2, revoked("0000", "zero")},
		{"first line", "abc/0A", []string{"V\t271122093714Z\t\t0A\tunknown\t/CN=first\n", other, gen}, 0, revoked("0A", "first")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := strings.Join(tc.before, "")
			after := append([]string(nil), tc.before...)
			after[tc.line] = tc.want
			want := strings.Join(after, "")
			for _, batch := range []bool{false, true} {
				st := newStore(t)
				mustCA(t, st, CAOptions{Name: "abc"})
				p := filepath.Join(st.Path(), "cas/abc/index.txt")
				if err := os.WriteFile(p, []byte(before), 0o644); err != nil {
					t.Fatal(err)
				}
				o := RevokeOptions{Reason: 1, At: at}
				if batch {
					// A second target that is not there sends the batch
					// through the per-line map of RevokeMany.
					rs, err := st.RevokeMany([]string{tc.target, "abc/FFFFFF"}, o)
					if err != nil || rs[0].Err != nil || rs[1].Err == nil {
						t.Fatalf("batch: %+v %v", rs, err)
					}
				} else if _, err := st.Revoke(tc.target, o); err != nil {
					t.Fatal(err)
				}
				b, err := os.ReadFile(p)
				if err != nil {
					t.Fatal(err)
				}
				if string(b) != want {
					t.Errorf("batch=%v: index after revoking %s:\n%s\nwant:\n%s", batch, tc.target, b, want)
				}
			}
		})
	}
}

// openssl ca reads a revocation made in an index of zero-padded serials
// (as written by other tools): the revoked line is openssl's, nothing else
// records it, and openssl's own CRL lists it.
func TestOpensslReadsRevocationInPaddedIndex(t *testing.T) {
	openssl := testtool.Require(t, "openssl")
	st := newStore(t)
	mustCA(t, st, CAOptions{Name: "abc"})
	dir := filepath.Join(st.Path(), "cas/abc")
	var idx strings.Builder
	for i := 1; i <= 1000; i++ {
		fmt.Fprintf(&idx, "V\t371122093714Z\t\t%032X\tunknown\t/CN=c%d\n", i, i)
	}
	if err := os.WriteFile(filepath.Join(dir, "index.txt"), []byte(idx.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	filesBefore, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	r, err := st.Revoke("abc/1F4", RevokeOptions{Reason: 1}) // c500
	if err != nil {
		t.Fatal(err)
	}
	if r.Cert.Serial != fmt.Sprintf("%032X", 500) || r.Cert.Subject != "CN = c500" {
		t.Errorf("revoked %+v", r.Cert)
	}
	filesAfter, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(filesAfter) != len(filesBefore) {
		t.Errorf("the CA folder held %d entries before the revocation, %d after: the index is the only record", len(filesBefore), len(filesAfter))
	}
	cnf := filepath.Join(t.TempDir(), "ca.cnf")
	os.WriteFile(cnf, []byte(fmt.Sprintf("[ca]\ndefault_ca = CA_default\n[CA_default]\ndir = %s\ndatabase = $dir/index.txt\n"+
		"crlnumber = $dir/crlnumber\ncertificate = $dir/ca.crt\nprivate_key = $dir/ca.key\ndefault_md = sha256\ndefault_crl_days = 7\n", dir)), 0o600)
	out := filepath.Join(t.TempDir(), "openssl-crl.pem")
	testtool.Run(t, "", openssl, "ca", "-gencrl", "-config", cnf, "-out", out)
	text := testtool.Run(t, "", openssl, "crl", "-in", out, "-noout", "-text")
	if got := strings.Count(text, "Serial Number:"); got != 1 || !strings.Contains(text, "Serial Number: 01F4") {
		t.Errorf("openssl's CRL lists %d serials, want 01F4 alone:\n%s", got, text)
	}
}
