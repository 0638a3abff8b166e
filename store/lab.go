package store

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
)

// RemoveLab deletes every CA and certificate the lab made (ca.json or
// meta.json with "lab": true) and nothing else, under the store lock.
func (s *Store) RemoveLab() ([]string, error) {
	var removed []string
	err := s.write(func() error {
		// Certificates first: a kill between leaves lab CAs whose index
		// names removed folders (check: fine), never certificates whose CA
		// is gone.
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
			if err := s.removeFolder(s.certDir(e.Name())); err != nil {
				return err
			}
			removed = append(removed, "certs/"+e.Name())
		}
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
			if err := s.removeFolder(s.caDir(e.Name())); err != nil {
				return err
			}
			removed = append(removed, "cas/"+e.Name())
		}
		return nil
	})
	return removed, err
}

// removeFolder takes a CA or certificate folder out of the store at once:
// renamed to a hidden .tmp- name (one atomic step, made durable), then
// deleted. A kill in the middle of the deletion leaves only that hidden
// leftover, which nothing reads and check --repair removes; never a CA
// folder without its ca.crt or ca.json, which every listing would trip on
// and which no longer says it belongs to the lab.
func (s *Store) removeFolder(p string) error {
	parent := filepath.Dir(p)
	var rnd [6]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return err
	}
	tmp := filepath.Join(parent, ".tmp-removed-"+filepath.Base(p)+"-"+hex.EncodeToString(rnd[:]))
	if err := os.Rename(p, tmp); err != nil {
		return err
	}
	if err := syncDir(parent); err != nil {
		return err
	}
	s.step("folder moved aside")
	return os.RemoveAll(tmp)
}
