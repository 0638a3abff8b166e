package pki

import (
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"crypto/x509"
	"crypto/x509/pkix"

	"github.com/pkibench/pkibench/pki/testtool"
)

// v1CA makes a CA the way the seeds do: openssl req -x509 with a config
// that names no extensions, which gives an X.509 v1 certificate without
// keyUsage or SKI. The config asks for default_md = md5, as seed 003's does.
func v1CA(t *testing.T, openssl, dir string) (*x509.Certificate, []byte) {
	t.Helper()
	cnf := "[ ca ]\ndefault_ca = CA_default\n[ CA_default ]\ndatabase = index.txt\ndefault_md = md5\ndefault_crl_days = 30\n" +
		"[ req ]\ndistinguished_name = dn\nprompt = no\n[ dn ]\nO = Example Co\nCN = ca\n"
	if err := os.WriteFile(filepath.Join(dir, "ca.cnf"), []byte(cnf), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "index.txt"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	testtool.Run(t, dir, openssl, "req", "-new", "-x509", "-days", "30", "-config", "ca.cnf", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca-key.pem", "-out", "ca-crt.pem")
	b, _ := os.ReadFile(filepath.Join(dir, "ca-crt.pem"))
	blk, _ := pem.Decode(b)
	ca, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if ca.Version != 1 || ca.KeyUsage != 0 || len(ca.SubjectKeyId) != 0 {
		t.Fatalf("openssl made a v%d CA with key usage %v, SKI %x; the test needs a v1 CA", ca.Version, ca.KeyUsage, ca.SubjectKeyId)
	}
	kb, _ := os.ReadFile(filepath.Join(dir, "ca-key.pem"))
	return ca, kb
}

// TestV1CAPublishesCRLAndIssues: a CA without extensions signs a CRL
// (openssl ca -gencrl can; crypto/x509 refused: "issuer must have the
// crlSign key usage bit set"), and what it issues carries an AKI.
func TestV1CAPublishesCRLAndIssues(t *testing.T) {
	openssl := testtool.Require(t, "openssl")
	dir := t.TempDir()
	ca, kb := v1CA(t, openssl, dir)
	objs, err := Decode(kb, "ca-key.pem")
	if err != nil {
		t.Fatal(err)
	}
	key := objs[0].Key
	now := time.Now().UTC().Truncate(time.Second)
	for _, n := range []int{1, 100} { // the crypto/x509 path and the hand-encoded one
		var revs []Revocation
		for i := 0; i < n; i++ {
			revs = append(revs, Revocation{Serial: big.NewInt(int64(i + 2)), Time: now.Add(-time.Minute), Reason: 1})
		}
		der, err := CreateCRL(CRLRequest{Number: big.NewInt(1), ThisUpdate: now, NextUpdate: now.Add(24 * time.Hour), Revoked: revs}, ca, key)
		if err != nil {
			t.Fatalf("%d entries: CreateCRL under a v1 CA: %v", n, err)
		}
		if err := os.WriteFile(filepath.Join(dir, "crl.pem"), EncodeCRLPEM(der), 0o600); err != nil {
			t.Fatal(err)
		}
		out := testtool.Run(t, dir, openssl, "crl", "-in", "crl.pem", "-CAfile", "ca-crt.pem", "-noout")
		if !strings.Contains(out, "verify OK") {
			t.Errorf("%d entries: openssl crl: %s", n, out)
		}
	}
	// Issued under it: AKI from the CA's key, and openssl verifies the chain.
	k, _ := GenerateKey(P256)
	leaf, err := Issue(Request{Subject: pkix.Name{CommonName: "client1"}, Profile: ProfileClient, PublicKey: k.Public(),
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour)}, ca, key)
	if err == nil {
		t.Fatalf("a v1 CA has no CA:TRUE; Issue must refuse it (got %s)", FormatName(leaf.Subject))
	}
	// The store imports such a CA as a CA (openssl treats a v1 self-signed
	// root as one); SignTemplate is the path it signs with.
	tmpl, err := Template(Request{Subject: pkix.Name{CommonName: "client1"}, Profile: ProfileClient, PublicKey: k.Public(),
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	leaf, err = SignTemplate(tmpl, ca, key)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := SubjectKeyID(ca.PublicKey)
	if string(leaf.AuthorityKeyId) != string(want) {
		t.Errorf("AKI %x, want the SHA-1 of the CA's key %x", leaf.AuthorityKeyId, want)
	}
	os.WriteFile(filepath.Join(dir, "leaf.pem"), EncodeCertPEM(leaf.Raw), 0o600)
	if out := testtool.Run(t, dir, openssl, "verify", "-CAfile", "ca-crt.pem", "leaf.pem"); !strings.Contains(out, "leaf.pem: OK") {
		t.Errorf("openssl verify: %s", out)
	}
}

// TestWeakCRLIsWeakNotForged: the seed's `openssl ca -gencrl` with
// default_md = md5 (and the same with sha1) makes a genuine CRL that
// crypto/x509 will not check (MD5) or checks without a word (SHA-1).
func TestWeakCRLIsWeakNotForged(t *testing.T) {
	openssl := testtool.Require(t, "openssl")
	dir := t.TempDir()
	ca, _ := v1CA(t, openssl, dir)
	other := t.TempDir()
	otherCA, _ := v1CA(t, openssl, other)
	for _, tc := range []struct {
		md   string
		want x509.SignatureAlgorithm
		weak bool
	}{{"md5", x509.MD5WithRSA, true}, {"sha1", x509.SHA1WithRSA, true}, {"sha256", x509.SHA256WithRSA, false}} {
		out := tc.md + ".crl"
		testtool.Run(t, dir, openssl, "ca", "-config", "ca.cnf", "-keyfile", "ca-key.pem", "-cert", "ca-crt.pem", "-gencrl", "-md", tc.md, "-out", out)
		b, _ := os.ReadFile(filepath.Join(dir, out))
		objs, err := Decode(b, out)
		if err != nil {
			t.Fatal(err)
		}
		crl := objs[0].CRL
		if crl.SignatureAlgorithm != tc.want {
			t.Fatalf("openssl signed with %v, want %v", crl.SignatureAlgorithm, tc.want)
		}
		weak, err := CheckCRLSignature(crl, ca)
		if err != nil || weak != tc.weak {
			t.Errorf("%s: genuine CRL: weak %v, err %v; want weak %v, no error", tc.md, weak, err, tc.weak)
		}
		// A forged one (one bit of the signature flipped) is still refused.
		forged := *crl
		forged.Signature = append([]byte{}, crl.Signature...)
		forged.Signature[10] ^= 1
		if _, err := CheckCRLSignature(&forged, ca); err == nil {
			t.Errorf("%s: a tampered CRL verified", tc.md)
		}
		if _, err := CheckCRLSignature(crl, otherCA); err == nil {
			t.Errorf("%s: the CRL verified with another CA's key", tc.md)
		}
	}
}

func TestCopyCNToSAN(t *testing.T) {
	for _, tc := range []struct {
		cn      string
		profile Profile
		dns     []string
		ip      string
		note    bool
	}{
		{"localhost", ProfileServer, []string{"localhost"}, "", true},
		{"Invoice.ABC.com", ProfileServerClient, []string{"invoice.abc.com"}, "", true},
		{"*.abc.com", ProfileServer, []string{"*.abc.com"}, "", true},
		{"127.0.0.1", ProfileServer, nil, "127.0.0.1", true},
		{"::1", ProfileServer, nil, "::1", true},
		{"Invoice Server", ProfileServer, nil, "", false},
		{"", ProfileServer, nil, "", false},
		{"bad_host", ProfileServer, nil, "", false},
		{"-x.com", ProfileServer, nil, "", false},
		{"localhost", ProfileClient, nil, "", false},
	} {
		r := Request{Subject: pkix.Name{CommonName: tc.cn}, Profile: tc.profile}
		note := CopyCNToSAN(&r)
		if (note != "") != tc.note || strings.Join(r.DNS, ",") != strings.Join(tc.dns, ",") {
			t.Errorf("CN %q (%s): DNS %v note %q; want DNS %v note %v", tc.cn, tc.profile, r.DNS, note, tc.dns, tc.note)
		}
		if tc.ip != "" && (len(r.IPs) != 1 || !r.IPs[0].Equal(net.ParseIP(tc.ip))) {
			t.Errorf("CN %q: IPs %v, want %s", tc.cn, r.IPs, tc.ip)
		}
	}
	// A request that already names a host keeps its SAN.
	r := Request{Subject: pkix.Name{CommonName: "localhost"}, Profile: ProfileServer, DNS: []string{"a.example"}}
	if CopyCNToSAN(&r) != "" || len(r.DNS) != 1 || r.DNS[0] != "a.example" {
		t.Errorf("existing SAN changed: %v", r.DNS)
	}
}
