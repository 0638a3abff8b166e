package verify

import (
	"crypto/x509"
	"fmt"
	"strings"
	"time"

	"github.com/pkibench/pkibench/pki"
)

// Usage says which role the verified certificate plays; it picks the EKU to
// require and whether client-cert-* or server-cert-* codes are reported.
type Usage int

const (
	UsageAny Usage = iota
	UsageServer
	UsageClient
)

func (u Usage) String() string {
	switch u {
	case UsageServer:
		return "server"
	case UsageClient:
		return "client"
	}
	return "any"
}

// Options says what to verify against. The zero value of every field means
// "not asked for".
type Options struct {
	Roots         []*x509.Certificate
	Intermediates []*x509.Certificate
	// Name is the DNS name or IP address the peer was dialled with; "" skips the name check.
	Name  string
	Usage Usage
	// CRLs are checked for every non-root link whose issuer they match.
	CRLs []*x509.RevocationList
	// RequireCRL makes a link whose issuer has no CRL in CRLs fail with crl-missing.
	RequireCRL bool
	// RequireLeafCRL does so for the leaf's issuer only, as openssl verify
	// -crl_check does: a CRL given for the leaf that comes from another
	// issuer never means "not revoked".
	RequireLeafCRL bool
	// At is the verification time; zero means now.
	At time.Time
	// MaxIntermediates limits the logical intermediates (self-issued
	// repeats count once) between leaf and root; nil means no limit.
	MaxIntermediates *int
	// Known are CA certificates known locally but not offered as a path
	// (e.g. the store's CAs). They only explain a failure: an issuer found
	// here means the peer left an intermediate out (chain-incomplete).
	Known []*x509.Certificate
	// NameOf gives the store name of a certificate (leaf or CA), so a fix
	// can name the real `pkibench issue NAME --ca CA`; nil or "" falls back
	// to a name made from the CN.
	NameOf func(*x509.Certificate) string
	// Emails are RFC 822 names the leaf must carry (client certificates
	// for mail); empty skips the check.
	Emails []string

	// anyUsage sets the usage checks aside while keeping Usage's choice of
	// client or server codes (Faults uses it).
	anyUsage bool
}

// at is the verification time floored to whole seconds: certificate and
// CRL times have one-second resolution, so 00:00:00.5 is still 00:00:00.
func (o Options) at() time.Time {
	t := o.At
	if t.IsZero() {
		t = time.Now()
	}
	return t.Truncate(time.Second)
}

// pick returns the client or the server flavour of a code.
func (o Options) pick(client, server Code) Code {
	if o.Usage == UsageClient {
		return client
	}
	return server
}

// Evidence points at the certificate field a finding blames, by the inspect
// path id (e.g. "validity.not_after") so the inspect view can mark it.
type Evidence struct {
	Cert   string `json:"cert"`   // subject, openssl form
	Serial string `json:"serial"` // upper-case hex, as index.txt and certs/<SERIAL>.pem
	Field  string `json:"field"`
	Value  string `json:"value"`
}

// String is the one-line form the CLI and the probe print.
func (e Evidence) String() string {
	s := e.Cert
	if e.Serial != "" {
		s += " [serial " + e.Serial + "]"
	}
	if e.Field != "" {
		s += "  " + e.Field
	}
	if e.Value != "" {
		s += " = " + e.Value
	}
	return s
}

// Finding is one verification failure explained: the stable code, the exact
// values, the fix and the underlying typed error.
type Finding struct {
	Code     Code       `json:"code"`
	Side     Side       `json:"side"` // left empty by Verify; the probe sets it
	Summary  string     `json:"summary"`
	Detail   string     `json:"detail"`
	Fix      *pki.Fix   `json:"fix"`
	Evidence []Evidence `json:"evidence"`
	Err      error      `json:"-"`
}

func (f *Finding) Error() string {
	if f == nil {
		return string(OK)
	}
	return string(f.Code) + ": " + f.Summary
}

// Unwrap exposes the typed error so callers can errors.As through a Finding.
func (f *Finding) Unwrap() error {
	if f == nil {
		return nil
	}
	return f.Err
}

// Text renders a finding for the terminal: the code, what happened, the
// exact values, which certificate field is to blame and what to do; run,
// when given, renders the fix as the front end's command.
func Text(f *Finding, run func(*pki.Fix) string) string {
	if f == nil {
		return "OK: the certificate verifies\n"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "reason:   %s", f.Code)
	if f.Side != SideNone {
		fmt.Fprintf(&b, " (decided by %s)", f.Side)
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "summary:  %s\n", f.Summary)
	if f.Detail != "" {
		b.WriteString("detail:\n")
		for _, l := range strings.Split(strings.TrimRight(f.Detail, "\n"), "\n") {
			b.WriteString("  " + l + "\n")
		}
	}
	if len(f.Evidence) > 0 {
		b.WriteString("evidence:\n")
		for _, e := range f.Evidence {
			b.WriteString("  " + e.String() + "\n")
		}
	}
	if f.Fix != nil {
		fmt.Fprintf(&b, "fix:      %s\n", f.Fix.Say)
		if run != nil {
			if cmd := run(f.Fix); cmd != "" {
				fmt.Fprintf(&b, "run:      %s\n", cmd)
			}
		}
	}
	if f.Err != nil {
		fmt.Fprintf(&b, "error:    %v\n", f.Err)
	}
	return b.String()
}

func name(c *x509.Certificate) string {
	if c == nil {
		return ""
	}
	s := pki.FormatName(c.Subject)
	if s == "" {
		return "(empty subject)"
	}
	return s
}

func serial(c *x509.Certificate) string {
	if c == nil || c.SerialNumber == nil {
		return ""
	}
	return pki.SerialHex(c.SerialNumber)
}

func ev(c *x509.Certificate, field, value string) Evidence {
	return Evidence{Cert: name(c), Serial: serial(c), Field: field, Value: value}
}

// stamp formats a time the way the detail lines show it.
func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// issuerName is the issuer DN of c in openssl form.
func issuerName(c *x509.Certificate) string {
	s := pki.FormatName(c.Issuer)
	if s == "" {
		return "(empty issuer)"
	}
	return s
}

// Malformed explains a certificate that crypto/x509 cannot even parse
// (the error of x509.ParseCertificate); what names where it came from.
func Malformed(err error, what string) *Finding {
	return &Finding{
		Code:     CertMalformed,
		Summary:  fmt.Sprintf("The certificate %s cannot be parsed: %s.", what, errText(err)),
		Detail:   errText(err),
		Fix:      &pki.Fix{Kind: pki.FixReissue, Say: "re-issue it with a conforming tool"},
		Evidence: []Evidence{{Cert: what, Field: "certificate", Value: errText(err)}},
		Err:      err,
	}
}
