package store

import (
	"os"
	"path/filepath"
	"strings"
)

// RemoveLab deletes every CA and certificate the lab made (ca.json or
// meta.json with "lab": true) and nothing else, under the store lock.
func (s *Store) RemoveLab() ([]string, error) {
	var removed []string
	err := s.write(func() error {
		cas, err := os.ReadDir(filepath.Join(s.root, "cas"))
		if err != nil {
			return err
		}
		for _, e := range cas {
			if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
				continue
			}
			m, err := s.readCAMeta(e.Name())
			if err != nil || !m.Lab {
				continue
			}
			if err := os.RemoveAll(s.caDir(e.Name())); err != nil {
				return err
			}
			removed = append(removed, "cas/"+e.Name())
		}
		certs, err := os.ReadDir(filepath.Join(s.root, "certs"))
		if err != nil {
			return err
		}
		for _, e := range certs {
			if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
				continue
			}
			var m certMeta
			if readJSON(filepath.Join(s.certDir(e.Name()), "meta.json"), &m) != nil || !m.Lab {
				continue
			}
			if err := os.RemoveAll(s.certDir(e.Name())); err != nil {
				return err
			}
			removed = append(removed, "certs/"+e.Name())
		}
		return syncDir(filepath.Join(s.root, "certs"))
	})
	return removed, err
}
