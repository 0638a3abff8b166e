package inspect

import (
	"crypto/x509"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// fromCRL renders der; l is crypto/x509's reading, nil when it refused.
func fromCRL(der []byte, l *x509.RevocationList, refused error, now time.Time) Document {
	d := Document{Kind: "crl", Title: "Certificate Revocation List", Fingerprints: fingerprints(der)}
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
	rev.Fields = append(rev.Fields, revokedFields(revokedDER, nRevoked, nRevoked <= maxEntryFields)...)
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
	td := newData("crl")
	td.Version = int(version) + 1
	td.Issuer = iss
	td.ThisUpdate = rfc3339(thisUpdate)
	if nextUpdate != nil {
		td.NextUpdate = rfc3339(*nextUpdate)
	}
	td.RevokedCount = nRevoked
	td.SignatureAlgorithm = algName(sigAlg)
	td.extData(exts)
	for _, e := range exts {
		if e.oid == oidCRLNumber {
			if t, err := single(e.value, tagInteger); err == nil {
				td.CRLNumber = parseInteger(t.content).String()
			}
		}
	}
	td.RefusedByGo = refusedText(refused)
	d.Data = td
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

// maxEntryFields is the number of CRL entries up to which each entry is a
// Field of its own (path crl.revoked.N, with a value such as "2A revoked
// Jun  1 12:00:00 2026 GMT (Key Compromise)"). Above it the entries are one
// Field, crl.revoked.entries, with the same lines: a Field per entry costs
// about 200 bytes, 60 MB at 300,000 entries, for detail nobody reads one by one.
const maxEntryFields = 10_000

// revokedFields renders the CRL entries, one Field each (perEntry) or all
// in one. A CRL may hold hundreds of thousands, so the text, values and
// paths of all entries go to three shared builders and every string of
// every field is a slice of them, and the lines of all fields share one
// []string: a few allocations in all instead of a dozen per entry.
func revokedFields(revokedDER []byte, count int, perEntry bool) []Field {
	type entry struct {
		lines          [2]int32 // range of starts (indices into starts)
		val, path, lab [2]int32
	}
	var text, vals, paths strings.Builder
	// About 4.5 bytes of text per byte of DER with a reason code.
	text.Grow(len(revokedDER) * 9 / 2)
	var entries []entry
	if perEntry {
		vals.Grow(count * 64)
		paths.Grow(count * 18)
		entries = make([]entry, 0, count)
	}
	// starts holds where every line begins, and where each entry's text
	// ends: entry i's lines are starts[e.lines[0]:e.lines[1]].
	starts := make([]int32, 0, count*5)
	var lastTime []byte
	var lastTimeText string
	extCache := map[string]entryExts{}
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
		var e entry
		first, entryAt := len(starts), text.Len()
		text.WriteString("    ")
		e.lab[0] = int32(text.Len())
		text.WriteString("Serial Number: ")
		serialAt := text.Len()
		var num [64]byte
		text.Write(appendI2A(num[:0], rp[0].content))
		e.lab[1] = int32(text.Len())
		serialEnd := text.Len()
		// Entries of one CRL mostly share their revocation time.
		if string(rp[1].full) != string(lastTime) {
			lastTime, lastTimeText = rp[1].full, "<invalid>"
			if t, err := parseTime(rp[1]); err == nil {
				lastTimeText = asn1TimeText(t)
			}
		}
		text.WriteString("\n        Revocation Date: ")
		text.WriteString(lastTimeText)
		text.WriteByte('\n')
		e.val[0] = int32(vals.Len())
		if perEntry {
			vals.WriteString(text.String()[serialAt:serialEnd])
			vals.WriteString(" revoked ")
			vals.WriteString(lastTimeText)
		}
		if k > 2 {
			// Entries repeat the same few extension encodings (a reason
			// code, a date): render each distinct one once.
			r, ok := extCache[string(rp[2].full)]
			if !ok {
				r = renderEntryExts(&b, rp[2].content)
				if len(extCache) < 1024 {
					extCache[string(rp[2].full)] = r
				}
			}
			text.WriteString(r.text)
			if perEntry {
				vals.WriteString(r.value)
			}
		}
		// Line starts, found afterwards: a long serial breaks its own line.
		starts = append(starts, int32(entryAt))
		ts := text.String()
		for i := entryAt; i < len(ts)-1; i++ {
			if ts[i] == '\n' {
				starts = append(starts, int32(i+1))
			}
		}
		if !perEntry {
			return
		}
		e.lines = [2]int32{int32(first), int32(len(starts))}
		e.val[1] = int32(vals.Len())
		e.path[0] = int32(paths.Len())
		paths.WriteString("crl.revoked.")
		paths.Write(strconv.AppendInt(num[:0], int64(n), 10))
		e.path[1] = int32(paths.Len())
		entries = append(entries, e)
	})
	ts, vs, ps := text.String(), vals.String(), paths.String()
	// Line i runs from starts[i] to the byte before the next start (or
	// the end), without its newline.
	lineAt := func(i int) string {
		end := len(ts)
		if i+1 < len(starts) {
			end = int(starts[i+1])
		}
		return ts[starts[i] : end-1]
	}
	lines := make([]string, len(starts))
	for i := range starts {
		lines[i] = lineAt(i)
	}
	if !perEntry {
		return []Field{{Label: "Revoked Certificates (entries)", Value: strconv.Itoa(n + 1), Lines: lines,
			Severity: SeverityOK, Path: "crl.revoked.entries"}}
	}
	out := make([]Field, 0, len(entries))
	for _, e := range entries {
		out = append(out, Field{Label: ts[e.lab[0]:e.lab[1]], Value: vs[e.val[0]:e.val[1]], Lines: lines[e.lines[0]:e.lines[1]:e.lines[1]],
			Severity: SeverityOK, Path: ps[e.path[0]:e.path[1]]})
	}
	return out
}

// appendI2A is i2aInteger appending to dst.
func appendI2A(dst, content []byte) []byte {
	const digits = "0123456789ABCDEF"
	mag, neg := integerMagnitude(content)
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

// entryExts is the printed form of one CRL entry's extensions and what
// they add to the entry's value (the reason).
type entryExts struct{ text, value string }

func renderEntryExts(b *bio, content []byte) entryExts {
	var r entryExts
	eexts, _ := parseExtensions(content)
	if len(eexts) == 0 {
		return r
	}
	b.Reset()
	b.WriteString("        CRL entry extensions:\n")
	for _, ex := range eexts {
		printExtension(b, ex, 12)
		if ex.oid == oidCRLReason {
			if t, err := single(ex.value, tagEnumerated); err == nil {
				r.value += " (" + reasonText(parseInteger(t.content)) + ")"
			}
		}
	}
	r.text = b.String()
	return r
}
