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
	for _, f := range fields {
		if f.class != classContext {
			return p, false
		}
		inner, err := readOne(f.content)
		if err != nil {
			return p, false
		}
		switch f.tag {
		case 0:
			p.hash = algName(inner)
		case 1:
			// ossl_rsa_pss_decode gives up unless the mask is MGF1 over
			// an AlgorithmIdentifier (ossl_x509_algor_mgf1_decode).
			mp, err := children(inner.content)
			if err != nil || len(mp) < 2 || !mp[0].is(classUniversal, tagOID) || !mp[1].is(classUniversal, tagSequence) {
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
