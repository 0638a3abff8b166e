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
	objs, err := pki.Decode(data, path)
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
	sc, base, err := probeServerConfig(st, r)
	if err != nil {
		return sc, base, err
	}
	var client *pki.Identity
	if r.Client != "" {
		id, err := st.Identity(r.Client, nil)
		if err != nil {
			return sc, base, fmt.Errorf("probe: client %s: %w", r.Client, err)
		}
		client = &id
	}
	cc, err := probeClientConfig(st, r, base, sc.Identity, client)
	return sc, cc, err
}

// probeServerConfig is the part of a probe's configuration that does not
// depend on the client: the server, its trust, and every CRL of the store
// (the server checks them when asked, and the client uses them to explain a
// peer that closes without an alert), in base. A matrix works it out once.
func probeServerConfig(st *store.Store, r probeRequest) (probe.ServerConfig, probe.ClientConfig, error) {
	var sc probe.ServerConfig
	var base probe.ClientConfig
	if r.Server == "" {
		return sc, base, errors.New("probe: pick a server identity")
	}
	server, err := st.Identity(r.Server, nil)
	if err != nil {
		return sc, base, fmt.Errorf("probe: server %s: %w", r.Server, err)
	}
	sc = probe.ServerConfig{Identity: server, Auth: r.Auth, CheckCRL: r.CRL, MinVersion: r.Version, MaxVersion: r.Version}
	base = probe.ClientConfig{ServerName: r.ServerName, MinVersion: r.Version, MaxVersion: r.Version}
	if sc.ClientCAs, err = probeTrust(st, r.ServerTrust, &server, server); err != nil {
		return sc, base, fmt.Errorf("probe: server trust: %w", err)
	}
	cas, err := st.ListCAs()
	if err != nil {
		return sc, base, fmt.Errorf("probe: %w", err)
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
		base.KnownCRLs = append(base.KnownCRLs, crl)
	}
	return sc, base, nil
}

// probeClientConfig is base for one client identity (nil sends none).
func probeClientConfig(st *store.Store, r probeRequest, base probe.ClientConfig, server pki.Identity, client *pki.Identity) (probe.ClientConfig, error) {
	cc := base
	cc.Identity = client
	var err error
	if cc.RootCAs, err = probeTrust(st, r.ClientTrust, client, server); err != nil {
		return cc, fmt.Errorf("probe: client trust: %w", err)
	}
	return cc, nil
}

// probeTrust is what one side trusts: the CA named, else the root above its
// own certificate, else the root above the other side's.
func probeTrust(st *store.Store, explicit string, own *pki.Identity, other pki.Identity) ([]*x509.Certificate, error) {
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

// matrixCmd probes every client against the server config of r, each
// client with its own default trust (the root above its certificate). The
// server side, the CRLs and what the store knows are read once, each key
// once, and the handshakes go to one server (run).
func matrixCmd(ctx context.Context, st *store.Store, run MatrixFunc, id reqID, r probeRequest, clients []string, now time.Time) tea.Cmd {
	return func() tea.Msg {
		rows := make([]matrixRow, len(clients))
		for i, name := range clients {
			rows[i].Client = name
			if name == "" {
				rows[i].Client = noClientCert
			}
		}
		fail := func(err error) tea.Msg {
			for i := range rows {
				rows[i].Err = err
			}
			return matrixDoneMsg{reqID: id, rows: rows}
		}
		if run == nil {
			return fail(errNoProbe)
		}
		sc, base, err := probeServerConfig(st, r)
		if err != nil {
			return fail(err)
		}
		var ccs []probe.ClientConfig
		var at []int // the row of each of ccs
		ids := []*pki.Identity{&sc.Identity}
		for i, name := range clients {
			if ctx.Err() != nil {
				break
			}
			var client *pki.Identity
			if name != "" {
				cid, err := st.Identity(name, nil)
				if err != nil {
					rows[i].Err = fmt.Errorf("probe: client %s: %w", name, err)
					continue
				}
				client = &cid
				ids = append(ids, client)
			}
			cc, err := probeClientConfig(st, r, base, sc.Identity, client)
			if err != nil {
				rows[i].Err = err
				continue
			}
			ccs = append(ccs, cc)
			at = append(at, i)
		}
		if ctx.Err() != nil {
			return matrixDoneMsg{reqID: id, rows: rows[:0]}
		}
		k := st.Knowledge(ids...)
		for j, res := range run(ctx, ccs, sc, probe.Options{At: now, Timeout: 5 * time.Second, NameOf: k.NameOf, KnownCAs: k.CAs}) {
			rows[at[j]].Result = res
		}
		return matrixDoneMsg{reqID: id, rows: rows}
	}
}
