package inspect

import (
	"errors"
	"fmt"
)

// tlv is one DER element. The renderer walks raw DER itself because
// openssl prints details crypto/x509 throws away (string types, unknown
// extensions, policy qualifiers, the exact bytes of names).
type tlv struct {
	class       int // 0 universal, 1 application, 2 context, 3 private
	constructed bool
	tag         int
	content     []byte
	full        []byte // tag, length and content
}

var errDER = errors.New("malformed DER")

// readTLV reads one element from b and returns it and the rest.
func readTLV(b []byte) (tlv, []byte, error) {
	if len(b) < 2 {
		return tlv{}, nil, errDER
	}
	t := tlv{class: int(b[0] >> 6), constructed: b[0]&0x20 != 0, tag: int(b[0] & 0x1f)}
	i := 1
	if t.tag == 0x1f {
		t.tag = 0
		for {
			if i >= len(b) || i > 5 {
				return tlv{}, nil, errDER
			}
			c := b[i]
			i++
			t.tag = t.tag<<7 | int(c&0x7f)
			if c&0x80 == 0 {
				break
			}
		}
	}
	if i >= len(b) {
		return tlv{}, nil, errDER
	}
	l := int(b[i])
	i++
	if l&0x80 != 0 {
		n := l & 0x7f
		if n == 0 || n > 4 || i+n > len(b) {
			return tlv{}, nil, errDER
		}
		l = 0
		for j := 0; j < n; j++ {
			l = l<<8 | int(b[i+j])
		}
		i += n
		if l < 0 {
			return tlv{}, nil, errDER
		}
	}
	if l > len(b)-i {
		return tlv{}, nil, fmt.Errorf("%w: length %d exceeds %d remaining bytes", errDER, l, len(b)-i)
	}
	t.content = b[i : i+l]
	t.full = b[:i+l]
	return t, b[i+l:], nil
}

// children splits the content of a constructed element.
func children(b []byte) ([]tlv, error) {
	var out []tlv
	for len(b) > 0 {
		t, rest, err := readTLV(b)
		if err != nil {
			return out, err
		}
		out = append(out, t)
		b = rest
	}
	return out, nil
}

func (t tlv) is(class, tag int) bool { return t.class == class && t.tag == tag }

const (
	classUniversal = 0
	classContext   = 2

	tagBoolean     = 1
	tagInteger     = 2
	tagBitString   = 3
	tagOctetString = 4
	tagNull        = 5
	tagOID         = 6
	tagEnumerated  = 10
	tagUTF8        = 12
	tagSequence    = 16
	tagSet         = 17
	tagPrintable   = 19
	tagT61         = 20
	tagIA5         = 22
	tagUTCTime     = 23
	tagGenTime     = 24
	tagUniversal   = 28
	tagBMP         = 30
)

// oidString decodes OID content bytes to dotted form.
func oidString(b []byte) (string, error) {
	if len(b) == 0 {
		return "", errDER
	}
	var parts []uint64
	var v uint64
	for i, c := range b {
		if v > 1<<56 {
			return "", errDER
		}
		v = v<<7 | uint64(c&0x7f)
		if c&0x80 == 0 {
			parts = append(parts, v)
			v = 0
		} else if i == len(b)-1 {
			return "", errDER
		}
	}
	first := parts[0]
	var s string
	switch {
	case first < 40:
		s = fmt.Sprintf("0.%d", first)
	case first < 80:
		s = fmt.Sprintf("1.%d", first-40)
	default:
		s = fmt.Sprintf("2.%d", first-80)
	}
	for _, p := range parts[1:] {
		s += fmt.Sprintf(".%d", p)
	}
	return s, nil
}
