package pki

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pkibench/pkibench/pki/testtool"
)

func TestParseSubject(t *testing.T) {
	cases := []struct {
		in, openssl, slash string
		bad                bool
	}{
		{in: "/O=ABC Inc./CN=localhost", openssl: "O = ABC Inc., CN = localhost", slash: "/O=ABC Inc./CN=localhost"},
		{in: "CN=localhost,O=ABC Inc.", openssl: "O = ABC Inc., CN = localhost", slash: "/O=ABC Inc./CN=localhost"},
		{in: "/C=US/ST=CA/L=SF/O=A\\/B/OU=x/CN=y/emailAddress=a@b", openssl: "C = US, ST = CA, L = SF, O = A/B, OU = x, CN = y, emailAddress = a@b", slash: "/C=US/ST=CA/L=SF/O=A\\/B/OU=x/CN=y/emailAddress=a@b"},
		{in: "CN=a\\,b", openssl: "CN = a,b", slash: "/CN=a,b"},
		{in: "/CN=localhost/O=InvoiceServer", openssl: "CN = localhost, O = InvoiceServer", slash: "/CN=localhost/O=InvoiceServer"},
		{in: "", openssl: "", slash: ""},
		{in: "/XX=1", bad: true},
		{in: "/CN", bad: true},
		{in: "/CN=", bad: true},
		{in: "/C=USA", bad: true},
		{in: "CN=x\\", bad: true},
	}
	for _, c := range cases {
		n, err := ParseSubject(c.in)
		if c.bad {
			var se *SubjectError
			if !errors.As(err, &se) {
				t.Errorf("%q: got %v, want a SubjectError", c.in, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		// What the certificate really holds, in order.
		var rdn pkix.RDNSequence
		der, _ := x509MarshalName(n)
		if _, err := asn1Unmarshal(der, &rdn); err != nil {
			t.Fatal(err)
		}
		var back pkix.Name
		back.FillFromRDNSequence(&rdn)
		if got := FormatName(back); got != c.openssl {
			t.Errorf("%q: FormatName = %q, want %q", c.in, got, c.openssl)
		}
		if got := FormatNameSlash(back); got != c.slash {
			t.Errorf("%q: FormatNameSlash = %q, want %q", c.in, got, c.slash)
		}
	}
}

func FuzzParseSubject(f *testing.F) {
	for _, s := range []string{"/O=ABC Inc./CN=localhost", "CN=a\\,b,O=x", "/C=US", "", "/", "=,=", "\\"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseSubject(s)
		if err != nil {
			return
		}
		FormatName(n)
		FormatNameSlash(n)
	})
}

func TestPBES2RoundTripAndOpenssl(t *testing.T) {
	key, _ := GenerateKey(P256)
	pemKey, err := EncodeKeyPEM(key, []byte("pw"))
	if err != nil {
		t.Fatal(err)
	}
	objs, err := Decode(pemKey, "k.pem")
	if err != nil || objs[0].Kind != KindEncryptedKey {
		t.Fatalf("decode: %v %v", objs, err)
	}
	got, err := DecryptKey(objs[0].DER, []byte("pw"))
	if err != nil || CheckKeyPairKeys(got, key) != nil {
		t.Fatalf("decrypt: %v", err)
	}
	if _, err := DecryptKey(objs[0].DER, []byte("nope")); !errors.Is(err, ErrWrongPassphrase) {
		t.Errorf("wrong passphrase: %v", err)
	}
	openssl := testtool.Require(t, "openssl")
	dir := t.TempDir()
	p := filepath.Join(dir, "k.pem")
	os.WriteFile(p, pemKey, 0o600)
	out := testtool.Run(t, dir, openssl, "pkey", "-in", p, "-passin", "pass:pw", "-noout", "-text")
	if !strings.Contains(out, "ASN1 OID: prime256v1") {
		t.Errorf("openssl pkey: %s", out)
	}
	// And the other way: a key openssl encrypts (its default PBES2 profile) opens here.
	testtool.Run(t, dir, openssl, "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-aes-256-cbc", "-pass", "pass:pw2", "-out", "o.pem")
	b, _ := os.ReadFile(filepath.Join(dir, "o.pem"))
	blk, _ := pem.Decode(b)
	if _, err := DecryptKey(blk.Bytes, []byte("pw2")); err != nil {
		t.Errorf("openssl-encrypted key: %v", err)
	}
}

// CheckKeyPairKeys compares two private keys by their public halves.
func CheckKeyPairKeys(a, b crypto.Signer) error {
	type eq interface{ Equal(crypto.PublicKey) bool }
	if a.Public().(eq).Equal(b.Public()) {
		return nil
	}
	return errors.New("keys differ")
}

func FuzzDecryptPKCS8(f *testing.F) {
	key, _ := GenerateKey(P256)
	der, _ := x509.MarshalPKCS8PrivateKey(key)
	enc, _ := encryptPKCS8(der, []byte("pw"), 1000)
	f.Add(enc, []byte("pw"))
	f.Add([]byte{0x30, 0x00}, []byte(""))
	f.Fuzz(func(t *testing.T, der, pass []byte) {
		DecryptPKCS8(der, pass)
	})
}

func TestDecodeKindsAndErrors(t *testing.T) {
	ca, caKey := selfSigned(t)
	csrKey, _ := GenerateKey(RSA2048)
	csr, _ := CreateCSR(CSRRequest{Subject: pkix.Name{CommonName: "x"}, DNS: []string{"x"}}, csrKey)
	crl, err := CreateCRL(CRLRequest{Number: bigOne(), ThisUpdate: time.Now(), NextUpdate: time.Now().Add(time.Hour)}, ca, caKey)
	if err != nil {
		t.Fatal(err)
	}
	pkcs1 := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(mustRSA(t, csrKey))})
	ecDER, _ := x509.MarshalECPrivateKey(mustEC(t, caKey))
	sec1 := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: ecDER})
	bundle := bytes.Join([][]byte{[]byte("junk before\n"), EncodeCertPEM(ca.Raw), EncodeCSRPEM(csr.Raw), EncodeCRLPEM(crl), pkcs1, sec1}, nil)
	objs, err := Decode(bundle, "bundle.pem")
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, o := range objs {
		kinds = append(kinds, string(o.Kind))
	}
	if strings.Join(kinds, ",") != "certificate,csr,crl,private-key,private-key" {
		t.Errorf("kinds: %v", kinds)
	}
	for _, der := range [][]byte{ca.Raw, csr.Raw, crl, ecDER} {
		if o, err := Decode(der, "x.der"); err != nil || o[0].Format != "DER" {
			t.Errorf("DER: %v", err)
		}
	}
	certPEM := string(EncodeCertPEM(ca.Raw))
	for in, want := range map[string]string{
		"":                       "empty",
		"hello":                  "neither PEM nor DER",
		certPEM[:len(certPEM)/2]: "truncated",
		string(append(append([]byte{}, ca.Raw...), 0, 0)): "trailing data",
		"-----BEGIN FOO-----\nAAAA\n-----END FOO-----\n":  `PEM label "FOO"`,
	} {
		_, err := Decode([]byte(in), "in.pem")
		var de *DecodeError
		if !errors.As(err, &de) || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "in.pem") {
			t.Errorf("%.20q: %v, want %q", in, err, want)
		}
	}
}

func TestRequestFromCSRChecksSignature(t *testing.T) {
	k, _ := GenerateKey(P256)
	csr, _ := CreateCSR(CSRRequest{Subject: pkix.Name{CommonName: "victim"}}, k)
	der := bytes.Replace(csr.Raw, []byte("victim"), []byte("Victim"), 1)
	bad, err := x509.ParseCertificateRequest(der)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := RequestFromCSR(bad, ProfileClient); err == nil || !strings.Contains(err.Error(), "signature") {
		t.Errorf("tampered CSR accepted: %v", err)
	}
	if _, err := RequestFromCSR(csr, ProfileClient); err != nil {
		t.Error(err)
	}
}

func FuzzSignCSR(f *testing.F) {
	k, _ := GenerateKey(P256)
	csr, _ := CreateCSR(CSRRequest{Subject: pkix.Name{CommonName: "a"}, DNS: []string{"a.example"}}, k)
	f.Add(csr.Raw)
	f.Fuzz(func(t *testing.T, der []byte) {
		c, err := x509.ParseCertificateRequest(der)
		if err != nil {
			return
		}
		r, err := RequestFromCSR(c, ProfileServer)
		if err != nil {
			return
		}
		r.NotBefore, r.NotAfter = time.Now(), time.Now().Add(time.Hour)
		Template(r)
	})
}

func TestSerials(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 2000; i++ {
		n, _ := NewSerial()
		if n.Sign() <= 0 || n.BitLen() > 127 {
			t.Fatalf("serial %x out of range", n)
		}
		if seen[n.String()] {
			t.Fatal("duplicate serial")
		}
		seen[n.String()] = true
	}
}

func TestKeyMismatch(t *testing.T) {
	ca, _ := selfSigned(t)
	other, _ := GenerateKey(P256)
	var km *KeyMismatchError
	if err := CheckKeyPair(ca, other); !errors.As(err, &km) {
		t.Errorf("got %v", err)
	}
}

func TestProfilesUnderOpensslPurpose(t *testing.T) {
	openssl := testtool.Require(t, "openssl")
	ca, caKey := selfSigned(t)
	dir := t.TempDir()
	caFile := filepath.Join(dir, "ca.pem")
	os.WriteFile(caFile, EncodeCertPEM(ca.Raw), 0o644)
	for _, c := range []struct {
		p      Profile
		ok, no string
	}{{ProfileServer, "sslserver", "sslclient"}, {ProfileClient, "sslclient", "sslserver"}} {
		k, _ := GenerateKey(P256)
		cert, err := Issue(Request{Subject: pkix.Name{CommonName: "x"}, Profile: c.p, DNS: []string{"x"}, PublicKey: k.Public(),
			NotBefore: time.Now().Add(-time.Minute), NotAfter: time.Now().Add(time.Hour)}, ca, caKey)
		if err != nil {
			t.Fatal(err)
		}
		f := filepath.Join(dir, string(c.p)+".pem")
		os.WriteFile(f, EncodeCertPEM(cert.Raw), 0o644)
		testtool.Run(t, dir, openssl, "verify", "-CAfile", caFile, "-purpose", c.ok, f)
		if err := exec.Command(openssl, "verify", "-CAfile", caFile, "-purpose", c.no, f).Run(); err == nil {
			t.Errorf("%s certificate passed openssl -purpose %s", c.p, c.no)
		}
	}
}
