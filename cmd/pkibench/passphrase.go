package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"

	"github.com/charmbracelet/x/term"

	"github.com/pkibench/pkibench/store"
)

// passphraseEnv is read when no --passphrase-file is given.
const passphraseEnv = "PKIBENCH_PASSPHRASE"

// passphrase returns the function the store calls when a key is encrypted:
// --passphrase-file, then $PKIBENCH_PASSPHRASE, then a masked prompt on the
// terminal. A passphrase never comes from a plain argument.
func (a *app) passphrase() store.PassphraseFunc {
	return func(purpose string) ([]byte, error) { return a.readPassphrase(purpose, false) }
}

// newPassphrase asks twice at a prompt so a typo cannot lock a key away.
func (a *app) newPassphrase(purpose string) ([]byte, error) { return a.readPassphrase(purpose, true) }

func (a *app) readPassphrase(purpose string, confirm bool) ([]byte, error) {
	if a.passFile != "" {
		// Only the first line, and at most a few KiB of it: this may run
		// while the store lock is held, and the file may be /dev/zero.
		line, err := store.ReadPassphraseFile(a.passFile)
		if err != nil {
			return nil, fmt.Errorf("--passphrase-file: %w", err)
		}
		if len(line) == 0 {
			return nil, fmt.Errorf("--passphrase-file %s: first line is empty", a.passFile)
		}
		return line, nil
	}
	if v := os.Getenv(passphraseEnv); v != "" {
		return []byte(v), nil
	}
	f, ok := a.stdin.(*os.File)
	if !ok || !term.IsTerminal(f.Fd()) {
		return nil, fmt.Errorf("%s: %w", purpose, store.ErrPassphraseNeeded)
	}
	fmt.Fprintf(a.stderr, "Passphrase for %s: ", purpose)
	p, err := term.ReadPassword(f.Fd())
	fmt.Fprintln(a.stderr)
	if err != nil {
		return nil, err
	}
	if len(p) == 0 {
		return nil, errors.New("empty passphrase")
	}
	if confirm {
		fmt.Fprintf(a.stderr, "Again: ")
		q, err := term.ReadPassword(f.Fd())
		fmt.Fprintln(a.stderr)
		if err != nil {
			return nil, err
		}
		if !bytes.Equal(p, q) {
			return nil, errors.New("the passphrases differ")
		}
	}
	return p, nil
}
