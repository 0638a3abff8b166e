package pki

import (
	"crypto"
	"crypto/tls"
	"crypto/x509"
)

// Identity is a certificate with its private key and the chain above it, as
// a TLS peer presents it. Chain runs from the issuer of Cert upwards and may
// include the root; Key is nil for an identity whose key is not at hand.
type Identity struct {
	Name  string
	Cert  *x509.Certificate
	Key   crypto.Signer
	Chain []*x509.Certificate
}

// PassphraseFunc is asked for a passphrase only when one is needed; purpose
// says for what ("CA abc's key"). It must never come from a plain argument.
type PassphraseFunc func(purpose string) ([]byte, error)

// Knowledge is what a source of identities knows that explains a verdict:
// the local name of a certificate (so a fix names the real certificate) and
// every CA certificate (so an issuer found among them is a missing
// intermediate, not an unknown CA).
type Knowledge struct {
	NameOf func(*x509.Certificate) string
	CAs    []*x509.Certificate
}

// TLSCertificate returns the identity in crypto/tls form, sending the leaf
// and its intermediates (never a self-signed root, which peers ignore).
func (id Identity) TLSCertificate() tls.Certificate {
	return id.TLSCertificateWith(IsSelfSigned)
}

// TLSCertificateWith is TLSCertificate with the self-signed test given, so
// a caller presenting many identities below one root checks its signature
// once (selfSigned must answer as IsSelfSigned does).
func (id Identity) TLSCertificateWith(selfSigned func(*x509.Certificate) bool) tls.Certificate {
	tc := tls.Certificate{PrivateKey: id.Key, Leaf: id.Cert, Certificate: [][]byte{id.Cert.Raw}}
	for _, c := range id.Chain {
		if selfSigned(c) {
			break
		}
		tc.Certificate = append(tc.Certificate, c.Raw)
	}
	return tc
}

// IsSelfSigned reports whether c names itself as issuer and its signature
// verifies with its own key.
func IsSelfSigned(c *x509.Certificate) bool {
	if string(c.RawIssuer) != string(c.RawSubject) {
		return false
	}
	return c.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature) == nil
}
