package lab

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"time"

	"github.com/pkibench/pkibench/pki"
)

const time1m = time.Minute

func bigOne() *big.Int { return big.NewInt(1) }

// keyMaker makes the key of an in-memory certificate.
type keyMaker func() (crypto.Signer, error)

func algo(a pki.Algorithm) keyMaker {
	return func() (crypto.Signer, error) { return pki.GenerateKey(a) }
}

// rsa1024 is below the floor pki.GenerateKey enforces; the lab builds it
// with crypto/rsa to show what a weak key looks like to a peer.
func rsa1024() (crypto.Signer, error) { return rsa.GenerateKey(rand.Reader, 1024) }

// memLeaf signs a certificate in memory with issuer's key, for the breaks
// the store refuses to make (a weak key, a leaf acting as a CA). It never
// reaches the disk, so there is nothing to clean.
func memLeaf(b bench, issuer pki.Identity, name string, mk keyMaker, p pki.Profile, bend func(*x509.Certificate)) (pki.Identity, error) {
	key, err := mk()
	if err != nil {
		return pki.Identity{}, err
	}
	now := b.st.Now()
	tpl, err := pki.Template(pki.Request{Subject: pkix.Name{Organization: []string{"ABC Inc."}, CommonName: name},
		Profile: p, DNS: []string{localhost}, NotBefore: now.Add(-time.Minute), NotAfter: now.AddDate(1, 0, 0), PublicKey: key.Public()})
	if err != nil {
		return pki.Identity{}, err
	}
	if bend != nil {
		bend(tpl)
	}
	cert, err := pki.SignTemplate(tpl, issuer.Cert, issuer.Key)
	if err != nil {
		return pki.Identity{}, err
	}
	return pki.Identity{Name: name, Cert: cert, Key: key, Chain: append([]*x509.Certificate{issuer.Cert}, issuer.Chain...)}, nil
}
