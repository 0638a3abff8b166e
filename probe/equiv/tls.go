package equiv

import (
	"crypto/tls"
	"strconv"
	"strings"

	"github.com/pkibench/pkibench/probe"
)

// ProbeSpec describes both sides of a `pkibench probe` (or the server of
// `pkibench serve`) as files.
type ProbeSpec struct {
	// ServerCert is what the server presents (fullchain.pem: Node.js and
	// curl send the intermediates in it); ServerKey is its key; ServerChain
	// (chain.pem) gives openssl, which reads one certificate from -cert,
	// the intermediates to send.
	ServerCert, ServerKey, ServerChain string
	// ServerTrust are the CA files client certificates must chain to.
	ServerTrust []string
	Auth        probe.AuthMode // default require-and-verify
	// CRLs are checked for client certificates when not empty: the client
	// certificate's issuer's first (openssl s_server takes only that one),
	// then the CAs above it (Node.js wants them all).
	CRLs      []string
	ServerTLS string // "", "1.2" or "1.3": that version only

	// ClientCert, ClientKey and ClientChain as for the server; an empty
	// ClientCert sends no certificate.
	ClientCert, ClientKey, ClientChain string
	// ClientTrust are the CA files the server certificate must chain to.
	ClientTrust []string
	ServerName  string // default localhost
	ClientTLS   string

	Port int // default 8443
}

func (s ProbeSpec) port() string {
	if s.Port == 0 {
		return "8443"
	}
	return strconv.Itoa(s.Port)
}

func (s ProbeSpec) name() string {
	if s.ServerName == "" {
		return "localhost"
	}
	return s.ServerName
}

func (s ProbeSpec) auth() probe.AuthMode {
	if s.Auth == "" {
		return probe.AuthRequireAndVerify
	}
	return s.Auth
}

// Probe returns a server (openssl s_server, Node.js) and clients (openssl
// s_client, curl, Node.js) that stage the same handshake as `pkibench probe`.
func Probe(s ProbeSpec) []Command {
	return append(ServerCommands(s), Serve(s)...)
}

// ServerCommands are the openssl s_server and Node.js servers for s.
func ServerCommands(s ProbeSpec) []Command {
	trust, cmds := bundle(s.ServerTrust)
	args := []string{"openssl", "s_server", "-accept", s.port(), "-cert", s.ServerCert, "-key", s.ServerKey}
	if s.ServerChain != "" {
		args = append(args, "-cert_chain", s.ServerChain)
	}
	if trust != "" {
		args = append(args, "-CAfile", trust)
	}
	// Without -verify_return_error s_server only logs a bad client
	// certificate and carries on.
	args = append(args, s.auth().OpenSSLArgs()...)
	purpose := "a server like pkibench's (client auth " + string(s.auth()) + "; -www answers GET /)"
	if len(s.CRLs) > 0 {
		// s_server loads one CRL and -crl_check checks the leaf only.
		args = append(args, "-crl_check", "-CRL", s.CRLs[0])
		purpose += "; it checks the client certificate against one CRL, its issuer's"
	}
	args = append(args, versionFlag(s.ServerTLS)...)
	args = append(args, "-www")
	cmds = append(cmds, Command{OpenSSL, purpose, line(args...)})

	var opts []string
	opts = append(opts, "key: "+readFile(s.ServerKey), "cert: "+readFile(s.ServerCert))
	if len(s.ServerTrust) > 0 {
		opts = append(opts, "ca: "+readFiles(s.ServerTrust))
	}
	note := ""
	nodeOpts, exact := s.auth().NodeJSOptions()
	opts = append(opts, nodeOpts...)
	if !exact {
		note = " (Node.js has no " + string(s.auth()) + " mode: this is the nearest)"
	}
	if len(s.CRLs) > 0 {
		// Node.js checks the whole chain once given a CRL: it refuses
		// (UNABLE_TO_GET_CRL) unless every CA above the client has one here.
		opts = append(opts, "crl: "+readFiles(s.CRLs))
		note += "; with crl it needs the CRL of every CA in the client's chain"
	}
	opts = append(opts, nodeVersions(s.ServerTLS)...)
	js := `const https = require("https"), fs = require("fs");
https.createServer({
  ` + strings.Join(opts, ",\n  ") + `
}, (req, res) => {
  const c = req.socket.getPeerCertificate();
  res.end("hello " + (c && c.subject ? c.subject.CN : "anonymous") + "\n");
}).listen(` + s.port() + `, "127.0.0.1");`
	return append(cmds, Command{Node, "the seeds' Node.js https server" + note, "node -e " + Quote(js)})
}

// Serve returns clients (curl, openssl s_client, Node.js) for a server
// listening on 127.0.0.1:Port, e.g. `pkibench serve`.
func Serve(s ProbeSpec) []Command {
	trust, cmds := bundle(s.ClientTrust)
	name, port := s.name(), s.port()

	curl := []string{"curl", "-sS", "--resolve", name + ":" + port + ":127.0.0.1"}
	if trust != "" {
		curl = append(curl, "--cacert", trust)
	}
	if s.ClientCert != "" {
		curl = append(curl, "--cert", s.ClientCert, "--key", s.ClientKey)
	}
	switch s.ClientTLS {
	case "1.2":
		curl = append(curl, "--tlsv1.2", "--tls-max", "1.2")
	case "1.3":
		curl = append(curl, "--tlsv1.3")
	}
	curl = append(curl, "https://"+name+":"+port+"/")

	sc := []string{"openssl", "s_client", "-connect", "127.0.0.1:" + port, "-servername", name, "-verify_hostname", name}
	if trust != "" {
		sc = append(sc, "-CAfile", trust)
	}
	sc = append(sc, "-verify_return_error")
	if s.ClientCert != "" {
		sc = append(sc, "-cert", s.ClientCert, "-key", s.ClientKey)
		if s.ClientChain != "" {
			sc = append(sc, "-cert_chain", s.ClientChain)
		}
	}
	sc = append(sc, versionFlag(s.ClientTLS)...)
	sc = append(sc, "-ign_eof", "-brief")
	req := `printf 'GET / HTTP/1.0\r\nHost: ` + name + `\r\n\r\n' | `

	opts := []string{`host: "127.0.0.1"`, "port: " + port, "servername: " + strconv.Quote(name), `path: "/"`}
	if len(s.ClientTrust) > 0 {
		opts = append(opts, "ca: "+readFiles(s.ClientTrust))
	}
	if s.ClientCert != "" {
		opts = append(opts, "cert: "+readFile(s.ClientCert), "key: "+readFile(s.ClientKey))
	}
	opts = append(opts, nodeVersions(s.ClientTLS)...)
	js := `const https = require("https"), fs = require("fs");
https.get({
  ` + strings.Join(opts, ",\n  ") + `
}, res => res.pipe(process.stdout))
  .on("error", e => { console.error(e.message); process.exit(1); });`

	return append(cmds,
		Command{Curl, "curl as the client", line(curl...)},
		Command{OpenSSL, "openssl s_client as the client (sends one GET)", req + line(sc...)},
		Command{Node, "the seeds' Node.js client", "node -e " + Quote(js)},
	)
}

func versionFlag(v string) []string {
	switch v {
	case "1.2":
		return []string{"-tls1_2"}
	case "1.3":
		return []string{"-tls1_3"}
	}
	return nil
}

func nodeVersions(v string) []string {
	switch v {
	case "1.2":
		return []string{`minVersion: "TLSv1.2"`, `maxVersion: "TLSv1.2"`}
	case "1.3":
		return []string{`minVersion: "TLSv1.3"`}
	}
	return nil
}

func readFile(p string) string { return "fs.readFileSync(" + strconv.Quote(p) + ")" }

func readFiles(ps []string) string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = readFile(p)
	}
	return "[" + strings.Join(out, ", ") + "]"
}

// StoreProbe names a probe by store names, as `pkibench probe` takes it.
type StoreProbe struct {
	// Server and Client are issued identities (certs/NAME); a Client of ""
	// or "none" sends no certificate.
	Server, Client string
	// ServerTrust and ClientTrust are CA names (cas/NAME).
	ServerTrust, ClientTrust []string
	Auth                     probe.AuthMode
	// CRLCAs are the CAs whose crl.pem the server checks (probe --crl),
	// the client certificate's issuer first.
	CRLCAs               []string
	ServerName           string
	ServerTLS, ClientTLS string
	Port                 int
}

// StoreProbeOf is what a probe request stages, with the request's own
// defaults (probe.Request): each side trusts the root above its own
// certificate, and a CRL check loads the CRL of every CA above the client.
// above lists the store CAs above a name, its issuer first, up to the root.
// The CLI and the TUI both describe their probe's commands through it.
func StoreProbeOf(r probe.Request, port int, above func(name string) []string) StoreProbe {
	sp := StoreProbe{Server: r.Server, Client: r.Client, Auth: r.Auth, ServerName: r.ServerName,
		ServerTrust: r.ServerTrust, ClientTrust: r.ClientTrust,
		ServerTLS: versionText(r.ServerVersion), ClientTLS: versionText(r.ClientVersion), Port: port}
	if sp.Auth == "" {
		sp.Auth = probe.AuthRequireAndVerify
	}
	root := func(name string) []string {
		if cas := above(name); len(cas) > 0 {
			return cas[len(cas)-1:]
		}
		return nil
	}
	if len(sp.ServerTrust) == 0 && r.Server != "" {
		sp.ServerTrust = root(r.Server)
	}
	if len(sp.ClientTrust) == 0 && r.Client != "" {
		sp.ClientTrust = root(r.Client)
	}
	if r.CheckCRL && r.Client != "" {
		sp.CRLCAs = above(r.Client)
	}
	return sp
}

// versionText is a pinned TLS version as the commands spell it.
func versionText(v uint16) string {
	switch v {
	case tls.VersionTLS12:
		return "1.2"
	case tls.VersionTLS13:
		return "1.3"
	}
	return ""
}

// ProbeSpec turns store names into the files the commands use.
func (l Layout) ProbeSpec(p StoreProbe) ProbeSpec {
	s := ProbeSpec{Auth: p.Auth, ServerName: p.ServerName, ServerTLS: p.ServerTLS, ClientTLS: p.ClientTLS, Port: p.Port}
	s.ServerCert, s.ServerKey, s.ServerChain = l.Presented(p.Server)
	if p.Client != "" && p.Client != "none" {
		s.ClientCert, s.ClientKey, s.ClientChain = l.Presented(p.Client)
	}
	for _, ca := range p.ServerTrust {
		s.ServerTrust = append(s.ServerTrust, l.CA(ca).Cert)
	}
	for _, ca := range p.ClientTrust {
		s.ClientTrust = append(s.ClientTrust, l.CA(ca).Cert)
	}
	for _, ca := range p.CRLCAs {
		s.CRLs = append(s.CRLs, l.CA(ca).CRL)
	}
	return s
}
