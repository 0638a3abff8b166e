package verify

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/pkibench/pkibench/pki/testtool"
)

// opensslLimbo runs `openssl verify` on a limbo case as the suite's own
// openssl harness sets it up: trusted certificates as -CAfile, the rest
// -untrusted, the peer name, purpose, time, depth and CRLs.
func opensslLimbo(t *testing.T, bin string, c limboCase) bool {
	t.Helper()
	dir := t.TempDir()
	write := func(name string, blocks []string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(strings.Join(blocks, "\n")), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	args := []string{"verify", "-CAfile", write("roots.pem", c.TrustedCerts)}
	if len(c.UntrustedIntermediates) > 0 {
		args = append(args, "-untrusted", write("untrusted.pem", c.UntrustedIntermediates))
	}
	if len(c.CRLs) > 0 {
		args = append(args, "-crl_check", "-CRLfile", write("crls.pem", c.CRLs))
	}
	purpose := "sslserver"
	if c.ValidationKind == "CLIENT" {
		purpose = "sslclient"
	}
	for _, e := range c.ExtendedKeyUsage {
		switch e {
		case "serverAuth":
			purpose = "sslserver"
		case "clientAuth":
			purpose = "sslclient"
		}
	}
	args = append(args, "-purpose", purpose)
	names := c.ExpectedPeerNames
	if c.ExpectedPeerName != nil {
		names = append(names, *c.ExpectedPeerName)
	}
	for _, n := range names {
		switch n.Kind {
		case "DNS":
			args = append(args, "-verify_hostname", n.Value)
		case "IP":
			args = append(args, "-verify_ip", n.Value)
		case "RFC822":
			args = append(args, "-verify_email", n.Value)
		}
	}
	if c.ValidationTime != nil {
		if at, err := time.Parse(time.RFC3339Nano, *c.ValidationTime); err == nil {
			args = append(args, "-attime", fmt.Sprint(at.Unix()))
		}
	}
	if c.MaxChainDepth != nil {
		args = append(args, "-verify_depth", fmt.Sprint(*c.MaxChainDepth))
	}
	args = append(args, write("leaf.pem", []string{c.PeerCertificate}))
	return exec.Command(bin, args...).Run() == nil
}

// limboFamily is the part of a case id before its last "::" segment,
// e.g. "rfc5280::nc" or "pathlen".
func limboFamily(id string) string {
	parts := strings.Split(id, "::")
	if len(parts) > 2 {
		return strings.Join(parts[:2], "::")
	}
	return parts[0]
}

// TestLimboAgainstOpenSSL measures pkibench and `openssl verify` on the
// same limbo cases (every case, the skipped ones too), family by family,
// and holds pkibench to at least openssl's agreement with the suite.
func TestLimboAgainstOpenSSL(t *testing.T) {
	bin := testtool.Require(t, "openssl")
	cases := loadLimbo(t)
	type tally struct{ n, ours, theirs int }
	fam := map[string]*tally{}
	total := &tally{}
	for _, c := range cases {
		want := c.ExpectedResult == "SUCCESS"
		ours, _ := runLimbo(c)
		theirs := opensslLimbo(t, bin, c)
		for _, tl := range []*tally{total, fam[limboFamily(c.ID)]} {
			if tl == nil {
				tl = &tally{}
				fam[limboFamily(c.ID)] = tl
			}
			tl.n++
			if ours == want {
				tl.ours++
			}
			if theirs == want {
				tl.theirs++
			}
		}
		if ours != want && theirs == want && limboSkip(c) == "" && knownDisagreements[c.ID] == "" {
			t.Errorf("%s: openssl agrees with the suite (%s), pkibench does not", c.ID, c.ExpectedResult)
		}
	}
	var lines []string
	for f, tl := range fam {
		lines = append(lines, fmt.Sprintf("  %-28s %4d cases  pkibench %4d  openssl %4d", f, tl.n, tl.ours, tl.theirs))
	}
	sort.Strings(lines)
	t.Logf("limbo agreement with the suite, per family:\n%s\n  %-28s %4d cases  pkibench %4d (%.1f%%)  openssl %4d (%.1f%%)",
		strings.Join(lines, "\n"), "all", total.n, total.ours, 100*float64(total.ours)/float64(total.n), total.theirs, 100*float64(total.theirs)/float64(total.n))
	if total.ours < total.theirs {
		t.Errorf("pkibench agrees with the suite on %d cases, openssl on %d", total.ours, total.theirs)
	}
}
