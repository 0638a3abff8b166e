package ui

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pkibench/pkibench/pki/testtool"
	"github.com/pkibench/pkibench/pki/verify"
	"github.com/pkibench/pkibench/probe"
)

// startSServer runs openssl s_server on 127.0.0.1 with the store's server
// identity, asking for a client certificate from the root's chain, and
// returns its HOST:PORT once it accepts connections.
func startSServer(t *testing.T, certDir, rootCert string) string {
	t.Helper()
	openssl := testtool.Require(t, "openssl")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, openssl, "s_server", "-accept", addr, "-www",
		"-cert", filepath.Join(certDir, "cert.pem"), "-key", filepath.Join(certDir, "key.pem"),
		"-cert_chain", filepath.Join(certDir, "fullchain.pem"), "-CAfile", rootCert, "-Verify", "1")
	logPath := filepath.Join(t.TempDir(), "s_server.log")
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); _ = cmd.Wait(); logf.Close() })
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return addr
		}
	}
	log, _ := os.ReadFile(logPath)
	t.Fatalf("openssl s_server never listened on %s:\n%s", addr, log)
	return ""
}

// TestProbeConnectTarget types an outside HOST:PORT into Target and probes
// a real openssl s_server with the client of the store: ACCEPT, then a
// server name it does not hold flips the verdict, as --connect does.
func TestProbeConnectTarget(t *testing.T) {
	d := goldenDriver(t, 120, 40)
	st := d.m.c.Store
	certPath, err := st.TargetFile("server")
	if err != nil {
		t.Fatal(err)
	}
	rootPath, err := st.TargetFile("demo-ca")
	if err != nil {
		t.Fatal(err)
	}
	addr := startSServer(t, filepath.Dir(certPath), rootPath)

	d.press("3", "k", "k") // Verify at, then Target
	p := d.m.screens[TabProbe].(*probeScreen)
	if p.focus != pfConnect {
		t.Fatalf("focus %d, want Target", p.focus)
	}
	d.press("enter")
	d.typeText(addr)
	d.press("enter", "j", "j", "enter") // done typing, Verify at, Client: run
	if p.res == nil {
		t.Fatalf("no verdict:\n%s", d.screen())
	}
	if !p.res.OK() {
		t.Fatalf("openssl s_server with the store's server: %s %s (%s)\n%s", p.res.Verdict, p.res.Reason, p.res.Summary, d.screen())
	}
	_, port, _ := net.SplitHostPort(addr)
	if !strings.Contains(p.res.Addr, port) {
		t.Errorf("probed %q, want the typed target %s", p.res.Addr, addr)
	}
	d.expect("Target         "+addr, "ACCEPT", "(not used: outside target)")

	// The server name the certificate does not hold: the client refuses.
	for p.focus != pfName {
		d.press("k")
	}
	d.press("enter", "ctrl+u")
	d.typeText("wrong.example")
	d.press("enter", "j", "enter") // Client TLS is a choice: enter runs
	if p.res == nil || p.res.Reason != verify.ServerNameMismatch || p.res.Side != verify.SideClient {
		t.Fatalf("wrong name against %s: %+v\n%s", addr, p.res, d.screen())
	}
	d.expect("reason server-name-mismatch")

	// A target that is not HOST:PORT is refused in the form's terms.
	for p.focus != pfConnect {
		d.press("j")
	}
	d.press("enter", "ctrl+u")
	d.typeText("no-port")
	d.press("enter", "j", "j", "enter")
	d.expect(`"Target" is "no-port": expected HOST:PORT`)
}

// TestProbeRequestFields sets every choice the CLI has a flag for and
// reads the one probe.Request back: each field lands where the CLI's flag
// puts it, and System roots loads the system bundle (in a Cmd) before the
// run, as --system-roots does.
func TestProbeRequestFields(t *testing.T) {
	d := goldenDriver(t, 120, 40)
	d.press("3")
	p := d.m.screens[TabProbe].(*probeScreen)
	set := map[int]int{pfClientTLS: 1, pfServerTLS: 1, pfGoStyle: 1, pfEmulate: 3, pfSystemRoots: 1}
	for p.focus != pfClientTLS {
		d.press("j")
	}
	for p.focus != pfConnect {
		for i := 0; i < set[p.focus]; i++ {
			d.press("l")
		}
		d.press("j")
	}
	r, err := p.request()
	if err != nil {
		t.Fatal(err)
	}
	want := probe.Request{ClientVersion: tlsVersion(t, "1.2"), ServerVersion: tlsVersion(t, "1.2"), GoStyle: true, Emulate: verify.Clients[3]}
	if r.ClientVersion != want.ClientVersion || r.ServerVersion != want.ServerVersion || r.GoStyle != want.GoStyle || r.Emulate != want.Emulate {
		t.Errorf("request %+v, want versions %x/%x, Go client, judged as %s", r, want.ClientVersion, want.ServerVersion, want.Emulate)
	}
	roots, rootsErr := probe.SystemRoots()
	d.press("k", "enter") // System roots: run
	if rootsErr != nil {
		d.expect("no system bundle")
		return
	}
	if len(p.roots) != len(roots) {
		t.Fatalf("System roots on: %d roots loaded, the system has %d", len(p.roots), len(roots))
	}
	if r, _ := p.request(); len(r.SystemRoots) != len(roots) {
		t.Errorf("the request carries %d system roots, want %d", len(r.SystemRoots), len(roots))
	}
	if p.res == nil || !p.res.OK() {
		t.Fatalf("TLS 1.2 both sides, Go client, system roots: %+v\n%s", p.res, d.screen())
	}
	d.expect("negotiated TLS 1.2")
}

func tlsVersion(t *testing.T, v string) uint16 {
	t.Helper()
	n, err := probe.ParseVersion(v)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestProbeTypedTimeRefused: a time pki.ParseTime cannot read is refused
// naming the field, never taken as now.
func TestProbeTypedTimeRefused(t *testing.T) {
	d := goldenDriver(t, 120, 40)
	d.press("3", "k", "enter", "ctrl+u")
	d.typeText("+xd")
	d.press("enter", "j", "enter")
	p := d.m.screens[TabProbe].(*probeScreen)
	if p.res != nil || p.err == nil {
		t.Fatalf("+xd ran: %+v", p.res)
	}
	d.expect("cannot probe:", `"Verify at"`)
}
