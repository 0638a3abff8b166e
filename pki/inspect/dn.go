package inspect

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// nameEntry is one attribute of a distinguished name.
type nameEntry struct {
	set   int // index of the RDN it belongs to
	oid   string
	value tlv
}

// parseName reads a Name (SEQUENCE OF SET OF AttributeTypeAndValue).
func parseName(raw []byte) ([]nameEntry, error) {
	seq, _, err := readTLV(raw)
	if err != nil {
		return nil, err
	}
	sets, err := children(seq.content)
	if err != nil {
		return nil, err
	}
	var out []nameEntry
	for i, s := range sets {
		atvs, err := children(s.content)
		if err != nil {
			return nil, err
		}
		for _, a := range atvs {
			parts, err := children(a.content)
			if err != nil || len(parts) < 2 || !parts[0].is(classUniversal, tagOID) {
				return nil, errDER
			}
			oid, err := oidString(parts[0].content)
			if err != nil {
				return nil, err
			}
			out = append(out, nameEntry{set: i, oid: oid, value: parts[1]})
		}
	}
	return out, nil
}

// formatName is X509_NAME_print_ex with XN_FLAG_ONELINE, openssl's default
// for -text: "C = US, O = \"Acme, Inc.\", CN = x".
func formatName(raw []byte) string {
	entries, err := parseName(raw)
	if err != nil {
		return "<invalid name>"
	}
	var b strings.Builder
	for i, e := range entries {
		if i > 0 {
			if entries[i-1].set == e.set {
				b.WriteString(" + ")
			} else {
				b.WriteString(", ")
			}
		}
		b.WriteString(objShort(e.oid))
		b.WriteString(" = ")
		b.WriteString(escapeValue(e.value))
	}
	return b.String()
}

// Escape flags, as in openssl's charmap.h.
const (
	escRFC2253 = 1
	escCtrl    = 2
	escMSB     = 4
	escQuote   = 8
	escFirst   = 0x20
	escLast    = 0x40
	escBS      = escRFC2253 | escFirst | escLast
	escFlags   = escRFC2253 | escCtrl | escMSB | escQuote
)

// charType is openssl's char_type table reduced to the flags the ONELINE
// format uses.
func charType(c byte) int {
	switch {
	case c < 32 || c == 127:
		return escCtrl
	case c == ' ':
		return escQuote | escFirst | escLast
	case c == '"' || c == '\\':
		return escRFC2253
	case c == '#':
		return escQuote | escFirst
	case c == '+' || c == ',' || c == ';' || c == '<' || c == '>':
		return escRFC2253 | escQuote
	}
	return 0
}

// escapeValue is do_print_ex with ASN1_STRFLGS_RFC2253|ESC_QUOTE.
func escapeValue(v tlv) string {
	width := -1
	if v.class == classUniversal {
		switch v.tag {
		case tagUTF8:
			width = 0
		case 18, tagPrintable, tagT61, tagIA5, tagUTCTime, tagGenTime, 26:
			width = 1
		case tagUniversal:
			width = 4
		case tagBMP:
			width = 2
		}
	}
	if width < 0 {
		return "#" + strings.ToUpper(fmt.Sprintf("%x", v.full))
	}
	chars, ok := decodeChars(v.content, width)
	if !ok {
		return "#" + strings.ToUpper(fmt.Sprintf("%x", v.full))
	}
	quotes := false
	var out strings.Builder
	for i, c := range chars {
		or := 0
		if i == 0 {
			or = escFirst
		}
		if i == len(chars)-1 {
			or = escLast
		}
		var enc []byte
		if width == 0 {
			enc = []byte{byte(c)}
		} else {
			enc = utf8Bytes(c)
		}
		for _, ch := range enc {
			escChar(&out, ch, escFlags|or, &quotes)
		}
	}
	if quotes {
		return `"` + out.String() + `"`
	}
	return out.String()
}

// decodeChars splits content into characters of the given byte width
// (0 means UTF-8 bytes taken one by one, as openssl does).
func decodeChars(b []byte, width int) ([]rune, bool) {
	w := width
	if w == 0 {
		w = 1
	}
	if len(b)%w != 0 {
		return nil, false
	}
	out := make([]rune, 0, len(b)/w)
	for i := 0; i < len(b); i += w {
		var c rune
		for j := 0; j < w; j++ {
			c = c<<8 | rune(b[i+j])
		}
		out = append(out, c)
	}
	return out, true
}

// utf8Bytes is UTF8_putc, which also encodes surrogates and values up to
// 0x7fffffff.
func utf8Bytes(c rune) []byte {
	if c >= 0 && c < 0x80 {
		return []byte{byte(c)}
	}
	if utf8.ValidRune(c) {
		return []byte(string(c))
	}
	u := uint32(c)
	switch {
	case u < 0x800:
		return []byte{byte(0xc0 | u>>6), byte(0x80 | u&0x3f)}
	case u < 0x10000:
		return []byte{byte(0xe0 | u>>12), byte(0x80 | (u>>6)&0x3f), byte(0x80 | u&0x3f)}
	default:
		return []byte{byte(0xf0 | (u>>18)&0x07), byte(0x80 | (u>>12)&0x3f), byte(0x80 | (u>>6)&0x3f), byte(0x80 | u&0x3f)}
	}
}

// escChar is do_esc_char for one byte.
func escChar(out *strings.Builder, c byte, flags int, quotes *bool) {
	var chf int
	if c > 0x7f {
		chf = flags & escMSB
	} else {
		chf = charType(c) & flags
	}
	if chf&escBS != 0 {
		if chf&escQuote != 0 {
			*quotes = true
			out.WriteByte(c)
			return
		}
		out.WriteByte('\\')
		out.WriteByte(c)
		return
	}
	if chf&(escCtrl|escMSB) != 0 {
		fmt.Fprintf(out, "\\%02X", c)
		return
	}
	if c == '\\' {
		out.WriteString(`\\`)
		return
	}
	out.WriteByte(c)
}

// nameOneline is X509_NAME_oneline ("/C=US/O=Acme/CN=x"), which openssl
// uses for DirName in SAN and AKI lines. It stops at 255 characters as
// openssl's fixed buffer does.
func nameOneline(raw []byte) string {
	entries, err := parseName(raw)
	if err != nil {
		return "<invalid name>"
	}
	var b strings.Builder
	for _, e := range entries {
		q := e.value.content
		doit := [4]bool{true, true, true, true}
		if e.value.tag == 27 && len(q)%4 == 0 { // GeneralString
			var nz [4]bool
			for j, c := range q {
				if c != 0 {
					nz[j&3] = true
				}
			}
			if !(nz[0] || nz[1] || nz[2]) {
				doit = [4]bool{false, false, false, true}
			}
		}
		var part strings.Builder
		part.WriteString("/" + objShort(e.oid) + "=")
		for j, c := range q {
			if !doit[j&3] {
				continue
			}
			switch {
			case c < ' ' || c > '~':
				fmt.Fprintf(&part, "\\x%02X", c)
			case c == '/' || c == '+':
				part.WriteByte('\\')
				part.WriteByte(c)
			default:
				part.WriteByte(c)
			}
		}
		if b.Len()+part.Len() > 256 {
			break
		}
		b.WriteString(part.String())
	}
	return b.String()
}
