package store

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// ListFilter narrows List.
type ListFilter struct {
	CA     string
	Status Status
	// IncludeCAs lists intermediates recorded in their parent's index.
	IncludeCAs bool
}

// List reads the CAs' index.txt files (never the certificates) and the
// imported folder, so it stays fast at 100,000 certificates.
func (s *Store) List(f ListFilter) ([]Cert, error) {
	cas, err := os.ReadDir(filepath.Join(s.root, "cas"))
	if err != nil {
		return nil, err
	}
	now := s.now()
	var out []Cert
	for _, ca := range cas {
		if !ca.IsDir() || strings.HasPrefix(ca.Name(), ".") || (f.CA != "" && ca.Name() != f.CA) {
			continue
		}
		path := filepath.Join(s.caDir(ca.Name()), "index.txt")
		data, err := readIndexFile(path)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		profiles := readProfiles(s.caDir(ca.Name()))
		out = slices.Grow(out, bytes.Count(data, []byte{'\n'}))
		_, err = eachIndexRow(data, path, func(e Entry) {
			kind := "issued"
			if strings.HasPrefix(e.File, "cas/") {
				if !f.IncludeCAs {
					return
				}
				kind = "ca"
			} else if strings.HasPrefix(e.File, "imported/") {
				kind = "imported"
			}
			st := e.Status(now)
			if f.Status != "" && st != f.Status {
				return
			}
			serial := e.SerialHex()
			c := Cert{Name: e.Name(), CA: ca.Name(), Serial: serial, Subject: indexSubjectDisplay(e.Subject), NotAfter: e.NotAfter,
				Status: st, Kind: kind, Profile: profiles[serial]}
			if e.Flag == 'R' {
				c.RevokedAt = e.RevokedAt
				if e.HasReason {
					c.Reason = e.Reason.String()
				}
			}
			out = append(out, c)
		})
		if err != nil {
			return nil, err
		}
	}
	if f.CA == "" {
		imp, err := s.listImported(f)
		if err != nil {
			return nil, err
		}
		out = append(out, imp...)
	}
	// CAs come in name order (ReadDir sorts) and each CA's certificates in
	// issue order, as its index holds them; sorting 100,000 rows here would
	// cost more than reading them, and the TUI sorts by any column itself.
	return out, nil
}

// listImported lists foreign material kept in imported/ (not in any index).
func (s *Store) listImported(f ListFilter) ([]Cert, error) {
	ents, err := os.ReadDir(filepath.Join(s.root, "imported"))
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []Cert
	now := s.now()
	for _, e := range ents {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		var m importMeta
		if err := readJSON(filepath.Join(s.impDir(e.Name()), "meta.json"), &m); err != nil {
			return nil, err
		}
		st := StatusValid
		if !m.NotAfter.IsZero() && now.After(m.NotAfter) {
			st = StatusExpired
		}
		if f.Status != "" && st != f.Status {
			continue
		}
		out = append(out, Cert{Name: e.Name(), Serial: m.Serial, Subject: m.Subject, NotAfter: m.NotAfter, Status: st,
			Kind: "imported", Dir: s.impDir(e.Name())})
	}
	return out, nil
}

// Stamp changes whenever the store is written, by this process or another:
// it joins the modification times and sizes of what listing reads (the CA,
// certificate and import folders, every CA's index and CRL). A few stats a
// CA, so the TUI can poll it to follow a command line working beside it.
func (s *Store) Stamp() string {
	var b strings.Builder
	stamp := func(p string) {
		if fi, err := os.Stat(p); err == nil {
			fmt.Fprintf(&b, "%d.%d;", fi.ModTime().UnixNano(), fi.Size())
		} else {
			b.WriteString("-;")
		}
	}
	for _, d := range []string{"cas", "certs", "imported"} {
		stamp(filepath.Join(s.root, d))
	}
	if names, err := s.CANames(); err == nil {
		for _, n := range names {
			b.WriteString(n + ":")
			stamp(filepath.Join(s.caDir(n), "index.txt"))
			stamp(filepath.Join(s.caDir(n), "crl.der"))
		}
	}
	return b.String()
}
