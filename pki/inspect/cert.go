package inspect

import (
	"crypto/x509"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/pkibench/pkibench/pki"
)

// rawCert holds the parts of a certificate's DER the renderer needs
// exactly as encoded.
type rawCert struct {
	version    int64
	serial     []byte // INTEGER content
	tbsSigAlg  tlv
	issuer     []byte
	subject    []byte
	notBefore  time.Time
	notAfter   time.Time
	spki       []byte
	issuerUID  *tlv
	subjectUID *tlv
	exts       []extension
	hasExts    bool
	sigAlg     tlv
	sig        []byte
}

func parseRawCert(der []byte) (rawCert, error) {
	var r rawCert
	top, err := readOne(der)
	if err != nil {
		return r, err
	}
	parts, err := children(top.content)
	if err != nil || len(parts) != 3 {
		return r, errDER
	}
	r.sigAlg = parts[1]
	if len(parts[2].content) < 1 {
		return r, errDER
	}
	r.sig = parts[2].content[1:]
	tbs, err := children(parts[0].content)
	if err != nil {
		return r, err
	}
	i := 0
	if i < len(tbs) && tbs[i].is(classContext, 0) {
		v, err := single(tbs[i].content, tagInteger)
		if err != nil {
			return r, err
		}
		r.version = parseInteger(v.content).Int64()
		i++
	}
	if len(tbs) < i+6 {
		return r, errDER
	}
	r.serial = tbs[i].content
	r.tbsSigAlg = tbs[i+1]
	r.issuer = tbs[i+2].full
	val, err := children(tbs[i+3].content)
	if err != nil || len(val) != 2 {
		return r, errDER
	}
	if r.notBefore, err = parseTime(val[0]); err != nil {
		return r, err
	}
	if r.notAfter, err = parseTime(val[1]); err != nil {
		return r, err
	}
	r.subject = tbs[i+4].full
	r.spki = tbs[i+5].full
	for _, t := range tbs[i+6:] {
		switch {
		case t.is(classContext, 1):
			t := t
			r.issuerUID = &t
		case t.is(classContext, 2):
			t := t
			r.subjectUID = &t
		case t.is(classContext, 3):
			seq, err := readOne(t.content)
			if err != nil {
				return r, err
			}
			r.hasExts = true
			if r.exts, err = parseExtensions(seq.content); err != nil {
				return r, err
			}
		}
	}
	return r, nil
}

// algName names an AlgorithmIdentifier's OID.
func algName(alg tlv) string {
	parts, err := children(alg.content)
	if err != nil || len(parts) < 1 {
		return "<INVALID>"
	}
	return objNameRaw(parts[0].content)
}

// serialText is the "Serial Number:" printing of X509_print_ex: values
// that fit a long on one line, the rest as a hex dump on the next.
func serialText(content []byte, indent int) string {
	mag, neg := integerMagnitude(content)
	if len(mag) <= 8 {
		n := parseInteger(content)
		if n.IsInt64() && n.Int64() != -1 {
			if neg {
				return fmt.Sprintf("%*sSerial Number: -%d (-0x%x)\n", indent, "", -n.Int64(), -n.Int64())
			}
			return fmt.Sprintf("%*sSerial Number: %d (0x%x)\n", indent, "", n.Int64(), n.Int64())
		}
	}
	negs := ""
	if neg {
		negs = " (Negative)"
	}
	if len(mag) == 0 {
		mag = []byte{}
	}
	return fmt.Sprintf("%*sSerial Number:\n%12s%s%s\n", indent, "", "", negs, hexColon(mag, false))
}

// fromCertificate renders der; c is crypto/x509's reading of it, nil when
// it refused (refused says why), in which case everything shown comes from
// the DER walk alone.
func fromCertificate(der []byte, c *x509.Certificate, refused error, now time.Time) Document {
	d := Document{Kind: "certificate", Title: "Certificate", Fingerprints: fingerprints(der)}
	r, err := parseRawCert(der)
	if err != nil {
		d.Sections = []Section{{Title: "Error", Fields: []Field{{
			Label: "Error", Value: err.Error(), Lines: []string{"Unable to parse certificate: " + err.Error()},
			Severity: SeverityProblem, Finding: "the certificate's DER could not be read", Path: "error"}}}}
		return d
	}
	data := Section{Title: "Data"}
	data.Fields = append(data.Fields, Field{Label: "Certificate", Lines: []string{"Certificate:", "    Data:"}, Severity: SeverityOK, Path: "heading",
		Explain: explainFor("heading")})
	var ver string
	if r.version >= 0 && r.version <= 2 {
		ver = fmt.Sprintf("        Version: %d (0x%x)\n", r.version+1, r.version)
	} else {
		ver = fmt.Sprintf("        Version: Unknown (%d)\n", r.version)
	}
	data.Fields = append(data.Fields, field("version", "Version", valueAfter(ver, "Version: "), ver, explainFor("version")))
	ser := serialText(r.serial, 8)
	data.Fields = append(data.Fields, field("serial", "Serial Number", serialValue(ser), ser, explainFor("serial")))
	sa := "        Signature Algorithm: " + algName(r.tbsSigAlg) + algTail(r.tbsSigAlg, 8)
	data.Fields = append(data.Fields, field("signature_algorithm", "Signature Algorithm", algName(r.tbsSigAlg), sa, explainFor("signature_algorithm")))
	iss := formatName(r.issuer)
	data.Fields = append(data.Fields, field("issuer", "Issuer", iss, "        Issuer: "+iss+"\n", explainFor("issuer")))

	validity := Section{Title: "Validity"}
	validity.Fields = append(validity.Fields,
		Field{Label: "Validity", Lines: []string{"        Validity"}, Severity: SeverityOK, Path: "validity", Explain: explainFor("validity")},
		field("validity.not_before", "Not Before", asn1TimeText(r.notBefore), "            Not Before: "+asn1TimeText(r.notBefore)+"\n", explainFor("validity.not_before")),
		field("validity.not_after", "Not After", asn1TimeText(r.notAfter), "            Not After : "+asn1TimeText(r.notAfter)+"\n", explainFor("validity.not_after")))

	subject := Section{Title: "Subject"}
	sub := formatName(r.subject)
	d.Title = "Certificate " + sub
	subject.Fields = append(subject.Fields, field("subject", "Subject", sub, "        Subject: "+sub+"\n", explainFor("subject")))

	pk := Section{Title: "Subject Public Key Info"}
	var pub any
	if c != nil {
		pub = c.PublicKey
	} else {
		pub = loosePublicKey(r.spki)
	}
	pk.Fields = append(pk.Fields, publicKeyField(r.spki, pub, 8))
	if r.issuerUID != nil {
		var b bio
		b.WriteString("        Issuer Unique ID: ")
		sigDump(&b, bitContent(r.issuerUID.content), 12)
		pk.Fields = append(pk.Fields, field("issuer_unique_id", "Issuer Unique ID", valueOf(b.String()), b.String(), explainFor("unique_id")))
	}
	if r.subjectUID != nil {
		var b bio
		b.WriteString("        Subject Unique ID: ")
		sigDump(&b, bitContent(r.subjectUID.content), 12)
		pk.Fields = append(pk.Fields, field("subject_unique_id", "Subject Unique ID", valueOf(b.String()), b.String(), explainFor("unique_id")))
	}

	d.Sections = append(d.Sections, data, validity, subject, pk)
	if len(r.exts) > 0 {
		d.Sections = append(d.Sections, extensionSection("X509v3 extensions", r.exts, 8))
	}
	d.Sections = append(d.Sections, signatureSection(r.sigAlg, r.sig))
	td := newData("certificate")
	td.Version = int(r.version) + 1
	// As every serial pkibench prints (list, revoke, probe evidence).
	td.Serial = pki.SerialHex(parseInteger(r.serial))
	td.Subject, td.Issuer = sub, iss
	td.NotBefore, td.NotAfter = rfc3339(r.notBefore), rfc3339(r.notAfter)
	td.ValiditySeconds = int64(r.notAfter.Sub(r.notBefore) / time.Second)
	td.SignatureAlgorithm = algName(r.sigAlg)
	td.PublicKey = keyData(r.spki, pub)
	td.extData(r.exts)
	td.RefusedByGo = refusedText(refused)
	d.Data = td
	if c == nil {
		flagRefused(&d, "certificate", refused)
		d.checkKey(pub)
		return d
	}
	checkCertificate(&d, c, r, now)
	return d
}

func bitContent(b []byte) []byte {
	if len(b) < 1 {
		return nil
	}
	return b[1:]
}

// valueAfter is the text after prefix on the first line.
func valueAfter(printed, prefix string) string {
	l := splitLines(printed)[0]
	if i := strings.Index(l, prefix); i >= 0 {
		return l[i+len(prefix):]
	}
	return strings.TrimSpace(l)
}

func serialValue(printed string) string {
	lines := splitLines(printed)
	if len(lines) > 1 {
		return strings.TrimSpace(lines[1])
	}
	return valueAfter(printed, "Serial Number: ")
}

// publicKeyField renders "Subject Public Key Info:" at indent.
func publicKeyField(rawSPKI []byte, pub any, indent int) Field {
	var b bio
	b.indent(indent)
	b.WriteString("Subject Public Key Info:\n")
	s, err := parseSPKI(rawSPKI)
	alg := "<INVALID>"
	if err == nil {
		alg = objName(s.algOID)
	}
	b.indent(indent + 4)
	b.printf("Public Key Algorithm: %s\n", alg)
	var kb bio
	if !publicKeyText(&kb, rawSPKI, pub, indent+8) {
		kb.Reset()
		kb.indent(indent + 4)
		kb.WriteString("Unable to load Public Key\n")
	}
	b.WriteString(kb.String())
	f := field("public_key", "Public Key", valueOf(kb.String()), b.String(), explainFor("public_key"))
	what := describeKey(pub)
	if pub == nil {
		what = alg
	}
	f.Value = what + "\n" + f.Value
	return f
}

// extensionSection is X509V3_extensions_print with a title.
func extensionSection(title string, exts []extension, indent int) Section {
	s := Section{Title: title}
	s.Fields = append(s.Fields, Field{Label: title, Lines: []string{strings.Repeat(" ", indent) + title + ":"}, Severity: SeverityOK, Path: "extensions",
		Explain: explainFor("extensions")})
	for _, e := range exts {
		s.Fields = append(s.Fields, extensionField(e, indent+4))
	}
	return s
}

func extensionField(e extension, indent int) Field {
	var b bio
	printExtension(&b, e, indent)
	lines := splitLines(b.String())
	value := ""
	if len(lines) > 1 {
		v := make([]string, 0, len(lines)-1)
		for _, l := range lines[1:] {
			v = append(v, strings.TrimLeft(l, " "))
		}
		value = strings.Join(v, "\n")
	}
	label := objName(e.oid)
	if e.critical {
		label += " (critical)"
	}
	path := extPath(e.oid)
	return Field{Label: label, Value: value, Lines: lines, Severity: SeverityOK, Path: path, Explain: explainFor(path)}
}

// signatureSection is the closing X509_signature_print.
func signatureSection(alg tlv, sig []byte) Section {
	var b bio
	b.printf("    Signature Algorithm: %s\n    Signature Value:", algName(alg))
	tail := algTail(alg, 8)
	b.WriteString(tail)
	if r, s, ok := dsaSig(alg, sig); ok && tail == "\n" {
		// openssl's DSA method prints r and s instead of the raw bytes.
		labeledBignum(&b, 8, "r:   ", r)
		labeledBignum(&b, 8, "s:   ", s)
	} else {
		sigDump(&b, sig, 8)
	}
	f := field("signature", "Signature", hexColon(sig, false), b.String(), explainFor("signature"))
	f.Label = "Signature (" + algName(alg) + ")"
	return Section{Title: "Signature", Fields: []Field{f}}
}

// dsaSig decodes a DSA signature when alg is a DSA algorithm.
func dsaSig(alg tlv, sig []byte) (*big.Int, *big.Int, bool) {
	parts, err := children(alg.content)
	if err != nil || len(parts) < 1 {
		return nil, nil, false
	}
	switch oid, _ := oidString(parts[0].content); oid {
	case "1.2.840.10040.4.3", "2.16.840.1.101.3.4.3.1", "2.16.840.1.101.3.4.3.2",
		"2.16.840.1.101.3.4.3.3", "2.16.840.1.101.3.4.3.4":
	default:
		return nil, nil, false
	}
	// d2i ignores bytes after the SEQUENCE, so this does too.
	seq, _, err := readTLV(sig)
	if err != nil || !seq.is(classUniversal, tagSequence) {
		return nil, nil, false
	}
	rs, err := children(seq.content)
	if err != nil || len(rs) != 2 || !rs[0].is(classUniversal, tagInteger) || !rs[1].is(classUniversal, tagInteger) {
		return nil, nil, false
	}
	return parseInteger(rs[0].content), parseInteger(rs[1].content), true
}
