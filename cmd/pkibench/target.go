package main

import (
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

// readTarget resolves t as loadTarget does and returns the file's bytes,
// undecoded (target.objs stays empty).
func (a *app) readTarget(t string) (*target, []byte, error) {
	st, err := a.readStore()
	if err != nil && !errors.Is(err, store.ErrNotStore) {
		return nil, nil, err
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
	b, err := os.ReadFile(path)
	if err != nil {
		if st == nil || os.IsNotExist(err) {
			return nil, nil, fmt.Errorf("%s: not a file, and not a name in the store %s", t, a.dir())
		}
		return nil, nil, err
	}
	return &target{source: path, st: st}, b, nil
}
