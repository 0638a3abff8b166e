package main

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// verify --emulate: a CN-only name passes as curl, openssl and node judge
// (with a warning), fails as go and browser judge.
func TestVerifyEmulate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pki")
	mustPB(t, dir, "ca", "create", "abc")
	mustPB(t, dir, "issue", "localhost", "--ca", "abc", "--profile", "client") // CN=localhost, no SAN
	for _, c := range []struct {
		emulate, reason string
		code            int
	}{
		{"", "ok", 0}, {"curl", "ok", 0}, {"openssl", "ok", 0}, {"node", "ok", 0},
		{"go", "server-cert-cn-only", 1}, {"browser", "server-cert-cn-only", 1},
	} {
		// --usage any: the certificate is a client one; only the name is judged here.
		args := []string{"verify", "localhost", "--name", "localhost", "--usage", "any", "--json"}
		if c.emulate != "" {
			args = append(args, "--emulate", c.emulate)
		}
		out, errs, code := pb(t, dir, args...)
		var r struct {
			Reason  string `json:"reason"`
			Emulate string `json:"emulate"`
			Warning string `json:"warning"`
		}
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatalf("%s: %v: %s %s", c.emulate, err, out, errs)
		}
		if code != c.code || r.Reason != c.reason || (c.code == 0) != strings.Contains(r.Warning, "Go clients and browsers refuse it") {
			t.Errorf("--emulate %q: exit %d reason %s warning %q", c.emulate, code, r.Reason, r.Warning)
		}
	}
	if _, errs, code := pb(t, dir, "verify", "localhost", "--emulate", "lynx"); code != 2 || !strings.Contains(errs, "curl, openssl, node, go, browser") {
		t.Errorf("bad --emulate: exit %d: %s", code, errs)
	}
	if _, errs, code := pb(t, dir, "probe", "--client", "localhost", "--server", "localhost", "--starttls", "smtp"); code != 2 || !strings.Contains(errs, "--starttls: STARTTLS is spoken only to an outside server") {
		t.Errorf("--starttls without --connect: exit %d: %s", code, errs)
	}
}

// probe --connect --starttls smtp against an SMTP server that starts TLS
// and requires a client certificate from abc.
func TestProbeStartTLSCommand(t *testing.T) {
	dir := seedStore(t)
	cert, err := tls.LoadX509KeyPair(filepath.Join(dir, "certs/invoice-server/cert.pem"), filepath.Join(dir, "certs/invoice-server/key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	caPEM, err := os.ReadFile(filepath.Join(dir, "cas/abc/ca.crt"))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: pool}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(5 * time.Second))
				br := bufio.NewReader(c)
				io.WriteString(c, "220 mx ESMTP\r\n")
				br.ReadString('\n') // EHLO
				io.WriteString(c, "250-mx\r\n250 STARTTLS\r\n")
				br.ReadString('\n') // STARTTLS
				io.WriteString(c, "220 go ahead\r\n")
				tc := tls.Server(c, cfg)
				if tc.Handshake() != nil {
					return
				}
				tc.Read(make([]byte, 256))
				io.WriteString(tc, "250 mx\r\n")
				tc.Read(make([]byte, 1))
			}()
		}
	}()
	for _, c := range []struct {
		args   []string
		reason string
		code   int
	}{
		{[]string{"--client", "mail-server"}, "ok", 0},
		{[]string{"--client", "mail-server-wrong", "--client-trust", "abc"}, "client-cert-untrusted", 1},
		{[]string{"--client", "none", "--client-trust", "abc"}, "client-cert-missing", 1},
	} {
		out, errs, code := pb(t, dir, append([]string{"probe", "--json", "--connect", ln.Addr().String(), "--starttls", "smtp", "--timeout", "3s"}, c.args...)...)
		var r struct {
			Reason   string `json:"reason"`
			Timeline []struct {
				Step string `json:"step"`
			} `json:"timeline"`
		}
		json.Unmarshal([]byte(out), &r)
		if code != c.code || r.Reason != c.reason || len(r.Timeline) == 0 || !strings.Contains(out, "smtp: sent \\\"STARTTLS\\\"") {
			t.Errorf("%v: exit %d reason %s: %s %s", c.args, code, r.Reason, out, errs)
		}
	}
}
