package main

import (
	"context"
	"crypto/x509"
	"encoding/json"
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
				spec, err := a.probeSpec(st, &f, 8443)
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
	fl.StringVar(&f.at, "at", "", "verification time for both sides (RFC 3339 or relative: +400d, -3h)")
	fl.BoolVar(&f.goClient, "go-client", false, "behave like a Go client: withhold the certificate when its issuer is not among the server's acceptable CAs")
	fl.StringVar(&f.connect, "connect", "", "HOST:PORT of any TLS server: run the client side only")
	fl.BoolVar(&f.matrix, "matrix", false, "try every client identity (of --ca, or all) against the server")
	fl.StringVar(&f.matrixCA, "ca", "", "with --matrix: only this CA's certificates")
	fl.DurationVar(&f.timeout, "timeout", 5*time.Second, "bound on the handshake and first bytes")
	addEmulateFlag(fl, &f.emulate)
	fl.StringVar(&f.starttls, "starttls", "", "with --connect: speak this protocol before TLS, as openssl s_client -starttls: "+strings.Join(probe.StartTLSProtocols, ", "))
	fl.BoolVar(&f.systemRoots, "system-roots", false, "also trust the system's root CAs, as curl does by default ("+strings.Join(systemRootFiles, " or ")+")")
	return c
}

func (a *app) serveCommand() *cobra.Command {
	var f probeFlags
	var public bool
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
				g := f
				if root, err := st.RootCA(f.server); err == nil && len(g.clientTrust) == 0 {
					g.clientTrust = []string{root} // outside clients trust the server's root
				}
				spec, err := a.probeSpec(st, &g, port)
				if err != nil {
					return err
				}
				return a.printCommands(equiv.Serve(spec))
			}
			sc, opts, err := a.serverConfig(st, &f)
			if err != nil {
				return err
			}
			sc.Listen, sc.AllowPublic = f.listen, public
			opts.NameOf, opts.KnownCAs = knowing(st, &sc.Identity)
			srv, err := probe.NewServer(sc, opts)
			if err != nil {
				return err
			}
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
	fl.StringVar(&f.at, "at", "", "verification time (RFC 3339 or relative)")
	fl.StringVar(&f.listen, "listen", "127.0.0.1:8443", "address to listen on")
	fl.BoolVar(&public, "public", false, "allow a --listen address outside loopback")
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
	if f.connect != "" {
		cc, opts, err := a.clientConfig(st, f, nil)
		if err != nil {
			return err
		}
		opts.NameOf, opts.KnownCAs = knowing(st, cc.Identity)
		return a.printResults(f, probe.Connect(ctx, f.connect, cc, opts))
	}
	sc, opts, err := a.serverConfig(st, f)
	if err != nil {
		return err
	}
	if f.matrix {
		return a.runMatrix(ctx, st, f, sc, opts)
	}
	if f.client == "" {
		return usagef("--client NAME (or none) is required")
	}
	cc, _, err := a.clientConfig(st, f, &sc.Identity)
	if err != nil {
		return err
	}
	opts.NameOf, opts.KnownCAs = knowing(st, &sc.Identity, cc.Identity)
	return a.printResults(f, probe.Run(ctx, sc, cc, opts))
}

func (a *app) runMatrix(ctx context.Context, st *store.Store, f *probeFlags, sc probe.ServerConfig, opts probe.Options) error {
	certs, err := st.List(store.ListFilter{CA: f.matrixCA})
	if err != nil {
		return err
	}
	// Each key is read once, and what all clients share (flags, named
	// trust, system roots) is worked out once, for the first client: at
	// 10,000 identities the setup would otherwise cost as much as the
	// handshakes.
	var ccs []probe.ClientConfig
	var base probe.ClientConfig
	var shared []*x509.Certificate // the roots every client trusts besides its own
	trustNamed := len(splitList(f.clientTrust)) > 0
	for _, c := range certs {
		if c.Name == sc.Identity.Name || c.Name == "" {
			continue
		}
		id, err := st.Identity(c.Name, a.passphrase())
		if err != nil || id.Key == nil {
			continue // certificates without a key here cannot be presented
		}
		if len(ccs) == 0 {
			g := *f
			g.client = c.Name
			if base, _, err = a.clientConfig(st, &g, &sc.Identity); err != nil {
				return err
			}
			shared = base.RootCAs
			if !trustNamed && store.Root(*base.Identity) != nil {
				shared = shared[1:] // the first client's own root
			}
		}
		cc := base
		cc.Identity = &id
		if !trustNamed {
			// As clientConfig does: each client trusts the root above itself.
			root := store.Root(id)
			if root == nil && !f.systemRoots {
				return usagef("--client-trust CA is needed: the chain of %s does not reach a root in the store", id.Name)
			}
			cc.RootCAs = nil
			if root != nil {
				cc.RootCAs = append(cc.RootCAs, root)
			}
			cc.RootCAs = append(cc.RootCAs, shared...)
		}
		ccs = append(ccs, cc)
	}
	if len(ccs) == 0 {
		return fmt.Errorf("no client identities with a key in the store%s", map[bool]string{true: " for CA " + f.matrixCA}[f.matrixCA != ""])
	}
	ids := []*pki.Identity{&sc.Identity}
	for _, cc := range ccs {
		ids = append(ids, cc.Identity)
	}
	opts.NameOf, opts.KnownCAs = knowing(st, ids...)
	return a.printResults(f, probe.Matrix(ctx, ccs, sc, opts)...)
}

func (a *app) probeOptions(f *probeFlags) (probe.Options, error) {
	// A zero At lets every connection of a long-running serve be judged at
	// its own moment; --at fixes one time for both sides.
	o := probe.Options{Timeout: f.timeout}
	if f.at != "" {
		t, err := parseTime(f.at, time.Now())
		if err != nil {
			return o, usagef("--at: %v", err)
		}
		o.At = t
	}
	return o, nil
}

func (a *app) serverConfig(st *store.Store, f *probeFlags) (probe.ServerConfig, probe.Options, error) {
	opts, err := a.probeOptions(f)
	if err != nil {
		return probe.ServerConfig{}, opts, err
	}
	if f.server == "" {
		return probe.ServerConfig{}, opts, usagef("--server NAME is required")
	}
	auth, err := probe.ParseAuthMode(f.auth)
	if err != nil {
		return probe.ServerConfig{}, opts, usageError{err}
	}
	id, err := st.Identity(f.server, a.passphrase())
	if err != nil {
		return probe.ServerConfig{}, opts, fmt.Errorf("--server: %w", err)
	}
	if id.Key == nil {
		return probe.ServerConfig{}, opts, fmt.Errorf("--server %s: its private key is not in the store", f.server)
	}
	sc := probe.ServerConfig{Identity: id, Auth: auth, CheckCRL: f.crl}
	if sc.MinVersion, err = probe.ParseVersion(f.serverTLS); err != nil {
		return sc, opts, usagef("--server-tls: %v", err)
	}
	sc.MaxVersion = sc.MinVersion
	if sc.ClientCAs, err = a.trustCerts(st, f.serverTrust, id, "--server-trust"); err != nil {
		return sc, opts, err
	}
	if f.crl {
		if sc.CRLs, err = st.CRLs(); err != nil {
			return sc, opts, err
		}
	}
	return sc, opts, nil
}

// clientConfig builds the probing client; server is the identity it will
// meet (nil for --connect), only used to name it in errors.
func (a *app) clientConfig(st *store.Store, f *probeFlags, server *pki.Identity) (probe.ClientConfig, probe.Options, error) {
	opts, err := a.probeOptions(f)
	if err != nil {
		return probe.ClientConfig{}, opts, err
	}
	cc := probe.ClientConfig{ServerName: f.name, GoStyle: f.goClient}
	if cc.Emulate, err = verify.ParseClient(f.emulate); err != nil {
		return cc, opts, usagef("--emulate: %v", err)
	}
	if cc.StartTLS, err = probe.ParseStartTLS(f.starttls); err != nil {
		return cc, opts, usagef("--starttls: %v", err)
	}
	if cc.StartTLS != "" && f.connect == "" {
		return cc, opts, usagef("--starttls needs --connect HOST:PORT")
	}
	if cc.MinVersion, err = probe.ParseVersion(f.clientTLS); err != nil {
		return cc, opts, usagef("--client-tls: %v", err)
	}
	cc.MaxVersion = cc.MinVersion
	var own pki.Identity
	switch f.client {
	case "", "none":
		if f.connect != "" && f.client == "" {
			return cc, opts, usagef("--client NAME (or none) is required")
		}
	default:
		id, err := st.Identity(f.client, a.passphrase())
		if err != nil {
			return cc, opts, fmt.Errorf("--client: %w", err)
		}
		if id.Key == nil {
			return cc, opts, fmt.Errorf("--client %s: its private key is not in the store", f.client)
		}
		own = id
		cc.Identity = &id
	}
	if own.Cert == nil && len(f.clientTrust) == 0 && !f.systemRoots {
		return cc, opts, usagef("a client without a certificate must be told what to trust: --client-trust CA")
	}
	if len(f.clientTrust) > 0 || own.Cert != nil {
		if cc.RootCAs, err = a.trustCerts(st, f.clientTrust, own, "--client-trust"); err != nil && !f.systemRoots {
			return cc, opts, err
		}
	}
	if f.systemRoots {
		sys, err := systemRoots()
		if err != nil {
			return cc, opts, err
		}
		cc.RootCAs = append(cc.RootCAs, sys...)
		cc.SystemRoots = true
	}
	if f.connect != "" {
		// Only an outside server that hangs up needs explaining from what the
		// store knows; reading every CRL costs time at 100,000 revocations.
		if cc.KnownCRLs, err = st.CRLs(); err != nil {
			return cc, opts, err
		}
	}
	return cc, opts, nil
}

// trustCerts resolves store CA names, or defaults to the root above id.
func (a *app) trustCerts(st *store.Store, names []string, id pki.Identity, flag string) ([]*x509.Certificate, error) {
	names = splitList(names)
	if len(names) > 0 {
		cs, err := st.CACerts(names...)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", flag, err)
		}
		return cs, nil
	}
	if root := store.Root(id); root != nil {
		return []*x509.Certificate{root}, nil
	}
	return nil, usagef("%s CA is needed: the chain of %s does not reach a root in the store", flag, id.Name)
}

func (a *app) printResults(f *probeFlags, rs ...probe.Result) error {
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
		if err := a.printJSON(rs); err != nil {
			return err
		}
	case len(rs) == 1:
		a.printf("%s", rs[0].Text(true))
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

// knowing fills a probe's explanations from the store: names and known CAs.
func knowing(st *store.Store, ids ...*pki.Identity) (func(*x509.Certificate) string, []*x509.Certificate) {
	k := st.Knowledge(ids...)
	return k.NameOf, k.CAs
}
