package ui

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"strings"
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

func inspectCmd(st *store.Store, id reqID, target string, now time.Time, rec *store.Cert) tea.Cmd {
	return func() tea.Msg {
		doc, err := readInspect(st, target, now)
		if err == nil && rec != nil {
			doc.Status = revocationStatus(st, *rec, now)
		}
		return inspectedMsg{reqID: id, target: target, doc: doc, err: err}
	}
}

// revocationStatus is what the issuing CA says of a certificate: valid,
// revoked (reason, date), on hold or expired, and whether the CA's
// published CRL lists it, which is what relying parties see.
func revocationStatus(st *store.Store, c store.Cert, now time.Time) *certStatus {
	out := &certStatus{State: "valid", CA: c.CA}
	switch {
	case c.Status == store.StatusRevoked && c.Reason == "certificateHold":
		out.State, out.Reason, out.Since = "on hold", c.Reason, c.RevokedAt
	case c.Status == store.StatusRevoked:
		out.State, out.Reason, out.Since = "revoked", c.Reason, c.RevokedAt
	case c.Status == store.StatusExpired || now.After(c.NotAfter):
		out.State, out.Since = "expired", c.NotAfter
	}
	if c.CA == "" {
		out.CRL = "not issued by a CA of this store: no index or CRL speaks of it"
		return out
	}
	ca, err := st.CA(c.CA)
	if err != nil {
		out.CRL = "CA " + c.CA + ": " + err.Error()
		return out
	}
	if ca.CRL == nil {
		out.CRL = c.CA + " has published no CRL"
		if out.State == "revoked" || out.State == "on hold" {
			out.CRL += ": relying parties cannot see this revocation (p on Authorities publishes)"
			out.Unpublished = true
		}
		return out
	}
	listed := false
	if data, err := os.ReadFile(ca.CRL.Path); err == nil {
		if objs, err := pki.Decode(data, ca.CRL.Path); err == nil {
			for _, o := range objs {
				if o.CRL == nil {
					continue
				}
				for _, e := range o.CRL.RevokedCertificateEntries {
					if strings.EqualFold(pki.SerialHex(e.SerialNumber), c.Serial) {
						listed = true
					}
				}
			}
		}
	}
	crl := fmt.Sprintf("CRL #%s of %s (%s, %s)", ca.CRL.Number, c.CA, ca.CRL.Path, ca.CRL.Freshness())
	switch {
	case listed:
		out.CRL = "listed in " + crl
	case out.State == "revoked" || out.State == "on hold":
		out.CRL = "not yet in " + crl + ": relying parties still accept it (p on Authorities publishes)"
		out.Unpublished = true
	default:
		out.CRL = "not listed in " + crl
	}
	return out
}

// crlTarget names a CA's published CRL as an Inspect target.
const crlTarget = "crl:"

func readInspect(st *store.Store, target string, now time.Time) (inspectDoc, error) {
	var path string
	var err error
	if ca, ok := strings.CutPrefix(target, crlTarget); ok {
		c, err := st.CA(ca)
		if err != nil {
			return inspectDoc{}, err
		}
		if c.CRL == nil {
			return inspectDoc{}, fmt.Errorf("%s has published no CRL yet: p on Authorities publishes one", ca)
		}
		path = c.CRL.Path
	} else if path, err = st.TargetFile(target); err != nil {
		return inspectDoc{}, err
	}
	if path == "" {
		return inspectDoc{}, fmt.Errorf("inspect %s: not in the store", target)
	}
	data, err := store.ReadInput(path)
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
	pool := caPool(st)
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

var errNoProbe = errors.New("the probe engine is not available in this build")

// probeCmd resolves r against the store the way the CLI does (probe.Request
// decides every default) and runs it.
// A request with Connect runs only the client side, against that server.
func probeCmd(ctx context.Context, st *store.Store, o Options, id reqID, r probe.Request) tea.Cmd {
	return func() tea.Msg {
		if o.Probe == nil || (r.Connect != "" && o.Connect == nil) {
			return probeDoneMsg{reqID: id, err: errNoProbe}
		}
		res, err := r.Resolve(st)
		if err != nil {
			return probeDoneMsg{reqID: id, err: err}
		}
		if r.Connect != "" {
			return probeDoneMsg{reqID: id, res: o.Connect(ctx, r.Connect, res.Client, res.Options)}
		}
		return probeDoneMsg{reqID: id, res: o.Probe(ctx, res.Server, res.Client, res.Options)}
	}
}

// rootsLoadedMsg answers loadRootsCmd; matrix says which run asked.
type rootsLoadedMsg struct {
	reqID
	roots  []*x509.Certificate
	err    error
	matrix bool
}

// loadRootsCmd reads the system's roots (System roots on), as the CLI's
// --system-roots does.
func loadRootsCmd(id reqID, matrix bool) tea.Cmd {
	return func() tea.Msg {
		roots, err := probe.SystemRoots()
		return rootsLoadedMsg{reqID: id, roots: roots, err: err, matrix: matrix}
	}
}

func revokeOptions(r pki.Reason) store.RevokeOptions { return store.RevokeOptions{Reason: r} }

// matrixRow is one client of a matrix run.
type matrixRow struct {
	Client string
	Result probe.Result
	Err    error
}

// matrixDoneMsg answers a matrix run: every client against one server.
// A cancelled run keeps only the rows that finished before esc.
type matrixDoneMsg struct {
	reqID
	rows      []matrixRow
	cancelled bool
	total     int
}

// matrixProgress is how far a matrix run is: done of total clients.
type matrixProgress struct{ done, total int }

// matrixProgressMsg reports a running matrix's progress. run names the
// run by a field, not the embedded reqID: progress must not mark the
// request answered.
type matrixProgressMsg struct {
	run reqID
	matrixProgress
}

// waitProgress waits for the next progress of run id; Update arms it again
// while the run is the current one. A closed channel (the run is over)
// answers nothing.
func waitProgress(ch <-chan matrixProgress, id reqID) tea.Cmd {
	return func() tea.Msg {
		p, ok := <-ch
		if !ok {
			return nil
		}
		return matrixProgressMsg{run: id, matrixProgress: p}
	}
}

// sendLatest puts p on ch (buffer 1) without blocking: an older progress
// nobody read yet is replaced, so a run never waits on a screen that
// stopped listening. One sender only.
func sendLatest(ch chan matrixProgress, p matrixProgress) {
	for {
		select {
		case ch <- p:
			return
		default:
		}
		select {
		case <-ch:
		default:
		}
	}
}

// matrixCmd probes every client against the server of r, each client
// with r's client side (its own default trust unless r names one). The
// server side, the CRLs and what the store knows are resolved once through
// the one probe request, each key read once, and the handshakes go to one
// server (run, probe.Matrix: parallel). Each finished row is counted on
// progress (closed at the end); once ctx is cancelled the rows not yet
// finished are left out and the answer says cancelled.
func matrixCmd(ctx context.Context, st *store.Store, run MatrixFunc, id reqID, r probe.Request, clients []string, progress chan matrixProgress) tea.Cmd {
	return func() tea.Msg {
		defer close(progress)
		rows := make([]matrixRow, len(clients))
		finished := make([]bool, len(clients))
		for i, name := range clients {
			rows[i].Client = name
			if name == "" {
				rows[i].Client = noClientCert
			}
		}
		answer := func() tea.Msg {
			if ctx.Err() == nil {
				return matrixDoneMsg{reqID: id, rows: rows, total: len(rows)}
			}
			var kept []matrixRow
			for i, row := range rows {
				if finished[i] {
					kept = append(kept, row)
				}
			}
			return matrixDoneMsg{reqID: id, rows: kept, cancelled: true, total: len(rows)}
		}
		fail := func(err error) tea.Msg {
			for i := range rows {
				rows[i].Err, finished[i] = err, true
			}
			return answer()
		}
		if run == nil {
			return fail(errNoProbe)
		}
		sc, err := r.ResolveServer(st)
		if err != nil {
			return fail(err)
		}
		resolved, errs := r.ResolveClients(ctx, st, clients)
		var ccs []probe.ClientConfig
		var at []int // the row of each of ccs
		done := 0
		for i, cc := range resolved {
			if ctx.Err() != nil && errors.Is(errs[i], ctx.Err()) {
				continue // not read: esc came first
			}
			if errs[i] != nil {
				rows[i].Err, finished[i] = errs[i], true
				done++
				continue
			}
			ccs = append(ccs, cc)
			at = append(at, i)
		}
		if ctx.Err() != nil {
			return answer()
		}
		opts, err := r.MatrixOptions(st, sc, ccs)
		if err != nil {
			return fail(err)
		}
		sendLatest(progress, matrixProgress{done, len(rows)})
		opts.Progress = func(j int, res probe.Result) {
			// A row that ends after esc ended because of it: not a verdict.
			if ctx.Err() != nil {
				return
			}
			rows[at[j]].Result, finished[at[j]] = res, true
			done++
			sendLatest(progress, matrixProgress{done, len(rows)})
		}
		results := run(ctx, ccs, sc, opts)
		if ctx.Err() == nil {
			for j, res := range results {
				rows[at[j]].Result, finished[at[j]] = res, true
			}
		}
		return answer()
	}
}

// caPool is every CA certificate of the store: the candidates for the chain
// Inspect draws.
func caPool(st *store.Store) []*x509.Certificate {
	var pool []*x509.Certificate
	if cas, err := st.ListCAs(); err == nil {
		for _, ca := range cas {
			if ca.Cert != nil {
				pool = append(pool, ca.Cert)
			}
		}
	}
	return pool
}
