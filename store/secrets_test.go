package store

import (
	"crypto/x509/pkix"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pkibench/pkibench/pki"
)

// import CERT --key ENCRYPTED keeps the key encrypted in the store (with
// the passphrase it came with) unless DecryptKey is asked, and says which.
func TestImportKeepsEncryptedKeysEncrypted(t *testing.T) {
	st := newStore(t)
	mustCA(t, st, CAOptions{Name: "abc"})
	caCert, caKey, err := st.caSigner("abc", nil)
	if err != nil {
		t.Fatal(err)
	}
	pass := func(string) ([]byte, error) { return []byte("pw"), nil }
	for _, c := range []struct {
		as      string
		decrypt bool
		kind    string
	}{{"leaf", false, "issued"}, {"leaf2", true, "issued"}, {"ca2", false, "ca"}} {
		key, _ := pki.GenerateKey(pki.P256)
		req := pki.Request{Subject: pkix.Name{CommonName: c.as}, Profile: pki.ProfileClient, PublicKey: key.Public(),
			NotBefore: st.Now(), NotAfter: st.Now().AddDate(0, 0, 30)}
		var cert []byte
		if c.kind == "ca" {
			req.Profile = pki.ProfileRootCA
			crt, err := pki.Issue(req, nil, key)
			if err != nil {
				t.Fatal(err)
			}
			cert = pki.EncodeCertPEM(crt.Raw)
		} else {
			crt, err := pki.Issue(req, caCert, caKey)
			if err != nil {
				t.Fatal(err)
			}
			cert = pki.EncodeCertPEM(crt.Raw)
		}
		enc, err := pki.EncodeKeyPEM(key, []byte("pw"))
		if err != nil {
			t.Fatal(err)
		}
		res, err := st.Import([]ImportFile{{Source: "c.pem", Data: cert}, {Source: "k.pem", Data: enc}},
			ImportOptions{As: c.as, Passphrase: pass, DecryptKey: c.decrypt})
		if err != nil || res.Kind != c.kind {
			t.Fatalf("%s: %+v %v", c.as, res, err)
		}
		keyFile := filepath.Join(res.Dir, "key.pem")
		if c.kind == "ca" {
			keyFile = filepath.Join(res.Dir, "ca.key")
		}
		b, _ := os.ReadFile(keyFile)
		stored := strings.Contains(string(b), "ENCRYPTED PRIVATE KEY")
		if stored == c.decrypt || res.KeyEncrypted != stored {
			t.Errorf("%s: stored encrypted %v, reported %v, decrypt asked %v", c.as, stored, res.KeyEncrypted, c.decrypt)
		}
		if notes := strings.Join(res.Notes, "\n"); !strings.Contains(notes, map[bool]string{true: "stored decrypted", false: "stored encrypted"}[c.decrypt]) {
			t.Errorf("%s: notes do not say how the key is stored: %q", c.as, notes)
		}
	}
	if ca, _ := st.CA("ca2"); ca == nil || !ca.Encrypted {
		t.Errorf("imported CA is not marked encrypted: %+v", ca)
	}
}
