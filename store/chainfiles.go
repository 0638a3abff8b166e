package store

import (
	"bytes"
	"crypto/x509"
	"fmt"
	"os"
	"path/filepath"

	"github.com/pkibench/pkibench/pki"
)

// leafFiles are a certificate folder's chain files, certbot's convention:
// chain.pem holds the intermediates only, fullchain.pem the leaf and the
// intermediates (what a TLS server or client sends: nginx ssl_certificate,
// Node.js cert, curl --cert), root.pem the self-signed root on its own (what
// the other side trusts). A peer never sends the root: the verifier has it.
type leafFiles struct {
	chain, fullchain, root []byte
}

// splitChain builds leafFiles from the leaf's PEM and the issuer's chain
// (issuer first, root last when the chain reaches one).
func splitChain(certPEM []byte, issuers []*x509.Certificate) leafFiles {
	// chain.pem exists even when empty (a leaf right under its root), as certbot's does.
	lf := leafFiles{chain: []byte{}}
	inter := issuers
	if n := len(issuers); n > 0 && pki.IsSelfSigned(issuers[n-1]) {
		lf.root = pki.EncodeCertPEM(issuers[n-1].Raw)
		inter = issuers[:n-1]
	}
	for _, c := range inter {
		lf.chain = append(lf.chain, pki.EncodeCertPEM(c.Raw)...)
	}
	lf.fullchain = append(append([]byte{}, certPEM...), lf.chain...)
	return lf
}

// files lists them for a writer; root.pem only when the chain reached a root.
func (lf leafFiles) files() []plainFile {
	out := []plainFile{{"chain.pem", lf.chain, 0o644}, {"fullchain.pem", lf.fullchain, 0o644}}
	if lf.root != nil {
		out = append(out, plainFile{"root.pem", lf.root, 0o644})
	}
	return out
}

// readLeafChain reads a certificate folder's chain up to the root:
// chain.pem (possibly empty: a leaf right under its root) then root.pem.
// Stores written before the convention kept the root in chain.pem and have
// no root.pem; they read the same.
func readLeafChain(dir string) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for _, name := range []string{"chain.pem", "root.pem"} {
		p := filepath.Join(dir, name)
		b, err := os.ReadFile(p)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if len(bytes.TrimSpace(b)) == 0 {
			continue
		}
		objs, err := pki.Decode(b, p)
		if err != nil {
			return nil, err
		}
		certs := pki.Certificates(objs)
		if len(certs) == 0 {
			return nil, fmt.Errorf("%s: no certificate in the file (expected PEM certificates)", p)
		}
		out = append(out, certs...)
	}
	return out, nil
}
