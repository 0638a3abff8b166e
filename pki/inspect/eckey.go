package inspect

import (
	"crypto/elliptic"
	"math/big"
)

// EC keys crypto/x509 cannot load: named curves it lacks (P-192,
// secp256k1) and explicit curve parameters (RFC 3279 2.3.5's
// SpecifiedECDomain). openssl loads both when the numbers make a curve and
// the points lie on it, and prints the parameters in full for an explicit
// curve; these printers do the same from the raw DER.

// weierstrass is a prime-field curve y² = x³ + ax + b (mod p).
type weierstrass struct{ p, a, b *big.Int }

func hexInt(s string) *big.Int {
	n, _ := new(big.Int).SetString(s, 16)
	return n
}

// rawNamedCurves are the named curves in curves that crypto/x509 does not
// load, with their equation, so a point can be checked.
var rawNamedCurves = map[string]weierstrass{
	"1.2.840.10045.3.1.1": {p: hexInt("fffffffffffffffffffffffffffffffeffffffffffffffff"), a: hexInt("fffffffffffffffffffffffffffffffefffffffffffffffc"),
		b: hexInt("64210519e59c80e70fa7e9ab72243049feb8deecc146b9b1")},
	"1.3.132.0.10": {p: hexInt("fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f"), a: big.NewInt(0), b: big.NewInt(7)},
}

func (c weierstrass) byteLen() int { return (c.p.BitLen() + 7) / 8 }

// onCurve reports whether (x, y) satisfies the equation, both below p.
func (c weierstrass) onCurve(x, y *big.Int) bool {
	if x.Cmp(c.p) >= 0 || y.Cmp(c.p) >= 0 {
		return false
	}
	lhs := new(big.Int).Mul(y, y)
	lhs.Mod(lhs, c.p)
	rhs := new(big.Int).Mul(x, x)
	rhs.Mul(rhs, x)
	rhs.Add(rhs, new(big.Int).Mul(c.a, x))
	rhs.Add(rhs, c.b)
	rhs.Mod(rhs, c.p)
	return lhs.Cmp(rhs) == 0
}

// decodePoint reads an X9.62 point as EC_POINT_oct2point does: the
// compressed (02/03), uncompressed (04) or hybrid (06/07) form, of exact
// length, on the curve. It returns the point and the form byte without its
// parity bit.
func (c weierstrass) decodePoint(b []byte) (x, y *big.Int, form byte, ok bool) {
	n := c.byteLen()
	if len(b) == 0 {
		return nil, nil, 0, false
	}
	form = b[0] &^ 1
	switch {
	case form == 2 && len(b) == 1+n:
		x = new(big.Int).SetBytes(b[1:])
		// ModSqrt is only defined for a prime modulus (it may loop or
		// panic otherwise); openssl's BN_mod_sqrt fails there too.
		if x.Cmp(c.p) >= 0 || !c.p.ProbablyPrime(20) {
			return nil, nil, 0, false
		}
		rhs := new(big.Int).Mul(x, x)
		rhs.Mul(rhs, x)
		rhs.Add(rhs, new(big.Int).Mul(c.a, x))
		rhs.Add(rhs, c.b)
		rhs.Mod(rhs, c.p)
		y = new(big.Int).ModSqrt(rhs, c.p)
		if y == nil {
			return nil, nil, 0, false
		}
		if y.Bit(0) != uint(b[0]&1) {
			y.Sub(c.p, y)
		}
		return x, y, form, true
	case (form == 4 && b[0] == 4 || form == 6) && len(b) == 1+2*n:
		x = new(big.Int).SetBytes(b[1 : 1+n])
		y = new(big.Int).SetBytes(b[1+n:])
		if form == 6 && y.Bit(0) != uint(b[0]&1) {
			return nil, nil, 0, false
		}
		return x, y, form, c.onCurve(x, y)
	}
	return nil, nil, 0, false
}

// encodePoint writes (x, y) in form, as EC_POINT_point2oct does.
func (c weierstrass) encodePoint(x, y *big.Int, form byte) []byte {
	n := c.byteLen()
	out := []byte{form}
	if form != 4 {
		out[0] |= byte(y.Bit(0))
	}
	out = append(out, x.FillBytes(make([]byte, n))...)
	if form != 2 {
		out = append(out, y.FillBytes(make([]byte, n))...)
	}
	return out
}

// rawECKeyText prints an EC key crypto/x509 did not load, or returns
// false when openssl would not load it either.
func rawECKeyText(b *bio, s spki, indent int) bool {
	if s.params.is(classUniversal, tagOID) {
		curve, err := oidString(s.params.content)
		if err != nil {
			return false
		}
		c, ok := rawNamedCurves[curve]
		if !ok {
			return false
		}
		if _, _, _, ok := c.decodePoint(s.key); !ok {
			return false
		}
		ci := curves[curve]
		b.indent(indent)
		b.printf("Public-Key: (%d bit)\n", ci.bits)
		labeledBuf(b, indent, "pub:", s.key)
		ecParamText(b, indent, curve, ci)
		return true
	}
	if !s.params.is(classUniversal, tagSequence) {
		return false
	}
	e, ok := parseExplicitCurve(s.params.content)
	if !ok {
		return false
	}
	if _, _, _, ok := e.curve.decodePoint(s.key); !ok {
		return false
	}
	b.indent(indent)
	b.printf("Public-Key: (%d bit)\n", e.order.BitLen())
	labeledBuf(b, indent, "pub:", s.key)
	b.indent(indent)
	b.WriteString("Field Type: prime-field\n")
	labeledBignum(b, indent, "Prime:", e.curve.p)
	labeledBignum(b, indent, "A:   ", e.curve.a)
	labeledBignum(b, indent, "B:   ", e.curve.b)
	labeledBuf(b, indent, map[byte]string{2: "Generator (compressed):", 4: "Generator (uncompressed):", 6: "Generator (hybrid):"}[e.genForm], e.gen)
	labeledBignum(b, indent, "Order: ", e.order)
	labeledBignum(b, indent, "Cofactor: ", e.cofactor)
	if e.seed != nil {
		labeledBuf(b, indent, "Seed:", e.seed)
	}
	return true
}

// explicitCurve is a SpecifiedECDomain as EC_GROUP_new_from_ecparameters
// reads it.
type explicitCurve struct {
	curve           weierstrass
	gen             []byte // the generator as openssl prints it
	genForm         byte
	order, cofactor *big.Int
	seed            []byte
}

const oidPrimeField = "1.2.840.10045.1.1"

// parseExplicitCurve reads SEQUENCE { version, fieldID, curve, base,
// order, cofactor OPTIONAL } with the checks openssl makes before it
// accepts the group. Only prime fields are read: characteristic-two
// curves are not shown.
func parseExplicitCurve(content []byte) (explicitCurve, bool) {
	var e explicitCurve
	f, err := children(content)
	if err != nil || len(f) < 5 || len(f) > 6 || !f[0].is(classUniversal, tagInteger) || !f[3].is(classUniversal, tagOctetString) ||
		!f[4].is(classUniversal, tagInteger) {
		return e, false
	}
	p, ok := primeField(f[1])
	if !ok {
		return e, false
	}
	if e.curve, e.seed, ok = curveCoefficients(f[2], p); !ok {
		return e, false
	}
	gx, gy, form, ok := e.curve.decodePoint(f[3].content)
	if !ok {
		return e, false
	}
	e.order = parseInteger(f[4].content)
	if e.order.Cmp(big.NewInt(1)) <= 0 || e.order.BitLen() > p.BitLen()+1 {
		return e, false
	}
	if len(f) == 6 {
		if !f[5].is(classUniversal, tagInteger) {
			return e, false
		}
		e.cofactor = parseInteger(f[5].content)
		if e.cofactor.Sign() < 0 {
			return e, false
		}
	}
	if e.cofactor == nil || e.cofactor.Sign() == 0 {
		e.cofactor = guessCofactor(p, e.order)
	}
	e.genForm = form
	if isBuiltinCurve(e.curve, gx, gy, e.order) {
		// openssl swaps in its built-in group, which prints its
		// generator uncompressed whatever the input's form.
		e.genForm = 4
	}
	e.gen = e.curve.encodePoint(gx, gy, e.genForm)
	return e, true
}

// primeField reads FieldID ::= SEQUENCE { prime-field OID, p INTEGER }.
// ec_GFp_simple_group_set_curve wants an odd p of more than 2 bits;
// OPENSSL_ECC_MAX_FIELD_BITS caps it at 661.
func primeField(t tlv) (*big.Int, bool) {
	field, err := children(t.content)
	if err != nil || !t.is(classUniversal, tagSequence) || len(field) != 2 || !field[0].is(classUniversal, tagOID) ||
		!field[1].is(classUniversal, tagInteger) {
		return nil, false
	}
	if oid, _ := oidString(field[0].content); oid != oidPrimeField {
		return nil, false
	}
	p := parseInteger(field[1].content)
	if p.Sign() <= 0 || p.BitLen() <= 2 || p.Bit(0) == 0 || p.BitLen() > 661 {
		return nil, false
	}
	return p, true
}

// curveCoefficients reads Curve ::= SEQUENCE { a, b OCTET STRING, seed
// BIT STRING OPTIONAL }, with a and b reduced mod p as openssl keeps them.
func curveCoefficients(t tlv, p *big.Int) (weierstrass, []byte, bool) {
	cv, err := children(t.content)
	if err != nil || !t.is(classUniversal, tagSequence) || len(cv) < 2 || len(cv) > 3 ||
		!cv[0].is(classUniversal, tagOctetString) || !cv[1].is(classUniversal, tagOctetString) {
		return weierstrass{}, nil, false
	}
	a := new(big.Int).Mod(new(big.Int).SetBytes(cv[0].content), p)
	b := new(big.Int).Mod(new(big.Int).SetBytes(cv[1].content), p)
	var seed []byte
	if len(cv) == 3 {
		if !cv[2].is(classUniversal, tagBitString) || len(cv[2].content) < 1 {
			return weierstrass{}, nil, false
		}
		seed = cv[2].content[1:]
	}
	return weierstrass{p: p, a: a, b: b}, seed, true
}

// guessCofactor is ec_guess_cofactor: h = (p + 1 + n/2) / n by Hasse's
// bound, or 0 when the order is too small for the guess to be unique.
func guessCofactor(p, n *big.Int) *big.Int {
	if n.BitLen() <= (p.BitLen()+1)/2+3 {
		return big.NewInt(0)
	}
	h := new(big.Int).Add(p, big.NewInt(1))
	h.Add(h, new(big.Int).Rsh(n, 1))
	return h.Div(h, n)
}

// isBuiltinCurve reports whether the parameters are those of one of the
// NIST curves openssl (and crypto/elliptic) know by name.
func isBuiltinCurve(c weierstrass, gx, gy, n *big.Int) bool {
	for _, named := range []elliptic.Curve{elliptic.P224(), elliptic.P256(), elliptic.P384(), elliptic.P521()} {
		pr := named.Params()
		a := new(big.Int).Sub(pr.P, big.NewInt(3))
		if pr.P.Cmp(c.p) == 0 && a.Cmp(c.a) == 0 && pr.B.Cmp(c.b) == 0 && pr.Gx.Cmp(gx) == 0 && pr.Gy.Cmp(gy) == 0 && pr.N.Cmp(n) == 0 {
			return true
		}
	}
	return false
}
