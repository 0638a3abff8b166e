package inspect

import (
	"crypto/elliptic"
	"math/big"
	"testing"
)

// TestDecodePoint: the three X9.62 forms of P-256's generator decode to
// it, a point off the curve does not, and a compressed point over a
// modulus that is not prime is refused at once instead of feeding ModSqrt
// (undefined, and possibly endless, for such a modulus).
func TestDecodePoint(t *testing.T) {
	pr := elliptic.P256().Params()
	c := weierstrass{p: pr.P, a: new(big.Int).Sub(pr.P, big.NewInt(3)), b: pr.B}
	for _, form := range []byte{2, 4, 6} {
		enc := c.encodePoint(pr.Gx, pr.Gy, form)
		x, y, f, ok := c.decodePoint(enc)
		if !ok || f != form || x.Cmp(pr.Gx) != 0 || y.Cmp(pr.Gy) != 0 {
			t.Errorf("form %d: decodePoint(%x) = %v %v %d %v", form, enc, x, y, f, ok)
		}
	}
	off := c.encodePoint(pr.Gx, new(big.Int).Add(pr.Gy, big.NewInt(1)), 4)
	if _, _, _, ok := c.decodePoint(off); ok {
		t.Error("a point off the curve decoded")
	}
	notPrime := weierstrass{p: new(big.Int).Mul(big.NewInt(1000003), big.NewInt(1000033)), a: big.NewInt(1), b: big.NewInt(1)}
	enc := append([]byte{2}, big.NewInt(5).FillBytes(make([]byte, notPrime.byteLen()))...)
	if _, _, _, ok := notPrime.decodePoint(enc); ok {
		t.Error("a compressed point over a composite modulus decoded")
	}
	if !isBuiltinCurve(c, pr.Gx, pr.Gy, pr.N) || isBuiltinCurve(c, pr.Gx, pr.Gy, new(big.Int).Add(pr.N, big.NewInt(2))) {
		t.Error("isBuiltinCurve does not tell P-256 from a different order")
	}
	if h := guessCofactor(pr.P, pr.N); h.Int64() != 1 {
		t.Errorf("P-256 cofactor guessed as %v", h)
	}
}
