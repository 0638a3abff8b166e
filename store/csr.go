package store

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"net"
	"net/url"

	"github.com/pkibench/pkibench/pki"
)

// CSROptions describe a key + CSR made for someone else's CA.
type CSROptions struct {
	Name      string
	Subject   pkix.Name
	DNS       []string
	IPs       []net.IP
	Emails    []string
	URIs      []*url.URL
	Algorithm pki.Algorithm
}

// CreateCSR makes a key and a CSR in certs/NAME (meta: pending). When the
// other CA returns the certificate, `import CERT --as NAME-cert --key
// certs/NAME/key.pem` brings it in.
func (s *Store) CreateCSR(o CSROptions) (*x509.CertificateRequest, string, error) {
	if err := CheckName(o.Name); err != nil {
		return nil, "", err
	}
	if err := pki.CheckNameControl(o.Subject); err != nil {
		return nil, "", err
	}
	var csr *x509.CertificateRequest
	err := s.write(func() error {
		if what, taken := s.nameTaken(o.Name); taken {
			return &ExistsError{what, o.Name}
		}
		key, err := pki.GenerateKey(o.Algorithm)
		if err != nil {
			return err
		}
		subject := o.Subject
		if len(subject.Names)+len(subject.ExtraNames) == 0 && subject.CommonName == "" {
			subject = pkix.Name{CommonName: o.Name}
		}
		if csr, err = pki.CreateCSR(pki.CSRRequest{Subject: subject, DNS: o.DNS, IPs: o.IPs, Emails: o.Emails, URIs: o.URIs}, key); err != nil {
			return err
		}
		keyPEM, err := pki.EncodeKeyPEM(key, nil)
		if err != nil {
			return err
		}
		fs, err := newFileSet(s.certDir(o.Name))
		if err != nil {
			return err
		}
		defer fs.abort()
		if err := fs.add("key.pem", keyPEM, 0o600); err != nil {
			return err
		}
		if err := fs.add("csr.pem", pki.EncodeCSRPEM(csr.Raw), 0o644); err != nil {
			return err
		}
		if err := fs.addJSON("meta.json", certMeta{Created: s.now().UTC(), Pending: true}); err != nil {
			return err
		}
		return fs.commit()
	})
	return csr, s.certDir(o.Name), err
}
