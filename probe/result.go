package probe

import (
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/pkibench/pkibench/pki"
	"github.com/pkibench/pkibench/pki/verify"
)

// Verdict is ACCEPT or REJECT.
type Verdict string

const (
	Accept Verdict = "ACCEPT"
	Reject Verdict = "REJECT"
)

// Result is the outcome of one handshake. The CLI's --json output and the
// TUI's verdict pane are two renderings of this value.
type Result struct {
	Verdict  Verdict     `json:"verdict"`
	Reason   verify.Code `json:"reason"`
	Side     verify.Side `json:"side"`
	Summary  string      `json:"summary"`
	Detail   string      `json:"detail"`
	Fix      *pki.Fix    `json:"fix"`
	Evidence []Evidence  `json:"evidence"`

	// Mode is probe, connect or serve.
	Mode string `json:"mode"`
	// Addr is the server address that was dialled or served.
	Addr string `json:"addr"`
	// Peer is the outside client's address (serve).
	Peer string `json:"peer"`
	// At is the verification time both sides used.
	At         time.Time `json:"at"`
	ServerName string    `json:"server_name"`
	Auth       AuthMode  `json:"auth"`

	TLS           TLSInfo       `json:"tls"`
	AcceptableCAs []string      `json:"acceptable_cas"`
	ClientChain   []CertSummary `json:"client_chain"`
	ServerChain   []CertSummary `json:"server_chain"`
	Errors        RawErrors     `json:"errors"`
	Timeline      []Step        `json:"timeline"`
	DurationMS    float64       `json:"duration_ms"`
	Notes         []string      `json:"notes"`
	// Warnings are accepted weaknesses some clients refuse (a CN-only name).
	Warnings []string `json:"warnings"`
	// Also lists every other fault found on both chains, beside the
	// primary reason the deciding side acted on.
	Also       []Fault        `json:"also"`
	ClientName string         `json:"client_name"`
	Exchange   *ExchangeBytes `json:"exchange"`
}

// Evidence points at the certificate field a verdict rests on.
type Evidence = verify.Evidence

// TLSInfo is what the handshake negotiated.
type TLSInfo struct {
	Version     string `json:"version"`
	CipherSuite string `json:"cipher_suite"`
	Group       string `json:"group"`
}

// CertSummary is one certificate of a presented chain.
type CertSummary struct {
	Subject   string    `json:"subject"`
	Issuer    string    `json:"issuer"`
	Serial    string    `json:"serial"`
	NotBefore time.Time `json:"not_before"`
	NotAfter  time.Time `json:"not_after"`
}

// RawErrors are both sides' errors exactly as crypto/tls returned them.
type RawErrors struct {
	Client string `json:"client"`
	Server string `json:"server"`
}

// Step is one moment of the handshake.
type Step struct {
	AtMS float64     `json:"at_ms"`
	Side verify.Side `json:"side"`
	Step string      `json:"step"`
}

// ExchangeBytes counts the first application bytes each way.
type ExchangeBytes struct {
	ClientSent     int `json:"client_sent"`
	ClientReceived int `json:"client_received"`
}

// OK reports whether the verdict is ACCEPT.
func (r Result) OK() bool { return r.Verdict == Accept }

// Line is the one-line verdict `serve` prints per connection.
func (r Result) Line() string {
	var b strings.Builder
	b.WriteString(string(r.Verdict))
	b.WriteString(" " + string(r.Reason))
	if r.Side != verify.SideNone {
		b.WriteString(" (" + string(r.Side) + ")")
	}
	if r.Peer != "" {
		b.WriteString(" from " + r.Peer)
	}
	if len(r.ClientChain) > 0 {
		b.WriteString(" [" + r.ClientChain[0].Subject + "]")
	}
	if r.Summary != "" {
		b.WriteString(": " + r.Summary)
	}
	return b.String()
}

// serialHex is the certificate's serial as pkibench prints every serial.
func serialHex(c *x509.Certificate) string {
	if c == nil {
		return ""
	}
	return pki.SerialHex(c.SerialNumber)
}

func summarize(chain []*x509.Certificate) []CertSummary {
	out := make([]CertSummary, 0, len(chain))
	for _, c := range chain {
		out = append(out, CertSummary{
			Subject: pki.FormatName(c.Subject), Issuer: pki.FormatName(c.Issuer),
			Serial: serialHex(c), NotBefore: c.NotBefore.UTC(), NotAfter: c.NotAfter.UTC(),
		})
	}
	return out
}

// decodeDNs turns the DER names of a CertificateRequest into openssl-style
// strings; a name that does not parse is shown as hex rather than dropped.
func decodeDNs(ders [][]byte) []string {
	out := make([]string, 0, len(ders))
	for _, d := range ders {
		var rdn pkix.RDNSequence
		if rest, err := asn1.Unmarshal(d, &rdn); err != nil || len(rest) > 0 {
			out = append(out, fmt.Sprintf("(unparsable name %X)", d))
			continue
		}
		var n pkix.Name
		n.FillFromRDNSequence(&rdn)
		out = append(out, pki.FormatName(n))
	}
	return out
}

func tlsInfo(cs tls.ConnectionState) TLSInfo {
	if !cs.HandshakeComplete {
		return TLSInfo{}
	}
	info := TLSInfo{Version: tls.VersionName(cs.Version), CipherSuite: tls.CipherSuiteName(cs.CipherSuite)}
	if cs.CurveID != 0 {
		info.Group = cs.CurveID.String()
	}
	return info
}

func fromFinding(f *verify.Finding) (string, string, *pki.Fix, []Evidence) {
	return f.Summary, f.Detail, f.Fix, append([]Evidence{}, f.Evidence...)
}

// stepLog is one side's timeline, written by that side's goroutine only.
type stepLog struct {
	side  verify.Side
	start time.Time
	steps []Step
}

func (l *stepLog) add(format string, args ...any) {
	if l == nil {
		return
	}
	l.steps = append(l.steps, Step{
		AtMS: ms(time.Since(l.start)),
		Side: l.side, Step: fmt.Sprintf(format, args...),
	})
}

func mergeSteps(logs ...*stepLog) []Step {
	var all []Step
	for _, l := range logs {
		if l != nil {
			all = append(all, l.steps...)
		}
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].AtMS < all[j].AtMS })
	if all == nil {
		all = []Step{}
	}
	return all
}

// finish fills the fields every result needs and keeps JSON arrays non-null.
func (r *Result) finish(start time.Time) {
	r.DurationMS = ms(time.Since(start))
	if r.Verdict == "" {
		r.Verdict = Reject
	}
	if r.Reason == verify.OK {
		r.Verdict = Accept
	}
	if r.Evidence == nil {
		r.Evidence = []Evidence{}
	}
	if r.AcceptableCAs == nil {
		r.AcceptableCAs = []string{}
	}
	if r.ClientChain == nil {
		r.ClientChain = []CertSummary{}
	}
	if r.ServerChain == nil {
		r.ServerChain = []CertSummary{}
	}
	if r.Timeline == nil {
		r.Timeline = []Step{}
	}
	if r.Notes == nil {
		r.Notes = []string{}
	}
	if r.Also == nil {
		r.Also = []Fault{}
	}
}

func (r *Result) note(format string, args ...any) {
	r.Notes = append(r.Notes, fmt.Sprintf(format, args...))
}

// ms is d in milliseconds, to the microsecond.
func ms(d time.Duration) float64 { return math.Round(float64(d.Microseconds())) / 1000 }
