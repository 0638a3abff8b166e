package lab

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"

	"github.com/pkibench/pkibench/pki"
	"github.com/pkibench/pkibench/probe"
	"github.com/pkibench/pkibench/store"
)

// ErrNotInStore refuses to turn a scenario into a request when what it
// staged is not store material a request can name (an identity bent in
// memory, an intermediate left out, a trust list of several CAs).
var ErrNotInStore = errors.New("the scenario stages material the store cannot name")

// Request stages the scenario and names what it staged in the store's
// terms, so a front end can open it in its probe form and change one field.
// Resolving the answer against the store gives back the staged server and
// client identities with their chains; otherwise the error wraps
// ErrNotInStore and says what differs.
func (s Scenario) Request(ctx context.Context, st *store.Store) (probe.Request, error) {
	sc, cc, opts, err := s.Stage(ctx, st)
	if err != nil {
		return probe.Request{}, err
	}
	certs, err := st.List(store.ListFilter{})
	if err != nil {
		return probe.Request{}, err
	}
	cas, err := st.ListCAs()
	if err != nil {
		return probe.Request{}, err
	}
	nameOf := func(c *x509.Certificate) string {
		if c == nil {
			return ""
		}
		serial := pki.SerialHex(c.SerialNumber)
		for _, rec := range certs {
			if strings.EqualFold(rec.Serial, serial) {
				if id, err := st.Identity(rec.Name, nil); err == nil && id.Cert != nil && bytes.Equal(id.Cert.Raw, c.Raw) {
					return rec.Name
				}
			}
		}
		return ""
	}
	caOf := func(list []*x509.Certificate) ([]string, error) {
		var out []string
		for _, c := range list {
			found := ""
			for _, ca := range cas {
				if ca.Cert != nil && bytes.Equal(ca.Cert.Raw, c.Raw) {
					found = ca.Name
				}
			}
			if found == "" {
				return nil, fmt.Errorf("%w: trusted %s is not a CA of the store", ErrNotInStore, c.Subject)
			}
			out = append(out, found)
		}
		return out, nil
	}
	r := probe.Request{Server: nameOf(sc.Identity.Cert), Auth: sc.Auth, CheckCRL: sc.CheckCRL, ServerName: cc.ServerName,
		ClientVersion: cc.MaxVersion, ServerVersion: sc.MaxVersion, GoStyle: cc.GoStyle, Emulate: cc.Emulate, At: opts.At}
	if cc.MinVersion != cc.MaxVersion || sc.MinVersion != sc.MaxVersion {
		return r, fmt.Errorf("%w: a TLS version range, not one version", ErrNotInStore)
	}
	if len(sc.CipherSuites) > 0 || len(cc.CipherSuites) > 0 || sc.CRLSource != nil || cc.StartTLS != "" || cc.SystemRoots {
		return r, fmt.Errorf("%w: cipher suites, a CRL source, STARTTLS or system roots", ErrNotInStore)
	}
	if r.Server == "" {
		return r, fmt.Errorf("%w: the server identity %s", ErrNotInStore, sc.Identity.Name)
	}
	if cc.Identity != nil {
		if r.Client = nameOf(cc.Identity.Cert); r.Client == "" {
			return r, fmt.Errorf("%w: the client identity %s", ErrNotInStore, cc.Identity.Name)
		}
	}
	if r.ServerTrust, err = caOf(sc.ClientCAs); err != nil {
		return r, err
	}
	if r.ClientTrust, err = caOf(cc.RootCAs); err != nil {
		return r, err
	}
	// The request must give back what was staged: the same certificates
	// with the same chains (a scenario that left an intermediate out holds
	// a chain the store's identity does not) and the same CRLs.
	res, err := r.Resolve(st)
	if err != nil {
		return r, fmt.Errorf("%w: %v", ErrNotInStore, err)
	}
	if !sameChain(res.Server.Identity, sc.Identity) || (cc.Identity != nil && !sameChain(*res.Client.Identity, *cc.Identity)) {
		return r, fmt.Errorf("%w: a chain differs from the store's", ErrNotInStore)
	}
	if r.CheckCRL && !sameCerts(crlRaws(res.Server.CRLs), crlRaws(sc.CRLs)) {
		return r, fmt.Errorf("%w: the server checks other CRLs than the store publishes", ErrNotInStore)
	}
	return r, nil
}

func sameChain(a, b pki.Identity) bool {
	if a.Cert == nil || b.Cert == nil || !bytes.Equal(a.Cert.Raw, b.Cert.Raw) || len(a.Chain) != len(b.Chain) {
		return false
	}
	// The same key too: a scenario may pair a certificate with another key.
	type equaler interface{ Equal(crypto.PublicKey) bool }
	if a.Key == nil || b.Key == nil {
		return a.Key == nil && b.Key == nil
	}
	if pa, ok := a.Key.Public().(equaler); !ok || !pa.Equal(b.Key.Public()) {
		return false
	}
	for i := range a.Chain {
		if !bytes.Equal(a.Chain[i].Raw, b.Chain[i].Raw) {
			return false
		}
	}
	return true
}

func crlRaws(l []*x509.RevocationList) [][]byte {
	out := make([][]byte, len(l))
	for i, c := range l {
		out[i] = c.Raw
	}
	return out
}

// sameCerts reports whether two lists hold the same DER, in any order.
func sameCerts(a, b [][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		found := false
		for _, y := range b {
			found = found || bytes.Equal(x, y)
		}
		if !found {
			return false
		}
	}
	return true
}
