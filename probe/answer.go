package probe

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"

	"github.com/pkibench/pkibench/pki"
)

// firstRequest is what the client sends once the handshake is done, so the
// server's first answer shows its verdict on the client certificate: in
// TLS 1.3 a server judges the certificate after the client's Finished, and
// nginx judges it only when it answers the first HTTP request. nil means the
// protocol has the server speak first or has nothing cheap to ask.
func firstRequest(proto, host string, id *pki.Identity) []byte {
	switch proto {
	case "":
		return []byte(fmt.Sprintf("GET / HTTP/1.1\r\nHost: %s\r\nUser-Agent: pkibench-probe\r\nConnection: close\r\n\r\n", host))
	case "smtp":
		return []byte("EHLO pkibench.localhost\r\n")
	case "imap":
		return []byte("a002 CAPABILITY\r\n")
	case "pop3":
		return []byte("CAPA\r\n")
	case "ftp":
		return []byte("FEAT\r\n")
	case "postgres":
		// A StartupMessage as the user the certificate names: `cert`
		// authentication maps the certificate's CN to the user.
		user := "pkibench"
		if id != nil && id.Cert != nil && id.Cert.Subject.CommonName != "" {
			user = id.Cert.Subject.CommonName
		}
		var body bytes.Buffer
		binary.Write(&body, binary.BigEndian, uint32(196608)) // protocol 3.0
		for _, kv := range []string{"user", user, "database", user, "application_name", "pkibench-probe"} {
			body.WriteString(kv)
			body.WriteByte(0)
		}
		body.WriteByte(0)
		msg := make([]byte, 4, 4+body.Len())
		binary.BigEndian.PutUint32(msg, uint32(4+body.Len()))
		return append(msg, body.Bytes()...)
	}
	return nil
}

// refusal is a server's answer after a completed handshake that refuses
// the client certificate at the application level.
type refusal struct {
	Proto string // "HTTP", "PostgreSQL", "SMTP", ...
	Line  string // the status line or error message, quoted in the verdict
	// Missing: the server says no certificate was sent.
	Missing bool
	// VerifyError: nginx's answer to a certificate its verification
	// refused (400 "The SSL certificate error", 495), which is also its
	// answer to a chain longer than ssl_verify_depth.
	VerifyError bool
	// PostHandshake: the server asked for the certificate after the
	// request (TLS 1.3 post-handshake authentication, Apache's
	// per-location SSLVerifyClient), which Go's TLS client cannot answer.
	PostHandshake bool
	// Inferred: the answer does not name the certificate (a site's own
	// error page); the refusal is read from the status and the local
	// analysis of the client certificate.
	Inferred bool
}

// unsaidRefusal reads an HTTP 400 whose page says nothing of certificates
// (nginx with `error_page 400 495 496 ... ` pointing at the site's own
// page) after a handshake in which the server asked for a certificate:
// nginx answers every refused client certificate with 400, and a plain
// `GET /` gets no 400 otherwise. The cause is then found locally (no
// certificate, one refused here, a chain deeper than nginx's default
// depth); when nothing here explains it (the server checks a CRL the store
// lacks) the verdict is REJECT unknown with the answer quoted, never
// ACCEPT ok.
func unsaidRefusal(proto string, answer []byte, c *clientOutcome, cc ClientConfig) *refusal {
	if proto != "" || !c.requested || len(answer) == 0 {
		return nil
	}
	line := firstLine(answer)
	f := strings.Fields(line)
	if len(f) < 2 || !strings.HasPrefix(f[0], "HTTP/") || f[1] != "400" {
		return nil
	}
	sent := c.sentCert && cc.Identity != nil
	return &refusal{Proto: "HTTP", Line: line, VerifyError: sent, Inferred: true}
}

// refusalIn reads the server's first answer; nil when it does not refuse
// the client certificate. requested says whether the server asked for one
// (a 403 from a server that did not cannot be about a certificate).
func refusalIn(proto string, answer []byte, requested bool) *refusal {
	if len(answer) == 0 {
		return nil
	}
	switch proto {
	case "":
		return httpRefusal(answer, requested)
	case "postgres":
		return postgresRefusal(answer)
	}
	line := firstLine(answer)
	up := strings.ToUpper(line)
	bad := strings.HasPrefix(line, "4") || strings.HasPrefix(line, "5") || strings.HasPrefix(up, "-ERR") ||
		strings.HasPrefix(up, "A002 NO") || strings.HasPrefix(up, "A002 BAD")
	if bad && strings.Contains(strings.ToLower(line), "certificate") {
		return &refusal{Proto: strings.ToUpper(proto), Line: line,
			Missing: strings.Contains(strings.ToLower(line), "no certificate") || strings.Contains(strings.ToLower(line), "required")}
	}
	return nil
}

// httpRefusal recognises the answers of the common servers to a client
// certificate they refuse after the handshake: nginx's 400 pages ("No
// required SSL certificate was sent", "The SSL certificate error") and
// its internal 495/496, and a 403 from a server that asked for a
// certificate (Apache SSLRequire, HAProxy `http-request deny` on
// ssl_c_verify).
func httpRefusal(answer []byte, requested bool) *refusal {
	line := firstLine(answer)
	f := strings.Fields(line)
	if len(f) < 2 || !strings.HasPrefix(f[0], "HTTP/") {
		return nil
	}
	status, err := strconv.Atoi(f[1])
	if err != nil {
		return nil
	}
	body := strings.ToLower(string(answer))
	r := &refusal{Proto: "HTTP", Line: line}
	switch {
	case status/100 == 4 && strings.Contains(body, "post-handshake authentication"):
		// Apache: "Reason: Cannot perform Post-Handshake Authentication."
		r.PostHandshake, r.Missing = true, true
		return r
	case status == 496 || status/100 == 4 && strings.Contains(body, "no required ssl certificate was sent"):
		r.Missing = true
		if t := htmlTitle(answer); t != "" {
			r.Line += " (" + t + ")"
		}
		return r
	case status == 495 || (status == 400 && strings.Contains(body, "ssl certificate")):
		if t := htmlTitle(answer); t != "" {
			r.Line += " (" + t + ")"
		}
		r.VerifyError = true
		return r
	case status == 403 && requested:
		return r
	}
	return nil
}

// htmlTitle is the <title> of an error page, which names nginx's reason.
func htmlTitle(b []byte) string {
	s := string(b)
	i := strings.Index(strings.ToLower(s), "<title>")
	if i < 0 {
		return ""
	}
	s = s[i+len("<title>"):]
	if j := strings.Index(strings.ToLower(s), "</title>"); j >= 0 {
		return strings.TrimSpace(s[:j])
	}
	return ""
}

// postgresRefusal reads an ErrorResponse ('E') to the StartupMessage.
func postgresRefusal(answer []byte) *refusal {
	if answer[0] != 'E' || len(answer) < 5 {
		return nil
	}
	fields := map[byte]string{}
	for _, part := range bytes.Split(answer[5:], []byte{0}) {
		if len(part) > 1 {
			if _, ok := fields[part[0]]; !ok {
				fields[part[0]] = string(part[1:])
			}
		}
	}
	msg := fields['M']
	if !strings.Contains(strings.ToLower(msg), "certificate") {
		return nil
	}
	line := strings.TrimSpace(fields['S'] + ":  " + msg)
	return &refusal{Proto: "PostgreSQL", Line: line, Missing: strings.Contains(msg, "requires a valid client certificate")}
}

// answerNote describes a first answer that is an error but not a refusal
// of the certificate (a 404, PostgreSQL "the database system is starting
// up"), so an ACCEPT does not hide it.
func answerNote(proto string, answer []byte) string {
	if len(answer) == 0 {
		return ""
	}
	switch proto {
	case "":
		line := firstLine(answer)
		if f := strings.Fields(line); len(f) >= 2 && strings.HasPrefix(f[0], "HTTP/") && (strings.HasPrefix(f[1], "4") || strings.HasPrefix(f[1], "5")) {
			return fmt.Sprintf("the server took the certificate and answered %q", line)
		}
	case "postgres":
		if answer[0] == 'E' {
			msg := ""
			for _, part := range bytes.Split(answer[min(5, len(answer)):], []byte{0}) {
				if len(part) > 1 && part[0] == 'M' {
					msg = string(part[1:])
					break
				}
			}
			return fmt.Sprintf("the server took the certificate and answered the startup with an error: %q", msg)
		}
	}
	return ""
}

// httpComplete reports whether b holds a whole HTTP answer by its
// Content-Length, so a server that keeps the connection open despite
// "Connection: close" is not waited for.
func httpComplete(b []byte) bool {
	end := bytes.Index(b, []byte("\r\n\r\n"))
	if end < 0 {
		return false
	}
	for _, line := range strings.Split(string(b[:end]), "\r\n") {
		k, v, ok := strings.Cut(line, ":")
		if ok && strings.EqualFold(strings.TrimSpace(k), "Content-Length") {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			return err == nil && len(b)-end-4 >= n
		}
	}
	return false
}
