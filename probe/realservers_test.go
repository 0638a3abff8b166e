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
				opts := Options{Timeout: 5 * time.Second, KnownCAs: []*x509.Certificate{w.inter.cert, w.inter2.cert}}
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
					t.Logf("TABLE | %s | %s | %s %s (%s) |", rc.name, c.name, r.Verdict, r.Reason, r.Side)
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
