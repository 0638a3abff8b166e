package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"fmt"
	"strings"
)

// Algorithm names a key type and size as users type it.
type Algorithm string

const (
	P256    Algorithm = "p256"
	P384    Algorithm = "p384"
	Ed25519 Algorithm = "ed25519"
	RSA2048 Algorithm = "rsa2048"
	RSA3072 Algorithm = "rsa3072"
	RSA4096 Algorithm = "rsa4096"
)

// Algorithms lists every supported algorithm, the default first.
var Algorithms = []Algorithm{P256, P384, Ed25519, RSA2048, RSA3072, RSA4096}

// ParseAlgorithm accepts the names above and common spellings
// (ecdsa-p256, P-256, rsa-2048, rsa:2048).
func ParseAlgorithm(s string) (Algorithm, error) {
	n := strings.ToLower(strings.TrimSpace(s))
	n = strings.NewReplacer("-", "", ":", "", "_", "", "ecdsa", "", "secp", "p", "prime256v1", "p256").Replace(n)
	switch n {
	case "", "p256", "p256r1":
		return P256, nil
	case "p384", "p384r1":
		return P384, nil
	case "ed25519":
		return Ed25519, nil
	case "rsa2048", "rsa":
		return RSA2048, nil
	case "rsa3072":
		return RSA3072, nil
	case "rsa4096":
		return RSA4096, nil
	}
	return "", fmt.Errorf("unknown key algorithm %q (expected one of p256, p384, ed25519, rsa2048, rsa3072, rsa4096)", s)
}

// GenerateKey makes a new private key.
func GenerateKey(a Algorithm) (crypto.Signer, error) {
	switch a {
	case P256, "":
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case P384:
		return ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	case Ed25519:
		_, k, err := ed25519.GenerateKey(rand.Reader)
		return k, err
	case RSA2048:
		return rsa.GenerateKey(rand.Reader, 2048)
	case RSA3072:
		return rsa.GenerateKey(rand.Reader, 3072)
	case RSA4096:
		return rsa.GenerateKey(rand.Reader, 4096)
	}
	return nil, fmt.Errorf("unknown key algorithm %q", a)
}

// DescribeKey says what a public key is, e.g. "ECDSA P-256", "RSA 2048".
func DescribeKey(pub crypto.PublicKey) string {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		return "ECDSA " + k.Curve.Params().Name
	case ed25519.PublicKey:
		return "Ed25519"
	case *rsa.PublicKey:
		return fmt.Sprintf("RSA %d", k.N.BitLen())
	}
	return fmt.Sprintf("%T", pub)
}

// KeyMismatchError says that a certificate and a key do not belong together.
type KeyMismatchError struct{ Cert, Key string }

func (e *KeyMismatchError) Error() string {
	return fmt.Sprintf("the private key (%s) does not match the certificate's public key (%s)", e.Key, e.Cert)
}

// CheckKeyPair reports a *KeyMismatchError when key is not the private half
// of cert's public key.
func CheckKeyPair(cert *x509.Certificate, key crypto.Signer) error {
	type equaler interface{ Equal(crypto.PublicKey) bool }
	if e, ok := key.Public().(equaler); ok && e.Equal(cert.PublicKey) {
		return nil
	}
	return &KeyMismatchError{Cert: DescribeKey(cert.PublicKey), Key: DescribeKey(key.Public())}
}

// isRSA reports whether pub is an RSA key (for keyEncipherment).
func isRSA(pub crypto.PublicKey) bool {
	_, ok := pub.(*rsa.PublicKey)
	return ok
}

// AlgorithmOf names the algorithm of a public key ("" when unsupported).
func AlgorithmOf(pub crypto.PublicKey) Algorithm {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		switch k.Curve.Params().BitSize {
		case 256:
			return P256
		case 384:
			return P384
		}
	case ed25519.PublicKey:
		return Ed25519
	case *rsa.PublicKey:
		switch k.N.BitLen() {
		case 2048:
			return RSA2048
		case 3072:
			return RSA3072
		case 4096:
			return RSA4096
		}
	}
	return ""
}
