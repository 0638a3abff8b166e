// Package equiv says which openssl, curl and Node.js commands do what a
// pkibench action does, with the store's real paths, so learners see the
// commands they would type elsewhere. Every function is pure: it builds
// text and touches nothing. The CLI (--commands) and the TUI (c) render the
// same []Command.
package equiv

import (
	"path/filepath"
	"strings"
)

// Tool is the program a command runs.
type Tool string

const (
	OpenSSL Tool = "openssl"
	Curl    Tool = "curl"
	Node    Tool = "node"
	// Shell is a plain POSIX shell step (mkdir, cat, chmod).
	Shell Tool = "sh"
)

// Command is one step: a shell line (possibly a here-document spanning
// several lines) and what it does.
type Command struct {
	Tool    Tool   `json:"tool"`
	Purpose string `json:"purpose"`
	Line    string `json:"line"`
}

// Layout names the files of a pkibench store (DESIGN.md §3), so commands
// use the same paths pkibench does.
type Layout struct {
	// Root is the store folder, as the commands should spell it.
	Root string
}

// CAPaths are the files of one CA folder.
type CAPaths struct {
	Dir, Cert, Key, Chain, Index, IndexAttr, CRLNumber, CRL, CRLDER, NewCerts, CSR, Ext, Config string
}

// CertPaths are the files of one issued identity.
type CertPaths struct {
	Dir, Cert, Key, Chain, FullChain, Root, CSR, Ext string
}

// CA returns the paths of CA name.
func (l Layout) CA(name string) CAPaths {
	d := filepath.Join(l.Root, "cas", name)
	return CAPaths{Dir: d, Cert: filepath.Join(d, "ca.crt"), Key: filepath.Join(d, "ca.key"), Chain: filepath.Join(d, "chain.pem"),
		Index: filepath.Join(d, "index.txt"), IndexAttr: filepath.Join(d, "index.txt.attr"), CRLNumber: filepath.Join(d, "crlnumber"),
		CRL: filepath.Join(d, "crl.pem"), CRLDER: filepath.Join(d, "crl.der"), NewCerts: filepath.Join(d, "certs"),
		CSR: filepath.Join(d, "ca.csr"), Ext: filepath.Join(d, "ca.ext"), Config: filepath.Join(d, "openssl-ca.cnf")}
}

// Cert returns the paths of issued identity name.
func (l Layout) Cert(name string) CertPaths {
	d := filepath.Join(l.Root, "certs", name)
	return CertPaths{Dir: d, Cert: filepath.Join(d, "cert.pem"), Key: filepath.Join(d, "key.pem"), Chain: filepath.Join(d, "chain.pem"),
		FullChain: filepath.Join(d, "fullchain.pem"), Root: filepath.Join(d, "root.pem"), CSR: filepath.Join(d, "csr.pem"), Ext: filepath.Join(d, "ext.cnf")}
}

// Quote makes s one shell word: unchanged when it is made of safe
// characters only, single-quoted otherwise.
func Quote(s string) string {
	if s == "" {
		return "''"
	}
	safe := true
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=,+@%", r)) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// line joins words into a command line, quoting each.
func line(words ...string) string {
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = Quote(w)
	}
	return strings.Join(q, " ")
}

// heredoc writes body to path with a quoted here-document (no expansion).
func heredoc(path, body string) string {
	return "cat > " + Quote(path) + " <<'EOF'\n" + strings.TrimRight(body, "\n") + "\nEOF"
}

// Render prints commands as a commented shell script.
func Render(cmds []Command) string {
	var b strings.Builder
	for i, c := range cmds {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString("# " + c.Purpose + "\n" + c.Line + "\n")
	}
	return b.String()
}

// Presented returns the files a peer presenting issued identity name
// uses: fullchain.pem (Node.js, curl send the intermediates in it), its key,
// and chain.pem for openssl's -cert_chain.
func (l Layout) Presented(name string) (cert, key, chain string) {
	p := l.Cert(name)
	return p.FullChain, p.Key, p.Chain
}
