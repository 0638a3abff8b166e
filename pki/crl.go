package pki

import (
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"fmt"
	"math/big"
	"strings"
	"time"
)

// Reason is an RFC 5280 CRL reason code.
type Reason int

// The reason names, as openssl's index.txt and `openssl ca -crl_reason` spell them.
var reasonNames = map[Reason]string{
	0: "unspecified", 1: "keyCompromise", 2: "CACompromise", 3: "affiliationChanged",
	4: "superseded", 5: "cessationOfOperation", 6: "certificateHold",
	8: "removeFromCRL", 9: "privilegeWithdrawn", 10: "AACompromise",
}

// ReasonNames lists the reasons a user can give, in code order.
var ReasonNames = []string{"unspecified", "keyCompromise", "CACompromise", "affiliationChanged",
	"superseded", "cessationOfOperation", "certificateHold", "privilegeWithdrawn", "AACompromise"}

func (r Reason) String() string {
	if n, ok := reasonNames[r]; ok {
		return n
	}
	return fmt.Sprintf("reason(%d)", int(r))
}

// ParseReason accepts a reason name in any case.
func ParseReason(s string) (Reason, error) {
	if s == "" {
		return 0, nil
	}
	for code, n := range reasonNames {
		if strings.EqualFold(n, s) && code != 8 {
			return code, nil
		}
	}
	return 0, fmt.Errorf("unknown revocation reason %q (expected one of %s)", s, strings.Join(ReasonNames, ", "))
}

// Revocation is one entry of a CRL.
type Revocation struct {
	Serial *big.Int
	Time   time.Time
	Reason Reason
}

// CRLRequest describes a CRL to sign.
type CRLRequest struct {
	Number     *big.Int
	ThisUpdate time.Time
	NextUpdate time.Time
	Revoked    []Revocation
}

// CreateCRL signs a v2 CRL with the CA's key. The AKI comes from the CA's SKI.
func CreateCRL(r CRLRequest, ca *x509.Certificate, key crypto.Signer) ([]byte, error) {
	if !r.NextUpdate.After(r.ThisUpdate) {
		return nil, &RequestError{"next-update", "must be later than this update"}
	}
	if ca.KeyUsage != 0 && ca.KeyUsage&x509.KeyUsageCRLSign == 0 {
		return nil, &RequestError{"issuer", fmt.Sprintf("%s lacks the cRLSign key usage", FormatName(ca.Subject))}
	}
	if ca.KeyUsage == 0 || len(ca.SubjectKeyId) == 0 {
		// No keyUsage extension (an X.509 v1 CA such as the seeds' `openssl
		// req -x509` CAs) allows every usage (RFC 5280 4.2.1.3), and openssl
		// ca -gencrl signs with it; crypto/x509 insists on the cRLSign bit
		// and on an SKI to copy into the CRL's AKI, which it reads from
		// these fields only, so they are set on a copy. The AKI is then the
		// one SignTemplate gives the certificates such a CA issues.
		lifted := *ca
		if lifted.KeyUsage == 0 {
			lifted.KeyUsage = x509.KeyUsageCRLSign
		}
		if len(lifted.SubjectKeyId) == 0 {
			ski, err := SubjectKeyID(ca.PublicKey)
			if err != nil {
				return nil, err
			}
			lifted.SubjectKeyId = ski
		}
		ca = &lifted
	}
	if len(r.Revoked) > 64 {
		if der, err := createCRLFast(r, ca, key); err == nil {
			return der, nil
		}
		// RSA-PSS or an unexpected layout: crypto/x509 does it, slower.
	}
	entries := make([]x509.RevocationListEntry, len(r.Revoked))
	for i, e := range r.Revoked {
		entries[i] = x509.RevocationListEntry{SerialNumber: e.Serial, RevocationTime: e.Time.UTC(), ReasonCode: int(e.Reason)}
	}
	der, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
		Number: r.Number, ThisUpdate: r.ThisUpdate.UTC(), NextUpdate: r.NextUpdate.UTC(),
		RevokedCertificateEntries: entries,
	}, ca, key)
	if err != nil {
		return nil, fmt.Errorf("signing CRL: %w", err)
	}
	return der, nil
}
