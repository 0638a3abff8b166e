package store

import (
	"bytes"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pkibench/pkibench/pki"
)

// RevokeOptions describe a revocation.
type RevokeOptions struct {
	Reason pki.Reason
	// At is the revocation time; zero means now.
	At time.Time
	// Release takes a certificate off hold (certificateHold only).
	Release bool
}

// AlreadyRevokedError refuses to revoke twice.
type AlreadyRevokedError struct {
	Target string
	At     time.Time
	Reason string
}

func (e *AlreadyRevokedError) Error() string {
	return fmt.Sprintf("%s is already revoked (since %s, %s)", e.Target, e.At.UTC().Format(time.RFC3339), e.Reason)
}

// Revoked is what a revocation changed.
type Revoked struct {
	Cert Cert `json:"cert"`
	// Below lists the certificates under a revoked CA, which all stop verifying.
	Below []string `json:"below,omitempty"`
}

// Revoke marks a certificate revoked in its CA's index. target is a name
// (certificate or intermediate CA) or CA/SERIAL. Nothing changes on error.
func (s *Store) Revoke(target string, o RevokeOptions) (Revoked, error) {
	var out Revoked
	if !o.At.IsZero() {
		// The CLI refuses these as usage errors; the store refuses them too,
		// so that no caller can write an index line openssl cannot read (a
		// five-digit year) or a revocation dated in the future.
		if r := pki.RevocationRange(s.now()); o.At.Before(r.Min) || o.At.After(r.Max) {
			return out, fmt.Errorf("revoke %s at %s: a revocation time lies between %s and now (%s): %w", target,
				describeYear(o.At), r.Min.Format("2006-01-02"), r.Max.UTC().Format(time.RFC3339), pki.ErrTimeRange)
		}
	}
	err := s.write(func() error {
		ca, serial, err := s.locate(target)
		if err != nil {
			return err
		}
		m, err := s.readCAMeta(ca)
		if err != nil {
			return err
		}
		if !exists(filepath.Join(s.caDir(ca), "ca.key")) && !m.HasKey {
			return fmt.Errorf("CA %q: %w", ca, ErrNoCAKey)
		}
		path := filepath.Join(s.caDir(ca), "index.txt")
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		// Only the one line is parsed and replaced; the rest of the index is
		// copied as bytes, so a revoke at 100,000 certificates stays cheap.
		data, start, end, entry, err := findLine(data, path, serial)
		if err != nil {
			return err
		}
		if start < 0 {
			return &NotFoundError{"serial " + pki.SerialHex(serial) + " in CA", ca}
		}
		e := &entry
		if o.Release {
			if e.Flag != 'R' || !e.HasReason || e.Reason != 6 {
				return fmt.Errorf("%s is not on hold (certificateHold): only a hold can be released", target)
			}
			e.Flag, e.RevokedAt, e.HasReason, e.Reason = 'V', time.Time{}, false, 0
		} else {
			if e.Flag == 'R' {
				return &AlreadyRevokedError{target, e.RevokedAt, e.Reason.String()}
			}
			at := o.At
			if at.IsZero() {
				at = s.now()
			}
			e.Flag, e.RevokedAt, e.Reason, e.HasReason = 'R', at.UTC().Truncate(time.Second), o.Reason, true
		}
		updated := make([]byte, 0, len(data)+32)
		updated = append(append(append(updated, data[:start]...), e.Line()...), data[end:]...)
		if err := writeFileAtomic(path, updated, 0o644); err != nil {
			return err
		}
		out.Cert = Cert{Name: e.Name(), CA: ca, Serial: e.SerialHex(), Subject: e.Subject, NotAfter: e.NotAfter,
			Status: e.Status(s.now()), RevokedAt: e.RevokedAt}
		if e.HasReason {
			out.Cert.Reason = e.Reason.String()
		}
		if strings.HasPrefix(e.File, "cas/") {
			out.Below = s.below(e.Name())
		}
		return nil
	})
	return out, err
}

// below lists every certificate issued under a CA and its sub-CAs.
func (s *Store) below(ca string) []string {
	var out []string
	es, _ := readIndex(filepath.Join(s.caDir(ca), "index.txt"))
	for _, e := range es {
		out = append(out, ca+"/"+e.Name())
		if strings.HasPrefix(e.File, "cas/") {
			out = append(out, s.below(e.Name())...)
		}
	}
	return out
}

// findLine locates the index line of serial: its byte range (end after the
// newline) and its parsed entry, in data or, for an index not in openssl's
// normal spelling, in data rewritten normally (returned); start is -1 when
// no line has the serial.
func findLine(data []byte, path string, serial *big.Int) (out []byte, start, end int, e Entry, err error) {
	needle := []byte("\t" + pki.SerialHex(serial) + "\t")
	for from := 0; ; {
		i := bytes.Index(data[from:], needle)
		if i < 0 {
			break
		}
		i += from
		start = bytes.LastIndexByte(data[:i], '\n') + 1
		end = bytes.IndexByte(data[i:], '\n')
		if end < 0 {
			break // a torn last line is not an entry
		}
		end += i + 1
		line, perr := parseIndexLine(string(data[start : end-1]))
		if perr != nil {
			return nil, 0, 0, Entry{}, &IndexError{File: path, Line: bytes.Count(data[:start], []byte{'\n'}) + 1, Reason: perr.Error()}
		}
		if line.Serial.Cmp(serial) == 0 {
			return data, start, end, line, nil
		}
		from = end
	}
	// A serial spelt otherwise (lower case, odd length): parse everything.
	es, _, err := ParseIndex(data, path)
	if err != nil {
		return nil, 0, 0, Entry{}, err
	}
	i := findSerial(es, serial)
	if i < 0 {
		return data, -1, -1, Entry{}, nil
	}
	var b []byte
	for j, x := range es {
		if j == i {
			start = len(b)
		}
		b = append(b, x.Line()...)
		if j == i {
			end = len(b)
		}
	}
	return b, start, end, es[i], nil
}

func findSerial(es []Entry, serial *big.Int) int {
	for i, e := range es {
		if e.Serial.Cmp(serial) == 0 {
			return i
		}
	}
	return -1
}

// locate finds the CA and serial of a target: a certificate name, an
// intermediate CA name, or CA/SERIAL (hex).
func (s *Store) locate(target string) (string, *big.Int, error) {
	if ca, hex, ok := strings.Cut(target, "/"); ok {
		if err := CheckName(ca); err != nil {
			return "", nil, err
		}
		n, ok := new(big.Int).SetString(hex, 16)
		if !ok {
			return "", nil, fmt.Errorf("%q: serial %q is not hexadecimal (expected CA/SERIAL)", target, hex)
		}
		if !exists(s.caDir(ca)) {
			return "", nil, &NotFoundError{"CA", ca}
		}
		return ca, n, nil
	}
	if err := CheckName(target); err != nil {
		return "", nil, err
	}
	var meta certMeta
	switch {
	case exists(s.certDir(target)):
		if err := readJSON(filepath.Join(s.certDir(target), "meta.json"), &meta); err != nil {
			return "", nil, err
		}
		if meta.CA == "" || meta.Serial == "" {
			return "", nil, fmt.Errorf("%s has no certificate from a store CA (pending CSR?)", target)
		}
		n, _ := new(big.Int).SetString(meta.Serial, 16)
		return meta.CA, n, nil
	case exists(s.caDir(target)):
		m, err := s.readCAMeta(target)
		if err != nil {
			return "", nil, err
		}
		if m.Parent == "" {
			return "", nil, fmt.Errorf("%s is a root CA: nobody above it can revoke it; remove it from the trust stores instead", target)
		}
		c, err := s.caCert(target)
		if err != nil {
			return "", nil, err
		}
		return m.Parent, c.SerialNumber, nil
	case exists(s.impDir(target)):
		return "", nil, s.importedNotRevocable(target)
	}
	return "", nil, &NotFoundError{"certificate", target}
}

// describeYear formats t, even when its year does not fit four digits.
func describeYear(t time.Time) string {
	if y := t.UTC().Year(); y < 0 || y > 9999 {
		return fmt.Sprintf("year %d", y)
	}
	return t.UTC().Format(time.RFC3339)
}

// importedNotRevocable says why an import cannot be revoked: its CA is not
// in the store, or it is (the certificate stayed in imported/ because its
// serial was taken in that CA's index, e.g. openssl's -set_serial 0).
func (s *Store) importedNotRevocable(target string) error {
	if certs, err := readCerts(filepath.Join(s.impDir(target), "cert.pem")); err == nil && len(certs) > 0 {
		if ca := s.issuerInStore(certs[0]); ca != "" {
			holder := "another certificate"
			if es, err := readIndex(filepath.Join(s.caDir(ca), "index.txt")); err == nil {
				if i := findSerial(es, certs[0].SerialNumber); i >= 0 {
					holder = fmt.Sprintf("%q", es[i].Name())
				}
			}
			return fmt.Errorf("%s was issued by the store CA %s, but its serial %s is already %s's in that CA's index (kept in imported/): a CRL revokes by serial, so revoking it means revoking %s",
				target, ca, pki.SerialHex(certs[0].SerialNumber), holder, holder)
		}
	}
	return fmt.Errorf("%s was imported from a CA that is not in the store: only its own CA can revoke it", target)
}
