package verify

import (
	"crypto/x509"

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

// reissue is "issue c again under ca with the profile the usage needs".
func reissue(say string, c *x509.Certificate, ca string, opts Options) *pki.Fix {
	return &pki.Fix{Kind: pki.FixReissue, Say: say, Name: known(nameHint(c, opts), "NAME"), CA: known(ca, "CA"), Profile: profileOf(opts)}
}

// withNames adds the SAN a re-issue needs: an IP address or a DNS name.
func withNames(f *pki.Fix, host string) *pki.Fix {
	if _, isIP := ipOrName(host); isIP {
		f.IPs = []string{host}
	} else {
		f.DNS = []string{host}
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
	f.Emails = []string{email}
	return f
}
