package lab

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"

	"github.com/pkibench/pkibench/pki"
	"github.com/pkibench/pkibench/probe"
	"github.com/pkibench/pkibench/store"
)

// Names of the lab material shared by several scenarios. Every name starts
// with "lab-" so it cannot be mistaken for the user's own material.
const (
	abcCA         = "lab-abc"
	zxcCA         = "lab-zxc"
	issuingCA     = "lab-abc-issuing"
	invoiceServer = "lab-invoice-server"
	mailServer    = "lab-mail-server"
	localhost     = "localhost"
)

// ForeignError refuses to stage over a name that exists in the store but is
// not lab material: the lab never touches the user's own CAs and certificates.
type ForeignError struct{ Name string }

func (e *ForeignError) Error() string {
	return fmt.Sprintf("%s exists in the store but is not lab material; the lab will not touch it (rename it, or use another store)", e.Name)
}

// bench stages lab material in a store. Material already there (from an
// earlier run) is reused, so a scenario can be staged again and again and
// the store does not fill up.
type bench struct {
	st *store.Store
}

// ca returns the lab CA name, creating it when absent.
func (b bench) ca(o store.CAOptions) (*store.CA, error) {
	ca, err := b.st.CA(o.Name)
	if err == nil {
		if !ca.Lab {
			return nil, &ForeignError{o.Name}
		}
		return ca, nil
	}
	var nf *store.NotFoundError
	if !errors.As(err, &nf) {
		return nil, err
	}
	o.Lab = true
	created, err := b.st.CreateCA(o)
	var ex *store.ExistsError
	if errors.As(err, &ex) {
		// Another run may have made it meanwhile: reuse it if it is lab material.
		if ca, err := b.st.CA(o.Name); err == nil && ca.Lab {
			return ca, nil
		}
		return nil, &ForeignError{o.Name}
	}
	return created, err
}

func (b bench) abc() (*store.CA, error) {
	return b.ca(store.CAOptions{Name: abcCA, Subject: pkix.Name{Organization: []string{"ABC Inc."}, CommonName: "ABC Inc. Lab CA"}})
}

func (b bench) zxc() (*store.CA, error) {
	return b.ca(store.CAOptions{Name: zxcCA, Subject: pkix.Name{Organization: []string{"ZXC Inc."}, CommonName: "zxc.com"}})
}

func (b bench) issuing() (*store.CA, error) {
	if _, err := b.abc(); err != nil {
		return nil, err
	}
	return b.ca(store.CAOptions{Name: issuingCA, Parent: abcCA,
		Subject: pkix.Name{Organization: []string{"ABC Inc."}, CommonName: "ABC Inc. Lab Issuing CA"}})
}

// cert returns the identity o.Names[0], issuing it from o.CA when absent.
// The CA must already exist.
func (b bench) cert(o store.IssueOptions) (pki.Identity, error) {
	name := o.Names[0]
	found, err := b.issued(o.CA, name)
	if err != nil {
		return pki.Identity{}, err
	}
	if !found {
		_, err := b.st.Issue(o)
		var ex *store.ExistsError
		if errors.As(err, &ex) {
			// Another run may have issued it meanwhile; anything else
			// under that name is the user's.
			if found, _ = b.issued(o.CA, name); !found {
				return pki.Identity{}, &ForeignError{name}
			}
		} else if err != nil {
			return pki.Identity{}, err
		}
	}
	return b.st.Identity(name, nil)
}

// issued reports whether the lab CA ca issued a certificate called name.
func (b bench) issued(ca, name string) (bool, error) {
	certs, err := b.st.List(store.ListFilter{CA: ca})
	if err != nil {
		return false, err
	}
	for _, c := range certs {
		if c.Name == name && c.Kind == "issued" {
			return true, nil
		}
	}
	return false, nil
}

// invoice is the seeds' invoice server: localhost, by ABC Inc. It is valid
// five years so that the clock can be moved past a one-year client
// certificate while the server stays good.
func (b bench) invoice() (pki.Identity, error) {
	if _, err := b.abc(); err != nil {
		return pki.Identity{}, err
	}
	return b.cert(store.IssueOptions{Names: []string{invoiceServer}, CA: abcCA, Profile: pki.ProfileServer,
		DNS: []string{localhost}, Days: 5 * 365,
		Subject: pkix.Name{Organization: []string{"InvoiceServer"}, CommonName: localhost}})
}

// mail is the seeds' mail server, the client: one year, by ABC Inc.
func (b bench) mail() (pki.Identity, error) {
	if _, err := b.abc(); err != nil {
		return pki.Identity{}, err
	}
	return b.cert(store.IssueOptions{Names: []string{mailServer}, CA: abcCA, Profile: pki.ProfileClient, Days: 365,
		Subject: pkix.Name{Organization: []string{"MailServer"}, CommonName: localhost}})
}

// trust returns the certificates of lab CAs.
func (b bench) trust(names ...string) ([]*x509.Certificate, error) {
	return b.st.CACerts(names...)
}

// source is the store as the probe sees it, with the identities a scenario
// bent (an intermediate left out, say) standing in for the store's: the lab
// sets a probe up through probe.Request like the CLI and the TUI.
type source struct {
	*store.Store
	bent map[string]pki.Identity
}

func (s source) Identity(name string, pass pki.PassphraseFunc) (pki.Identity, error) {
	if id, ok := s.bent[name]; ok {
		return id, nil
	}
	return s.Store.Identity(name, pass)
}

// pairWith is the seeds' setup: server (the invoice server demanding a
// client certificate from ABC Inc., requestCert: true, rejectUnauthorized:
// true) and a client presenting id (nil: no certificate), both trusting
// ABC Inc. and dialling localhost.
func (b bench) pairWith(server pki.Identity, id *pki.Identity) (staged, error) {
	src := source{Store: b.st, bent: map[string]pki.Identity{server.Name: server}}
	r := probe.Request{Server: server.Name, ServerTrust: []string{abcCA}, ClientTrust: []string{abcCA},
		Auth: probe.AuthRequireAndVerify, ServerName: localhost}
	if id != nil {
		src.bent[id.Name] = *id
		r.Client = id.Name
	}
	res, err := r.Resolve(src)
	return staged{sc: res.Server, cc: res.Client, opts: res.Options}, err
}

// pair is pairWith the invoice server.
func (b bench) pair(id *pki.Identity) (staged, error) {
	server, err := b.invoice()
	if err != nil {
		return staged{}, err
	}
	return b.pairWith(server, id)
}

// withCRL makes sc check client certificates against the CA's latest CRL.
func (b bench) withCRL(sc *probe.ServerConfig, ca string) error {
	crl, err := b.st.CRL(ca)
	if err != nil {
		return err
	}
	sc.CheckCRL = true
	sc.CRLs = []*x509.RevocationList{crl}
	return nil
}

// crl publishes the CA's CRL (for days; 0 is the CA's default) unless the
// latest one is still fresh and already lists revoked. Keeping a fresh CRL
// keeps its nextUpdate, so "jump past the CRL's nextUpdate" stays put.
func (b bench) crl(ca string, days int, revoked *x509.Certificate) error {
	if crl, err := b.st.CRL(ca); err == nil && b.st.Now().Before(crl.NextUpdate) && lists(crl, revoked) {
		return nil
	}
	_, err := b.st.PublishCRL(ca, store.CRLOptions{Days: days})
	return err
}

func lists(crl *x509.RevocationList, c *x509.Certificate) bool {
	if c == nil {
		return true
	}
	for _, e := range crl.RevokedCertificateEntries {
		if e.SerialNumber != nil && e.SerialNumber.Cmp(c.SerialNumber) == 0 {
			return true
		}
	}
	return false
}
