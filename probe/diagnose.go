package probe

import (
	"bytes"
	"crypto/x509"
	"fmt"
	"strings"
	"time"

	"github.com/pkibench/pkibench/pki"
	"github.com/pkibench/pkibench/pki/verify"
)

// diagnoseOwn finds what a server that refused the client (often without
// saying why) most likely objected to in the client's own certificate: its
// dates at the probe's time, its usage, a CRL the caller knows that lists
// it, an issuer outside the CA names the server asked for. It returns nil
// when nothing local is certain.
func diagnoseOwn(c *clientOutcome, cc ClientConfig) *verify.Finding {
	id := cc.Identity
	if id == nil || id.Cert == nil {
		return nil
	}
	if root := c.shared.topOf(id.Cert, id.Chain); root != nil {
		_, f := verify.Verify(id.Cert, verify.Options{
			Roots: []*x509.Certificate{root}, Intermediates: id.Chain,
			Usage: verify.UsageClient, At: c.at, CRLs: cc.KnownCRLs, NameOf: c.nameOf, Known: c.known,
		})
		if f != nil && f.Code != verify.ClientCertUntrusted && f.Code != verify.ClientChainIncomplete && f.Code != verify.CRLMissing {
			f.Side = verify.SideServer
			return f
		}
	} else if f := ownFields(id, c.at, cc.KnownCRLs); f != nil {
		return f
	}
	return notAcceptable(c, id)
}

// ownFields checks the leaf alone when its chain does not reach a root.
func ownFields(id *pki.Identity, at time.Time, crls []*x509.RevocationList) *verify.Finding {
	leaf := id.Cert
	subj := pki.FormatName(leaf.Subject)
	ev := func(field, value string) []verify.Evidence {
		return []verify.Evidence{{Cert: subj, Serial: serialHex(leaf), Field: field, Value: value}}
	}
	switch {
	case at.After(leaf.NotAfter):
		return &verify.Finding{Code: verify.ClientCertExpired, Side: verify.SideServer,
			Summary:  fmt.Sprintf("The client certificate %s expired on %s, before the probe's time %s.", subj, stampOf(leaf.NotAfter), stampOf(at)),
			Fix:      clientReissue("renew the client certificate", id, nil),
			Evidence: ev("validity.not_after", stampOf(leaf.NotAfter))}
	case at.Before(leaf.NotBefore):
		return &verify.Finding{Code: verify.ClientCertNotYetValid, Side: verify.SideServer,
			Summary:  fmt.Sprintf("The client certificate %s is not valid until %s, after the probe's time %s.", subj, stampOf(leaf.NotBefore), stampOf(at)),
			Fix:      &pki.Fix{Kind: pki.FixAtTime, Say: "check the clocks, or wait until the certificate becomes valid"},
			Evidence: ev("validity.not_before", stampOf(leaf.NotBefore))}
	case !hasClientAuth(leaf):
		return &verify.Finding{Code: verify.ClientCertWrongUsage, Side: verify.SideServer,
			Summary:  fmt.Sprintf("The client certificate %s lacks the clientAuth extended key usage.", subj),
			Fix:      clientReissue("issue it with the client profile", id, nil),
			Evidence: ev("ext.extended_key_usage", ekuText(leaf))}
	}
	for _, crl := range crls {
		if !bytes.Equal(crl.RawIssuer, leaf.RawIssuer) {
			continue
		}
		for _, e := range crl.RevokedCertificateEntries {
			if e.SerialNumber != nil && e.SerialNumber.Cmp(leaf.SerialNumber) == 0 && !e.RevocationTime.After(at) {
				return &verify.Finding{Code: verify.ClientCertRevoked, Side: verify.SideServer,
					Summary:  fmt.Sprintf("The client certificate %s (serial %s) was revoked on %s (reason: %s).", subj, serialHex(leaf), stampOf(e.RevocationTime), pki.Reason(e.ReasonCode)),
					Fix:      clientReissue("issue a new client certificate", id, nil),
					Evidence: ev("serial", serialHex(leaf))}
			}
		}
	}
	return nil
}

// notAcceptable reports a client certificate whose issuer is none of the
// CA names the server sent: such a server cannot build a chain to a CA it
// trusts, whatever it says or does not say.
func notAcceptable(c *clientOutcome, id *pki.Identity) *verify.Finding {
	if f := incompleteByAcceptable(c, id); f != nil || len(c.acceptable) == 0 {
		return f
	}
	certs := append([]*x509.Certificate{id.Cert}, id.Chain...)
	for _, ca := range c.acceptable {
		for _, x := range certs {
			if bytes.Equal(x.RawIssuer, ca) || bytes.Equal(x.RawSubject, ca) {
				return nil
			}
		}
	}
	names := decodeDNs(c.acceptable)
	subj := pki.FormatName(id.Cert.Subject)
	return &verify.Finding{Code: verify.ClientCertUntrusted, Side: verify.SideServer,
		Summary: fmt.Sprintf("The client certificate was issued by %s, which is not among the CA names the server accepts (%s).",
			pki.FormatName(id.Cert.Issuer), strings.Join(names, "; ")),
		Detail: fmt.Sprintf("client certificate: %s\nissuer:             %s\nacceptable CAs:     %s",
			subj, pki.FormatName(id.Cert.Issuer), strings.Join(names, "\n                    ")),
		Fix:      pki.Advice("issue the client certificate from a CA the server trusts, or add its CA to the server's trusted client CAs (Node.js `ca`, openssl -CAfile)"),
		Evidence: []verify.Evidence{{Cert: subj, Serial: serialHex(id.Cert), Field: "issuer", Value: pki.FormatName(id.Cert.Issuer)}},
	}
}

func hasClientAuth(c *x509.Certificate) bool {
	if len(c.ExtKeyUsage) == 0 && len(c.UnknownExtKeyUsage) == 0 {
		return true // no EKU extension: any usage
	}
	for _, u := range c.ExtKeyUsage {
		if u == x509.ExtKeyUsageClientAuth || u == x509.ExtKeyUsageAny {
			return true
		}
	}
	return false
}

func ekuText(c *x509.Certificate) string {
	names := map[x509.ExtKeyUsage]string{x509.ExtKeyUsageServerAuth: "serverAuth", x509.ExtKeyUsageClientAuth: "clientAuth",
		x509.ExtKeyUsageEmailProtection: "emailProtection", x509.ExtKeyUsageCodeSigning: "codeSigning", x509.ExtKeyUsageAny: "anyExtendedKeyUsage"}
	var out []string
	for _, u := range c.ExtKeyUsage {
		if n, ok := names[u]; ok {
			out = append(out, n)
		} else {
			out = append(out, fmt.Sprintf("eku(%d)", u))
		}
	}
	for _, o := range c.UnknownExtKeyUsage {
		out = append(out, o.String())
	}
	return strings.Join(out, ", ")
}

func stampOf(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// clientReissue is the fix "issue the client identity again under its CA
// with the client profile"; nameOf names the CA when it is known.
func clientReissue(say string, id *pki.Identity, nameOf func(*x509.Certificate) string) *pki.Fix {
	f := &pki.Fix{Kind: pki.FixReissue, Say: say, Profile: string(pki.ProfileClient)}
	if id != nil {
		f.Name = id.Name
		f.CA = issuerName(id, nameOf)
	}
	if id != nil && id.Cert != nil {
		// The names it carries go with it (a client may have e-mail SANs).
		f.DNS = append(f.DNS, id.Cert.DNSNames...)
		for _, ip := range id.Cert.IPAddresses {
			f.IPs = append(f.IPs, ip.String())
		}
		f.Emails = append(f.Emails, id.Cert.EmailAddresses...)
	}
	return f
}

// issuerName is the local name of the CA above id, "" when unknown.
func issuerName(id *pki.Identity, nameOf func(*x509.Certificate) string) string {
	if id == nil || nameOf == nil || len(id.Chain) == 0 {
		return ""
	}
	return nameOf(id.Chain[0])
}
