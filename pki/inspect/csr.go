package inspect

import (
	"crypto/x509"
	"fmt"
	"strings"

	"github.com/pkibench/pkibench/pki"
)

// fromCSR renders der; r is crypto/x509's reading, nil when it refused.
func fromCSR(der []byte, r *x509.CertificateRequest, refused error) Document {
	d := Document{Kind: "csr", Title: "Certificate Request", Fingerprints: fingerprints(der)}
	parts, info, err := signedParts(der)
	if err != nil || len(parts) != 3 || len(info) < 3 || len(parts[2].content) < 1 {
		d.Sections = []Section{errorSection("certificate request", err)}
		return d
	}
	data := Section{Title: "Data"}
	data.Fields = append(data.Fields, Field{Label: "Certificate Request", Lines: []string{"Certificate Request:", "    Data:"}, Severity: SeverityOK,
		Path: "heading", Explain: explainFor("csr.heading")})
	v := parseInteger(info[0].content).Int64()
	ver := fmt.Sprintf("        Version: %d (0x%x)\n", v+1, v)
	if v != 0 {
		ver = fmt.Sprintf("        Version: Unknown (%d)\n", v)
	}
	data.Fields = append(data.Fields, field("version", "Version", valueAfter(ver, "Version: "), ver, "PKCS#10 version; always 1."))
	sub := formatName(info[1].full)
	d.Title = "Certificate Request " + sub
	data.Fields = append(data.Fields, field("subject", "Subject", sub, "        Subject: "+sub+"\n", explainFor("subject")))
	var pub any
	if r != nil {
		pub = r.PublicKey
	} else {
		pub = loosePublicKey(info[2].full)
	}
	pk := Section{Title: "Subject Public Key Info", Fields: []Field{publicKeyField(info[2].full, pub, 8)}}
	attrs, exts := csrAttributesSection(info)
	d.Sections = append(d.Sections, data, pk, attrs, signatureSection(parts[1], parts[2].content[1:]))
	td := newData("csr")
	td.Version = int(v) + 1
	td.Subject = sub
	td.SignatureAlgorithm = algName(parts[1])
	td.PublicKey = keyData(info[2].full, pub)
	td.extData(exts)
	td.RefusedByGo = refusedText(refused)
	d.Data = td
	if r == nil {
		flagRefused(&d, "certificate request", refused)
		d.checkKey(pub)
		return d
	}
	d.checkCSR(r, algName(parts[1]), exts)
	return d
}

// signedParts splits a signed object (a PKCS#10 request, a CRL) into its
// three top-level parts (to-be-signed, algorithm, signature) and the elements
// of the to-be-signed part; the caller checks the counts.
func signedParts(der []byte) (parts, info []tlv, err error) {
	top, err := readOne(der)
	if err == nil {
		parts, err = children(top.content)
	}
	if err == nil && len(parts) == 3 {
		info, err = children(parts[0].content)
	}
	return parts, info, err
}

// csrAttributesSection renders the request's attributes and the extensions
// it requests, and returns those extensions.
func csrAttributesSection(info []tlv) (Section, []extension) {
	attrs := Section{Title: "Attributes"}
	var b bio
	b.WriteString("        Attributes:\n")
	var exts []extension
	var attrList []tlv
	if len(info) > 3 && info[3].is(classContext, 0) {
		attrList, _ = children(info[3].content)
	}
	if len(attrList) == 0 {
		b.WriteString("            (none)\n")
	}
	var extReq, msExtReq []tlv // the values of the first attribute of each
	seenExtReq, seenMSExtReq := false, false
	for _, a := range attrList {
		ap, err := children(a.content)
		if err != nil || len(ap) != 2 {
			continue
		}
		oid, _ := oidString(ap[0].content)
		vals, _ := children(ap[1].content)
		switch {
		case oid == oidExtReq:
			if !seenExtReq {
				extReq, seenExtReq = vals, true
			}
			continue
		case oid == oidMSExtReq:
			if !seenMSExtReq {
				msExtReq, seenMSExtReq = vals, true
			}
			continue
		}
		writeCSRAttribute(&b, objName(oid), vals)
	}
	attrs.Fields = append(attrs.Fields, field("attributes", "Attributes", valueOf(b.String()), b.String(), explainFor("csr.attributes")))
	// X509_REQ_get_extensions takes the first value of the first
	// extensionRequest attribute (else of the Microsoft one). Without one,
	// openssl 3.0 still prints the heading over an empty list; with one
	// that is not a well-formed SEQUENCE OF Extension it prints neither.
	vals, seen := extReq, seenExtReq
	if !seen {
		vals, seen = msExtReq, seenMSExtReq
	}
	if seen && len(vals) > 0 {
		if !vals[0].is(classUniversal, tagSequence) || pki.CheckExtensionsForm(vals[0].full) != nil {
			return attrs, nil
		}
		exts, _ = parseExtensions(vals[0].content)
	}
	attrs.Fields = append(attrs.Fields, Field{Label: "Requested Extensions", Lines: []string{"            Requested Extensions:"}, Severity: SeverityOK,
		Path: "extensions", Explain: "The extensions the requester asks the CA to put in the certificate."})
	for _, e := range exts {
		attrs.Fields = append(attrs.Fields, extensionField(e, 16))
	}
	return attrs, exts
}

// writeCSRAttribute prints one attribute other than the extension request,
// one line per value, as X509_REQ_print_ex does.
func writeCSRAttribute(b *bio, name string, vals []tlv) {
	for i, val := range vals {
		if i == 0 {
			b.WriteString("            " + name)
			if pad := 25 - len(name); pad > 0 {
				b.WriteString(strings.Repeat(" ", pad))
			}
		} else if pad := 25 - len(name); pad > 0 {
			// openssl jumps back into the loop without re-printing the name.
			b.WriteString(strings.Repeat(" ", pad))
		}
		b.WriteString(":")
		switch {
		case val.class == classUniversal && (val.tag == tagPrintable || val.tag == tagT61 || val.tag == 18 || val.tag == tagUTF8 || val.tag == tagIA5):
			b.WriteString(string(val.content) + "\n")
		default:
			b.WriteString("unable to print attribute\n")
		}
	}
}

// checkCSR flags what a CA should notice in a request crypto/x509 could read:
// a weak self-signature hash, a weak key, a missing SAN and a bad signature.
func (d *Document) checkCSR(r *x509.CertificateRequest, alg string, exts []extension) {
	if h := weakHash(r.SignatureAlgorithm, alg); h != "" {
		d.flag("signature", SeverityWarning, h+" self-signature: a CA should refuse this request")
	}
	d.checkKey(r.PublicKey)
	sanFound := false
	for _, e := range exts {
		if e.oid == oidSAN {
			sanFound = true
		}
	}
	if !sanFound && r.Subject.CommonName != "" {
		d.flag("subject", SeverityNote, "no SAN requested: a server certificate needs the host name in the SAN; the CA must add it")
	}
	if err := r.CheckSignature(); err != nil {
		d.flag("signature", SeverityProblem, "self-signature does not verify: the request was altered or signed with another key")
	}
}

func errorSection(what string, err error) Section {
	msg := "malformed"
	if err != nil {
		msg = err.Error()
	}
	return Section{Title: "Error", Fields: []Field{{Label: "Error", Value: msg, Lines: []string{"Unable to parse " + what + ": " + msg},
		Severity: SeverityProblem, Finding: "the " + what + " could not be read", Path: "error"}}}
}
