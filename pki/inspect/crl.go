package inspect

import (
	"bytes"
	"crypto/x509"
	"fmt"
	"strconv"
	"time"
)

// fromCRL renders der; l is crypto/x509's reading, nil when it refused.
func fromCRL(der []byte, l *x509.RevocationList, refused error, now time.Time) Document {
	d := Document{Kind: "crl", Title: "Certificate Revocation List", Fingerprints: fingerprints(der)}
	parts, tbs, err := signedParts(der)
	if err != nil || len(parts) != 3 || len(tbs) < 3 || len(parts[2].content) < 1 {
		d.Sections = []Section{errorSection("CRL", err)}
		return d
	}
	c, err := parseCRLTBS(tbs)
	if err != nil {
		d.Sections = []Section{errorSection("CRL", err)}
		return d
	}
	nRevoked := 0
	eachTLV(c.revokedDER, func(tlv) { nRevoked++ })
	iss := formatName(c.issuer.full)
	d.Title = "CRL of " + iss
	d.Sections = append(d.Sections, c.headSection(iss, parts[1]))
	if len(c.exts) > 0 {
		d.Sections = append(d.Sections, extensionSection("CRL extensions", c.exts, 8))
	}
	d.Sections = append(d.Sections, revokedSection(c.revokedDER, nRevoked), signatureSection(parts[1], parts[2].content[1:]))
	d.checkCRLDates(c, now)
	d.Data = c.data(iss, nRevoked, refused)
	var goAlg x509.SignatureAlgorithm
	if l != nil {
		goAlg = l.SignatureAlgorithm
	} else {
		flagRefused(&d, "CRL", refused)
	}
	if !bytes.Equal(c.sigAlg.full, parts[1].full) {
		d.flag("signature_algorithm", SeverityProblem, "the algorithm inside the signed part ("+algName(c.sigAlg)+") differs from the one beside the signature ("+
			algName(parts[1])+"), which RFC 5280 5.1.1.2 forbids: verifiers reject this CRL")
	}
	if h := weakHash(goAlg, algName(c.sigAlg)); h != "" {
		d.flag("signature_algorithm", SeverityProblem, h+" signature: broken hash")
	}
	return d
}

// crlTBS is the TBSCertList of a CRL as read for display.
type crlTBS struct {
	version        int64
	sigAlg, issuer tlv
	thisUpdate     time.Time
	nextUpdate     *time.Time
	// The entries are walked in place (eachTLV), never collected: a list
	// of 300,000 tlv values would cost more than the CRL itself.
	revokedDER []byte
	exts       []extension
}

// parseCRLTBS reads the elements of a TBSCertList; the optional version,
// nextUpdate, entries and extensions may each be absent.
func parseCRLTBS(tbs []tlv) (crlTBS, error) {
	var c crlTBS
	i := 0
	if tbs[0].is(classUniversal, tagInteger) {
		c.version = parseInteger(tbs[0].content).Int64()
		i++
	}
	if len(tbs) < i+3 {
		return c, errDER
	}
	c.sigAlg, c.issuer = tbs[i], tbs[i+1]
	var err error
	if c.thisUpdate, err = parseTime(tbs[i+2]); err != nil {
		return c, err
	}
	i += 3
	if i < len(tbs) && (tbs[i].is(classUniversal, tagUTCTime) || tbs[i].is(classUniversal, tagGenTime)) {
		if t, err := parseTime(tbs[i]); err == nil {
			c.nextUpdate = &t
		}
		i++
	}
	if i < len(tbs) && tbs[i].is(classUniversal, tagSequence) {
		c.revokedDER = tbs[i].content
		i++
	}
	if i < len(tbs) && tbs[i].is(classContext, 0) {
		if seq, err := readOne(tbs[i].content); err == nil {
			c.exts, _ = parseExtensions(seq.content)
		}
	}
	return c, nil
}

// headSection renders the CRL's header fields: version, algorithm (the
// outer one, outerAlg, as openssl shows it even when the signed copy in the
// TBS differs), issuer
// (already formatted as iss) and the two update times.
func (c crlTBS) headSection(iss string, outerAlg tlv) Section {
	head := Section{Title: "Certificate Revocation List"}
	head.Fields = append(head.Fields, Field{Label: "Certificate Revocation List", Lines: []string{"Certificate Revocation List (CRL):"}, Severity: SeverityOK,
		Path: "heading", Explain: explainFor("crl.heading")})
	ver := fmt.Sprintf("        Version %d (0x%x)\n", c.version+1, c.version)
	if c.version < 0 || c.version > 1 {
		ver = fmt.Sprintf("        Version unknown (%d)\n", c.version)
	}
	head.Fields = append(head.Fields, field("version", "Version", valueAfter(ver, "Version "), ver, "CRL format version; 2 allows extensions such as the CRL number and reasons."))
	sa := "        Signature Algorithm: " + algName(outerAlg) + algTail(outerAlg, 8)
	head.Fields = append(head.Fields, field("signature_algorithm", "Signature Algorithm", algName(outerAlg), sa, "How the CA signed this CRL."))
	head.Fields = append(head.Fields, field("issuer", "Issuer", iss, "        Issuer: "+iss+"\n", "The CA whose certificates this CRL covers; it must match the issuer of the certificate being checked."))
	head.Fields = append(head.Fields, field("crl.last_update", "Last Update", asn1TimeText(c.thisUpdate), "        Last Update: "+asn1TimeText(c.thisUpdate)+"\n", explainFor("crl.last_update")))
	nu := "NONE"
	if c.nextUpdate != nil {
		nu = asn1TimeText(*c.nextUpdate)
	}
	head.Fields = append(head.Fields, field("crl.next_update", "Next Update", nu, "        Next Update: "+nu+"\n", explainFor("crl.next_update")))
	return head
}

// revokedSection renders the heading of the entries and the entries.
func revokedSection(revokedDER []byte, nRevoked int) Section {
	rev := Section{Title: "Revoked Certificates"}
	if nRevoked == 0 {
		rev.Fields = append(rev.Fields, Field{Label: "Revoked Certificates", Value: "none", Lines: []string{"No Revoked Certificates."}, Severity: SeverityOK,
			Path: "crl.revoked", Explain: explainFor("crl.revoked")})
	} else {
		rev.Fields = append(rev.Fields, Field{Label: "Revoked Certificates", Value: strconv.Itoa(nRevoked), Lines: []string{"Revoked Certificates:"}, Severity: SeverityOK,
			Path: "crl.revoked", Explain: explainFor("crl.revoked")})
	}
	if nRevoked > maxEntryFields {
		rev.Fields = append(rev.Fields, Field{Label: "Revoked Certificates (entries)", Value: strconv.Itoa(nRevoked),
			Severity: SeverityOK, Path: "crl.revoked.entries", entries: &lateEntries{revokedDER}})
		return rev
	}
	rev.Fields = append(rev.Fields, entryFields(revokedDER, nRevoked)...)
	return rev
}

// checkCRLDates flags a stale CRL, one issued in the future (both only when
// now is known) and one without a next update.
func (d *Document) checkCRLDates(c crlTBS, now time.Time) {
	if !now.IsZero() {
		if c.nextUpdate != nil && now.After(*c.nextUpdate) {
			d.flag("crl.next_update", SeverityProblem, fmt.Sprintf("stale: next update was due %s ago; verifiers that check CRLs reject every certificate of this CA until a new CRL is published", humanDuration(now.Sub(*c.nextUpdate))))
		}
		if now.Before(c.thisUpdate) {
			d.flag("crl.last_update", SeverityWarning, "issued in the future: verifiers treat the CRL as not yet valid (check clocks)")
		}
	}
	if c.nextUpdate == nil {
		d.flag("crl.next_update", SeverityWarning, "no next update: verifiers cannot tell when this CRL goes stale")
	}
}

// data is the CRL's machine-readable summary.
func (c crlTBS) data(iss string, nRevoked int, refused error) *Data {
	td := newData("crl")
	td.Version = int(c.version) + 1
	td.Issuer = iss
	td.ThisUpdate = rfc3339(c.thisUpdate)
	if c.nextUpdate != nil {
		td.NextUpdate = rfc3339(*c.nextUpdate)
	}
	td.RevokedCount = nRevoked
	td.SignatureAlgorithm = algName(c.sigAlg)
	td.extData(c.exts)
	for _, e := range c.exts {
		if e.oid == oidCRLNumber {
			if t, err := single(e.value, tagInteger); err == nil {
				td.CRLNumber = parseInteger(t.content).String()
			}
		}
	}
	td.RefusedByGo = refusedText(refused)
	return td
}

// i2aInteger is i2a_ASN1_INTEGER: upper-case hex without separators,
// broken with a backslash every 35 bytes.
func i2aInteger(content []byte) string {
	return string(appendI2A(nil, content))
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

// appendI2A is i2aInteger appending to dst.
func appendI2A(dst, content []byte) []byte {
	const digits = "0123456789ABCDEF"
	var mag []byte
	var neg bool
	if len(content) > 0 && content[0]&0x80 == 0 {
		// Non-negative, the common case: the magnitude is the content
		// without its leading zero bytes, no big.Int needed.
		mag = bytes.TrimLeft(content, "\x00")
		if len(mag) == 0 {
			mag = []byte{0}
		}
	} else {
		mag, neg = integerMagnitude(content)
	}
	if neg {
		dst = append(dst, '-')
	}
	if len(mag) == 0 {
		dst = append(dst, "00"...)
	}
	for i, c := range mag {
		if i != 0 && i%35 == 0 {
			dst = append(dst, '\\', '\n')
		}
		dst = append(dst, digits[c>>4], digits[c&15])
	}
	return dst
}
