package verify

import (
	"crypto/x509"
	"slices"

	"github.com/pkibench/pkibench/pki"
)

// The fixes verification proposes, as pki.Fix values: the front ends render
// them (a command, a key); nothing here names a flag or a command.

// known drops a hint's placeholder: the fix leaves an unknown name empty.
func known(s, placeholder string) string {
	if s == placeholder {
		return ""
	}
	return s
}

// reissue is "issue c again under ca with the profile the usage needs and
// the names c carries" (a server certificate without its names would be
// refused, so the fix keeps them).
func reissue(say string, c *x509.Certificate, ca string, opts Options) *pki.Fix {
	f := &pki.Fix{Kind: pki.FixReissue, Say: say, Name: known(nameHint(c, opts), "NAME"), CA: known(ca, "CA"), Profile: profileFor(c, opts)}
	if c != nil {
		f.DNS = append(f.DNS, c.DNSNames...)
		for _, ip := range c.IPAddresses {
			f.IPs = append(f.IPs, ip.String())
		}
		f.Emails = append(f.Emails, c.EmailAddresses...)
	}
	return f
}

// profileFor is the profile a re-issue needs: the usage verified, or, for
// any usage, the one c's extended key usage says.
func profileFor(c *x509.Certificate, opts Options) string {
	if opts.Usage != UsageAny || c == nil {
		return profileOf(opts)
	}
	server, client := false, false
	for _, u := range c.ExtKeyUsage {
		server = server || u == x509.ExtKeyUsageServerAuth
		client = client || u == x509.ExtKeyUsageClientAuth
	}
	switch {
	case server && client:
		return string(pki.ProfileServerClient)
	case client:
		return string(pki.ProfileClient)
	}
	return string(pki.ProfileServer)
}

// withNames adds the SAN a re-issue needs: an IP address or a DNS name.
func withNames(f *pki.Fix, host string) *pki.Fix {
	if _, isIP := ipOrName(host); isIP {
		if !slices.Contains(f.IPs, host) {
			f.IPs = append(f.IPs, host)
		}
	} else if !slices.Contains(f.DNS, host) {
		f.DNS = append(f.DNS, host)
	}
	return f
}

func publishCRL(say string, issuer *x509.Certificate, opts Options) *pki.Fix {
	return &pki.Fix{Kind: pki.FixPublishCRL, Say: say, CA: known(caHint(issuer, opts), "CA")}
}

func createCA(say string) *pki.Fix { return &pki.Fix{Kind: pki.FixCreateCA, Say: say} }

func atTime(say string) *pki.Fix { return &pki.Fix{Kind: pki.FixAtTime, Say: say} }

// trustSide is the side that must trust a CA for a finding's usage: the
// server trusts client CAs, the client trusts server CAs.
func trustSide(opts Options) string {
	if opts.Usage == UsageClient {
		return "server"
	}
	return "client"
}

// reissueAs is reissue under c's own issuer with a given profile.
func reissueAs(say string, c *x509.Certificate, opts Options, profile string) *pki.Fix {
	f := reissue(say, c, issuerHint(c, opts), opts)
	f.Profile = profile
	return f
}

func withEmail(f *pki.Fix, email string) *pki.Fix {
	if !slices.Contains(f.Emails, email) {
		f.Emails = append(f.Emails, email)
	}
	return f
}
