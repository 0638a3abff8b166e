package main

import (
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
// file ("-" is standard input). It never creates a store. With lenient,
// certificates, CSRs and CRLs crypto/x509 refuses are kept (Object.Refused)
// so they can be shown or reported on instead of failing the whole input.
func (a *app) loadTarget(t string, lenient bool) (*target, error) {
	tg, b, err := a.readTarget(t)
	if err != nil {
		return nil, err
	}
	decode := pki.Decode
	if lenient {
		decode = pki.DecodeLenient
	}
	if tg.objs, err = decode(b, tg.source); err != nil {
		return nil, err
	}
	return tg, nil
}

// readTarget resolves t as loadTarget does and returns the bytes, undecoded
// (target.objs stays empty), read through the bounded reader.
func (a *app) readTarget(t string) (*target, []byte, error) {
	st, err := a.readStore()
	if err != nil && !errors.Is(err, store.ErrNotStore) && !errors.Is(err, store.ErrNoHome) {
		return nil, nil, err
	}
	if t == "-" {
		b, err := a.readStdin()
		if err != nil {
			return nil, nil, err
		}
		return &target{source: stdinName, st: st}, b, nil
	}
	path := ""
	if st != nil {
		if path, err = st.TargetFile(t); err != nil {
			return nil, nil, err
		}
	}
	if path == "" {
		path = t
	}
	b, err := store.ReadInput(path)
	if err != nil {
		if (st == nil || os.IsNotExist(err)) && !errors.Is(err, store.ErrInputTooLarge) {
			return nil, nil, fmt.Errorf("%s: not a file, and not a name in the store %s", t, a.dir())
		}
		return nil, nil, err
	}
	return &target{source: path, st: st}, b, nil
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
