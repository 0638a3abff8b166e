package inspect

import (
	"fmt"
	"strings"
)

// ipText is ossl_ipaddr_to_asc: dotted quad, or eight upper-case hex
// groups without compression.
func ipText(b []byte) string {
	switch len(b) {
	case 4:
		return fmt.Sprintf("%d.%d.%d.%d", b[0], b[1], b[2], b[3])
	case 16:
		parts := make([]string, 8)
		for i := range parts {
			parts[i] = fmt.Sprintf("%X", int(b[2*i])<<8|int(b[2*i+1]))
		}
		return strings.Join(parts, ":")
	}
	return ""
}

// genNameV is i2v_GENERAL_NAME: the "name:value" pair openssl prints in
// SAN, AKI and AIA lines.
func genNameV(g tlv) (string, string) {
	if g.class != classContext {
		return "", "<unsupported>"
	}
	switch g.tag {
	case 0:
		return "othername", otherNameText(g)
	case 1:
		return "email", string(g.content)
	case 2:
		return "DNS", string(g.content)
	case 3:
		return "X400Name", "<unsupported>"
	case 4:
		inner, _, err := readTLV(g.content)
		if err != nil {
			return "DirName", "<invalid>"
		}
		return "DirName", nameOneline(inner.full)
	case 5:
		return "EdiPartyName", "<unsupported>"
	case 6:
		return "URI", string(g.content)
	case 7:
		if s := ipText(g.content); s != "" {
			return "IP Address", s
		}
		return "IP Address", "<invalid>"
	case 8:
		return "Registered ID", objNameRaw(g.content)
	}
	return "", "<unsupported>"
}

// otherNameText covers the otherName forms openssl 3.0 knows by name.
func otherNameText(g tlv) string {
	parts, err := children(g.content)
	if err != nil || len(parts) < 2 || !parts[0].is(classUniversal, tagOID) {
		return "<unsupported>"
	}
	oid, _ := oidString(parts[0].content)
	val := parts[1]
	inner, _, err := readTLV(val.content)
	str := ""
	if err == nil {
		str = string(inner.content)
	}
	switch oid {
	case "1.3.6.1.4.1.311.20.2.3":
		return "UPN:" + str
	case "1.3.6.1.5.5.7.8.9":
		return "SmtpUTF8Mailbox:" + str
	case "1.3.6.1.5.5.7.8.5":
		return "XmppAddr:" + str
	case "1.3.6.1.5.5.7.8.7":
		return "SRVName:" + str
	case "1.3.6.1.5.5.7.8.8":
		return "NAIRealm:" + str
	}
	return "<unsupported>"
}

// genNamePrint is GENERAL_NAME_print, used by CRL distribution points and
// name constraints.
func genNamePrint(g tlv) string {
	if g.class != classContext {
		return ""
	}
	switch g.tag {
	case 0:
		return "othername:" + otherNameText(g)
	case 1:
		return "email:" + asn1StringPrint(g.content)
	case 2:
		return "DNS:" + asn1StringPrint(g.content)
	case 3:
		return "X400Name:<unsupported>"
	case 4:
		inner, _, err := readTLV(g.content)
		if err != nil {
			return "DirName:"
		}
		return "DirName:" + formatName(inner.full)
	case 5:
		return "EdiPartyName:<unsupported>"
	case 6:
		return "URI:" + asn1StringPrint(g.content)
	case 7:
		if s := ipText(g.content); s != "" {
			return "IP Address:" + s
		}
		return "IP Address:<invalid>"
	case 8:
		return "Registered ID:" + objNameRaw(g.content)
	}
	return ""
}

// confValue is openssl's CONF_VALUE, what i2v methods return.
type confValue struct {
	name, value string
	nameOnly    bool // value is NULL in openssl: only the name prints
}

func genNamesV(b []byte) ([]confValue, error) {
	gens, err := children(b)
	if err != nil {
		return nil, err
	}
	out := make([]confValue, 0, len(gens))
	for _, g := range gens {
		n, v := genNameV(g)
		out = append(out, confValue{name: n, value: v})
	}
	return out, nil
}

// valPrn is X509V3_EXT_val_prn.
func valPrn(b *bio, vals []confValue, indent int, multiline bool) {
	if !multiline || len(vals) == 0 {
		b.indent(indent)
		if len(vals) == 0 {
			b.WriteString("<EMPTY>\n")
		}
	}
	for i, v := range vals {
		if multiline {
			if i > 0 {
				b.WriteString("\n")
			}
			b.indent(indent)
		} else if i > 0 {
			b.WriteString(", ")
		}
		switch {
		case v.name == "":
			b.WriteString(v.value)
		case v.nameOnly:
			b.WriteString(v.name)
		default:
			b.WriteString(v.name + ":" + v.value)
		}
	}
}
