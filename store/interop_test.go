package store

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pkibench/pkibench/pki"
	"github.com/pkibench/pkibench/pki/testtool"
)

// Every algorithm and profile pkibench makes passes openssl verify, and
// openssl x509 -text shows the extensions the profile promises.
func TestOpensslVerifiesEveryKind(t *testing.T) {
	openssl := testtool.Require(t, "openssl")
	st := newStore(t)
	two := 2
	mustCA(t, st, CAOptions{Name: "root", Subject: subj(t, "/O=ABC Inc./CN=ABC Root"), PathLen: &two})
	zero := 0
	mustCA(t, st, CAOptions{Name: "sub", Parent: "root", Algorithm: pki.P384, PathLen: &zero,
		CRLURL: "http://crl.example.com/sub.crl", AIAURL: "http://ca.example.com/sub.crt"})
	mustCA(t, st, CAOptions{Name: "nc", Parent: "root", Algorithm: pki.RSA2048,
		Constraints: pki.NameConstraints{PermittedDNS: []string{"example.com"}}})
	type kind struct {
		ca      string
		algo    pki.Algorithm
		profile pki.Profile
		purpose string
		want    []string
	}
	var kinds []kind
	for _, a := range pki.Algorithms {
		if a == pki.RSA4096 || a == pki.RSA3072 {
			continue // slow to generate; covered once below
		}
		kinds = append(kinds,
			kind{"sub", a, pki.ProfileServer, "sslserver", []string{"TLS Web Server Authentication", "DNS:www.example.com", "IP Address:127.0.0.1", "X509v3 CRL Distribution Points", "http://crl.example.com/sub.crl", "CA Issuers - URI:http://ca.example.com/sub.crt"}},
			kind{"sub", a, pki.ProfileClient, "sslclient", []string{"TLS Web Client Authentication", "Digital Signature"}})
	}
	kinds = append(kinds,
		kind{"nc", pki.RSA3072, pki.ProfileServerClient, "sslserver", []string{"TLS Web Server Authentication, TLS Web Client Authentication", "Key Encipherment"}},
		kind{"root", pki.RSA4096, pki.ProfileServer, "sslserver", []string{"Digital Signature, Key Encipherment"}})
	for i, k := range kinds {
		name := fmt.Sprintf("k%d-%s-%s", i, k.algo, k.profile)
		dns := []string{"www.example.com"}
		c, err := st.Issue(IssueOptions{Names: []string{name}, CA: k.ca, Algorithm: k.algo, Profile: k.profile, DNS: dns,
			IPs: ipsFor(k.ca), Emails: []string{"ops@example.com"}, Subject: subj(t, "CN=www.example.com,O=ABC Inc.")})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		certFile := filepath.Join(c[0].Dir, "cert.pem")
		args := []string{"verify", "-CAfile", filepath.Join(st.Path(), "cas/root/ca.crt"), "-purpose", k.purpose}
		if k.ca != "root" {
			args = append(args, "-untrusted", filepath.Join(st.Path(), "cas", k.ca, "ca.crt"))
		}
		out := testtool.Run(t, "", openssl, append(args, certFile)...)
		if !strings.Contains(out, ": OK") {
			t.Errorf("%s: openssl verify: %s", name, out)
		}
		text := testtool.Run(t, "", openssl, "x509", "-in", certFile, "-noout", "-text")
		for _, w := range append(k.want, "CA:FALSE", "X509v3 Subject Key Identifier", "X509v3 Authority Key Identifier", "Subject: O = ABC Inc., CN = www.example.com") {
			if !strings.Contains(text, w) {
				t.Errorf("%s: openssl x509 -text lacks %q", name, w)
			}
		}
	}
	for ca, want := range map[string][]string{
		"root": {"CA:TRUE, pathlen:2", "Certificate Sign, CRL Sign", "X509v3 Basic Constraints: critical", "X509v3 Key Usage: critical"},
		"sub":  {"CA:TRUE, pathlen:0", "X509v3 Authority Key Identifier"},
		"nc":   {"X509v3 Name Constraints: critical", "DNS:example.com"},
	} {
		text := testtool.Run(t, "", openssl, "x509", "-in", filepath.Join(st.Path(), "cas", ca, "ca.crt"), "-noout", "-text")
		for _, w := range want {
			if !strings.Contains(text, w) {
				t.Errorf("CA %s: openssl x509 -text lacks %q", ca, w)
			}
		}
	}
}

func ipsFor(ca string) []net.IP {
	if ca == "nc" {
		return nil // the name constraint only permits DNS names under example.com
	}
	return []net.IP{net.ParseIP("127.0.0.1")}
}

// openssl ca -gencrl reads a pkibench index.txt, and openssl enforces the CRLs pkibench publishes.
func TestOpensslReadsIndexAndCRLs(t *testing.T) {
	openssl := testtool.Require(t, "openssl")
	st := newStore(t)
	mustCA(t, st, CAOptions{Name: "abc", Algorithm: pki.RSA2048})
	if _, err := st.Issue(IssueOptions{Names: []string{"client1", "client2"}, CA: "abc", Profile: pki.ProfileClient}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Revoke("client2", RevokeOptions{Reason: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.PublishCRL("abc", CRLOptions{}); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(st.Path(), "cas/abc")
	crl := filepath.Join(dir, "crl.pem")
	out := testtool.Run(t, "", openssl, "crl", "-in", crl, "-CAfile", filepath.Join(dir, "ca.crt"), "-noout")
	if !strings.Contains(out, "verify OK") {
		t.Errorf("openssl crl -CAfile: %s", out)
	}
	text := testtool.Run(t, "", openssl, "crl", "-in", crl, "-noout", "-text")
	c2, _ := st.Identity("client2", nil)
	if !strings.Contains(text, "Serial Number: "+pki.SerialHex(c2.Cert.SerialNumber)) || !strings.Contains(text, "Key Compromise") || !strings.Contains(text, "X509v3 CRL Number") {
		t.Errorf("openssl crl -text lacks the revoked serial or reason:\n%s", text)
	}
	verify := func(name string) (string, error) {
		cmd := exec.Command(openssl, "verify", "-crl_check", "-CRLfile", crl, "-CAfile", filepath.Join(dir, "ca.crt"),
			filepath.Join(st.Path(), "certs", name, "cert.pem"))
		b, err := cmd.CombinedOutput()
		return string(b), err
	}
	if out, err := verify("client1"); err != nil {
		t.Errorf("client1 should verify: %s", out)
	}
	if out, err := verify("client2"); err == nil || !strings.Contains(out, "certificate revoked") {
		t.Errorf("client2 should be revoked: %v %s", err, out)
	}
	// openssl ca -gencrl on the same folder: the index really is openssl's format.
	cnf := filepath.Join(t.TempDir(), "ca.cnf")
	os.WriteFile(cnf, []byte(fmt.Sprintf(`[ca]
default_ca = CA_default
[CA_default]
dir = %s
database = $dir/index.txt
crlnumber = $dir/crlnumber
certificate = $dir/ca.crt
private_key = $dir/ca.key
default_md = sha256
default_crl_days = 7
`, dir)), 0o600)
	out2 := filepath.Join(t.TempDir(), "openssl-crl.pem")
	testtool.Run(t, "", openssl, "ca", "-gencrl", "-config", cnf, "-out", out2)
	text2 := testtool.Run(t, "", openssl, "crl", "-in", out2, "-noout", "-text")
	if !strings.Contains(text2, pki.SerialHex(c2.Cert.SerialNumber)) || !strings.Contains(text2, "Key Compromise") {
		t.Errorf("openssl ca -gencrl did not read the revocation from index.txt:\n%s", text2)
	}
}

// The seeds' openssl-made files import as they are: a v3 CA from req -x509,
// v1 leaves with serial 0, CN-only, .cert/.key names, PKCS#1 and PKCS#8, DER, PKCS#12.
func TestImportSeedFiles(t *testing.T) {
	openssl := testtool.Require(t, "openssl")
	w := t.TempDir()
	run := func(args ...string) { testtool.Run(t, w, openssl, args...) }
	for _, d := range []string{"ca", "ca-wrong", "invoice-server", "mail-server"} {
		os.Mkdir(filepath.Join(w, d), 0o700)
	}
	run("req", "-x509", "-sha256", "-nodes", "-days", "365", "-newkey", "rsa:2048", "-subj", "/O=ABC Inc.", "-keyout", "ca/ca.key.pem", "-out", "ca/ca.cert.pem")
	run("req", "-out", "invoice-server/server.csr", "-newkey", "rsa:2048", "-nodes", "-keyout", "invoice-server/private.key", "-subj", "/CN=localhost/O=InvoiceServer")
	run("x509", "-req", "-sha256", "-days", "365", "-CA", "ca/ca.cert.pem", "-CAkey", "ca/ca.key.pem", "-set_serial", "0", "-in", "invoice-server/server.csr", "-out", "invoice-server/server.cert")
	run("req", "-out", "mail-server/server.csr", "-newkey", "rsa:2048", "-nodes", "-keyout", "mail-server/private.key", "-subj", "/CN=localhost/O=MailServer")
	run("x509", "-req", "-sha256", "-days", "365", "-CA", "ca/ca.cert.pem", "-CAkey", "ca/ca.key.pem", "-set_serial", "0", "-in", "mail-server/server.csr", "-out", "mail-server/server.cert")
	run("rsa", "-in", "mail-server/private.key", "-traditional", "-out", "mail-server/pkcs1.key")
	run("x509", "-in", "mail-server/server.cert", "-outform", "DER", "-out", "mail-server/server.der")
	run("pkcs12", "-export", "-in", "mail-server/server.cert", "-inkey", "mail-server/private.key", "-passout", "pass:p12pass", "-out", "mail-server/bundle.p12")
	st := newStore(t)
	read := func(p string) ImportFile {
		b, err := os.ReadFile(filepath.Join(w, p))
		if err != nil {
			t.Fatal(err)
		}
		return ImportFile{Source: p, Data: b}
	}
	ca, err := st.Import([]ImportFile{read("ca/ca.cert.pem"), read("ca/ca.key.pem")}, ImportOptions{As: "abc"})
	if err != nil || ca.Kind != "ca" || !ca.HasKey {
		t.Fatalf("import CA: %+v %v", ca, err)
	}
	inv, err := st.Import([]ImportFile{read("invoice-server/server.cert"), read("invoice-server/private.key")}, ImportOptions{As: "invoice-server"})
	if err != nil || inv.Kind != "issued" || inv.CA != "abc" || inv.Serial != "00" {
		t.Fatalf("import v1 serial-0 leaf: %+v %v", inv, err)
	}
	mail, err := st.Import([]ImportFile{read("mail-server/server.cert"), read("mail-server/pkcs1.key")}, ImportOptions{As: "mail-server"})
	if err != nil || mail.Kind != "foreign" || len(mail.Notes) == 0 {
		t.Fatalf("second serial 0 goes to imported/ with a note: %+v %v", mail, err)
	}
	if _, err := st.Import([]ImportFile{read("mail-server/server.der")}, ImportOptions{As: "mail-der"}); err != nil {
		t.Fatalf("DER: %v", err)
	}
	pass := func(string) ([]byte, error) { return []byte("p12pass"), nil }
	if p, err := st.Import([]ImportFile{read("mail-server/bundle.p12")}, ImportOptions{As: "mail-p12", Passphrase: pass}); err != nil || !p.HasKey || !p.KeyEncrypted {
		t.Fatalf("PKCS#12: %+v %v", p, err)
	}
	if _, err := st.Import([]ImportFile{read("invoice-server/server.csr")}, ImportOptions{As: "a-csr"}); err != nil {
		t.Fatalf("CSR: %v", err)
	}
	// The imported CA issues, and openssl verifies what it issued.
	c, err := st.Issue(IssueOptions{Names: []string{"new"}, CA: "abc", Profile: pki.ProfileClient})
	if err != nil {
		t.Fatal(err)
	}
	testtool.Run(t, "", openssl, "verify", "-CAfile", filepath.Join(w, "ca/ca.cert.pem"), filepath.Join(c[0].Dir, "cert.pem"))
	// Imported leaves recorded in the index can be revoked (seed 003's client2).
	if _, err := st.Revoke("invoice-server", RevokeOptions{}); err != nil {
		t.Errorf("revoke imported leaf: %v", err)
	}
	// The key came under the PKCS#12 password and stays under it.
	if _, err := st.Identity("mail-p12", nil); !errors.Is(err, ErrPassphraseNeeded) {
		t.Errorf("identity of p12 import without its passphrase: %v", err)
	}
	id, err := st.Identity("mail-p12", pass)
	if err != nil || id.Key == nil {
		t.Errorf("identity of p12 import: %v", err)
	}
}

func TestExportPKCS12OpensWithOpenssl(t *testing.T) {
	openssl := testtool.Require(t, "openssl")
	st := newStore(t)
	mustCA(t, st, CAOptions{Name: "abc"})
	if _, err := st.Issue(IssueOptions{Names: []string{"web"}, CA: "abc", DNS: []string{"localhost"}}); err != nil {
		t.Fatal(err)
	}
	b, err := st.Export("web", "p12", func(string) ([]byte, error) { return []byte("s3cret"), nil })
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "web.p12")
	os.WriteFile(p, b, 0o600)
	out := testtool.Run(t, "", openssl, "pkcs12", "-in", p, "-passin", "pass:s3cret", "-nodes", "-info")
	if !strings.Contains(out, "BEGIN CERTIFICATE") || !strings.Contains(out, "BEGIN PRIVATE KEY") {
		t.Errorf("openssl pkcs12 did not find both key and certificate:\n%s", out)
	}
	for _, f := range []string{"pem", "der", "fullchain"} {
		if b, err := st.Export("web", f, nil); err != nil || len(b) == 0 {
			t.Errorf("export %s: %v", f, err)
		}
	}
	// web is issued right under the root: its chain (intermediates) is empty.
	if b, err := st.Export("web", "chain", nil); err != nil || len(b) != 0 {
		t.Errorf("export chain: %v, %d bytes", err, len(b))
	}
}
