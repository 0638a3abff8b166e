package inspect

import (
	"fmt"
	"math/big"
	"strings"
)

// bio mimics the BIO openssl writes to, so each printer can follow
// openssl's own sequence of writes (and its quirks, such as where a
// newline is or is not written) and the result splits into exact lines.
type bio struct{ strings.Builder }

func (b *bio) indent(n int) {
	if n > 128 {
		n = 128
	}
	b.WriteString(strings.Repeat(" ", max(n, 0)))
}

func (b *bio) printf(format string, a ...any) { fmt.Fprintf(b, format, a...) }

// splitLines turns printed text into lines; a trailing newline ends the last line.
func splitLines(s string) []string {
	s = strings.TrimSuffix(s, "\n")
	return strings.Split(s, "\n")
}

// hexColon renders bytes as "AB:CD:EF" (upper) or "ab:cd:ef".
func hexColon(b []byte, upper bool) string {
	digits := lowerHex
	if upper {
		digits = upperHex
	}
	out := make([]byte, 0, 3*len(b))
	for i, c := range b {
		if i > 0 {
			out = append(out, ':')
		}
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

const (
	lowerHex = "0123456789abcdef"
	upperHex = "0123456789ABCDEF"
)

// hexByte writes one byte as two lower-case hex digits: the dumps print
// thousands of them, where fmt's %02x costs a formatter call each.
func (b *bio) hexByte(c byte) {
	b.WriteByte(lowerHex[c>>4])
	b.WriteByte(lowerHex[c&15])
}

// sigDump is X509_signature_dump: 18 bytes a line, lower-case, colons.
func sigDump(b *bio, sig []byte, indent int) {
	for i, c := range sig {
		if i%18 == 0 {
			if i > 0 {
				b.WriteString("\n")
			}
			b.indent(indent)
		}
		b.hexByte(c)
		if i+1 != len(sig) {
			b.WriteByte(':')
		}
	}
	b.WriteString("\n")
}

// labeledBuf is the provider encoders' print_labeled_buf: label line, then
// 15 bytes a line indented by four, each line but the last ending in ':'.
func labeledBuf(b *bio, indent int, label string, buf []byte) {
	b.indent(indent)
	b.printf("%s\n", label)
	for i, c := range buf {
		if i%15 == 0 {
			if i > 0 {
				b.WriteString("\n")
			}
			b.indent(indent + 4)
		}
		b.hexByte(c)
		if i != len(buf)-1 {
			b.WriteByte(':')
		}
	}
	b.WriteString("\n")
}

// labeledBignum is the encoders' print_labeled_bignum: small numbers on
// the label line, large ones as a hex dump with a leading 00 when the top
// bit is set.
func labeledBignum(b *bio, indent int, label string, n *big.Int) {
	b.indent(indent)
	if n.Sign() == 0 {
		b.printf("%s 0\n", label)
		return
	}
	abs := new(big.Int).Abs(n)
	if abs.BitLen() <= 64 {
		neg := ""
		if n.Sign() < 0 {
			neg = "-"
		}
		b.printf("%s %s%d (%s0x%x)\n", label, neg, abs.Uint64(), neg, abs.Uint64())
		return
	}
	neg := ""
	if n.Sign() < 0 {
		neg = " (Negative)"
	}
	b.printf("%s%s\n", label, neg)
	buf := abs.Bytes()
	if buf[0]&0x80 != 0 {
		buf = append([]byte{0}, buf...)
	}
	b.indent(indent + 4)
	for i, c := range buf {
		if i%15 == 0 && i > 0 {
			b.WriteString(":\n")
			b.indent(indent + 4)
		} else if i > 0 {
			b.WriteString(":")
		}
		b.hexByte(c)
	}
	b.WriteString("\n")
}

// asn1StringPrint is ASN1_STRING_print: printable ASCII as is, newlines
// kept, everything else as '.'.
func asn1StringPrint(data []byte) string {
	out := make([]byte, len(data))
	for i, c := range data {
		if c > '~' || (c < ' ' && c != '\n' && c != '\r') {
			out[i] = '.'
		} else {
			out[i] = c
		}
	}
	return string(out)
}

// cString is how %s / %.*s print a byte string: it stops at the first NUL.
func cString(data []byte) string {
	for i, c := range data {
		if c == 0 {
			return string(data[:i])
		}
	}
	return string(data)
}

// integerDecimalOrHex is i2s_ASN1_INTEGER: decimal below 128 bits,
// otherwise 0x and upper-case hex.
func integerDecimalOrHex(n *big.Int) string {
	abs := new(big.Int).Abs(n)
	neg := ""
	if n.Sign() < 0 {
		neg = "-"
	}
	if abs.BitLen() < 128 {
		return neg + abs.String()
	}
	// BN_bn2hex writes whole bytes, so a leading zero nibble stays.
	return neg + "0x" + fmt.Sprintf("%X", abs.Bytes())
}

// parseInteger decodes DER INTEGER content (two's complement).
func parseInteger(b []byte) *big.Int {
	n := new(big.Int).SetBytes(b)
	if len(b) > 0 && b[0]&0x80 != 0 {
		n.Sub(n, new(big.Int).Lsh(big.NewInt(1), uint(len(b)*8)))
	}
	return n
}

// integerMagnitude is the bytes openssl keeps in an ASN1_INTEGER: the
// magnitude without sign padding.
func integerMagnitude(b []byte) (mag []byte, negative bool) {
	n := parseInteger(b)
	if n.Sign() < 0 {
		return new(big.Int).Neg(n).Bytes(), true
	}
	if n.Sign() == 0 {
		// openssl keeps zero as one 00 byte.
		return []byte{0}, false
	}
	return n.Bytes(), false
}
