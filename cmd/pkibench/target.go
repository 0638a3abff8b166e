package main

import (
	"crypto/x509"
	"errors"
	"fmt"
	"io"
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
// file. It never creates a store.
func (a *app) loadTarget(t string) (*target, error) {
	st, err := a.readStore()
	if err != nil && !errors.Is(err, store.ErrNotStore) && !errors.Is(err, store.ErrNoHome) {
		return nil, err
	}
	if t == "-" {
		b, err := a.readStdin()
		if err != nil {
			return nil, err
		}
		objs, err := pki.Decode(b, stdinName)
		if err != nil {
			return nil, err
		}
		return &target{source: stdinName, objs: objs, st: st}, nil
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
	b, err := store.ReadInput(path)
	if err != nil {
		if (st == nil || os.IsNotExist(err)) && !errors.Is(err, store.ErrInputTooLarge) {
			return nil, fmt.Errorf("%s: not a file, and not a name in the store %s", t, a.dir())
		}
		return nil, err
	}
	objs, err := pki.Decode(b, path)
	if err != nil {
		return nil, err
	}
	return &target{source: path, objs: objs, st: st}, nil
}

// stdinName names standard input in messages, as openssl does.
const stdinName = "(standard input)"

// maxStdin bounds what '-' reads: far above any certificate, CSR or bundle,
// far below what would exhaust memory.
const maxStdin = 16 << 20

// readStdin reads '-' (standard input) whole, refusing more than maxStdin.
func (a *app) readStdin() ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(a.stdin, maxStdin+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", stdinName, err)
	}
	if len(b) > maxStdin {
		return nil, fmt.Errorf("%s: more than %d MiB (expected a certificate, key, CSR or CRL)", stdinName, maxStdin>>20)
	}
	if len(b) == 0 {
		return nil, fmt.Errorf("%s: empty (expected PEM or DER data)", stdinName)
	}
	return b, nil
}

// readInput reads path, or standard input when path is "-".
func (a *app) readInput(path string) ([]byte, error) {
	if path == "-" {
		return a.readStdin()
	}
	return store.ReadInput(path)
}

// readCertFile reads every certificate in a PEM or DER file.
func readCertFile(path, flag string) ([]*x509.Certificate, error) {
	b, err := store.ReadInput(path)
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
