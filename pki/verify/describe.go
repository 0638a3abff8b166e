package verify

import (
	"crypto/dsa" //lint:ignore SA1019 only to name DSA keys in others' certificates as weak
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"fmt"
	"net"
	"strings"
)

var keyUsageNames = []struct {
	bit  x509.KeyUsage
	name string
}{
	{x509.KeyUsageDigitalSignature, "Digital Signature"},
	{x509.KeyUsageContentCommitment, "Non Repudiation"},
	{x509.KeyUsageKeyEncipherment, "Key Encipherment"},
	{x509.KeyUsageDataEncipherment, "Data Encipherment"},
	{x509.KeyUsageKeyAgreement, "Key Agreement"},
	{x509.KeyUsageCertSign, "Certificate Sign"},
	{x509.KeyUsageCRLSign, "CRL Sign"},
	{x509.KeyUsageEncipherOnly, "Encipher Only"},
	{x509.KeyUsageDecipherOnly, "Decipher Only"},
}

// keyUsageText spells key usage bits the way openssl x509 -text does.
func keyUsageText(ku x509.KeyUsage) string {
	if ku == 0 {
		return "(absent)"
	}
	var out []string
	for _, k := range keyUsageNames {
		if ku&k.bit != 0 {
			out = append(out, k.name)
		}
	}
	return strings.Join(out, ", ")
}

var ekuNames = map[x509.ExtKeyUsage]string{
	x509.ExtKeyUsageAny:             "Any Extended Key Usage",
	x509.ExtKeyUsageServerAuth:      "TLS Web Server Authentication",
	x509.ExtKeyUsageClientAuth:      "TLS Web Client Authentication",
	x509.ExtKeyUsageCodeSigning:     "Code Signing",
	x509.ExtKeyUsageEmailProtection: "E-mail Protection",
	x509.ExtKeyUsageTimeStamping:    "Time Stamping",
	x509.ExtKeyUsageOCSPSigning:     "OCSP Signing",
}

// ekuText spells a certificate's extended key usages in openssl's words.
func ekuText(c *x509.Certificate) string {
	var out []string
	for _, u := range c.ExtKeyUsage {
		if n, ok := ekuNames[u]; ok {
			out = append(out, n)
		} else {
			out = append(out, fmt.Sprintf("eku(%d)", int(u)))
		}
	}
	for _, o := range c.UnknownExtKeyUsage {
		out = append(out, o.String())
	}
	if len(out) == 0 {
		if hasExt(c, oidExtKeyUsage) {
			return "(empty)"
		}
		return "(absent: any usage)"
	}
	return strings.Join(out, ", ")
}

// bcText spells basic constraints like openssl does.
func bcText(c *x509.Certificate) string {
	if !c.BasicConstraintsValid {
		if c.Version < 3 {
			return fmt.Sprintf("(absent: X.509 v%d certificate)", c.Version)
		}
		return "(absent)"
	}
	s := "CA:FALSE"
	if c.IsCA {
		s = "CA:TRUE"
		if c.MaxPathLen > 0 || c.MaxPathLenZero {
			s += fmt.Sprintf(", pathlen:%d", c.MaxPathLen)
		}
	}
	if e := findExt(c, oidBasicConstraints); e != nil && e.Critical {
		s = "critical, " + s
	}
	return s
}

// sanText lists the names a certificate covers.
func sanText(c *x509.Certificate) string {
	var out []string
	for _, d := range c.DNSNames {
		out = append(out, "DNS:"+d)
	}
	for _, ip := range c.IPAddresses {
		out = append(out, "IP Address:"+ip.String())
	}
	for _, e := range c.EmailAddresses {
		out = append(out, "email:"+e)
	}
	for _, u := range c.URIs {
		out = append(out, "URI:"+u.String())
	}
	if len(out) == 0 {
		return "(none)"
	}
	return strings.Join(out, ", ")
}

// keyWeakness says why a public key is too weak to trust, or "".
// Go accepts RSA 1024, so the floor of 2048 bits is checked here.
func keyWeakness(c *x509.Certificate) string {
	switch k := c.PublicKey.(type) {
	case *rsa.PublicKey:
		bits := k.N.BitLen()
		if bits < 2048 {
			return fmt.Sprintf("RSA %d bits (at least 2048 are needed)", bits)
		}
		if bits%8 != 0 {
			return fmt.Sprintf("RSA %d bits (not a multiple of 8, a sign of a broken key generator)", bits)
		}
	case *ecdsa.PublicKey, ed25519.PublicKey:
	case *dsa.PublicKey:
		return "DSA (no longer allowed in TLS certificates)"
	case nil:
		return fmt.Sprintf("%s key with parameters crypto/x509 does not support", c.PublicKeyAlgorithm)
	default:
		return fmt.Sprintf("unsupported key type %T", k)
	}
	return ""
}

func ipOrName(s string) (net.IP, bool) {
	ip := net.ParseIP(strings.TrimSuffix(strings.TrimPrefix(s, "["), "]"))
	return ip, ip != nil
}
