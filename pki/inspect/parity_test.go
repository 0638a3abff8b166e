package inspect

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pkibench/pkibench/pki"
	"github.com/pkibench/pkibench/pki/testtool"
)

// lineParity counts how many of openssl's lines ours prints identically
// and in the same order (longest common subsequence after trimming leading
// spaces), and lists openssl's lines that have no partner.
func lineParity(ours, theirs string) (matched, total int, missing, extra []string) {
	a := trimAll(splitLines(ours))
	b := trimAll(splitLines(theirs))
	n, m := len(a), len(b)
	dp := make([][]int, n+1)
	for i := range dp {
		dp[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				dp[i][j] = dp[i+1][j+1] + 1
			} else {
				dp[i][j] = max(dp[i+1][j], dp[i][j+1])
			}
		}
	}
	i, j := 0, 0
	for i < n && j < m {
		switch {
		case a[i] == b[j]:
			i++
			j++
		case dp[i+1][j] >= dp[i][j+1]:
			extra = append(extra, a[i])
			i++
		default:
			missing = append(missing, b[j])
			j++
		}
	}
	for ; j < m; j++ {
		missing = append(missing, b[j])
	}
	extra = append(extra, a[i:]...)
	return dp[0][0], m, missing, extra
}

func trimAll(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = strings.TrimLeft(l, " ")
	}
	return out
}

func TestLineParity(t *testing.T) {
	matched, total, missing, extra := lineParity("a\n  b\ny\nc\n", "a\nb\nx\nc\n")
	if matched != 3 || total != 4 || len(missing) != 1 || missing[0] != "x" || len(extra) != 1 || extra[0] != "y" {
		t.Fatalf("lineParity = %d/%d missing %q extra %q", matched, total, missing, extra)
	}
}

// runOpenSSL feeds input to openssl with args and returns its stdout.
func runOpenSSL(t *testing.T, tool string, input []byte, args ...string) string {
	t.Helper()
	cmd := exec.Command(tool, args...)
	cmd.Stdin = bytes.NewReader(input)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("openssl %s: %v: %s", strings.Join(args, " "), err, errb.String())
	}
	return out.String()
}

// parityReport accumulates line parity over a corpus.
type parityReport struct {
	name           string
	matched, total int
	objects        int
	diffs          []string
	extra          int
	exact          int // objects printed byte for byte as openssl does
}

func (p *parityReport) add(label, ours, theirs string) {
	m, n, missing, extra := lineParity(ours, theirs)
	p.matched += m
	p.total += n
	p.objects++
	p.extra += len(extra)
	if ours == theirs {
		p.exact++
	}
	for _, l := range missing {
		p.diffs = append(p.diffs, label+": openssl prints "+strconvQuote(l))
	}
	for _, l := range extra {
		p.diffs = append(p.diffs, label+": we print "+strconvQuote(l))
	}
}

func (p *parityReport) check(t *testing.T) {
	t.Helper()
	share := float64(p.matched) / float64(max(p.total, 1))
	t.Logf("%s parity: %d objects, %d/%d openssl lines identical and in order = %.4f; %d lines of ours openssl lacks; %d objects byte-identical",
		p.name, p.objects, p.matched, p.total, share, p.extra, p.exact)
	for i, d := range p.diffs {
		if i == 40 && os.Getenv("INSPECT_ALL_DIFFS") == "" {
			t.Logf("  ... %d more", len(p.diffs)-40)
			break
		}
		t.Logf("  differs: %s", d)
	}
	if share < 0.99 {
		t.Errorf("%s parity %.4f < 0.99", p.name, share)
	}
	if float64(p.extra) > 0.01*float64(p.total) {
		t.Errorf("%s: %d extra lines is more than 1%% of %d", p.name, p.extra, p.total)
	}
}

func TestCertificateParityBundle(t *testing.T) {
	tool := testtool.Require(t, "openssl")
	const bundle = "/etc/ssl/certs/ca-certificates.crt"
	data, err := os.ReadFile(bundle)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("system CA bundle: %v", err)
		}
		t.Skipf("system CA bundle: %v", err)
	}
	rep := parityReport{name: "CA bundle certificates"}
	now := time.Now()
	for rest := data; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			continue // openssl may read what Go rejects; parity is about what both read
		}
		want := runOpenSSL(t, tool, b.Bytes, "x509", "-inform", "DER", "-text", "-noout")
		rep.add(c.Subject.CommonName, Text(FromCertificate(c, now)), want)
	}
	if rep.objects < 100 {
		t.Errorf("only %d certificates read from %s", rep.objects, bundle)
	}
	rep.check(t)
}

// corpus is what pkibench makes: every algorithm and profile, an
// intermediate with path length and name constraints, CRL distribution
// points and AIA, and the seeds' openssl-made v1 certificate.
type corpus struct {
	certs []*x509.Certificate
	csrs  []*x509.CertificateRequest
	crls  [][]byte
	keys  []crypto.Signer
}

func mustKey(t *testing.T, a pki.Algorithm) crypto.Signer {
	t.Helper()
	k, err := pki.GenerateKey(a)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func buildCorpus(t *testing.T) corpus {
	t.Helper()
	var c corpus
	now := time.Now().UTC().Truncate(time.Second)
	subject := func(s string) pkix.Name {
		n, err := pki.ParseSubject(s)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	rootKey := mustKey(t, pki.P256)
	root, err := pki.Issue(pki.Request{Subject: subject("/C=US/O=ABC Inc./CN=ABC Root CA"), Profile: pki.ProfileRootCA,
		NotBefore: now, NotAfter: now.AddDate(10, 0, 0), PublicKey: rootKey.Public()}, nil, rootKey)
	if err != nil {
		t.Fatal(err)
	}
	c.certs = append(c.certs, root)
	zero := 0
	_, ipnet, _ := net.ParseCIDR("10.0.0.0/8")
	_, ip6net, _ := net.ParseCIDR("fd00::/8")
	interKey := mustKey(t, pki.P384)
	inter, err := pki.Issue(pki.Request{Subject: subject("/O=ABC Inc./OU=Ops, Europe/CN=ABC Issuing CA"), Profile: pki.ProfileIntermediateCA,
		NotBefore: now, NotAfter: now.AddDate(5, 0, 0), PublicKey: interKey.Public(), PathLen: &zero,
		Constraints: pki.NameConstraints{PermittedDNS: []string{"abc.test", ".internal"}, ExcludedDNS: []string{"bad.abc.test"},
			PermittedIP: []*net.IPNet{ipnet, ip6net}, PermittedEmail: []string{"abc.test"}},
		CRLURL: "http://crl.abc.test/root.crl", AIAURL: "http://ca.abc.test/root.crt"}, root, rootKey)
	if err != nil {
		t.Fatal(err)
	}
	c.certs = append(c.certs, inter)
	for _, alg := range pki.Algorithms {
		key := mustKey(t, alg)
		c.keys = append(c.keys, key)
		for _, p := range pki.Profiles {
			r := pki.Request{Subject: subject("/O=ABC Inc./CN=" + string(alg) + "-" + string(p)), Profile: p,
				NotBefore: now, NotAfter: now.AddDate(1, 0, 0), PublicKey: key.Public(),
				DNS: []string{"localhost", "*.abc.test"}, IPs: []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("::1")},
				CRLURL: "http://crl.abc.test/issuing.crl", AIAURL: "http://ca.abc.test/issuing.crt"}
			if p == pki.ProfileClient {
				r.Emails = []string{"client@abc.test"}
			}
			if p.IsCA() {
				r.DNS, r.IPs = nil, nil
			}
			var cert *x509.Certificate
			if p == pki.ProfileRootCA {
				cert, err = pki.Issue(r, nil, key)
			} else {
				cert, err = pki.Issue(r, inter, interKey)
			}
			if err != nil {
				t.Fatalf("%s %s: %v", alg, p, err)
			}
			c.certs = append(c.certs, cert)
			if p == pki.ProfileRootCA {
				// A CRL signed with every key type.
				der, err := pki.CreateCRL(pki.CRLRequest{Number: big.NewInt(1000), ThisUpdate: now, NextUpdate: now.Add(24 * time.Hour),
					Revoked: []pki.Revocation{{Serial: big.NewInt(7), Time: now, Reason: 9}}}, cert, key)
				if err != nil {
					t.Fatalf("%s CRL: %v", alg, err)
				}
				c.crls = append(c.crls, der)
			}
		}
		csr, err := pki.CreateCSR(pki.CSRRequest{Subject: subject("/C=DE/ST=Berlin/O=ABC Inc./CN=" + string(alg)),
			DNS: []string{"csr.abc.test"}, IPs: []net.IP{net.ParseIP("192.0.2.1")}}, key)
		if err != nil {
			t.Fatal(err)
		}
		c.csrs = append(c.csrs, csr)
	}
	// A CSR with no extensions at all.
	bare, err := pki.CreateCSR(pki.CSRRequest{Subject: subject("/CN=bare")}, rootKey)
	if err != nil {
		t.Fatal(err)
	}
	c.csrs = append(c.csrs, bare)
	for i, revoked := range [][]pki.Revocation{nil, {
		{Serial: big.NewInt(1), Time: now.Add(-time.Hour), Reason: 1},
		{Serial: c.certs[3].SerialNumber, Time: now.Add(-2 * time.Hour), Reason: 0},
		{Serial: c.certs[4].SerialNumber, Time: now.Add(-3 * time.Hour), Reason: 4},
		{Serial: big.NewInt(0x1234567), Time: now, Reason: 5},
		{Serial: big.NewInt(99), Time: now, Reason: 6},
	}} {
		der, err := pki.CreateCRL(pki.CRLRequest{Number: big.NewInt(int64(i + 1)), ThisUpdate: now, NextUpdate: now.AddDate(0, 0, 7), Revoked: revoked}, inter, interKey)
		if err != nil {
			t.Fatal(err)
		}
		c.crls = append(c.crls, der)
	}
	return c
}

// seedCerts makes certificates the way the seeds do with openssl:
// a self-signed CA by req -x509 and a leaf by x509 -req -set_serial 0.
func seedCerts(t *testing.T, tool string) []*x509.Certificate {
	t.Helper()
	dir := t.TempDir()
	run := func(args ...string) {
		t.Helper()
		cmd := exec.Command(tool, args...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	run("req", "-x509", "-sha256", "-nodes", "-days", "365", "-newkey", "rsa:2048", "-subj", "/O=ABC Inc.", "-keyout", "ca.key", "-out", "ca.pem")
	run("req", "-out", "server.csr", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-subj", "/CN=localhost/O=InvoiceServer")
	run("x509", "-req", "-sha256", "-days", "365", "-CA", "ca.pem", "-CAkey", "ca.key", "-set_serial", "0", "-in", "server.csr", "-out", "server.cert")
	run("req", "-x509", "-nodes", "-days", "30", "-newkey", "rsa:1024", "-sha1", "-subj", "/C=SE/O=Old \\+ Weak/CN=old,weak", "-keyout", "old.key", "-out", "old.pem")
	var out []*x509.Certificate
	for _, f := range []string{"ca.pem", "server.cert", "old.pem"} {
		data, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		objs, err := pki.Decode(data, f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, pki.Certificates(objs)...)
	}
	return out
}

func TestParityPkibench(t *testing.T) {
	tool := testtool.Require(t, "openssl")
	c := buildCorpus(t)
	now := time.Now()
	certs := append(c.certs, seedCerts(t, tool)...)
	certRep := parityReport{name: "pkibench certificates"}
	for _, cert := range certs {
		want := runOpenSSL(t, tool, cert.Raw, "x509", "-inform", "DER", "-text", "-noout")
		certRep.add(cert.Subject.CommonName, Text(FromCertificate(cert, now)), want)
	}
	certRep.check(t)

	csrRep := parityReport{name: "pkibench CSRs"}
	for _, csr := range c.csrs {
		want := runOpenSSL(t, tool, csr.Raw, "req", "-inform", "DER", "-text", "-noout")
		csrRep.add(csr.Subject.CommonName, Text(FromCSR(csr)), want)
	}
	csrRep.check(t)

	crlRep := parityReport{name: "pkibench CRLs"}
	for i, der := range c.crls {
		crl, err := x509.ParseRevocationList(der)
		if err != nil {
			t.Fatal(err)
		}
		want := runOpenSSL(t, tool, der, "crl", "-inform", "DER", "-text", "-noout")
		crlRep.add(fmt.Sprintf("crl%d", i), Text(FromCRL(crl, now)), want)
	}
	crlRep.check(t)

	keyRep := parityReport{name: "pkibench keys"}
	for _, k := range c.keys {
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		want := runOpenSSL(t, tool, der, "pkey", "-inform", "DER", "-text", "-noout")
		keyRep.add(pki.DescribeKey(k.Public()), Text(FromPrivateKey(k)), want)
		pub, err := x509.MarshalPKIXPublicKey(k.Public())
		if err != nil {
			t.Fatal(err)
		}
		want = runOpenSSL(t, tool, pub, "pkey", "-pubin", "-inform", "DER", "-text", "-noout")
		keyRep.add(pki.DescribeKey(k.Public())+" public", Text(FromPublicKey(k.Public())), want)
	}
	keyRep.check(t)
}

func strconvQuote(s string) string { return strconv.Quote(s) }
