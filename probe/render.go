package probe

import (
	"fmt"
	"strings"
	"time"

	"github.com/pkibench/pkibench/pki"
	"github.com/pkibench/pkibench/pki/verify"
)

// Text renders the result for a terminal: the verdict first, then why,
// what was negotiated and presented, and, when verbose, the timeline; run,
// when given, renders the fix as the front end's command. It computes
// nothing the JSON form lacks.
func (r Result) Text(verbose bool, run func(*pki.Fix) string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s  %s", r.Verdict, r.Reason)
	if r.Side != verify.SideNone {
		fmt.Fprintf(&b, "  (decided by %s)", r.Side)
	}
	b.WriteString("\n")
	field := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&b, "%-15s %s\n", k+":", v)
		}
	}
	block := func(k, v string) {
		if v == "" {
			return
		}
		fmt.Fprintf(&b, "%s:\n", k)
		for _, l := range strings.Split(strings.TrimRight(v, "\n"), "\n") {
			b.WriteString("  " + l + "\n")
		}
	}
	field("summary", r.Summary)
	block("detail", r.Detail)
	if len(r.Evidence) > 0 {
		b.WriteString("evidence:\n")
		for _, e := range r.Evidence {
			b.WriteString("  " + e.String() + "\n")
		}
	}
	field("fix", r.Fix.String())
	if run != nil && r.Fix != nil {
		field("run", run(r.Fix))
	}
	for _, w := range r.Warnings {
		field("warning", w)
	}
	if len(r.Also) > 0 {
		b.WriteString("also:\n")
		for _, a := range r.Also {
			fmt.Fprintf(&b, "  %s (%s): %s\n", a.Code, a.Side, a.Summary)
		}
	}
	for _, n := range r.Notes {
		field("note", n)
	}
	b.WriteString("\n")
	field("mode", r.Mode)
	field("address", r.Addr)
	field("peer", r.Peer)
	field("server name", r.ServerName)
	if r.Auth != "" {
		field("client auth", fmt.Sprintf("%s (Node.js: %s)", r.Auth, r.Auth.NodeJS()))
	}
	field("verified at", r.At.UTC().Format(time.RFC3339))
	if r.TLS.Version != "" {
		field("negotiated", strings.TrimSpace(fmt.Sprintf("%s, %s, %s", r.TLS.Version, r.TLS.CipherSuite, r.TLS.Group)))
	}
	field("acceptable CAs", strings.Join(orNone(r.AcceptableCAs), "; "))
	chain := func(k string, cs []CertSummary) {
		if len(cs) == 0 {
			field(k, "(none)")
			return
		}
		fmt.Fprintf(&b, "%s:\n", k)
		for i, c := range cs {
			fmt.Fprintf(&b, "  %d s:%s\n    i:%s\n    serial %s, not after %s\n", i, c.Subject, c.Issuer, c.Serial, c.NotAfter.Format(time.RFC3339))
		}
	}
	chain("server chain", r.ServerChain)
	chain("client chain", r.ClientChain)
	field("client error", r.Errors.Client)
	field("server error", r.Errors.Server)
	if verbose && len(r.Timeline) > 0 {
		b.WriteString("timeline:\n")
		for _, s := range r.Timeline {
			fmt.Fprintf(&b, "  %8.3f ms  %-7s %s\n", s.AtMS, s.Side, s.Step)
		}
	}
	field("duration", fmt.Sprintf("%.1f ms", r.DurationMS))
	return b.String()
}
