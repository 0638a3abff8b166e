package equiv

import (
	"context"
	"crypto/tls"
	"crypto/x509/pkix"
	"fmt"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pkibench/pkibench/pki"
	"github.com/pkibench/pkibench/pki/testtool"
	"github.com/pkibench/pkibench/pki/verify"
	"github.com/pkibench/pkibench/probe"
	"github.com/pkibench/pkibench/store"
)

// tlsStore is the seeds' setup in a real store: ABC Inc., an invoice
// server (behind an intermediate, so chains matter) and a mail client.
func tlsStore(t *testing.T) (*store.Store, Layout) {
	t.Helper()
	st, err := store.OpenOrCreate(filepath.Join(t.TempDir(), "pki"))
	if err != nil {
		t.Fatal(err)
	}
	steps := []error{}
	_, err = st.CreateCA(store.CAOptions{Name: "abc", Subject: pkix.Name{Organization: []string{"ABC Inc."}}})
	steps = append(steps, err)
	_, err = st.CreateCA(store.CAOptions{Name: "issuing", Parent: "abc"})
	steps = append(steps, err)
	_, err = st.Issue(store.IssueOptions{Names: []string{"invoice-server"}, CA: "issuing", DNS: []string{"localhost"}})
	steps = append(steps, err)
	_, err = st.Issue(store.IssueOptions{Names: []string{"mail-server"}, CA: "issuing", Profile: pki.ProfileClient})
	steps = append(steps, err)
	for _, err := range steps {
		if err != nil {
			t.Fatal(err)
		}
	}
	return st, Layout{Root: st.Path()}
}

func spec(l Layout, port int, withClient bool) ProbeSpec {
	client := "none"
	if withClient {
		client = "mail-server"
	}
	return l.ProbeSpec(StoreProbe{Server: "invoice-server", Client: client, ServerTrust: []string{"abc"}, ClientTrust: []string{"abc"}, Port: port})
}

func find(cmds []Command, tool Tool) Command {
	for _, c := range cmds {
		if c.Tool == tool {
			return c
		}
	}
	return Command{}
}

// TestClientsAgainstServe runs the printed curl, openssl s_client and
// Node.js client commands against the built-in server that `pkibench serve`
// runs, and checks the server accepted them (and refused curl without a
// certificate, for the right reason).
func TestClientsAgainstServe(t *testing.T) {
	testtool.Require(t, "curl")
	st, l := tlsStore(t)
	id, err := st.Identity("invoice-server", nil)
	if err != nil {
		t.Fatal(err)
	}
	abc, err := st.CACerts("abc")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := probe.NewServer(probe.ServerConfig{Identity: id, ClientCAs: abc}, probe.Options{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	verdicts := make(chan probe.Result, 16)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- srv.Serve(ctx, func(r probe.Result) { verdicts <- r }) }()
	defer func() {
		cancel()
		<-done
	}()
	_, portStr, _ := net.SplitHostPort(srv.Addr())
	var port int
	fmt.Sscan(portStr, &port)

	cmds := Serve(spec(l, port, true))
	for _, tool := range []Tool{Curl, OpenSSL, Node} {
		t.Run(string(tool), func(t *testing.T) {
			testtool.Require(t, string(tool))
			c := find(cmds, tool)
			out, err := sh(t, t.TempDir(), c)
			r := next(t, verdicts)
			if err != nil || !strings.Contains(out, "pkibench: ACCEPT") || r.Reason != verify.OK {
				t.Errorf("%s: %v\n%s\nserver: %s", c.Line, err, out, r.Line())
			}
		})
	}
	// Without a client certificate the printed curl fails, and the server
	// says why.
	c := find(Serve(spec(l, port, false)), Curl)
	if out, err := sh(t, t.TempDir(), c); err == nil {
		t.Errorf("curl without a certificate succeeded: %s", out)
	}
	if r := next(t, verdicts); r.Reason != verify.ClientCertMissing {
		t.Errorf("curl without certificate: server says %s", r.Line())
	}
}

// TestServersWithCurl starts the printed openssl s_server and Node.js
// server (checking the issuing CA's CRL, as in the seeds) and fetches from
// each with the printed curl command: the mail server gets in, revoked
// client2 and a client without a certificate do not.
func TestServersWithCurl(t *testing.T) {
	testtool.Require(t, "curl")
	st, l := tlsStore(t)
	if _, err := st.Issue(store.IssueOptions{Names: []string{"client2"}, CA: "issuing", Profile: pki.ProfileClient}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Revoke("client2", store.RevokeOptions{Reason: 1}); err != nil {
		t.Fatal(err)
	}
	for _, ca := range []string{"issuing", "abc"} {
		if _, err := st.PublishCRL(ca, store.CRLOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	for _, tool := range []Tool{OpenSSL, Node} {
		t.Run(string(tool), func(t *testing.T) {
			testtool.Require(t, string(tool))
			port := freePort(t)
			s := spec(l, port, true)
			s.CRLs = []string{l.CA("issuing").CRL, l.CA("abc").CRL}
			server := find(ServerCommands(s), tool)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, "bash", "-c", "exec "+server.Line)
			cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
			out := &lockedBuf{}
			cmd.Stdout, cmd.Stderr = out, out
			cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer func() {
				cancel()
				cmd.Wait()
			}()
			waitPort(t, ctx, port, out)
			c := find(Serve(s), Curl)
			got, err := sh(t, t.TempDir(), c)
			if err != nil || !strings.Contains(got, "200") && !strings.Contains(got, "hello") && !strings.Contains(got, "s_server") {
				t.Errorf("%s\n-> %v %s\nserver: %s", c.Line, err, got, out.String())
			}
			if tool == Node && !strings.Contains(got, "hello mail-server") {
				t.Errorf("node server answered %q", got)
			}
			noCert := find(Serve(spec(l, port, false)), Curl)
			if got, err := sh(t, t.TempDir(), noCert); err == nil {
				t.Errorf("%s server let curl in without a certificate: %s", tool, got)
			}
			revoked := s
			revoked.ClientCert, revoked.ClientKey, revoked.ClientChain = l.Presented("client2")
			if got, err := sh(t, t.TempDir(), find(Serve(revoked), Curl)); err == nil {
				t.Errorf("%s server let revoked client2 in: %s", tool, got)
			}
		})
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// waitPort polls until something listens on the port; it is a readiness
// check, not a sleep used for ordering.
func waitPort(t *testing.T, ctx context.Context, port int, log fmt.Stringer) {
	t.Helper()
	for {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err == nil {
			c.Close()
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("nothing listens on %d; the server said:\n%s", port, log)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// next is the server's verdict on the connection a command just made; a
// command that never connected leaves none, and the test says so.
func next(t *testing.T, ch <-chan probe.Result) probe.Result {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(15 * time.Second):
		t.Fatal("the server saw no connection")
		return probe.Result{}
	}
}

// lockedBuf collects a child's output, written by exec's copying goroutine
// while the test may read it.
type lockedBuf struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// The CLI and the TUI describe a probe's commands through StoreProbeOf,
// with the request's defaults: each side trusts the root above its own
// certificate, a client without one trusts nothing it was not told, and a
// CRL check names every CA above the client.
func TestStoreProbeOfDefaults(t *testing.T) {
	above := func(name string) []string {
		return map[string][]string{"web": {"issuing", "abc"}, "mail": {"abc"}}[name]
	}
	sp := StoreProbeOf(probe.Request{Server: "web", Client: "mail", CheckCRL: true, ServerVersion: tls.VersionTLS13}, 8443, above)
	if fmt.Sprintf("%v %v %v %s %q %q", sp.ServerTrust, sp.ClientTrust, sp.CRLCAs, sp.Auth, sp.ServerTLS, sp.ClientTLS) != `[abc] [abc] [abc] require-and-verify "1.3" ""` {
		t.Errorf("defaults: %+v", sp)
	}
	sp = StoreProbeOf(probe.Request{Server: "web", ServerTrust: []string{"zxc"}, ClientTrust: []string{"issuing"}}, 0, above)
	if fmt.Sprintf("%v %v %v", sp.ServerTrust, sp.ClientTrust, sp.CRLCAs) != "[zxc] [issuing] []" {
		t.Errorf("explicit trust, no client: %+v", sp)
	}
	if sp = StoreProbeOf(probe.Request{Server: "web"}, 0, above); sp.ClientTrust != nil {
		t.Errorf("a client without a certificate was given trust: %v", sp.ClientTrust)
	}
}
