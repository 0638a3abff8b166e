package inspect

import (
	"crypto"
	"crypto/x509"
)

// FromPrivateKey inspects a private key, laid out as openssl pkey -text -noout.
func FromPrivateKey(k crypto.Signer) Document {
	d := Document{Kind: "private-key", Title: "Private Key"}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err == nil {
		d.PEM = pemOf("PRIVATE KEY", der)
	}
	var b bio
	if !privateKeyText(&b, k) {
		b.Reset()
		b.WriteString("Private key of type " + describeKey(k.Public()) + "\n")
	}
	f := field("private_key", "Private Key", describeKey(k.Public()), b.String(), explainFor("key.private"))
	d.Sections = []Section{{Title: "Private Key", Fields: []Field{f}}}
	if pub, err := x509.MarshalPKIXPublicKey(k.Public()); err == nil {
		d.Fingerprints = fingerprints(pub)
	}
	d.flagWeakKey("private_key", k.Public())
	return d
}

// FromPublicKey inspects a public key, laid out as openssl pkey -pubin -text -noout.
// Fingerprints are over the SubjectPublicKeyInfo DER.
func FromPublicKey(pub crypto.PublicKey) Document {
	d := Document{Kind: "public-key", Title: "Public Key"}
	der, err := x509.MarshalPKIXPublicKey(pub)
	var b bio
	if err != nil || !publicKeyText(&b, der, pub, 0) {
		b.Reset()
		b.WriteString("Public key of type " + describeKey(pub) + "\n")
	}
	if err == nil {
		d.PEM = pemOf("PUBLIC KEY", der)
		d.Fingerprints = fingerprints(der)
	}
	f := field("public_key", "Public Key", describeKey(pub), b.String(), explainFor("key.public"))
	d.Sections = []Section{{Title: "Public Key", Fields: []Field{f}}}
	d.flagWeakKey("public_key", pub)
	return d
}

func (d *Document) flagWeakKey(path string, pub any) {
	var tmp Document
	tmp.Sections = []Section{{Fields: []Field{{Path: "public_key"}}}}
	tmp.checkKey(pub)
	if f, _ := tmp.Field("public_key"); f.Severity != "" && f.Severity != SeverityOK {
		d.flag(path, f.Severity, f.Finding)
	}
}
