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
	names, err := newStoreNames(st)
	if err != nil {
		return probe.Request{}, err
	}
	r := probe.Request{Server: names.certName(sc.Identity.Cert), Auth: sc.Auth, CheckCRL: sc.CheckCRL, ServerName: cc.ServerName,
		ClientVersion: cc.MaxVersion, ServerVersion: sc.MaxVersion, GoStyle: cc.GoStyle, Emulate: cc.Emulate, At: opts.At}
	if err := requestCanName(sc, cc); err != nil {
		return r, err
	}
	if r.Server == "" {
		return r, fmt.Errorf("%w: the server identity %s", ErrNotInStore, sc.Identity.Name)
	}
	if cc.Identity != nil {
		if r.Client = names.certName(cc.Identity.Cert); r.Client == "" {
			return r, fmt.Errorf("%w: the client identity %s", ErrNotInStore, cc.Identity.Name)
		}
	}
	if r.ServerTrust, err = names.caNames(sc.ClientCAs); err != nil {
		return r, err
	}
	if r.ClientTrust, err = names.caNames(cc.RootCAs); err != nil {
		return r, err
	}
	return r, resolvesAsStaged(r, st, sc, cc)
}

// requestCanName refuses staged settings a request has no field for.
func requestCanName(sc probe.ServerConfig, cc probe.ClientConfig) error {
	if cc.MinVersion != cc.MaxVersion || sc.MinVersion != sc.MaxVersion {
		return fmt.Errorf("%w: a TLS version range, not one version", ErrNotInStore)
	}
	if len(sc.CipherSuites) > 0 || len(cc.CipherSuites) > 0 || sc.CRLSource != nil || cc.StartTLS != "" || cc.SystemRoots {
		return fmt.Errorf("%w: cipher suites, a CRL source, STARTTLS or system roots", ErrNotInStore)
	}
	return nil
}

// resolvesAsStaged checks that the request gives back what was staged: the
// same certificates with the same chains (a scenario that left an
// intermediate out holds a chain the store's identity does not) and the
// same CRLs.
func resolvesAsStaged(r probe.Request, st *store.Store, sc probe.ServerConfig, cc probe.ClientConfig) error {
	res, err := r.Resolve(st)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrNotInStore, err)
	}
	if !sameChain(res.Server.Identity, sc.Identity) || (cc.Identity != nil && !sameChain(*res.Client.Identity, *cc.Identity)) {
		return fmt.Errorf("%w: a chain differs from the store's", ErrNotInStore)
	}
	if r.CheckCRL && !sameCerts(crlRaws(res.Server.CRLs), crlRaws(sc.CRLs)) {
		return fmt.Errorf("%w: the server checks other CRLs than the store publishes", ErrNotInStore)
	}
	return nil
}

// storeNames finds the store's names of staged certificates and CAs.
type storeNames struct {
	st    *store.Store
	certs []store.Cert
	cas   []*store.CA
}

func newStoreNames(st *store.Store) (storeNames, error) {
	certs, err := st.List(store.ListFilter{})
	if err != nil {
		return storeNames{}, err
	}
	cas, err := st.ListCAs()
	if err != nil {
		return storeNames{}, err
	}
	return storeNames{st: st, certs: certs, cas: cas}, nil
}

// certName is the name of the store's identity holding exactly c, or "".
func (n storeNames) certName(c *x509.Certificate) string {
	if c == nil {
		return ""
	}
	serial := pki.SerialHex(c.SerialNumber)
	for _, rec := range n.certs {
		if strings.EqualFold(rec.Serial, serial) {
			if id, err := n.st.Identity(rec.Name, nil); err == nil && id.Cert != nil && bytes.Equal(id.Cert.Raw, c.Raw) {
				return rec.Name
			}
		}
	}
	return ""
}

// caNames names each trusted certificate by the store's CA holding it.
func (n storeNames) caNames(list []*x509.Certificate) ([]string, error) {
	var out []string
	for _, c := range list {
		found := ""
		for _, ca := range n.cas {
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
