package pki

import (
	"math/big"
	"strings"
)

// SerialHex formats a serial number the one way pkibench prints it
// everywhere (index.txt, list, evidence, file names): upper-case hex with an
// even number of digits, as openssl's index spells it ("00" for zero), and a
// leading "-" for the negative serials that parsing tolerates. nil is "".
func SerialHex(n *big.Int) string {
	if n == nil {
		return ""
	}
	sign := ""
	if n.Sign() < 0 {
		sign, n = "-", new(big.Int).Neg(n)
	}
	h := strings.ToUpper(n.Text(16))
	if len(h)%2 == 1 {
		h = "0" + h
	}
	return sign + h
}
