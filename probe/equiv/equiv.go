// Package equiv says which openssl, curl and Node.js commands do what a
// pkibench action does, with the store's real paths, so learners see the
// commands they would type elsewhere. Every function is pure: it builds
// text and touches nothing. The CLI (--commands) and the TUI (c) render the
// same []Command.
package equiv

import (
	"strings"

	"github.com/pkibench/pkibench/store/layout"
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

// Layout is a store folder as the commands should spell it; the file names
// come from store/layout, the one place that names them.
type Layout struct {
	// Root is the store folder, as the commands should spell it.
	Root string
}

// CAPaths are the files of one CA folder.
type CAPaths = layout.CA

// CertPaths are the files of one issued identity.
type CertPaths = layout.Identity

// CA returns the paths of CA name.
func (l Layout) CA(name string) CAPaths { return layout.Store{Root: l.Root}.CA(name) }

// Cert returns the paths of issued identity name.
func (l Layout) Cert(name string) CertPaths { return layout.Store{Root: l.Root}.Cert(name) }

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
