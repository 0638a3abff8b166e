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

	"github.com/pkibench/pkibench/pki"
	"github.com/pkibench/pkibench/pki/testtool"
	"github.com/pkibench/pkibench/probe"
	"github.com/pkibench/pkibench/store"
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

			// certbot's convention, as the store writes it: chain.pem the
			// intermediates, fullchain.pem leaf + intermediates, root.pem the root.
			for _, c := range []struct {
				file string
				want []string
			}{
				{l.Cert("web").Chain, []string{"issuing"}},
				{l.Cert("web").FullChain, []string{"localhost", "issuing"}},
				{l.Cert("web").Root, []string{"ABC Root"}},
				{l.Cert("mail").Chain, nil},
				{l.Cert("mail").FullChain, []string{"mail"}},
				{l.Cert("mail").Root, []string{"ABC Root"}},
			} {
				if got := commonNames(t, c.file); strings.Join(got, ",") != strings.Join(c.want, ",") {
					t.Errorf("%s holds %v, want %v", c.file, got, c.want)
				}
			}
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

// commonNames lists the CNs of the certificates in a PEM file (none for an empty one).
func commonNames(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for {
		var blk *pem.Block
		blk, b = pem.Decode(b)
		if blk == nil {
			return out
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, c.Subject.CommonName)
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

// TestAuthModes: each client-auth mode maps to the openssl s_server flags
// and Node.js options that behave the same way.
func TestAuthModes(t *testing.T) {
	l := Layout{Root: "pki"}
	for _, c := range []struct {
		mode            probe.AuthMode
		openssl, nodejs string
		notOpenSSL      string
	}{
		{probe.AuthNone, "-www", "requestCert: false", "-verify"},
		{probe.AuthRequest, "-verify 1 -www", "rejectUnauthorized: false", "-verify_return_error"},
		{probe.AuthVerifyIfGiven, "-verify 1 -verify_return_error", "no verify-if-given mode", "-Verify"},
		{probe.AuthRequireAny, "-Verify 1 -www", "no require-any mode", "-verify_return_error"},
		{probe.AuthRequireAndVerify, "-Verify 1 -verify_return_error", "rejectUnauthorized: true", "-verify 1"},
	} {
		cmds := ServerCommands(l.ProbeSpec(StoreProbe{Server: "web", ServerTrust: []string{"abc"}, Auth: c.mode}))
		o, n := find(cmds, OpenSSL), find(cmds, Node)
		if !strings.Contains(o.Line, c.openssl) || strings.Contains(o.Line, c.notOpenSSL) {
			t.Errorf("%s: s_server %s", c.mode, o.Line)
		}
		if !strings.Contains(n.Line+n.Purpose, c.nodejs) {
			t.Errorf("%s: node %s (%s)", c.mode, n.Line, n.Purpose)
		}
	}
}

// TestEveryCommandFilled: no builder returns a step without a tool, a
// purpose or a line.
func TestEveryCommandFilled(t *testing.T) {
	l := Layout{Root: "pki"}
	sets := map[string][]Command{
		"create-ca":  CreateCA(l, CASpec{Name: "abc"}),
		"create-int": CreateCA(l, CASpec{Name: "i", Parent: "abc"}),
		"issue":      Issue(l, IssueSpec{Name: "web", CA: "abc", DNS: []string{"localhost"}}),
		"revoke":     Revoke(l, "abc", l.Cert("web").Cert, pki.Reason(9), 0),
		"crl":        PublishCRL(l, "abc", 0),
		"inspect":    Inspect("x.pem", pki.KindCertificate, false),
		"verify":     Verify(VerifySpec{Leaf: "x.pem", Roots: []string{"a.pem", "b.pem"}}),
		"probe":      Probe(l.ProbeSpec(StoreProbe{Server: "web", Client: "mail", ServerTrust: []string{"abc"}, ClientTrust: []string{"abc", "zxc"}})),
	}
	for name, cmds := range sets {
		if len(cmds) == 0 {
			t.Errorf("%s: no commands", name)
		}
		for _, c := range cmds {
			if c.Tool == "" || c.Purpose == "" || c.Line == "" {
				t.Errorf("%s: empty field in %+v", name, c)
			}
		}
	}
	if r := sets["revoke"][1]; !strings.Contains(r.Line, "-crl_reason unspecified") || !strings.Contains(r.Purpose, "knows no privilegeWithdrawn") {
		t.Errorf("a reason openssl ca lacks: %+v", r)
	}
	if v := sets["verify"]; v[0].Tool != Shell || !strings.Contains(v[1].Line, "-CAfile "+BundleFile) {
		t.Errorf("two roots are not bundled: %+v", v)
	}
}

// ca create --encrypt --commands prints commands that encrypt the key: run
// with openssl, the key file is encrypted PKCS#8 (never in the clear) and
// opens with the passphrase, which is on no command line.
func TestOpenSSLCreateEncryptedCA(t *testing.T) {
	testtool.Require(t, "openssl")
	dir := t.TempDir()
	l := Layout{Root: filepath.Join(dir, "store")}
	cmds := CreateCA(l, CASpec{Name: "abc", Algo: pki.P256, Encrypt: true})
	for _, c := range cmds {
		if strings.Contains(c.Line, "s3cret") {
			t.Fatalf("passphrase on a command line: %s", c.Line)
		}
	}
	t.Setenv(PassEnv, "s3cret pass")
	mustSh(t, dir, cmds)
	b, err := os.ReadFile(l.CA("abc").Key)
	if err != nil || !strings.HasPrefix(string(b), "-----BEGIN ENCRYPTED PRIVATE KEY-----") {
		t.Fatalf("the key is not encrypted: %v\n%s", err, b)
	}
	if fi, _ := os.Stat(l.CA("abc").Key); fi.Mode().Perm() != 0o600 {
		t.Errorf("key mode %o", fi.Mode().Perm())
	}
	k, err := pki.DecryptKey(pemBlock(t, b), []byte("s3cret pass"))
	if err != nil {
		t.Fatal(err)
	}
	if err := pki.CheckKeyPair(readCert(t, l.CA("abc").Cert), k); err != nil {
		t.Error(err)
	}
}

func pemBlock(t *testing.T, b []byte) []byte {
	blk, _ := pem.Decode(b)
	if blk == nil {
		t.Fatal("no PEM")
	}
	return blk.Bytes
}
