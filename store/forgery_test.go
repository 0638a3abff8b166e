package store

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pkibench/pkibench/pki"
)

// forgedCN is what an attacker who may submit a CSR puts in its subject: the
// end of the real line, then a whole index line revoking serial 01.
const forgedCN = "x\nR\t300101000000Z\t250101000000Z,keyCompromise\t01\tunknown\t/CN=victim\x1b[31m"

func csrWith(t *testing.T, subject pkix.Name) []byte {
	t.Helper()
	key, err := pki.GenerateKey(pki.P256)
	if err != nil {
		t.Fatal(err)
	}
	csr, err := pki.CreateCSR(pki.CSRRequest{Subject: subject, DNS: []string{"x.example"}}, key)
	if err != nil {
		t.Fatal(err)
	}
	return pki.EncodeCSRPEM(csr.Raw)
}

// A CSR, a --subject or a TUI subject with control characters is refused
// with an error naming the attribute, and the index does not change.
func TestControlCharactersInSubjectsAreRefused(t *testing.T) {
	st := newStore(t)
	mustCA(t, st, CAOptions{Name: "abc"})
	idx := filepath.Join(st.Path(), "cas/abc/index.txt")
	before, _ := os.ReadFile(idx)
	var cc *pki.ControlCharError
	_, err := st.SignCSR(csrWith(t, pkix.Name{CommonName: forgedCN}), "evil.csr", IssueOptions{Names: []string{"evil"}, CA: "abc"})
	if !errors.As(err, &cc) || cc.Attribute != "CN" || !strings.Contains(err.Error(), "evil.csr") {
		t.Fatalf("SignCSR with a forged subject: %v", err)
	}
	for _, v := range []string{"a\tb", "a\x1b[2Jb", "a\x7fb", "a\u0085b", "a\x00b"} {
		_, err = st.Issue(IssueOptions{Names: []string{"t"}, CA: "abc", Profile: pki.ProfileClient,
			Subject: pkix.Name{ExtraNames: []pkix.AttributeTypeAndValue{{Type: []int{2, 5, 4, 10}, Value: v}}}})
		if !errors.As(err, &cc) || cc.Attribute != "O" {
			t.Errorf("issue with O=%q: %v", v, err)
		}
		if _, err := st.CreateCA(CAOptions{Name: "c2", Subject: pkix.Name{CommonName: v}}); !errors.As(err, &cc) {
			t.Errorf("ca create with CN=%q: %v", v, err)
		}
		if _, _, err := st.CreateCSR(CSROptions{Name: "c3", Subject: pkix.Name{CommonName: v}}); !errors.As(err, &cc) {
			t.Errorf("csr with CN=%q: %v", v, err)
		}
	}
	if _, err := pki.ParseSubject("/O=a\tb/CN=x"); !errors.As(err, &cc) || cc.Attribute != "O" {
		t.Errorf("ParseSubject with a tab: %v", err)
	}
	after, _ := os.ReadFile(idx)
	if string(before) != string(after) {
		t.Errorf("index changed:\n%q", after)
	}
}

// signedByStoreCA makes a leaf outside pkibench (as openssl ca would) with
// the store CA's key, with any subject.
func signedByStoreCA(t *testing.T, st *Store, ca string, subject pkix.Name, serial int64) []byte {
	t.Helper()
	caCert, caKey, err := st.caSigner(ca, nil)
	if err != nil {
		t.Fatal(err)
	}
	key, _ := pki.GenerateKey(pki.P256)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: subject,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, BasicConstraintsValid: true, PublicKey: key.Public()}
	cert, err := pki.SignTemplate(tmpl, caCert, caKey)
	if err != nil {
		t.Fatal(err)
	}
	return pki.EncodeCertPEM(cert.Raw)
}

// An imported certificate of a store CA whose subject holds a newline, tabs
// and an escape sequence is recorded on one index line, escaped as openssl
// ca escapes it; list, crl and check all still work.
func TestImportedControlCharactersAreEscapedInIndex(t *testing.T) {
	st := newStore(t)
	mustCA(t, st, CAOptions{Name: "abc"})
	if _, err := st.Issue(IssueOptions{Names: []string{"victim"}, CA: "abc", Profile: pki.ProfileClient}); err != nil {
		t.Fatal(err)
	}
	pemb := signedByStoreCA(t, st, "abc", pkix.Name{CommonName: forgedCN, Organization: []string{"é"}}, 77)
	res, err := st.Import([]ImportFile{{Source: "evil.pem", Data: pemb}}, ImportOptions{As: "evil"})
	if err != nil || res.Kind != "issued" {
		t.Fatalf("import: %+v %v", res, err)
	}
	b, _ := os.ReadFile(filepath.Join(st.Path(), "cas/abc/index.txt"))
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("index has %d lines, want 2:\n%s", len(lines), b)
	}
	want := `/O=\xC3\xA9/CN=x\x0AR\x09300101000000Z\x09250101000000Z,keyCompromise\x0901\x09unknown\x09\/CN=victim\x1B[31m`
	if f := strings.Split(lines[1], "\t"); len(f) != 6 || f[5] != want {
		t.Fatalf("index line %q\nwant subject %q", lines[1], want)
	}
	all, err := st.List(ListFilter{})
	if err != nil || len(all) != 2 {
		t.Fatalf("list: %v %v", all, err)
	}
	for _, c := range all {
		if c.Status != StatusValid || strings.ContainsAny(c.Subject, "\n\t\x1b") {
			t.Errorf("listed %+v", c)
		}
	}
	crl, err := st.PublishCRL("abc", CRLOptions{})
	if err != nil || crl.Entries != 0 {
		t.Fatalf("crl: %+v %v (the forged line must not revoke anything)", crl, err)
	}
	if rep, err := st.Check(false); err != nil || rep.Remaining() != 0 {
		t.Fatalf("check: %v %+v", err, rep)
	}
}

// The escaping matches what openssl ca itself writes for the same subject.
func TestIndexEscapingMatchesOpenSSL(t *testing.T) {
	got := indexSubject(pkix.Name{ExtraNames: []pkix.AttributeTypeAndValue{
		{Type: []int{2, 5, 4, 3}, Value: "xV é"}, {Type: []int{2, 5, 4, 10}, Value: "a\tb\x1b[31m"}}})
	// openssl 3.0 ca -utf8 -subj "/CN=xV é/O=a<TAB>b<ESC>[31m" writes this subject.
	if want := `/CN=xV \xC3\xA9/O=a\x09b\x1B[31m`; got != want {
		t.Errorf("index subject %q, openssl writes %q", got, want)
	}
}
