package verify

import (
	"crypto/x509"
	"strings"
	"testing"
	"time"

	"github.com/pkibench/pkibench/pki"
)

func codes(fs []*Finding) []Code {
	var out []Code
	for _, f := range fs {
		out = append(out, f.Code)
	}
	return out
}

func TestFaultsListsEveryFault(t *testing.T) {
	root := newRoot(t, "/O=ABC/CN=ABC Root")
	inter := root.intermediate(t, "/O=ABC/CN=ABC Issuing", nil)
	// No SAN, client-only EKU, expired: three faults for a server.
	bad := root.leaf(t, "/CN=localhost", pki.ProfileClient, nil, func(c *x509.Certificate) {
		c.NotAfter = t0.Add(-time.Hour)
	})
	revoked := root.leaf(t, "/CN=client2", pki.ProfileClient, nil, nil)
	crl := root.crl(t, t0.Add(-time.Hour), t0.Add(time.Hour), pki.Revocation{Serial: revoked.SerialNumber, Time: t0.Add(-time.Hour)})
	noInter := inter.leaf(t, "/CN=deep", pki.ProfileServer, []string{"other.example"}, nil)
	roots := []*x509.Certificate{root.cert}
	other := newRoot(t, "/O=ZXC/CN=ZXC Root")
	for _, c := range []struct {
		name string
		leaf *x509.Certificate
		opts Options
		want []Code
	}{
		{"server-three-faults", bad, Options{Roots: roots, Name: "localhost", Usage: UsageServer, At: t0},
			[]Code{ServerCertExpired, ServerCertCNOnly, ServerCertWrongUsage}},
		{"client-revoked-and-ok-otherwise", revoked, Options{Roots: roots, Usage: UsageClient, At: t0, CRLs: []*x509.RevocationList{crl}},
			[]Code{ClientCertRevoked}},
		{"incomplete-then-name", noInter, Options{Roots: roots, Name: "localhost", Usage: UsageServer, At: t0, Known: []*x509.Certificate{inter.cert}},
			[]Code{ServerNameMismatch, ServerChainIncomplete}},
		{"good", revoked, Options{Roots: roots, Usage: UsageClient, At: t0}, nil},
		{"untrusted-stops", revoked, Options{Roots: []*x509.Certificate{other.cert}, Usage: UsageClient, At: t0},
			[]Code{ClientCertUntrusted}},
	} {
		got := codes(Faults(c.leaf, c.opts))
		if strings.Join(codeStrings(got), ",") != strings.Join(codeStrings(c.want), ",") {
			t.Errorf("%s: faults %v, want %v", c.name, got, c.want)
		}
	}
}

func codeStrings(cs []Code) []string {
	var out []string
	for _, c := range cs {
		out = append(out, string(c))
	}
	return out
}

func TestVerifyAsCNOnly(t *testing.T) {
	root := newRoot(t, "/O=ABC/CN=ABC Root")
	cnOnly := root.leaf(t, "/CN=localhost", pki.ProfileServer, []string{"localhost"}, func(c *x509.Certificate) { c.DNSNames = nil })
	opts := Options{Roots: []*x509.Certificate{root.cert}, Name: "localhost", Usage: UsageServer, At: t0}
	for _, c := range Clients {
		_, f, warn := VerifyAs(c, cnOnly, opts)
		if c.AcceptsCN() {
			if f != nil || !strings.Contains(warn, "Go clients and browsers refuse it") {
				t.Errorf("%s: finding %v, warning %q", c, f, warn)
			}
			continue
		}
		if f == nil || f.Code != ServerCertCNOnly || warn != "" {
			t.Errorf("%s: finding %v, warning %q", c, f, warn)
		}
	}
	// A CN that is not the name dialled is a mismatch for every client.
	opts.Name = "other.example"
	if _, f, _ := VerifyAs(ClientCurl, cnOnly, opts); f == nil || f.Code != ServerNameMismatch {
		t.Errorf("other name: %v", f)
	}
	if _, err := ParseClient("lynx"); err == nil || !strings.Contains(err.Error(), "curl, openssl, node, go, browser") {
		t.Errorf("ParseClient: %v", err)
	}
	if c, err := ParseClient(""); err != nil || c != ClientCurl {
		t.Errorf("default: %v %v", c, err)
	}
}
