package probe

import (
	"crypto/x509"
	"github.com/pkibench/pkibench/pki"

	"github.com/pkibench/pkibench/pki/verify"
)

// Fault is one more fault found beside a verdict's primary reason.
type Fault struct {
	Code    verify.Code `json:"code"`
	Side    verify.Side `json:"side"` // the side that would refuse it
	Summary string      `json:"summary"`
	Fix     *pki.Fix    `json:"fix"`
}

// addAlso lists every other fault of both chains, so one probe gives the
// whole picture: the server chain as this client judges it, the client
// chain as a server trusting the root above it would.
func addAlso(r *Result, c *clientOutcome, cc ClientConfig) {
	seen := map[verify.Code]bool{r.Reason: true, verify.OK: true}
	add := func(f *verify.Finding, side verify.Side) {
		if f == nil || seen[f.Code] {
			return
		}
		seen[f.Code] = true
		r.Also = append(r.Also, Fault{Code: f.Code, Side: side, Summary: f.Summary, Fix: f.Fix})
	}
	if len(c.serverChain) > 0 {
		if c.judged == nil {
			c.judged = c.shared.serverVerdict(c.serverChain, c.serverCheck(cc))
		}
		for _, f := range c.judged.allFaults() {
			if f.Code == verify.ServerCertCNOnly && cc.emulate().AcceptsCN() {
				continue // a warning for this client, not a fault
			}
			add(f, verify.SideClient)
		}
	}
	if id := cc.Identity; id != nil && id.Cert != nil {
		if root := c.shared.topOf(id.Cert, id.Chain); root != nil {
			for _, f := range verify.Faults(id.Cert, verify.Options{
				Roots: []*x509.Certificate{root}, Intermediates: id.Chain,
				Usage: verify.UsageClient, At: c.at, CRLs: cc.KnownCRLs, NameOf: c.nameOf, Known: c.known,
			}) {
				if f.Code == verify.ClientCertUntrusted || f.Code == verify.CRLMissing {
					continue
				}
				add(f, verify.SideServer)
			}
		}
	}
}
