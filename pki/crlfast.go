package pki

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"time"
)

// createCRLFast signs a CRL like x509.CreateRevocationList, but encodes the
// revoked entries by hand: encoding/asn1's reflection costs about 4 µs an
// entry, which is most of the time of a CRL with 100,000 revocations. The
// header (version, algorithm, issuer, times, AKI, CRL number) still comes
// from crypto/x509, from the same CRL made with no entries.
func createCRLFast(r CRLRequest, ca *x509.Certificate, key crypto.Signer) ([]byte, error) {
	empty, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
		Number: r.Number, ThisUpdate: r.ThisUpdate.UTC(), NextUpdate: r.NextUpdate.UTC(),
	}, ca, key)
	if err != nil {
		return nil, fmt.Errorf("signing CRL: %w", err)
	}
	var outer struct {
		TBS    asn1.RawValue
		SigAlg asn1.RawValue
		Sig    asn1.BitString
	}
	if _, err := asn1.Unmarshal(empty, &outer); err != nil {
		return nil, err
	}
	// The TBS holds, in order: version, signature, issuer, thisUpdate,
	// nextUpdate, [0] extensions. The entries go before the extensions.
	var fields []asn1.RawValue
	for rest := outer.TBS.Bytes; len(rest) > 0; {
		var f asn1.RawValue
		if rest, err = asn1.Unmarshal(rest, &f); err != nil {
			return nil, err
		}
		fields = append(fields, f)
	}
	if len(fields) != 6 || fields[5].Class != asn1.ClassContextSpecific {
		return nil, errors.New("unexpected CRL layout from crypto/x509")
	}
	var entries []byte
	for _, e := range r.Revoked {
		entries = appendEntry(entries, e)
	}
	var tbs []byte
	for _, f := range fields[:5] {
		tbs = append(tbs, f.FullBytes...)
	}
	if len(r.Revoked) > 0 {
		tbs = appendTLV(tbs, 0x30, entries)
	}
	tbs = append(tbs, fields[5].FullBytes...)
	tbsDER := appendTLV(nil, 0x30, tbs)

	sig, err := signTBS(tbsDER, ca, key, empty)
	if err != nil {
		return nil, err
	}
	body := append(append([]byte{}, tbsDER...), outer.SigAlg.FullBytes...)
	bits := append([]byte{0}, sig...) // BIT STRING, no unused bits
	body = appendTLV(body, 0x03, bits)
	return appendTLV(nil, 0x30, body), nil
}

// signTBS signs with the hash crypto/x509 chose for the empty CRL.
func signTBS(tbs []byte, ca *x509.Certificate, key crypto.Signer, empty []byte) ([]byte, error) {
	l, err := x509.ParseRevocationList(empty)
	if err != nil {
		return nil, err
	}
	var h crypto.Hash
	switch l.SignatureAlgorithm {
	case x509.ECDSAWithSHA256, x509.SHA256WithRSA:
		h = crypto.SHA256
	case x509.ECDSAWithSHA384, x509.SHA384WithRSA:
		h = crypto.SHA384
	case x509.ECDSAWithSHA512, x509.SHA512WithRSA:
		h = crypto.SHA512
	case x509.PureEd25519:
		return key.Sign(rand.Reader, tbs, crypto.Hash(0))
	case x509.SHA256WithRSAPSS, x509.SHA384WithRSAPSS, x509.SHA512WithRSAPSS:
		return nil, errors.New("RSA-PSS CRLs use the slow path")
	default:
		return nil, fmt.Errorf("signature algorithm %v is not supported for CRLs", l.SignatureAlgorithm)
	}
	d := h.New()
	d.Write(tbs)
	if _, ok := key.(ed25519.PrivateKey); ok {
		return nil, errors.New("ed25519 key with a hashed algorithm")
	}
	var opts crypto.SignerOpts = h
	if _, ok := key.Public().(*rsa.PublicKey); ok {
		opts = h // PKCS #1 v1.5, as crypto/x509 uses for SHA*WithRSA
	}
	sig, err := key.Sign(rand.Reader, d.Sum(nil), opts)
	if err != nil {
		return nil, err
	}
	// Check what was signed, as crypto/x509 does: a broken signer must not
	// produce a CRL that nobody can verify.
	if err := ca.CheckSignature(l.SignatureAlgorithm, tbs, sig); err != nil {
		return nil, fmt.Errorf("CRL signature does not verify with the CA certificate: %w", err)
	}
	return sig, nil
}

var oidReasonCode = []byte{0x06, 0x03, 0x55, 0x1d, 0x15} // 2.5.29.21

// appendEntry encodes SEQUENCE { serial INTEGER, revocationDate Time,
// extensions (reasonCode) OPTIONAL } the way crypto/x509 does (no
// reasonCode extension for unspecified).
func appendEntry(dst []byte, e Revocation) []byte {
	// The common entry (a serial of up to 95 bytes, so every length fits
	// in one byte; a time before 2050; a reason or none) is written straight
	// into dst: no intermediate slices and no time.Format, which were most
	// of a 100,000-entry CRL.
	t := e.Time.UTC()
	n := (e.Serial.BitLen() + 7) / 8
	if e.Serial.Sign() < 0 || n > 95 || t.Year() < 1950 || t.Year() >= 2050 || e.Reason < 0 || e.Reason > 127 {
		return appendEntrySlow(dst, e)
	}
	var ib [96]byte
	serial := ib[1 : 1+n]
	e.Serial.FillBytes(serial)
	if n == 0 || serial[0]&0x80 != 0 {
		serial = ib[:1+n] // a leading zero keeps the INTEGER positive
	}
	body := 2 + len(serial) + 2 + 13
	if e.Reason != 0 {
		body += 14
	}
	dst = append(dst, 0x30, byte(body), 0x02, byte(len(serial)))
	dst = append(dst, serial...)
	y, mo, d := t.Date()
	h, mi, sec := t.Clock()
	dst = append(dst, 0x17, 13)
	for _, v := range [6]int{y % 100, int(mo), d, h, mi, sec} {
		dst = append(dst, byte('0'+v/10), byte('0'+v%10))
	}
	dst = append(dst, 'Z')
	if e.Reason != 0 {
		dst = append(dst, 0x30, 12, 0x30, 10)
		dst = append(dst, oidReasonCode...)
		dst = append(dst, 0x04, 3, 0x0a, 1, byte(e.Reason))
	}
	return dst
}

// appendEntrySlow is appendEntry for any entry.
func appendEntrySlow(dst []byte, e Revocation) []byte {
	var body []byte
	body = appendTLV(body, 0x02, intBytes(e.Serial))
	body = appendTime(body, e.Time.UTC())
	if e.Reason != 0 {
		enum := appendTLV(nil, 0x0a, []byte{byte(e.Reason)})
		ext := appendTLV(append([]byte{}, oidReasonCode...), 0x04, enum)
		exts := appendTLV(nil, 0x30, appendTLV(nil, 0x30, ext))
		body = append(body, exts...)
	}
	return appendTLV(dst, 0x30, body)
}

// intBytes is the DER content of a non-negative INTEGER.
func intBytes(n *big.Int) []byte {
	b := n.Bytes()
	if len(b) == 0 || b[0]&0x80 != 0 {
		b = append([]byte{0}, b...)
	}
	return b
}

// appendTime writes UTCTime before 2050 and GeneralizedTime after (RFC 5280).
func appendTime(dst []byte, t time.Time) []byte {
	if t.Year() >= 1950 && t.Year() < 2050 {
		return appendTLV(dst, 0x17, []byte(t.Format("060102150405Z")))
	}
	return appendTLV(dst, 0x18, []byte(t.Format("20060102150405Z")))
}

func appendTLV(dst []byte, tag byte, content []byte) []byte {
	dst = append(dst, tag)
	n := len(content)
	switch {
	case n < 0x80:
		dst = append(dst, byte(n))
	case n < 0x100:
		dst = append(dst, 0x81, byte(n))
	case n < 0x10000:
		dst = append(dst, 0x82, byte(n>>8), byte(n))
	case n < 0x1000000:
		dst = append(dst, 0x83, byte(n>>16), byte(n>>8), byte(n))
	default:
		dst = append(dst, 0x84, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
	return append(dst, content...)
}
