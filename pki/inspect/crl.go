package inspect

import (
	"crypto/x509"
	"fmt"
	"slices"
	"strconv"
	"time"
)

// FromCRL inspects a certificate revocation list, laid out as
// openssl crl -text -noout; now judges whether it is stale.
func FromCRL(l *x509.RevocationList, now time.Time) Document {
	return fromCRL(l.Raw, l, nil, now)
}

// fromCRL renders der; l is crypto/x509's reading, nil when it refused.
func fromCRL(der []byte, l *x509.RevocationList, refused error, now time.Time) Document {
	d := Document{Kind: "crl", Title: "Certificate Revocation List", PEM: pemOf("X509 CRL", der), Fingerprints: fingerprints(der)}
	top, err := readOne(der)
	var parts, tbs []tlv
	if err == nil {
		parts, err = children(top.content)
	}
	if err == nil && len(parts) == 3 {
		tbs, err = children(parts[0].content)
	}
	if err != nil || len(parts) != 3 || len(tbs) < 3 || len(parts[2].content) < 1 {
		d.Sections = []Section{errorSection("CRL", err)}
		return d
	}
	i := 0
	var version int64
	if tbs[0].is(classUniversal, tagInteger) {
		version = parseInteger(tbs[0].content).Int64()
		i++
	}
	if len(tbs) < i+3 {
		d.Sections = []Section{errorSection("CRL", errDER)}
		return d
	}
	sigAlg, issuer := tbs[i], tbs[i+1]
	thisUpdate, err := parseTime(tbs[i+2])
	if err != nil {
		d.Sections = []Section{errorSection("CRL", err)}
		return d
	}
	i += 3
	var nextUpdate *time.Time
	if i < len(tbs) && (tbs[i].is(classUniversal, tagUTCTime) || tbs[i].is(classUniversal, tagGenTime)) {
		if t, err := parseTime(tbs[i]); err == nil {
			nextUpdate = &t
		}
		i++
	}
	// The entries are walked in place (eachTLV), never collected: a list
	// of 300,000 tlv values would cost more than the CRL itself.
	var revokedDER []byte
	if i < len(tbs) && tbs[i].is(classUniversal, tagSequence) {
		revokedDER = tbs[i].content
		i++
	}
	nRevoked := 0
	eachTLV(revokedDER, func(tlv) { nRevoked++ })
	var exts []extension
	if i < len(tbs) && tbs[i].is(classContext, 0) {
		if seq, err := readOne(tbs[i].content); err == nil {
			exts, _ = parseExtensions(seq.content)
		}
	}

	head := Section{Title: "Certificate Revocation List"}
	head.Fields = append(head.Fields, Field{Label: "Certificate Revocation List", Lines: []string{"Certificate Revocation List (CRL):"}, Severity: SeverityOK,
		Path: "heading", Explain: explainFor("crl.heading")})
	ver := fmt.Sprintf("        Version %d (0x%x)\n", version+1, version)
	if version < 0 || version > 1 {
		ver = fmt.Sprintf("        Version unknown (%d)\n", version)
	}
	head.Fields = append(head.Fields, field("version", "Version", valueAfter(ver, "Version "), ver, "CRL format version; 2 allows extensions such as the CRL number and reasons."))
	sa := "        Signature Algorithm: " + algName(sigAlg) + algTail(sigAlg, 8)
	head.Fields = append(head.Fields, field("signature_algorithm", "Signature Algorithm", algName(sigAlg), sa, "How the CA signed this CRL."))
	iss := formatName(issuer.full)
	d.Title = "CRL of " + iss
	head.Fields = append(head.Fields, field("issuer", "Issuer", iss, "        Issuer: "+iss+"\n", "The CA whose certificates this CRL covers; it must match the issuer of the certificate being checked."))
	head.Fields = append(head.Fields, field("crl.last_update", "Last Update", asn1TimeText(thisUpdate), "        Last Update: "+asn1TimeText(thisUpdate)+"\n", explainFor("crl.last_update")))
	nu := "NONE"
	if nextUpdate != nil {
		nu = asn1TimeText(*nextUpdate)
	}
	head.Fields = append(head.Fields, field("crl.next_update", "Next Update", nu, "        Next Update: "+nu+"\n", explainFor("crl.next_update")))
	d.Sections = append(d.Sections, head)
	if len(exts) > 0 {
		d.Sections = append(d.Sections, extensionSection("CRL extensions", exts, 8))
	}

	rev := Section{Title: "Revoked Certificates"}
	if nRevoked == 0 {
		rev.Fields = append(rev.Fields, Field{Label: "Revoked Certificates", Value: "none", Lines: []string{"No Revoked Certificates."}, Severity: SeverityOK,
			Path: "crl.revoked", Explain: explainFor("crl.revoked")})
	} else {
		rev.Fields = append(rev.Fields, Field{Label: "Revoked Certificates", Value: strconv.Itoa(nRevoked), Lines: []string{"Revoked Certificates:"}, Severity: SeverityOK,
			Path: "crl.revoked", Explain: explainFor("crl.revoked")})
	}
	rev.Fields = slices.Grow(rev.Fields, nRevoked)
	var b bio
	n := -1
	eachTLV(revokedDER, func(r tlv) {
		n++
		var rp [3]tlv
		k := 0
		for rest := r.content; len(rest) > 0 && k < 3; k++ {
			var err error
			if rp[k], rest, err = readTLV(rest); err != nil {
				return
			}
		}
		if k < 2 {
			return
		}
		b.Reset()
		serial := i2aInteger(rp[0].content)
		b.WriteString("    Serial Number: " + serial + "\n")
		when := "<invalid>"
		if t, err := parseTime(rp[1]); err == nil {
			when = asn1TimeText(t)
		}
		b.WriteString("        Revocation Date: " + when + "\n")
		value := serial + " revoked " + when
		if k > 2 {
			eexts, _ := parseExtensions(rp[2].content)
			if len(eexts) > 0 {
				b.WriteString("        CRL entry extensions:\n")
				for _, e := range eexts {
					printExtension(&b, e, 12)
					if e.oid == oidCRLReason {
						if t, err := single(e.value, tagEnumerated); err == nil {
							value += " (" + reasonText(parseInteger(t.content)) + ")"
						}
					}
				}
			}
		}
		// One string per entry; its lines are slices of it, not copies.
		rev.Fields = append(rev.Fields, Field{Label: "Revoked " + serial, Value: value, Lines: splitLines(b.String()),
			Severity: SeverityOK, Path: "crl.revoked." + strconv.Itoa(n)})
	})
	d.Sections = append(d.Sections, rev, signatureSection(parts[1], parts[2].content[1:]))

	if !now.IsZero() {
		if nextUpdate != nil && now.After(*nextUpdate) {
			d.flag("crl.next_update", SeverityProblem, fmt.Sprintf("stale: next update was due %s ago; verifiers that check CRLs reject every certificate of this CA until a new CRL is published", humanDuration(now.Sub(*nextUpdate))))
		}
		if now.Before(thisUpdate) {
			d.flag("crl.last_update", SeverityWarning, "issued in the future: verifiers treat the CRL as not yet valid (check clocks)")
		}
	}
	if nextUpdate == nil {
		d.flag("crl.next_update", SeverityWarning, "no next update: verifiers cannot tell when this CRL goes stale")
	}
	var goAlg x509.SignatureAlgorithm
	if l != nil {
		goAlg = l.SignatureAlgorithm
	} else {
		flagRefused(&d, "CRL", refused)
	}
	if h := weakHash(goAlg, algName(sigAlg)); h != "" {
		d.flag("signature_algorithm", SeverityProblem, h+" signature: broken hash")
	}
	return d
}

// i2aInteger is i2a_ASN1_INTEGER: upper-case hex without separators,
// broken with a backslash every 35 bytes.
func i2aInteger(content []byte) string {
	const digits = "0123456789ABCDEF"
	mag, neg := integerMagnitude(content)
	out := make([]byte, 0, 2*len(mag)+2*(len(mag)/35)+3)
	if neg {
		out = append(out, '-')
	}
	if len(mag) == 0 {
		out = append(out, "00"...)
	}
	for i, c := range mag {
		if i != 0 && i%35 == 0 {
			out = append(out, '\\', '\n')
		}
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

// eachTLV calls fn for every element of a constructed value's content,
// stopping at the first that does not read.
func eachTLV(b []byte, fn func(tlv)) {
	for len(b) > 0 {
		t, rest, err := readTLV(b)
		if err != nil {
			return
		}
		fn(t)
		b = rest
	}
}
