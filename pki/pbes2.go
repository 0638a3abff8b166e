package pki

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
)

// PBKDF2Iterations is the work factor for encrypted keys (OWASP 2023 for
// PBKDF2-HMAC-SHA256).
const PBKDF2Iterations = 600_000

var (
	oidPBES2      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}
	oidPBKDF2     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12}
	oidHMACSHA256 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 9}
	oidHMACSHA1   = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 7}
	oidAES256CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 42}
	oidAES128CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 2}
	oidAES192CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 22}
)

// ErrWrongPassphrase is returned when an encrypted key does not open.
var ErrWrongPassphrase = errors.New("wrong passphrase (the key did not decrypt)")

type encryptedPrivateKeyInfo struct {
	Algo pkix.AlgorithmIdentifier
	Data []byte
}

type pbes2Params struct {
	KDF    pkix.AlgorithmIdentifier
	Cipher pkix.AlgorithmIdentifier
}

type pbkdf2Params struct {
	Salt       []byte
	Iterations int
	KeyLen     int                      `asn1:"optional"`
	PRF        pkix.AlgorithmIdentifier `asn1:"optional"`
}

// EncryptPKCS8 wraps PKCS#8 DER in PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC),
// the form openssl 3 writes for "ENCRYPTED PRIVATE KEY".
func EncryptPKCS8(der, passphrase []byte) ([]byte, error) {
	return encryptPKCS8(der, passphrase, PBKDF2Iterations)
}

func encryptPKCS8(der, passphrase []byte, iter int) ([]byte, error) {
	if len(passphrase) == 0 {
		return nil, errors.New("empty passphrase")
	}
	salt := make([]byte, 16)
	iv := make([]byte, aes.BlockSize)
	if _, err := rand.Read(salt); err != nil {
		return nil, err
	}
	if _, err := rand.Read(iv); err != nil {
		return nil, err
	}
	key, err := pbkdf2.Key(sha256.New, string(passphrase), salt, iter, 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	pad := aes.BlockSize - len(der)%aes.BlockSize
	buf := make([]byte, len(der)+pad)
	copy(buf, der)
	for i := len(der); i < len(buf); i++ {
		buf[i] = byte(pad)
	}
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(buf, buf)

	nullParams := asn1.RawValue{Tag: asn1.TagNull}
	kdfParams, err := asn1.Marshal(pbkdf2Params{Salt: salt, Iterations: iter,
		PRF: pkix.AlgorithmIdentifier{Algorithm: oidHMACSHA256, Parameters: nullParams}})
	if err != nil {
		return nil, err
	}
	ivDER, err := asn1.Marshal(iv)
	if err != nil {
		return nil, err
	}
	params, err := asn1.Marshal(pbes2Params{
		KDF:    pkix.AlgorithmIdentifier{Algorithm: oidPBKDF2, Parameters: asn1.RawValue{FullBytes: kdfParams}},
		Cipher: pkix.AlgorithmIdentifier{Algorithm: oidAES256CBC, Parameters: asn1.RawValue{FullBytes: ivDER}},
	})
	if err != nil {
		return nil, err
	}
	return asn1.Marshal(encryptedPrivateKeyInfo{
		Algo: pkix.AlgorithmIdentifier{Algorithm: oidPBES2, Parameters: asn1.RawValue{FullBytes: params}},
		Data: buf,
	})
}

// DecryptPKCS8 opens an EncryptedPrivateKeyInfo in every form openssl
// writes or wrote: PBES2 (PBKDF2 with HMAC-SHA1/SHA224/SHA256/SHA384/SHA512;
// AES-128/192/256-CBC, DES-EDE3-CBC or DES-CBC) and PBES1 (MD5 or SHA-1 with
// DES-CBC, "pkcs8 -topk8 -v1" of every openssl) and the PKCS#12
// SHA-1/3DES scheme ("-v1 PBE-SHA1-3DES"). It returns the PKCS#8 DER.
func DecryptPKCS8(der, passphrase []byte) ([]byte, error) {
	var info encryptedPrivateKeyInfo
	if rest, err := asn1.Unmarshal(der, &info); err != nil || len(rest) != 0 {
		return nil, fmt.Errorf("encrypted private key: not a PKCS#8 EncryptedPrivateKeyInfo")
	}
	var (
		block cipher.Block
		iv    []byte
		err   error
	)
	switch {
	case info.Algo.Algorithm.Equal(oidPBES2):
		block, iv, err = pbes2Cipher(info.Algo.Parameters.FullBytes, passphrase)
	case pbes1Hash(info.Algo.Algorithm) != nil:
		block, iv, err = pbes1Cipher(info.Algo.Algorithm, info.Algo.Parameters.FullBytes, passphrase)
	case isPKCS12PBE(info.Algo.Algorithm):
		block, iv, err = pkcs12PBECipher(info.Algo.Algorithm, info.Algo.Parameters.FullBytes, passphrase)
	default:
		return nil, fmt.Errorf("encrypted private key: scheme %v is not supported (expected PBES2, PBES1 or PKCS#12 3DES)", info.Algo.Algorithm)
	}
	if err != nil {
		return nil, err
	}
	out, err := cbcOpen(block, iv, info.Data)
	if err != nil {
		return nil, err
	}
	if _, err := asn1.Unmarshal(out, &asn1.RawValue{}); err != nil {
		return nil, ErrWrongPassphrase
	}
	return out, nil
}

// pbes2Cipher derives the key of a PBES2 scheme (RFC 8018 §6.2) and returns
// the cipher and IV.
func pbes2Cipher(params, passphrase []byte) (cipher.Block, []byte, error) {
	var p pbes2Params
	if _, err := asn1.Unmarshal(params, &p); err != nil {
		return nil, nil, fmt.Errorf("encrypted private key: bad PBES2 parameters: %w", err)
	}
	if !p.KDF.Algorithm.Equal(oidPBKDF2) {
		return nil, nil, fmt.Errorf("encrypted private key: key derivation %v is not supported (expected PBKDF2)", p.KDF.Algorithm)
	}
	var kp pbkdf2Params
	if _, err := asn1.Unmarshal(p.KDF.Parameters.FullBytes, &kp); err != nil {
		return nil, nil, fmt.Errorf("encrypted private key: bad PBKDF2 parameters: %w", err)
	}
	if err := checkIterations("PBKDF2 iteration count", int64(kp.Iterations)); err != nil {
		return nil, nil, fmt.Errorf("encrypted private key: %w", err)
	}
	h, ok := pbkdf2PRF(kp.PRF.Algorithm)
	if !ok {
		return nil, nil, fmt.Errorf("encrypted private key: PRF %v is not supported (expected HMAC with SHA-1 or SHA-2)", kp.PRF.Algorithm)
	}
	c, ok := cbcCipherByOID(p.Cipher.Algorithm)
	if !ok {
		return nil, nil, fmt.Errorf("encrypted private key: cipher %v is not supported (expected AES-CBC, DES-EDE3-CBC or DES-CBC)", p.Cipher.Algorithm)
	}
	if kp.KeyLen != 0 && kp.KeyLen != c.keyLen {
		return nil, nil, fmt.Errorf("encrypted private key: PBKDF2 key length %d does not fit %s (%d bytes)", kp.KeyLen, c.name, c.keyLen)
	}
	var iv []byte
	if _, err := asn1.Unmarshal(p.Cipher.Parameters.FullBytes, &iv); err != nil || len(iv) != c.blockSize {
		return nil, nil, fmt.Errorf("encrypted private key: bad IV for %s (expected %d bytes)", c.name, c.blockSize)
	}
	key, err := pbkdf2.Key(h, string(passphrase), kp.Salt, kp.Iterations, c.keyLen)
	if err != nil {
		return nil, nil, err
	}
	block, err := c.newCipher(key)
	if err != nil {
		return nil, nil, err
	}
	return block, iv, nil
}

// cbcOpen decrypts CBC data and removes its PKCS#7 padding; bad padding
// almost always means a wrong passphrase.
func cbcOpen(block cipher.Block, iv, data []byte) ([]byte, error) {
	bs := block.BlockSize()
	if len(data) == 0 || len(data)%bs != 0 {
		return nil, fmt.Errorf("encrypted private key: ciphertext is not a whole number of %d-byte blocks", bs)
	}
	out := make([]byte, len(data))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(out, data)
	pad := int(out[len(out)-1])
	if pad == 0 || pad > bs {
		return nil, ErrWrongPassphrase
	}
	for _, b := range out[len(out)-pad:] {
		if int(b) != pad {
			return nil, ErrWrongPassphrase
		}
	}
	return out[:len(out)-pad], nil
}
