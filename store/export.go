package store

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/pkibench/pkibench/pki"
)

// ExportFormats lists what Export writes.
var ExportFormats = []string{"pem", "der", "chain", "fullchain", "p12"}

// Export returns a target's certificate in the given format: pem (the
// certificate), der, chain (the intermediates only), fullchain (the
// certificate then the intermediates; no root) or p12. For p12 the
// password protects the file; the key must be in the store.
func (s *Store) Export(target, format string, pass PassphraseFunc) ([]byte, error) {
	id, err := s.Identity(target, pass)
	if err != nil {
		return nil, err
	}
	switch format {
	case "pem", "":
		return pki.EncodeCertPEM(id.Cert.Raw), nil
	case "der":
		return id.Cert.Raw, nil
	case "chain", "fullchain":
		// certbot's convention: the intermediates, the leaf first for
		// fullchain; never the root, which the verifier already holds.
		lf := splitChain(pki.EncodeCertPEM(id.Cert.Raw), id.Chain)
		if format == "fullchain" {
			return lf.fullchain, nil
		}
		return lf.chain, nil
	case "p12":
		if id.Key == nil {
			return nil, fmt.Errorf("%s: no private key in the store, a PKCS#12 needs one", target)
		}
		if pass == nil {
			return nil, ErrPassphraseNeeded
		}
		pw, err := pass("the password for the PKCS#12 file")
		if err != nil {
			return nil, err
		}
		// The store name is the key entry's friendlyName (keytool's alias).
		return pki.EncodePKCS12(id.Key, id.Cert, id.Chain, string(pw), target)
	}
	return nil, fmt.Errorf("unknown export format %q (expected one of %s)", format, strings.Join(ExportFormats, ", "))
}

// TargetFile resolves an inspect target inside the store: a certificate,
// CA or import name, or CA/SERIAL. It returns "" and no error when target
// is not a store name (the caller then treats it as a file).
func (s *Store) TargetFile(target string) (string, error) {
	if ca, serial, ok := strings.Cut(target, "/"); ok && CheckName(ca) == nil && exists(s.caDir(ca)) {
		p := filepath.Join(s.caDir(ca), "certs", strings.ToUpper(serial)+".pem")
		if exists(p) {
			return p, nil
		}
		return "", &NotFoundError{"serial " + serial + " in CA", ca}
	}
	if CheckName(target) != nil {
		return "", nil
	}
	for _, p := range []string{
		filepath.Join(s.certDir(target), "cert.pem"), filepath.Join(s.caDir(target), "ca.crt"),
		filepath.Join(s.impDir(target), "cert.pem"), filepath.Join(s.impDir(target), "csr.pem"),
		filepath.Join(s.impDir(target), "crl.pem"), filepath.Join(s.certDir(target), "csr.pem"),
	} {
		if exists(p) {
			return p, nil
		}
	}
	return "", nil
}

func readFileBytes(p string) ([]byte, error) { return os.ReadFile(p) }
