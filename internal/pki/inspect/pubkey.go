package inspect

import (
	"crypto"
	"crypto/dsa"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"math/big"
)

// curveInfo is what openssl prints for a named curve.
type curveInfo struct {
	bits int
	nist string
}

var curves = map[string]curveInfo{
	"1.2.840.10045.3.1.1":   {192, "P-192"},
	"1.3.132.0.33":          {224, "P-224"},
	"1.2.840.10045.3.1.7":   {256, "P-256"},
	"1.3.132.0.34":          {384, "P-384"},
	"1.3.132.0.35":          {521, "P-521"},
	"1.3.132.0.10":          {256, ""},
	"1.3.36.3.3.2.8.1.1.7":  {256, ""},
	"1.3.36.3.3.2.8.1.1.11": {384, ""},
	"1.3.36.3.3.2.8.1.1.13": {512, ""},
}

// spki is a parsed SubjectPublicKeyInfo.
type spki struct {
	algOID string
	params tlv
	key    []byte // the subjectPublicKey bits
}

func parseSPKI(der []byte) (spki, error) {
	seq, err := readOne(der)
	if err != nil {
		return spki{}, err
	}
	parts, err := children(seq.content)
	if err != nil || len(parts) != 2 {
		return spki{}, errDER
	}
	alg, err := children(parts[0].content)
	if err != nil || len(alg) < 1 {
		return spki{}, errDER
	}
	oid, err := oidString(alg[0].content)
	if err != nil {
		return spki{}, err
	}
	s := spki{algOID: oid}
	if len(alg) > 1 {
		s.params = alg[1]
	}
	if len(parts[1].content) < 1 {
		return spki{}, errDER
	}
	s.key = parts[1].content[1:]
	return s, nil
}

// publicKeyText is what EVP_PKEY_print_public writes for the key at
// indent (16 in a certificate, 0 for openssl pkey -pubin).
func publicKeyText(b *bio, rawSPKI []byte, pub crypto.PublicKey, indent int) bool {
	s, err := parseSPKI(rawSPKI)
	if err != nil {
		return false
	}
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if s.algOID != oidRSA {
			return false
		}
		b.indent(indent)
		b.printf("Public-Key: (%d bit)\n", k.N.BitLen())
		labeledBignum(b, indent, "Modulus:", k.N)
		labeledBignum(b, indent, "Exponent:", big.NewInt(int64(k.E)))
		return true
	case *ecdsa.PublicKey:
		curve, err := oidString(s.params.content)
		if err != nil || !s.params.is(classUniversal, tagOID) {
			return false
		}
		ci, ok := curves[curve]
		if !ok {
			return false
		}
		b.indent(indent)
		b.printf("Public-Key: (%d bit)\n", ci.bits)
		labeledBuf(b, indent, "pub:", s.key)
		ecParamText(b, indent, curve, ci)
		return true
	case ed25519.PublicKey:
		b.indent(indent)
		b.WriteString("ED25519 Public-Key:\n")
		labeledBuf(b, indent, "pub:", s.key)
		return true
	case *dsa.PublicKey:
		b.indent(indent)
		b.printf("Public-Key: (%d bit)\n", k.P.BitLen())
		labeledBignum(b, indent, "pub: ", k.Y)
		labeledBignum(b, indent, "P:   ", k.P)
		labeledBignum(b, indent, "Q:   ", k.Q)
		labeledBignum(b, indent, "G:   ", k.G)
		return true
	}
	return false
}

func ecParamText(b *bio, indent int, curve string, ci curveInfo) {
	b.indent(indent)
	b.printf("ASN1 OID: %s\n", objShort(curve))
	if ci.nist != "" {
		b.indent(indent)
		b.printf("NIST CURVE: %s\n", ci.nist)
	}
}

// privateKeyText is what openssl pkey -text -noout prints for a key.
func privateKeyText(b *bio, key crypto.Signer) bool {
	switch k := key.(type) {
	case *rsa.PrivateKey:
		k.Precompute()
		b.printf("Private-Key: (%d bit, %d primes)\n", k.N.BitLen(), len(k.Primes))
		labeledBignum(b, 0, "modulus:", k.N)
		labeledBignum(b, 0, "publicExponent:", big.NewInt(int64(k.E)))
		labeledBignum(b, 0, "privateExponent:", k.D)
		if len(k.Primes) != 2 || k.Precomputed.Dp == nil {
			return false
		}
		labeledBignum(b, 0, "prime1:", k.Primes[0])
		labeledBignum(b, 0, "prime2:", k.Primes[1])
		labeledBignum(b, 0, "exponent1:", k.Precomputed.Dp)
		labeledBignum(b, 0, "exponent2:", k.Precomputed.Dq)
		labeledBignum(b, 0, "coefficient:", k.Precomputed.Qinv)
		return true
	case *ecdsa.PrivateKey:
		der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
		if err != nil {
			return false
		}
		s, err := parseSPKI(der)
		if err != nil {
			return false
		}
		curve, _ := oidString(s.params.content)
		ci, ok := curves[curve]
		if !ok {
			return false
		}
		priv, err := k.Bytes()
		if err != nil {
			return false
		}
		b.printf("Private-Key: (%d bit)\n", ci.bits)
		labeledBuf(b, 0, "priv:", priv)
		labeledBuf(b, 0, "pub:", s.key)
		ecParamText(b, 0, curve, ci)
		return true
	case ed25519.PrivateKey:
		b.WriteString("ED25519 Private-Key:\n")
		labeledBuf(b, 0, "priv:", k.Seed())
		labeledBuf(b, 0, "pub:", k.Public().(ed25519.PublicKey))
		return true
	}
	return false
}
