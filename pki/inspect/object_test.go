package inspect

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/pkibench/pkibench/pki"
)

func TestFromObjectKindsAndJSON(t *testing.T) {
	ca := newTestCA(t, "Object CA")
	key := mustKey(t, pki.Ed25519)
	leaf := ca.sign(t, leafTemplate(t, key))
	keyPEM, err := pki.EncodeKeyPEM(key, nil)
	if err != nil {
		t.Fatal(err)
	}
	encPEM, err := pki.EncodeKeyPEM(key, []byte("secret"))
	if err != nil {
		t.Fatal(err)
	}
	var in bytes.Buffer
	in.Write(pki.EncodeCertPEM(leaf.Raw))
	in.Write(pki.EncodeCertPEM(ca.cert.Raw))
	in.Write(keyPEM)
	in.Write(encPEM)
	objs, err := pki.Decode(in.Bytes(), "bundle.pem")
	if err != nil {
		t.Fatal(err)
	}
	var docs []Document
	var kinds []string
	for _, o := range objs {
		docs = append(docs, FromObject(o, testNow))
		kinds = append(kinds, docs[len(docs)-1].Kind)
	}
	if got := strings.Join(kinds, ","); got != "certificate,certificate,private-key,encrypted-private-key" {
		t.Fatalf("kinds = %s", got)
	}
	if !strings.Contains(Text(docs[2]), "ED25519 Private-Key:") {
		t.Errorf("key text:\n%s", Text(docs[2]))
	}
	if !strings.Contains(Text(docs[3]), "passphrase") {
		t.Errorf("encrypted key text: %s", Text(docs[3]))
	}

	d := docs[0]
	if d.Fingerprints == nil || len(d.Fingerprints.SHA256) != 32*3-1 || len(d.Fingerprints.SHA1) != 20*3-1 {
		t.Errorf("fingerprints = %+v", d.Fingerprints)
	}
	if !strings.HasPrefix(d.PEM, "-----BEGIN CERTIFICATE-----") {
		t.Errorf("PEM = %q", d.PEM)
	}
	for _, p := range []string{"subject", "issuer", "signature_algorithm", "public_key", "validity.not_after",
		"ext.subject_alt_name", "ext.extended_key_usage", "ext.basic_constraints", "ext.key_usage"} {
		f, ok := d.Field(p)
		if !ok || f.Explain == "" || len(f.Lines) == 0 {
			t.Errorf("field %s: present %v, explain %q, lines %d", p, ok, f.Explain, len(f.Lines))
		}
	}
	if f, _ := d.Field("ext.subject_alt_name"); f.Value != "DNS:localhost" || f.Lines[0] != "            X509v3 Subject Alternative Name: " {
		t.Errorf("SAN field = %q %q", f.Value, f.Lines)
	}

	raw, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"kind":"certificate"`, `"sections":`, `"fields":`, `"lines":`, `"severity":"ok"`,
		`"path":"validity.not_after"`, `"fingerprints":{"sha256":`, `"pem":"-----BEGIN CERTIFICATE-----`} {
		if !bytes.Contains(raw, []byte(key)) {
			t.Errorf("JSON lacks %s", key)
		}
	}
	var back Document
	if err := json.Unmarshal(raw, &back); err != nil || Text(back) != Text(d) {
		t.Errorf("JSON round trip changes the text (err %v)", err)
	}
}

func TestTextExplained(t *testing.T) {
	ca := newTestCA(t, "Explain CA")
	leaf := ca.sign(t, leafTemplate(t, mustKey(t, pki.P256)))
	d := FromCertificate(leaf, leaf.NotAfter.AddDate(0, 0, 1))
	plain, explained := Text(d), TextExplained(d)
	for _, l := range strings.Split(strings.TrimSuffix(plain, "\n"), "\n") {
		if !strings.Contains(explained, l+"\n") {
			t.Fatalf("explained text lost line %q", l)
		}
	}
	for _, want := range []string{
		"                -- The names (DNS, IP, email, URI) the certificate is valid for",
		"                !! PROBLEM: expired 24 hours ago",
		"SHA256 Fingerprint=",
	} {
		if !strings.Contains(explained, want) {
			t.Errorf("explained text lacks %q:\n%s", want, explained)
		}
	}
	if strings.Contains(plain, "--") || strings.Contains(plain, "!!") {
		t.Error("plain text carries explanations")
	}
}

func TestPublicKeyDocument(t *testing.T) {
	for _, alg := range []pki.Algorithm{pki.P256, pki.P384, pki.Ed25519} {
		k := mustKey(t, alg)
		d := FromPublicKey(k.Public())
		if d.Kind != "public-key" || !strings.Contains(d.PEM, "PUBLIC KEY") || d.Fingerprints == nil {
			t.Errorf("%s: %+v", alg, d)
		}
		if !strings.Contains(Text(d), "pub:") {
			t.Errorf("%s text:\n%s", alg, Text(d))
		}
	}
}
