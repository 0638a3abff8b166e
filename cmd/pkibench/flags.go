package main

import (
	"crypto/x509/pkix"
	"errors"
	"net"
	"net/url"
	"strings"

	"github.com/spf13/pflag"

	"github.com/pkibench/pkibench/pki"
)

// sanFlags are the Subject Alternative Name flags shared by issue, sign and csr.
type sanFlags struct {
	dns, ips, emails, uris []string
	sans                   []string // any kind, sorted by pki.ClassifySANs
}

// register adds --dns, --ip, --email and --uri to a flag set.
func (f *sanFlags) register(fl *pflag.FlagSet) {
	fl.StringSliceVar(&f.dns, "dns", nil, "DNS name SAN (repeatable or comma-separated)")
	fl.StringSliceVar(&f.ips, "ip", nil, "IP address SAN")
	fl.StringSliceVar(&f.emails, "email", nil, "e-mail SAN")
	fl.StringSliceVar(&f.uris, "uri", nil, "URI SAN (e.g. spiffe://example.org/web)")
	fl.StringSliceVar(&f.sans, "san", nil, "SAN of any kind: an IP, name@domain, scheme:... or a DNS name")
}

// parse reads the flags with pki's one SAN rule (the TUI's form uses it
// too); a bad value is a usage error naming its flag.
func (f *sanFlags) parse() (dns []string, ips []net.IP, emails []string, uris []*url.URL, err error) {
	// --san first, alone, so its errors name --san and read as the
	// TUI's SAN field's do.
	mixed := splitList(f.sans)
	if _, err := pki.ParseSANList(mixed); err != nil {
		return nil, nil, nil, nil, usagef("--san: %v", err)
	}
	d, i, e, u := pki.ClassifySANs(mixed)
	sans, err := pki.ParseSANs(append(splitList(f.dns), d...), append(splitList(f.ips), i...),
		append(splitList(f.emails), e...), append(splitList(f.uris), u...))
	var se *pki.SANError
	if errors.As(err, &se) {
		if se.Kind == "san" {
			return nil, nil, nil, nil, usagef("--dns/--ip/--email/--uri: %s", se.Reason)
		}
		return nil, nil, nil, nil, usagef("--%s %q: %s", se.Kind, se.Value, se.Reason)
	}
	if err != nil {
		return nil, nil, nil, nil, usageError{err}
	}
	return sans.DNS, sans.IPs, sans.Emails, sans.URIs, nil
}

// splitList accepts repeated flags and comma-separated values alike.
func splitList(in []string) []string {
	var out []string
	for _, s := range in {
		for _, p := range strings.Split(s, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

func parseSubject(s string) (pkix.Name, error) {
	n, err := pki.ParseSubject(s)
	if err != nil {
		return n, usagef("--subject: %v", err)
	}
	return n, nil
}

func parseAlgo(s string) (pki.Algorithm, error) {
	a, err := pki.ParseAlgorithm(s)
	if err != nil {
		return a, usagef("--algo: %v", err)
	}
	return a, nil
}

func parseIPNets(in []string, flag string) ([]*net.IPNet, error) {
	var out []*net.IPNet
	for _, s := range splitList(in) {
		_, n, err := net.ParseCIDR(s)
		if err != nil {
			return nil, usagef("%s %q is not a CIDR range (expected e.g. 10.0.0.0/8)", flag, s)
		}
		out = append(out, n)
	}
	return out, nil
}

func dateOf(t interface{ Format(string) string }) string { return t.Format("2006-01-02 15:04Z") }
