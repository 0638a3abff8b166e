package pki

import (
	"math/big"
	"testing"
)

func TestSerialHex(t *testing.T) {
	for _, c := range []struct {
		in   *big.Int
		want string
	}{
		{nil, ""},
		{big.NewInt(0), "00"},
		{big.NewInt(1), "01"},
		{big.NewInt(0xabc), "0ABC"},
		{big.NewInt(0x1234), "1234"},
		// The copies this replaces disagreed here: one printed "-ABC", one
		// "0-AB" for -0xAB and one "-AB".
		{big.NewInt(-0xab), "-AB"},
		{big.NewInt(-0xabc), "-0ABC"},
	} {
		if got := SerialHex(c.in); got != c.want {
			t.Errorf("SerialHex(%v) = %q, want %q", c.in, got, c.want)
		}
	}
}
