package store

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/pkibench/pkibench/pki"
)

// CRLIssuerError refuses a CRL that names a store CA as its issuer but is
// not signed by that CA's key: attaching it would let it revoke (or fail
// to revoke) certificates in the CA's name.
type CRLIssuerError struct {
	Source, CA string
	Err        error
}

func (e *CRLIssuerError) Error() string {
	return fmt.Sprintf("%s: the CRL names the store CA %s as its issuer, but its signature does not verify with that CA's key: %v", e.Source, e.CA, e.Err)
}

func (e *CRLIssuerError) Unwrap() error { return e.Err }

// crlCA finds the store CA that signed crl: "" when no store CA has its
// issuer name, a *CRLIssuerError when one has the name but not the key.
func (s *Store) crlCA(crl *x509.RevocationList, source string) (string, error) {
	names, err := s.CANames()
	if err != nil {
		return "", err
	}
	var firstErr error
	for _, n := range names {
		cert, err := s.caCert(n)
		if err != nil || !bytes.Equal(cert.RawSubject, crl.RawIssuer) {
			continue
		}
		if _, err := pki.CheckCRLSignature(crl, cert); err != nil {
			if firstErr == nil {
				firstErr = &CRLIssuerError{Source: source, CA: n, Err: err}
			}
			continue
		}
		return n, nil
	}
	return "", firstErr
}

// newerCRL orders two CRLs of one CA: by CRL number when both carry one,
// else by thisUpdate (RFC 5280 5.2.3: the number increases monotonically;
// v1 CRLs from `openssl ca -gencrl` without a crlnumber file have none).
func newerCRL(a, b pki.CRLHeader) bool {
	if a.Number != nil && b.Number != nil && a.Number.Cmp(b.Number) != 0 {
		return a.Number.Cmp(b.Number) > 0
	}
	return a.ThisUpdate.After(b.ThisUpdate)
}

// attachCRL files crl with the store CA ca: always in its history (crl/),
// and as the current CRL (crl.der and crl.pem, the same CRL) when it is
// newer than the current one. A numbered CRL moves crlnumber past its
// number, so the CA's next publication does not reuse it. It returns
// whether the CRL became current.
func (s *Store) attachCRL(ca string, crl *x509.RevocationList) (bool, error) {
	dir := s.caDir(ca)
	h, err := pki.ParseCRLHeader(crl.Raw)
	if err != nil {
		return false, err
	}
	pemb := pki.EncodeCRLPEM(crl.Raw)
	if err := os.MkdirAll(filepath.Join(dir, "crl"), 0o700); err != nil {
		return false, err
	}
	name := crlHistoryName(h)
	hist := filepath.Join(dir, "crl", name)
	old, err := os.ReadFile(hist)
	same := err == nil && bytes.Equal(old, pemb)
	if err == nil && !same {
		// Same number or time, other content: keep both.
		sum := sha256.Sum256(crl.Raw)
		name = strings.TrimSuffix(name, ".pem") + "-" + hex.EncodeToString(sum[:4]) + ".pem"
		hist = filepath.Join(dir, "crl", name)
	}
	// A delta CRL lists only changes since its base: it never replaces
	// the full CRL that servers and probes read.
	current := !h.Delta
	if cur, err := os.ReadFile(filepath.Join(dir, "crl.der")); err == nil && current {
		if ch, err := pki.ParseCRLHeader(cur); err == nil && !newerCRL(h, ch) {
			current = false
		}
	}
	// The order of a publication (writeCRL): the marker names the history
	// file that becomes current, crlnumber moves first (a kill then skips
	// a number, never reuses one), the history file is the truth, crl.der
	// and crl.pem follow it. The next write or check --repair rolls an
	// interrupted import forward from the history file (finishCRL).
	if current {
		if err := writeFileAtomic(filepath.Join(dir, crlMarker), []byte(crlMarkerFile+name+"\n"), 0o644); err != nil {
			return false, err
		}
		s.step("CRL marker written")
	}
	if h.Number != nil {
		if err := ensureCRLNumberAbove(dir, h.Number); err != nil {
			return false, err
		}
		s.step("crlnumber advanced")
	}
	if !same {
		if err := writeFileAtomic(hist, pemb, 0o644); err != nil {
			return false, err
		}
		s.step("CRL history written")
	}
	if !current {
		return false, nil
	}
	if err := s.placeCRL(dir, crl.Raw); err != nil {
		return false, err
	}
	return true, os.Remove(filepath.Join(dir, crlMarker))
}

// isDeltaCRL reports whether crl carries the Delta CRL Indicator.
func isDeltaCRL(crl *x509.RevocationList) bool {
	h, err := pki.ParseCRLHeader(crl.Raw)
	return err == nil && h.Delta
}

// crlHistoryName is crl/<number>.pem, as PublishCRL names them, or
// t<thisUpdate>.pem for a CRL without a number.
func crlHistoryName(h pki.CRLHeader) string {
	if h.Number != nil {
		return pki.SerialHex(h.Number) + ".pem"
	}
	return "t" + h.ThisUpdate.UTC().Format("20060102T150405Z") + ".pem"
}

// importCRLs attaches CRLs issued by store CAs to them. It handles the
// import only when every CRL has its CA in the store; otherwise (a CRL of
// a CA the store does not hold) the caller keeps the files in imported/.
func (s *Store) importCRLs(crls []*x509.RevocationList, sources []string, out *Imported) (bool, error) {
	cas := make([]string, len(crls))
	src := strings.Join(sources, ", ")
	for i, l := range crls {
		ca, err := s.crlCA(l, src)
		if err != nil {
			return false, err
		}
		if ca == "" {
			return false, nil
		}
		cas[i] = ca
	}
	*out = Imported{Kind: "crl"}
	for i, l := range crls {
		current, err := s.attachCRL(cas[i], l)
		if err != nil {
			return false, err
		}
		what := "CRL"
		if l.Number != nil {
			what = "CRL number " + l.Number.String()
		}
		switch {
		case current:
			out.Notes = append(out.Notes, fmt.Sprintf("%s (thisUpdate %s) is now the current CRL of CA %s", what, l.ThisUpdate.UTC().Format("2006-01-02 15:04Z"), cas[i]))
		case isDeltaCRL(l):
			out.Notes = append(out.Notes, fmt.Sprintf("%s (thisUpdate %s) is a delta CRL (only the changes since its base CRL): kept in the history of CA %s; the current CRL stays the full one servers read", what, l.ThisUpdate.UTC().Format("2006-01-02 15:04Z"), cas[i]))
		default:
			out.Notes = append(out.Notes, fmt.Sprintf("%s (thisUpdate %s) kept in the history of CA %s, which has a newer CRL", what, l.ThisUpdate.UTC().Format("2006-01-02 15:04Z"), cas[i]))
		}
		out.Name, out.CA, out.Subject, out.Dir = cas[i], cas[i], pki.FormatName(l.Issuer), s.caDir(cas[i])
	}
	return true, nil
}
