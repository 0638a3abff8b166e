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
	return fromObject(o, now, true)
}

// FromObjectPEM is FromObject; withPEM false leaves Document.PEM empty,
// which for a big CRL saves a copy of it a third larger than its DER.
func FromObjectPEM(o pki.Object, now time.Time, withPEM bool) Document {
	return fromObject(o, now, withPEM)
}

func fromObject(o pki.Object, now time.Time, withPEM bool) Document {
	d := fromObjectNoPEM(o, now)
	if o.Trailing > 0 {
		d.AddFindings(Finding{Severity: SeverityWarning, Path: "der", Message: fmt.Sprintf(
			"%d bytes follow the DER %s in the file; openssl ignores them and so does this view, but strict readers (crypto/x509 for a certificate or CSR, pkibench import) refuse the file", o.Trailing, o.Kind)})
	}
	if o.Kind == pki.KindCertificate || o.Kind == pki.KindCSR || o.Kind == pki.KindCRL {
		d.der = o.DER
	}
	if withPEM && d.PEM == "" && len(o.DER) > 0 {
		switch o.Kind {
		case pki.KindCertificate:
			d.PEM = pemOf("CERTIFICATE", o.DER)
		case pki.KindCSR:
			d.PEM = pemOf("CERTIFICATE REQUEST", o.DER)
		case pki.KindCRL:
			d.PEM = pemOf("X509 CRL", o.DER)
		}
	}
	return d
}

func fromObjectNoPEM(o pki.Object, now time.Time) Document {
	switch {
	case o.Cert != nil:
		return fromCertificate(o.Cert.Raw, o.Cert, nil, now)
	case o.CSR != nil:
		return fromCSR(o.CSR.Raw, o.CSR, nil)
	case o.CRL != nil:
		return fromCRL(o.CRL.Raw, o.CRL, nil, now)
	case o.Refused != nil && o.Kind == pki.KindCertificate:
		return fromCertificate(o.DER, nil, o.Refused, now)
	case o.Refused != nil && o.Kind == pki.KindCSR:
		return fromCSR(o.DER, nil, o.Refused)
	case o.Refused != nil && o.Kind == pki.KindCRL:
		return fromCRL(o.DER, nil, o.Refused, now)
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

// Each inspects every object of data (PEM with any number of blocks, or
// one DER object, refused ones included, see pki.DecodeLenient) one at a
// time: fn gets each document as soon as
// its object is decoded, so a file of many blocks can be printed while it
// is read, in the memory of one object. withPEM false leaves
// Document.PEM empty for callers that do not show it.
func Each(data []byte, source string, now time.Time, withPEM bool, fn func(Document) error) error {
	return pki.DecodeEach(data, source, true, func(o pki.Object) error {
		return fn(fromObject(o, now, withPEM))
	})
}
