package inspect

import (
	"crypto/x509"
	"time"
)

// The typed entry points below are what the tests hand crypto/x509 values
// to; the program itself inspects pki.Objects (FromObject, Each).

// FromCertificate inspects a certificate; now is the time validity is
// judged against.
func FromCertificate(c *x509.Certificate, now time.Time) Document {
	d := fromCertificate(c.Raw, c, nil, now)
	d.PEM = pemOf("CERTIFICATE", c.Raw)
	return d
}

// FromCRL inspects a certificate revocation list, laid out as
// openssl crl -text -noout; now judges whether it is stale.
func FromCRL(l *x509.RevocationList, now time.Time) Document {
	d := fromCRL(l.Raw, l, nil, now)
	d.PEM = pemOf("X509 CRL", l.Raw)
	return d
}

// FromCSR inspects a certificate signing request, laid out as
// openssl req -text -noout.
func FromCSR(r *x509.CertificateRequest) Document {
	d := fromCSR(r.Raw, r, nil)
	d.PEM = pemOf("CERTIFICATE REQUEST", r.Raw)
	return d
}
