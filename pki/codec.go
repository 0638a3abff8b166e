package pki

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"

	"software.sslmate.com/src/go-pkcs12"
)

// Kind is what a decoded object is.
type Kind string

const (
	KindCertificate  Kind = "certificate"
	KindCSR          Kind = "csr"
	KindCRL          Kind = "crl"
	KindPrivateKey   Kind = "private-key"
	KindEncryptedKey Kind = "encrypted-private-key"
	KindPublicKey    Kind = "public-key"
	KindPKCS12       Kind = "pkcs12"
)

// Object is one thing found in a PEM or DER input.
type Object struct {
	Kind   Kind
	Format string // "PEM" or "DER"
	Label  string // the PEM label, or a description of the DER form
	DER    []byte
	Cert   *x509.Certificate
	CSR    *x509.CertificateRequest
	CRL    *x509.RevocationList
	Key    crypto.Signer    // for KindPrivateKey
	Public crypto.PublicKey // for KindPublicKey
	// Legacy is set for a traditional encrypted PEM key (Proc-Type:
	// 4,ENCRYPTED); DER then holds the encrypted body. Open with DecryptObject.
	Legacy *LegacyPEMEncryption
	// Refused is set only by DecodeLenient: crypto/x509 refused this
	// certificate, CSR or CRL (Cert, CSR and CRL stay nil) although its
	// outer DER structure reads, so it can still be shown field by field.
	Refused error
	// Trailing is set only by DecodeLenient: this many bytes followed a
	// lone DER certificate, CSR or CRL. openssl's d2i reads the first
	// object and ignores them, so the display does too, and says so.
	Trailing int
}

// DecodeError names the input and what was expected.
type DecodeError struct {
	Source string // file name or "input"
	Block  int    // 1-based PEM block, 0 for DER
	Reason string
	Err    error
}

func (e *DecodeError) Error() string {
	where := e.Source
	if e.Block > 0 {
		where = fmt.Sprintf("%s: PEM block %d", e.Source, e.Block)
	}
	return where + ": " + e.Reason
}

func (e *DecodeError) Unwrap() error { return e.Err }

// MaxInput bounds what Decode accepts; nothing in PKI is this large.
const MaxInput = 64 << 20

// Decode reads every object in data: one or more PEM blocks (text around
// them is ignored, as openssl does), or a single DER object of any kind.
// PKCS#12 and encrypted keys are returned undecrypted; see DecodePKCS12 and
// DecryptKey. source names the input in errors.
func Decode(data []byte, source string) ([]Object, error) {
	return decode(data, source, false)
}

// DecodeLenient is Decode for display: a certificate, CSR or CRL that
// crypto/x509 refuses but whose outer DER structure reads (as openssl's
// d2i would) is returned with Refused set instead of failing the input,
// so that inspect can show what openssl shows. Nothing that verifies or
// issues may use it.
func DecodeLenient(data []byte, source string) ([]Object, error) {
	return decode(data, source, true)
}

func decode(data []byte, source string, lenient bool) ([]Object, error) {
	if source == "" {
		source = "input"
	}
	if len(data) == 0 {
		return nil, &DecodeError{Source: source, Reason: "empty (expected a PEM or DER certificate, key, CSR, CRL or PKCS#12)"}
	}
	if len(data) > MaxInput {
		return nil, &DecodeError{Source: source, Reason: fmt.Sprintf("%d bytes is too large to be PKI material", len(data))}
	}
	if bytes.Contains(data, []byte("-----BEGIN ")) {
		return decodePEM(data, source, lenient)
	}
	o, err := decodeDER(data, lenient)
	// openssl's d2i reads the first object and ignores what follows it;
	// the display does too (Trailing says so). crypto/x509 refuses a
	// certificate or CSR with bytes after it, so such an object is shown
	// as refused (verify then answers cert-malformed); a CRL it reads.
	var te *trailingDataError
	if lenient && errors.As(err, &te) {
		first := data[:len(data)-te.n]
		if fo, ferr := decodeDER(first, true); ferr == nil && fo.Kind == KindCRL {
			o, err = fo, nil
		} else if ferr == nil && (fo.Kind == KindCertificate || fo.Kind == KindCSR) {
			o, err = Object{Kind: fo.Kind, DER: first, Label: fo.Label, Refused: errors.New("x509: trailing data")}, nil
		} else if ro, ok := refusedDER(first); ok {
			o, err = ro, nil
		}
		if err == nil {
			o.Trailing = te.n
		}
	}
	if err != nil && lenient {
		if ro, ok := refusedDER(data); ok {
			o, err = ro, nil
		}
	}
	if err == nil && lenient && (o.Kind == KindCertificate || o.Kind == KindCSR || o.Kind == KindCRL) {
		err = checkSignedForm(data, o.Kind)
	}
	if lenient {
		// checkSignedForm above walked a CRL's every entry, whatever its size.
		dropEntries(&o)
	}
	if err != nil {
		return nil, &DecodeError{Source: source, Reason: err.Error(), Err: err}
	}
	o.Format = "DER"
	return []Object{o}, nil
}

// decodePEM collects every block, so it caps their number (MaxPEMBlocks):
// the memory of parsed objects grows with it. DecodeEach, which holds one
// object at a time, needs no such cap beyond MaxInput.
func decodePEM(data []byte, source string, lenient bool) ([]Object, error) {
	var out []Object
	n := 0
	err := eachPEM(data, source, lenient, func(o Object) error {
		if n++; n > MaxPEMBlocks {
			return &DecodeError{Source: source, Block: n, Reason: fmt.Sprintf("more than %d PEM blocks", MaxPEMBlocks),
				Err: &LimitError{What: "PEM blocks", Got: int64(n), Limit: MaxPEMBlocks}}
		}
		out = append(out, o)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DecodeEach hands fn every object of data in order, as Decode (or, with
// lenient, DecodeLenient) would return them, but one at a time: a bundle
// of 40,000 PEM blocks never holds more than one parsed object. An error
// in block n comes after fn has seen blocks 1..n-1; fn's own error stops
// the walk and is returned as is.
func DecodeEach(data []byte, source string, lenient bool, fn func(Object) error) error {
	if source == "" {
		source = "input"
	}
	if len(data) > 0 && len(data) <= MaxInput && bytes.Contains(data, []byte("-----BEGIN ")) {
		return eachPEM(data, source, lenient, fn)
	}
	objs, err := decode(data, source, lenient)
	if err != nil {
		return err
	}
	for _, o := range objs {
		if err := fn(o); err != nil {
			return err
		}
	}
	return nil
}

// CountObjects is how many objects DecodeEach will hand over for data when
// it decodes cleanly: the PEM blocks other than EC PARAMETERS, or one for
// DER. It only reads the PEM framing, so a front end can number objects
// ("2 of 40000") before decoding them.
func CountObjects(data []byte) int {
	begin := []byte("-----BEGIN ")
	switch bytes.Count(data, begin) {
	case 0:
		return 1
	case 1:
		// One block: its label says it all, and decoding it only to count
		// it would cost a copy of its DER (13 MB for a big CRL).
		label := data[bytes.Index(data, begin)+len(begin):]
		if bytes.HasPrefix(label, []byte("EC PARAMETERS-----")) {
			return 0
		}
		return 1
	}
	n := 0
	for rest := data; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			return n
		}
		if b.Type != "EC PARAMETERS" {
			n++
		}
	}
}

func eachPEM(data []byte, source string, lenient bool, fn func(Object) error) error {
	rest := data
	seen := 0
	for n := 1; ; n++ {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		o, err := decodeBlock(b, lenient)
		if errors.Is(err, errSkip) {
			continue
		}
		if err != nil && lenient && (o.Kind == KindCertificate || o.Kind == KindCSR || o.Kind == KindCRL) && signedShape(b.Bytes) {
			o = Object{Kind: o.Kind, DER: b.Bytes, Refused: errors.Unwrap(err)}
			err = nil
		}
		if err == nil && lenient {
			if ferr := checkSignedForm(b.Bytes, o.Kind); ferr != nil && (o.Kind == KindCertificate || o.Kind == KindCSR || o.Kind == KindCRL) {
				err = fmt.Errorf("%s: %w", b.Type, ferr)
			}
		}
		if err != nil {
			return &DecodeError{Source: source, Block: n, Reason: err.Error(), Err: err}
		}
		if lenient {
			dropEntries(&o)
		}
		o.Format = "PEM"
		o.Label = b.Type
		seen++
		if !bytes.Contains(rest, []byte("-----BEGIN ")) {
			// The last block: let go of the input while fn works on its
			// object, so the PEM text of a big CRL can be collected once
			// it is decoded.
			rest = nil
		}
		if err := fn(o); err != nil {
			return err
		}
	}
	if seen == 0 {
		return &DecodeError{Source: source, Reason: "has a -----BEGIN line but no complete PEM block (truncated or damaged base64?)"}
	}
	if i := bytes.Index(rest, []byte("-----BEGIN ")); i >= 0 {
		return &DecodeError{Source: source, Block: seen + 1, Reason: "PEM block is truncated or its base64 is damaged"}
	}
	return nil
}

func decodeBlock(b *pem.Block, lenient bool) (Object, error) {
	if len(b.Headers) > 0 && strings.Contains(b.Headers["Proc-Type"], "ENCRYPTED") {
		switch b.Type {
		case "RSA PRIVATE KEY", "EC PRIVATE KEY", "PRIVATE KEY":
		default:
			return Object{}, fmt.Errorf("%s: only private keys can carry Proc-Type: 4,ENCRYPTED", b.Type)
		}
		enc, err := parseDEKInfo(b.Headers)
		if err != nil {
			return Object{}, err
		}
		return Object{Kind: KindEncryptedKey, DER: b.Bytes, Legacy: enc}, nil
	}
	o := Object{DER: b.Bytes}
	var err error
	switch b.Type {
	case "CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE":
		o.Kind = KindCertificate
		o.Cert, err = x509.ParseCertificate(b.Bytes)
	case "CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST":
		o.Kind = KindCSR
		o.CSR, err = x509.ParseCertificateRequest(b.Bytes)
	case "X509 CRL":
		o.Kind = KindCRL
		o.CRL, err = parseCRL(b.Bytes, lenient)
	case "PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY":
		o.Kind = KindPrivateKey
		o.Key, err = ParsePrivateKey(b.Bytes)
	case "ENCRYPTED PRIVATE KEY":
		o.Kind = KindEncryptedKey
	case "PUBLIC KEY":
		o.Kind = KindPublicKey
		o.Public, err = x509.ParsePKIXPublicKey(b.Bytes)
	case "RSA PUBLIC KEY":
		o.Kind = KindPublicKey
		o.Public, err = x509.ParsePKCS1PublicKey(b.Bytes)
	case "PKCS12":
		o.Kind = KindPKCS12
	case "EC PARAMETERS":
		// openssl ecparam -genkey writes this before the key; it carries nothing we need.
		return Object{}, errSkip
	default:
		return Object{}, fmt.Errorf("PEM label %q is not a certificate, key, CSR or CRL", b.Type)
	}
	if err == nil && (o.Kind == KindCertificate || o.Kind == KindCSR || o.Kind == KindCRL) && !signedShape(b.Bytes) {
		// Not lenient-able either: openssl refuses it, so inspect must too.
		return Object{}, fmt.Errorf("%s: %w", b.Type, ErrSignedShape)
	}
	if err != nil {
		return Object{Kind: o.Kind}, fmt.Errorf("%s: %w", b.Type, err)
	}
	return o, nil
}

var errSkip = errors.New("skip")

// dropEntries forgets a CRL's parsed entries in the lenient (display)
// decode: the renderer reads them from the DER, and a 300,000-entry CRL
// would otherwise keep every parsed entry alive beside its text.
func dropEntries(o *Object) {
	if o.CRL == nil {
		return
	}
	o.CRL.RevokedCertificateEntries = nil
	//lint:ignore SA1019 cleared for memory, never read
	o.CRL.RevokedCertificates = nil
}

// ParsePrivateKey reads PKCS#8, PKCS#1 (RSA) or SEC 1 (EC) DER.
func ParsePrivateKey(der []byte) (crypto.Signer, error) {
	if k, err := x509.ParsePKCS8PrivateKey(der); err == nil {
		s, ok := k.(crypto.Signer)
		if !ok {
			return nil, fmt.Errorf("private key of type %T cannot sign", k)
		}
		return s, nil
	}
	if k, err := x509.ParsePKCS1PrivateKey(der); err == nil {
		return k, nil
	}
	if k, err := x509.ParseECPrivateKey(der); err == nil {
		return k, nil
	}
	return nil, errors.New("not a PKCS#8, PKCS#1 or SEC 1 private key")
}

// decodeDER guesses the type of a single DER object.
func decodeDER(der []byte, lenient bool) (Object, error) {
	var raw asn1.RawValue
	rest, err := asn1.Unmarshal(der, &raw)
	if err != nil || raw.Tag != asn1.TagSequence {
		return Object{}, errors.New("neither PEM nor DER: expected a PEM file (-----BEGIN ...) or a DER-encoded certificate, key, CSR, CRL or PKCS#12")
	}
	if len(rest) != 0 {
		return Object{}, &trailingDataError{len(rest)}
	}
	if parts, ok := rawChildren(raw.Bytes); ok && len(parts) == 4 && isUniversal(parts[1], asn1.TagSequence) && isUniversal(parts[2], asn1.TagBitString) {
		return Object{}, ErrSignedShape
	}
	if c, err := x509.ParseCertificate(der); err == nil {
		return Object{Kind: KindCertificate, DER: der, Cert: c, Label: "CERTIFICATE"}, nil
	}
	if r, err := x509.ParseCertificateRequest(der); err == nil {
		return Object{Kind: KindCSR, DER: der, CSR: r, Label: "CERTIFICATE REQUEST"}, nil
	}
	if l, err := parseCRL(der, lenient); err == nil {
		return Object{Kind: KindCRL, DER: der, CRL: l, Label: "X509 CRL"}, nil
	}
	if k, err := ParsePrivateKey(der); err == nil {
		return Object{Kind: KindPrivateKey, DER: der, Key: k, Label: "PRIVATE KEY"}, nil
	}
	if p, err := x509.ParsePKIXPublicKey(der); err == nil {
		return Object{Kind: KindPublicKey, DER: der, Public: p, Label: "PUBLIC KEY"}, nil
	}
	var epki encryptedPrivateKeyInfo
	if r, err := asn1.Unmarshal(der, &epki); err == nil && len(r) == 0 && (epki.Algo.Algorithm.Equal(oidPBES2) || pbes1Hash(epki.Algo.Algorithm) != nil || isPKCS12PBE(epki.Algo.Algorithm)) {
		return Object{Kind: KindEncryptedKey, DER: der, Label: "ENCRYPTED PRIVATE KEY"}, nil
	}
	if isPKCS12(der) {
		return Object{Kind: KindPKCS12, DER: der, Label: "PKCS12"}, nil
	}
	// Say the most likely thing it was meant to be.
	_, certErr := x509.ParseCertificate(der)
	return Object{}, fmt.Errorf("DER is not a certificate, key, CSR, CRL or PKCS#12 (as a certificate: %v)", certErr)
}

// isPKCS12 recognises PFX: SEQUENCE { INTEGER 3, ContentInfo ... }.
func isPKCS12(der []byte) bool {
	var pfx struct {
		Version  int
		AuthSafe asn1.RawValue
		MacData  asn1.RawValue `asn1:"optional"`
	}
	_, err := asn1.Unmarshal(der, &pfx)
	return err == nil && pfx.Version == 3
}

// DecryptKey opens an encrypted PKCS#8 key (see DecryptObject for keys
// that may also be traditional encrypted PEM).
func DecryptKey(der, passphrase []byte) (crypto.Signer, error) {
	plain, err := DecryptPKCS8(der, passphrase)
	if err != nil {
		return nil, err
	}
	k, err := ParsePrivateKey(plain)
	if err != nil {
		// CBC padding (and an outer DER header) can survive a wrong
		// passphrase by chance; what then does not parse as a key is the
		// passphrase's fault, not the file's.
		return nil, fmt.Errorf("%w (%v)", ErrWrongPassphrase, err)
	}
	return k, nil
}

// PKCS12Contents is what a PKCS#12 file held.
type PKCS12Contents struct {
	Key   crypto.Signer
	Leaf  *x509.Certificate
	Chain []*x509.Certificate
}

// DecodePKCS12 opens a PKCS#12 file with its password.
func DecodePKCS12(der []byte, password string) (PKCS12Contents, error) {
	// The decoder derives keys with whatever iteration counts the file
	// names; refuse absurd ones before it starts.
	if err := checkPKCS12Work(der); err != nil {
		return PKCS12Contents{}, fmt.Errorf("PKCS#12: %w", err)
	}
	k, leaf, chain, err := pkcs12.DecodeChain(der, password)
	if err != nil {
		if errors.Is(err, pkcs12.ErrIncorrectPassword) || errors.Is(err, pkcs12.ErrDecryption) {
			return PKCS12Contents{}, ErrWrongPassphrase
		}
		return PKCS12Contents{}, fmt.Errorf("PKCS#12: %w", err)
	}
	s, ok := k.(crypto.Signer)
	if !ok {
		return PKCS12Contents{}, fmt.Errorf("PKCS#12 key of type %T cannot sign", k)
	}
	return PKCS12Contents{Key: s, Leaf: leaf, Chain: chain}, nil
}

// PEM encoders.

func EncodeCertPEM(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func EncodeCSRPEM(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})
}

func EncodeCRLPEM(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: der})
}

// EncodeKeyPEM writes key as PKCS#8, encrypted with PBES2 when passphrase
// is not empty.
func EncodeKeyPEM(key crypto.Signer, passphrase []byte) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	if len(passphrase) == 0 {
		return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
	}
	enc, err := EncryptPKCS8(der, passphrase)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: enc}), nil
}

// Certificates returns the certificates among objs, in order.
func Certificates(objs []Object) []*x509.Certificate {
	var out []*x509.Certificate
	for _, o := range objs {
		if o.Cert != nil {
			out = append(out, o.Cert)
		}
	}
	return out
}

// trailingDataError is decodeDER's refusal of bytes after the object; the
// display decode reads a certificate, CSR or CRL before them, as openssl.
type trailingDataError struct{ n int }

func (e *trailingDataError) Error() string {
	return fmt.Sprintf("DER object is followed by %d bytes of trailing data", e.n)
}
