package store

import (
	"fmt"
	"path/filepath"

	"github.com/pkibench/pkibench/pki"
)

// Locate returns the CA and serial (index form) of a certificate name,
// an intermediate CA name or CA/SERIAL.
func (s *Store) Locate(target string) (ca, serial string, err error) {
	c, n, err := s.locate(target)
	if err != nil {
		return "", "", err
	}
	return c, pki.SerialHex(n), nil
}

// IssuerOf names the store CA that issued a certificate or CA name, "" for a
// root or a foreign import.
func (s *Store) IssuerOf(name string) (string, error) {
	if err := CheckName(name); err != nil {
		return "", err
	}
	switch {
	case exists(s.certDir(name)):
		var m certMeta
		if err := readJSON(filepath.Join(s.certDir(name), "meta.json"), &m); err != nil {
			return "", err
		}
		return m.CA, nil
	case exists(s.caDir(name)):
		m, err := s.readCAMeta(name)
		return m.Parent, err
	case exists(s.impDir(name)):
		return "", nil
	}
	return "", &NotFoundError{"certificate", name}
}

// RootCA names the store root CA above a certificate or CA name (the CA
// itself for a root).
func (s *Store) RootCA(name string) (string, error) {
	cur := name
	for i := 0; i < 16; i++ {
		up, err := s.IssuerOf(cur)
		if err != nil {
			return "", err
		}
		if up == "" {
			if exists(s.caDir(cur)) {
				return cur, nil
			}
			return "", fmt.Errorf("%s does not chain to a CA in the store", name)
		}
		cur = up
	}
	return "", fmt.Errorf("%s: CA chain deeper than 16", name)
}
