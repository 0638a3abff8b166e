package inspect

import (
	"encoding/binary"
	"fmt"
	"time"
)

// sctList is i2r_SCT_LIST: the signed certificate timestamps of
// certificate transparency, which public server certificates carry.
func sctList(b *bio, v []byte, indent int) error {
	t, err := single(v, tagOctetString)
	if err != nil {
		return err
	}
	d := t.content
	if len(d) < 2 || int(binary.BigEndian.Uint16(d)) != len(d)-2 {
		return errDER
	}
	d = d[2:]
	var scts [][]byte
	for len(d) > 0 {
		if len(d) < 2 {
			return errDER
		}
		n := int(binary.BigEndian.Uint16(d))
		if len(d) < 2+n {
			return errDER
		}
		scts = append(scts, d[2:2+n])
		d = d[2+n:]
	}
	for i, s := range scts {
		if err := sctPrint(b, s, indent); err != nil {
			return err
		}
		if i < len(scts)-1 {
			b.WriteString("\n")
		}
	}
	return nil
}

func sctPrint(b *bio, s []byte, indent int) error {
	if len(s) < 1 {
		return errDER
	}
	if s[0] != 0 {
		b.printf("%*sSigned Certificate Timestamp:", indent, "")
		b.printf("\n%*sVersion   : ", indent+4, "")
		b.printf("unknown\n%*s", indent+16, "")
		bioHexString(b, indent+16, 16, s)
		return nil
	}
	if len(s) < 1+32+8+2 {
		return errDER
	}
	logID := s[1:33]
	ts := binary.BigEndian.Uint64(s[33:41])
	el := int(binary.BigEndian.Uint16(s[41:43]))
	r := s[43:]
	if len(r) < el+4 {
		return errDER
	}
	ext := r[:el]
	r = r[el:]
	hashAlg, sigAlg := r[0], r[1]
	sl := int(binary.BigEndian.Uint16(r[2:4]))
	if len(r) != 4+sl {
		return errDER
	}
	sig := r[4:]
	b.printf("%*sSigned Certificate Timestamp:", indent, "")
	b.printf("\n%*sVersion   : v1 (0x0)", indent+4, "")
	b.printf("\n%*sLog ID    : ", indent+4, "")
	bioHexString(b, indent+16, 16, logID)
	b.printf("\n%*sTimestamp : ", indent+4, "")
	tm := time.UnixMilli(int64(ts)).UTC()
	b.printf("%s %2d %s.%03d %d GMT", tm.Format("Jan"), tm.Day(), tm.Format("15:04:05"), ts%1000, tm.Year())
	b.printf("\n%*sExtensions: ", indent+4, "")
	if len(ext) == 0 {
		b.WriteString("none")
	} else {
		bioHexString(b, indent+16, 16, ext)
	}
	b.printf("\n%*sSignature : ", indent+4, "")
	switch {
	case hashAlg == 4 && sigAlg == 3:
		b.WriteString("ecdsa-with-SHA256")
	case hashAlg == 4 && sigAlg == 1:
		b.WriteString("sha256WithRSAEncryption")
	default:
		b.WriteString(fmt.Sprintf("%02X%02X", hashAlg, sigAlg))
	}
	b.printf("\n%*s", indent+16, "")
	bioHexString(b, indent+16, 16, sig)
	return nil
}

// bioHexString is BIO_hex_string: upper-case, width bytes a line.
func bioHexString(b *bio, indent, width int, d []byte) {
	if len(d) < 1 {
		return
	}
	j := 0
	i := 0
	for ; i < len(d)-1; i++ {
		if i > 0 && j == 0 {
			b.indent(indent)
		}
		b.printf("%02X:", d[i])
		j = (j + 1) % width
		if j == 0 {
			b.WriteString("\n")
		}
	}
	if i > 0 && j == 0 {
		b.indent(indent)
	}
	b.printf("%02X", d[len(d)-1])
}
