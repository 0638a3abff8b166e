package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pkibench/pkibench/pki/testtool"
)

// TestVerifyWithAnotherIssuersCRL: a CRL from another CA once meant "not
// revoked" (OK for a revoked certificate). Now it fails closed with
// crl-missing naming the file given, as openssl says "unable to get
// certificate CRL".
func TestVerifyWithAnotherIssuersCRL(t *testing.T) {
	openssl := testtool.Require(t, "openssl")
	dir := seedStore(t)
	mustPB(t, dir, "revoke", "client2")
	mustPB(t, dir, "crl", "zxc")
	other := filepath.Join(dir, "cas/zxc/crl.pem")
	out, errs, code := pb(t, dir, "verify", "client2", "--usage", "client", "--crl", other)
	if code != 1 || !strings.Contains(out, "crl-missing") || !strings.Contains(out, other) ||
		!strings.Contains(out, "unable to get certificate CRL") || !strings.Contains(out, "CRL from O = ZXC Inc., CN = zxc.com") {
		t.Errorf("verify with another issuer's CRL: exit %d\n%s%s", code, out, errs)
	}
	var j verifyOutput
	jout, _, _ := pb(t, dir, "verify", "client2", "--usage", "client", "--crl", other, "--json")
	if err := json.Unmarshal([]byte(jout), &j); err != nil || j.OK || j.Reason != "crl-missing" {
		t.Errorf("--json: %v %+v", err, j)
	}
	// openssl, the oracle, refuses the same way.
	o, _ := exec.Command(openssl, "verify", "-crl_check", "-CRLfile", other, "-CAfile", filepath.Join(dir, "cas/abc/ca.crt"),
		filepath.Join(dir, "certs/client2/cert.pem")).CombinedOutput()
	if !strings.Contains(string(o), "unable to get certificate CRL") {
		t.Errorf("openssl verify -crl_check with another issuer's CRL: %s", o)
	}
	// The right CRL still says revoked, and both together do too.
	mustPB(t, dir, "crl", "abc")
	own := filepath.Join(dir, "cas/abc/crl.pem")
	for _, args := range [][]string{{"--crl", own}, {"--crl", own, "--crl", other}} {
		out, _, code := pb(t, dir, append([]string{"verify", "client2", "--usage", "client"}, args...)...)
		if code != 1 || !strings.Contains(out, "client-cert-revoked") {
			t.Errorf("verify %v: exit %d\n%s", args, code, out)
		}
	}
	// A valid certificate with its own issuer's CRL is OK.
	mustPB(t, dir, "verify", "mail-server", "--usage", "client", "--crl", own)
}

// TestServeFollowsPublishedCRL: serve --crl once kept the CRLs it read at
// start, accepting a client revoked and published afterwards. Now the next
// connection after `revoke` + `crl` is refused, without a restart.
func TestServeFollowsPublishedCRL(t *testing.T) {
	dir := seedStore(t)
	mustPB(t, dir, "crl", "abc")
	bin := filepath.Join(t.TempDir(), "pkibench")
	testtool.Run(t, "", "go", "build", "-o", bin, ".")
	port := freePort(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--store", dir, "serve", "--server", "invoice-server", "--crl",
		"--listen", fmt.Sprintf("127.0.0.1:%d", port), "--json")
	stdout, _ := cmd.StdoutPipe()
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	for !strings.Contains(stderr.String(), "serving") {
		if ctx.Err() != nil {
			t.Fatalf("serve did not start: %s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	lines := bufio.NewScanner(stdout)
	handshake := func() string {
		t.Helper()
		dialTLS(ctx, t, dir, port, "mail-server")
		if !lines.Scan() {
			t.Fatalf("no verdict line: %s", stderr.String())
		}
		var r map[string]any
		json.Unmarshal(lines.Bytes(), &r)
		return fmt.Sprint(r["reason"])
	}
	if got := handshake(); got != "ok" {
		t.Fatalf("before revocation: %s", got)
	}
	mustPB(t, dir, "revoke", "mail-server")
	if got := handshake(); got != "ok" {
		t.Errorf("revoked but not yet published: %s (clients learn of it from the CRL only)", got)
	}
	mustPB(t, dir, "crl", "abc")
	if got := handshake(); got != "client-cert-revoked" {
		t.Errorf("after revoke + crl while serving: %s, want client-cert-revoked", got)
	}
	cmd.Process.Signal(os.Interrupt)
	if err := cmd.Wait(); err != nil {
		t.Errorf("serve on SIGINT: %v %s", err, stderr.String())
	}
}

// dialTLS makes one mutual-TLS connection as store identity name and sends
// a request line, so serve sees a whole session.
func dialTLS(ctx context.Context, t *testing.T, dir string, port int, name string) {
	t.Helper()
	kp, err := tls.LoadX509KeyPair(filepath.Join(dir, "certs", name, "cert.pem"), filepath.Join(dir, "certs", name, "key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	ca, err := os.ReadFile(filepath.Join(dir, "cas/abc/ca.crt"))
	if err != nil {
		t.Fatal(err)
	}
	roots.AppendCertsFromPEM(ca)
	d := tls.Dialer{NetDialer: &net.Dialer{Timeout: 10 * time.Second},
		Config: &tls.Config{Certificates: []tls.Certificate{kp}, RootCAs: roots, ServerName: "localhost"}}
	c, err := d.DialContext(ctx, "tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return // a refused handshake is a verdict too
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(c, "GET / HTTP/1.0\r\nHost: localhost\r\n\r\n")
	buf := make([]byte, 4096)
	for {
		if _, err := c.Read(buf); err != nil {
			return
		}
	}
}
