package inspect

import (
	"fmt"
	"time"

	"github.com/pkibench/pkibench/pki"
)

// FromObject inspects one object decoded by pki.Decode. Objects that stay
// opaque without a password (encrypted keys, PKCS#12) get a short document
// saying so.
func FromObject(o pki.Object, now time.Time) Document {
	switch {
	case o.Cert != nil:
		return FromCertificate(o.Cert, now)
	case o.CSR != nil:
		return FromCSR(o.CSR)
	case o.CRL != nil:
		return FromCRL(o.CRL, now)
	case o.Key != nil:
		return FromPrivateKey(o.Key)
	case o.Public != nil:
		return FromPublicKey(o.Public)
	}
	d := Document{Kind: string(o.Kind), Title: string(o.Kind)}
	if len(o.DER) > 0 {
		d.Fingerprints = fingerprints(o.DER)
		if o.Label != "" && o.Legacy == nil {
			d.PEM = pemOf(o.Label, o.DER)
		}
	}
	var msg, explain string
	switch o.Kind {
	case pki.KindEncryptedKey:
		d.Title = "Encrypted Private Key"
		msg = "Encrypted private key (PKCS#8); a passphrase is needed to show it."
		if o.Legacy != nil {
			msg = "Encrypted private key (traditional PEM, " + o.Legacy.Cipher + "); a passphrase is needed to show it."
		}
		explain = "The key is protected with a passphrase; openssl pkey -in FILE asks for it."
	case pki.KindPKCS12:
		d.Title = "PKCS#12"
		msg = "PKCS#12 bundle (key + certificates); a password is needed to open it."
		explain = "A password-protected bundle of a key and its certificates, as browsers, Java and Windows import them."
	default:
		msg = fmt.Sprintf("%s object (%d bytes) that cannot be shown.", o.Kind, len(o.DER))
	}
	d.Sections = []Section{{Title: d.Title, Fields: []Field{{Label: d.Title, Value: msg, Lines: []string{msg}, Explain: explain, Severity: SeverityOK, Path: "opaque"}}}}
	return d
}

// FromObjects inspects every object of a decoded input, in order.
func FromObjects(objs []pki.Object, now time.Time) []Document {
	out := make([]Document, 0, len(objs))
	for _, o := range objs {
		out = append(out, FromObject(o, now))
	}
	return out
}
