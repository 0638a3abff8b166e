package probe

import (
	"context"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"pkibench/internal/pki/verify"
	"pkibench/internal/testtool"
)

func TestCommandsText(t *testing.T) {
	w := newWorld(t)
	sc := w.serverCfg(w.server)
	sc.CheckCRL = true
	cc := w.clientCfg(&w.client)
	cc.MaxVersion = 0x0303
	cmds := Commands(sc, cc, Files{ServerCert: "s.pem", ServerKey: "s.key", ServerTrust: "ca.pem", CRL: "crl.pem",
		ClientCert: "my certs/c.pem", ClientKey: "c.key", ClientTrust: "ca.pem"}, 8443)
	want := map[string][]string{
		"openssl/server": {"-Verify 1", "-verify_return_error", "-CAfile ca.pem", "-crl_check -CRL crl.pem"},
		"openssl/client": {"-cert 'my certs/c.pem'", "-servername localhost", "-tls1_2"},
		"curl/client":    {"--cert 'my certs/c.pem'", "--cacert ca.pem", "--tls-max 1.2", "https://localhost:8443/"},
		"node/server":    {"requestCert: true", "rejectUnauthorized: true", "crl: fs.readFileSync('crl.pem')"},
		"node/client":    {"cert: fs.readFileSync('my certs/c.pem')", "maxVersion: 'TLSv1.2'"},
	}
	for _, c := range cmds {
		for _, sub := range want[c.Tool+"/"+c.Role] {
			if !strings.Contains(c.Line, sub) {
				t.Errorf("%s %s lacks %q: %s", c.Tool, c.Role, sub, c.Line)
			}
		}
		delete(want, c.Tool+"/"+c.Role)
	}
	if len(want) > 0 {
		t.Errorf("missing commands: %v", want)
	}
}

// TestCommandsRun runs the generated lines: the openssl and Node.js
// servers must accept pkibench's client, and the curl, openssl and Node.js
// clients must be accepted by pkibench's server.
func TestCommandsRun(t *testing.T) {
	testtool.Require(t, "openssl")
	testtool.Require(t, "curl")
	testtool.Require(t, "node")
	w := newWorld(t)
	f := writeFiles(t, w)
	files := Files{ServerCert: f.path("server.pem"), ServerKey: f.path("server.key"), ServerTrust: f.path("ca.pem"), CRL: f.path("crl.pem"),
		ClientCert: f.path("client.pem"), ClientKey: f.path("client.key"), ClientTrust: f.path("ca.pem")}
	sc := w.serverCfg(w.server)
	sc.CheckCRL, sc.CRLs = true, nil
	cc := w.clientCfg(&w.client)

	// outside servers, pkibench's client
	for _, tool := range []string{"openssl", "node"} {
		port, _ := strconv.Atoi(freePort(t))
		line := pick(t, Commands(sc, cc, files, port), tool, "server")
		startTool(t, regexp.MustCompile(`^(ACCEPT|listening)`), "sh", "-c", "exec "+line)
		r := Connect(context.Background(), "127.0.0.1:"+strconv.Itoa(port), cc, Options{})
		if r.Reason != verify.OK {
			t.Errorf("%s server: %s %s\n%s", tool, r.Reason, r.Summary, line)
		}
	}

	// outside clients, pkibench's server
	sc.CRLs = append(sc.CRLs, w.crl)
	addr, results := serveAndCollect(t, sc)
	port, _ := strconv.Atoi(addr[strings.LastIndex(addr, ":")+1:])
	for _, tool := range []string{"openssl", "curl", "node"} {
		line := pick(t, Commands(sc, cc, files, port), tool, "client")
		cmd := exec.Command("sh", "-c", line)
		cmd.Stdin = strings.NewReader("GET / HTTP/1.0\r\n\r\n")
		out, _ := cmd.CombinedOutput()
		if r := nextVerdict(t, results); r.Reason != verify.OK {
			t.Errorf("%s client: serve says %s %s\n%s\n%s", tool, r.Reason, r.Summary, line, out)
		}
	}
}

func pick(t *testing.T, cmds []Command, tool, role string) string {
	t.Helper()
	for _, c := range cmds {
		if c.Tool == tool && c.Role == role {
			return c.Line
		}
	}
	t.Fatalf("no %s %s command", tool, role)
	return ""
}
