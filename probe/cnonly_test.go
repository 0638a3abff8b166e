package probe

import (
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/pkibench/pkibench/pki"
	"github.com/pkibench/pkibench/pki/testtool"
	"github.com/pkibench/pkibench/pki/verify"
)

// The seeds' servers have CN-only certificates, which curl accepts: serve
// must say ok for curl's connection, and when curl refuses for another
// reason (no --cacert) it must not blame the CN.
func TestServeCNOnlyWithCurl(t *testing.T) {
	curl := testtool.Require(t, "curl")
	w := newWorld(t)
	f := writeFiles(t, w)
	if err := os.WriteFile(f.path("cnonly.pem"), pki.EncodeCertPEM(w.serverCNOnly.Cert.Raw), 0o600); err != nil {
		t.Fatal(err)
	}
	addr, results := serveAndCollect(t, w.serverCfg(w.serverCNOnly))
	_, port, _ := net.SplitHostPort(addr)
	url := "https://localhost:" + port + "/"
	base := []string{"-sS", "--max-time", "10", "--resolve", "localhost:" + port + ":127.0.0.1", "--cert", f.path("client.pem"), "--key", f.path("client.key")}
	out, err := exec.Command(curl, append(base, "--cacert", f.path("ca.pem"), url)...).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "ACCEPT") {
		t.Errorf("curl against a CN-only server: %v %s", err, out)
	}
	if r := nextVerdict(t, results); r.Reason != verify.OK {
		t.Errorf("serve says %s (%s) for curl's accepted connection: %s", r.Reason, r.Side, r.Summary)
	}
	exec.Command(curl, append(base, url)...).Run()
	if r := nextVerdict(t, results); r.Reason != verify.ServerCertUntrusted {
		t.Errorf("curl without the CA: serve says %s (%s): %s", r.Reason, r.Side, r.Summary)
	}
}
