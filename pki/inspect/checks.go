package inspect

import (
	"crypto/rsa"
	"crypto/x509"
	"fmt"
	"strings"
	"time"

	"github.com/pkibench/pkibench/pki"
)

// flagFirst flags the first of paths that the document has.
func (d *Document) flagFirst(sev Severity, msg string, paths ...string) {
	for _, p := range paths {
		if _, ok := d.Field(p); ok {
			d.flag(p, sev, msg)
			return
		}
	}
}

// weakHash names the broken hash of a signature algorithm, or "".
func weakHash(alg x509.SignatureAlgorithm, name string) string {
	switch alg {
	case x509.MD2WithRSA:
		return "MD2"
	case x509.MD5WithRSA:
		return "MD5"
	case x509.SHA1WithRSA, x509.DSAWithSHA1, x509.ECDSAWithSHA1:
		return "SHA-1"
	}
	l := strings.ToLower(name)
	switch {
	case strings.Contains(l, "md5"):
		return "MD5"
	case strings.Contains(l, "md2"):
		return "MD2"
	case strings.Contains(l, "sha1"):
		return "SHA-1"
	}
	return ""
}

func humanDuration(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%d days", int(d.Hours()/24))
	case d >= 2*time.Hour:
		return fmt.Sprintf("%d hours", int(d.Hours()))
	case d >= 2*time.Minute:
		return fmt.Sprintf("%d minutes", int(d.Minutes()))
	}
	return fmt.Sprintf("%d seconds", int(d.Seconds()))
}

// checkKey flags RSA keys below 2048 bits.
func (d *Document) checkKey(pub any) {
	if k, ok := pub.(*rsa.PublicKey); ok && k.N.BitLen() < 2048 {
		d.flag("public_key", SeverityProblem, fmt.Sprintf("RSA %d-bit key is too weak: modern TLS stacks require at least 2048 bits", k.N.BitLen()))
	}
}

func checkCertificate(d *Document, c *x509.Certificate, r rawCert, now time.Time) {
	if !now.IsZero() {
		if now.After(r.notAfter) {
			d.flag("validity.not_after", SeverityProblem, fmt.Sprintf("expired %s ago: every TLS peer rejects it", humanDuration(now.Sub(r.notAfter))))
		}
		if now.Before(r.notBefore) {
			d.flag("validity.not_before", SeverityProblem, fmt.Sprintf("not valid for another %s: peers reject it as not yet valid (check clocks)", humanDuration(r.notBefore.Sub(now))))
		}
	}
	selfSigned := pki.IsSelfSigned(c)
	if h := weakHash(c.SignatureAlgorithm, algName(r.sigAlg)); h != "" {
		if selfSigned {
			d.flag("signature_algorithm", SeverityNote, h+" signature on a self-signed root: verifiers do not check a trust anchor's own signature, but it marks an old CA")
		} else {
			d.flag("signature_algorithm", SeverityProblem, h+" signature: broken hash, rejected by Go, browsers and OpenSSL at default security levels")
		}
	}
	d.checkKey(c.PublicKey)
	if r.version == 0 {
		d.flag("version", SeverityNote, "version 1 certificate: no extensions, so no SAN, key usage or CA flag (as made by openssl x509 -req without -extfile)")
	}
	isCA := c.BasicConstraintsValid && c.IsCA
	hasSAN := false
	hasEKU := false
	for _, e := range r.exts {
		switch e.oid {
		case oidSAN:
			hasSAN = true
		case oidEKU:
			hasEKU = true
		}
	}
	// The CN-only trap is a server's: a client certificate is not matched
	// against a host name, so it needs no SAN.
	serverCapable := !hasEKU
	for _, u := range c.ExtKeyUsage {
		if u == x509.ExtKeyUsageServerAuth || u == x509.ExtKeyUsageAny {
			serverCapable = true
		}
	}
	if !isCA && !hasSAN && c.Subject.CommonName != "" && serverCapable {
		d.flag("subject", SeverityWarning, "CN only, no Subject Alternative Name: Go (and modern browsers) reject it for any host name; openssl, curl and Node.js still accept it")
	}
	if !isCA && !hasEKU && !selfSigned {
		d.flagFirst(SeverityNote, "no Extended Key Usage: any purpose is allowed; servers and clients usually expect serverAuth or clientAuth",
			"ext.key_usage", "extensions", "version")
	}
	if isCA && c.KeyUsage != 0 && c.KeyUsage&x509.KeyUsageCertSign == 0 {
		d.flag("ext.key_usage", SeverityWarning, "CA certificate without keyCertSign: certificates it signs fail verification")
	}
	if !isCA && hasServerAuth(c) && r.notAfter.Sub(r.notBefore) > 398*24*time.Hour {
		d.flag("validity.not_after", SeverityNote, fmt.Sprintf("valid for %d days: publicly trusted server certificates may last at most 398 days (fine for a private CA)", int(r.notAfter.Sub(r.notBefore).Hours()/24)))
	}
}

func hasServerAuth(c *x509.Certificate) bool {
	for _, u := range c.ExtKeyUsage {
		if u == x509.ExtKeyUsageServerAuth || u == x509.ExtKeyUsageAny {
			return true
		}
	}
	return false
}
