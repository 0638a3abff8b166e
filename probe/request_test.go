package probe

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/pkibench/pkibench/pki"
)

// memSource is a Source in memory: identities, CAs and CRLs by name, with
// encrypted keys (opened with "secret") and a CRL read that can fail.
type memSource struct {
	ids       map[string]pki.Identity
	encrypted map[string]bool
	cas       map[string]*x509.Certificate
	crls      []*x509.RevocationList
	crlErr    error
	crlReads  int
}

var errNeedPass = errors.New("the key is encrypted")

func (m *memSource) Identity(name string, pass pki.PassphraseFunc) (pki.Identity, error) {
	id, ok := m.ids[name]
	if !ok {
		return id, fmt.Errorf("no certificate %q", name)
	}
	if m.encrypted[name] {
		if pass == nil {
			return pki.Identity{}, errNeedPass
		}
		p, err := pass("the key of " + name)
		if err != nil {
			return pki.Identity{}, err
		}
		if string(p) != "secret" {
			return pki.Identity{}, pki.ErrWrongPassphrase
		}
	}
	return id, nil
}

func (m *memSource) CACerts(names ...string) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for _, n := range names {
		c, ok := m.cas[n]
		if !ok {
			return nil, fmt.Errorf("no CA %q", n)
		}
		out = append(out, c)
	}
	return out, nil
}

func (m *memSource) CRLs() ([]*x509.RevocationList, error) {
	m.crlReads++
	return m.crls, m.crlErr
}

func (m *memSource) Knowledge(ids ...*pki.Identity) pki.Knowledge {
	return pki.Knowledge{NameOf: func(*x509.Certificate) string { return "" }}
}

func newMemSource(w *world) *memSource {
	keyless := w.client
	keyless.Name, keyless.Key = "keyless", nil
	return &memSource{
		ids: map[string]pki.Identity{
			"server": w.server, "client": w.client, "keyless": keyless, "locked": w.clientViaInter,
		},
		encrypted: map[string]bool{"locked": true},
		cas:       map[string]*x509.Certificate{"abc": w.root.cert, "zxc": w.foreignRoot.cert},
		crls:      []*x509.RevocationList{w.crl},
	}
}

// Decision 1: a client without a certificate has no root of its own to
// trust; it is never given the server's root behind the user's back. The
// request is refused, naming the trust field, until it is told.
func TestRequestClientWithoutCertificateMustBeToldTrust(t *testing.T) {
	src := newMemSource(newWorld(t))
	_, err := Request{Server: "server"}.Resolve(src)
	var tn *TrustNeededError
	if !errors.As(err, &tn) || tn.Field != FieldClientTrust || tn.Name != "" {
		t.Fatalf("no client, no trust: err = %v, want TrustNeededError for %s", err, FieldClientTrust)
	}
	res, err := Request{Server: "server", ClientTrust: []string{"abc"}}.Resolve(src)
	if err != nil || res.Client.Identity != nil || len(res.Client.RootCAs) != 1 || res.Client.RootCAs[0] != src.cas["abc"] {
		t.Fatalf("told to trust abc: %+v, %v", res.Client, err)
	}
}

// Decision 2: an identity without its private key is refused on either
// side, before any handshake: it cannot prove the certificate it shows.
func TestRequestIdentityWithoutKeyRefused(t *testing.T) {
	src := newMemSource(newWorld(t))
	for _, r := range []Request{
		{Server: "server", Client: "keyless"},
		{Server: "keyless", Client: "client"},
		{Connect: "127.0.0.1:1", Client: "keyless"},
	} {
		_, err := r.Resolve(src)
		var nk *NoKeyError
		if !errors.As(err, &nk) || nk.Name != "keyless" {
			t.Errorf("%+v: err = %v, want NoKeyError naming keyless", r, err)
		}
	}
}

// Decision 3: the server reads every CRL the source has published when,
// and only when, it checks CRLs, and an unreadable CRL fails the request
// (never a client passed for want of a CRL); the client reads them only to
// explain an outside server (Connect).
func TestRequestCRLsLoadedOnlyWhenChecked(t *testing.T) {
	w := newWorld(t)
	src := newMemSource(w)
	res, err := Request{Server: "server", Client: "client"}.Resolve(src)
	if err != nil || src.crlReads != 0 || res.Server.CRLs != nil || res.Client.KnownCRLs != nil {
		t.Fatalf("no CRL check: %d reads, %v", src.crlReads, err)
	}
	res, err = Request{Server: "server", Client: "client", CheckCRL: true}.Resolve(src)
	if err != nil || !res.Server.CheckCRL || len(res.Server.CRLs) != 1 || res.Client.KnownCRLs != nil {
		t.Fatalf("CRL check: server %d CRLs, client %d, %v", len(res.Server.CRLs), len(res.Client.KnownCRLs), err)
	}
	res, err = Request{Connect: "127.0.0.1:1", Client: "client"}.Resolve(src)
	if err != nil || len(res.Client.KnownCRLs) != 1 {
		t.Fatalf("connect: %d known CRLs, %v", len(res.Client.KnownCRLs), err)
	}
	src.crlErr = errors.New("crl.pem: truncated")
	if _, err := (Request{Server: "server", Client: "client", CheckCRL: true}).Resolve(src); !errors.Is(err, src.crlErr) {
		t.Fatalf("unreadable CRL under a CRL check: err = %v, want it to fail the request", err)
	}
}

// Decision 4: the request carries the one passphrase function of its front
// end (the CLI's file, environment or prompt; the TUI's dialog); nil means
// nobody can be asked and the source's "encrypted" error comes back wrapped,
// so the TUI can open its dialog and run the same request again.
func TestRequestPassphraseForEncryptedKey(t *testing.T) {
	src := newMemSource(newWorld(t))
	_, err := Request{Server: "server", Client: "locked"}.Resolve(src)
	var re *ResolveError
	if !errors.Is(err, errNeedPass) || !errors.As(err, &re) || re.Field != FieldClient || re.Name != "locked" {
		t.Fatalf("no passphrase func: err = %v, want the source's error for client locked", err)
	}
	var asked []string
	pass := func(purpose string) ([]byte, error) { asked = append(asked, purpose); return []byte("secret"), nil }
	res, err := Request{Server: "server", Client: "locked", Passphrase: pass}.Resolve(src)
	if err != nil || res.Client.Identity == nil || len(asked) != 1 || asked[0] != "the key of locked" {
		t.Fatalf("with a passphrase: %v, asked %q", err, asked)
	}
}

// Decision 5: one timeout, DefaultTimeout unless the request gives one
// (the CLI's --timeout); a negative one is refused, never "no timeout".
func TestRequestTimeout(t *testing.T) {
	src := newMemSource(newWorld(t))
	for _, c := range []struct {
		in, want time.Duration
	}{{0, DefaultTimeout}, {2 * time.Second, 2 * time.Second}} {
		res, err := Request{Server: "server", Client: "client", Timeout: c.in}.Resolve(src)
		if err != nil || res.Options.Timeout != c.want {
			t.Errorf("Timeout %v: options say %v, %v; want %v", c.in, res.Options.Timeout, err, c.want)
		}
	}
	_, err := Request{Server: "server", Client: "client", Timeout: -time.Second}.Resolve(src)
	var m *MissingError
	if !errors.As(err, &m) || m.Field != FieldTimeout {
		t.Errorf("negative timeout: err = %v", err)
	}
}

// A resolved request runs: the seeds' pair through Resolve is accepted.
func TestRequestResolvedRuns(t *testing.T) {
	src := newMemSource(newWorld(t))
	res, err := Request{Server: "server", Client: "client", Timeout: 5 * time.Second}.Resolve(src)
	if err != nil {
		t.Fatal(err)
	}
	if r := Run(context.Background(), res.Server, res.Client, res.Options); !r.OK() {
		t.Fatalf("%s %s: %s", r.Verdict, r.Reason, r.Summary)
	}
}
