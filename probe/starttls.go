package probe

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
)

// StartTLS protocols --connect speaks before the TLS handshake, as
// `openssl s_client -starttls` does. "" is TLS from the first byte (HTTPS).
var StartTLSProtocols = []string{"smtp", "imap", "pop3", "ftp", "ldap", "postgres", "mysql"}

// ParseStartTLS accepts a protocol name; "" (or "none") is plain TLS.
func ParseStartTLS(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" || s == "none" {
		return "", nil
	}
	if s == "postgresql" {
		s = "postgres"
	}
	for _, p := range StartTLSProtocols {
		if s == p {
			return p, nil
		}
	}
	return "", fmt.Errorf("unknown STARTTLS protocol %q (expected one of %s)", s, strings.Join(StartTLSProtocols, ", "))
}

// StartTLSError is a server that did not agree to start TLS: the plaintext
// exchange before the handshake failed.
type StartTLSError struct {
	Proto string
	// Said is the server's last plaintext answer, if any.
	Said string
	Err  error
}

func (e *StartTLSError) Error() string {
	s := fmt.Sprintf("STARTTLS (%s) failed", e.Proto)
	if e.Said != "" {
		s += fmt.Sprintf(": the server said %q", e.Said)
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *StartTLSError) Unwrap() error { return e.Err }

// maxNegotiation bounds what the plaintext negotiation reads: greetings and
// capability lists are a few hundred bytes, and a server that never ends
// its reply must not fill memory until the timeout.
const maxNegotiation = 64 << 10

// errNegotiationTooLong ends a plaintext negotiation past maxNegotiation.
var errNegotiationTooLong = fmt.Errorf("the server's plaintext answer is too long (more than %d KiB before STARTTLS)", maxNegotiation>>10)

// cappedReader returns errNegotiationTooLong once left bytes were read.
type cappedReader struct {
	r    io.Reader
	left int
}

func (c *cappedReader) Read(p []byte) (int, error) {
	if c.left <= 0 {
		return 0, errNegotiationTooLong
	}
	if len(p) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= n
	return n, err
}

// startTLS runs the plaintext negotiation of proto on conn (whose deadline
// the caller has set) and returns once the next byte is the TLS handshake.
func startTLS(conn net.Conn, proto, host string, log *stepLog) error {
	n := &negotiation{
		conn:  conn,
		br:    bufio.NewReader(&cappedReader{r: conn, left: maxNegotiation}),
		proto: proto,
		log:   log,
	}
	switch proto {
	case "ldap":
		return ldapStartTLS(conn, n.br, log, n.fail)
	case "mysql":
		return mysqlStartTLS(conn, n.br, log, n.fail)
	}
	step := plaintextStartTLS(proto)
	if step == nil {
		return n.fail("", fmt.Errorf("unknown protocol %q", proto))
	}
	if err := step(n); err != nil {
		return err
	}
	if n.br.Buffered() > 0 {
		return n.fail("", errors.New("the server sent data before the TLS handshake"))
	}
	return nil
}

// plaintextStartTLS is the negotiation of a protocol after which no byte
// may be left unread before the handshake, or nil for an unknown one.
func plaintextStartTLS(proto string) func(*negotiation) error {
	switch proto {
	case "smtp":
		return smtpStartTLS
	case "imap":
		return imapStartTLS
	case "pop3":
		return pop3StartTLS
	case "ftp":
		return ftpStartTLS
	case "postgres":
		return postgresStartTLS
	}
	return nil
}

// negotiation is the plaintext exchange before STARTTLS: the connection, a
// bounded reader on it, and the step log.
type negotiation struct {
	conn  net.Conn
	br    *bufio.Reader
	proto string
	log   *stepLog
}

func (n *negotiation) fail(said string, err error) error {
	said = strings.TrimSpace(said)
	if len(said) > 256 { // quoted in the verdict: the start says enough
		said = said[:256] + "..."
	}
	return &StartTLSError{Proto: n.proto, Said: said, Err: err}
}

func (n *negotiation) send(s string) error {
	n.log.add("%s: sent %q", n.proto, strings.TrimSpace(s))
	_, err := io.WriteString(n.conn, s)
	return err
}

// reply reads one (possibly multi-line, "250-...") numbered reply.
func (n *negotiation) reply() (string, error) {
	var all strings.Builder
	for {
		line, err := n.br.ReadString('\n')
		all.WriteString(line)
		if err != nil {
			return all.String(), err
		}
		if len(line) < 4 || line[3] != '-' {
			n.log.add("%s: received %q", n.proto, strings.TrimSpace(line))
			return all.String(), nil
		}
	}
}

func (n *negotiation) line() (string, error) {
	l, err := n.br.ReadString('\n')
	n.log.add("%s: received %q", n.proto, strings.TrimSpace(l))
	return l, err
}

// expectReply reads a numbered reply and fails unless it starts with code.
func (n *negotiation) expectReply(code string) (string, error) {
	r, err := n.reply()
	if err != nil || !strings.HasPrefix(r, code) {
		return r, n.fail(r, err)
	}
	return r, nil
}

// expectLine reads one line and fails unless it starts with prefix.
func (n *negotiation) expectLine(prefix string) error {
	l, err := n.line()
	if err != nil || !strings.HasPrefix(l, prefix) {
		return n.fail(l, err)
	}
	return nil
}

// sendOrFail sends s and turns a write error into a StartTLSError.
func (n *negotiation) sendOrFail(s string) error {
	if err := n.send(s); err != nil {
		return n.fail("", err)
	}
	return nil
}

func smtpStartTLS(n *negotiation) error {
	if _, err := n.expectReply("220"); err != nil {
		return err
	}
	if err := n.sendOrFail("EHLO pkibench.localhost\r\n"); err != nil {
		return err
	}
	r, err := n.expectReply("250")
	if err != nil {
		return err
	}
	if !strings.Contains(strings.ToUpper(r), "STARTTLS") {
		return n.fail(r, errors.New("the server does not offer STARTTLS"))
	}
	if err := n.sendOrFail("STARTTLS\r\n"); err != nil {
		return err
	}
	_, err = n.expectReply("220")
	return err
}

func imapStartTLS(n *negotiation) error {
	if err := n.expectLine("* OK"); err != nil {
		return err
	}
	if err := n.sendOrFail("a001 STARTTLS\r\n"); err != nil {
		return err
	}
	for {
		l, err := n.line()
		if err != nil {
			return n.fail(l, err)
		}
		if strings.HasPrefix(l, "a001 ") {
			if !strings.HasPrefix(l, "a001 OK") {
				return n.fail(l, nil)
			}
			return nil
		}
	}
}

func pop3StartTLS(n *negotiation) error {
	if err := n.expectLine("+OK"); err != nil {
		return err
	}
	if err := n.sendOrFail("STLS\r\n"); err != nil {
		return err
	}
	return n.expectLine("+OK")
}

func ftpStartTLS(n *negotiation) error {
	if _, err := n.expectReply("220"); err != nil {
		return err
	}
	if err := n.sendOrFail("AUTH TLS\r\n"); err != nil {
		return err
	}
	_, err := n.expectReply("234")
	return err
}

func postgresStartTLS(n *negotiation) error {
	// SSLRequest: length 8, code 80877103; the answer is one byte.
	msg := make([]byte, 8)
	binary.BigEndian.PutUint32(msg[0:], 8)
	binary.BigEndian.PutUint32(msg[4:], 80877103)
	n.log.add("postgres: sent SSLRequest")
	if _, err := n.conn.Write(msg); err != nil {
		return n.fail("", err)
	}
	b, err := n.br.ReadByte()
	if err != nil {
		return n.fail("", err)
	}
	n.log.add("postgres: received %q", string(b))
	if b != 'S' {
		return n.fail(string(b), errors.New("the server does not accept SSL (answered N)"))
	}
	return nil
}

// ldapStartTLS sends the StartTLS extended request (RFC 4511 4.14) and
// checks the resultCode of the extended response.
func ldapStartTLS(conn net.Conn, br *bufio.Reader, log *stepLog, fail func(string, error) error) error {
	const oid = "1.3.6.1.4.1.1466.20037"
	req := append([]byte{0x80, byte(len(oid))}, oid...)
	op := append([]byte{0x77, byte(len(req))}, req...)
	body := append([]byte{0x02, 0x01, 0x01}, op...)
	msg := append([]byte{0x30, byte(len(body))}, body...)
	log.add("ldap: sent StartTLS extended request")
	if _, err := conn.Write(msg); err != nil {
		return fail("", err)
	}
	hdr := make([]byte, 2)
	if _, err := io.ReadFull(br, hdr); err != nil || hdr[0] != 0x30 {
		return fail("", fmt.Errorf("not an LDAP message (%x): %v", hdr, err))
	}
	n := int(hdr[1])
	if n&0x80 != 0 {
		k := n & 0x7f
		if k == 0 || k > 3 {
			return fail("", errors.New("bad LDAP length"))
		}
		lb := make([]byte, k)
		if _, err := io.ReadFull(br, lb); err != nil {
			return fail("", err)
		}
		n = 0
		for _, b := range lb {
			n = n<<8 | int(b)
		}
	}
	if n > 1<<16 {
		return fail("", errors.New("LDAP answer too large"))
	}
	resp := make([]byte, n)
	if _, err := io.ReadFull(br, resp); err != nil {
		return fail("", err)
	}
	// messageID INTEGER, then [APPLICATION 24] ExtendedResponse whose first
	// element is resultCode ENUMERATED.
	i := bytes.IndexByte(resp, 0x78)
	if i < 0 || i+4 >= len(resp) {
		return fail("", errors.New("no extended response"))
	}
	j := bytes.Index(resp[i:], []byte{0x0a, 0x01})
	if j < 0 || i+j+2 >= len(resp) {
		return fail("", errors.New("no resultCode in the extended response"))
	}
	code := resp[i+j+2]
	log.add("ldap: StartTLS resultCode %d", code)
	if code != 0 {
		return fail(fmt.Sprintf("resultCode %d", code), nil)
	}
	return nil
}

// mysqlStartTLS reads the server greeting and sends the SSLRequest packet
// (the client capability flags with CLIENT_SSL) that precedes TLS.
func mysqlStartTLS(conn net.Conn, br *bufio.Reader, log *stepLog, fail func(string, error) error) error {
	hdr := make([]byte, 4)
	if _, err := io.ReadFull(br, hdr); err != nil {
		return fail("", err)
	}
	n := int(hdr[0]) | int(hdr[1])<<8 | int(hdr[2])<<16
	if n > 1<<16 {
		return fail("", errors.New("greeting too large"))
	}
	greet := make([]byte, n)
	if _, err := io.ReadFull(br, greet); err != nil {
		return fail("", err)
	}
	if len(greet) > 0 && greet[0] == 0xff {
		return fail(string(greet[min(3, len(greet)):]), errors.New("the server refused the connection"))
	}
	// protocol version, NUL-terminated server version, thread id (4),
	// auth data (8), filler (1), capability flags (low 2 bytes).
	v := bytes.IndexByte(greet[1:], 0)
	if v < 0 || 1+v+1+4+8+1+2 > len(greet) {
		return fail("", errors.New("greeting too short"))
	}
	log.add("mysql: server %s", greet[1:1+v])
	capLow := binary.LittleEndian.Uint16(greet[1+v+1+4+8+1:])
	const clientSSL = 0x0800
	if capLow&clientSSL == 0 {
		return fail("", errors.New("the server does not offer SSL"))
	}
	const flags = 0x0200 | 0x8000 | clientSSL | 0x00080000 // PROTOCOL_41, SECURE_CONNECTION, SSL, PLUGIN_AUTH
	pkt := make([]byte, 4+32)
	pkt[0], pkt[3] = 32, 1
	binary.LittleEndian.PutUint32(pkt[4:], flags)
	binary.LittleEndian.PutUint32(pkt[8:], 1<<24)
	pkt[12] = 33 // utf8_general_ci
	log.add("mysql: sent SSLRequest")
	if _, err := conn.Write(pkt); err != nil {
		return fail("", err)
	}
	return nil
}
