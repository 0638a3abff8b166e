package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/pkibench/pkibench/pki"
	"github.com/pkibench/pkibench/probe"
	"github.com/pkibench/pkibench/probe/equiv"
	"github.com/pkibench/pkibench/store"
)

// addCommandsFlag gives a command --commands: print the equivalent openssl,
// curl and Node.js commands (with the store's real paths) instead of running.
func (a *app) addCommandsFlag(c *cobra.Command) {
	c.Flags().BoolVar(&a.showCommands, "commands", false, "print the equivalent openssl / curl / Node.js commands instead of running")
}

func (a *app) printCommands(cmds []equiv.Command) error {
	if a.json {
		return a.printJSON(map[string]any{"commands": cmds})
	}
	a.printf("%s", equiv.Render(cmds))
	return nil
}

func (a *app) layout() equiv.Layout { return equiv.Layout{Root: a.dir()} }

// caAlgo is a store CA's key algorithm, P-256 when unknown (a CA yet to be made).
func caAlgo(st *store.Store, name string) pki.Algorithm {
	if st == nil || name == "" {
		return pki.P256
	}
	ca, err := st.CA(name)
	if err != nil {
		return pki.P256
	}
	return pki.AlgorithmOf(ca.Cert.PublicKey)
}

// optionalStore opens the store when it exists; --commands never creates one.
func (a *app) optionalStore() *store.Store {
	st, err := a.readStore()
	if err != nil {
		return nil
	}
	return st
}

// probeSpec turns probe flags into the files the equivalent commands use,
// through the same request (and defaults) the probe itself runs.
func (a *app) probeSpec(st *store.Store, r probe.Request, port int) (equiv.ProbeSpec, error) {
	var firstErr error
	sp := equiv.StoreProbeOf(r, port, func(name string) []string {
		cas, err := storeLineage(st, name)
		if err != nil && firstErr == nil {
			firstErr = err
		}
		return cas
	})
	if firstErr != nil {
		return equiv.ProbeSpec{}, firstErr
	}
	return a.layout().ProbeSpec(sp), nil
}

// storeLineage lists the store CAs above name, its issuer first.
func storeLineage(st *store.Store, name string) ([]string, error) {
	var out []string
	for cur := name; len(out) <= 16; {
		up, err := st.IssuerOf(cur)
		if err != nil {
			return out, err
		}
		if up == "" {
			return out, nil
		}
		out = append(out, up)
		cur = up
	}
	return out, fmt.Errorf("%s: CA chain deeper than 16", name)
}
