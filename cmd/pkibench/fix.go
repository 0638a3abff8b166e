package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/pkibench/pkibench/pki"
	"github.com/pkibench/pkibench/probe/equiv"
	"github.com/pkibench/pkibench/store"
)

// fixRun renders fixes as commands for this store: what the lower layers
// say as values (re-issue NAME under CA with profile P, publish CA's CRL)
// becomes a pkibench command line that works when pasted. st may be nil.
func (a *app) fixRun(st *store.Store) func(*pki.Fix) string {
	return func(f *pki.Fix) string { return fixCommand(f, a.storeDir, freeName(st)) }
}

// fixCommand is the command of one fix, "" when no pkibench command does
// it (advice, trust, clocks). dir is the --store given, if any; free turns
// a name into one not yet taken (a re-issue cannot reuse its name).
func fixCommand(f *pki.Fix, dir string, free func(string) string) string {
	if f == nil {
		return ""
	}
	or := func(s, placeholder string) string {
		if s == "" {
			return placeholder
		}
		return s
	}
	var w []string
	switch f.Kind {
	case pki.FixReissue:
		name := or(f.Name, "NAME")
		if f.Name != "" && free != nil {
			name = free(f.Name)
		}
		w = []string{"issue", name, "--ca", or(f.CA, "CA")}
		if f.Profile != "" {
			w = append(w, "--profile", f.Profile)
		}
		for _, d := range f.DNS {
			w = append(w, "--dns", d)
		}
		for _, ip := range f.IPs {
			w = append(w, "--ip", ip)
		}
		for _, e := range f.Emails {
			w = append(w, "--email", e)
		}
		if f.Algo != "" {
			w = append(w, "--algo", f.Algo)
		}
	case pki.FixCreateCA:
		name := "new-ca"
		if free != nil {
			name = free(name)
		}
		w = []string{"ca", "create", name}
		if f.Parent != "" {
			w = append(w, "--parent", f.Parent)
		}
		if f.Algo != "" {
			w = append(w, "--algo", f.Algo)
		}
		for _, d := range f.PermitDNS {
			w = append(w, "--permit-dns", d)
		}
	case pki.FixPublishCRL:
		w = []string{"crl", or(f.CA, "CA")}
	case pki.FixSendChain:
		w = []string{"export", or(f.Name, "NAME"), "--format", "fullchain"}
	case pki.FixRepair:
		w = []string{"check", "--repair"}
	default:
		return ""
	}
	if dir != "" {
		w = append([]string{"--store", dir}, w...)
	}
	q := make([]string, len(w))
	for i, s := range w {
		q[i] = equiv.Quote(s)
	}
	return "pkibench " + strings.Join(q, " ")
}

// freeName finds NAME-2, NAME-3, ... not taken in st (NAME itself when st
// is nil: nothing can be checked).
func freeName(st *store.Store) func(string) string {
	return func(base string) string {
		if st == nil {
			return base
		}
		for i := 2; i < 1000; i++ {
			cand := fmt.Sprintf("%s-%d", base, i)
			var nf *store.NotFoundError
			if _, err := st.Identity(cand, nil); errors.As(err, &nf) {
				return cand
			}
		}
		return base
	}
}

// errorHint says what the CLI can do about an error the store reports as
// a value: the flag or command the store itself never names.
func errorHint(err error) string {
	switch {
	case errors.Is(err, store.ErrPassphraseNeeded):
		return "give the passphrase with --passphrase-file FILE, $PKIBENCH_PASSPHRASE or at a terminal prompt"
	case errors.Is(err, store.ErrNoCAKey):
		return "import the CA together with its key (pkibench import CERT --key KEY --as NAME) to sign with it"
	}
	return ""
}
