package pki

import (
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"unicode/utf16"
)

// A PKCS#12 writer of our own (RFC 7292), because the key bag must carry a
// friendlyName: Java's keytool lists that as the entry's alias (it shows "1"
// without one), and go-pkcs12 writes none. The parameters are those of
// go-pkcs12's Modern2023 and openssl 3's defaults: PBES2 (PBKDF2-HMAC-SHA256,
// AES-256-CBC) for the key and the certificates, an HMAC-SHA256 MAC, 2048
// iterations each. Reading stays with go-pkcs12 (DecodePKCS12).

// pkcs12Iterations is openssl 3's and Modern2023's default work factor.
const pkcs12Iterations = 2048

var (
	oidDataContentType      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidEncryptedDataContent = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 6}
	oidShroudedKeyBag       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 2}
	oidCertBag              = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 3}
	oidCertTypeX509         = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 22, 1}
	oidFriendlyName         = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 20}
	oidLocalKeyID           = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 21}
	oidSHA256               = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
)

type p12ContentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue `asn1:"tag:0,explicit,optional"`
}

type p12EncryptedData struct {
	Version              int
	EncryptedContentInfo p12EncryptedContentInfo
}

type p12EncryptedContentInfo struct {
	ContentType                asn1.ObjectIdentifier
	ContentEncryptionAlgorithm pkix.AlgorithmIdentifier
	EncryptedContent           []byte `asn1:"tag:0,optional"`
}

type p12SafeBag struct {
	ID         asn1.ObjectIdentifier
	Value      asn1.RawValue     `asn1:"tag:0,explicit"`
	Attributes []p12BagAttribute `asn1:"set,optional"`
}

type p12BagAttribute struct {
	ID     asn1.ObjectIdentifier
	Values asn1.RawValue // a SET holding one value
}

type p12CertBag struct {
	ID   asn1.ObjectIdentifier
	Data []byte `asn1:"tag:0,explicit"`
}

type p12DigestInfo struct {
	Algorithm pkix.AlgorithmIdentifier
	Digest    []byte
}

type p12MacData struct {
	Mac        p12DigestInfo
	MacSalt    []byte
	Iterations int
}

type p12PFX struct {
	Version  int
	AuthSafe p12ContentInfo
	MacData  p12MacData
}

// EncodePKCS12 writes key, leaf and chain as PKCS#12 protected by password;
// friendlyName names the key entry (keytool's alias; "" leaves it out).
func EncodePKCS12(key crypto.Signer, leaf *x509.Certificate, chain []*x509.Certificate, password, friendlyName string) ([]byte, error) {
	if password == "" {
		return nil, errors.New("PKCS#12: empty password")
	}
	bmpPass, err := bmpString(password, true)
	if err != nil {
		return nil, fmt.Errorf("PKCS#12 password: %w", err)
	}
	keyID := sha1.Sum(leaf.Raw) // openssl's localKeyID: the certificate's SHA-1
	leafAttrs := []p12BagAttribute{attribute(oidLocalKeyID, asn1.RawValue{Tag: asn1.TagOctetString, Bytes: keyID[:]})}
	if friendlyName != "" {
		name, err := bmpString(friendlyName, false)
		if err != nil {
			return nil, fmt.Errorf("PKCS#12 friendlyName: %w", err)
		}
		leafAttrs = append([]p12BagAttribute{attribute(oidFriendlyName, asn1.RawValue{Tag: asn1.TagBMPString, Bytes: name})}, leafAttrs...)
	}

	// The certificates: one SafeContents, encrypted.
	var certBags []p12SafeBag
	for i, c := range append([]*x509.Certificate{leaf}, chain...) {
		b, err := asn1.Marshal(p12CertBag{ID: oidCertTypeX509, Data: c.Raw})
		if err != nil {
			return nil, err
		}
		bag := p12SafeBag{ID: oidCertBag, Value: explicit0(b)}
		if i == 0 {
			bag.Attributes = leafAttrs
		}
		certBags = append(certBags, bag)
	}
	certContents, err := asn1.Marshal(certBags)
	if err != nil {
		return nil, err
	}
	enc, err := encryptPKCS8(certContents, []byte(password), pkcs12Iterations)
	if err != nil {
		return nil, err
	}
	var sealed encryptedPrivateKeyInfo
	if _, err := asn1.Unmarshal(enc, &sealed); err != nil {
		return nil, err
	}
	encData, err := asn1.Marshal(p12EncryptedData{EncryptedContentInfo: p12EncryptedContentInfo{
		ContentType: oidDataContentType, ContentEncryptionAlgorithm: sealed.Algo, EncryptedContent: sealed.Data}})
	if err != nil {
		return nil, err
	}

	// The key: a shrouded key bag (an EncryptedPrivateKeyInfo) in a plain SafeContents.
	pk8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("PKCS#12 key: %w", err)
	}
	shrouded, err := encryptPKCS8(pk8, []byte(password), pkcs12Iterations)
	if err != nil {
		return nil, err
	}
	keyContents, err := asn1.Marshal([]p12SafeBag{{ID: oidShroudedKeyBag, Value: explicit0(shrouded), Attributes: leafAttrs}})
	if err != nil {
		return nil, err
	}
	keyData, err := asn1.Marshal(keyContents) // an OCTET STRING
	if err != nil {
		return nil, err
	}

	authSafe, err := asn1.Marshal([]p12ContentInfo{
		{ContentType: oidEncryptedDataContent, Content: explicit0(encData)},
		{ContentType: oidDataContentType, Content: explicit0(keyData)},
	})
	if err != nil {
		return nil, err
	}
	authSafeData, err := asn1.Marshal(authSafe)
	if err != nil {
		return nil, err
	}

	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return nil, err
	}
	mac := hmac.New(sha256.New, pkcs12KDF(sha256.New, 3, bmpPass, salt, pkcs12Iterations, sha256.Size))
	mac.Write(authSafe)
	return asn1.Marshal(p12PFX{
		Version:  3,
		AuthSafe: p12ContentInfo{ContentType: oidDataContentType, Content: explicit0(authSafeData)},
		MacData: p12MacData{Mac: p12DigestInfo{Algorithm: pkix.AlgorithmIdentifier{Algorithm: oidSHA256, Parameters: asn1.NullRawValue}, Digest: mac.Sum(nil)},
			MacSalt: salt, Iterations: pkcs12Iterations},
	})
}

// explicit0 wraps DER in [0] EXPLICIT. (encoding/asn1 writes a RawValue's
// FullBytes as they are, ignoring the field's tag, so the wrapper is spelled out.)
func explicit0(der []byte) asn1.RawValue {
	return asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: der}
}

// attribute is a bag attribute holding one value.
func attribute(id asn1.ObjectIdentifier, v asn1.RawValue) p12BagAttribute {
	b, _ := asn1.Marshal(v) // a RawValue with Tag and Bytes always marshals
	return p12BagAttribute{ID: id, Values: asn1.RawValue{Tag: asn1.TagSet, IsCompound: true, Bytes: b}}
}

// bmpString is s in UTF-16 big-endian (ASN.1 BMPString), with the two zero
// bytes RFC 7292 appends to a password.
func bmpString(s string, terminate bool) ([]byte, error) {
	var out []byte
	for _, r := range s {
		if r > 0xFFFF {
			return nil, fmt.Errorf("%q is outside the Basic Multilingual Plane", r)
		}
		for _, u := range utf16.Encode([]rune{r}) {
			out = append(out, byte(u>>8), byte(u))
		}
	}
	if terminate {
		out = append(out, 0, 0)
	}
	return out, nil
}
