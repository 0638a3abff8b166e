package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/md5"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"errors"
	"fmt"
)

// WeakSignature reports whether alg uses a digest that is broken for
// signatures (MD5, SHA-1).
func WeakSignature(alg x509.SignatureAlgorithm) bool {
	switch alg {
	case x509.MD5WithRSA, x509.SHA1WithRSA, x509.ECDSAWithSHA1, x509.DSAWithSHA1:
		return true
	}
	return false
}

// CheckCRLSignature checks that issuer signed crl. crypto/x509 refuses to
// check MD5 and SHA-1 signatures at all, and so cannot tell a weak CRL
// from a forged one; openssl checks them (`openssl ca -gencrl` with
// default_md = md5, as in the seeds, writes such CRLs). Those are checked
// here with the hash itself, and weak says the CRL is genuine but signed
// with a broken digest: a weakness to report, not a forgery.
func CheckCRLSignature(crl *x509.RevocationList, issuer *x509.Certificate) (weak bool, err error) {
	err = crl.CheckSignatureFrom(issuer)
	if err == nil {
		// crypto/x509 still checks SHA-1; it is as weak as it was.
		return WeakSignature(crl.SignatureAlgorithm), nil
	}
	var insecure x509.InsecureAlgorithmError
	if !errors.As(err, &insecure) || !WeakSignature(crl.SignatureAlgorithm) {
		return false, err
	}
	// The issuer rules CheckSignatureFrom applies before the signature.
	if issuer.Version == 3 && !issuer.BasicConstraintsValid || issuer.BasicConstraintsValid && !issuer.IsCA {
		return false, x509.ConstraintViolationError{}
	}
	if issuer.KeyUsage != 0 && issuer.KeyUsage&x509.KeyUsageCRLSign == 0 {
		return false, x509.ConstraintViolationError{}
	}
	if err := checkWeakSignature(crl.SignatureAlgorithm, crl.RawTBSRevocationList, crl.Signature, issuer.PublicKey); err != nil {
		return false, err
	}
	return true, nil
}

func checkWeakSignature(alg x509.SignatureAlgorithm, signed, sig []byte, pub crypto.PublicKey) error {
	var h crypto.Hash
	var digest []byte
	switch alg {
	case x509.MD5WithRSA:
		d := md5.Sum(signed)
		h, digest = crypto.MD5, d[:]
	case x509.SHA1WithRSA, x509.ECDSAWithSHA1:
		d := sha1.Sum(signed)
		h, digest = crypto.SHA1, d[:]
	default:
		return fmt.Errorf("signature algorithm %v is not supported", alg)
	}
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if alg == x509.ECDSAWithSHA1 {
			return errors.New("an ECDSA signature from an RSA key")
		}
		if err := rsa.VerifyPKCS1v15(k, h, digest, sig); err != nil {
			return fmt.Errorf("%v signature does not verify with the issuer's key: %w", alg, err)
		}
		return nil
	case *ecdsa.PublicKey:
		if alg != x509.ECDSAWithSHA1 {
			return fmt.Errorf("an %v signature from an ECDSA key", alg)
		}
		if !ecdsa.VerifyASN1(k, digest, sig) {
			return fmt.Errorf("%v signature does not verify with the issuer's key", alg)
		}
		return nil
	}
	return fmt.Errorf("%v signature with a %T key", alg, pub)
}
