package equiv

import (
	"context"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"pkibench/internal/pki"
	"pkibench/internal/store"
	"pkibench/internal/testtool"
)

// sh runs one printed command line with bash in dir and returns its
// combined output and error.
func sh(t *testing.T, dir string, c Command) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", c.Line)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func mustSh(t *testing.T, dir string, cmds []Command) {
	t.Helper()
	for _, c := range cmds {
		if out, err := sh(t, dir, c); err != nil {
			t.Fatalf("%s\n%s\nfailed: %v\n%s", c.Purpose, c.Line, err, out)
		}
	}
}

func readCert(t *testing.T, path string) *x509.Certificate {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		t.Fatalf("%s: no PEM", path)
	}
	c, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestOpenSSLCreateIssueVerify runs the printed openssl commands for a root
// and an intermediate CA (each key algorithm), issuing a server and a client
// certificate, and checks that the printed verify command accepts them, and
// refuses what it must.
func TestOpenSSLCreateIssueVerify(t *testing.T) {
	testtool.Require(t, "openssl")
	zero := 0
	for _, algo := range []pki.Algorithm{pki.P256, pki.P384, pki.Ed25519, pki.RSA2048} {
		t.Run(string(algo), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			l := Layout{Root: filepath.Join(dir, "my store")} // a space: quoting must hold
			mustSh(t, dir, CreateCA(l, CASpec{Name: "abc", Subject: pkix.Name{Organization: []string{"ABC Inc."}, CommonName: "ABC Root"}, Algo: algo}))
			mustSh(t, dir, CreateCA(l, CASpec{Name: "issuing", Parent: "abc", ParentAlgo: algo, Algo: algo, PathLen: &zero,
				Constraints: pki.NameConstraints{PermittedDNS: []string{"localhost"}}}))
			mustSh(t, dir, Issue(l, IssueSpec{Name: "web", CA: "issuing", CAAlgo: algo, Algo: algo, DNS: []string{"localhost"}, IPs: []net.IP{net.ParseIP("127.0.0.1")},
				Subject: pkix.Name{Organization: []string{"InvoiceServer"}, CommonName: "localhost"}}))
			mustSh(t, dir, Issue(l, IssueSpec{Name: "mail", CA: "abc", CAAlgo: algo, Algo: algo, Profile: pki.ProfileClient}))

			web := readCert(t, l.Cert("web").Cert)
			if len(web.ExtKeyUsage) != 1 || web.ExtKeyUsage[0] != x509.ExtKeyUsageServerAuth || web.IsCA || len(web.DNSNames) != 1 || len(web.AuthorityKeyId) == 0 {
				t.Errorf("web: eku %v ca %v dns %v aki %x", web.ExtKeyUsage, web.IsCA, web.DNSNames, web.AuthorityKeyId)
			}
			inter := readCert(t, l.CA("issuing").Cert)
			if !inter.IsCA || inter.MaxPathLen != 0 || !inter.MaxPathLenZero || len(inter.PermittedDNSDomains) != 1 {
				t.Errorf("issuing: ca %v pathlen %d constraints %v", inter.IsCA, inter.MaxPathLen, inter.PermittedDNSDomains)
			}
			// The files Go reads as pkibench would: the full chain verifies.
			roots, ints := x509.NewCertPool(), x509.NewCertPool()
			roots.AddCert(readCert(t, l.CA("abc").Cert))
			ints.AddCert(inter)
			if _, err := web.Verify(x509.VerifyOptions{Roots: roots, Intermediates: ints, DNSName: "localhost"}); err != nil {
				t.Errorf("Go refuses the openssl-made chain: %v", err)
			}

			good := VerifySpec{Leaf: l.Cert("web").Cert, Roots: []string{l.CA("abc").Cert}, Intermediates: []string{l.CA("issuing").Cert},
				Usage: "server", Name: "localhost", At: time.Now().Add(24 * time.Hour)}
			mustSh(t, dir, Verify(good))
			mustSh(t, dir, Verify(VerifySpec{Leaf: l.Cert("mail").Cert, Roots: []string{l.CA("abc").Cert, l.CA("issuing").Cert}, Usage: "client"}))
			for name, bad := range map[string]VerifySpec{
				"wrong name":      func() VerifySpec { v := good; v.Name = "invoice.abc.com"; return v }(),
				"wrong usage":     func() VerifySpec { v := good; v.Usage = "client"; return v }(),
				"expired":         func() VerifySpec { v := good; v.At = time.Now().AddDate(2, 0, 0); return v }(),
				"no intermediate": func() VerifySpec { v := good; v.Intermediates = nil; return v }(),
			} {
				cmds := Verify(bad)
				if out, err := sh(t, dir, cmds[len(cmds)-1]); err == nil {
					t.Errorf("%s: openssl verify accepted: %s\n%s", name, cmds[len(cmds)-1].Line, out)
				}
			}
			for _, c := range Inspect(l.Cert("web").Cert, pki.KindCertificate, false) {
				out, err := sh(t, dir, c)
				if err != nil || !strings.Contains(out, "Subject") && !strings.Contains(out, "Fingerprint") {
					t.Errorf("%s: %v %s", c.Line, err, out)
				}
			}
		})
	}
}

// TestOpenSSLCAOnStore: the printed `openssl ca` commands work on a store
// pkibench made (its index.txt is openssl's format): they revoke a
// pkibench certificate and sign a CRL that Go and openssl verify accept.
func TestOpenSSLCAOnStore(t *testing.T) {
	testtool.Require(t, "openssl")
	st, err := store.OpenOrCreate(filepath.Join(t.TempDir(), "pki"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateCA(store.CAOptions{Name: "abc", Subject: pkix.Name{Organization: []string{"ABC Inc."}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Issue(store.IssueOptions{Names: []string{"client1", "client2"}, CA: "abc", Profile: pki.ProfileClient}); err != nil {
		t.Fatal(err)
	}
	l := Layout{Root: st.Path()}
	dir := t.TempDir()
	mustSh(t, dir, Revoke(l, "abc", l.Cert("client2").Cert, pki.Reason(1), 7))
	mustSh(t, dir, Inspect(l.CA("abc").CRL, pki.KindCRL, false))
	mustSh(t, dir, Inspect(l.CA("abc").CRLDER, pki.KindCRL, true))

	crl, err := st.CRL("abc")
	if err != nil {
		t.Fatal(err)
	}
	c2 := readCert(t, l.Cert("client2").Cert)
	if len(crl.RevokedCertificateEntries) != 1 || crl.RevokedCertificateEntries[0].SerialNumber.Cmp(c2.SerialNumber) != 0 ||
		crl.RevokedCertificateEntries[0].ReasonCode != 1 {
		t.Fatalf("CRL entries %+v", crl.RevokedCertificateEntries)
	}
	if got := crl.NextUpdate.Sub(crl.ThisUpdate); got != 7*24*time.Hour {
		t.Errorf("CRL validity %s, want 7 days", got)
	}
	ls, err := st.List(store.ListFilter{CA: "abc"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range ls {
		want := store.StatusValid
		if c.Name == "client2" {
			want = store.StatusRevoked
		}
		if c.Status != want {
			t.Errorf("store says %s is %s after openssl ca, want %s", c.Name, c.Status, want)
		}
	}
	ok := VerifySpec{Leaf: l.Cert("client1").Cert, Roots: []string{l.CA("abc").Cert}, CRLs: []string{l.CA("abc").CRL}, Usage: "client"}
	mustSh(t, dir, Verify(ok))
	bad := ok
	bad.Leaf = l.Cert("client2").Cert
	cmds := Verify(bad)
	if out, err := sh(t, dir, cmds[len(cmds)-1]); err == nil || !strings.Contains(out, "revoked") {
		t.Errorf("openssl verify -crl_check on revoked client2: %v %s", err, out)
	}
}

func TestQuote(t *testing.T) {
	for in, want := range map[string]string{
		"":                     "''",
		"pki/cas/abc/ca.crt":   "pki/cas/abc/ca.crt",
		"/O=ABC Inc./CN=x":     "'/O=ABC Inc./CN=x'",
		"it's":                 `'it'\''s'`,
		"$HOME":                "'$HOME'",
		"DNS:localhost,IP:::1": "DNS:localhost,IP:::1",
		"a;rm -rf /":           "'a;rm -rf /'",
	} {
		if got := Quote(in); got != want {
			t.Errorf("Quote(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestRender(t *testing.T) {
	out := Render([]Command{{Shell, "one", "echo 1"}, {OpenSSL, "two", "openssl version"}})
	if out != "# one\necho 1\n\n# two\nopenssl version\n" {
		t.Errorf("Render = %q", out)
	}
}
