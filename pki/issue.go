package pki

import (
	"crypto"
	"crypto/rand"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/url"
	"time"
)

// NameConstraints are the permitted and excluded subtrees of a CA.
type NameConstraints struct {
	PermittedDNS   []string
	ExcludedDNS    []string
	PermittedIP    []*net.IPNet
	ExcludedIP     []*net.IPNet
	PermittedEmail []string
	ExcludedEmail  []string
}

func (n NameConstraints) empty() bool {
	return len(n.PermittedDNS)+len(n.ExcludedDNS)+len(n.PermittedIP)+len(n.ExcludedIP)+
		len(n.PermittedEmail)+len(n.ExcludedEmail) == 0
}

// Request describes a certificate to issue.
type Request struct {
	Subject   pkix.Name
	Profile   Profile
	DNS       []string
	IPs       []net.IP
	Emails    []string
	URIs      []*url.URL
	NotBefore time.Time
	NotAfter  time.Time
	// PathLen limits the CAs below an intermediate; nil means no limit.
	PathLen     *int
	Constraints NameConstraints
	CRLURL      string // CRL distribution point
	AIAURL      string // CA issuers URL
	PublicKey   crypto.PublicKey
	// Serial is chosen at random when nil.
	Serial *big.Int
}

// RequestError names the field of a Request that is wrong.
type RequestError struct {
	Field  string
	Reason string
}

func (e *RequestError) Error() string { return e.Field + ": " + e.Reason }

// NewSerial returns 16 random bytes as a positive, non-zero serial with the
// top bit cleared (so the DER INTEGER stays 16 bytes, as CA/B asks).
func NewSerial() (*big.Int, error) {
	b := make([]byte, 16)
	for {
		if _, err := rand.Read(b); err != nil {
			return nil, err
		}
		b[0] &= 0x7f
		n := new(big.Int).SetBytes(b)
		if n.Sign() > 0 {
			return n, nil
		}
	}
}

// Validate checks the request against its profile.
func (r *Request) Validate() error {
	if r.PublicKey == nil {
		return &RequestError{"key", "no public key"}
	}
	if !r.NotAfter.After(r.NotBefore) {
		return &RequestError{"validity", fmt.Sprintf("not after (%s) must be later than not before (%s)", r.NotAfter.UTC().Format(time.RFC3339), r.NotBefore.UTC().Format(time.RFC3339))}
	}
	switch r.Profile {
	case ProfileRootCA, ProfileIntermediateCA, ProfileClient, ProfileServerClient:
	case ProfileServer:
		if len(r.DNS)+len(r.IPs) == 0 {
			return &RequestError{"san", "a server certificate needs at least one DNS name or IP address (--dns or --ip); clients check the SAN, not the CN"}
		}
	default:
		return &RequestError{"profile", fmt.Sprintf("unknown profile %q", r.Profile)}
	}
	if r.PathLen != nil && (*r.PathLen < 0 || !r.Profile.IsCA()) {
		return &RequestError{"path-len", "a path length needs a CA profile and a value >= 0"}
	}
	if !r.Constraints.empty() && !r.Profile.IsCA() {
		return &RequestError{"name-constraints", "name constraints belong on a CA certificate"}
	}
	if len(r.Subject.Names)+len(r.Subject.ExtraNames) == 0 && r.Subject.CommonName == "" &&
		len(r.Subject.Organization) == 0 && len(r.DNS)+len(r.IPs)+len(r.Emails)+len(r.URIs) == 0 {
		return &RequestError{"subject", "a certificate needs a subject or at least one SAN"}
	}
	return SANs{DNS: r.DNS, IPs: r.IPs, Emails: r.Emails, URIs: r.URIs}.Check()
}

// Template builds the certificate template for r. Callers that need to
// break a rule on purpose (the lab) may change the template before SignTemplate.
func Template(r Request) (*x509.Certificate, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	serial := r.Serial
	if serial == nil {
		var err error
		if serial, err = NewSerial(); err != nil {
			return nil, err
		}
	}
	t := &x509.Certificate{
		SerialNumber:   serial,
		Subject:        r.Subject,
		NotBefore:      r.NotBefore.UTC().Truncate(time.Second),
		NotAfter:       r.NotAfter.UTC().Truncate(time.Second),
		DNSNames:       r.DNS,
		IPAddresses:    r.IPs,
		EmailAddresses: r.Emails,
		URIs:           r.URIs,
		PublicKey:      r.PublicKey,
	}
	ski, err := SubjectKeyID(r.PublicKey)
	if err != nil {
		return nil, err
	}
	t.SubjectKeyId = ski
	switch r.Profile {
	case ProfileRootCA, ProfileIntermediateCA:
		t.IsCA = true
		t.BasicConstraintsValid = true
		t.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
		if r.PathLen != nil {
			t.MaxPathLen = *r.PathLen
			t.MaxPathLenZero = *r.PathLen == 0
		} else {
			t.MaxPathLen = -1
		}
		c := r.Constraints
		t.PermittedDNSDomains, t.ExcludedDNSDomains = c.PermittedDNS, c.ExcludedDNS
		t.PermittedIPRanges, t.ExcludedIPRanges = c.PermittedIP, c.ExcludedIP
		t.PermittedEmailAddresses, t.ExcludedEmailAddresses = c.PermittedEmail, c.ExcludedEmail
		t.PermittedDNSDomainsCritical = !c.empty()
	default:
		t.BasicConstraintsValid = true
		t.KeyUsage = x509.KeyUsageDigitalSignature
		if isRSA(r.PublicKey) && r.Profile != ProfileClient {
			t.KeyUsage |= x509.KeyUsageKeyEncipherment
		}
		switch r.Profile {
		case ProfileServer:
			t.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		case ProfileClient:
			t.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
		case ProfileServerClient:
			t.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}
		}
	}
	if r.CRLURL != "" {
		t.CRLDistributionPoints = []string{r.CRLURL}
	}
	if r.AIAURL != "" {
		t.IssuingCertificateURL = []string{r.AIAURL}
	}
	return t, nil
}

// SignTemplate signs t with the issuer's key; a nil issuer self-signs.
// It returns the parsed certificate and its DER.
func SignTemplate(t *x509.Certificate, issuer *x509.Certificate, signer crypto.Signer) (*x509.Certificate, error) {
	if signer == nil {
		return nil, errors.New("no signing key")
	}
	parent := issuer
	if parent == nil {
		parent = t
	} else if err := CheckKeyPair(issuer, signer); err != nil {
		return nil, fmt.Errorf("issuer %s: %w", FormatName(issuer.Subject), err)
	}
	if issuer != nil && len(issuer.SubjectKeyId) == 0 && len(t.AuthorityKeyId) == 0 {
		// An imported v1 CA (openssl req -x509 without extensions) has no
		// SKI, and crypto/x509 then leaves the AKI out, which RFC 5280
		// 4.2.1.1 requires: derive it from the CA's key as openssl does.
		aki, err := SubjectKeyID(issuer.PublicKey)
		if err != nil {
			return nil, fmt.Errorf("issuer %s: %w", FormatName(issuer.Subject), err)
		}
		t.AuthorityKeyId = aki
	}
	der, err := x509.CreateCertificate(rand.Reader, t, parent, t.PublicKey, signer)
	if err != nil {
		return nil, fmt.Errorf("signing certificate: %w", err)
	}
	return x509.ParseCertificate(der)
}

// Issue validates r, builds its template and signs it. A nil issuer makes a
// self-signed certificate, whose signer must hold r.PublicKey's private half.
func Issue(r Request, issuer *x509.Certificate, signer crypto.Signer) (*x509.Certificate, error) {
	if issuer != nil {
		if !issuer.IsCA {
			return nil, &RequestError{"issuer", fmt.Sprintf("%s is not a CA certificate (CA:FALSE)", FormatName(issuer.Subject))}
		}
		if r.NotAfter.After(issuer.NotAfter) {
			// A certificate that outlives its issuer fails verification after the issuer expires.
			r.NotAfter = issuer.NotAfter
		}
	}
	t, err := Template(r)
	if err != nil {
		return nil, err
	}
	return SignTemplate(t, issuer, signer)
}

// SubjectKeyID is RFC 5280's method 1: SHA-1 of the subjectPublicKey bits.
func SubjectKeyID(pub crypto.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("public key: %w", err)
	}
	var spki struct {
		Algo      pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(der, &spki); err != nil {
		return nil, err
	}
	h := sha1.Sum(spki.PublicKey.Bytes)
	return h[:], nil
}
