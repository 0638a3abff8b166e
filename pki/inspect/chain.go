package inspect

import (
	"bytes"
	"crypto/x509"
	"fmt"
	"strings"
	"time"

	"github.com/pkibench/pkibench/pki"
)

// LinkStatus is the state of one certificate in a chain.
type LinkStatus string

const (
	LinkOK                LinkStatus = "ok"
	LinkExpired           LinkStatus = "expired"
	LinkNotYetValid       LinkStatus = "not-yet-valid"
	LinkSelfSigned        LinkStatus = "self-signed"
	LinkSignatureMismatch LinkStatus = "signature-mismatch"
	// LinkIssuerMissing marks the top of a chain that stops below a self-signed root.
	LinkIssuerMissing LinkStatus = "issuer-missing"
)

// Link is one certificate of a chain, leaf first.
type Link struct {
	Subject  string     `json:"subject"`
	Issuer   string     `json:"issuer"`
	NotAfter time.Time  `json:"not_after"`
	Serial   string     `json:"serial"`
	IsCA     bool       `json:"is_ca"`
	Status   LinkStatus `json:"status"`
	// Detail says why the status is not ok, in a sentence.
	Detail string `json:"detail"`
}

// Chain orders leaf and the certificates in chain from leaf to root (by
// issuer name, key id and signature) and gives each link its status at now.
// Certificates in chain that do not belong to the path are left out.
func Chain(leaf *x509.Certificate, chain []*x509.Certificate, now time.Time) []Link {
	if leaf == nil {
		return nil
	}
	path := []*x509.Certificate{leaf}
	used := map[int]bool{}
	cur := leaf
	for len(path) <= len(chain)+1 {
		if pki.IsSelfSigned(cur) {
			break
		}
		next := -1
		for i, c := range chain {
			if used[i] || !bytes.Equal(c.RawSubject, cur.RawIssuer) {
				continue
			}
			if len(cur.AuthorityKeyId) > 0 && len(c.SubjectKeyId) > 0 && !bytes.Equal(cur.AuthorityKeyId, c.SubjectKeyId) {
				continue
			}
			if next < 0 || cur.CheckSignatureFrom(c) == nil {
				next = i
			}
		}
		if next < 0 {
			break
		}
		used[next] = true
		path = append(path, chain[next])
		cur = chain[next]
	}
	links := make([]Link, len(path))
	for i, c := range path {
		l := Link{Subject: pki.FormatName(c.Subject), Issuer: pki.FormatName(c.Issuer), NotAfter: c.NotAfter,
			Serial: pki.SerialHex(c.SerialNumber), IsCA: c.BasicConstraintsValid && c.IsCA, Status: LinkOK}
		switch {
		case now.After(c.NotAfter):
			l.Status = LinkExpired
			l.Detail = fmt.Sprintf("expired %s ago (%s)", humanDuration(now.Sub(c.NotAfter)), asn1TimeText(c.NotAfter))
		case now.Before(c.NotBefore):
			l.Status = LinkNotYetValid
			l.Detail = fmt.Sprintf("valid only from %s", asn1TimeText(c.NotBefore))
		}
		if l.Status == LinkOK {
			switch {
			case i+1 < len(path):
				if err := c.CheckSignatureFrom(path[i+1]); err != nil {
					l.Status = LinkSignatureMismatch
					l.Detail = "signature does not verify with the next certificate's key: " + err.Error()
				}
			case pki.IsSelfSigned(c):
				l.Status = LinkSelfSigned
				l.Detail = "self-signed: a root, trusted only if it is in the verifier's trust store"
			case bytes.Equal(c.RawIssuer, c.RawSubject):
				l.Status = LinkSignatureMismatch
				l.Detail = "names itself as issuer but its signature does not verify with its own key"
			default:
				l.Status = LinkIssuerMissing
				l.Detail = "issuer " + pki.FormatName(c.Issuer) + " is not in the chain given"
			}
		}
		links[i] = l
	}
	return links
}

// TextChain renders links as an indented tree, leaf first.
func TextChain(links []Link) string {
	var b strings.Builder
	for i, l := range links {
		ind := strings.Repeat("  ", i)
		arrow := ""
		if i > 0 {
			arrow = "`- "
		}
		fmt.Fprintf(&b, "%s%s%d: %s  [%s]\n", ind, arrow, i, l.Subject, l.Status)
		pad := ind + strings.Repeat(" ", len(arrow)) + "   "
		fmt.Fprintf(&b, "%sissuer: %s\n", pad, l.Issuer)
		fmt.Fprintf(&b, "%snot after: %s\n", pad, asn1TimeText(l.NotAfter))
		if l.Detail != "" {
			fmt.Fprintf(&b, "%s%s\n", pad, l.Detail)
		}
	}
	return b.String()
}
