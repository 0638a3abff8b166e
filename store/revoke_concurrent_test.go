package store

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pkibench/pkibench/pki"
	"github.com/pkibench/pkibench/pki/testtool"
	"github.com/pkibench/pkibench/store/layout"
)

// Another program writes index.txt while pkibench revokes (after pkibench
// read it, before its new index replaces it): the real openssl ca
// revoking another certificate (it renames a new index into place), or an
// edit in place (truncated, then rewritten). pkibench must fail with
// ErrChangedWhileRead and leave the other program's index as it is: never
// lose openssl's revocation, never write bytes mixed from two versions,
// never crash on the pages a truncation took from under its mapping. Run
// for an index read into memory and for one mapped (1 MB or more).
func TestRevokeWhileAnotherProgramWritesTheIndex(t *testing.T) {
	openssl := testtool.Require(t, "openssl")
	for _, big := range []bool{false, true} {
		for _, tc := range []struct {
			name  string
			step  string                                  // when it writes: "" for "index read"
			write func(t *testing.T, st *Store, p string) // the other program
		}{
			{"truncated in place while writing", "index edited", func(t *testing.T, _ *Store, p string) {
				if err := os.Truncate(p, 0); err != nil {
					t.Fatal(err)
				}
			}},
			{"openssl ca -revoke", "", func(t *testing.T, st *Store, _ string) { opensslRevokeWith(t, openssl, st, "c") }},
			{"truncated in place", "", func(t *testing.T, _ *Store, p string) {
				if err := os.Truncate(p, 0); err != nil {
					t.Fatal(err)
				}
			}},
			{"rewritten in place", "", func(t *testing.T, _ *Store, p string) {
				// Same size, other bytes: an editor that truncates and writes.
				b, err := os.ReadFile(p)
				if err != nil {
					t.Fatal(err)
				}
				b = bytes.ReplaceAll(b, []byte("/CN="), []byte("/CX="))
				f, err := os.OpenFile(p, os.O_WRONLY|os.O_TRUNC, 0)
				if err != nil {
					t.Fatal(err)
				}
				f.Write(b)
				f.Close()
			}},
		} {
			t.Run(fmt.Sprintf("%s/mapped=%v", tc.name, big), func(t *testing.T) {
				st := newStore(t)
				mustCA(t, st, CAOptions{Name: "abc"})
				if _, err := st.Issue(IssueOptions{Names: []string{"a", "b", "c"}, CA: "abc", Profile: pki.ProfileClient}); err != nil {
					t.Fatal(err)
				}
				p := filepath.Join(st.caDir("abc"), layout.Index)
				if big {
					// Lines openssl reads too, before the certificates'.
					var pad strings.Builder
					for i := 1; pad.Len() < 2*mapMin; i++ {
						fmt.Fprintf(&pad, "V\t371122093714Z\t\t%032X\tunknown\t/CN=pad%d\n", 0xF000000+i, i)
					}
					old, err := os.ReadFile(p)
					if err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(p, append([]byte(pad.String()), old...), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				var theirs []byte
				step := tc.step
				if step == "" {
					step = "index read"
				}
				st.stepHook = func(point string) {
					if point != step {
						return
					}
					st.stepHook = nil
					tc.write(t, st, p)
					var err error
					if theirs, err = os.ReadFile(p); err != nil {
						t.Fatal(err)
					}
				}
				_, err := st.Revoke("b", RevokeOptions{Reason: 1})
				st.stepHook = nil
				if theirs == nil {
					t.Fatal("the revocation never reached the point after reading the index")
				}
				if !errors.Is(err, ErrChangedWhileRead) || !strings.Contains(err.Error(), p) {
					t.Errorf("revoke while %s: %v, want an error naming %s and wrapping ErrChangedWhileRead", tc.name, err, p)
				}
				got, err := os.ReadFile(p)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, theirs) {
					t.Errorf("the other program's index was overwritten (%d bytes, theirs %d)", len(got), len(theirs))
				}
				if left, _ := filepath.Glob(filepath.Join(st.caDir("abc"), ".tmp-*")); len(left) > 0 {
					t.Errorf("temporary files left: %v", left)
				}
				if tc.name != "openssl ca -revoke" {
					return
				}
				// Run again on the index as openssl left it: both revocations
				// stand, and openssl's own CRL lists both serials.
				if _, err := st.Revoke("b", RevokeOptions{Reason: 1}); err != nil {
					t.Fatal(err)
				}
				crl := opensslGenCRL(t, openssl, st)
				for _, n := range []string{"b", "c"} {
					_, serial, err := st.Locate(n)
					if err != nil {
						t.Fatal(err)
					}
					if !strings.Contains(crl, "Serial Number: "+serial) {
						t.Errorf("openssl ca -gencrl does not list %s (%s):\n%s", n, serial, crl)
					}
				}
				got2, recounted := listed(t, st)
				if want := recount(t, st, "abc", st.Now()); got2["abc"] != want || want[1] != 2 {
					t.Errorf("ca list %v (counted: %v), the index holds %v (want 2 revoked)", got2["abc"], recounted["abc"], want)
				}
			})
		}
	}
}

// opensslConf is an openssl ca configuration for store CA abc.
func opensslConf(t *testing.T, st *Store) string {
	t.Helper()
	dir := st.caDir("abc")
	cnf := filepath.Join(t.TempDir(), "ca.cnf")
	if err := os.WriteFile(cnf, []byte(fmt.Sprintf(`[ca]
default_ca = d
[d]
dir = %s
database = $dir/index.txt
new_certs_dir = $dir/certs
certificate = $dir/ca.crt
private_key = $dir/ca.key
default_md = sha256
default_crl_days = 1
`, dir)), 0o600); err != nil {
		t.Fatal(err)
	}
	return cnf
}

func opensslRevokeWith(t *testing.T, openssl string, st *Store, name string) {
	t.Helper()
	testtool.Run(t, "", openssl, "ca", "-config", opensslConf(t, st), "-revoke", filepath.Join(st.certDir(name), layout.Cert), "-crl_reason", "keyCompromise")
}

// opensslGenCRL has openssl ca make a CRL from CA abc's index and prints it.
func opensslGenCRL(t *testing.T, openssl string, st *Store) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "crl.pem")
	testtool.Run(t, "", openssl, "ca", "-config", opensslConf(t, st), "-gencrl", "-out", out)
	return testtool.Run(t, "", openssl, "crl", "-in", out, "-noout", "-text")
}

// An editor rewriting index.txt in place had cut it short when pkibench
// opened it and finished after pkibench read it: the serial was not in the
// bytes read, but it is in the index. The answer must be "changed while
// read, run again", not "not found" (nor "already revoked", nor a parse
// error of half a line), for the index read into memory and the mapped one.
func TestRevokeReadsAnIndexBeingRewritten(t *testing.T) {
	for _, big := range []bool{false, true} {
		for _, cut := range []string{"empty", "half"} {
			t.Run(fmt.Sprintf("%s/mapped=%v", cut, big), func(t *testing.T) {
				st := newStore(t)
				mustCA(t, st, CAOptions{Name: "abc"})
				if _, err := st.Issue(IssueOptions{Names: []string{"a", "b"}, CA: "abc", Profile: pki.ProfileClient}); err != nil {
					t.Fatal(err)
				}
				p := filepath.Join(st.caDir("abc"), layout.Index)
				full, err := os.ReadFile(p)
				if err != nil {
					t.Fatal(err)
				}
				if big {
					var pad strings.Builder
					for i := 1; pad.Len() < 4*mapMin; i++ {
						fmt.Fprintf(&pad, "V\t371122093714Z\t\t%032X\tunknown\t/CN=pad%d\n", 0xF000000+i, i)
					}
					full = append([]byte(pad.String()), full...)
				}
				part := full[:0]
				if cut == "half" {
					part = full[:len(full)-len(full)/8] // b's line (the last) is cut
				}
				if err := os.WriteFile(p, part, 0o644); err != nil {
					t.Fatal(err)
				}
				st.stepHook = func(point string) {
					if point == "index read" {
						st.stepHook = nil
						f, err := os.OpenFile(p, os.O_WRONLY, 0)
						if err != nil {
							t.Fatal(err)
						}
						f.WriteAt(full[len(part):], int64(len(part)))
						f.Close()
					}
				}
				_, err = st.Revoke("b", RevokeOptions{Reason: 1})
				st.stepHook = nil
				if !errors.Is(err, ErrChangedWhileRead) || !strings.Contains(err.Error(), p) {
					t.Errorf("revoke while the index was being rewritten: %v, want an error naming %s and wrapping ErrChangedWhileRead", err, p)
				}
				if got, _ := os.ReadFile(p); !bytes.Equal(got, full) {
					t.Error("the index the other program wrote was changed")
				}
				if _, err := st.Revoke("b", RevokeOptions{Reason: 1}); err != nil {
					t.Errorf("run again: %v", err)
				}
			})
		}
	}
}

// A mapped index cut short while its bytes are being written to the new
// index: the write(2) of pages the truncation took fails with EFAULT ("bad
// address"), which must come out as ErrChangedWhileRead, with the other
// program's index left as it is. (The target's line is first and the cut
// leaves it, so nothing but the write touches the lost pages.)
func TestRevokeMappedIndexCutWhileWritten(t *testing.T) {
	st := newStore(t)
	mustCA(t, st, CAOptions{Name: "abc"})
	if _, err := st.Issue(IssueOptions{Names: []string{"b"}, CA: "abc", Profile: pki.ProfileClient}); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(st.caDir("abc"), layout.Index)
	var pad strings.Builder
	for i := 1; pad.Len() < 4*mapMin; i++ {
		fmt.Fprintf(&pad, "V\t371122093714Z\t\t%032X\tunknown\t/CN=pad%d\n", 0xF000000+i, i)
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(pad.String())
	f.Close()
	st.stepHook = func(point string) {
		if point == "index edited" {
			st.stepHook = nil
			if err := os.Truncate(p, mapMin); err != nil {
				t.Fatal(err)
			}
		}
	}
	_, err = st.Revoke("b", RevokeOptions{Reason: 1})
	st.stepHook = nil
	if !errors.Is(err, ErrChangedWhileRead) || !strings.Contains(err.Error(), p) {
		t.Errorf("revoke while the mapped index was cut: %v, want an error naming %s and wrapping ErrChangedWhileRead", err, p)
	}
	if fi, err := os.Stat(p); err != nil || fi.Size() != mapMin {
		t.Errorf("the other program's index was replaced: %v %v", fi.Size(), err)
	}
}
