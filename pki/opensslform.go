package pki

import (
	"errors"
	"fmt"
	"unicode/utf8"
)

// ErrASN1Form is returned (wrapped, with the field) for a certificate, CSR
// or CRL that does not follow the ASN.1 structure of RFC 5280 / RFC 2986
// closely enough for openssl's decoder: an element left over at the end of
// a SEQUENCE, a field of the wrong type, an INTEGER with redundant leading
// bytes, a NULL with content, a name string that is not what its type
// says. openssl refuses to print such an object, so inspect refuses it too
// rather than show a reading no other tool agrees with. Extension values
// are not judged here: openssl reads them only when printing, and dumps
// the bytes of those it cannot read.
var ErrASN1Form = errors.New("not DER of the ASN.1 structure RFC 5280 defines; openssl refuses it too")

// ErrCRLShape is ErrASN1Form for a CRL: every *FormError of a CRL wraps
// both, so a caller that must tell a malformed CRL from a malformed
// certificate (verify's --crl) branches on this one. The walk covers every
// entry at any size: crypto/x509 does not parse the entries of a big CRL
// in the display decode (bigCRL), and overlooks trailing TBS elements.
var ErrCRLShape = errors.New("CRL is malformed; openssl refuses it too")

// FormError names the field whose encoding broke the structure, e.g.
// Field "tbsCertList.revokedCertificates entry 5000: userCertificate".
type FormError struct {
	Kind   Kind // set by checkSignedForm; KindCRL makes it ErrCRLShape too
	Field  string
	Reason string
}

func (e *FormError) Error() string {
	return fmt.Sprintf("%s: %s: %s", ErrASN1Form, e.Field, e.Reason)
}

// Unwrap makes every FormError ErrASN1Form, and a CRL's ErrCRLShape too.
func (e *FormError) Unwrap() []error {
	if e.Kind == KindCRL {
		return []error{ErrASN1Form, ErrCRLShape}
	}
	return []error{ErrASN1Form}
}

// formErr names the field whose encoding broke the structure.
func formErr(field, why string) error {
	return &FormError{Field: field, Reason: why}
}

// asnElem is one element as openssl's decoder sees it.
type asnElem struct {
	class       int
	constructed bool
	tag         int
	content     []byte
}

// readElem reads one element. Unlike encoding/asn1 it takes a long-form
// length with redundant leading zeros, as openssl does.
func readElem(b []byte) (asnElem, []byte, bool) {
	if len(b) < 2 {
		return asnElem{}, nil, false
	}
	e := asnElem{class: int(b[0] >> 6), constructed: b[0]&0x20 != 0, tag: int(b[0] & 0x1f)}
	i := 1
	if e.tag == 0x1f {
		e.tag = 0
		for {
			if i >= len(b) || i > 5 {
				return asnElem{}, nil, false
			}
			c := b[i]
			i++
			e.tag = e.tag<<7 | int(c&0x7f)
			if c&0x80 == 0 {
				break
			}
		}
	}
	if i >= len(b) {
		return asnElem{}, nil, false
	}
	l := int(b[i])
	i++
	if l&0x80 != 0 {
		n := l & 0x7f
		if n == 0 || n > 4 || i+n > len(b) {
			return asnElem{}, nil, false
		}
		l = 0
		for j := 0; j < n; j++ {
			l = l<<8 | int(b[i+j])
		}
		i += n
	}
	if l < 0 || l > len(b)-i {
		return asnElem{}, nil, false
	}
	e.content = b[i : i+l]
	return e, b[i+l:], true
}

func elems(b []byte) ([]asnElem, bool) {
	var out []asnElem
	for len(b) > 0 {
		e, rest, ok := readElem(b)
		if !ok {
			return nil, false
		}
		out = append(out, e)
		b = rest
	}
	return out, true
}

// universal says whether e is the universal type tag. A BOOLEAN, INTEGER,
// ENUMERATED, NULL or OBJECT IDENTIFIER must be primitive, as openssl's
// decoder requires (ASN1_R_TYPE_NOT_PRIMITIVE); string types may be
// either. A SEQUENCE is not judged here: see seqItem.
func (e asnElem) universal(tag int) bool {
	if e.class != 0 || e.tag != tag {
		return false
	}
	switch tag {
	case asnBoolean, asnInteger, asnEnumerated, asnNull, asnOID:
		return !e.constructed
	}
	return true
}

// seqItem says whether e can be a SEQUENCE type (an AlgorithmIdentifier,
// an Extension, a CRL entry): openssl requires it constructed
// (ASN1_R_SEQUENCE_NOT_CONSTRUCTED). A SEQUENCE OF (revokedCertificates,
// Extensions, a Name) it reads in either form, so those use universal.
func seqItem(e asnElem) bool { return e.universal(asnSequence) && e.constructed }

const (
	asnBoolean    = 1
	asnInteger    = 2
	asnBitString  = 3
	asnNull       = 5
	asnOID        = 6
	asnEnumerated = 10
	asnUTF8       = 12
	asnSequence   = 16
	asnSet        = 17
	asnUTCTime    = 23
	asnGenTime    = 24
	asnUniversal  = 28
	asnBMP        = 30
)

// checkSignedForm checks der as openssl's d2i for kind would read it:
// X509, X509_REQ or X509_CRL. Bytes after the outer SEQUENCE are ignored,
// as d2i ignores them.
func checkSignedForm(der []byte, kind Kind) error {
	err := checkSigned(der, kind)
	var fe *FormError
	if errors.As(err, &fe) {
		fe.Kind = kind
	}
	return err
}

// CRLShape checks der, a CRL, as openssl's d2i_X509_CRL reads it (see
// checkSignedForm): crypto/x509 accepts trailing elements that openssl
// refuses, so a verifier checks this as well. A refusal is a *FormError
// wrapping ErrCRLShape, or ErrSignedShape.
func CRLShape(der []byte) error { return checkSignedForm(der, KindCRL) }

func checkSigned(der []byte, kind Kind) error {
	top, _, ok := readElem(der)
	if !ok || !top.universal(asnSequence) || !top.constructed {
		return formErr("outer SEQUENCE", "not a SEQUENCE")
	}
	parts, ok := elems(top.content)
	if !ok {
		return formErr("outer SEQUENCE", "bad length")
	}
	if len(parts) != 3 || !seqItem(parts[0]) {
		return ErrSignedShape
	}
	if err := checkAlgorithm("signatureAlgorithm", parts[1]); err != nil {
		return err
	}
	if err := checkBitString("signature", parts[2]); err != nil {
		return err
	}
	tbs, ok := elems(parts[0].content)
	if !ok {
		return formErr("to-be-signed part", "bad length")
	}
	switch kind {
	case KindCertificate:
		return checkTBSCertificate(tbs)
	case KindCSR:
		return checkCertificationRequestInfo(tbs)
	case KindCRL:
		return checkTBSCertList(tbs)
	}
	return nil
}

// fields walks a SEQUENCE's elements against its fields in order, as
// openssl's template decoder does: an optional field whose tag does not
// match is skipped; a required one is an error, and so is any element
// left when the fields run out.
type fields struct {
	what string
	es   []asnElem
}

func (f *fields) next() (asnElem, bool) {
	if len(f.es) == 0 {
		return asnElem{}, false
	}
	return f.es[0], true
}

// take checks the next element with check when match says it is this
// field; a missing required field is an error.
func (f *fields) take(name string, optional bool, match func(asnElem) bool, check func(asnElem) error) error {
	e, ok := f.next()
	if !ok || !match(e) {
		if optional {
			return nil
		}
		return formErr(f.field(name), "missing or of the wrong type")
	}
	f.es = f.es[1:]
	return check(e)
}

// field is the name of one field, under f.what when there is one.
func (f *fields) field(name string) string {
	if f.what == "" {
		return name
	}
	return f.what + "." + name
}

func (f *fields) end() error {
	if len(f.es) > 0 {
		return formErr(f.what, fmt.Sprintf("%d element(s) after the last field", len(f.es)))
	}
	return nil
}

func isUni(tag int) func(asnElem) bool {
	return func(e asnElem) bool { return e.universal(tag) }
}

func isCtx(tag int) func(asnElem) bool {
	return func(e asnElem) bool { return e.class == 2 && e.tag == tag }
}

func isTime(e asnElem) bool { return e.universal(asnUTCTime) || e.universal(asnGenTime) }

func checkTBSCertificate(tbs []asnElem) error {
	f := fields{what: "tbsCertificate", es: tbs}
	steps := []error{
		f.take("version", true, isCtx(0), func(e asnElem) error { return checkExplicit("tbsCertificate.version", e, checkIntegerElem) }),
		f.take("serialNumber", false, isUni(asnInteger), func(e asnElem) error { return checkInteger("tbsCertificate.serialNumber", e.content) }),
		f.take("signature", false, seqItem, func(e asnElem) error { return checkAlgorithm("tbsCertificate.signature", e) }),
		f.take("issuer", false, isUni(asnSequence), func(e asnElem) error { return checkName("tbsCertificate.issuer", e) }),
		f.take("validity", false, seqItem, checkValidity),
		f.take("subject", false, isUni(asnSequence), func(e asnElem) error { return checkName("tbsCertificate.subject", e) }),
		f.take("subjectPublicKeyInfo", false, seqItem, func(e asnElem) error { return checkSPKI("tbsCertificate.subjectPublicKeyInfo", e) }),
		f.take("issuerUniqueID", true, isCtx(1), func(e asnElem) error { return checkImplicitBits("tbsCertificate.issuerUniqueID", e) }),
		f.take("subjectUniqueID", true, isCtx(2), func(e asnElem) error { return checkImplicitBits("tbsCertificate.subjectUniqueID", e) }),
		f.take("extensions", true, isCtx(3), func(e asnElem) error {
			return checkExplicit("tbsCertificate.extensions", e, func(field string, e asnElem) error { return checkExtensions(field, e) })
		}),
		f.end(),
	}
	return firstErr(steps)
}

func checkTBSCertList(tbs []asnElem) error {
	f := fields{what: "tbsCertList", es: tbs}
	steps := []error{
		f.take("version", true, isUni(asnInteger), func(e asnElem) error { return checkInteger("tbsCertList.version", e.content) }),
		f.take("signature", false, seqItem, func(e asnElem) error { return checkAlgorithm("tbsCertList.signature", e) }),
		f.take("issuer", false, isUni(asnSequence), func(e asnElem) error { return checkName("tbsCertList.issuer", e) }),
		f.take("thisUpdate", false, isTime, noCheck),
		f.take("nextUpdate", true, isTime, noCheck),
		f.take("revokedCertificates", true, isUni(asnSequence), checkRevoked),
		f.take("crlExtensions", true, isCtx(0), func(e asnElem) error {
			return checkExplicit("tbsCertList.crlExtensions", e, func(field string, e asnElem) error { return checkExtensions(field, e) })
		}),
		f.end(),
	}
	return firstErr(steps)
}

func checkCertificationRequestInfo(tbs []asnElem) error {
	f := fields{what: "certificationRequestInfo", es: tbs}
	steps := []error{
		f.take("version", false, isUni(asnInteger), func(e asnElem) error { return checkInteger("certificationRequestInfo.version", e.content) }),
		f.take("subject", false, isUni(asnSequence), func(e asnElem) error { return checkName("certificationRequestInfo.subject", e) }),
		f.take("subjectPKInfo", false, seqItem, func(e asnElem) error { return checkSPKI("certificationRequestInfo.subjectPKInfo", e) }),
		f.take("attributes", true, isCtx(0), checkAttributes),
		f.end(),
	}
	return firstErr(steps)
}

// firstErr keeps the first failing step: later steps ran on a walk that
// had already gone wrong.
func firstErr(steps []error) error {
	for _, err := range steps {
		if err != nil {
			return err
		}
	}
	return nil
}

func noCheck(asnElem) error { return nil }

// checkExplicit checks an EXPLICIT tag: exactly one element inside.
func checkExplicit(field string, e asnElem, inner func(string, asnElem) error) error {
	in, ok := elems(e.content)
	if !ok || len(in) != 1 || !e.constructed {
		return formErr(field, "an explicit tag must hold exactly one element")
	}
	return inner(field, in[0])
}

func checkIntegerElem(field string, e asnElem) error {
	if !e.universal(asnInteger) {
		return formErr(field, "not an INTEGER")
	}
	return checkInteger(field, e.content)
}

// checkInteger applies openssl's rule for INTEGER and ENUMERATED: at
// least one byte, and no redundant leading 0x00 or 0xFF (DER's minimal
// encoding).
func checkInteger(field string, b []byte) error {
	if len(b) == 0 {
		return formErr(field, "INTEGER with no content")
	}
	if len(b) > 1 && (b[0] == 0 && b[1]&0x80 == 0 || b[0] == 0xff && b[1]&0x80 != 0) {
		return formErr(field, "INTEGER with redundant leading bytes")
	}
	return nil
}

func checkBitString(field string, e asnElem) error {
	if !e.universal(asnBitString) {
		return formErr(field, "not a BIT STRING")
	}
	return checkBits(field, e)
}

func checkImplicitBits(field string, e asnElem) error { return checkBits(field, e) }

func checkBits(field string, e asnElem) error {
	if e.constructed {
		return nil // BER's constructed form, which openssl also takes
	}
	if len(e.content) < 1 || e.content[0] > 7 {
		return formErr(field, "BIT STRING without a valid count of unused bits")
	}
	return nil
}

// checkOID applies openssl's rule for OBJECT IDENTIFIER content: not
// empty, no subidentifier starting with 0x80, the last byte complete.
func checkOID(field string, b []byte) error {
	if len(b) == 0 || b[len(b)-1]&0x80 != 0 {
		return formErr(field, "malformed OBJECT IDENTIFIER")
	}
	for i, c := range b {
		if c == 0x80 && (i == 0 || b[i-1]&0x80 == 0) {
			return formErr(field, "OBJECT IDENTIFIER with a redundant leading byte")
		}
	}
	return nil
}

// checkAlgorithm: AlgorithmIdentifier ::= SEQUENCE { OID, ANY OPTIONAL }.
func checkAlgorithm(field string, e asnElem) error {
	if !seqItem(e) {
		return formErr(field, "not a SEQUENCE")
	}
	in, ok := elems(e.content)
	if !ok || len(in) == 0 || len(in) > 2 || !in[0].universal(asnOID) {
		return formErr(field, "an AlgorithmIdentifier is an OBJECT IDENTIFIER and optional parameters")
	}
	if err := checkOID(field+".algorithm", in[0].content); err != nil {
		return err
	}
	if len(in) == 2 {
		return checkAny(field+".parameters", in[1])
	}
	return nil
}

// checkAny applies to an ANY value the checks openssl's decoder makes of
// the universal type its tag names.
func checkAny(field string, e asnElem) error {
	if e.class != 0 || e.constructed {
		return nil
	}
	switch e.tag {
	case asnBoolean:
		if len(e.content) != 1 {
			return formErr(field, "BOOLEAN must be one byte")
		}
	case asnInteger, asnEnumerated:
		return checkInteger(field, e.content)
	case asnNull:
		if len(e.content) != 0 {
			return formErr(field, "NULL with content")
		}
	case asnOID:
		return checkOID(field, e.content)
	case asnBitString:
		return checkBits(field, e)
	case asnBMP:
		if len(e.content)%2 != 0 {
			return formErr(field, "BMPString of odd length")
		}
	case asnUniversal:
		if len(e.content)%4 != 0 {
			return formErr(field, "UniversalString whose length is not a multiple of 4")
		}
	}
	return nil
}

func checkValidity(e asnElem) error {
	in, ok := elems(e.content)
	if !ok || len(in) != 2 || !isTime(in[0]) || !isTime(in[1]) {
		return formErr("tbsCertificate.validity", "must be two times (UTCTime or GeneralizedTime)")
	}
	return nil
}

func checkSPKI(field string, e asnElem) error {
	in, ok := elems(e.content)
	if !ok || len(in) != 2 {
		return formErr(field, "must be an algorithm and a BIT STRING")
	}
	if err := checkAlgorithm(field+".algorithm", in[0]); err != nil {
		return err
	}
	return checkBitString(field+".subjectPublicKey", in[1])
}

// nameValueTags are the universal tags openssl's X509_NAME accepts as an
// attribute value (its B_ASN1_PRINTABLE mask: the string types it knows
// for names, BIT STRING, SEQUENCE, and the tags it files as "unknown").
var nameValueTags = map[int]bool{
	3: true, 7: true, 8: true, 9: true, 11: true, 12: true, 13: true, 14: true, 15: true, 16: true,
	18: true, 19: true, 20: true, 22: true, 28: true, 29: true, 30: true, 31: true,
}

// checkName: Name ::= SEQUENCE OF SET OF SEQUENCE { OID, value }, where
// openssl also converts every text value to UTF-8 (to compare names) and
// refuses the name when that fails.
func checkName(field string, e asnElem) error {
	rdns, ok := elems(e.content)
	if !ok {
		return formErr(field, "bad length")
	}
	for _, rdn := range rdns {
		if !rdn.universal(asnSet) || !rdn.constructed {
			return formErr(field, "a relative distinguished name must be a SET")
		}
		atvs, ok := elems(rdn.content)
		if !ok {
			return formErr(field, "bad length")
		}
		for _, atv := range atvs {
			if !atv.universal(asnSequence) {
				return formErr(field, "an attribute must be a SEQUENCE")
			}
			in, ok := elems(atv.content)
			if !ok || len(in) != 2 || !in[0].universal(asnOID) {
				return formErr(field, "an attribute is an OBJECT IDENTIFIER and a value")
			}
			if err := checkOID(field, in[0].content); err != nil {
				return err
			}
			if err := checkNameValue(field, in[1]); err != nil {
				return err
			}
		}
	}
	return nil
}

func checkNameValue(field string, v asnElem) error {
	if v.class != 0 || !nameValueTags[v.tag] {
		return formErr(field, fmt.Sprintf("attribute value of type [%d] class %d, which names do not allow", v.tag, v.class))
	}
	if err := checkAny(field, v); err != nil {
		return err
	}
	if v.constructed {
		return nil
	}
	switch v.tag {
	case asnUTF8:
		if !utf8.Valid(v.content) {
			return formErr(field, "UTF8String that is not valid UTF-8")
		}
	case asnBMP:
		for i := 0; i+1 < len(v.content); i += 2 {
			if c := rune(v.content[i])<<8 | rune(v.content[i+1]); c >= 0xd800 && c <= 0xdfff {
				return formErr(field, "BMPString holding a surrogate")
			}
		}
	case asnUniversal:
		for i := 0; i+3 < len(v.content); i += 4 {
			c := uint32(v.content[i])<<24 | uint32(v.content[i+1])<<16 | uint32(v.content[i+2])<<8 | uint32(v.content[i+3])
			if c > 0x10ffff || c >= 0xd800 && c <= 0xdfff {
				return formErr(field, "UniversalString holding a value that is not a character")
			}
		}
	}
	return nil
}

// checkExtensions: SEQUENCE OF SEQUENCE { OID, BOOLEAN DEFAULT FALSE,
// OCTET STRING }; the value inside the OCTET STRING is not judged.
func checkExtensions(field string, e asnElem) error {
	if !e.universal(asnSequence) {
		return formErr(field, "not a SEQUENCE")
	}
	exts, ok := elems(e.content)
	if !ok {
		return formErr(field, "bad length")
	}
	for _, x := range exts {
		if !seqItem(x) {
			return formErr(field, "an extension must be a constructed SEQUENCE")
		}
		in, ok := elems(x.content)
		if !ok {
			return formErr(field, "bad length")
		}
		f := fields{what: field + ".extension", es: in}
		err := firstErr([]error{
			f.take("extnID", false, isUni(asnOID), func(e asnElem) error { return checkOID(field, e.content) }),
			f.take("critical", true, isUni(asnBoolean), func(e asnElem) error { return checkAny(field+".critical", e) }),
			f.take("extnValue", false, isUni(4), noCheck),
			f.end(),
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// checkRevoked: SEQUENCE OF SEQUENCE { serial INTEGER, revocationDate
// Time, crlEntryExtensions Extensions OPTIONAL }. It reads the entries one
// at a time, so a refusal names the entry (a damaged length included) and
// a CRL of 300,000 entries costs no list of them.
func checkRevoked(e asnElem) error {
	const field = "tbsCertList.revokedCertificates"
	for i, b := 0, e.content; len(b) > 0; i++ {
		en, rest, ok := readElem(b)
		if !ok {
			return formErr(fmt.Sprintf("%s entry %d", field, i), "does not read (truncated or damaged length)")
		}
		if err := checkEntry(en); err != nil {
			var fe *FormError
			if errors.As(err, &fe) {
				fe.Field = entryField(field, i, fe.Field)
			}
			return err
		}
		b = rest
	}
	return nil
}

// entryField names a field of entry i: built only on a refusal, so the
// walk of a big CRL formats nothing.
func entryField(list string, i int, field string) string {
	if field == "" {
		return fmt.Sprintf("%s entry %d", list, i)
	}
	return fmt.Sprintf("%s entry %d: %s", list, i, field)
}

// checkEntry checks one revokedCertificates entry; its fields are named
// relative to the entry, which checkRevoked names.
func checkEntry(en asnElem) error {
	if !seqItem(en) {
		return formErr("", "must be a constructed SEQUENCE")
	}
	in, ok := elems(en.content)
	if !ok {
		return formErr("", "an element inside does not read (truncated or damaged length)")
	}
	f := fields{es: in}
	return firstErr([]error{
		f.take("userCertificate", false, isUni(asnInteger), func(e asnElem) error { return checkInteger("userCertificate", e.content) }),
		f.take("revocationDate", false, isTime, noCheck),
		f.take("crlEntryExtensions", true, isUni(asnSequence), func(e asnElem) error { return checkExtensions("crlEntryExtensions", e) }),
		f.end(),
	})
}

// checkAttributes: [0] IMPLICIT SET OF SEQUENCE { OID, SET OF ANY }.
func checkAttributes(e asnElem) error {
	const field = "certificationRequestInfo.attributes"
	attrs, ok := elems(e.content)
	if !ok {
		return formErr(field, "bad length")
	}
	for _, a := range attrs {
		in, ok := elems(a.content)
		if !a.universal(asnSequence) || !ok || len(in) != 2 || !in[0].universal(asnOID) || !in[1].universal(asnSet) {
			return formErr(field, "an attribute is an OBJECT IDENTIFIER and a SET of values")
		}
		if err := checkOID(field, in[0].content); err != nil {
			return err
		}
		vals, ok := elems(in[1].content)
		if !ok {
			return formErr(field, "bad length")
		}
		for _, v := range vals {
			if err := checkAny(field, v); err != nil {
				return err
			}
		}
	}
	return nil
}

// CheckNameForm checks the DER of one Name (a SEQUENCE) as openssl's
// X509_NAME decoder does, for names inside extensions (a directoryName):
// when it fails there, openssl cannot read the extension and dumps its
// bytes instead.
func CheckNameForm(der []byte) error {
	e, rest, ok := readElem(der)
	if !ok || len(rest) > 0 || !e.universal(asnSequence) {
		return formErr("Name", "not one SEQUENCE")
	}
	return checkName("Name", e)
}

// CheckExtensionsForm checks the DER of Extensions (SEQUENCE OF
// Extension), as openssl's X509_EXTENSIONS decoder does, for the
// extension request of a CSR.
func CheckExtensionsForm(der []byte) error {
	e, rest, ok := readElem(der)
	if !ok || len(rest) > 0 {
		return formErr("Extensions", "not one element")
	}
	return checkExtensions("Extensions", e)
}

// CheckOIDForm checks OBJECT IDENTIFIER content as openssl's decoder does.
func CheckOIDForm(content []byte) error { return checkOID("OBJECT IDENTIFIER", content) }
