package store

import (
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/pkibench/pkibench/pki"
)

// Identity hands out a certificate, its key and chain as a value for the
// probe. name is an issued certificate, an import, or a CA ("ca:NAME" is
// not needed: CA names are unique in the store too).
func (s *Store) Identity(name string, pass PassphraseFunc) (pki.Identity, error) {
	return s.identity(name, pass, true)
}

// identityFiles is where name's certificate and key live: an issued
// certificate, an import or a CA.
func (s *Store) identityFiles(name string) (dir, certFile, keyFile string, err error) {
	if err := CheckName(name); err != nil {
		return "", "", "", err
	}
	switch {
	case exists(s.certDir(name)):
		return s.certDir(name), "cert.pem", "key.pem", nil
	case exists(s.impDir(name)):
		return s.impDir(name), "cert.pem", "key.pem", nil
	case exists(s.caDir(name)):
		return s.caDir(name), "ca.crt", "ca.key", nil
	}
	return "", "", "", &NotFoundError{"certificate", name}
}

// identity is Identity; without withKey the key is not read (exporting a
// certificate of an encrypted CA needs no passphrase).
func (s *Store) identity(name string, pass PassphraseFunc, withKey bool) (pki.Identity, error) {
	dir, certFile, keyFile, err := s.identityFiles(name)
	if err != nil {
		return pki.Identity{}, err
	}
	certs, err := readCerts(filepath.Join(dir, certFile))
	if err != nil {
		return pki.Identity{}, err
	}
	id := pki.Identity{Name: name, Cert: certs[0], Chain: certs[1:]}
	if certFile == "ca.crt" {
		// A CA's chain.pem is its path to the root, starting with itself.
		if chain, err := readCerts(filepath.Join(dir, "chain.pem")); err == nil {
			id.Chain = chain[1:]
		} else if !errors.Is(err, os.ErrNotExist) {
			return pki.Identity{}, err
		}
	} else if chain, err := readLeafChain(dir); err != nil {
		return pki.Identity{}, err
	} else if len(chain) > 0 {
		id.Chain = chain
	}
	if !withKey {
		return id, nil
	}
	key, err := readKeyFile(filepath.Join(dir, keyFile), "the key of "+name, pass)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return pki.Identity{}, err
	}
	if key != nil {
		if err := pki.CheckKeyPair(id.Cert, key); err != nil {
			return pki.Identity{}, fmt.Errorf("%s: %w", filepath.Join(dir, keyFile), err)
		}
		id.Key = key
	}
	return id, nil
}

// Root returns the self-signed certificate at the top of an identity's
// chain, or nil when the chain does not reach one.
func Root(id pki.Identity) *x509.Certificate {
	all := append([]*x509.Certificate{id.Cert}, id.Chain...)
	last := all[len(all)-1]
	if pki.IsSelfSigned(last) {
		return last
	}
	return nil
}

// CACerts returns the certificates of the named CAs (trust anchors).
func (s *Store) CACerts(names ...string) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for _, n := range names {
		c, err := s.caCert(n)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// CAChain returns a CA's chain (itself first, up to its root).
func (s *Store) CAChain(name string) ([]*x509.Certificate, error) {
	if err := CheckName(name); err != nil {
		return nil, err
	}
	return readCerts(filepath.Join(s.caDir(name), "chain.pem"))
}

func readCerts(path string) ([]*x509.Certificate, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	objs, err := pki.Decode(b, path)
	if err != nil {
		return nil, err
	}
	certs := pki.Certificates(objs)
	if len(certs) == 0 {
		return nil, fmt.Errorf("%s: no certificate in the file", path)
	}
	return certs, nil
}

// CANames lists the CA folders without reading them.
func (s *Store) CANames() ([]string, error) {
	ents, err := os.ReadDir(filepath.Join(s.root, "cas"))
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range ents {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			out = append(out, e.Name())
		}
	}
	return out, nil
}

// CRLs returns every CRL the store has published, one per CA.
func (s *Store) CRLs() ([]*x509.RevocationList, error) {
	names, err := s.CANames()
	if err != nil {
		return nil, err
	}
	var out []*x509.RevocationList
	for _, n := range names {
		l, err := s.CRL(n)
		var nf *NotFoundError
		if errors.As(err, &nf) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, nil
}

// CRLWatch returns a function that gives the store's current CRLs, as
// CRLs does, for a process that runs while CRLs are published (serve). A
// CA's crl.der is parsed again only when it changed: publication replaces
// it by rename, so a new inode, size or mtime tells, and each call costs
// a directory read and a stat per CA. The function is safe for concurrent
// use.
func (s *Store) CRLWatch() func() ([]*x509.RevocationList, error) {
	type seen struct {
		ino, size int64
		mtime     time.Time
		crl       *x509.RevocationList
	}
	var mu sync.Mutex
	cache := map[string]seen{}
	return func() ([]*x509.RevocationList, error) {
		names, err := s.CANames()
		if err != nil {
			return nil, err
		}
		mu.Lock()
		defer mu.Unlock()
		var out []*x509.RevocationList
		for _, n := range names {
			p := filepath.Join(s.caDir(n), "crl.der")
			fi, err := os.Stat(p)
			if os.IsNotExist(err) {
				delete(cache, n)
				continue
			}
			if err != nil {
				return nil, err
			}
			var ino int64
			if st, ok := fi.Sys().(*syscall.Stat_t); ok {
				ino = int64(st.Ino)
			}
			if c, ok := cache[n]; ok && c.ino == ino && c.size == fi.Size() && c.mtime.Equal(fi.ModTime()) {
				out = append(out, c.crl)
				continue
			}
			crl, err := s.CRL(n)
			var nf *NotFoundError
			if errors.As(err, &nf) {
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("CRL of CA %s: %w", n, err)
			}
			cache[n] = seen{ino: ino, size: fi.Size(), mtime: fi.ModTime(), crl: crl}
			out = append(out, crl)
		}
		return out, nil
	}
}

// Knowledge is what the store knows that explains a verdict (pki.Knowledge).
type Knowledge = pki.Knowledge

// Knowledge reads the CAs once and names them and the given identities.
func (s *Store) Knowledge(ids ...*pki.Identity) Knowledge {
	names := map[string]string{}
	var cas []*x509.Certificate
	if all, err := s.CANames(); err == nil {
		for _, n := range all {
			if cs, err := s.CACerts(n); err == nil {
				names[string(cs[0].Raw)] = n
				cas = append(cas, cs[0])
			}
		}
	}
	for _, id := range ids {
		if id != nil && id.Cert != nil {
			names[string(id.Cert.Raw)] = id.Name
		}
	}
	return Knowledge{NameOf: func(c *x509.Certificate) string { return names[string(c.Raw)] }, CAs: cas}
}
