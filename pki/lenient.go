package pki

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
)

// signedShape reports whether der starts with SEQUENCE { SEQUENCE,
// SEQUENCE, BIT STRING }: the frame every certificate, CSR and CRL shares,
// and what openssl's d2i needs before it will print anything. Like d2i it
// ignores bytes after that SEQUENCE, but not a fourth element inside it.
func signedShape(der []byte) bool {
	_, ok := signedParts(der)
	return ok
}

func signedParts(der []byte) ([]asn1.RawValue, bool) {
	var top asn1.RawValue
	_, err := asn1.Unmarshal(der, &top)
	if err != nil || top.Class != asn1.ClassUniversal || top.Tag != asn1.TagSequence {
		return nil, false
	}
	parts, ok := rawChildren(top.Bytes)
	if !ok || len(parts) != 3 || !isUniversal(parts[0], asn1.TagSequence) || !isUniversal(parts[1], asn1.TagSequence) ||
		!isUniversal(parts[2], asn1.TagBitString) {
		return nil, false
	}
	return parts, true
}

func isUniversal(v asn1.RawValue, tag int) bool {
	return v.Class == asn1.ClassUniversal && v.Tag == tag
}

func rawChildren(b []byte) ([]asn1.RawValue, bool) {
	var out []asn1.RawValue
	for len(b) > 0 {
		var v asn1.RawValue
		rest, err := asn1.Unmarshal(b, &v)
		if err != nil {
			return nil, false
		}
		out = append(out, v)
		b = rest
	}
	return out, true
}

// refusedDER recognises a lone DER certificate, CSR or CRL that Go's
// parsers refused, by the shape of its to-be-signed part, and returns it
// with Refused set to the parser's reason.
func refusedDER(der []byte) (Object, bool) {
	parts, ok := signedParts(der)
	if !ok {
		return Object{}, false
	}
	tbs, ok := rawChildren(parts[0].Bytes)
	if !ok || len(tbs) < 3 {
		return Object{}, false
	}
	// Bytes after the object are left out of what is shown, as openssl's
	// d2i leaves them; the parser's complaint about them stays in Refused.
	shown := der
	var top asn1.RawValue
	if _, err := asn1.Unmarshal(der, &top); err == nil {
		shown = der[:len(top.FullBytes)]
	}
	isTime := func(v asn1.RawValue) bool {
		return isUniversal(v, asn1.TagUTCTime) || isUniversal(v, asn1.TagGeneralizedTime)
	}
	switch {
	case tbs[0].Class == asn1.ClassContextSpecific && tbs[0].Tag == 0,
		len(tbs) >= 6 && isUniversal(tbs[0], asn1.TagInteger) && isUniversal(tbs[3], asn1.TagSequence):
		_, err := x509.ParseCertificate(der)
		return Object{Kind: KindCertificate, DER: shown, Label: "CERTIFICATE", Refused: err}, err != nil
	case isUniversal(tbs[0], asn1.TagInteger) && len(tbs) >= 4 && isTime(tbs[3]),
		isUniversal(tbs[0], asn1.TagSequence) && isTime(tbs[2]):
		_, err := ParseCRL(der)
		return Object{Kind: KindCRL, DER: shown, Label: "X509 CRL", Refused: err}, err != nil
	case isUniversal(tbs[0], asn1.TagInteger) && len(tbs) <= 4 && isUniversal(tbs[1], asn1.TagSequence) && isUniversal(tbs[2], asn1.TagSequence):
		_, err := x509.ParseCertificateRequest(der)
		return Object{Kind: KindCSR, DER: shown, Label: "CERTIFICATE REQUEST", Refused: err}, err != nil
	}
	return Object{}, false
}

// ErrSignedShape is returned for a certificate, CSR or CRL whose outer
// SEQUENCE holds more (or less) than the to-be-signed part, the algorithm
// and the signature. crypto/x509 overlooks a fourth element; openssl and
// RFC 5280 (4.1, 5.1) do not.
var ErrSignedShape = errors.New("the outer SEQUENCE must hold exactly the signed part, the signature algorithm and the signature (RFC 5280 4.1/5.1); openssl refuses this too")

// bigCRL is the size above which the display decode checks a CRL with
// crypto/x509 without its entries: a 300,000-entry CRL parsed entry by
// entry costs about 300 MB and a third of a second, only to be thrown away
// since the renderer reads the entries from the DER itself.
const bigCRL = 64 << 10

// parseCRL is ParseCRL; for display (lenient) a big CRL is parsed with its
// revokedCertificates list removed, so crypto/x509 still judges the
// header, extensions and algorithms, but not each entry.
func parseCRL(der []byte, lenient bool) (*x509.RevocationList, error) {
	if !lenient || len(der) <= bigCRL {
		return ParseCRL(der)
	}
	head, ok := crlWithoutEntries(der)
	if !ok {
		return ParseCRL(der)
	}
	l, err := ParseCRL(head)
	if err != nil {
		return nil, err
	}
	l.Raw = der
	return l, nil
}

// crlWithoutEntries rebuilds der with the TBS's revokedCertificates
// SEQUENCE left out (the signature no longer matches; it is not checked).
func crlWithoutEntries(der []byte) ([]byte, bool) {
	parts, ok := signedParts(der)
	if !ok {
		return nil, false
	}
	tbs, ok := rawChildren(parts[0].Bytes)
	if !ok {
		return nil, false
	}
	var kept []byte
	dropped := false
	afterTime := false
	for _, f := range tbs {
		isTime := isUniversal(f, asn1.TagUTCTime) || isUniversal(f, asn1.TagGeneralizedTime)
		if afterTime && !dropped && isUniversal(f, asn1.TagSequence) {
			dropped = true
			continue
		}
		afterTime = afterTime || isTime
		kept = append(kept, f.FullBytes...)
	}
	if !dropped {
		return nil, false
	}
	newTBS, err := asn1.Marshal(asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSequence, IsCompound: true, Bytes: kept})
	if err != nil {
		return nil, false
	}
	body := append(append(newTBS, parts[1].FullBytes...), parts[2].FullBytes...)
	out, err := asn1.Marshal(asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSequence, IsCompound: true, Bytes: body})
	return out, err == nil
}

// RefusedSubject is the subject of a certificate crypto/x509 refused, in
// openssl's one-line form, read from its DER as far as it goes; "" when
// even that fails.
func RefusedSubject(der []byte) string {
	parts, ok := signedParts(der)
	if !ok {
		return ""
	}
	tbs, ok := rawChildren(parts[0].Bytes)
	if !ok {
		return ""
	}
	i := 0
	if len(tbs) > 0 && tbs[0].Class == asn1.ClassContextSpecific {
		i = 1
	}
	if len(tbs) < i+6 {
		return ""
	}
	var rdn pkix.RDNSequence
	if rest, err := asn1.Unmarshal(tbs[i+4].FullBytes, &rdn); err != nil || len(rest) > 0 {
		return ""
	}
	var n pkix.Name
	n.FillFromRDNSequence(&rdn)
	return FormatName(n)
}
