package store

import (
	"bytes"
	"crypto/x509"
	"fmt"
	"github.com/pkibench/pkibench/pki"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gofrs/flock"
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
	histNum, histDER := latestHistory(dir)
	torn := ""
	switch {
	case derErr == nil && pemErr != nil, derErr != nil && pemErr == nil:
		torn = "only one of crl.der and crl.pem exists"
	case derErr == nil && !bytes.Equal(der, pemDER):
		torn = "crl.der and crl.pem hold different CRLs"
	case derErr == nil && histDER != nil && !bytes.Equal(der, histDER):
		torn = "crl.der is not the latest CRL of the history (crl/" + pki.SerialHex(histNum) + ".pem)"
	case derErr != nil && histDER != nil:
		torn = "crl/" + pki.SerialHex(histNum) + ".pem was published but crl.der and crl.pem are missing"
	}
	if torn != "" {
		p := add("problem", filepath.Join(dir, "crl.der"), "%s (a publication was interrupted)", torn)
		if repair && histDER != nil {
			if err := s.placeCRL(dir, histDER); err == nil {
				p.Repaired = true
				rep.Repaired = append(rep.Repaired, p.Path+": crl.der and crl.pem rewritten from crl/"+pki.SerialHex(histNum)+".pem")
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

// latestHistory returns the highest-numbered crl/<N>.pem and its DER.
func latestHistory(dir string) (*big.Int, []byte) {
	ents, err := os.ReadDir(filepath.Join(dir, "crl"))
	if err != nil {
		return nil, nil
	}
	var best *big.Int
	for _, e := range ents {
		h, ok := strings.CutSuffix(e.Name(), ".pem")
		if !ok || strings.HasPrefix(h, ".") {
			continue
		}
		if n, ok := new(big.Int).SetString(h, 16); ok && (best == nil || n.Cmp(best) > 0) {
			best = n
		}
	}
	if best == nil {
		return nil, nil
	}
	der, err := readCRLFile(filepath.Join(dir, "crl", pki.SerialHex(best)+".pem"))
	if err != nil {
		return best, nil
	}
	return best, der
}
