package inspect

import (
	"crypto"
	"crypto/dsa" //lint:ignore SA1019 legacy DSA keys still turn up in certificates made by others; they must be described, never made
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"math/big"
	"strings"
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
	// Keys crypto/x509 does not load, printed from the raw bits.
	switch s.algOID {
	case oidEd448, oidX25519, oidX448:
		label := map[string]string{oidEd448: "ED448", oidX25519: "X25519", oidX448: "X448"}[s.algOID]
		b.indent(indent)
		b.WriteString(label + " Public-Key:\n")
		labeledBuf(b, indent, "pub:", s.key)
		return true
	case oidRSAPSS:
		return rsaPSSKeyText(b, s, indent)
	case oidECPublicKey:
		if _, ok := pub.(*ecdsa.PublicKey); !ok {
			return rawECKeyText(b, s, indent)
		}
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

// rsaPSSKeyText is the provider printer for RSA-PSS keys: the RSA numbers
// and the PSS restrictions, with provider digest names (SHA2-256).
func rsaPSSKeyText(b *bio, s spki, indent int) bool {
	k, err := x509.ParsePKCS1PublicKey(s.key)
	if err != nil {
		return false
	}
	b.indent(indent)
	b.printf("Public-Key: (%d bit)\n", k.N.BitLen())
	labeledBignum(b, indent, "Modulus:", k.N)
	labeledBignum(b, indent, "Exponent:", big.NewInt(int64(k.E)))
	pad := strings.Repeat(" ", indent)
	if s.params.is(classUniversal, tagNull) {
		// RFC 4055 3.1: absent or a SEQUENCE; openssl will not load a NULL.
		return false
	}
	if len(s.params.full) == 0 {
		b.WriteString(pad + "No PSS parameter restrictions\n")
		return true
	}
	hash, mgf, mgfHash, salt, trailer := "1.3.14.3.2.26", "1.2.840.113549.1.1.8", "1.3.14.3.2.26", int64(20), int64(1)
	fields, err := children(s.params.content)
	if err != nil {
		return false
	}
	for _, f := range fields {
		inner, err := readOne(f.content)
		if err != nil {
			return false
		}
		switch f.tag {
		case 0:
			if p, err := children(inner.content); err == nil && len(p) > 0 {
				hash, _ = oidString(p[0].content)
			}
		case 1:
			p, err := children(inner.content)
			if err != nil || len(p) < 1 {
				return false
			}
			mgf, _ = oidString(p[0].content)
			if len(p) > 1 {
				if hp, err := children(p[1].content); err == nil && len(hp) > 0 {
					mgfHash, _ = oidString(hp[0].content)
				}
			}
		case 2:
			salt = parseInteger(inner.content).Int64()
		case 3:
			trailer = parseInteger(inner.content).Int64()
		}
	}
	def := func(cond bool) string {
		if cond {
			return " (default)"
		}
		return ""
	}
	mgfName := "MGF1"
	if mgf != "1.2.840.113549.1.1.8" {
		mgfName = objName(mgf)
	}
	b.WriteString(pad + "PSS parameter restrictions:\n")
	b.printf("%s  Hash Algorithm: %s%s\n", pad, digestName(hash), def(hash == "1.3.14.3.2.26"))
	b.printf("%s  Mask Algorithm: %s with %s%s\n", pad, mgfName, digestName(mgfHash), def(mgfName == "MGF1" && mgfHash == "1.3.14.3.2.26"))
	b.printf("%s  Minimum Salt Length: %d%s\n", pad, salt, def(salt == 20))
	b.printf("%s  Trailer Field: 0x%x%s\n", pad, trailer, def(trailer == 1))
	return true
}

// digestName is the provider name openssl 3 gives a digest OID.
func digestName(oid string) string {
	switch oid {
	case "1.3.14.3.2.26":
		return "SHA1"
	case "2.16.840.1.101.3.4.2.4":
		return "SHA2-224"
	case "2.16.840.1.101.3.4.2.1":
		return "SHA2-256"
	case "2.16.840.1.101.3.4.2.2":
		return "SHA2-384"
	case "2.16.840.1.101.3.4.2.3":
		return "SHA2-512"
	case "2.16.840.1.101.3.4.2.5":
		return "SHA2-512/224"
	case "2.16.840.1.101.3.4.2.6":
		return "SHA2-512/256"
	}
	return objName(oid)
}
