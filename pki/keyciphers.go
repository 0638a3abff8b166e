package pki

import (
	"bytes"
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strings"
)

// The ciphers and digests of the encrypted key forms openssl writes: PBES2
// in PKCS#8 (openssl 1.1+, and "req -keyout" with DES-EDE3-CBC), PBES1
// ("pkcs8 -topk8 -v1"), PKCS#12 PBE and the traditional PEM "Proc-Type:
// 4,ENCRYPTED" headers ("genrsa -aes256" before 3.0, "rsa -des3
// -traditional", "ec -aes128"). DES and MD5 are read, never written: these
// keys exist and must open.

var (
	oidDESEDE3CBC = asn1.ObjectIdentifier{1, 2, 840, 113549, 3, 7}
	oidDESCBC     = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 7}

	oidHMACSHA224 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 8}
	oidHMACSHA384 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 10}
	oidHMACSHA512 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 11}

	oidPBEWithMD5AndDESCBC  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 3}
	oidPBEWithSHA1AndDESCBC = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 10}
)

// cbcCipher describes one block cipher used in CBC mode.
type cbcCipher struct {
	name      string // as in DEK-Info
	keyLen    int
	blockSize int
	newCipher func(key []byte) (cipher.Block, error)
}

var (
	cipherAES128  = cbcCipher{"AES-128-CBC", 16, aes.BlockSize, aes.NewCipher}
	cipherAES192  = cbcCipher{"AES-192-CBC", 24, aes.BlockSize, aes.NewCipher}
	cipherAES256  = cbcCipher{"AES-256-CBC", 32, aes.BlockSize, aes.NewCipher}
	cipherDESEDE3 = cbcCipher{"DES-EDE3-CBC", 24, des.BlockSize, des.NewTripleDESCipher}
	cipherDES     = cbcCipher{"DES-CBC", 8, des.BlockSize, des.NewCipher}
)

func cbcCipherByOID(oid asn1.ObjectIdentifier) (cbcCipher, bool) {
	switch {
	case oid.Equal(oidAES128CBC):
		return cipherAES128, true
	case oid.Equal(oidAES192CBC):
		return cipherAES192, true
	case oid.Equal(oidAES256CBC):
		return cipherAES256, true
	case oid.Equal(oidDESEDE3CBC):
		return cipherDESEDE3, true
	case oid.Equal(oidDESCBC):
		return cipherDES, true
	}
	return cbcCipher{}, false
}

func cbcCipherByName(name string) (cbcCipher, bool) {
	for _, c := range []cbcCipher{cipherAES128, cipherAES192, cipherAES256, cipherDESEDE3, cipherDES} {
		if strings.EqualFold(name, c.name) {
			return c, true
		}
	}
	return cbcCipher{}, false
}

// pbkdf2PRF maps the PBKDF2 PRF identifier to its hash; an absent PRF is
// HMAC-SHA1 (RFC 8018 §A.2).
func pbkdf2PRF(oid asn1.ObjectIdentifier) (func() hash.Hash, bool) {
	switch {
	case len(oid) == 0 || oid.Equal(oidHMACSHA1):
		return sha1.New, true
	case oid.Equal(oidHMACSHA224):
		return sha256.New224, true
	case oid.Equal(oidHMACSHA256):
		return sha256.New, true
	case oid.Equal(oidHMACSHA384):
		return sha512.New384, true
	case oid.Equal(oidHMACSHA512):
		return sha512.New, true
	}
	return nil, false
}

// pbes1Hash is the digest of a PBES1 DES scheme, nil for other schemes.
func pbes1Hash(oid asn1.ObjectIdentifier) func() hash.Hash {
	switch {
	case oid.Equal(oidPBEWithMD5AndDESCBC):
		return md5.New
	case oid.Equal(oidPBEWithSHA1AndDESCBC):
		return sha1.New
	}
	return nil
}

type pbes1Params struct {
	Salt       []byte
	Iterations int
}

// pbes1Cipher derives DES key and IV with PBKDF1 (RFC 8018 §6.1).
func pbes1Cipher(oid asn1.ObjectIdentifier, params, passphrase []byte) (cipher.Block, []byte, error) {
	var p pbes1Params
	if rest, err := asn1.Unmarshal(params, &p); err != nil || len(rest) != 0 || len(p.Salt) != 8 {
		return nil, nil, errors.New("encrypted private key: bad PBES1 parameters (expected an 8-byte salt and an iteration count)")
	}
	if p.Iterations <= 0 || p.Iterations > 10_000_000 {
		return nil, nil, fmt.Errorf("encrypted private key: implausible iteration count %d", p.Iterations)
	}
	h := pbes1Hash(oid)()
	h.Write(passphrase)
	h.Write(p.Salt)
	dk := h.Sum(nil)
	for i := 1; i < p.Iterations; i++ {
		h.Reset()
		h.Write(dk)
		dk = h.Sum(dk[:0])
	}
	block, err := des.NewCipher(dk[:8])
	if err != nil {
		return nil, nil, err
	}
	return block, dk[8:16], nil
}

// LegacyPEMEncryption is the DEK-Info of a traditional encrypted PEM key.
type LegacyPEMEncryption struct {
	Cipher string // e.g. "AES-256-CBC", "DES-EDE3-CBC"
	IV     []byte
}

// parseDEKInfo reads the headers of a "Proc-Type: 4,ENCRYPTED" block.
func parseDEKInfo(headers map[string]string) (*LegacyPEMEncryption, error) {
	v := headers["DEK-Info"]
	name, ivHex, ok := strings.Cut(v, ",")
	if !ok {
		return nil, fmt.Errorf("encrypted PEM key: DEK-Info %q is not CIPHER,IV", v)
	}
	c, ok := cbcCipherByName(strings.TrimSpace(name))
	if !ok {
		return nil, fmt.Errorf("encrypted PEM key: DEK-Info cipher %q is not supported (expected AES-128/192/256-CBC, DES-EDE3-CBC or DES-CBC)", name)
	}
	iv, err := hex.DecodeString(strings.TrimSpace(ivHex))
	if err != nil || len(iv) != c.blockSize {
		return nil, fmt.Errorf("encrypted PEM key: DEK-Info IV %q is not %d hex bytes", ivHex, c.blockSize)
	}
	return &LegacyPEMEncryption{Cipher: c.name, IV: iv}, nil
}

// decryptLegacyPEM opens a traditional encrypted PEM body: the key is
// openssl's EVP_BytesToKey(MD5, one round, salt = first 8 bytes of the IV).
func decryptLegacyPEM(enc *LegacyPEMEncryption, body, passphrase []byte) ([]byte, error) {
	c, ok := cbcCipherByName(enc.Cipher)
	if !ok || len(enc.IV) != c.blockSize {
		return nil, fmt.Errorf("encrypted PEM key: cipher %q is not supported", enc.Cipher)
	}
	salt := enc.IV[:8]
	var key, prev []byte
	for len(key) < c.keyLen {
		h := md5.New()
		h.Write(prev)
		h.Write(passphrase)
		h.Write(salt)
		prev = h.Sum(nil)
		key = append(key, prev...)
	}
	block, err := c.newCipher(key[:c.keyLen])
	if err != nil {
		return nil, err
	}
	return cbcOpen(block, enc.IV, body)
}

// DecryptObject opens an encrypted key found by Decode, whichever form it
// has (PKCS#8 or traditional PEM).
func DecryptObject(o Object, passphrase []byte) (crypto.Signer, error) {
	if o.Kind != KindEncryptedKey {
		return nil, fmt.Errorf("%s is not an encrypted private key", o.Kind)
	}
	if o.Legacy == nil {
		return DecryptKey(o.DER, passphrase)
	}
	plain, err := decryptLegacyPEM(o.Legacy, o.DER, passphrase)
	if err != nil {
		return nil, err
	}
	k, err := ParsePrivateKey(plain)
	if err != nil {
		// Padding can survive a wrong passphrase by chance (1 in 256).
		return nil, fmt.Errorf("%w (%v)", ErrWrongPassphrase, err)
	}
	return k, nil
}

var (
	oidPBEWithSHAAnd3KeyTripleDESCBC = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1, 3}
	oidPBEWithSHAAnd2KeyTripleDESCBC = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1, 4}
)

// isPKCS12PBE reports the PKCS#12 password-based schemes read here (openssl
// "pkcs8 -topk8 -v1 PBE-SHA1-3DES", the form Java and older tools exchange).
func isPKCS12PBE(oid asn1.ObjectIdentifier) bool {
	return oid.Equal(oidPBEWithSHAAnd3KeyTripleDESCBC) || oid.Equal(oidPBEWithSHAAnd2KeyTripleDESCBC)
}

// pkcs12PBECipher derives the 3DES key and IV with the PKCS#12 KDF.
func pkcs12PBECipher(oid asn1.ObjectIdentifier, params, passphrase []byte) (cipher.Block, []byte, error) {
	var p pbes1Params
	if rest, err := asn1.Unmarshal(params, &p); err != nil || len(rest) != 0 || len(p.Salt) == 0 {
		return nil, nil, errors.New("encrypted private key: bad PKCS#12 PBE parameters (expected a salt and an iteration count)")
	}
	if p.Iterations <= 0 || p.Iterations > 10_000_000 {
		return nil, nil, fmt.Errorf("encrypted private key: implausible iteration count %d", p.Iterations)
	}
	pw := bmpPassword(passphrase)
	keyLen := 24
	if oid.Equal(oidPBEWithSHAAnd2KeyTripleDESCBC) {
		keyLen = 16
	}
	key := pkcs12KDF(sha1.New, 1, pw, p.Salt, p.Iterations, keyLen)
	if keyLen == 16 {
		key = append(key, key[:8]...) // two-key 3DES: K1, K2, K1
	}
	iv := pkcs12KDF(sha1.New, 2, pw, p.Salt, p.Iterations, 8)
	block, err := des.NewTripleDESCipher(key)
	if err != nil {
		return nil, nil, err
	}
	return block, iv, nil
}

// bmpPassword is the PKCS#12 password encoding: UTF-16BE with a two-byte
// zero terminator.
func bmpPassword(p []byte) []byte {
	var out []byte
	for _, r := range string(p) {
		if r > 0xffff {
			r = 0xfffd // outside the BMP; openssl would not have encoded it either
		}
		out = append(out, byte(r>>8), byte(r))
	}
	return append(out, 0, 0)
}

// pkcs12KDF is RFC 7292 appendix B.2 with the hash newHash (v = 64: SHA-1
// for the PBE schemes that read keys, SHA-256 for the MAC pkibench writes).
func pkcs12KDF(newHash func() hash.Hash, id byte, pw, salt []byte, iter, n int) []byte {
	const v = 64
	u := newHash().Size()
	fill := func(b []byte) []byte {
		if len(b) == 0 {
			return nil
		}
		out := make([]byte, v*((len(b)+v-1)/v))
		for i := range out {
			out[i] = b[i%len(b)]
		}
		return out
	}
	d := bytes.Repeat([]byte{id}, v)
	in := append(fill(salt), fill(pw)...)
	var out []byte
	for len(out) < n {
		h := newHash()
		h.Write(d)
		h.Write(in)
		a := h.Sum(nil)
		for i := 1; i < iter; i++ {
			h.Reset()
			h.Write(a)
			a = h.Sum(a[:0])
		}
		out = append(out, a...)
		// I_j = (I_j + B + 1) mod 2^(8v), B = A repeated to v bytes.
		b := make([]byte, v)
		for i := range b {
			b[i] = a[i%u]
		}
		for j := 0; j < len(in); j += v {
			carry := 1
			for k := v - 1; k >= 0; k-- {
				s := int(in[j+k]) + int(b[k]) + carry
				in[j+k] = byte(s)
				carry = s >> 8
			}
		}
	}
	return out[:n]
}
