package probe

import (
	"crypto/tls"
	"fmt"
	"strings"
)

// Files says where a probe's material lives on disk, for the equivalent
// commands. Empty fields are left out of the commands.
type Files struct {
	ServerCert  string // server certificate, or its fullchain
	ServerKey   string
	ServerTrust string // CA file the server trusts client certificates from
	CRL         string
	ClientCert  string // client certificate, or its fullchain
	ClientKey   string
	ClientTrust string // CA file the client trusts the server from
}

// Command is one equivalent command line for an outside tool.
type Command struct {
	Tool string `json:"tool"` // openssl, curl, node
	Role string `json:"role"` // server or client
	Line string `json:"line"`
}

// Commands returns the openssl, curl and Node.js commands that set up the
// same server and client as sc and cc, the server listening on port.
func Commands(sc ServerConfig, cc ClientConfig, f Files, port int) []Command {
	name := cc.serverName()
	mode := sc.auth()
	var out []Command

	s := []string{"openssl", "s_server", "-accept", fmt.Sprintf("127.0.0.1:%d", port), "-cert", q(f.ServerCert), "-key", q(f.ServerKey)}
	if f.ServerTrust != "" {
		s = append(s, "-CAfile", q(f.ServerTrust))
	}
	switch mode {
	case AuthRequest, AuthVerifyIfGiven:
		s = append(s, "-verify", "1")
	case AuthRequireAny, AuthRequireAndVerify:
		s = append(s, "-Verify", "1")
	}
	if mode.verifies() {
		// Without it openssl logs a verify error and carries on.
		s = append(s, "-verify_return_error")
	}
	if sc.CheckCRL && f.CRL != "" {
		s = append(s, "-crl_check", "-CRL", q(f.CRL))
	}
	s = append(s, opensslVersion(sc.MinVersion, sc.MaxVersion)...)
	s = append(s, "-www")
	out = append(out, Command{"openssl", "server", strings.Join(s, " ")})

	c := []string{"openssl", "s_client", "-connect", fmt.Sprintf("127.0.0.1:%d", port), "-servername", name}
	if f.ClientTrust != "" {
		c = append(c, "-CAfile", q(f.ClientTrust))
	}
	c = append(c, "-verify_return_error", "-verify_hostname", name)
	if cc.Identity != nil && f.ClientCert != "" {
		c = append(c, "-cert", q(f.ClientCert), "-key", q(f.ClientKey))
	}
	c = append(c, opensslVersion(cc.MinVersion, cc.MaxVersion)...)
	out = append(out, Command{"openssl", "client", strings.Join(c, " ")})

	u := []string{"curl", "-sS"}
	if f.ClientTrust != "" {
		u = append(u, "--cacert", q(f.ClientTrust))
	}
	if cc.Identity != nil && f.ClientCert != "" {
		u = append(u, "--cert", q(f.ClientCert), "--key", q(f.ClientKey))
	}
	if cc.MinVersion == tls.VersionTLS13 {
		u = append(u, "--tlsv1.3")
	}
	if cc.MaxVersion != 0 {
		u = append(u, "--tls-max", strings.TrimPrefix(tls.VersionName(cc.MaxVersion), "TLS "))
	}
	u = append(u, "--resolve", fmt.Sprintf("%s:%d:127.0.0.1", name, port), fmt.Sprintf("https://%s:%d/", name, port))
	out = append(out, Command{"curl", "client", strings.Join(u, " ")})

	var opts []string
	opts = append(opts, fmt.Sprintf("cert: fs.readFileSync(%s)", js(f.ServerCert)), fmt.Sprintf("key: fs.readFileSync(%s)", js(f.ServerKey)))
	if f.ServerTrust != "" {
		opts = append(opts, fmt.Sprintf("ca: fs.readFileSync(%s)", js(f.ServerTrust)))
	}
	if sc.CheckCRL && f.CRL != "" {
		opts = append(opts, fmt.Sprintf("crl: fs.readFileSync(%s)", js(f.CRL)))
	}
	switch mode {
	case AuthNone:
		opts = append(opts, "requestCert: false")
	case AuthRequireAndVerify:
		opts = append(opts, "requestCert: true", "rejectUnauthorized: true")
	default:
		opts = append(opts, "requestCert: true", "rejectUnauthorized: false")
	}
	opts = append(opts, nodeVersion(sc.MinVersion, sc.MaxVersion)...)
	out = append(out, Command{"node", "server", fmt.Sprintf(
		"node -e \"const fs=require('fs');require('https').createServer({%s},(q,s)=>s.end('ok '+q.socket.authorized+'\\n')).listen(%d,'127.0.0.1',()=>console.log('listening'))\"",
		strings.Join(opts, ", "), port)})

	opts = []string{fmt.Sprintf("hostname: '%s'", name), fmt.Sprintf("port: %d", port)}
	if f.ClientTrust != "" {
		opts = append(opts, fmt.Sprintf("ca: fs.readFileSync(%s)", js(f.ClientTrust)))
	}
	if cc.Identity != nil && f.ClientCert != "" {
		opts = append(opts, fmt.Sprintf("cert: fs.readFileSync(%s)", js(f.ClientCert)), fmt.Sprintf("key: fs.readFileSync(%s)", js(f.ClientKey)))
	}
	opts = append(opts, nodeVersion(cc.MinVersion, cc.MaxVersion)...)
	out = append(out, Command{"node", "client", fmt.Sprintf(
		"node -e \"const fs=require('fs');require('https').get({%s},r=>r.pipe(process.stdout)).on('error',e=>console.error(e.message))\"",
		strings.Join(opts, ", "))})
	return out
}

func opensslVersion(min, max uint16) []string {
	switch {
	case min == tls.VersionTLS13:
		return []string{"-tls1_3"}
	case max == tls.VersionTLS12:
		return []string{"-tls1_2"}
	}
	return nil
}

func nodeVersion(min, max uint16) []string {
	var out []string
	if min != 0 {
		out = append(out, fmt.Sprintf("minVersion: '%s'", nodeVer(min)))
	}
	if max != 0 {
		out = append(out, fmt.Sprintf("maxVersion: '%s'", nodeVer(max)))
	}
	return out
}

func nodeVer(v uint16) string { return "TLSv" + strings.TrimPrefix(tls.VersionName(v), "TLS ") }

// q quotes a path for a POSIX shell when it needs it.
func q(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/._-+:=@", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// js quotes a path as a JavaScript string inside the double-quoted -e.
func js(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `'`, `\'`, `"`, `\"`, "$", `\$`, "`", "\\`")
	return "'" + r.Replace(s) + "'"
}
