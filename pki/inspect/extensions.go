package inspect

import (
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/pkibench/pkibench/pki"
)

// extension is one X.509 extension as found in the DER.
type extension struct {
	oid      string
	critical bool
	value    []byte // the content of the extnValue OCTET STRING
}

// parseExtensions reads Extensions ::= SEQUENCE OF Extension.
func parseExtensions(seqContent []byte) ([]extension, error) {
	items, err := children(seqContent)
	if err != nil {
		return nil, err
	}
	var out []extension
	for _, it := range items {
		parts, err := children(it.content)
		if err != nil || len(parts) < 2 || !parts[0].is(classUniversal, tagOID) {
			return out, errDER
		}
		oid, err := oidString(parts[0].content)
		if err != nil {
			return out, err
		}
		e := extension{oid: oid}
		v := parts[1]
		if v.is(classUniversal, tagBoolean) && len(parts) >= 3 {
			e.critical = len(v.content) == 1 && v.content[0] != 0
			v = parts[2]
		}
		if !v.is(classUniversal, tagOctetString) {
			return out, errDER
		}
		e.value = v.content
		out = append(out, e)
	}
	return out, nil
}

// printExtension writes one extension as X509V3_extensions_print does:
// the name line at indent, the value at indent+4, and a closing newline.
func printExtension(b *bio, e extension, indent int) {
	b.indent(indent)
	crit := ""
	if e.critical {
		crit = "critical"
	}
	b.printf("%s: %s\n", objName(e.oid), crit)
	if !extPrint(b, e, indent+4) {
		b.indent(indent + 4)
		b.WriteString(asn1StringPrint(e.value))
	}
	b.WriteString("\n")
}

var errUnsupported = errors.New("no printer")

// extPrint is X509V3_EXT_print for the extensions openssl has methods for.
// It returns false when openssl would fall back to printing the raw bytes.
func extPrint(b *bio, e extension, indent int) bool {
	var sub bio
	err := extPrintInto(&sub, e, indent)
	if err != nil {
		return false
	}
	b.WriteString(sub.String())
	return true
}

// extPrinter prints one decoded extension value the way openssl's method
// for it does.
type extPrinter func(b *bio, v []byte, indent int) error

func extPrintInto(b *bio, e extension, indent int) error {
	v := e.value
	// openssl's d2i reads the first element and ignores what follows it,
	// so an extension value with trailing bytes still decodes.
	if t, _, err := readTLV(v); err == nil {
		v = t.full
	}
	printExt := rfc5280ExtPrinter(e.oid)
	if printExt == nil {
		printExt = otherExtPrinter(e.oid)
	}
	if printExt == nil {
		return errUnsupported
	}
	return printExt(b, v, indent)
}

// rfc5280ExtPrinter picks the printer of a certificate extension of RFC 5280,
// or nil.
func rfc5280ExtPrinter(oid string) extPrinter {
	switch oid {
	case oidSKI:
		return subjectKeyID
	case oidKeyUsage:
		return bitStringPrinter(keyUsageNames)
	case oidSAN, oidIAN, oidCertIssuer:
		return generalNamesExt
	case oidBasicCons:
		return basicConstraints
	case oidEKU:
		return extKeyUsage
	case oidAKI:
		return authorityKeyID
	case oidAIA, oidSIA:
		return infoAccess
	case oidCRLDP, oidFreshestCRL:
		return crlDistPoints
	case oidCertPolicies:
		return certPolicies
	case oidNameConstraints:
		return nameConstraints
	case oidPolicyCons:
		return policyConstraints
	case oidPolicyMappings:
		return policyMappings
	case oidInhibitAny:
		return integerExt()
	case oidPrivKeyPeriod:
		return privateKeyPeriod
	}
	return nil
}

// otherExtPrinter picks the printer of a CRL, Netscape, OCSP, CT, TLS feature
// or GOST extension, or nil.
func otherExtPrinter(oid string) extPrinter {
	switch oid {
	case oidCRLNumber, oidDeltaCRL:
		return integerExt()
	case oidCRLReason:
		return crlReasonExt()
	case oidInvalidityDate:
		return invalidityDate
	case oidIssuingDP:
		return issuingDistPoint
	case oidNSCertType:
		return bitStringPrinter(nsCertTypeNames)
	case oidNSComment, oidNSBaseURL, oidNSCAPolicyURL, oidNSRevocationURL, oidNSCARevURL, oidNSRenewalURL, oidNSSSLServerName:
		return ia5StringExt()
	case oidOCSPNoCheck:
		return ocspNoCheck
	case oidCTPoison:
		return ctPoison
	case oidTLSFeature:
		return tlsFeature
	case oidSCTList:
		return sctList
	case oidSubjectSignTool:
		return subjectSignTool
	case oidIssuerSignTool:
		return issuerSignTool
	}
	return nil
}

// The extensions whose value is one primitive (a number, a reason code, a
// string) print it on one indented line.
func integerExt() extPrinter {
	return primitivePrinter(tagInteger, func(c []byte) string { return integerDecimalOrHex(parseInteger(c)) })
}

func crlReasonExt() extPrinter {
	return primitivePrinter(tagEnumerated, func(c []byte) string { return reasonText(parseInteger(c)) })
}

func ia5StringExt() extPrinter { return primitivePrinter(tagIA5, cString) }

// primitivePrinter prints an extension whose value is a single element of
// tag, rendered by text.
func primitivePrinter(tag int, text func(content []byte) string) extPrinter {
	return func(b *bio, v []byte, indent int) error {
		t, err := single(v, tag)
		if err != nil {
			return err
		}
		b.indent(indent)
		b.WriteString(text(t.content))
		return nil
	}
}

func bitStringPrinter(names []string) extPrinter {
	return func(b *bio, v []byte, indent int) error {
		return bitStringExt(b, v, indent, names)
	}
}

func subjectKeyID(b *bio, v []byte, indent int) error {
	t, err := single(v, tagOctetString)
	if err != nil {
		return err
	}
	b.indent(indent)
	b.WriteString(hexColon(t.content, true))
	return nil
}

func generalNamesExt(b *bio, v []byte, indent int) error {
	t, err := single(v, tagSequence)
	if err != nil {
		return err
	}
	vals, err := genNamesV(t.content)
	if err != nil {
		return err
	}
	valPrn(b, vals, indent, false)
	return nil
}

func extKeyUsage(b *bio, v []byte, indent int) error {
	oids, err := sequenceItems(v)
	if err != nil {
		return err
	}
	var vals []confValue
	for _, o := range oids {
		if !isOID(o) {
			return errDER
		}
		vals = append(vals, confValue{value: objNameRaw(o.content)})
	}
	if len(vals) == 0 {
		// i2v_EXTENDED_KEY_USAGE returns NULL for an empty list: a dump.
		return errDER
	}
	valPrn(b, vals, indent, false)
	return nil
}

func invalidityDate(b *bio, v []byte, indent int) error {
	t, err := readOne(v)
	if err != nil {
		return err
	}
	// The extension is a GeneralizedTime (RFC 5280 5.3.2); openssl's d2i
	// refuses a UTCTime, and then prints the raw value.
	if !t.is(classUniversal, tagGenTime) {
		return fmt.Errorf("%w: invalidity date is not a GeneralizedTime", errDER)
	}
	tm, err := parseTime(t)
	if err != nil {
		return err
	}
	b.indent(indent)
	b.WriteString(asn1TimeText(tm))
	return nil
}

// ocspNoCheck prints nothing: d2i_ocsp_nocheck skips the value and
// i2r_ocsp_nocheck prints nothing.
func ocspNoCheck(*bio, []byte, int) error { return nil }

func ctPoison(b *bio, v []byte, indent int) error {
	t, err := readOne(v)
	if err != nil || !t.is(classUniversal, tagNull) {
		return errDER
	}
	b.indent(indent)
	b.WriteString("NULL")
	return nil
}

// subjectSignTool is the Russian GOST profile's i2s of a UTF8String,
// printed with %s.
func subjectSignTool(b *bio, v []byte, indent int) error {
	t, err := single(v, tagUTF8)
	if err != nil {
		return err
	}
	b.indent(indent)
	b.WriteString(cString(t.content))
	return nil
}

// readOne reads exactly one element.
func readOne(b []byte) (tlv, error) {
	t, rest, err := readTLV(b)
	if err != nil {
		return tlv{}, err
	}
	if len(rest) != 0 {
		return tlv{}, errDER
	}
	return t, nil
}

// single reads exactly one universal element with the given tag.
// sequenceItems reads an extension value that is one SEQUENCE and returns
// its elements: the opening of most extension printers.
func sequenceItems(v []byte) ([]tlv, error) {
	t, err := single(v, tagSequence)
	if err != nil {
		return nil, err
	}
	return children(t.content)
}

func single(b []byte, tag int) (tlv, error) {
	t, err := readOne(b)
	if err != nil {
		return tlv{}, err
	}
	if !t.is(classUniversal, tag) {
		return tlv{}, errDER
	}
	return t, nil
}

var keyUsageNames = []string{"Digital Signature", "Non Repudiation", "Key Encipherment",
	"Data Encipherment", "Key Agreement", "Certificate Sign", "CRL Sign", "Encipher Only", "Decipher Only"}

var nsCertTypeNames = []string{"SSL Client", "SSL Server", "S/MIME", "Object Signing",
	"Unused", "SSL CA", "S/MIME CA", "Object Signing CA"}

// bitSet reports bit n of a DER BIT STRING's content (first byte is the
// unused-bit count).
func bitSet(content []byte, n int) bool {
	if len(content) < 1 {
		return false
	}
	data := content[1:]
	i := n / 8
	if i >= len(data) {
		return false
	}
	return data[i]&(0x80>>(n%8)) != 0
}

func bitStringExt(b *bio, v []byte, indent int, names []string) error {
	t, err := single(v, tagBitString)
	if err != nil {
		return err
	}
	if len(t.content) < 1 {
		return errDER
	}
	var vals []confValue
	for i, n := range names {
		if bitSet(t.content, i) {
			vals = append(vals, confValue{name: n, nameOnly: true})
		}
	}
	if len(vals) == 0 {
		// i2v_ASN1_BIT_STRING returns NULL for no bits: openssl dumps the bytes.
		return errDER
	}
	valPrn(b, vals, indent, false)
	return nil
}

func basicConstraints(b *bio, v []byte, indent int) error {
	parts, err := sequenceItems(v)
	if err != nil {
		return err
	}
	ca := false
	var vals []confValue
	i := 0
	if i < len(parts) && parts[i].is(classUniversal, tagBoolean) {
		ca = len(parts[i].content) == 1 && parts[i].content[0] != 0
		i++
	}
	vals = append(vals, confValue{name: "CA", value: map[bool]string{true: "TRUE", false: "FALSE"}[ca]})
	if i < len(parts) {
		if !parts[i].is(classUniversal, tagInteger) {
			return errDER
		}
		vals = append(vals, confValue{name: "pathlen", value: integerDecimalOrHex(parseInteger(parts[i].content))})
	}
	valPrn(b, vals, indent, false)
	return nil
}

func authorityKeyID(b *bio, v []byte, indent int) error {
	parts, err := sequenceItems(v)
	if err != nil {
		return err
	}
	if err := taggedFields(parts, 2); err != nil {
		return err
	}
	var keyid, issuer, serial *tlv
	for i := range parts {
		p := &parts[i]
		switch p.tag {
		case 0:
			keyid = p
		case 1:
			issuer = p
		case 2:
			serial = p
		}
	}
	var vals []confValue
	if keyid != nil {
		cv := confValue{value: hexColon(keyid.content, true)}
		if issuer != nil || serial != nil {
			cv.name = "keyid"
		}
		vals = append(vals, cv)
	}
	if issuer != nil {
		gv, err := genNamesV(issuer.content)
		if err != nil {
			return err
		}
		vals = append(vals, gv...)
	}
	if serial != nil {
		mag, _ := integerMagnitude(serial.content)
		vals = append(vals, confValue{name: "serial", value: hexColon(mag, true)})
	}
	if len(vals) == 0 {
		// i2v_AUTHORITY_KEYID returns no list for an empty SEQUENCE, and
		// openssl then dumps the raw bytes.
		return errDER
	}
	valPrn(b, vals, indent, true)
	return nil
}

func infoAccess(b *bio, v []byte, indent int) error {
	items, err := sequenceItems(v)
	if err != nil {
		return err
	}
	var vals []confValue
	for _, it := range items {
		parts, err := children(it.content)
		if err != nil || len(parts) != 2 || !isOID(parts[0]) {
			return errDER
		}
		cv, err := genNameV(parts[1])
		if err != nil {
			return err
		}
		cv.name = objNameRaw(parts[0].content) + " - " + cv.name
		vals = append(vals, cv)
	}
	valPrn(b, vals, indent, true)
	return nil
}

// printGens is print_gens in v3_crld.c.
func printGens(b *bio, gens []tlv, indent int) error {
	for _, g := range gens {
		if !genNameShape(g) {
			return errDER
		}
	}
	for i, g := range gens {
		if i > 0 {
			b.WriteString("\n")
		}
		b.indent(indent + 2)
		b.WriteString(genNamePrint(g))
	}
	return nil
}

var crlReasonFlagNames = []string{"Unused", "Key Compromise", "CA Compromise", "Affiliation Changed",
	"Superseded", "Cessation Of Operation", "Certificate Hold", "Privilege Withdrawn", "AA Compromise"}

// printReasons is print_reasons in v3_crld.c.
func printReasons(b *bio, label string, bits []byte, indent int) {
	first := true
	b.indent(indent)
	b.printf("%s:\n", label)
	b.indent(indent + 2)
	for i, n := range crlReasonFlagNames {
		if bitSet(bits, i) {
			if first {
				first = false
			} else {
				b.WriteString(", ")
			}
			b.WriteString(n)
		}
	}
	if first {
		b.WriteString("<EMPTY>\n")
	} else {
		b.WriteString("\n")
	}
}

// printDistPointName is print_distpoint.
func printDistPointName(b *bio, dpn tlv, indent int) error {
	switch dpn.tag {
	case 0:
		gens, err := children(dpn.content)
		if err != nil {
			return err
		}
		b.indent(indent)
		b.WriteString("Full Name:\n")
		if err := printGens(b, gens, indent); err != nil {
			return err
		}
	case 1:
		b.indent(indent)
		b.WriteString("Relative Name:\n")
		b.indent(indent + 2)
		// A RelativeDistinguishedName printed as a one-RDN Name.
		b.WriteString(formatName(wrapSequence(wrapSequence(dpn.content, 0x31), 0x30)))
		b.WriteString("\n")
	default:
		return errDER
	}
	return nil
}

// wrapSequence builds tag+length+content.
func wrapSequence(content []byte, tag byte) []byte {
	n := len(content)
	var hdr []byte
	switch {
	case n < 0x80:
		hdr = []byte{tag, byte(n)}
	case n < 0x100:
		hdr = []byte{tag, 0x81, byte(n)}
	case n < 0x10000:
		hdr = []byte{tag, 0x82, byte(n >> 8), byte(n)}
	default:
		hdr = []byte{tag, 0x83, byte(n >> 16), byte(n >> 8), byte(n)}
	}
	return append(hdr, content...)
}

func crlDistPoints(b *bio, v []byte, indent int) error {
	points, err := sequenceItems(v)
	if err != nil {
		return err
	}
	for i, p := range points {
		if i > 0 {
			b.WriteString("\n")
		}
		parts, err := children(p.content)
		if err != nil {
			return err
		}
		if err := taggedFields(parts, 2); err != nil {
			return err
		}
		for _, part := range parts {
			switch part.tag {
			case 0:
				dpn, err := readOne(part.content)
				if err != nil {
					return err
				}
				if err := printDistPointName(b, dpn, indent); err != nil {
					return err
				}
			case 1:
				printReasons(b, "Reasons", part.content, indent)
			case 2:
				gens, err := children(part.content)
				if err != nil {
					return err
				}
				b.indent(indent)
				b.WriteString("CRL Issuer:\n")
				if err := printGens(b, gens, indent); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func issuingDistPoint(b *bio, v []byte, indent int) error {
	parts, err := sequenceItems(v)
	if err != nil {
		return err
	}
	if err := taggedFields(parts, 5); err != nil {
		return err
	}
	var dp, reasons *tlv
	flags := map[int]bool{}
	for i := range parts {
		p := &parts[i]
		switch p.tag {
		case 0:
			dp = p
		case 3:
			reasons = p
		case 1, 2, 4, 5:
			if len(p.content) != 1 {
				return errDER // a BOOLEAN is one byte
			}
			flags[p.tag] = p.content[0] != 0
		}
	}
	// i2r_idp prints in this fixed order, whatever the DER order.
	if dp != nil {
		dpn, err := readOne(dp.content)
		if err != nil {
			return err
		}
		if err := printDistPointName(b, dpn, indent); err != nil {
			return err
		}
	}
	for _, f := range []struct {
		tag  int
		text string
	}{{1, "Only User Certificates"}, {2, "Only CA Certificates"}, {4, "Indirect CRL"}} {
		if flags[f.tag] {
			b.printf("%*s%s\n", indent, "", f.text)
		}
	}
	if reasons != nil {
		printReasons(b, "Only Some Reasons", reasons.content, indent)
	}
	if flags[5] {
		b.printf("%*sOnly Attribute Certificates\n", indent, "")
	}
	if dp == nil && reasons == nil && !flags[1] && !flags[2] && !flags[4] && !flags[5] {
		b.printf("%*s<EMPTY>\n", indent, "")
	}
	return nil
}

func certPolicies(b *bio, v []byte, indent int) error {
	pols, err := sequenceItems(v)
	if err != nil {
		return err
	}
	for i, p := range pols {
		if i > 0 {
			b.WriteString("\n")
		}
		parts, err := children(p.content)
		if err != nil || len(parts) < 1 || !isOID(parts[0]) {
			return errDER
		}
		b.indent(indent)
		b.WriteString("Policy: " + objNameRaw(parts[0].content))
		if len(parts) > 1 {
			b.WriteString("\n")
			quals, err := children(parts[1].content)
			if err != nil {
				return err
			}
			if err := printQualifiers(b, quals, indent+2); err != nil {
				return err
			}
		}
	}
	return nil
}

func printQualifiers(b *bio, quals []tlv, indent int) error {
	for i, q := range quals {
		if i > 0 {
			b.WriteString("\n")
		}
		parts, err := children(q.content)
		if err != nil || len(parts) < 1 || !isOID(parts[0]) {
			return errDER
		}
		oid, _ := oidString(parts[0].content)
		switch oid {
		case oidCPS:
			if len(parts) < 2 || !parts[1].is(classUniversal, tagIA5) || parts[1].constructed {
				return errDER
			}
			b.indent(indent)
			b.WriteString("CPS: " + cString(parts[1].content))
		case oidUserNotice:
			b.indent(indent)
			b.WriteString("User Notice:\n")
			if len(parts) > 1 {
				if err := printNotice(b, parts[1], indent+2); err != nil {
					return err
				}
			}
		default:
			b.indent(indent + 2)
			b.WriteString("Unknown Qualifier: " + objName(oid))
		}
	}
	return nil
}

func printNotice(b *bio, notice tlv, indent int) error {
	parts, err := children(notice.content)
	if err != nil {
		return err
	}
	var ref, text *tlv
	for i := range parts {
		if parts[i].is(classUniversal, tagSequence) {
			ref = &parts[i]
		} else {
			text = &parts[i]
		}
	}
	if ref != nil {
		rp, err := children(ref.content)
		if err != nil || len(rp) != 2 {
			return errDER
		}
		nums, err := children(rp[1].content)
		if err != nil {
			return err
		}
		if !isDisplayText(rp[0]) {
			return errDER
		}
		b.indent(indent)
		b.WriteString("Organization: " + cString(rp[0].content) + "\n")
		b.indent(indent)
		s := ""
		if len(nums) > 1 {
			s = "s"
		}
		b.WriteString("Number" + s + ": ")
		for i, n := range nums {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(integerDecimalOrHex(parseInteger(n.content)))
		}
		if text != nil {
			b.WriteString("\n")
		}
	}
	if text != nil {
		if !isDisplayText(*text) {
			return errDER
		}
		b.indent(indent)
		b.WriteString("Explicit Text: " + cString(text.content))
	}
	return nil
}

// isDisplayText reports whether t is one of DisplayText's string types
// (RFC 5280 4.2.1.4); openssl's d2i accepts no other.
func isDisplayText(t tlv) bool {
	return t.class == classUniversal && !t.constructed && (t.tag == tagIA5 || t.tag == 26 || t.tag == tagBMP || t.tag == tagUTF8)
}

func nameConstraints(b *bio, v []byte, indent int) error {
	parts, err := sequenceItems(v)
	if err != nil {
		return err
	}
	var permitted, excluded []tlv
	var hasP, hasE bool
	for _, p := range parts {
		if p.class != classContext {
			return errDER
		}
		subs, err := children(p.content)
		if err != nil {
			return err
		}
		switch p.tag {
		case 0:
			permitted, hasP = subs, true
		case 1:
			excluded, hasE = subs, true
		}
	}
	subtrees := func(trees []tlv, label string) error {
		if len(trees) > 0 {
			b.indent(indent)
			b.WriteString(label + ":\n")
		}
		for i, tr := range trees {
			if i > 0 {
				b.WriteString("\n")
			}
			base, _, err := readTLV(tr.content)
			if err != nil {
				return err
			}
			if !genNameShape(base) {
				return errDER
			}
			b.indent(indent + 2)
			if base.is(classContext, 7) {
				n := len(base.content)
				l1 := n
				if n >= 16 {
					l1 = 16
				} else if n >= 4 {
					l1 = 4
				}
				b.WriteString("IP:" + ipText(base.content[:l1]) + "/" + ipText(base.content[l1:]))
			} else {
				b.WriteString(genNamePrint(base))
			}
		}
		return nil
	}
	if err := subtrees(permitted, "Permitted"); err != nil {
		return err
	}
	if hasP && hasE {
		b.WriteString("\n")
	}
	return subtrees(excluded, "Excluded")
}

func policyConstraints(b *bio, v []byte, indent int) error {
	parts, err := sequenceItems(v)
	if err != nil {
		return err
	}
	var vals []confValue
	for _, p := range parts {
		// IMPLICIT INTEGERs: a constructed (explicitly tagged) one makes
		// openssl's d2i fail and the extension print as a dump.
		if p.class != classContext || p.constructed || p.tag > 1 {
			return errDER
		}
		n := integerDecimalOrHex(parseInteger(p.content))
		switch p.tag {
		case 0:
			vals = append(vals, confValue{name: "Require Explicit Policy", value: n})
		case 1:
			vals = append(vals, confValue{name: "Inhibit Policy Mapping", value: n})
		}
	}
	if len(vals) == 0 {
		return errDER
	}
	valPrn(b, vals, indent, false)
	return nil
}

func privateKeyPeriod(b *bio, v []byte, indent int) error {
	parts, err := sequenceItems(v)
	if err != nil {
		return err
	}
	b.indent(indent)
	var nb bool
	for _, p := range parts {
		tm, err := parseGeneralizedTime(string(p.content))
		if err != nil {
			return err
		}
		switch p.tag {
		case 0:
			b.WriteString("Not Before: " + asn1TimeText(tm))
			nb = true
		case 1:
			if nb {
				b.WriteString(", ")
			}
			b.WriteString("Not After: " + asn1TimeText(tm))
		}
	}
	return nil
}

func tlsFeature(b *bio, v []byte, indent int) error {
	parts, err := sequenceItems(v)
	if err != nil {
		return err
	}
	var vals []confValue
	for _, p := range parts {
		n := parseInteger(p.content)
		switch n.Int64() {
		case 5:
			vals = append(vals, confValue{value: "status_request"})
		case 17:
			vals = append(vals, confValue{value: "status_request_v2"})
		default:
			vals = append(vals, confValue{value: n.String()})
		}
	}
	valPrn(b, vals, indent, false)
	return nil
}

var crlReasonNames = []string{"Unspecified", "Key Compromise", "CA Compromise", "Affiliation Changed",
	"Superseded", "Cessation Of Operation", "Certificate Hold", "", "Remove From CRL",
	"Privilege Withdrawn", "AA Compromise"}

func reasonText(n *big.Int) string {
	if n.IsInt64() {
		i := n.Int64()
		if i >= 0 && int(i) < len(crlReasonNames) && crlReasonNames[i] != "" {
			return crlReasonNames[i]
		}
	}
	return integerDecimalOrHex(n)
}

// asn1TimeText is ASN1_TIME_print: "Jan  2 15:04:05 2026 GMT".
func asn1TimeText(t time.Time) string {
	t = t.UTC()
	frac := ""
	if ns := t.Nanosecond(); ns != 0 {
		frac = strings.TrimRight(fmt.Sprintf(".%09d", ns), "0")
	}
	// openssl prints the year with %d: year 1 is "1", not "0001".
	return fmt.Sprintf("%s %2d %02d:%02d:%02d%s %d GMT", t.Month().String()[:3], t.Day(), t.Hour(), t.Minute(), t.Second(), frac, t.Year())
}

// parseTime reads a UTCTime or GeneralizedTime element as openssl's
// ossl_asn1_time_to_tm does: seconds may be left out, GeneralizedTime may
// carry a fraction, and a +hhmm/-hhmm offset is folded into UTC. DER
// demands none of these liberties, but certificates in the wild take them.
func parseTime(t tlv) (time.Time, error) {
	switch {
	case t.is(classUniversal, tagUTCTime):
		return parseASN1Time(string(t.content), false)
	case t.is(classUniversal, tagGenTime):
		return parseASN1Time(string(t.content), true)
	}
	return time.Time{}, fmt.Errorf("%w: not a time", errDER)
}

func parseGeneralizedTime(s string) (time.Time, error) {
	return parseASN1Time(s, true)
}

// timeScanner reads the fixed-width decimal fields of a UTCTime or
// GeneralizedTime from left to right.
type timeScanner struct {
	s string
	o int
}

// num reads exactly n decimal digits.
func (sc *timeScanner) num(n int) (int, bool) {
	if sc.o+n > len(sc.s) {
		return 0, false
	}
	v := 0
	for _, c := range sc.s[sc.o : sc.o+n] {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	sc.o += n
	return v, true
}

// digitNext reports whether the next character is a decimal digit.
func (sc *timeScanner) digitNext() bool {
	return sc.o < len(sc.s) && sc.s[sc.o] >= '0' && sc.s[sc.o] <= '9'
}

// year reads a four-digit GeneralizedTime year or a two-digit UTCTime year,
// which RFC 5280 maps to 1950..2049.
func (sc *timeScanner) year(generalized bool) (int, bool) {
	if generalized {
		return sc.num(4)
	}
	year, ok := sc.num(2)
	if !ok {
		return 0, false
	}
	year += 1900
	if year < 1950 {
		year += 100
	}
	return year, true
}

// fraction reads the optional ".ddd" fraction of seconds of a
// GeneralizedTime (only right after the seconds, at offset 14) and returns it
// in nanoseconds; digits past the ninth are read and dropped.
func (sc *timeScanner) fraction(generalized bool) (int, bool) {
	if !generalized || sc.o >= len(sc.s) || sc.s[sc.o] != '.' || sc.o != 14 {
		return 0, true
	}
	sc.o++
	nsec, digits := 0, 0
	for sc.digitNext() {
		if digits < 9 {
			nsec = nsec*10 + int(sc.s[sc.o]-'0')
			digits++
		}
		sc.o++
	}
	if digits == 0 {
		return 0, false
	}
	for ; digits < 9; digits++ {
		nsec *= 10
	}
	return nsec, true
}

// zoneOffset reads the trailing "Z" or "+hhmm"/"-hhmm" and returns what to
// add to the local time read so far to get UTC.
func (sc *timeScanner) zoneOffset() (time.Duration, bool) {
	switch {
	case sc.o < len(sc.s) && sc.s[sc.o] == 'Z':
		sc.o++
		return 0, true
	case sc.o < len(sc.s) && (sc.s[sc.o] == '+' || sc.s[sc.o] == '-'):
		sign := 1
		if sc.s[sc.o] == '-' {
			sign = -1
		}
		sc.o++
		oh, ok1 := sc.num(2)
		om, ok2 := sc.num(2)
		if !ok1 || !ok2 || oh > 12 || om > 59 {
			return 0, false
		}
		return -time.Duration(sign) * (time.Duration(oh)*time.Hour + time.Duration(om)*time.Minute), true
	}
	return 0, false
}

// validCalendarTime reports whether the fields name a real moment (with the
// month's true length, so 20230230 is refused).
func validCalendarTime(year, month, day, hour, minute, sec int) bool {
	if month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || sec > 59 {
		return false
	}
	return day <= time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

func parseASN1Time(s string, generalized bool) (time.Time, error) {
	bad := fmt.Errorf("%w: bad time value %q", errDER, s)
	sc := &timeScanner{s: s}
	year, ok := sc.year(generalized)
	if !ok {
		return time.Time{}, bad
	}
	var f [4]int // month, day, hour, minute
	for i := range f {
		if f[i], ok = sc.num(2); !ok {
			return time.Time{}, bad
		}
	}
	sec := 0
	if sc.digitNext() {
		if sec, ok = sc.num(2); !ok {
			return time.Time{}, bad
		}
	}
	nsec, ok := sc.fraction(generalized)
	if !ok {
		return time.Time{}, bad
	}
	month, day, hour, minute := f[0], f[1], f[2], f[3]
	if !validCalendarTime(year, month, day, hour, minute, sec) {
		return time.Time{}, bad
	}
	tm := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC)
	off, ok := sc.zoneOffset()
	if !ok || sc.o != len(s) {
		return time.Time{}, bad
	}
	return tm.Add(off), nil
}

func policyMappings(b *bio, v []byte, indent int) error {
	maps, err := sequenceItems(v)
	if err != nil {
		return err
	}
	var vals []confValue
	for _, m := range maps {
		p, err := children(m.content)
		if err != nil || len(p) != 2 || !isOID(p[0]) || !isOID(p[1]) {
			return errDER
		}
		vals = append(vals, confValue{name: objNameRaw(p[0].content), value: objNameRaw(p[1].content)})
	}
	if len(vals) == 0 {
		return errDER
	}
	valPrn(b, vals, indent, false)
	return nil
}

// issuerSignTool is i2r_ISSUER_SIGN_TOOL (v3_rus.c): four UTF8Strings,
// one per line.
func issuerSignTool(b *bio, v []byte, indent int) error {
	parts, err := sequenceItems(v)
	if err != nil {
		return err
	}
	if len(parts) != 4 {
		return errDER
	}
	labels := []string{"signTool    : ", "cATool      : ", "signToolCert: ", "cAToolCert  : "}
	for i, p := range parts {
		if !p.is(classUniversal, tagUTF8) || p.constructed {
			return errDER
		}
		if i > 0 {
			b.WriteString("\n")
		}
		b.indent(indent)
		b.WriteString(labels[i] + asn1StringPrint(p.content))
	}
	return nil
}

// taggedFields checks the elements of a SEQUENCE whose fields are all
// optional and context-tagged [0]..[maxTag]: openssl's template decoder
// takes them only in that order, each at most once, and fails on any
// other element (so the extension falls back to a raw dump).
func taggedFields(parts []tlv, maxTag int) error {
	last := -1
	for _, p := range parts {
		if p.class != classContext || p.tag <= last || p.tag > maxTag {
			return errDER
		}
		last = p.tag
	}
	return nil
}

// isOID reports whether t is an OBJECT IDENTIFIER openssl's decoder takes;
// one it refuses makes the whole extension unreadable (a raw dump).
func isOID(t tlv) bool {
	return t.is(classUniversal, tagOID) && !t.constructed && pki.CheckOIDForm(t.content) == nil
}
