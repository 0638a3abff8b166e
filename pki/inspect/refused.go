package inspect

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"math/big"
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
		return looseRSAKey(s.key)
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

// looseRSAKey reads RSAPublicKey as openssl's BIGNUM decoder does: each
// INTEGER's bytes as an unsigned magnitude, so a modulus whose leading
// zero byte is missing (negative in DER, refused by crypto/x509) still
// shows with its bits.
func looseRSAKey(b []byte) any {
	seq, err := readOne(b)
	if err != nil || !seq.is(classUniversal, tagSequence) {
		return nil
	}
	parts, err := children(seq.content)
	if err != nil || len(parts) != 2 || !parts[0].is(classUniversal, tagInteger) || !parts[1].is(classUniversal, tagInteger) {
		return nil
	}
	n := new(big.Int).SetBytes(parts[0].content)
	e := new(big.Int).SetBytes(parts[1].content)
	if n.Sign() == 0 || !e.IsInt64() || e.Int64() > 1<<31-1 {
		return nil
	}
	return &rsa.PublicKey{N: n, E: int(e.Int64())}
}
