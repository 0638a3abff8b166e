package main

import (
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

// probeSpec turns probe flags into the files the equivalent commands use.
func (a *app) probeSpec(st *store.Store, f *probeFlags, port int) (equiv.ProbeSpec, error) {
	sp := equiv.StoreProbe{Server: f.server, Client: f.client, Auth: probe.AuthMode(f.auth),
		ServerTrust: splitList(f.serverTrust), ClientTrust: splitList(f.clientTrust),
		ServerName: f.name, ServerTLS: f.serverTLS, ClientTLS: f.clientTLS, Port: port}
	if len(sp.ServerTrust) == 0 && f.server != "" {
		root, err := st.RootCA(f.server)
		if err != nil {
			return equiv.ProbeSpec{}, err
		}
		sp.ServerTrust = []string{root}
	}
	if len(sp.ClientTrust) == 0 && f.client != "" && f.client != "none" {
		root, err := st.RootCA(f.client)
		if err != nil {
			return equiv.ProbeSpec{}, err
		}
		sp.ClientTrust = []string{root}
	}
	if f.crl && f.client != "" && f.client != "none" {
		for cur := f.client; ; {
			up, err := st.IssuerOf(cur)
			if err != nil || up == "" {
				break
			}
			sp.CRLCAs = append(sp.CRLCAs, up)
			cur = up
		}
	}
	return a.layout().ProbeSpec(sp), nil
}
