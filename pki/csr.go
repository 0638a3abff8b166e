package pki

import (
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"net"
	"net/url"
)

// CSRRequest describes a certificate signing request to make.
type CSRRequest struct {
	Subject pkix.Name
	DNS     []string
	IPs     []net.IP
	Emails  []string
	URIs    []*url.URL
}

// CreateCSR signs a PKCS#10 request with key.
func CreateCSR(r CSRRequest, key crypto.Signer) (*x509.CertificateRequest, error) {
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		Subject: r.Subject, DNSNames: r.DNS, IPAddresses: r.IPs, EmailAddresses: r.Emails, URIs: r.URIs,
	}, key)
	if err != nil {
		return nil, fmt.Errorf("creating CSR: %w", err)
	}
	return x509.ParseCertificateRequest(der)
}

// RequestFromCSR checks the CSR's self-signature and turns it into an issue
// request for profile p; the caller sets the validity.
func RequestFromCSR(csr *x509.CertificateRequest, p Profile) (Request, error) {
	if err := csr.CheckSignature(); err != nil {
		return Request{}, fmt.Errorf("CSR signature does not verify (the request was altered or signed with another key): %w", err)
	}
	return Request{
		Subject: csr.Subject, Profile: p, DNS: csr.DNSNames, IPs: csr.IPAddresses,
		Emails: csr.EmailAddresses, URIs: csr.URIs, PublicKey: csr.PublicKey,
	}, nil
}
