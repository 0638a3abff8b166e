package store

import (
	"bytes"
	"crypto/x509"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/gofrs/flock"

	"github.com/pkibench/pkibench/pki"
)

type addFunc func(sev, path, format string, a ...any) *Problem

// rlocked runs fn holding the store lock shared: readers run together,
// writers wait.
func (s *Store) rlocked(fn func() error) error {
	if err := s.checkLockFile(); err != nil {
		return err
	}
	l := flock.New(filepath.Join(s.root, ".lock"))
	if err := l.RLock(); err != nil {
		return fmt.Errorf("locking store %s: %w", s.root, err)
	}
	defer l.Unlock()
	return fn()
}

// checkInParentIndex reports an intermediate CA that has no line in its
// parent's index (it could never be revoked); repair records it, which
// needs no guess: the certificate is in the CA's folder and its parent
// signed it. It returns the certificate file in the parent's folder that
// this fault explains ("" when none).
func (s *Store) checkInParentIndex(add addFunc, rep *CheckReport, repair bool, name, parent string, cert *x509.Certificate) string {
	es, err := readIndex(filepath.Join(s.caDir(parent), "index.txt"))
	if err != nil {
		return "" // reported with the parent
	}
	if findSerial(es, cert.SerialNumber) >= 0 {
		return ""
	}
	explained := filepath.Join("cas", parent, "certs", pki.SerialHex(cert.SerialNumber)+".pem")
	p := add("problem", s.caDir(name), "intermediate CA %s has no line in its parent %s's index: it can never be revoked", name, parent)
	if !repair {
		return explained
	}
	pc, err := s.caCert(parent)
	if err == nil {
		err = cert.CheckSignatureFrom(pc)
	}
	if err == nil {
		err = s.recordIssued(parent, cert, "cas/"+name)
	}
	if err != nil {
		p.Message += fmt.Sprintf(" (not repaired: %v)", err)
		return explained
	}
	p.Repaired = true
	rep.Repaired = append(rep.Repaired, p.Path+": recorded in the index of "+parent)
	return ""
}

// recordOrphan records certs/NAME in its CA's index, when the CA signed its
// certificate and the serial is free: what an import or issue interrupted
// before the journal existed left behind.
func (s *Store) recordOrphan(name, ca string) error {
	cs, err := readCerts(filepath.Join(s.certDir(name), "cert.pem"))
	if err != nil {
		return err
	}
	cert := cs[0]
	caCert, err := s.caCert(ca)
	if err != nil {
		return err
	}
	if err := cert.CheckSignatureFrom(caCert); err != nil {
		return fmt.Errorf("not signed by CA %s: %w", ca, err)
	}
	dir := s.caDir(ca)
	es, err := readIndex(filepath.Join(dir, "index.txt"))
	if err != nil {
		return err
	}
	if i := findSerial(es, cert.SerialNumber); i >= 0 {
		return fmt.Errorf("serial %s is already %s's in the index", pki.SerialHex(cert.SerialNumber), es[i].Name())
	}
	return s.recordIssued(ca, cert, "certs/"+name)
}

// checkCRL compares a CA's published CRL files with each other, with the
// history and with crlnumber (integrity), and with the index (warnings).
func (s *Store) checkCRL(add addFunc, rep *CheckReport, repair bool, name string, revoked int, now time.Time) {
	dir := s.caDir(name)
	der, derErr := os.ReadFile(filepath.Join(dir, "crl.der"))
	pemDER, pemErr := readCRLFile(filepath.Join(dir, "crl.pem"))
	hist := latestHistory(dir)
	histNum := hist.maxNum
	var histDER []byte
	histName := ""
	if len(hist.newest) > 0 {
		histDER, histName = hist.newest[0].der, hist.newest[0].name
	}
	torn := ""
	switch {
	case derErr == nil && pemErr != nil, derErr != nil && pemErr == nil:
		torn = "only one of crl.der and crl.pem exists"
	case derErr == nil && !bytes.Equal(der, pemDER):
		torn = "crl.der and crl.pem hold different CRLs"
	case derErr == nil && histDER != nil && !hist.has(der):
		torn = "crl.der is not the latest CRL of the history (crl/" + histName + ")"
	case derErr != nil && histDER != nil:
		torn = "crl/" + histName + " was published but crl.der and crl.pem are missing"
	}
	if torn != "" {
		p := add("problem", filepath.Join(dir, "crl.der"), "%s (a publication was interrupted)", torn)
		if repair && histDER != nil {
			if err := s.placeCRL(dir, histDER); err == nil {
				p.Repaired = true
				rep.Repaired = append(rep.Repaired, p.Path+": crl.der and crl.pem rewritten from crl/"+histName)
			}
		}
	}
	if histNum != nil {
		if cur, err := readCRLNumber(filepath.Join(dir, "crlnumber")); err == nil && cur.Cmp(histNum) <= 0 {
			p := add("problem", filepath.Join(dir, "crlnumber"), "crlnumber %s would reuse a published CRL number (crl/%s.pem exists)", pki.SerialHex(cur), pki.SerialHex(histNum))
			if repair && ensureCRLNumberAbove(dir, histNum) == nil {
				p.Repaired = true
				rep.Repaired = append(rep.Repaired, p.Path+": advanced past "+pki.SerialHex(histNum))
			}
		}
	}
	st, err := s.crlState(name, now)
	publish := &pki.Fix{Kind: pki.FixPublishCRL, Say: "publish a fresh CRL", CA: name}
	switch {
	case err != nil:
		add("problem", filepath.Join(dir, "crl.der"), "%v", err)
	case st == nil && revoked > 0:
		add("warning", filepath.Join(dir, "index.txt"), "%d revocation(s) are not published: no CRL yet", revoked).Fix = publish
	case st != nil && st.Entries != revoked:
		add("warning", filepath.Join(dir, "index.txt"), "the index has %d revoked certificate(s), the latest CRL lists %d", revoked, st.Entries).Fix = publish
	}
	if st != nil && st.Stale {
		add("warning", filepath.Join(dir, "crl.pem"), "the CRL went stale on %s: servers that check it reject every client",
			st.NextUpdate.UTC().Format("2006-01-02 15:04Z")).Fix = publish
	}
}

// historyView is what check needs from a CA's crl/ folder: the highest CRL
// number used (crlnumber must stay above it) and the newest CRLs by the
// order import and publication use (newerCRL: number, then thisUpdate).
// Imported CRLs without a number (t<thisUpdate>.pem) and same-number
// copies (NN-hash.pem) take part, so a later unnumbered CRL from
// `openssl ca -gencrl` is the newest, as it is for import.
type historyView struct {
	maxNum *big.Int
	newest []histCRL // more than one when equally new
}

type histCRL struct {
	name string
	der  []byte
}

// has reports whether der is one of the newest CRLs.
func (h historyView) has(der []byte) bool {
	for _, c := range h.newest {
		if bytes.Equal(c.der, der) {
			return true
		}
	}
	return false
}

func latestHistory(dir string) historyView {
	var h historyView
	ents, err := os.ReadDir(filepath.Join(dir, "crl"))
	if err != nil {
		return h
	}
	var others []string
	var numbered []*big.Int
	for _, e := range ents {
		base, ok := strings.CutSuffix(e.Name(), ".pem")
		if !ok || strings.HasPrefix(base, ".") || !e.Type().IsRegular() {
			continue
		}
		if n, ok := new(big.Int).SetString(base, 16); ok {
			numbered = append(numbered, n)
			if h.maxNum == nil || n.Cmp(h.maxNum) > 0 {
				h.maxNum = n
			}
			continue
		}
		others = append(others, e.Name())
	}
	read := func(name string) ([]byte, pki.CRLHeader, bool) {
		der, err := readCRLFile(filepath.Join(dir, "crl", name))
		if err != nil {
			return nil, pki.CRLHeader{}, false
		}
		hd, err := pki.ParseCRLHeader(der)
		// A delta CRL is never current (attachCRL): not a candidate.
		return der, hd, err == nil && !hd.Delta
	}
	cands := others
	// The highest number that is a full CRL; lower ones are older and
	// not read.
	slices.SortFunc(numbered, func(a, b *big.Int) int { return b.Cmp(a) })
	for _, n := range numbered {
		if _, _, ok := read(pki.SerialHex(n) + ".pem"); ok {
			cands = append(cands, pki.SerialHex(n)+".pem")
			break
		}
	}
	var best []pki.CRLHeader
	for _, name := range cands {
		der, hd, ok := read(name)
		if !ok {
			continue
		}
		switch {
		case len(h.newest) == 0 || newerCRL(hd, best[0]):
			h.newest, best = []histCRL{{name, der}}, []pki.CRLHeader{hd}
		case !newerCRL(best[0], hd):
			h.newest, best = append(h.newest, histCRL{name, der}), append(best, hd)
		}
	}
	return h
}
