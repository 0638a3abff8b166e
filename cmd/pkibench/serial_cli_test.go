package main

import (
	"encoding/json"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pkibench/pkibench/pki"
)

// TestSerialLeadingZeroOneSpelling checks that a serial whose first
// nibble is zero is spelled one way (pki.SerialHex: upper-case hex, whole
// bytes, so the leading 0 stays) wherever pkibench prints it as its own:
// list, revoke, probe's evidence and chains, inspect's typed data and
// chain, in text and in JSON. (inspect's openssl view keeps openssl's
// "0a:1b:..." form; that is openssl's layout, not pkibench's.)
func TestSerialLeadingZeroOneSpelling(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pki")
	work := t.TempDir()
	mustPB(t, dir, "ca", "create", "abc")
	mustPB(t, dir, "issue", "srv", "--ca", "abc", "--dns", "localhost")

	// A client certificate of CA abc with a serial of 0x0A1B...: signed
	// here, with the CA's key, then imported so the store records it.
	caObjs, err := pki.Decode(mustRead(t, filepath.Join(dir, "cas", "abc", "ca.crt")), "ca.crt")
	if err != nil {
		t.Fatal(err)
	}
	caKey, err := pki.ParsePrivateKey(pemBody(t, mustRead(t, filepath.Join(dir, "cas", "abc", "ca.key"))))
	if err != nil {
		t.Fatal(err)
	}
	key, err := pki.GenerateKey(pki.P256)
	if err != nil {
		t.Fatal(err)
	}
	subj, _ := pki.ParseSubject("/CN=lz")
	now := time.Now()
	tmpl, err := pki.Template(pki.Request{Subject: subj, Profile: pki.ProfileClient, NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(0, 1, 0), PublicKey: key.Public()})
	if err != nil {
		t.Fatal(err)
	}
	tmpl.SerialNumber, _ = new(big.Int).SetString("0A1B2C3D4E5F60718293A4B5C6D7E8F9", 16)
	const want = "0A1B2C3D4E5F60718293A4B5C6D7E8F9"
	if got := pki.SerialHex(tmpl.SerialNumber); got != want {
		t.Fatalf("SerialHex = %s, want %s", got, want)
	}
	cert, err := pki.SignTemplate(tmpl, caObjs[0].Cert, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM, err := pki.EncodeKeyPEM(key, nil)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile := filepath.Join(work, "lz.crt"), filepath.Join(work, "lz.key")
	if err := os.WriteFile(certFile, pki.EncodeCertPEM(cert.Raw), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	mustPB(t, dir, "import", certFile, "--key", keyFile, "--as", "lz")

	jsonOf := func(args ...string) any {
		t.Helper()
		out, errs, _ := pb(t, dir, append(args, "--json")...)
		var v any
		if err := json.Unmarshal([]byte(out), &v); err != nil {
			t.Fatalf("%v: not JSON: %v\n%s%s", args, err, out, errs)
		}
		return v
	}
	get := func(v any, path ...any) string {
		t.Helper()
		for _, p := range path {
			switch k := p.(type) {
			case string:
				m, _ := v.(map[string]any)
				v = m[k]
			case int:
				l, _ := v.([]any)
				if k >= len(l) {
					t.Fatalf("index %d of %v out of range", k, path)
				}
				v = l[k]
			}
		}
		s, _ := v.(string)
		return s
	}
	check := func(where, got string) {
		t.Helper()
		if got != want {
			t.Errorf("%s: serial %q, want %q", where, got, want)
		}
	}

	// list
	list := jsonOf("list").([]any)
	found := false
	for _, c := range list {
		if get(c, "name") == "lz" {
			check("list --json", get(c, "serial"))
			found = true
		}
	}
	if !found {
		t.Fatal("list --json has no lz")
	}
	if out := mustPB(t, dir, "list"); !strings.Contains(out, want) {
		t.Errorf("list text does not show %s:\n%s", want, out)
	}
	// inspect: typed data and chain
	doc := jsonOf("inspect", "lz", "--chain")
	check("inspect --json data.serial", get(doc, "documents", 0, "data", "serial"))
	check("inspect --json chain[0].serial", get(doc, "chain", 0, "serial"))
	// revoke
	rev := jsonOf("revoke", "lz", "--reason", "keyCompromise")
	check("revoke --json cert.serial", get(rev, 0, "cert", "serial"))
	mustPB(t, dir, "crl", "abc")
	// probe: the revocation's evidence and the client chain
	res := jsonOf("probe", "--client", "lz", "--server", "srv", "--name", "localhost", "--crl")
	if get(res, "reason") != "client-cert-revoked" {
		t.Fatalf("probe reason %q, want client-cert-revoked", get(res, "reason"))
	}
	check("probe --json evidence[0].serial", get(res, "evidence", 0, "serial"))
	check("probe --json evidence[0].value", get(res, "evidence", 0, "value"))
	check("probe --json client_chain[0].serial", get(res, "client_chain", 0, "serial"))
	if v := get(res, "evidence", 1, "value"); !strings.HasPrefix(v, want+" ") {
		t.Errorf("probe --json evidence[1].value %q, want the CRL entry of %s", v, want)
	}
	out, _, _ := pb(t, dir, "probe", "--client", "lz", "--server", "srv", "--name", "localhost", "--crl")
	for _, l := range []string{"(serial " + want + ")", "[serial " + want + "]", "serial " + want + ", not after"} {
		if !strings.Contains(out, l) {
			t.Errorf("probe text lacks %q:\n%s", l, out)
		}
	}
	if strings.Contains(strings.ToUpper(out), "SERIAL "+want[1:]) {
		t.Errorf("probe text drops the leading zero somewhere:\n%s", out)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// pemBody is the DER of the first PEM block of b.
func pemBody(t *testing.T, b []byte) []byte {
	t.Helper()
	objs, err := pki.Decode(b, "key")
	if err != nil || len(objs) == 0 {
		t.Fatalf("decode key: %v", err)
	}
	return objs[0].DER
}
