package main

import (
	"crypto/x509"
	"errors"
	"fmt"
	"os"

	"github.com/pkibench/pkibench/pki"
	"github.com/pkibench/pkibench/store"
)

// target is something to inspect or verify: a store name, CA/SERIAL or a file.
type target struct {
	source string       // the file it was read from
	objs   []pki.Object // what the file holds
	st     *store.Store // the store, when one exists (never created here)
}

// loadTarget resolves t in the store when there is one, else reads it as a
// file. It never creates a store. With lenient, certificates, CSRs and
// CRLs crypto/x509 refuses are kept (Object.Refused) so they can be shown
// or reported on instead of failing the whole input.
func (a *app) loadTarget(t string, lenient bool) (*target, error) {
	st, err := a.readStore()
	if err != nil && !errors.Is(err, store.ErrNotStore) {
		return nil, err
	}
	path := ""
	if st != nil {
		if path, err = st.TargetFile(t); err != nil {
			return nil, err
		}
	}
	if path == "" {
		path = t
	}
	b, err := os.ReadFile(path)
	if err != nil {
		if st == nil || os.IsNotExist(err) {
			return nil, fmt.Errorf("%s: not a file, and not a name in the store %s", t, a.dir())
		}
		return nil, err
	}
	decode := pki.Decode
	if lenient {
		decode = pki.DecodeLenient
	}
	objs, err := decode(b, path)
	if err != nil {
		return nil, err
	}
	return &target{source: path, objs: objs, st: st}, nil
}

// readCertFile reads every certificate in a PEM or DER file.
func readCertFile(path, flag string) ([]*x509.Certificate, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", flag, err)
	}
	objs, err := pki.Decode(b, path)
	if err != nil {
		return nil, err
	}
	certs := pki.Certificates(objs)
	if len(certs) == 0 {
		return nil, fmt.Errorf("%s %s: no certificate in the file (expected PEM or DER certificates)", flag, path)
	}
	return certs, nil
}
