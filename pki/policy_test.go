package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"
)

// constrainedCA is a CA certificate carrying name constraints (only the
// constraint fields matter to the policy).
func constrainedCA(t *testing.T, nc NameConstraints, uriPermit []string) *x509.Certificate {
	t.Helper()
	k, err := GenerateKey(P256)
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := Template(Request{Subject: pkix.Name{CommonName: "Constrained"}, Profile: ProfileRootCA, PublicKey: k.Public(),
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), Constraints: nc})
	if err != nil {
		t.Fatal(err)
	}
	tmpl.PermittedURIDomains = uriPermit
	c, err := SignTemplate(tmpl, nil, k)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCheckPolicy(t *testing.T) {
	p256, _ := GenerateKey(P256)
	rsa1024, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	p224, err := ecdsa.GenerateKey(elliptic.P224(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	_, ten, _ := net.ParseCIDR("10.0.0.0/8")
	_, ten5, _ := net.ParseCIDR("10.5.0.0/16")
	ca := constrainedCA(t, NameConstraints{
		PermittedDNS: []string{"example.com"}, ExcludedDNS: []string{"secret.example.com"},
		PermittedIP: []*net.IPNet{ten}, ExcludedIP: []*net.IPNet{ten5},
		PermittedEmail: []string{"example.com"}, ExcludedEmail: []string{"boss@example.com"},
	}, []string{".example.org"})
	open := constrainedCA(t, NameConstraints{}, nil)
	many := make([]string, MaxSANs+1)
	for i := range many {
		many[i] = fmt.Sprintf("h%d.example.com", i)
	}
	spiffe, _ := url.Parse("spiffe://web.example.org/x")
	outside, _ := url.Parse("spiffe://example.net/x")
	cases := []struct {
		name  string
		pub   crypto.PublicKey
		dns   []string
		ips   []string
		mails []string
		uris  []*url.URL
		chain []*x509.Certificate
		cn    string
		rule  string // "" accepted; a PolicyRule, or "san" for a SANError
		want  string
	}{
		{name: "inside", dns: []string{"example.com", "www.example.com"}, ips: []string{"10.1.2.3"},
			mails: []string{"a@example.com"}, uris: []*url.URL{spiffe}, chain: []*x509.Certificate{ca}},
		{name: "wildcard inside", dns: []string{"*.example.com"}, chain: []*x509.Certificate{constrainedCA(t, NameConstraints{PermittedDNS: []string{"example.com"}}, nil)}},
		{name: "wildcard covering an excluded name", dns: []string{"*.example.com"}, chain: []*x509.Certificate{ca}, rule: "name-constraint"},
		{name: "outside permitted dns", dns: []string{"localhost"}, chain: []*x509.Certificate{ca}, rule: "name-constraint", want: "outside the permitted subtrees example.com"},
		{name: "suffix is not a subtree", dns: []string{"badexample.com"}, chain: []*x509.Certificate{ca}, rule: "name-constraint"},
		{name: "excluded dns", dns: []string{"db.secret.example.com"}, chain: []*x509.Certificate{ca}, rule: "name-constraint", want: "excluded subtree"},
		{name: "wildcard over excluded", dns: []string{"*.example.com", "x.example.com"}, chain: []*x509.Certificate{constrainedCA(t, NameConstraints{ExcludedDNS: []string{"secret.example.com"}}, nil)}, rule: "name-constraint"},
		{name: "excluded ip", dns: []string{"www.example.com"}, ips: []string{"10.5.1.1"}, chain: []*x509.Certificate{ca}, rule: "name-constraint"},
		{name: "outside ip", dns: []string{"www.example.com"}, ips: []string{"192.168.1.1"}, chain: []*x509.Certificate{ca}, rule: "name-constraint"},
		{name: "excluded mailbox", mails: []string{"boss@example.com"}, chain: []*x509.Certificate{ca}, rule: "name-constraint"},
		{name: "outside email", mails: []string{"a@example.net"}, chain: []*x509.Certificate{ca}, rule: "name-constraint"},
		{name: "outside uri", uris: []*url.URL{outside}, chain: []*x509.Certificate{ca}, rule: "name-constraint"},
		{name: "second CA of the chain binds too", dns: []string{"localhost"}, chain: []*x509.Certificate{open, ca}, rule: "name-constraint"},
		{name: "no constraints", dns: []string{"localhost"}, chain: []*x509.Certificate{open}},
		{name: "rsa 1024", pub: &rsa1024.PublicKey, dns: []string{"localhost"}, rule: "key-size", want: "RSA 1024 is below the 2048-bit floor"},
		{name: "p224", pub: &p224.PublicKey, dns: []string{"localhost"}, rule: "key-size"},
		{name: "too many sans", dns: many, rule: "san", want: "more than the limit of 1000"},
		{name: "long label", dns: []string{strings.Repeat("a", 64) + ".com"}, rule: "san"},
		{name: "long name", dns: []string{strings.Repeat("abcdefghi.", 26) + "com"}, rule: "san", want: "longer than 253"},
		{name: "space", dns: []string{"bad name"}, rule: "san"},
		{name: "underscore", dns: []string{"a_b.example"}, rule: "san"},
		{name: "inner wildcard", dns: []string{"a.*.example"}, rule: "san", want: "leftmost label"},
		{name: "trailing dot", dns: []string{"example.com."}, rule: "san"},
		{name: "hyphen edge", dns: []string{"-a.example"}, rule: "san"},
		{name: "CN past ub-common-name", dns: []string{"x.example"}, cn: strings.Repeat("c", 65), rule: "name-length", want: "subject attribute CN (65 characters) is longer than its upper bound of 64"},
		{name: "CN at ub-common-name", dns: []string{"x.example"}, cn: strings.Repeat("c", 64)},
		{name: "bad email", mails: []string{"no-at-sign"}, dns: []string{"x.example"}, rule: "san"},
	}
	for _, c := range cases {
		pub := c.pub
		if pub == nil {
			pub = p256.Public()
		}
		var ips []net.IP
		for _, s := range c.ips {
			ips = append(ips, net.ParseIP(s))
		}
		cn := c.cn
		if cn == "" {
			cn = "x"
		}
		r := Request{Subject: pkix.Name{CommonName: cn}, Profile: ProfileServerClient, DNS: c.dns, IPs: ips, Emails: c.mails, URIs: c.uris,
			PublicKey: pub, NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
		err := CheckPolicy(r, c.chain)
		var pe *PolicyError
		var se *SANError
		switch {
		case c.rule == "" && err != nil:
			t.Errorf("%s: refused: %v", c.name, err)
		case c.rule == "":
		case c.rule == "san" && !errors.As(err, &se):
			t.Errorf("%s: err = %v, want a SANError", c.name, err)
		case c.rule != "san" && (!errors.As(err, &pe) || string(pe.Rule) != c.rule):
			t.Errorf("%s: err = %v, want rule %s", c.name, err, c.rule)
		case !strings.Contains(fmt.Sprint(err), c.want):
			t.Errorf("%s: err = %v, want it to say %q", c.name, err, c.want)
		}
	}
}

func TestParseSANs(t *testing.T) {
	s, err := ParseSANs([]string{"localhost", "*.abc.test"}, []string{"127.0.0.1", "::1"}, []string{"ops@abc.test"}, []string{"spiffe://abc.test/web"})
	if err != nil || s.Count() != 6 {
		t.Fatalf("good names: %v %d", err, s.Count())
	}
	for _, c := range []struct {
		dns, ips, emails, uris []string
		kind                   string
	}{
		{ips: []string{"300.1.1.1"}, kind: "ip"},
		{uris: []string{"not a uri"}, kind: "uri"},
		{uris: []string{"/relative"}, kind: "uri"},
		{emails: []string{"a@b@c"}, kind: "email"},
		{emails: []string{"a b@example.com"}, kind: "email"},
		{dns: []string{"a/b"}, kind: "dns"},
		{dns: []string{""}, kind: "dns"},
	} {
		_, err := ParseSANs(c.dns, c.ips, c.emails, c.uris)
		var se *SANError
		if !errors.As(err, &se) || se.Kind != c.kind {
			t.Errorf("%+v: err = %v, want a %s SANError", c, err, c.kind)
		}
	}
}

// The policy runs once per issued certificate; its cost beside key
// generation and signing is what this measures.
func BenchmarkCheckPolicy(b *testing.B) {
	k, _ := GenerateKey(P256)
	_, ten, _ := net.ParseCIDR("10.0.0.0/8")
	tmpl, _ := Template(Request{Subject: pkix.Name{CommonName: "C"}, Profile: ProfileRootCA, PublicKey: k.Public(),
		NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour),
		Constraints: NameConstraints{PermittedDNS: []string{"example.com"}, ExcludedDNS: []string{"secret.example.com"}, PermittedIP: []*net.IPNet{ten}}})
	ca, err := SignTemplate(tmpl, nil, k)
	if err != nil {
		b.Fatal(err)
	}
	r := Request{Subject: pkix.Name{CommonName: "web"}, Profile: ProfileServer, DNS: []string{"www.example.com", "api.example.com"},
		IPs: []net.IP{net.ParseIP("10.1.2.3")}, PublicKey: k.Public(), NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
	for b.Loop() {
		if err := CheckPolicy(r, []*x509.Certificate{ca}); err != nil {
			b.Fatal(err)
		}
	}
}
