package ui

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/pkibench/pkibench/pki"
	"github.com/pkibench/pkibench/probe"
	"github.com/pkibench/pkibench/store"
)

// The functions here build the tea.Cmds that do the work Update and View
// must never do: they touch the store, the disk, keys and sockets.

func loadCAsCmd(st *store.Store, id reqID) tea.Cmd {
	return func() tea.Msg {
		cas, err := st.ListCAs()
		return casLoadedMsg{reqID: id, cas: cas, err: err}
	}
}

func loadCertsCmd(st *store.Store, id reqID) tea.Cmd {
	return func() tea.Msg {
		certs, err := st.List(store.ListFilter{IncludeCAs: true})
		return certsLoadedMsg{reqID: id, certs: certs, hay: haystack(certs), err: err}
	}
}

func inspectCmd(st *store.Store, id reqID, target string, now time.Time) tea.Cmd {
	return func() tea.Msg {
		doc, err := readInspect(st, target, now)
		return inspectedMsg{reqID: id, target: target, doc: doc, err: err}
	}
}

func readInspect(st *store.Store, target string, now time.Time) (inspectDoc, error) {
	path, err := st.TargetFile(target)
	if err != nil {
		return inspectDoc{}, err
	}
	if path == "" {
		return inspectDoc{}, fmt.Errorf("inspect %s: not in the store", target)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return inspectDoc{}, fmt.Errorf("inspect %s: %w", target, err)
	}
	objs, err := pki.DecodeLenient(data, path)
	if err != nil {
		return inspectDoc{}, fmt.Errorf("inspect %s: %w", target, err)
	}
	if len(objs) == 0 {
		return inspectDoc{}, fmt.Errorf("inspect %s: nothing to show in %s", target, path)
	}
	// The first object is the certificate itself; the store's CAs are the
	// candidates for its chain (inspect.Chain keeps those on the path).
	var pool []*x509.Certificate
	if cas, err := st.ListCAs(); err == nil {
		for _, ca := range cas {
			if ca.Cert != nil {
				pool = append(pool, ca.Cert)
			}
		}
	}
	doc := buildDoc(objs[0], pool, now)
	doc.Path = path
	return doc, nil
}

func createCACmd(st *store.Store, id reqID, o store.CAOptions) tea.Cmd {
	return func() tea.Msg {
		ca, err := st.CreateCA(o)
		return caCreatedMsg{reqID: id, ca: ca, err: err}
	}
}

func issueCmd(st *store.Store, id reqID, o store.IssueOptions) tea.Cmd {
	return func() tea.Msg {
		certs, err := st.Issue(o)
		return issuedMsg{reqID: id, certs: certs, err: err}
	}
}

func revokeCmd(st *store.Store, id reqID, target string, o store.RevokeOptions) tea.Cmd {
	return func() tea.Msg {
		rev, err := st.Revoke(target, o)
		return revokedMsg{reqID: id, target: target, rev: rev, err: err}
	}
}

func publishCRLCmd(st *store.Store, id reqID, ca string, pass store.PassphraseFunc) tea.Cmd {
	return func() tea.Msg {
		state, err := st.PublishCRL(ca, store.CRLOptions{Passphrase: pass})
		return crlPublishedMsg{reqID: id, ca: ca, state: state, err: err}
	}
}

// probeRequest is what the Probe screen asks for, by store names.
type probeRequest struct {
	Client      string // "" sends no certificate
	Server      string
	ServerTrust string // "" is the root above the client's certificate
	ClientTrust string // "" is the root above the server's own certificate
	Auth        probe.AuthMode
	CRL         bool
	ServerName  string
	Version     uint16
}

var errNoProbe = errors.New("the probe engine is not available in this build")

func probeCmd(ctx context.Context, st *store.Store, run ProbeFunc, id reqID, r probeRequest, now time.Time) tea.Cmd {
	return func() tea.Msg {
		if run == nil {
			return probeDoneMsg{reqID: id, err: errNoProbe}
		}
		sc, cc, err := probeConfigs(st, r)
		if err != nil {
			return probeDoneMsg{reqID: id, err: err}
		}
		ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		defer cancel()
		k := st.Knowledge(&sc.Identity, cc.Identity)
		res := run(ctx, sc, cc, probe.Options{At: now, Timeout: 5 * time.Second, NameOf: k.NameOf, KnownCAs: k.CAs})
		return probeDoneMsg{reqID: id, res: res}
	}
}

// probeConfigs turns store names into the values the probe engine takes.
// By default each side trusts the root above its own certificate, as the
// command line does (DESIGN.md §7); a side without one trusts the other's root.
func probeConfigs(st *store.Store, r probeRequest) (probe.ServerConfig, probe.ClientConfig, error) {
	var sc probe.ServerConfig
	var cc probe.ClientConfig
	if r.Server == "" {
		return sc, cc, errors.New("probe: pick a server identity")
	}
	server, err := st.Identity(r.Server, nil)
	if err != nil {
		return sc, cc, fmt.Errorf("probe: server %s: %w", r.Server, err)
	}
	sc = probe.ServerConfig{Identity: server, Auth: r.Auth, CheckCRL: r.CRL, MinVersion: r.Version, MaxVersion: r.Version}
	cc = probe.ClientConfig{ServerName: r.ServerName, MinVersion: r.Version, MaxVersion: r.Version}
	var client *pki.Identity
	if r.Client != "" {
		id, err := st.Identity(r.Client, nil)
		if err != nil {
			return sc, cc, fmt.Errorf("probe: client %s: %w", r.Client, err)
		}
		client = &id
		cc.Identity = client
	}
	trust := func(explicit string, own *pki.Identity, other pki.Identity) ([]*x509.Certificate, error) {
		if explicit != "" {
			return st.CACerts(explicit)
		}
		if own != nil {
			if root := store.Root(*own); root != nil {
				return []*x509.Certificate{root}, nil
			}
		}
		if root := store.Root(other); root != nil {
			return []*x509.Certificate{root}, nil
		}
		return nil, nil
	}
	if sc.ClientCAs, err = trust(r.ServerTrust, &server, server); err != nil {
		return sc, cc, fmt.Errorf("probe: server trust: %w", err)
	}
	if cc.RootCAs, err = trust(r.ClientTrust, client, server); err != nil {
		return sc, cc, fmt.Errorf("probe: client trust: %w", err)
	}
	// Every CRL the store has: the server checks them when asked, and the
	// client uses them to explain a peer that closes without an alert.
	cas, err := st.ListCAs()
	if err != nil {
		return sc, cc, fmt.Errorf("probe: %w", err)
	}
	for _, ca := range cas {
		if ca.CRL == nil {
			continue
		}
		crl, err := st.CRL(ca.Name)
		if err != nil {
			continue
		}
		sc.CRLs = append(sc.CRLs, crl)
		cc.KnownCRLs = append(cc.KnownCRLs, crl)
	}
	return sc, cc, nil
}

func revokeOptions(r pki.Reason) store.RevokeOptions { return store.RevokeOptions{Reason: r} }

// matrixRow is one client of a matrix run.
type matrixRow struct {
	Client string
	Result probe.Result
	Err    error
}

// matrixDoneMsg answers a matrix run: every client against one server.
type matrixDoneMsg struct {
	reqID
	rows []matrixRow
}

// matrixCmd probes every client in turn against the server config of r,
// each client with its own default trust (the root above its certificate).
func matrixCmd(ctx context.Context, st *store.Store, run ProbeFunc, id reqID, r probeRequest, clients []string, now time.Time) tea.Cmd {
	return func() tea.Msg {
		rows := make([]matrixRow, 0, len(clients))
		for _, name := range clients {
			if ctx.Err() != nil {
				break
			}
			row := matrixRow{Client: name}
			req := r
			req.Client = name
			if run == nil {
				row.Err = errNoProbe
			} else if sc, cc, err := probeConfigs(st, req); err != nil {
				row.Err = err
			} else {
				pctx, cancel := context.WithTimeout(ctx, 15*time.Second)
				k := st.Knowledge(&sc.Identity, cc.Identity)
				row.Result = run(pctx, sc, cc, probe.Options{At: now, Timeout: 5 * time.Second, NameOf: k.NameOf, KnownCAs: k.CAs})
				cancel()
			}
			if name == "" {
				row.Client = noClientCert
			}
			rows = append(rows, row)
		}
		return matrixDoneMsg{reqID: id, rows: rows}
	}
}
