package inspect

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/pkibench/pkibench/pki"
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
	return fmt.Sprintf("<invalid length=%d>", len(b))
}

// lenValue is x509v3_add_len_value: an empty value prints as the name
// alone, an embedded NUL makes the whole extension unprintable, and a
// final NUL is dropped.
func lenValue(name string, v []byte) (confValue, error) {
	if len(v) == 0 {
		// openssl 3.0.x prints an empty value as "name:" (an empty string, not NULL).
		return confValue{name: name}, nil
	}
	if i := bytes.IndexByte(v[:len(v)-1], 0); i >= 0 {
		return confValue{}, errDER
	}
	return confValue{name: name, value: cString(v)}, nil
}

// otherName splits an otherName into its type OID and inner value.
func otherName(g tlv) (string, tlv, error) {
	parts, err := children(g.content)
	if err != nil || len(parts) != 2 || !isOID(parts[0]) || !parts[1].is(classContext, 0) || !parts[1].constructed {
		return "", tlv{}, errDER
	}
	oid, err := oidString(parts[0].content)
	if err != nil {
		return "", tlv{}, err
	}
	inner, err := readOne(parts[1].content)
	if err != nil {
		return "", tlv{}, err
	}
	return oid, inner, nil
}

// otherNames openssl 3.0 prints by name, with the string type each needs.
var knownOtherNames = map[string]struct {
	label string
	tag   int
}{
	"1.3.6.1.5.5.7.8.9":      {"SmtpUTF8Mailbox", tagUTF8},
	"1.3.6.1.5.5.7.8.5":      {"XmppAddr", tagUTF8},
	"1.3.6.1.5.5.7.8.7":      {"SRVName", tagIA5},
	"1.3.6.1.4.1.311.20.2.3": {"UPN", tagUTF8},
	"1.3.6.1.5.5.7.8.8":      {"NAIRealm", tagUTF8},
}

// genNameV is i2v_GENERAL_NAME: the "name:value" pair openssl prints in
// SAN, AKI and AIA lines.
func genNameV(g tlv) (confValue, error) {
	if !genNameShape(g) {
		return confValue{}, errDER
	}
	switch g.tag {
	case 0:
		oid, inner, err := otherName(g)
		if err != nil {
			return confValue{}, err
		}
		if k, ok := knownOtherNames[oid]; ok {
			if !inner.is(classUniversal, k.tag) {
				return confValue{}, errDER
			}
			return lenValue("othername: "+k.label+":", inner.content)
		}
		name := "othername: " + objName(oid) + ":"
		if inner.is(classUniversal, tagIA5) || inner.is(classUniversal, tagUTF8) {
			if cv, err := lenValue(name, inner.content); err == nil {
				return cv, nil
			}
		}
		return confValue{name: name, value: "<unsupported>"}, nil
	case 1:
		return lenValue("email", g.content)
	case 2:
		return lenValue("DNS", g.content)
	case 3:
		return confValue{name: "X400Name", value: "<unsupported>"}, nil
	case 4:
		inner, err := readOne(g.content)
		if err != nil {
			return confValue{}, err
		}
		return confValue{name: "DirName", value: nameOneline(inner.full)}, nil
	case 5:
		return confValue{name: "EdiPartyName", value: "<unsupported>"}, nil
	case 6:
		return lenValue("URI", g.content)
	case 7:
		return confValue{name: "IP Address", value: ipText(g.content)}, nil
	case 8:
		return confValue{name: "Registered ID", value: objNameRaw(g.content)}, nil
	}
	return confValue{}, errDER
}

// genNameShape reports whether g is a GeneralName openssl's d2i reads:
// otherName, x400Address, directoryName and ediPartyName are constructed,
// the string, IP and OID forms primitive (RFC 5280 4.2.1.6's IMPLICIT tags).
func genNameShape(g tlv) bool {
	if g.class != classContext || g.tag > 8 {
		return false
	}
	switch g.tag {
	case 4:
		// [4] EXPLICIT Name: one Name that openssl's X509_NAME decoder takes.
		inner, err := readOne(g.content)
		return g.constructed && err == nil && pki.CheckNameForm(inner.full) == nil
	case 0, 3, 5:
		return g.constructed
	case 8:
		return !g.constructed && pki.CheckOIDForm(g.content) == nil
	}
	return !g.constructed
}

// genNamePrint is GENERAL_NAME_print, used by CRL distribution points and
// name constraints.
func genNamePrint(g tlv) string {
	if g.class != classContext {
		return ""
	}
	switch g.tag {
	case 0:
		oid, inner, err := otherName(g)
		if err != nil {
			return "othername:<unsupported>"
		}
		k, ok := knownOtherNames[oid]
		want := tagUTF8
		if oid == "1.3.6.1.5.5.7.8.7" {
			want = tagIA5
		}
		if !ok || !inner.is(classUniversal, want) {
			return "othername:<unsupported>"
		}
		return "othername:" + k.label + ":" + cString(inner.content)
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
		return "IP Address:" + ipText(g.content)
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
		cv, err := genNameV(g)
		if err != nil {
			return nil, err
		}
		out = append(out, cv)
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
