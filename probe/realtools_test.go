package probe

import (
	"crypto/tls"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pkibench/pkibench/pki"
)

// toolSays runs curl and openssl s_client for the same case the probe just
// judged and returns their own words, for the table of the servers' cases
// beside pkibench's reasons. It only runs with PKIBENCH_REAL_TABLE set (a
// one-off collection: the tools' wording is not asserted).
func toolSays(t *testing.T, w *world, addr, starttls string, c realCase) (curlMsg, sclientMsg string) {
	t.Helper()
	dir := t.TempDir()
	cc := c.cc(w)
	ca := filepath.Join(dir, "trust.pem")
	var trust []byte
	for _, r := range cc.RootCAs {
		trust = append(trust, pki.EncodeCertPEM(r.Raw)...)
	}
	os.WriteFile(ca, trust, 0o600)
	var certArgs, sclientCert []string
	if id := cc.Identity; id != nil {
		var chain []byte
		for _, x := range wireChain(*id) {
			chain = append(chain, pki.EncodeCertPEM(x.Raw)...)
		}
		key, _ := pki.EncodeKeyPEM(id.Key, nil)
		cp, kp := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
		os.WriteFile(cp, chain, 0o600)
		os.WriteFile(kp, key, 0o600) // a throwaway test key
		certArgs = []string{"--cert", cp, "--key", kp}
		sclientCert = []string{"-cert", cp, "-key", kp, "-cert_chain", cp}
	}
	host, port, _ := net.SplitHostPort(addr)
	name := cc.serverName()
	// curl
	if starttls == "" || starttls == "smtp" {
		scheme := "https"
		extra := []string{}
		if starttls == "smtp" {
			scheme = "smtp"
			extra = []string{"--ssl-reqd", "--mail-from", "a@localhost", "--mail-rcpt", "b@localhost", "-T", "/dev/null"}
		}
		args := append([]string{"-sS", "--max-time", "5", "--cacert", ca, "--resolve", name + ":" + port + ":" + host}, certArgs...)
		args = append(args, extra...)
		switch {
		case cc.MaxVersion == tls.VersionTLS11:
			args = append(args, "--tlsv1.1", "--tls-max", "1.1")
		case len(cc.CipherSuites) > 0:
			args = append(args, "--tls-max", "1.2", "--ciphers", "ECDHE-RSA-AES128-GCM-SHA256")
		}
		out, err := exec.Command("curl", append(args, scheme+"://"+name+":"+port+"/")...).CombinedOutput()
		curlMsg = strings.TrimSpace(string(out))
		if title := htmlTitle(out); title != "" {
			curlMsg = title
		}
		if i := strings.IndexByte(curlMsg, '\n'); i > 0 {
			curlMsg = curlMsg[:i]
		}
		if err == nil {
			curlMsg = "(exit 0) " + curlMsg
		}
	} else {
		curlMsg = "(curl does not speak " + starttls + ")"
	}
	// openssl s_client
	args := append([]string{"s_client", "-connect", addr, "-servername", name, "-CAfile", ca, "-verify_return_error", "-verify_hostname", name}, sclientCert...)
	if starttls != "" {
		args = append(args, "-starttls", starttls)
	}
	switch {
	case cc.MaxVersion == tls.VersionTLS11:
		args = append(args, "-tls1_1")
	case len(cc.CipherSuites) > 0:
		args = append(args, "-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256")
	}
	cmd := exec.Command("openssl", args...)
	if starttls == "" || starttls == "smtp" {
		cmd.Args = append(cmd.Args, "-ign_eof")
	}
	switch starttls {
	case "":
		cmd.Stdin = strings.NewReader("GET / HTTP/1.0\r\nHost: " + name + "\r\n\r\n")
	case "smtp":
		cmd.Stdin = strings.NewReader("EHLO x\r\nQUIT\r\n")
	default:
		cmd.Stdin = strings.NewReader("")
	}
	done := make(chan []byte, 1)
	go func() { out, _ := cmd.CombinedOutput(); done <- out }()
	var out []byte
	select {
	case out = <-done:
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		out = <-done
	}
	re := regexp.MustCompile(`(?i)(verify error:[^\n]*|SSL routines:[a-z_0-9]*:[^:\n]+|HTTP/1\.[01] \d+[^\r\n]*|<title>[^<]*|FATAL[^\x00\n]*|^2[25]0 [^\n]*|Verify return code: [1-9][^\n]*|SSL alert number \d+)`)
	var parts []string
	seen := map[string]bool{}
	for _, m := range re.FindAllString(string(out), -1) {
		m = strings.TrimSpace(strings.TrimPrefix(m, "<title>"))
		if strings.HasPrefix(m, "SSL routines:") {
			m = m[strings.LastIndex(m, ":")+1:]
		}
		if !seen[m] && len(parts) < 4 {
			seen[m] = true
			parts = append(parts, m)
		}
	}
	sclientMsg = strings.Join(parts, " / ")
	return curlMsg, sclientMsg
}
