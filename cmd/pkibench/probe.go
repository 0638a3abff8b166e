package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/pkibench/pkibench/pki"
	"github.com/pkibench/pkibench/pki/verify"
	"github.com/pkibench/pkibench/probe"
	"github.com/pkibench/pkibench/probe/equiv"
	"github.com/pkibench/pkibench/store"
)

// probeFlags are shared by probe and serve.
type probeFlags struct {
	client, server, auth, name string
	serverTrust, clientTrust   []string
	clientTLS, serverTLS, at   string
	crl, goClient              bool
	connect, listen            string
	matrix                     bool
	matrixCA                   string
	timeout                    time.Duration
	emulate, starttls          string
	systemRoots                bool
}

func (a *app) probeCommand() *cobra.Command {
	var f probeFlags
	c := &cobra.Command{
		Use:   "probe",
		Short: "Run one live mTLS handshake and say ACCEPT or REJECT, who decided, why, and the fix",
		Long: `probe starts the built-in server (127.0.0.1, a free port) with --server's
identity and a client with --client's, runs one handshake and the first bytes
both ways, and explains the outcome with a stable reason code (see README).

Each side trusts the root CA above its own certificate unless told otherwise
(--server-trust: the CAs client certificates must chain to; --client-trust: the
CAs the server certificate must chain to). --auth is the server's client-auth
mode: none, request, require-any, verify-if-given, require-and-verify (default;
Node.js requestCert: true, rejectUnauthorized: true).

With --connect HOST:PORT only the client side runs, against any TLS server.
With --matrix every client identity (of --ca, or all) is tried against one server.
Exit code 0 for ACCEPT, 1 for REJECT.`,
		Example: `  pkibench probe --client mail-server --server invoice-server
  pkibench probe --client none --server invoice-server --client-trust abc
  pkibench probe --client client2 --server server --crl
  pkibench probe --client mail-server --server invoice-server --at +400d
  pkibench probe --connect localhost:3100 --client mail-server --client-trust abc
  pkibench probe --matrix --ca abc --server invoice-server`,
		Args: exactArgs(0, ""),
		RunE: func(cmd *cobra.Command, args []string) error {
			if a.showCommands {
				st, err := a.readStore()
				if err != nil {
					return err
				}
				r, err := a.probeRequest(&f)
				if err != nil {
					return err
				}
				spec, err := a.probeSpec(st, r, 8443)
				if err != nil {
					return err
				}
				return a.printCommands(equiv.Probe(spec))
			}
			return a.runProbe(cmd.Context(), &f)
		},
	}
	a.addCommandsFlag(c)
	fl := c.Flags()
	fl.StringVar(&f.client, "client", "", "client identity (a store name) or none")
	fl.StringVar(&f.server, "server", "", "server identity (a store name)")
	fl.StringSliceVar(&f.serverTrust, "server-trust", nil, "store CA(s) the server accepts client certificates from (default: the root above the server's certificate)")
	fl.StringSliceVar(&f.clientTrust, "client-trust", nil, "store CA(s) the client accepts the server certificate from (default: the root above the client's certificate)")
	fl.StringVar(&f.auth, "auth", "require-and-verify", "none, request, require-any, verify-if-given, require-and-verify")
	fl.BoolVar(&f.crl, "crl", false, "the server checks client certificates against the CRLs published in the store")
	fl.StringVar(&f.name, "name", "", "server name the client dials, for SNI and the name check (default localhost, or the host of --connect)")
	fl.StringVar(&f.clientTLS, "client-tls", "", "client TLS version: 1.2 or 1.3 (only that version)")
	fl.StringVar(&f.serverTLS, "server-tls", "", "server TLS version: 1.2 or 1.3 (only that version)")
	fl.StringVar(&f.at, "at", "", "verification time for both sides, years 1950-9999: "+pki.TimeForms)
	fl.BoolVar(&f.goClient, "go-client", false, "behave like a Go client: withhold the certificate when its issuer is not among the server's acceptable CAs")
	fl.StringVar(&f.connect, "connect", "", "HOST:PORT of any TLS server: run the client side only")
	fl.BoolVar(&f.matrix, "matrix", false, "try every client identity (of --ca, or all) against the server")
	fl.StringVar(&f.matrixCA, "ca", "", "with --matrix: only this CA's certificates")
	fl.DurationVar(&f.timeout, "timeout", probe.DefaultTimeout, "bound on the handshake and first bytes")
	addEmulateFlag(fl, &f.emulate)
	fl.StringVar(&f.starttls, "starttls", "", "with --connect: speak this protocol before TLS, as openssl s_client -starttls: "+strings.Join(probe.StartTLSProtocols, ", "))
	fl.BoolVar(&f.systemRoots, "system-roots", false, "also trust the system's root CAs, as curl does by default ("+strings.Join(probe.SystemRootFiles(), " or ")+")")
	return c
}

func (a *app) serveCommand() *cobra.Command {
	var f probeFlags
	var public bool
	var lim probe.Limits
	c := &cobra.Command{
		Use:   "serve",
		Short: "Keep the built-in server up for curl, openssl or Node.js clients; one verdict line per connection",
		Long: `serve listens (127.0.0.1:8443 unless --listen says otherwise) with --server's
identity and prints one verdict line (or one JSON object with --json) for every
connection, naming why a client was refused. Ctrl-C stops it. A non-loopback
--listen address needs --public.`,
		Example: `  pkibench serve --server invoice-server --server-trust abc
  curl --cacert pki/cas/abc/ca.crt --cert pki/certs/mail-server/cert.pem --key pki/certs/mail-server/key.pem https://localhost:8443/`,
		Args: exactArgs(0, ""),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := a.readStore()
			if err != nil {
				return err
			}
			if a.showCommands {
				port := 8443
				if _, p, err := net.SplitHostPort(f.listen); err == nil {
					port, _ = strconv.Atoi(p)
				}
				r, err := a.probeRequest(&f)
				if err != nil {
					return err
				}
				if root, err := st.RootCA(f.server); err == nil && len(r.ClientTrust) == 0 {
					r.ClientTrust = []string{root} // outside clients trust the server's root
				}
				spec, err := a.probeSpec(st, r, port)
				if err != nil {
					return err
				}
				return a.printCommands(equiv.Serve(spec))
			}
			r, err := a.probeRequest(&f)
			if err != nil {
				return err
			}
			sc, err := r.ResolveServer(st)
			if err != nil {
				return requestError(err)
			}
			opts, err := r.ServeOptions(st, sc)
			if err != nil {
				return requestError(err)
			}
			sc.Listen, sc.AllowPublic = f.listen, public
			if sc.CheckCRL {
				// serve runs for hours: it follows CRLs published meanwhile.
				sc.CRLSource = st.CRLWatch()
			}
			if lim.Handshakes < 1 || lim.Conns < 1 || lim.Queue < 1 {
				return usagef("--max-handshakes, --max-conns and --max-queue need a positive number")
			}
			srv, err := probe.NewServer(sc, opts)
			if err != nil {
				return err
			}
			srv.SetLimits(lim)
			// Out of file descriptors and the like: say so and keep serving.
			srv.LogAcceptErrors(func(err error, retry time.Duration) {
				fmt.Fprintf(a.stderr, "pkibench serve: %v; retrying in %v\n", err, retry)
			})
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt)
			defer stop()
			fmt.Fprintf(a.stderr, "serving %s on https://%s/ (client auth %s: %s); Ctrl-C stops\n",
				sc.Identity.Name, srv.Addr(), sc.Auth, sc.Auth.NodeJS())
			return srv.Serve(ctx, func(r probe.Result) {
				if a.json {
					a.printJSONLine(r)
				} else {
					a.printf("%s\n", r.Line())
				}
				a.flush()
			})
		},
	}
	fl := c.Flags()
	fl.StringVar(&f.server, "server", "", "server identity (a store name)")
	fl.StringSliceVar(&f.serverTrust, "server-trust", nil, "store CA(s) the server accepts client certificates from")
	fl.StringVar(&f.auth, "auth", "require-and-verify", "none, request, require-any, verify-if-given, require-and-verify")
	fl.BoolVar(&f.crl, "crl", false, "check client certificates against the CRLs published in the store")
	fl.StringVar(&f.serverTLS, "server-tls", "", "TLS version: 1.2 or 1.3 (only that version)")
	fl.StringVar(&f.at, "at", "", "verification time, years 1950-9999: "+pki.TimeForms)
	fl.StringVar(&f.listen, "listen", "127.0.0.1:8443", "address to listen on")
	fl.BoolVar(&public, "public", false, "allow a --listen address outside loopback")
	fl.DurationVar(&f.timeout, "timeout", probe.DefaultTimeout, "drop a client that has not finished its handshake this long after it connected or after its handshake began")
	fl.IntVar(&lim.Handshakes, "max-handshakes", probe.DefaultHandshakes, "handshakes in progress at once; the other clients wait their turn")
	fl.IntVar(&lim.Conns, "max-conns", probe.DefaultConns, "connections served at once (at least --max-handshakes); the others wait in the queue")
	fl.IntVar(&lim.Queue, "max-queue", probe.DefaultQueue, "connections accepted and waiting to be served; beyond it new clients wait in the kernel's listen queue")
	a.addCommandsFlag(c)
	return c
}

func (a *app) runProbe(ctx context.Context, f *probeFlags) error {
	if ctx == nil {
		ctx = context.Background()
	}
	st, err := a.readStore()
	if err != nil {
		return err
	}
	r, err := a.probeRequest(f)
	if err != nil {
		return err
	}
	if f.matrix {
		return a.runMatrix(ctx, st, f, r)
	}
	if f.client == "" {
		return usagef("--client NAME (or none) is required")
	}
	res, err := r.Resolve(st)
	if err != nil {
		return requestError(err)
	}
	if f.connect != "" {
		return a.printResults(st, f, probe.Connect(ctx, f.connect, res.Client, res.Options))
	}
	return a.printResults(st, f, probe.Run(ctx, res.Server, res.Client, res.Options))
}

func (a *app) runMatrix(ctx context.Context, st *store.Store, f *probeFlags, r probe.Request) error {
	sc, err := r.ResolveServer(st)
	if err != nil {
		return requestError(err)
	}
	certs, err := st.List(store.ListFilter{CA: f.matrixCA})
	if err != nil {
		return err
	}
	// Each key is read once (the request resolves each client once) and
	// the server side and the store's knowledge once (MatrixOptions).
	var names []string
	for _, c := range certs {
		if c.Name != sc.Identity.Name && c.Name != "" {
			names = append(names, c.Name)
		}
	}
	resolved, errs := r.ResolveClients(ctx, st, names)
	var ccs []probe.ClientConfig
	for i, cc := range resolved {
		var nk *probe.NoKeyError
		if errors.As(errs[i], &nk) {
			continue // certificates without a key here cannot be presented
		}
		if errs[i] != nil {
			return requestError(errs[i])
		}
		ccs = append(ccs, cc)
	}
	if len(ccs) == 0 {
		return fmt.Errorf("no client identities with a key in the store%s", map[bool]string{true: " for CA " + f.matrixCA}[f.matrixCA != ""])
	}
	opts, err := r.MatrixOptions(st, sc, ccs)
	if err != nil {
		return requestError(err)
	}
	return a.printResults(st, f, probe.Matrix(ctx, ccs, sc, opts)...)
}

// probeRequest turns probe and serve flags into the one request type the
// TUI and the lab use too; probe.Request decides every default.
func (a *app) probeRequest(f *probeFlags) (probe.Request, error) {
	r := probe.Request{
		Server: f.server, ServerTrust: splitList(f.serverTrust), ClientTrust: splitList(f.clientTrust),
		CheckCRL: f.crl, ServerName: f.name, GoStyle: f.goClient, Connect: f.connect,
		Timeout: f.timeout, Passphrase: a.passphrase(),
	}
	if f.client != "none" {
		r.Client = f.client
	}
	var err error
	if r.Auth, err = probe.ParseAuthMode(f.auth); err != nil {
		return r, usageError{err}
	}
	if r.Emulate, err = verify.ParseClient(f.emulate); err != nil {
		return r, usagef("--emulate: %v", err)
	}
	if r.StartTLS, err = probe.ParseStartTLS(f.starttls); err != nil {
		return r, usagef("--starttls: %v", err)
	}
	if f.systemRoots {
		if r.SystemRoots, err = probe.SystemRoots(); err != nil {
			return r, fmt.Errorf("--system-roots: %w", err)
		}
	}
	if r.ServerVersion, err = probe.ParseVersion(f.serverTLS); err != nil {
		return r, usagef("--server-tls: %v", err)
	}
	if r.ClientVersion, err = probe.ParseVersion(f.clientTLS); err != nil {
		return r, usagef("--client-tls: %v", err)
	}
	// A zero At lets every connection of a long-running serve be judged at
	// its own moment; --at fixes one time for both sides.
	if f.at != "" {
		if r.At, err = parseTime("--at", f.at, time.Now(), pki.ClockRange()); err != nil {
			return r, err
		}
	}
	return r, nil
}

// requestError renders a refused probe request in the CLI's terms: each
// field of the request is the flag of the same name.
func requestError(err error) error {
	var (
		m  *probe.MissingError
		t  *probe.TrustNeededError
		nk *probe.NoKeyError
		re *probe.ResolveError
	)
	switch {
	case errors.As(err, &t) && t.Name == "":
		return usagef("a client without a certificate must be told what to trust: --%s CA", t.Field)
	case errors.As(err, &t):
		return usagef("--%s CA is needed: the chain of %s does not reach a root in the store", t.Field, t.Name)
	case errors.As(err, &m) && m.Field == probe.FieldServer:
		return usagef("--server NAME is required")
	case errors.As(err, &m):
		return usagef("--%s: %s", m.Field, m.Why)
	case errors.As(err, &nk):
		return fmt.Errorf("--%s %s: its private key is not in the store", nk.Field, nk.Name)
	case errors.As(err, &re):
		return fmt.Errorf("--%s: %w", re.Field, re.Err)
	}
	return err
}

func (a *app) printResults(st *store.Store, f *probeFlags, rs ...probe.Result) error {
	ok := true
	for _, r := range rs {
		ok = ok && r.OK()
	}
	switch {
	case a.json && len(rs) == 1:
		if err := a.printJSON(rs[0]); err != nil {
			return err
		}
	case a.json:
		if err := printJSONList(a, rs); err != nil {
			return err
		}
	case len(rs) == 1:
		a.printf("%s", rs[0].Text(true, a.fixRun(st)))
	default:
		tw := tabwriter.NewWriter(a.stdout, 0, 2, 2, ' ', 0)
		fmt.Fprintln(tw, "CLIENT\tVERDICT\tREASON\tSIDE\tSUMMARY")
		for _, r := range rs {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.ClientName, r.Verdict, r.Reason, r.Side, r.Summary)
		}
		tw.Flush()
	}
	if !ok {
		return errReported
	}
	return nil
}

func (a *app) printJSONLine(v any) {
	b, err := json.Marshal(v)
	if err != nil {
		return
	}
	a.rawOut().Write(append(jsonEscapeControls(b), '\n'))
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
