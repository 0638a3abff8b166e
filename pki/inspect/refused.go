package inspect

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"strings"

	"github.com/pkibench/pkibench/pki"
)

// flagRefused adds the finding for an object crypto/x509 will not parse:
// which rule it breaks, and that Go-based clients therefore refuse it.
func flagRefused(d *Document, what string, err error) {
	msg := "refused"
	if err != nil {
		msg = strings.TrimPrefix(err.Error(), "x509: ")
	}
	rule, path := pki.RefusalRule(err)
	text := "crypto/x509 refuses this " + what + " (" + msg + "), breaking " + rule +
		": Go-based clients and servers (Go's TLS, Kubernetes, Terraform, Vault, Caddy ...) reject it; openssl still reads it"
	d.flagFirst(SeverityProblem, text, path, "heading")
}

// loosePublicKey reads a subjectPublicKeyInfo for display when the
// certificate around it was refused: crypto/x509 first, then the key bits
// alone for RSA (parameters absent or not NULL) and named-curve EC keys.
func loosePublicKey(raw []byte) any {
	if k, err := x509.ParsePKIXPublicKey(raw); err == nil {
		return k
	}
	s, err := parseSPKI(raw)
	if err != nil {
		return nil
	}
	switch s.algOID {
	case oidRSA:
		if k, err := x509.ParsePKCS1PublicKey(s.key); err == nil {
			return k
		}
	case oidECPublicKey:
		curve, err := oidString(s.params.content)
		if err != nil || !s.params.is(classUniversal, tagOID) {
			return nil
		}
		var c elliptic.Curve
		switch curve {
		case "1.2.840.10045.3.1.7":
			c = elliptic.P256()
		case "1.3.132.0.34":
			c = elliptic.P384()
		case "1.3.132.0.35":
			c = elliptic.P521()
		default:
			return nil
		}
		if k, err := ecdsa.ParseUncompressedPublicKey(c, s.key); err == nil {
			return k
		}
	}
	return nil
}
