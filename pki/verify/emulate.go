package verify

import (
	"crypto/x509"
	"fmt"
	"strings"
)

// Client is the TLS client whose judgement a check emulates. Clients
// disagree on a few points that decide real cases: whether a name found
// only in the subject CN counts (curl, openssl and Node.js say yes; Go and
// browsers say no) and whether a client certificate is withheld when its
// issuer is not among the server's acceptable CAs (Go does that).
type Client string

const (
	ClientCurl    Client = "curl"
	ClientOpenSSL Client = "openssl"
	ClientNode    Client = "node"
	ClientGo      Client = "go"
	ClientBrowser Client = "browser"
)

// Clients is the list --emulate accepts, the default first.
var Clients = []Client{ClientCurl, ClientOpenSSL, ClientNode, ClientGo, ClientBrowser}

// ParseClient accepts a client name; "" is the default (curl).
func ParseClient(s string) (Client, error) {
	if s == "" {
		return ClientCurl, nil
	}
	for _, c := range Clients {
		if strings.EqualFold(s, string(c)) {
			return c, nil
		}
	}
	names := make([]string, len(Clients))
	for i, c := range Clients {
		names[i] = string(c)
	}
	return "", fmt.Errorf("unknown client %q (expected one of %s)", s, strings.Join(names, ", "))
}

// AcceptsCN reports whether the client takes a host name found only in the
// subject Common Name of a certificate without a SAN extension.
func (c Client) AcceptsCN() bool { return c != ClientGo && c != ClientBrowser }

// Withholds reports whether the client keeps its certificate back when its
// issuer is not among the CA names the server sent.
func (c Client) Withholds() bool { return c == ClientGo }

// CNOnlyWarning is said when a CN-only certificate was accepted: which
// clients would refuse it, and the fix.
func CNOnlyWarning(f *Finding) string {
	return "the certificate names the host only in its subject CN (no subject alternative name): curl, openssl and Node.js accept it, Go clients and browsers refuse it (" +
		string(ServerCertCNOnly) + "); " + f.Fix.String()
}

// VerifyAs is Verify as client c judges: a CN-only name match is accepted
// by the clients that accept it, and the warning is returned beside the
// chains; everything else is checked as Verify does.
func VerifyAs(c Client, leaf *x509.Certificate, opts Options) ([][]*x509.Certificate, *Finding, string) {
	chains, f := Verify(leaf, opts)
	if f == nil || f.Code != ServerCertCNOnly || !c.AcceptsCN() {
		return chains, f, ""
	}
	opts.Name = ""
	chains, g := Verify(leaf, opts)
	if g != nil {
		return nil, g, CNOnlyWarning(f)
	}
	return chains, nil, CNOnlyWarning(f)
}
