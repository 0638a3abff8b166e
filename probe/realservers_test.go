package probe

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pkibench/pkibench/pki"
	"github.com/pkibench/pkibench/pki/testtool"
	"github.com/pkibench/pkibench/pki/verify"
)

// The servers on-call engineers run, started here on 127.0.0.1 and probed
// with --connect for every classic client-certificate case. One server
// process per configuration serves all of its cases; every process runs in
// its own process group and is stopped when its configuration's subtest
// ends.

// realCase is one client the probe presents.
type realCase struct {
	name string
	cc   func(w *world) ClientConfig
}

// realCases are the cases of the table, in its order.
func realCases() []realCase {
	client := func(id func(w *world) *pki.Identity) func(w *world) ClientConfig {
		return func(w *world) ClientConfig { return w.clientCfg(id(w)) }
	}
	return []realCase{
		{"ok", client(func(w *world) *pki.Identity { return &w.client })},
		{"no-cert", client(func(w *world) *pki.Identity { return nil })},
		{"foreign-ca", client(func(w *world) *pki.Identity { return &w.clientForeign })},
		{"expired", client(func(w *world) *pki.Identity { return &w.clientExpired })},
		{"not-yet-valid", client(func(w *world) *pki.Identity { return &w.clientNotYet })},
		{"wrong-usage", client(func(w *world) *pki.Identity { return &w.clientServerEKU })},
		{"revoked", client(func(w *world) *pki.Identity { return &w.clientRevoked })},
		{"stale-crl", client(func(w *world) *pki.Identity { return &w.client })},
		{"missing-intermediate", client(func(w *world) *pki.Identity { return &w.clientNoInter })},
		{"chain-too-long", client(func(w *world) *pki.Identity { return &w.clientDeep })},
		{"name-mismatch", func(w *world) ClientConfig {
			cc := w.clientCfg(&w.client)
			cc.ServerName = "other.example"
			return cc
		}},
		{"untrusted-server", func(w *world) ClientConfig {
			cc := w.clientCfg(&w.client)
			cc.RootCAs = []*x509.Certificate{w.foreignRoot.cert}
			return cc
		}},
		{"version-mismatch", func(w *world) ClientConfig {
			cc := w.clientCfg(&w.client)
			cc.MinVersion, cc.MaxVersion = tls.VersionTLS11, tls.VersionTLS11
			return cc
		}},
		{"cipher-mismatch", func(w *world) ClientConfig {
			// An RSA-only suite against the servers' ECDSA certificates.
			cc := w.clientCfg(&w.client)
			cc.MaxVersion = tls.VersionTLS12
			cc.CipherSuites = []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}
			return cc
		}},
	}
}

type want struct {
	reason verify.Code
	side   verify.Side
}

var (
	wantOK        = want{verify.OK, verify.SideNone}
	wantMissing   = want{verify.ClientCertMissing, verify.SideServer}
	wantUntrusted = want{verify.ClientCertUntrusted, verify.SideServer}
)

// strictWants is what a server that requires and verifies a client
// certificate against the root (no CRL) must be said to do.
func strictWants(depthLimited bool) map[string]want {
	w := map[string]want{
		"ok":                   wantOK,
		"no-cert":              wantMissing,
		"foreign-ca":           wantUntrusted,
		"expired":              {verify.ClientCertExpired, verify.SideServer},
		"not-yet-valid":        {verify.ClientCertNotYetValid, verify.SideServer},
		"wrong-usage":          {verify.ClientCertWrongUsage, verify.SideServer},
		"missing-intermediate": {verify.ClientChainIncomplete, verify.SideServer},
		"chain-too-long":       wantOK,
		"name-mismatch":        {verify.ServerNameMismatch, verify.SideClient},
		"untrusted-server":     {verify.ServerCertUntrusted, verify.SideClient},
		"version-mismatch":     {verify.ProtocolVersionMismatch, verify.SideServer},
		"cipher-mismatch":      {verify.NoSharedCipher, verify.SideServer},
	}
	if depthLimited {
		w["chain-too-long"] = want{verify.ClientChainTooLong, verify.SideServer}
	}
	return w
}

var (
	crlWants   = map[string]want{"ok": wantOK, "revoked": {verify.ClientCertRevoked, verify.SideServer}}
	staleWants = map[string]want{"stale-crl": {verify.CRLStale, verify.SideServer}}
)

// realFiles are the PEM files the servers read, world-readable where a
// server drops privileges (nginx workers, PostgreSQL run as nobody).
type realFiles struct{ dir string }

func writeRealFiles(t *testing.T, w *world) realFiles {
	t.Helper()
	dir := openDir(t)
	f := realFiles{dir: dir}
	put := func(name string, data []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	put("ca.pem", pki.EncodeCertPEM(w.root.cert.Raw))
	put("crl.pem", pki.EncodeCRLPEM(w.crl.Raw))
	put("stale-crl.pem", pki.EncodeCRLPEM(w.staleCRL.Raw))
	put("server.pem", pki.EncodeCertPEM(w.server.Cert.Raw))
	key, err := pki.EncodeKeyPEM(w.server.Key, nil)
	if err != nil {
		t.Fatal(err)
	}
	put("server.key", key) // a test fixture key, made for this test only
	put("server-combined.pem", append(pki.EncodeCertPEM(w.server.Cert.Raw), key...))
	return f
}

func (f realFiles) path(name string) string { return filepath.Join(f.dir, name) }

// openDir is a temporary directory that an unprivileged server process can
// enter (t.TempDir is 0700 and owned by the test's user).
func openDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for d := dir; d != os.TempDir() && d != "/" && strings.HasPrefix(d, os.TempDir()); d = filepath.Dir(d) {
		os.Chmod(d, 0o755)
	}
	return dir
}

// findServer finds a server binary on PATH or in the sbin directories where
// Debian installs them, skipping the test when absent (failing under CI).
func findServer(t *testing.T, name string, more ...string) string {
	t.Helper()
	for _, d := range append([]string{"/usr/sbin", "/sbin"}, more...) {
		p := filepath.Join(d, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p
		}
	}
	return testtool.Require(t, name)
}

// startServer runs a server in its own process group until the test ends
// and waits until addr accepts connections.
func startServer(t *testing.T, addr, logPath string, asNobody bool, name string, args ...string) {
	t.Helper()
	if asNobody && os.Geteuid() == 0 {
		args = append([]string{"-u", "nobody", "--", name}, args...)
		name = "runuser"
	}
	cmd := exec.Command(name, args...)
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); logf.Close(); close(done) }()
	t.Cleanup(func() {
		pgid := cmd.Process.Pid
		syscall.Kill(-pgid, syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			syscall.Kill(-pgid, syscall.SIGKILL)
			<-done
		}
		// Workers of the group that outlived their master.
		syscall.Kill(-pgid, syscall.SIGKILL)
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return
		}
		select {
		case <-done:
			log, _ := os.ReadFile(logPath)
			t.Fatalf("%s exited before listening on %s:\n%s", name, addr, log)
		default:
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(logPath)
			t.Fatalf("%s not listening on %s in 20s:\n%s", name, addr, log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// realConfig is one server configuration and what its cases must give.
type realConfig struct {
	name     string
	starttls string
	start    func(t *testing.T) string // the address
	wants    map[string]want
	known    func(w *world) []*x509.RevocationList // the store's CRLs
}

// runRealConfigs starts each configuration in turn and probes its cases.
func runRealConfigs(t *testing.T, w *world, configs []realConfig) {
	for _, rc := range configs {
		t.Run(rc.name, func(t *testing.T) {
			addr := rc.start(t)
			for _, c := range realCases() {
				wt, ok := rc.wants[c.name]
				if !ok {
					continue
				}
				cc := c.cc(w)
				cc.StartTLS = rc.starttls
				if rc.known != nil {
					cc.KnownCRLs = rc.known(w)
				}
				opts := Options{Timeout: 5 * time.Second, KnownCAs: []*x509.Certificate{w.root.cert, w.foreignRoot.cert, w.inter.cert, w.inter2.cert}}
				r := Connect(context.Background(), addr, cc, opts)
				verdict := Reject
				if wt.reason == verify.OK {
					verdict = Accept
				}
				if r.Verdict != verdict || r.Reason != wt.reason || r.Side != wt.side {
					t.Errorf("%s: got %s %s (%s), want %s %s (%s)\n  summary: %s\n  errors: %+v\n  notes: %q\n  timeline: %v",
						c.name, r.Verdict, r.Reason, r.Side, verdict, wt.reason, wt.side, r.Summary, r.Errors, r.Notes, r.Timeline)
				}
				if os.Getenv("PKIBENCH_REAL_TABLE") != "" {
					curl, sclient := toolSays(t, w, addr, rc.starttls, c)
					t.Logf("TABLE | %s | %s | %s %s (%s) | %s | %s |", rc.name, c.name, r.Verdict, r.Reason, r.Side,
						strings.ReplaceAll(curl, "|", "/"), strings.ReplaceAll(sclient, "|", "/"))
				}
			}
		})
	}
}

func freeAddr(t *testing.T) string { return "127.0.0.1:" + freePort(t) }

// nginxConfig is one nginx server block: verify is ssl_verify_client's
// value, extra more directives.
func nginxConfig(t *testing.T, nginx string, f realFiles, verifyClient, extra string) string {
	t.Helper()
	dir := openDir(t)
	addr := freeAddr(t)
	user := ""
	if os.Geteuid() == 0 {
		user = "user nobody nogroup;"
	}
	conf := fmt.Sprintf(`%s
daemon off;
worker_processes 1;
pid %[2]s/nginx.pid;
error_log %[2]s/error.log info;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path %[2]s/body;
  proxy_temp_path %[2]s/proxy;
  fastcgi_temp_path %[2]s/fastcgi;
  uwsgi_temp_path %[2]s/uwsgi;
  scgi_temp_path %[2]s/scgi;
  server {
    listen %[3]s ssl;
    server_name localhost;
    ssl_certificate %[4]s;
    ssl_certificate_key %[5]s;
    ssl_client_certificate %[6]s;
    ssl_verify_client %[7]s;
    %[8]s
    location / { return 200 "ok $ssl_client_verify\n"; }
  }
}
`, user, dir, addr, f.path("server.pem"), f.path("server.key"), f.path("ca.pem"), verifyClient, extra)
	p := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(p, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	startServer(t, addr, filepath.Join(dir, "stderr.log"), false, nginx, "-p", dir, "-c", p, "-e", filepath.Join(dir, "error.log"))
	return addr
}

func TestRealNginx(t *testing.T) {
	nginx := findServer(t, "nginx")
	w := newWorld(t)
	f := writeRealFiles(t, w)
	fresh := func(w *world) []*x509.RevocationList { return []*x509.RevocationList{w.crl} }
	stale := func(w *world) []*x509.RevocationList { return []*x509.RevocationList{w.staleCRL} }
	optional := map[string]want{
		// optional: no certificate is fine, a bad one is refused (HTTP 400).
		"ok": wantOK, "no-cert": wantOK, "foreign-ca": wantUntrusted,
		"expired": {verify.ClientCertExpired, verify.SideServer},
	}
	optionalNoCA := map[string]want{
		// optional_no_ca: nginx passes a certificate of an unknown CA to
		// the application ($ssl_client_verify says FAILED), but still
		// refuses an expired one with HTTP 400.
		"ok": wantOK, "no-cert": wantOK, "foreign-ca": wantOK,
		"expired": {verify.ClientCertExpired, verify.SideServer},
	}
	runRealConfigs(t, w, []realConfig{
		{name: "on", wants: strictWants(true), start: func(t *testing.T) string { return nginxConfig(t, nginx, f, "on", "") }},
		{name: "ssl_crl", wants: crlWants, known: fresh, start: func(t *testing.T) string {
			return nginxConfig(t, nginx, f, "on", "ssl_crl "+f.path("crl.pem")+";")
		}},
		{name: "ssl_crl-stale", wants: staleWants, known: stale, start: func(t *testing.T) string {
			return nginxConfig(t, nginx, f, "on", "ssl_crl "+f.path("stale-crl.pem")+";")
		}},
		{name: "ssl_verify_depth-2", wants: map[string]want{"chain-too-long": wantOK, "ok": wantOK}, start: func(t *testing.T) string {
			return nginxConfig(t, nginx, f, "on", "ssl_verify_depth 2;")
		}},
		{name: "optional", wants: optional, start: func(t *testing.T) string { return nginxConfig(t, nginx, f, "optional", "") }},
		{name: "optional_no_ca", wants: optionalNoCA, start: func(t *testing.T) string { return nginxConfig(t, nginx, f, "optional_no_ca", "") }},
	})
}

// haproxyConfig is one HAProxy frontend terminating TLS with verify
// required; crl is the CRL file or "".
func haproxyConfig(t *testing.T, haproxy string, f realFiles, crl string) string {
	t.Helper()
	crlOpt := " verify required"
	if crl != "" {
		crlOpt += " crl-file " + f.path(crl)
	}
	return haproxyFrontend(t, haproxy, f, crlOpt, "")
}

// haproxyFrontend writes and starts one frontend: bind options after the
// CA file, and http-request rules before the 200 answer.
func haproxyFrontend(t *testing.T, haproxy string, f realFiles, crlOpt, rules string) string {
	t.Helper()
	dir := openDir(t)
	addr := freeAddr(t)
	conf := fmt.Sprintf(`global
  log stderr format raw local0 info
defaults
  mode http
  log global
  timeout connect 5s
  timeout client 5s
  timeout server 5s
frontend fe
  bind %s ssl crt %s ca-file %s%s
  %s
  http-request return status 200 content-type text/plain string "ok"
`, addr, f.path("server-combined.pem"), f.path("ca.pem"), crlOpt, rules)
	p := filepath.Join(dir, "haproxy.cfg")
	if err := os.WriteFile(p, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	startServer(t, addr, filepath.Join(dir, "haproxy.log"), false, haproxy, "-db", "-f", p)
	return addr
}

func TestRealHAProxy(t *testing.T) {
	haproxy := findServer(t, "haproxy")
	w := newWorld(t)
	f := writeRealFiles(t, w)
	runRealConfigs(t, w, []realConfig{
		// HAProxy verifies without a depth limit (OpenSSL's default of 100).
		{name: "verify-required", wants: strictWants(false), start: func(t *testing.T) string { return haproxyConfig(t, haproxy, f, "") }},
		{name: "crl-file", wants: crlWants, known: func(w *world) []*x509.RevocationList { return []*x509.RevocationList{w.crl} },
			start: func(t *testing.T) string { return haproxyConfig(t, haproxy, f, "crl.pem") }},
		// The certificate checked in HTTP: any certificate is let through
		// the handshake and a failed verification answered with 403.
		{name: "verify-optional-403", wants: map[string]want{
			"ok": wantOK, "no-cert": wantMissing, "foreign-ca": wantUntrusted,
			"expired": {verify.ClientCertExpired, verify.SideServer}, "wrong-usage": {verify.ClientCertWrongUsage, verify.SideServer},
		}, start: func(t *testing.T) string {
			return haproxyFrontend(t, haproxy, f, " verify optional ca-ignore-err all crt-ignore-err all",
				"http-request deny deny_status 403 if !{ ssl_c_used } or !{ ssl_c_verify 0 }")
		}},
		{name: "crl-file-stale", wants: staleWants, known: func(w *world) []*x509.RevocationList { return []*x509.RevocationList{w.staleCRL} },
			start: func(t *testing.T) string { return haproxyConfig(t, haproxy, f, "stale-crl.pem") }},
	})
}

func TestRealOpenSSLServer(t *testing.T) {
	openssl := testtool.Require(t, "openssl")
	w := newWorld(t)
	f := writeRealFiles(t, w)
	start := func(crl string, depth string) func(t *testing.T) string {
		return func(t *testing.T) string {
			dir := openDir(t)
			addr := freeAddr(t)
			// The seeds' server: -Verify 1 requires a certificate and
			// verifies it to depth 1.
			args := []string{"s_server", "-accept", addr, "-cert", f.path("server.pem"), "-key", f.path("server.key"),
				"-CAfile", f.path("ca.pem"), "-Verify", depth, "-verify_return_error", "-www"}
			if crl != "" {
				args = append(args, "-crl_check", "-CRL", f.path(crl))
			}
			startServer(t, addr, filepath.Join(dir, "s_server.log"), false, openssl, args...)
			return addr
		}
	}
	runRealConfigs(t, w, []realConfig{
		// Measured: openssl 3's s_server takes a chain of two intermediates
		// under -Verify 1 (its depth counts differently from nginx's).
		{name: "Verify-1", wants: strictWants(false), start: start("", "1")},
		{name: "crl", wants: crlWants, known: func(w *world) []*x509.RevocationList { return []*x509.RevocationList{w.crl} }, start: start("crl.pem", "1")},
		{name: "crl-stale", wants: staleWants, known: func(w *world) []*x509.RevocationList { return []*x509.RevocationList{w.staleCRL} }, start: start("stale-crl.pem", "1")},
	})
}

func TestRealNode(t *testing.T) {
	node := testtool.Require(t, "node")
	w := newWorld(t)
	f := writeRealFiles(t, w)
	script := f.path("invoice_server.js")
	if err := os.WriteFile(script, []byte(invoiceServer), 0o644); err != nil {
		t.Fatal(err)
	}
	start := func(crl string) func(t *testing.T) string {
		return func(t *testing.T) string {
			env := []string{"CA=" + f.path("ca.pem"), "CERT=" + f.path("server.pem"), "KEY=" + f.path("server.key")}
			if crl != "" {
				env = append(env, "CRL="+f.path(crl))
			}
			return "127.0.0.1:" + startNode(t, node, script, env)
		}
	}
	runRealConfigs(t, w, []realConfig{
		// Node.js verifies without a depth limit.
		{name: "requestCert", wants: strictWants(false), start: start("")},
		{name: "crl", wants: crlWants, known: func(w *world) []*x509.RevocationList { return []*x509.RevocationList{w.crl} }, start: start("crl.pem")},
		{name: "crl-stale", wants: staleWants, known: func(w *world) []*x509.RevocationList { return []*x509.RevocationList{w.staleCRL} }, start: start("stale-crl.pem")},
	})
}

// postgresBin is Debian's PostgreSQL server directory.
func postgresBin(t *testing.T) string {
	t.Helper()
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/postgres")
	if len(matches) > 0 {
		return filepath.Dir(matches[len(matches)-1])
	}
	return filepath.Dir(testtool.Require(t, "postgres"))
}

// TestRealPostgres runs PostgreSQL with `hostssl all all 127.0.0.1/32
// cert` (clientcert=verify-full implied) and probes it with --starttls
// postgres. PostgreSQL refuses to run as root: as root the cluster is
// made and run as nobody.
func TestRealPostgres(t *testing.T) {
	bin := postgresBin(t)
	w := newWorld(t)
	base := openDir(t)
	f := writeRealFiles(t, w)
	// PostgreSQL wants its key owned by the user it runs as, mode 0600.
	sslDir := filepath.Join(base, "ssl")
	if err := os.Mkdir(sslDir, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"ca.pem", "crl.pem", "stale-crl.pem", "server.pem", "server.key"} {
		b, err := os.ReadFile(f.path(n))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(sslDir, n), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	data, sock := filepath.Join(base, "data"), filepath.Join(base, "sock")
	if err := os.Mkdir(sock, 0o700); err != nil {
		t.Fatal(err)
	}
	asNobody := os.Geteuid() == 0
	if asNobody {
		testtool.Run(t, base, "chown", "-R", "nobody:nogroup", base)
	}
	initdb := []string{filepath.Join(bin, "initdb"), "-D", data, "-U", w.client.Cert.Subject.CommonName, "--auth=trust", "--no-sync", "-E", "UTF8"}
	if asNobody {
		initdb = append([]string{"runuser", "-u", "nobody", "--"}, initdb...)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(ctx, initdb[0], initdb[1:]...).CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	hba := "hostssl all all 127.0.0.1/32 cert\n"
	if err := os.WriteFile(filepath.Join(data, "pg_hba.conf"), []byte(hba), 0o600); err != nil {
		t.Fatal(err)
	}
	if asNobody {
		testtool.Run(t, base, "chown", "nobody:nogroup", filepath.Join(data, "pg_hba.conf"))
	}
	start := func(crl string) func(t *testing.T) string {
		return func(t *testing.T) string {
			addr := freeAddr(t)
			_, port, _ := net.SplitHostPort(addr)
			args := []string{"-D", data, "-k", sock, "-h", "127.0.0.1", "-p", port,
				"-c", "ssl=on", "-c", "ssl_cert_file=" + filepath.Join(sslDir, "server.pem"),
				"-c", "ssl_key_file=" + filepath.Join(sslDir, "server.key"), "-c", "ssl_ca_file=" + filepath.Join(sslDir, "ca.pem"),
				"-c", "fsync=off", "-c", "max_connections=10", "-c", "shared_buffers=8MB"}
			if crl != "" {
				args = append(args, "-c", "ssl_crl_file="+filepath.Join(sslDir, crl))
			}
			startServer(t, addr, filepath.Join(openDir(t), "postgres.log"), asNobody, filepath.Join(bin, "postgres"), args...)
			// The port opens before recovery ends ("the database system is
			// starting up"): wait until the server takes connections.
			deadline := time.Now().Add(20 * time.Second)
			for exec.Command(filepath.Join(bin, "pg_isready"), "-q", "-h", "127.0.0.1", "-p", port, "-t", "2").Run() != nil {
				if time.Now().After(deadline) {
					t.Fatal("postgres not ready in 20s")
				}
				time.Sleep(100 * time.Millisecond)
			}
			return addr
		}
	}
	runRealConfigs(t, w, []realConfig{
		// PostgreSQL verifies without a depth limit.
		{name: "hostssl-cert", starttls: "postgres", wants: strictWants(false), start: start("")},
		{name: "ssl_crl_file", starttls: "postgres", wants: crlWants, known: func(w *world) []*x509.RevocationList { return []*x509.RevocationList{w.crl} }, start: start("crl.pem")},
		{name: "ssl_crl_file-stale", starttls: "postgres", wants: staleWants, known: func(w *world) []*x509.RevocationList { return []*x509.RevocationList{w.staleCRL} }, start: start("stale-crl.pem")},
	})
}

// smtpServer is an SMTP server with STARTTLS that requires and verifies a
// client certificate, written with Python's ssl module (the "Python ssl"
// server of the list): argv CA CERT KEY [CRL].
const smtpServer = `import socket, ssl, sys, threading
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[2], sys.argv[3])
ctx.load_verify_locations(sys.argv[1])
ctx.verify_mode = ssl.CERT_REQUIRED
if len(sys.argv) > 4:
    ctx.load_verify_locations(sys.argv[4])
    ctx.verify_flags |= ssl.VERIFY_CRL_CHECK_LEAF
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(('127.0.0.1', 0))
srv.listen(16)
print('listening', srv.getsockname()[1], flush=True)
def tls(c):
    try:
        s = ctx.wrap_socket(c, server_side=True)
    except Exception as e:
        print('tls error', e, flush=True)
        return
    f = s.makefile('rb')
    while True:
        l = f.readline()
        if not l:
            return
        cmd = l.strip().upper()
        if cmd.startswith(b'EHLO'):
            s.sendall(b'250 localhost\r\n')
        elif cmd == b'QUIT':
            s.sendall(b'221 bye\r\n')
            return
        else:
            s.sendall(b'250 ok\r\n')
def handle(c):
    try:
        c.sendall(b'220 localhost ESMTP test\r\n')
        f = c.makefile('rb', buffering=0)
        while True:
            l = f.readline()
            if not l:
                return
            cmd = l.strip().upper()
            if cmd.startswith(b'EHLO'):
                c.sendall(b'250-localhost\r\n250 STARTTLS\r\n')
            elif cmd == b'STARTTLS':
                c.sendall(b'220 2.0.0 Ready to start TLS\r\n')
                tls(c)
                return
            else:
                c.sendall(b'502 5.5.2 no\r\n')
    finally:
        c.close()
while True:
    c, _ = srv.accept()
    threading.Thread(target=handle, args=(c,), daemon=True).start()
`

func TestRealSMTPStartTLS(t *testing.T) {
	python := testtool.Require(t, "python3")
	w := newWorld(t)
	f := writeRealFiles(t, w)
	script := f.path("smtp_server.py")
	if err := os.WriteFile(script, []byte(smtpServer), 0o644); err != nil {
		t.Fatal(err)
	}
	start := func(crl ...string) func(t *testing.T) string {
		return func(t *testing.T) string {
			args := []string{script, f.path("ca.pem"), f.path("server.pem"), f.path("server.key")}
			for _, c := range crl {
				args = append(args, f.path(c))
			}
			return "127.0.0.1:" + startTool(t, regexp.MustCompile(`^listening (\d+)`), python, args...)
		}
	}
	runRealConfigs(t, w, []realConfig{
		{name: "python-ssl-CERT_REQUIRED", starttls: "smtp", wants: strictWants(false), start: start()},
		{name: "crl", starttls: "smtp", wants: crlWants, known: func(w *world) []*x509.RevocationList { return []*x509.RevocationList{w.crl} }, start: start("crl.pem")},
		{name: "crl-stale", starttls: "smtp", wants: staleWants, known: func(w *world) []*x509.RevocationList { return []*x509.RevocationList{w.staleCRL} }, start: start("stale-crl.pem")},
	})
}

// apacheConfig is Apache httpd with mod_ssl and SSLVerifyClient require;
// extra adds directives to the virtual host.
func apacheConfig(t *testing.T, apache string, f realFiles, extra string) string {
	t.Helper()
	return apacheVerify(t, apache, f, "require", extra)
}

// apacheVerify is apacheConfig with another SSLVerifyClient level.
func apacheVerify(t *testing.T, apache string, f realFiles, level, extra string) string {
	t.Helper()
	dir := openDir(t)
	addr := freeAddr(t)
	mods := "/usr/lib/apache2/modules"
	user := ""
	if os.Geteuid() == 0 {
		user = "User nobody\nGroup nogroup"
	}
	if err := os.Mkdir(filepath.Join(dir, "www"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "www", "index.html"), []byte("ok\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	conf := fmt.Sprintf(`ServerRoot %[1]s
ServerName localhost
LoadModule mpm_prefork_module %[2]s/mod_mpm_prefork.so
LoadModule authz_core_module %[2]s/mod_authz_core.so
LoadModule socache_shmcb_module %[2]s/mod_socache_shmcb.so
LoadModule ssl_module %[2]s/mod_ssl.so
LoadModule dir_module %[2]s/mod_dir.so
DirectoryIndex index.html
%[3]s
PidFile %[1]s/httpd.pid
Mutex file:%[1]s default
ErrorLog %[1]s/error.log
LogLevel info ssl:info
StartServers 1
MinSpareServers 1
MaxSpareServers 2
Listen %[4]s
DocumentRoot %[1]s/www
<Directory %[1]s/www>
  Require all granted
</Directory>
SSLSessionCache none
<VirtualHost %[4]s>
  SSLEngine on
  SSLCertificateFile %[5]s
  SSLCertificateKeyFile %[6]s
  SSLCACertificateFile %[7]s
  SSLVerifyClient %[9]s
  %[8]s
</VirtualHost>
`, dir, mods, user, addr, f.path("server.pem"), f.path("server.key"), f.path("ca.pem"), extra, level)
	p := filepath.Join(dir, "httpd.conf")
	if err := os.WriteFile(p, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	startServer(t, addr, filepath.Join(dir, "stderr.log"), false, apache, "-f", p, "-d", dir, "-DFOREGROUND")
	return addr
}

func TestRealApache(t *testing.T) {
	apache := findServer(t, "apache2")
	w := newWorld(t)
	f := writeRealFiles(t, w)
	runRealConfigs(t, w, []realConfig{
		// SSLVerifyDepth defaults to 1, as nginx's ssl_verify_depth.
		{name: "SSLVerifyClient-require", wants: strictWants(true), start: func(t *testing.T) string { return apacheConfig(t, apache, f, "") }},
		{name: "SSLCARevocationFile", wants: crlWants, known: func(w *world) []*x509.RevocationList { return []*x509.RevocationList{w.crl} },
			start: func(t *testing.T) string {
				return apacheConfig(t, apache, f, "SSLCARevocationFile "+f.path("crl.pem")+"\n  SSLCARevocationCheck leaf")
			}},
		{name: "SSLCARevocationFile-stale", wants: staleWants, known: func(w *world) []*x509.RevocationList { return []*x509.RevocationList{w.staleCRL} },
			start: func(t *testing.T) string {
				return apacheConfig(t, apache, f, "SSLCARevocationFile "+f.path("stale-crl.pem")+"\n  SSLCARevocationCheck leaf")
			}},
		// The certificate checked in HTTP: optional_no_ca lets a certificate
		// of an unknown CA through the handshake (not an expired one) and
		// `Require expr` answers 403.
		{name: "optional_no_ca-403", wants: map[string]want{
			"ok": wantOK, "no-cert": wantMissing, "foreign-ca": wantUntrusted,
			"expired": {verify.ClientCertExpired, verify.SideServer},
		}, start: func(t *testing.T) string {
			return apacheVerify(t, apache, f, "optional_no_ca", "<Location />\n    Require expr %{SSL_CLIENT_VERIFY} == 'SUCCESS'\n  </Location>")
		}},
		// Apache counts the root too (mod_ssl refuses errdepth > depth,
		// the root of leaf + 2 intermediates being at 3): measured, depth 2
		// still refuses this chain with "Chain too long".
		{name: "SSLVerifyDepth-3", wants: map[string]want{"ok": wantOK, "chain-too-long": wantOK}, start: func(t *testing.T) string {
			return apacheConfig(t, apache, f, "SSLVerifyDepth 3")
		}},
	})
}

// stunnelConfig is stunnel terminating TLS in front of a one-answer HTTP
// responder (sh), with verifyChain (a client certificate required and
// verified).
func stunnelConfig(t *testing.T, stunnel string, f realFiles, crl string) string {
	t.Helper()
	dir := openDir(t)
	addr := freeAddr(t)
	crlOpt := ""
	if crl != "" {
		crlOpt = "CRLfile = " + f.path(crl)
	}
	// stunnel splits execArgs on spaces: the answer is a script file.
	responder := filepath.Join(dir, "answer.sh")
	// It reads the whole request (to its empty line) before answering:
	// unread bytes would make the child's socket reset the answer away.
	script := "cr=$(printf '\\r')\nwhile IFS= read -r l && [ \"$l\" != \"$cr\" ] && [ -n \"$l\" ]; do :; done\nprintf 'HTTP/1.1 200 OK\\r\\nContent-Length: 3\\r\\nConnection: close\\r\\n\\r\\nok\\n'\n"
	if err := os.WriteFile(responder, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	conf := fmt.Sprintf(`foreground = yes
pid = %[1]s/stunnel.pid
debug = info
[probe]
accept = %[2]s
exec = /bin/sh
execArgs = sh %[7]s
cert = %[3]s
key = %[4]s
CAfile = %[5]s
verifyChain = yes
%[6]s
`, dir, addr, f.path("server.pem"), f.path("server.key"), f.path("ca.pem"), crlOpt, responder)
	p := filepath.Join(dir, "stunnel.conf")
	if err := os.WriteFile(p, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	startServer(t, addr, filepath.Join(dir, "stunnel.log"), false, stunnel, p)
	return addr
}

func TestRealStunnel(t *testing.T) {
	stunnel := findServer(t, "stunnel")
	w := newWorld(t)
	f := writeRealFiles(t, w)
	runRealConfigs(t, w, []realConfig{
		{name: "verifyChain", wants: strictWants(false), start: func(t *testing.T) string { return stunnelConfig(t, stunnel, f, "") }},
		{name: "CRLfile", wants: crlWants, known: func(w *world) []*x509.RevocationList { return []*x509.RevocationList{w.crl} },
			start: func(t *testing.T) string { return stunnelConfig(t, stunnel, f, "crl.pem") }},
		{name: "CRLfile-stale", wants: staleWants, known: func(w *world) []*x509.RevocationList { return []*x509.RevocationList{w.staleCRL} },
			start: func(t *testing.T) string { return stunnelConfig(t, stunnel, f, "stale-crl.pem") }},
	})
}
