package store

import (
	"crypto/x509/pkix"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pkibench/pkibench/pki"
	"github.com/pkibench/pkibench/pki/testtool"
)

func newStore(t *testing.T) *Store {
	t.Helper()
	st, err := OpenOrCreate(filepath.Join(t.TempDir(), "pki"))
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func mustCA(t *testing.T, st *Store, o CAOptions) *CA {
	t.Helper()
	ca, err := st.CreateCA(o)
	if err != nil {
		t.Fatalf("CreateCA %s: %v", o.Name, err)
	}
	return ca
}

func subj(t *testing.T, s string) pkix.Name {
	t.Helper()
	n, err := pki.ParseSubject(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestLayoutAndPermissions(t *testing.T) {
	st := newStore(t)
	mustCA(t, st, CAOptions{Name: "abc", Subject: subj(t, "/O=ABC Inc.")})
	if _, err := st.Issue(IssueOptions{Names: []string{"web"}, CA: "abc", Profile: pki.ProfileServer, DNS: []string{"localhost"}}); err != nil {
		t.Fatal(err)
	}
	mode := func(p string) os.FileMode {
		fi, err := os.Stat(filepath.Join(st.Path(), p))
		if err != nil {
			t.Fatal(err)
		}
		return fi.Mode().Perm()
	}
	for p, want := range map[string]os.FileMode{
		".": 0o700, "cas/abc/ca.key": 0o600, "certs/web/key.pem": 0o600, "cas/abc": 0o700, "certs/web": 0o700,
		"cas/abc/ca.crt": 0o644, "store.json": 0o644,
	} {
		if got := mode(p); got != want {
			t.Errorf("%s: mode %o, want %o", p, got, want)
		}
	}
	for _, p := range []string{"cas/abc/chain.pem", "cas/abc/index.txt", "cas/abc/index.txt.attr", "cas/abc/crlnumber",
		"cas/abc/ca.json", "certs/web/cert.pem", "certs/web/chain.pem", "certs/web/fullchain.pem", "certs/web/meta.json", ".lock"} {
		if !exists(filepath.Join(st.Path(), p)) {
			t.Errorf("%s missing", p)
		}
	}
	idx, _ := os.ReadFile(filepath.Join(st.Path(), "cas/abc/index.txt"))
	f := strings.Split(strings.TrimSuffix(string(idx), "\n"), "\t")
	if len(f) != 6 || f[0] != "V" || f[2] != "" || f[4] != "certs/web" || f[5] != "/CN=web" || len(f[3])%2 != 0 || strings.ToUpper(f[3]) != f[3] {
		t.Errorf("index line not in openssl's format: %q", idx)
	}
	// Serials: 128 bits with the top bit clear, so the DER integer is 16 bytes.
	id, _ := st.Identity("web", nil)
	if n := id.Cert.SerialNumber; n.Sign() <= 0 || n.BitLen() > 127 || n.BitLen() < 64 {
		t.Errorf("serial %x: want a positive random 128-bit value with the top bit clear", n)
	}
}

func TestNamesAreNeverPaths(t *testing.T) {
	st := newStore(t)
	mustCA(t, st, CAOptions{Name: "abc"})
	before := testtool.Snapshot(t, st.Path())
	for _, n := range []string{"..", "../x", "a/b", "A", "with space", "", ".hidden", "-x", strings.Repeat("a", 65), "x\x00"} {
		_, err := st.Issue(IssueOptions{Names: []string{n}, CA: "abc", Profile: pki.ProfileClient})
		var ne *NameError
		if !errors.As(err, &ne) {
			t.Errorf("name %q: got %v, want a NameError", n, err)
		}
		if _, err := st.CreateCA(CAOptions{Name: n}); !errors.As(err, &ne) {
			t.Errorf("CA name %q: got %v, want a NameError", n, err)
		}
	}
	testtool.SameSnapshot(t, before, testtool.Snapshot(t, st.Path()))
}

func TestFailedOperationsLeaveStoreUnchanged(t *testing.T) {
	st := newStore(t)
	mustCA(t, st, CAOptions{Name: "abc"})
	if _, err := st.Issue(IssueOptions{Names: []string{"web"}, CA: "abc", DNS: []string{"localhost"}}); err != nil {
		t.Fatal(err)
	}
	other := newStore(t)
	mustCA(t, other, CAOptions{Name: "zxc"})
	otherKey, _ := os.ReadFile(filepath.Join(other.Path(), "cas/zxc/ca.key"))
	webCert, _ := os.ReadFile(filepath.Join(st.Path(), "certs/web/cert.pem"))
	pem := string(webCert)
	cases := []struct {
		name string
		op   func() error
	}{
		{"duplicate name", func() error {
			_, err := st.Issue(IssueOptions{Names: []string{"web"}, CA: "abc", DNS: []string{"x"}})
			return err
		}},
		{"batch with one duplicate", func() error {
			_, err := st.Issue(IssueOptions{Names: []string{"new1", "web"}, CA: "abc", DNS: []string{"x"}})
			return err
		}},
		{"unknown CA", func() error {
			_, err := st.Issue(IssueOptions{Names: []string{"x"}, CA: "nope", Profile: pki.ProfileClient})
			return err
		}},
		{"server without SAN", func() error {
			_, err := st.Issue(IssueOptions{Names: []string{"x"}, CA: "abc", Profile: pki.ProfileServer})
			return err
		}},
		{"garbage import", func() error {
			_, err := st.Import([]ImportFile{{"junk.pem", []byte("hello")}}, ImportOptions{})
			return err
		}},
		{"truncated PEM", func() error {
			_, err := st.Import([]ImportFile{{"cut.pem", []byte(pem[:len(pem)/2])}}, ImportOptions{})
			return err
		}},
		{"key that does not match", func() error {
			_, err := st.Import([]ImportFile{{"cert.pem", webCert}, {"other.key", otherKey}}, ImportOptions{As: "mixed"})
			return err
		}},
		{"import under taken name", func() error {
			_, err := st.Import([]ImportFile{{"cert.pem", webCert}}, ImportOptions{As: "abc"})
			return err
		}},
		{"revoke unknown", func() error { _, err := st.Revoke("ghost", RevokeOptions{}); return err }},
		{"revoke root", func() error { _, err := st.Revoke("abc", RevokeOptions{}); return err }},
		{"crl of unknown CA", func() error { _, err := st.PublishCRL("nope", CRLOptions{}); return err }},
		{"crl past CA expiry", func() error { _, err := st.PublishCRL("abc", CRLOptions{Days: 100000}); return err }},
		{"CSR with bad signature", func() error {
			csr := badCSR(t)
			_, err := st.SignCSR(csr, "bad.csr", IssueOptions{Names: []string{"b"}, CA: "abc", Profile: pki.ProfileClient})
			return err
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := testtool.Snapshot(t, st.Path())
			err := c.op()
			if err == nil {
				t.Fatal("expected an error")
			}
			if msg := err.Error(); len(msg) < 15 {
				t.Errorf("error %q is not a clear message", msg)
			}
			testtool.SameSnapshot(t, before, testtool.Snapshot(t, st.Path()))
		})
	}
}

// badCSR is a valid CSR with one byte of its subject changed.
func badCSR(t *testing.T) []byte {
	key, _ := pki.GenerateKey(pki.P256)
	csr, err := pki.CreateCSR(pki.CSRRequest{Subject: pkix.Name{CommonName: "victim"}}, key)
	if err != nil {
		t.Fatal(err)
	}
	der := append([]byte{}, csr.Raw...)
	i := strings.Index(string(der), "victim")
	der[i] = 'V'
	return pki.EncodeCSRPEM(der)
}

func TestRevokeAndCRL(t *testing.T) {
	st := newStore(t)
	mustCA(t, st, CAOptions{Name: "abc"})
	if _, err := st.Issue(IssueOptions{Names: []string{"client1", "client2"}, CA: "abc", Profile: pki.ProfileClient}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Revoke("client2", RevokeOptions{Reason: 1}); err != nil {
		t.Fatal(err)
	}
	var already *AlreadyRevokedError
	if _, err := st.Revoke("client2", RevokeOptions{}); !errors.As(err, &already) {
		t.Errorf("second revoke: %v", err)
	}
	s1, err := st.PublishCRL("abc", CRLOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s2, err := st.PublishCRL("abc", CRLOptions{Days: 7})
	if err != nil {
		t.Fatal(err)
	}
	if s1.Number != "01" || s2.Number != "02" || s2.Entries != 1 || s2.Stale {
		t.Errorf("CRL states: %+v %+v", s1, s2)
	}
	for _, p := range []string{"crl.pem", "crl.der", "crl/01.pem", "crl/02.pem"} {
		if !exists(filepath.Join(st.Path(), "cas/abc", p)) {
			t.Errorf("%s missing", p)
		}
	}
	l, err := st.List(ListFilter{Status: StatusRevoked})
	if err != nil || len(l) != 1 || l[0].Name != "client2" || l[0].Reason != "keyCompromise" {
		t.Errorf("revoked list: %+v %v", l, err)
	}
	// The CRL goes stale with time; the CA summary says so.
	st.SetClock(func() time.Time { return time.Now().AddDate(0, 0, 8) })
	ca, _ := st.CA("abc")
	if ca.CRL == nil || !ca.CRL.Stale || !strings.Contains(ca.CRL.Freshness(), "STALE") {
		t.Errorf("CRL should be stale after 8 days: %+v", ca.CRL)
	}
	// A hold can be released; other reasons cannot.
	if _, err := st.Revoke("client2", RevokeOptions{Release: true}); err == nil {
		t.Error("releasing a keyCompromise revocation should fail")
	}
	if _, err := st.Revoke("client1", RevokeOptions{Reason: 6}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Revoke("client1", RevokeOptions{Release: true}); err != nil {
		t.Errorf("release hold: %v", err)
	}
}

func TestRevokeIntermediateListsBelow(t *testing.T) {
	st := newStore(t)
	mustCA(t, st, CAOptions{Name: "root"})
	mustCA(t, st, CAOptions{Name: "sub", Parent: "root"})
	if _, err := st.Issue(IssueOptions{Names: []string{"leaf"}, CA: "sub", Profile: pki.ProfileClient}); err != nil {
		t.Fatal(err)
	}
	r, err := st.Revoke("sub", RevokeOptions{Reason: 2})
	if err != nil {
		t.Fatal(err)
	}
	if r.Cert.CA != "root" || len(r.Below) != 1 || r.Below[0] != "sub/leaf" {
		t.Errorf("revoke intermediate: %+v", r)
	}
	if _, err := st.PublishCRL("root", CRLOptions{}); err != nil {
		t.Fatal(err)
	}
	l, _ := st.CRL("root")
	if len(l.RevokedCertificateEntries) != 1 {
		t.Errorf("root CRL entries: %d", len(l.RevokedCertificateEntries))
	}
}

func TestEncryptedCAKey(t *testing.T) {
	st := newStore(t)
	mustCA(t, st, CAOptions{Name: "enc", Passphrase: []byte("correct horse")})
	good := func(string) ([]byte, error) { return []byte("correct horse"), nil }
	bad := func(string) ([]byte, error) { return []byte("wrong"), nil }
	before := testtool.Snapshot(t, st.Path())
	if _, err := st.Issue(IssueOptions{Names: []string{"c"}, CA: "enc", Profile: pki.ProfileClient, Passphrase: bad}); !errors.Is(err, pki.ErrWrongPassphrase) {
		t.Errorf("wrong passphrase: %v", err)
	}
	if _, err := st.Issue(IssueOptions{Names: []string{"c"}, CA: "enc", Profile: pki.ProfileClient}); !errors.Is(err, ErrPassphraseNeeded) {
		t.Errorf("no passphrase: %v", err)
	}
	testtool.SameSnapshot(t, before, testtool.Snapshot(t, st.Path()))
	if _, err := st.Issue(IssueOptions{Names: []string{"c"}, CA: "enc", Profile: pki.ProfileClient, Passphrase: good}); err != nil {
		t.Fatal(err)
	}
	key, _ := os.ReadFile(filepath.Join(st.Path(), "cas/enc/ca.key"))
	if !strings.Contains(string(key), "ENCRYPTED PRIVATE KEY") {
		t.Error("CA key not stored encrypted")
	}
	openssl := testtool.Require(t, "openssl")
	testtool.Run(t, "", openssl, "pkey", "-in", filepath.Join(st.Path(), "cas/enc/ca.key"), "-passin", "pass:correct horse", "-noout")
}

func TestConcurrentIssue(t *testing.T) {
	st := newStore(t)
	mustCA(t, st, CAOptions{Name: "abc"})
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			s2, err := Open(st.Path())
			if err != nil {
				errs <- err
				return
			}
			var names []string
			for i := 0; i < 10; i++ {
				names = append(names, "w"+string(rune('a'+w))+"-"+string(rune('a'+i)))
			}
			if _, err := s2.Issue(IssueOptions{Names: names, CA: "abc", Profile: pki.ProfileClient}); err != nil {
				errs <- err
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	l, err := st.List(ListFilter{})
	if err != nil || len(l) != 40 {
		t.Fatalf("want 40 certificates, got %d (%v)", len(l), err)
	}
	seen := map[string]bool{}
	for _, c := range l {
		if seen[c.Serial] {
			t.Errorf("serial %s twice", c.Serial)
		}
		seen[c.Serial] = true
	}
}

func TestTornIndexLineIsIgnoredAndCut(t *testing.T) {
	st := newStore(t)
	mustCA(t, st, CAOptions{Name: "abc"})
	p := filepath.Join(st.Path(), "cas/abc/index.txt")
	if err := os.WriteFile(p, []byte("V\t271122093714Z\t\t0A\tcerts/x\t/CN=x\nV\t2711"), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := st.List(ListFilter{})
	if err != nil || len(l) != 1 {
		t.Fatalf("list with torn tail: %v %v", l, err)
	}
	if _, err := st.Issue(IssueOptions{Names: []string{"y"}, CA: "abc", Profile: pki.ProfileClient}); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	if _, torn, err := ParseIndex(b, p); torn || err != nil || strings.Count(string(b), "\n") != 2 {
		t.Errorf("index after append: torn=%v err=%v\n%s", torn, err, b)
	}
}

func TestParseIndexErrorsNameTheLine(t *testing.T) {
	for _, in := range []string{"X\t271122093714Z\t\t0A\tunknown\t/CN=x\n", "V\tnotatime\t\t0A\tunknown\t/CN=x\n",
		"V\t271122093714Z\t\tZZ\tunknown\t/CN=x\n", "V only\n", "R\t271122093714Z\t\t0A\tunknown\t/CN=x\n"} {
		_, _, err := ParseIndex([]byte(in), "index.txt")
		var ie *IndexError
		if !errors.As(err, &ie) || ie.Line != 1 || !strings.Contains(err.Error(), "index.txt:1") {
			t.Errorf("%q: %v", in, err)
		}
	}
}

func FuzzParseIndex(f *testing.F) {
	f.Add([]byte("V\t271122093714Z\t\t0A\tcerts/x\t/CN=x\nR\t271122093714Z\t261122093714Z,keyCompromise\t0B\tunknown\t/CN=y\n"))
	f.Add([]byte("E\t20510101000000Z\t\t00\tunknown\t/O=a\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		es, _, err := ParseIndex(b, "index.txt")
		if err != nil {
			return
		}
		// What parses must format back to something that parses the same.
		var out strings.Builder
		for _, e := range es {
			if strings.ContainsAny(e.File+e.Subject, "\t\n") {
				return
			}
			out.WriteString(e.Line())
		}
		es2, _, err := ParseIndex([]byte(out.String()), "again")
		if err != nil || len(es2) != len(es) {
			t.Fatalf("round trip: %v (%d vs %d)", err, len(es2), len(es))
		}
	})
}

// An index written by another tool with a lower-case or odd-length serial
// still revokes; the rewritten line is in openssl's normal spelling.
func TestRevokeFindsSerialInAnySpelling(t *testing.T) {
	st := newStore(t)
	mustCA(t, st, CAOptions{Name: "abc"})
	p := filepath.Join(st.Path(), "cas/abc/index.txt")
	os.WriteFile(p, []byte("V\t271122093714Z\t\tabc\tunknown\t/CN=x\nV\t271122093714Z\t\t0B\tunknown\t/CN=y\n"), 0o644)
	if _, err := st.Revoke("abc/ABC", RevokeOptions{Reason: 4}); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	if !strings.Contains(string(b), "R\t271122093714Z\t") || !strings.Contains(string(b), "\t0ABC\tunknown\t/CN=x\n") || !strings.Contains(string(b), "V\t271122093714Z\t\t0B\tunknown\t/CN=y\n") {
		t.Errorf("index after revoke:\n%s", b)
	}
	if _, err := st.Revoke("abc/0B", RevokeOptions{}); err != nil {
		t.Fatal(err)
	}
}

// A certificate of a CA whose key is not in the store cannot be revoked,
// and trying changes nothing.
func TestRevokeNeedsTheCAKey(t *testing.T) {
	other := newStore(t)
	mustCA(t, other, CAOptions{Name: "abc"})
	if _, err := other.Issue(IssueOptions{Names: []string{"c"}, CA: "abc", Profile: pki.ProfileClient}); err != nil {
		t.Fatal(err)
	}
	caPEM, _ := os.ReadFile(filepath.Join(other.Path(), "cas/abc/ca.crt"))
	leafPEM, _ := os.ReadFile(filepath.Join(other.Path(), "certs/c/cert.pem"))
	st := newStore(t)
	if _, err := st.Import([]ImportFile{{"ca.crt", caPEM}}, ImportOptions{As: "abc"}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Import([]ImportFile{{"c.pem", leafPEM}}, ImportOptions{As: "c"}); err != nil {
		t.Fatal(err)
	}
	before := testtool.Snapshot(t, st.Path())
	if _, err := st.Revoke("c", RevokeOptions{}); !errors.Is(err, ErrNoCAKey) {
		t.Errorf("revoke under a keyless CA: %v", err)
	}
	if _, err := st.PublishCRL("abc", CRLOptions{}); !errors.Is(err, ErrNoCAKey) {
		t.Errorf("CRL of a keyless CA: %v", err)
	}
	testtool.SameSnapshot(t, before, testtool.Snapshot(t, st.Path()))
}
