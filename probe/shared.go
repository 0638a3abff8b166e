package probe

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"strings"
	"sync"
	"time"

	"github.com/pkibench/pkibench/pki"
	"github.com/pkibench/pkibench/pki/verify"
)

// shared holds the judgements the probes of one run make alike whatever
// the client, so a matrix makes each once instead of once per client (issue
// 19: they were a quarter of a matrix's CPU): whether a certificate is
// self-signed (a signature check, asked for every chain sent or trusted),
// and the client's judgement of the server's chain (the verdict and every
// fault for the "also" list). Entries are keyed by the certificates' DER
// bytes and every other input of the judgement, so a hit gives exactly what
// computing again would; the verification options not in the key (NameOf,
// Known) are the run's own, the same for every probe of it. One shared
// belongs to one Run, Connect or Matrix and is safe for its goroutines.
type shared struct {
	nameOf   func(*x509.Certificate) string
	known    []*x509.Certificate
	mu       sync.Mutex
	selfSig  map[string]bool
	verdicts map[string]*serverVerdict
}

// serverVerdict is the client's judgement of one server chain, made when
// first asked for.
type serverVerdict struct {
	m     *shared
	chain []*x509.Certificate
	chk   serverCheck

	once, faultsOnce sync.Once
	finding          *verify.Finding // nil: verified
	warn             string          // the CN-only warning of an emulated client
	faults           []*verify.Finding
}

// newShared holds the judgements of a run with opts.
func newShared(opts Options) *shared {
	return &shared{nameOf: opts.NameOf, known: opts.KnownCAs, selfSig: map[string]bool{}, verdicts: map[string]*serverVerdict{}}
}

// isSelfSigned is pki.IsSelfSigned, checked once per certificate.
func (m *shared) isSelfSigned(c *x509.Certificate) bool {
	if string(c.RawIssuer) != string(c.RawSubject) {
		return false // the cheap half of the answer needs no memory
	}
	m.mu.Lock()
	ok, seen := m.selfSig[string(c.Raw)]
	m.mu.Unlock()
	if seen {
		return ok
	}
	ok = pki.IsSelfSigned(c)
	m.mu.Lock()
	m.selfSig[string(c.Raw)] = ok
	m.mu.Unlock()
	return ok
}

// topOf is the self-signed root at the top of an identity's chain, or nil.
func (m *shared) topOf(leaf *x509.Certificate, chain []*x509.Certificate) *x509.Certificate {
	return topOfWith(leaf, chain, m.isSelfSigned)
}

// tlsCertificate is id.TLSCertificate with the self-signature checks shared.
func (m *shared) tlsCertificate(id pki.Identity) tls.Certificate {
	return id.TLSCertificateWith(m.isSelfSigned)
}

// wireChain is wireChain with the self-signature checks shared.
func (m *shared) wireChain(id pki.Identity) []*x509.Certificate {
	return wireChainWith(id, m.isSelfSigned)
}

// serverCheck is what a client judges a server chain by: the client it
// emulates, the roots it trusts, the name it dialled and the time.
type serverCheck struct {
	emulate verify.Client
	roots   []*x509.Certificate
	name    string
	at      time.Time
}

// options are the verification options of chain (leaf first, then the
// intermediates as received) under chk, with the run's knowledge.
func (m *shared) options(chain []*x509.Certificate, chk serverCheck) verify.Options {
	return verify.Options{Roots: chk.roots, Intermediates: chain[1:], Name: chk.name,
		Usage: verify.UsageServer, At: chk.at, NameOf: m.nameOf, Known: m.known}
}

// serverVerdict returns the judgement of chain (leaf first, then the
// intermediates as received) under chk: the run's entry, or a fresh one
// when the time is not fixed (zero is each verification's now, which no
// entry can hold).
func (m *shared) serverVerdict(chain []*x509.Certificate, chk serverCheck) *serverVerdict {
	fresh := &serverVerdict{m: m, chain: chain, chk: chk}
	if chk.at.IsZero() {
		return fresh
	}
	k := verdictKey(chain, chk)
	m.mu.Lock()
	defer m.mu.Unlock()
	if v, ok := m.verdicts[k]; ok {
		return v
	}
	m.verdicts[k] = fresh
	return fresh
}

// verdict is the client's verify.VerifyAs of the server chain: the finding
// that refuses it (its side set to the client's) and the warning an
// emulated client gives.
func (v *serverVerdict) verdict() (*verify.Finding, string) {
	v.once.Do(func() {
		_, v.finding, v.warn = verify.VerifyAs(v.chk.emulate, v.chain[0], v.m.options(v.chain, v.chk))
		if v.finding != nil && v.finding.Side == verify.SideNone {
			v.finding.Side = verify.SideClient
		}
	})
	return v.finding, v.warn
}

// allFaults is verify.Faults of the server chain, for the "also" list.
func (v *serverVerdict) allFaults() []*verify.Finding {
	v.faultsOnce.Do(func() { v.faults = verify.Faults(v.chain[0], v.m.options(v.chain, v.chk)) })
	return v.faults
}

// verdictKey is every input of a server-chain judgement that can differ
// between the probes of one run, certificates by their DER bytes (each
// length first, so no two lists make one key).
func verdictKey(chain []*x509.Certificate, chk serverCheck) string {
	var b strings.Builder
	var n [binary.MaxVarintLen64]byte
	str := func(s string) {
		b.Write(n[:binary.PutUvarint(n[:], uint64(len(s)))])
		b.WriteString(s)
	}
	certs := func(cs []*x509.Certificate) {
		b.Write(n[:binary.PutUvarint(n[:], uint64(len(cs)))])
		for _, c := range cs {
			if c == nil {
				str("")
				continue
			}
			str(string(c.Raw))
		}
	}
	str(string(chk.emulate))
	str(chk.name)
	str(chk.at.UTC().Format(time.RFC3339Nano))
	certs(chk.roots)
	certs(chain)
	return b.String()
}
