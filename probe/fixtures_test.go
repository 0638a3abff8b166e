package probe

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"testing"
	"time"

	"github.com/pkibench/pkibench/pki"
)

// world is a set of CAs and identities made for the tests, in memory.
type world struct {
	now time.Time

	root, foreignRoot, inter, rsaRoot *authority

	server                pki.Identity // localhost, by root
	serverLong            pki.Identity // localhost, valid five years (for --at cases)
	serverForeign         pki.Identity // localhost, by foreignRoot
	serverExpired         pki.Identity
	serverOtherName       pki.Identity // other.example
	serverCNOnly          pki.Identity
	serverCNOnlyClientEKU pki.Identity // no SAN and a client-only EKU: two faults
	serverClientEKU       pki.Identity // client profile with a SAN
	serverPathLen         pki.Identity // below an intermediate with pathlen 0 and another CA
	serverNameConstrain   pki.Identity // localhost below a CA permitted example.com only
	serverSHA1            pki.Identity

	client           pki.Identity // mail, by root
	clientForeign    pki.Identity // by foreignRoot (the seeds' ZXC Inc.)
	clientViaInter   pki.Identity // by inter, chain sent
	clientDeep       pki.Identity // under two intermediates (inter, inter2), chain sent
	inter2           *authority
	clientNoInter    pki.Identity // by inter, intermediate not sent
	clientExpired    pki.Identity
	clientNotYet     pki.Identity
	clientRevoked    pki.Identity
	clientServerEKU  pki.Identity
	clientWrongKey   pki.Identity
	clientPathLen    pki.Identity
	clientNameConstr pki.Identity

	serverNoInter pki.Identity // by inter, intermediate not sent
	serverNotYet  pki.Identity
	clientByLeaf  pki.Identity         // signed by an end-entity certificate
	clientWeakKey pki.Identity         // RSA 1024
	forgedCRL     *x509.RevocationList // names root as issuer, signed by another key

	crl      *x509.RevocationList // root's, revokes clientRevoked
	staleCRL *x509.RevocationList // root's, nextUpdate passed
}

type authority struct {
	cert  *x509.Certificate
	key   crypto.Signer
	chain []*x509.Certificate // above cert, up to the root
}

func mustKey(t testing.TB, a pki.Algorithm) crypto.Signer {
	t.Helper()
	k, err := pki.GenerateKey(a)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func newRoot(t testing.TB, name string, a pki.Algorithm, now time.Time) *authority {
	t.Helper()
	k := mustKey(t, a)
	c, err := pki.Issue(pki.Request{Subject: pkix.Name{Organization: []string{name}, CommonName: name + " Root"}, Profile: pki.ProfileRootCA,
		NotBefore: now.Add(-3 * 365 * 24 * time.Hour), NotAfter: now.Add(10 * 365 * 24 * time.Hour), PublicKey: k.Public()}, nil, k)
	if err != nil {
		t.Fatal(err)
	}
	return &authority{cert: c, key: k}
}

func (a *authority) sub(t testing.TB, name string, pathLen *int, permitDNS []string, now time.Time) *authority {
	t.Helper()
	k := mustKey(t, pki.P256)
	c, err := pki.Issue(pki.Request{Subject: pkix.Name{Organization: a.cert.Subject.Organization, CommonName: name}, Profile: pki.ProfileIntermediateCA, PathLen: pathLen,
		Constraints: pki.NameConstraints{PermittedDNS: permitDNS},
		NotBefore:   now.Add(-time.Hour), NotAfter: now.Add(5 * 365 * 24 * time.Hour), PublicKey: k.Public()}, a.cert, a.key)
	if err != nil {
		t.Fatal(err)
	}
	return &authority{cert: c, key: k, chain: append([]*x509.Certificate{a.cert}, a.chain...)}
}

// leaf issues through pki.Template + pki.SignTemplate so tests can bend it.
func (a *authority) leaf(t testing.TB, name string, p pki.Profile, dns []string, bend func(*x509.Certificate)) pki.Identity {
	t.Helper()
	return a.leafKey(t, name, p, dns, pki.P256, bend)
}

func (a *authority) leafKey(t testing.TB, name string, p pki.Profile, dns []string, alg pki.Algorithm, bend func(*x509.Certificate)) pki.Identity {
	t.Helper()
	k := mustKey(t, alg)
	now := time.Now()
	tpl, err := pki.Template(pki.Request{Subject: pkix.Name{Organization: []string{name}, CommonName: name}, Profile: p, DNS: dns,
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(365 * 24 * time.Hour), PublicKey: k.Public()})
	if err != nil {
		t.Fatal(err)
	}
	if bend != nil {
		bend(tpl)
	}
	c, err := pki.SignTemplate(tpl, a.cert, a.key)
	if err != nil {
		t.Fatal(err)
	}
	return pki.Identity{Name: name, Cert: c, Key: k, Chain: append([]*x509.Certificate{a.cert}, a.chain...)}
}

func newWorld(t testing.TB) *world {
	t.Helper()
	now := time.Now()
	w := &world{now: now}
	w.root = newRoot(t, "ABC Inc.", pki.P256, now)
	w.foreignRoot = newRoot(t, "ZXC Inc.", pki.P256, now)
	w.rsaRoot = newRoot(t, "RSA Old", pki.RSA2048, now)
	w.inter = w.root.sub(t, "ABC Issuing", nil, nil, now)
	zero := 0
	pl0 := w.root.sub(t, "ABC PathLen0", &zero, nil, now)
	below := pl0.sub(t, "ABC Too Deep", nil, nil, now)
	nc := w.root.sub(t, "ABC example.com only", nil, []string{"example.com"}, now)

	localhost := []string{"localhost"}
	w.server = w.root.leaf(t, "localhost", pki.ProfileServer, localhost, nil)
	w.serverLong = w.root.leaf(t, "localhost", pki.ProfileServer, localhost, func(c *x509.Certificate) {
		c.NotAfter = now.Add(5 * 365 * 24 * time.Hour).Truncate(time.Second)
	})
	w.serverForeign = w.foreignRoot.leaf(t, "localhost", pki.ProfileServer, localhost, nil)
	w.serverExpired = w.root.leaf(t, "localhost", pki.ProfileServer, localhost, func(c *x509.Certificate) {
		c.NotBefore, c.NotAfter = now.Add(-48*time.Hour).Truncate(time.Second), now.Add(-24*time.Hour).Truncate(time.Second)
	})
	w.serverOtherName = w.root.leaf(t, "other", pki.ProfileServer, []string{"other.example"}, nil)
	w.serverCNOnly = w.root.leaf(t, "localhost", pki.ProfileServer, localhost, func(c *x509.Certificate) { c.DNSNames = nil })
	w.serverCNOnlyClientEKU = w.root.leaf(t, "localhost", pki.ProfileClient, nil, nil)
	w.serverClientEKU = w.root.leaf(t, "localhost", pki.ProfileClient, localhost, nil)
	w.serverPathLen = below.leaf(t, "localhost", pki.ProfileServer, localhost, nil)
	w.serverNameConstrain = nc.leaf(t, "localhost", pki.ProfileServer, localhost, nil)
	w.serverSHA1 = w.rsaRoot.leafKey(t, "localhost", pki.ProfileServer, localhost, pki.RSA2048, func(c *x509.Certificate) {
		c.SignatureAlgorithm = x509.SHA1WithRSA
	})

	w.client = w.root.leaf(t, "mail", pki.ProfileClient, nil, nil)
	w.clientForeign = w.foreignRoot.leaf(t, "mail", pki.ProfileClient, nil, nil)
	w.clientViaInter = w.inter.leaf(t, "mail-inter", pki.ProfileClient, nil, nil)
	w.inter2 = w.inter.sub(t, "ABC Issuing 2", nil, nil, now)
	w.clientDeep = w.inter2.leaf(t, "deep-mail", pki.ProfileClient, nil, nil)
	w.clientNoInter = w.clientViaInter
	w.clientNoInter.Chain = nil
	w.clientExpired = w.root.leaf(t, "old", pki.ProfileClient, nil, func(c *x509.Certificate) {
		c.NotBefore, c.NotAfter = now.Add(-48*time.Hour).Truncate(time.Second), now.Add(-24*time.Hour).Truncate(time.Second)
	})
	w.clientNotYet = w.root.leaf(t, "future", pki.ProfileClient, nil, func(c *x509.Certificate) {
		c.NotBefore, c.NotAfter = now.Add(24*time.Hour).Truncate(time.Second), now.Add(48*time.Hour).Truncate(time.Second)
	})
	w.clientRevoked = w.root.leaf(t, "client2", pki.ProfileClient, nil, nil)
	w.clientServerEKU = w.root.leaf(t, "srv-as-client", pki.ProfileServer, localhost, nil)
	w.clientWrongKey = w.root.leaf(t, "wrongkey", pki.ProfileClient, nil, nil)
	w.clientWrongKey.Key = mustKey(t, pki.P256)
	w.clientPathLen = below.leaf(t, "deep", pki.ProfileClient, nil, nil)
	w.clientNameConstr = nc.leaf(t, "nc", pki.ProfileClient, nil, func(c *x509.Certificate) { c.DNSNames = []string{"mail.other.org"} })

	w.serverNoInter = w.inter.leaf(t, "localhost", pki.ProfileServer, localhost, nil)
	w.serverNoInter.Chain = nil
	w.serverNotYet = w.root.leaf(t, "localhost", pki.ProfileServer, localhost, func(c *x509.Certificate) {
		c.NotBefore, c.NotAfter = now.Add(24*time.Hour).Truncate(time.Second), now.Add(48*time.Hour).Truncate(time.Second)
	})
	leafCA := &authority{cert: w.client.Cert, key: w.client.Key, chain: []*x509.Certificate{w.root.cert}}
	w.clientByLeaf = leafCA.leaf(t, "by-leaf", pki.ProfileClient, nil, nil)
	w.clientWeakKey = w.root.leafRSA1024(t, "weak")
	impostor := newRoot(t, "ABC Inc.", pki.P256, now)
	impostor.cert.RawSubject = w.root.cert.RawSubject // signs as if it were the root
	forged := &world{root: impostor}
	w.forgedCRL = forged.makeCRL(t, now.Add(-time.Hour), now.Add(24*time.Hour))

	w.crl = w.makeCRL(t, now.Add(-time.Hour), now.Add(7*24*time.Hour), w.clientRevoked.Cert.SerialNumber)
	w.staleCRL = w.makeCRL(t, now.Add(-48*time.Hour), now.Add(-24*time.Hour))
	return w
}

func (w *world) makeCRL(t testing.TB, this, next time.Time, serials ...*big.Int) *x509.RevocationList {
	t.Helper()
	var rev []pki.Revocation
	for _, s := range serials {
		rev = append(rev, pki.Revocation{Serial: s, Time: this, Reason: 1})
	}
	der, err := pki.CreateCRL(pki.CRLRequest{Number: big.NewInt(int64(len(serials) + 1)), ThisUpdate: this, NextUpdate: next, Revoked: rev}, w.root.cert, w.root.key)
	if err != nil {
		t.Fatal(err)
	}
	crl, err := x509.ParseRevocationList(der)
	if err != nil {
		t.Fatal(err)
	}
	return crl
}

func (w *world) serverCfg(id pki.Identity) ServerConfig {
	return ServerConfig{Identity: id, ClientCAs: []*x509.Certificate{w.root.cert}, Auth: AuthRequireAndVerify}
}

func (w *world) clientCfg(id *pki.Identity) ClientConfig {
	return ClientConfig{Identity: id, RootCAs: []*x509.Certificate{w.root.cert, w.rsaRoot.cert}}
}

func ptr(id pki.Identity) *pki.Identity { return &id }

// leafRSA1024 issues a client certificate with a key too small for today.
func (a *authority) leafRSA1024(t testing.TB, name string) pki.Identity {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tpl, err := pki.Template(pki.Request{Subject: pkix.Name{CommonName: name}, Profile: pki.ProfileClient,
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), PublicKey: k.Public()})
	if err != nil {
		t.Fatal(err)
	}
	c, err := pki.SignTemplate(tpl, a.cert, a.key)
	if err != nil {
		t.Fatal(err)
	}
	return pki.Identity{Name: name, Cert: c, Key: k, Chain: []*x509.Certificate{a.cert}}
}
