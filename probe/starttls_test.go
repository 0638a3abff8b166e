package probe

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/pkibench/pkibench/pki/verify"
)

// fakeStartTLS plays the plaintext part of proto as its servers do, then
// TLS with a required and verified client certificate, then answers one
// line. It checks what the client sent before TLS.
func fakeStartTLS(t *testing.T, w *world, proto string, decline bool) string {
	pool := x509.NewCertPool()
	pool.AddCert(w.root.cert)
	cfg := &tls.Config{Certificates: []tls.Certificate{w.server.TLSCertificate()}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: pool}
	return rawServer(t, func(c net.Conn) {
		br := bufio.NewReader(c)
		say := func(s string) { io.WriteString(c, s) }
		expect := func(prefix string) bool {
			l, err := br.ReadString('\n')
			if err != nil || !strings.HasPrefix(l, prefix) {
				t.Errorf("%s: client sent %q, want %q", proto, l, prefix)
				return false
			}
			return true
		}
		answer := ""
		switch proto {
		case "smtp":
			say("220 mx ESMTP\r\n")
			if !expect("EHLO ") {
				return
			}
			say("250-mx\r\n250-SIZE 1000\r\n250 STARTTLS\r\n")
			if !expect("STARTTLS") {
				return
			}
			if decline {
				say("454 4.7.0 TLS not available\r\n")
				return
			}
			say("220 2.0.0 go ahead\r\n")
			answer = "250 mx\r\n"
		case "imap":
			say("* OK IMAP ready\r\n")
			if !expect("a001 STARTTLS") {
				return
			}
			say("a001 OK begin TLS\r\n")
			answer = "* CAPABILITY IMAP4rev1\r\na002 OK done\r\n"
		case "pop3":
			say("+OK POP3 ready\r\n")
			if !expect("STLS") {
				return
			}
			say("+OK begin TLS\r\n")
			answer = "+OK capa\r\n"
		case "ftp":
			say("220-welcome\r\n220 ftp ready\r\n")
			if !expect("AUTH TLS") {
				return
			}
			say("234 AUTH TLS ok\r\n")
			answer = "211 end\r\n"
		case "ldap":
			req := make([]byte, 31)
			if _, err := io.ReadFull(br, req); err != nil || !strings.Contains(string(req), "1.3.6.1.4.1.1466.20037") {
				t.Errorf("ldap: request %x: %v", req, err)
				return
			}
			c.Write([]byte{0x30, 0x0c, 0x02, 0x01, 0x01, 0x78, 0x07, 0x0a, 0x01, 0x00, 0x04, 0x00, 0x04, 0x00})
		case "mysql":
			payload := []byte{0x0a}
			payload = append(payload, "8.0.36-fake\x00"...)
			payload = append(payload, 1, 0, 0, 0)        // thread id
			payload = append(payload, "abcdefgh\x00"...) // auth data and filler
			payload = binary.LittleEndian.AppendUint16(payload, 0xffff)
			payload = append(payload, 33, 2, 0, 0xff, 0xc1, 21)
			payload = append(payload, make([]byte, 10)...)
			hdr := []byte{byte(len(payload)), 0, 0, 0}
			c.Write(append(hdr, payload...))
			req := make([]byte, 36)
			if _, err := io.ReadFull(br, req); err != nil || binary.LittleEndian.Uint32(req[4:])&0x0800 == 0 {
				t.Errorf("mysql: SSLRequest %x: %v", req, err)
				return
			}
		case "postgres":
			req := make([]byte, 8)
			if _, err := io.ReadFull(br, req); err != nil || binary.BigEndian.Uint32(req[4:]) != 80877103 {
				t.Errorf("postgres: SSLRequest %x: %v", req, err)
				return
			}
			if decline {
				c.Write([]byte{'N'})
				return
			}
			c.Write([]byte{'S'})
			answer = "R\x00\x00\x00\x08\x00\x00\x00\x00" // AuthenticationOk
		}
		// The client may send its ClientHello right behind the plaintext
		// (MySQL does): read it through the same buffer.
		tc := tls.Server(bufConn{c, br}, cfg)
		if err := tc.Handshake(); err != nil {
			return
		}
		if answer != "" {
			tc.Read(make([]byte, 512))
			io.WriteString(tc, answer)
		}
		tc.Read(make([]byte, 1))
	})
}

func TestStartTLSProtocols(t *testing.T) {
	w := newWorld(t)
	for _, proto := range StartTLSProtocols {
		t.Run(proto, func(t *testing.T) {
			addr := fakeStartTLS(t, w, proto, false)
			for _, c := range []struct {
				name   string
				cc     ClientConfig
				reason verify.Code
				side   verify.Side
			}{
				{"ok", w.clientCfg(&w.client), verify.OK, verify.SideNone},
				{"expired", w.clientCfg(&w.clientExpired), verify.ClientCertExpired, verify.SideServer},
			} {
				c.cc.StartTLS = proto
				r := Connect(context.Background(), addr, c.cc, Options{Timeout: time.Second})
				if r.Reason != c.reason || r.Side != c.side {
					t.Errorf("%s: got %s %s (%s): %s; %v", c.name, r.Verdict, r.Reason, r.Side, r.Summary, r.Timeline)
				}
			}
		})
	}
}

func TestStartTLSDeclined(t *testing.T) {
	w := newWorld(t)
	for _, proto := range []string{"smtp", "postgres"} {
		addr := fakeStartTLS(t, w, proto, true)
		cc := w.clientCfg(&w.client)
		cc.StartTLS = proto
		r := Connect(context.Background(), addr, cc, Options{Timeout: time.Second})
		if r.Reason != verify.NotTLS || !strings.Contains(r.Summary, "STARTTLS") {
			t.Errorf("%s: got %s %s: %s", proto, r.Verdict, r.Reason, r.Summary)
		}
	}
}

func TestParseStartTLS(t *testing.T) {
	for in, want := range map[string]string{"": "", "none": "", "SMTP": "smtp", "postgresql": "postgres", "mysql": "mysql"} {
		if got, err := ParseStartTLS(in); err != nil || got != want {
			t.Errorf("ParseStartTLS(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseStartTLS("xmpp"); err == nil || !strings.Contains(err.Error(), "smtp, imap") {
		t.Errorf("xmpp: %v", err)
	}
}

func TestRefusalIn(t *testing.T) {
	nginx400 := func(title string) string {
		return "HTTP/1.1 400 Bad Request\r\nServer: nginx\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n<html>\r\n<head><title>400 " + title + "</title></head>\r\n<body>\r\n<center><h1>400 Bad Request</h1></center>\r\n<center>" + title + "</center>\r\n</body></html>"
	}
	pgErr := func(msg string) string {
		body := "SFATAL\x00VFATAL\x00C28000\x00M" + msg + "\x00\x00"
		return "E" + string(binary.BigEndian.AppendUint32(nil, uint32(4+len(body)))) + body
	}
	for _, c := range []struct {
		name, proto, answer string
		requested           bool
		refused, missing    bool
	}{
		{"nginx-no-cert", "", nginx400("No required SSL certificate was sent"), true, true, true},
		{"nginx-cert-error", "", nginx400("The SSL certificate error"), true, true, false},
		{"nginx-495", "", "HTTP/1.1 495 SSL Certificate Error\r\n\r\n", true, true, false},
		{"nginx-496", "", "HTTP/1.1 496 SSL Certificate Required\r\n\r\n", true, true, true},
		{"403-asked", "", "HTTP/1.1 403 Forbidden\r\n\r\n", true, true, false},
		{"403-not-asked", "", "HTTP/1.1 403 Forbidden\r\n\r\n", false, false, false},
		{"plain-400", "", "HTTP/1.1 400 Bad Request\r\n\r\nbad header", true, false, false},
		{"200", "", "HTTP/1.1 200 OK\r\n\r\nok", true, false, false},
		{"postgres-missing", "postgres", pgErr("connection requires a valid client certificate"), true, true, true},
		{"postgres-cn", "postgres", pgErr(`certificate authentication failed for user "x"`), true, true, false},
		{"postgres-role", "postgres", pgErr(`role "x" does not exist`), true, false, false},
		{"postgres-auth", "postgres", "R\x00\x00\x00\x08\x00\x00\x00\x00", true, false, false},
		{"smtp-refused", "smtp", "554 5.7.1 client certificate not accepted\r\n", true, true, false},
		{"smtp-ok", "smtp", "250 mx\r\n", true, false, false},
	} {
		r := refusalIn(c.proto, []byte(c.answer), c.requested)
		if (r != nil) != c.refused || (r != nil && r.Missing != c.missing) {
			t.Errorf("%s: got %+v, want refused=%v missing=%v", c.name, r, c.refused, c.missing)
		}
	}
}

type bufConn struct {
	net.Conn
	r *bufio.Reader
}

func (b bufConn) Read(p []byte) (int, error) { return b.r.Read(p) }

func TestAnswerNote(t *testing.T) {
	for _, c := range []struct{ proto, answer, want string }{
		{"", "HTTP/1.1 404 Not Found\r\n\r\n", "404 Not Found"},
		{"", "HTTP/1.1 200 OK\r\n\r\n", ""},
		{"postgres", "E\x00\x00\x00\x20SFATAL\x00C57P03\x00Mthe database system is starting up\x00\x00", "starting up"},
		{"postgres", "R\x00\x00\x00\x08\x00\x00\x00\x00", ""},
	} {
		got := answerNote(c.proto, []byte(c.answer))
		if (c.want == "") != (got == "") || !strings.Contains(got, c.want) {
			t.Errorf("%q: %q", c.answer, got)
		}
	}
}

func TestHTTPComplete(t *testing.T) {
	for in, want := range map[string]bool{
		"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n": true,
		"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok":   false,
		"HTTP/1.1 200 OK\r\ncontent-length:0\r\n\r\n":      true,
		"HTTP/1.1 200 OK\r\n\r\nbody":                      false,
		"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n":         false,
	} {
		if got := httpComplete([]byte(in)); got != want {
			t.Errorf("%q: %v", in, got)
		}
	}
}
