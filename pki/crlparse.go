package pki

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"time"
)

// ParseCRL parses a DER CRL like x509.ParseRevocationList and, where that
// fails, also accepts an X.509 v1 CRL (no version, no extensions), which Go
// refuses but `openssl ca -gencrl` writes when there is no crlnumber file
// (the seeds' ca-crl.pem) and which openssl and Node.js check happily.
func ParseCRL(der []byte) (*x509.RevocationList, error) {
	crl, err := x509.ParseRevocationList(der)
	if err == nil {
		return crl, nil
	}
	if v1, v1err := parseV1CRL(der); v1err == nil {
		return v1, nil
	}
	return nil, err
}

type v1CertList struct {
	Raw       asn1.RawContent
	TBS       v1TBSCertList
	Algorithm pkix.AlgorithmIdentifier
	Signature asn1.BitString
}

// v1TBSCertList has no version field: its first element must be the
// signature AlgorithmIdentifier, so a v2 CRL never parses as one.
type v1TBSCertList struct {
	Raw        asn1.RawContent
	Algorithm  pkix.AlgorithmIdentifier
	Issuer     asn1.RawValue
	ThisUpdate time.Time
	NextUpdate time.Time    `asn1:"optional"`
	Revoked    []v1CRLEntry `asn1:"optional"`
}

type v1CRLEntry struct {
	Serial *big.Int
	Time   time.Time
}

// sigAlgs maps the signature OIDs openssl uses to Go's constants.
var sigAlgs = map[string]x509.SignatureAlgorithm{
	"1.2.840.113549.1.1.4":  x509.MD5WithRSA,
	"1.2.840.113549.1.1.5":  x509.SHA1WithRSA,
	"1.2.840.113549.1.1.11": x509.SHA256WithRSA,
	"1.2.840.113549.1.1.12": x509.SHA384WithRSA,
	"1.2.840.113549.1.1.13": x509.SHA512WithRSA,
	"1.2.840.10045.4.1":     x509.ECDSAWithSHA1,
	"1.2.840.10045.4.3.2":   x509.ECDSAWithSHA256,
	"1.2.840.10045.4.3.3":   x509.ECDSAWithSHA384,
	"1.2.840.10045.4.3.4":   x509.ECDSAWithSHA512,
	"1.3.101.112":           x509.PureEd25519,
}

func parseV1CRL(der []byte) (*x509.RevocationList, error) {
	var cl v1CertList
	rest, err := asn1.Unmarshal(der, &cl)
	if err != nil {
		return nil, err
	}
	if len(rest) > 0 {
		return nil, errors.New("trailing data after CRL")
	}
	alg, ok := sigAlgs[cl.Algorithm.Algorithm.String()]
	if !ok {
		return nil, fmt.Errorf("unsupported CRL signature algorithm %s", cl.Algorithm.Algorithm)
	}
	if !cl.TBS.Algorithm.Algorithm.Equal(cl.Algorithm.Algorithm) {
		return nil, errors.New("inner and outer signature algorithms differ")
	}
	var rdn pkix.RDNSequence
	if rest, err := asn1.Unmarshal(cl.TBS.Issuer.FullBytes, &rdn); err != nil || len(rest) > 0 {
		return nil, errors.New("malformed CRL issuer")
	}
	crl := &x509.RevocationList{
		Raw:                  der,
		RawTBSRevocationList: cl.TBS.Raw,
		RawIssuer:            cl.TBS.Issuer.FullBytes,
		Signature:            cl.Signature.RightAlign(),
		SignatureAlgorithm:   alg,
		ThisUpdate:           cl.TBS.ThisUpdate,
		NextUpdate:           cl.TBS.NextUpdate,
	}
	crl.Issuer.FillFromRDNSequence(&rdn)
	for _, e := range cl.TBS.Revoked {
		if e.Serial == nil {
			return nil, errors.New("CRL entry without serial")
		}
		crl.RevokedCertificateEntries = append(crl.RevokedCertificateEntries, x509.RevocationListEntry{SerialNumber: e.Serial, RevocationTime: e.Time})
	}
	return crl, nil
}
