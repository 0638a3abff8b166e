package inspect

import "strings"

// algTail is what X509_signature_print writes after the algorithm name:
// a newline, or for RSA-PSS the parameters (rsa_pss_param_print) at indent.
func algTail(alg tlv, indent int) string {
	parts, err := children(alg.content)
	if err != nil || len(parts) < 1 {
		return "\n"
	}
	if oid, _ := oidString(parts[0].content); oid != oidRSAPSS {
		return "\n"
	}
	pad := strings.Repeat(" ", indent)
	var params []byte
	if len(parts) > 1 {
		params = parts[1].full
	}
	p, ok := parsePSS(params)
	if !ok {
		return pad + "(INVALID PSS PARAMETERS)\n"
	}
	var b strings.Builder
	b.WriteString(pad + "\n")
	b.WriteString(pad + "Hash Algorithm: " + p.hash + "\n")
	b.WriteString(pad + "Mask Algorithm: " + p.mask + "\n")
	b.WriteString(pad + " Salt Length: 0x" + p.salt + "\n")
	b.WriteString(pad + "Trailer Field: 0x" + p.trailer + "\n")
	return b.String()
}

type pssParams struct{ hash, mask, salt, trailer string }

func parsePSS(der []byte) (pssParams, bool) {
	p := pssParams{hash: "sha1 (default)", mask: "mgf1 with sha1 (default)", salt: "14 (default)", trailer: "01 (default)"}
	seq, err := readOne(der)
	if err != nil || !seq.is(classUniversal, tagSequence) {
		return p, false
	}
	fields, err := children(seq.content)
	if err != nil {
		return p, false
	}
	last := -1
	for _, f := range fields {
		// The fields are [0]..[3] EXPLICIT, each at most once and in order,
		// as openssl's template decoder (RSA_PSS_PARAMS) insists.
		if f.class != classContext || !f.constructed || f.tag <= last || f.tag > 3 {
			return p, false
		}
		last = f.tag
		inner, err := readOne(f.content)
		if err != nil {
			return p, false
		}
		if f.tag >= 2 && (!inner.is(classUniversal, tagInteger) || !minimalInteger(inner.content)) {
			return p, false
		}
		switch f.tag {
		case 0:
			if !isAlgorithmIdentifier(inner) {
				return p, false
			}
			p.hash = algName(inner)
		case 1:
			// ossl_rsa_pss_decode gives up unless the mask is MGF1 over
			// an AlgorithmIdentifier (ossl_x509_algor_mgf1_decode).
			mp, err := children(inner.content)
			if err != nil || len(mp) != 2 || !isAlgorithmIdentifier(inner) || !isAlgorithmIdentifier(mp[1]) {
				return p, false
			}
			if oid, _ := oidString(mp[0].content); oid != oidMGF1 {
				return p, false
			}
			p.mask = objNameRaw(mp[0].content) + " with " + algName(mp[1])
		case 2:
			p.salt = i2aInteger(inner.content)
		case 3:
			p.trailer = i2aInteger(inner.content)
		}
	}
	return p, true
}

// isAlgorithmIdentifier reports whether t is SEQUENCE { OBJECT IDENTIFIER,
// parameters OPTIONAL }, the only shape openssl's X509_ALGOR decodes.
func isAlgorithmIdentifier(t tlv) bool {
	if !t.is(classUniversal, tagSequence) {
		return false
	}
	in, err := children(t.content)
	if err != nil || len(in) < 1 || len(in) > 2 || !in[0].is(classUniversal, tagOID) {
		return false
	}
	_, err = oidString(in[0].content)
	return err == nil
}

// minimalInteger reports whether b is INTEGER content openssl accepts:
// not empty, without redundant leading bytes.
func minimalInteger(b []byte) bool {
	return len(b) > 0 && (len(b) == 1 || !(b[0] == 0 && b[1]&0x80 == 0 || b[0] == 0xff && b[1]&0x80 != 0))
}
