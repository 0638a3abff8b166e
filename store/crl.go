package store

import (
	"crypto/x509"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pkibench/pkibench/pki"
)

// CRLState is the freshness of a CA's latest CRL.
type CRLState struct {
	Number     string    `json:"number"`
	ThisUpdate time.Time `json:"this_update"`
	NextUpdate time.Time `json:"next_update"`
	Entries    int       `json:"entries"`
	Stale      bool      `json:"stale"`
	// ExpiresIn is how long the CRL stays fresh (negative when stale).
	ExpiresIn time.Duration `json:"expires_in_ns"`
	Path      string        `json:"path"`
}

// Freshness says in words how long the CRL is fresh, or since when it is stale.
func (c *CRLState) Freshness() string {
	if c == nil {
		return "no CRL"
	}
	if c.Stale {
		return "STALE since " + c.NextUpdate.UTC().Format("2006-01-02 15:04Z") + ": every client is locked out"
	}
	if c.ExpiresIn < CRLWarnBefore {
		return "fresh for only " + Humanize(c.ExpiresIn) + ": publish a new CRL soon"
	}
	return "fresh for " + Humanize(c.ExpiresIn)
}

// CRLWarnBefore is how long before nextUpdate a CRL is flagged: an expired
// CRL locks every client out of servers that check it.
const CRLWarnBefore = 72 * time.Hour

// CAWarnBefore is how long before a CA's notAfter it is flagged.
const CAWarnBefore = 30 * 24 * time.Hour

// Humanize renders a duration as "3d 4h", "5h 10m" or "42m".
func Humanize(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	days := int(d / (24 * time.Hour))
	h := int(d/time.Hour) % 24
	m := int(d/time.Minute) % 60
	switch {
	case days > 0:
		return fmt.Sprintf("%dd %dh", days, h)
	case h > 0:
		return fmt.Sprintf("%dh %dm", h, m)
	}
	return fmt.Sprintf("%dm", m)
}

func (s *Store) crlState(ca string, now time.Time) (*CRLState, error) {
	p := filepath.Join(s.caDir(ca), "crl.der")
	b, err := os.ReadFile(p)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	h, err := pki.ParseCRLHeader(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	st := &CRLState{ThisUpdate: h.ThisUpdate, NextUpdate: h.NextUpdate, Entries: h.Entries,
		Stale: now.After(h.NextUpdate), ExpiresIn: h.NextUpdate.Sub(now), Path: filepath.Join(s.caDir(ca), "crl.pem")}
	if h.Number != nil {
		st.Number = pki.SerialHex(h.Number)
	}
	return st, nil
}

// CRLState says how fresh a CA's latest CRL is (nil when none was published),
// reading only the CRL's header.
func (s *Store) CRLState(ca string) (*CRLState, error) {
	if err := CheckName(ca); err != nil {
		return nil, err
	}
	return s.crlState(ca, s.now())
}

// CRL returns a CA's latest published CRL, or a NotFoundError.
func (s *Store) CRL(ca string) (*x509.RevocationList, error) {
	if err := CheckName(ca); err != nil {
		return nil, err
	}
	// crl.der and crl.pem hold the same CRL (PublishCRL and an imported
	// CRL write both); crl.der is read as the one source. pki.ParseCRL also
	// reads the v1 CRLs `openssl ca -gencrl` writes.
	p := filepath.Join(s.caDir(ca), "crl.der")
	b, err := os.ReadFile(p)
	if os.IsNotExist(err) {
		return nil, &NotFoundError{"CRL of CA", ca}
	}
	if err != nil {
		return nil, err
	}
	l, err := pki.ParseCRL(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	return l, nil
}

// CRLOptions control a publication.
type CRLOptions struct {
	Days       int // nextUpdate = now + Days; default: the CA's crl_days (30)
	Passphrase PassphraseFunc
}

// CRLExpiryError refuses a CRL whose nextUpdate would pass the CA's own expiry.
type CRLExpiryError struct {
	NextUpdate, CANotAfter time.Time
}

func (e *CRLExpiryError) Error() string {
	return fmt.Sprintf("the CRL's nextUpdate (%s) would be after the CA expires (%s): relying parties would keep trusting a CRL from a dead CA; publish with fewer days until nextUpdate, or renew the CA",
		e.NextUpdate.UTC().Format(time.RFC3339), e.CANotAfter.UTC().Format(time.RFC3339))
}

// PublishCRL signs a new CRL from the CA's index and writes crl.pem, crl.der
// and crl/<number>.pem; crlnumber is advanced last.
func (s *Store) PublishCRL(ca string, o CRLOptions) (*CRLState, error) {
	if err := CheckName(ca); err != nil {
		return nil, err
	}
	var out *CRLState
	err := s.write(func() error {
		cert, key, err := s.caSigner(ca, o.Passphrase)
		if err != nil {
			return err
		}
		meta, err := s.readCAMeta(ca)
		if err != nil {
			return err
		}
		dir := s.caDir(ca)
		// Only the revoked lines become entries; the rest of the index is
		// read past without keeping an Entry for each line.
		var revs []pki.Revocation
		ipath := filepath.Join(dir, "index.txt")
		data, err := readIndexFile(ipath)
		if err != nil && !os.IsNotExist(err) {
			return err
		}
		if _, err := eachIndexEntry(data, ipath, func(e Entry) {
			if e.Flag == 'R' {
				revs = append(revs, pki.Revocation{Serial: e.Serial, Time: e.RevokedAt, Reason: e.Reason})
			}
		}); err != nil {
			return err
		}
		num, err := readCRLNumber(filepath.Join(dir, "crlnumber"))
		if err != nil {
			return err
		}
		// A number whose history file exists was used (crlnumber lost its
		// update, or came from elsewhere): never reuse it, never overwrite
		// the history. A skipped number is allowed (RFC 5280 §5.2.3).
		for exists(filepath.Join(dir, "crl", pki.SerialHex(num)+".pem")) {
			num.Add(num, big.NewInt(1))
		}
		days := o.Days
		if days <= 0 {
			days = meta.CRLDays
		}
		if days <= 0 {
			days = 30
		}
		now := s.now().UTC().Truncate(time.Second)
		next := now.AddDate(0, 0, days)
		if next.After(cert.NotAfter) {
			return &CRLExpiryError{NextUpdate: next, CANotAfter: cert.NotAfter}
		}
		der, err := pki.CreateCRL(pki.CRLRequest{Number: num, ThisUpdate: now, NextUpdate: next, Revoked: revs}, cert, key)
		if err != nil {
			return err
		}
		if err := s.writeCRL(dir, num, der); err != nil {
			return err
		}
		// Said from the values just signed: parsing 100,000 entries back
		// would cost as much as signing them.
		out = &CRLState{Number: pki.SerialHex(num), ThisUpdate: now, NextUpdate: next, Entries: len(revs),
			ExpiresIn: next.Sub(s.now()), Path: filepath.Join(dir, "crl.pem")}
		return nil
	})
	return out, err
}

func readCRLNumber(path string) (*big.Int, error) {
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return big.NewInt(1), nil
	}
	if err != nil {
		return nil, err
	}
	n, ok := new(big.Int).SetString(strings.TrimSpace(string(b)), 16)
	if !ok || n.Sign() < 0 {
		return nil, fmt.Errorf("%s: %q is not a hexadecimal CRL number", path, strings.TrimSpace(string(b)))
	}
	return n, nil
}

// writeCRL writes a publication in an order that a crash at any point
// leaves recoverable without guessing: the marker (which number is being
// published), crlnumber advanced (a crash after this skips a number, never
// reuses one), the history file crl/<number>.pem (the truth), then crl.der
// and crl.pem from it, then the marker is removed. The next write rolls an
// interrupted publication forward from the history file (finishCRL).
func (s *Store) writeCRL(dir string, num *big.Int, der []byte) error {
	if err := os.MkdirAll(filepath.Join(dir, "crl"), 0o700); err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(dir, crlMarker), []byte(pki.SerialHex(num)+"\n"), 0o644); err != nil {
		return err
	}
	s.step("CRL marker written")
	if err := ensureCRLNumberAbove(dir, num); err != nil {
		return err
	}
	s.step("crlnumber advanced")
	if err := writeFileAtomic(filepath.Join(dir, "crl", pki.SerialHex(num)+".pem"), pki.EncodeCRLPEM(der), 0o644); err != nil {
		return err
	}
	s.step("CRL history written")
	if err := s.placeCRL(dir, der); err != nil {
		return err
	}
	return os.Remove(filepath.Join(dir, crlMarker))
}

// placeCRL writes crl.der and crl.pem (each atomically) from one CRL.
func (s *Store) placeCRL(dir string, der []byte) error {
	if err := writeFileAtomic(filepath.Join(dir, "crl.der"), der, 0o644); err != nil {
		return err
	}
	s.step("crl.der written")
	if err := writeFileAtomic(filepath.Join(dir, "crl.pem"), pki.EncodeCRLPEM(der), 0o644); err != nil {
		return err
	}
	s.step("crl.pem written")
	return nil
}

// ensureCRLNumberAbove makes crlnumber at least num+1.
func ensureCRLNumberAbove(dir string, num *big.Int) error {
	cur, err := readCRLNumber(filepath.Join(dir, "crlnumber"))
	if err != nil {
		return err
	}
	next := new(big.Int).Add(num, big.NewInt(1))
	if cur.Cmp(next) >= 0 {
		return nil
	}
	return writeFileAtomic(filepath.Join(dir, "crlnumber"), []byte(pki.SerialHex(next)+"\n"), 0o644)
}
