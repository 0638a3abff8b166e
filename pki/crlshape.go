package pki

import (
	"errors"
	"fmt"
)

// ErrCRLShape is returned, for display, for a CRL whose to-be-signed part
// or entries openssl's d2i_X509_CRL does not read: crypto/x509 may refuse
// such a CRL too, but the lenient decode would otherwise show it, and the
// entries of a big CRL are not parsed by crypto/x509 at all (bigCRL).
var ErrCRLShape = errors.New("CRL is malformed; openssl refuses it too")

// CRLShapeError says which part of the CRL's DER is malformed.
type CRLShapeError struct {
	Field  string // e.g. "revokedCertificates entry 5001"
	Reason string
}

func (e *CRLShapeError) Error() string {
	return fmt.Sprintf("%s: %s (openssl refuses this CRL too)", e.Field, e.Reason)
}

func (e *CRLShapeError) Unwrap() error { return ErrCRLShape }

// derElem is one DER element read by nextElem: its tag byte and content.
type derElem struct {
	tag     byte
	content []byte
}

// nextElem reads one element with a one-byte tag and a definite length
// from b. A hand-rolled reader: checkCRLShape walks every element of a
// 300,000-entry CRL, where asn1.Unmarshal would cost a third of a second.
func nextElem(b []byte) (derElem, []byte, bool) {
	if len(b) < 2 || b[0]&0x1f == 0x1f {
		return derElem{}, nil, false
	}
	tag, l := b[0], int(b[1])
	b = b[2:]
	if l&0x80 != 0 {
		n := l & 0x7f
		if n == 0 || n > 4 || len(b) < n {
			return derElem{}, nil, false
		}
		l = 0
		for _, c := range b[:n] {
			l = l<<8 | int(c)
		}
		b = b[n:]
	}
	if l < 0 || l > len(b) {
		return derElem{}, nil, false
	}
	return derElem{tag: tag, content: b[:l]}, b[l:], true
}

const (
	derInteger     = 0x02
	derBoolean     = 0x01
	derOctetString = 0x04
	derOID         = 0x06
	derSequence    = 0x30
	derUTCTime     = 0x17
	derGenTime     = 0x18
	derContext0    = 0xa0
)

// integerOK is openssl's c2i_ASN1_INTEGER check: content present and
// minimally encoded.
func integerOK(c []byte) bool {
	if len(c) == 0 {
		return false
	}
	if len(c) > 1 && ((c[0] == 0 && c[1]&0x80 == 0) || (c[0] == 0xff && c[1]&0x80 != 0)) {
		return false
	}
	return true
}

// checkCRLExtensions checks a SEQUENCE OF Extension's content.
func checkCRLExtensions(b []byte) string {
	for i := 0; len(b) > 0; i++ {
		ext, rest, ok := nextElem(b)
		if !ok || ext.tag != derSequence {
			return fmt.Sprintf("extension %d is not a readable SEQUENCE", i)
		}
		b = rest
		o, r, ok := nextElem(ext.content)
		if !ok || o.tag != derOID || len(o.content) == 0 {
			return fmt.Sprintf("extension %d has no OBJECT IDENTIFIER", i)
		}
		e, r, ok := nextElem(r)
		if ok && e.tag == derBoolean {
			if len(e.content) != 1 {
				return fmt.Sprintf("extension %d: critical is a BOOLEAN of %d bytes", i, len(e.content))
			}
			e, r, ok = nextElem(r)
		}
		if !ok || e.tag != derOctetString {
			return fmt.Sprintf("extension %d has no OCTET STRING value", i)
		}
		if len(r) > 0 {
			return fmt.Sprintf("extension %d has %d bytes after its value", i, len(r))
		}
	}
	return ""
}

// checkCRLShape checks that tbs, the content of a CRL's TBSCertList,
// holds what openssl's d2i_X509_CRL reads (RFC 5280 5.1): the optional
// version, the algorithm, issuer and thisUpdate, then optional nextUpdate,
// revokedCertificates and [0] extensions and nothing else; every entry a
// SEQUENCE of a minimally encoded serial, a time and optional extensions.
func checkCRLShape(tbs []byte) error {
	var el []derElem
	for rest := tbs; len(rest) > 0; {
		e, r, ok := nextElem(rest)
		if !ok {
			return &CRLShapeError{Field: "tbsCertList", Reason: fmt.Sprintf("element %d does not read", len(el))}
		}
		el, rest = append(el, e), r
	}
	isTime := func(e derElem) bool { return e.tag == derUTCTime || e.tag == derGenTime }
	i := 0
	if len(el) > 0 && el[0].tag == derInteger {
		i++
	}
	if len(el) < i+3 || el[i].tag != derSequence || el[i+1].tag != derSequence || !isTime(el[i+2]) {
		return &CRLShapeError{Field: "tbsCertList", Reason: "expected signature algorithm, issuer and thisUpdate"}
	}
	i += 3
	if i < len(el) && isTime(el[i]) {
		i++
	}
	if i < len(el) && el[i].tag == derSequence {
		if err := checkEntries(el[i].content); err != nil {
			return err
		}
		i++
	}
	if i < len(el) && el[i].tag == derContext0 {
		seq, r, ok := nextElem(el[i].content)
		if !ok || seq.tag != derSequence || len(r) > 0 {
			return &CRLShapeError{Field: "crlExtensions", Reason: "expected one SEQUENCE of extensions"}
		}
		if msg := checkCRLExtensions(seq.content); msg != "" {
			return &CRLShapeError{Field: "crlExtensions", Reason: msg}
		}
		i++
	}
	if i < len(el) {
		return &CRLShapeError{Field: "tbsCertList", Reason: fmt.Sprintf("%d element(s) after the last field (tag 0x%02x)", len(el)-i, el[i].tag)}
	}
	return nil
}

// checkEntries checks the content of revokedCertificates.
func checkEntries(b []byte) error {
	for n := 0; len(b) > 0; n++ {
		bad := func(reason string) error {
			return &CRLShapeError{Field: fmt.Sprintf("revokedCertificates entry %d", n), Reason: reason}
		}
		ent, rest, ok := nextElem(b)
		if !ok || ent.tag != derSequence {
			return bad("not a readable SEQUENCE (truncated or damaged length?)")
		}
		b = rest
		ser, r, ok := nextElem(ent.content)
		if !ok || ser.tag != derInteger || !integerOK(ser.content) {
			return bad("userCertificate is not a readable, minimally encoded INTEGER")
		}
		t, r, ok := nextElem(r)
		if !ok || (t.tag != derUTCTime && t.tag != derGenTime) {
			return bad("revocationDate is not a UTCTime or GeneralizedTime")
		}
		if len(r) == 0 {
			continue
		}
		exts, r, ok := nextElem(r)
		if !ok || exts.tag != derSequence {
			return bad("crlEntryExtensions is not a readable SEQUENCE")
		}
		if len(r) > 0 {
			return bad(fmt.Sprintf("%d bytes after crlEntryExtensions", len(r)))
		}
		if msg := checkCRLExtensions(exts.content); msg != "" {
			return bad("crlEntryExtensions: " + msg)
		}
	}
	return nil
}

// crlShape is checkCRLShape on a whole CRL's DER.
func crlShape(der []byte) error {
	top, _, ok := nextElem(der)
	if !ok {
		return nil // signedShape refuses these already
	}
	tbs, _, ok := nextElem(top.content)
	if !ok || tbs.tag != derSequence {
		return nil
	}
	return checkCRLShape(tbs.content)
}

// CRLShape checks der, a CRL, as openssl's d2i_X509_CRL reads it (see
// checkCRLShape): crypto/x509 accepts trailing elements that openssl
// refuses, so a verifier checks this as well.
func CRLShape(der []byte) error { return crlShape(der) }
