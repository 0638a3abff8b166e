package store

import (
	"os"
	"path/filepath"
	"strings"
)

// journalFile sits in a CA folder while an issue batch is between its first
// rename and its index append. The index line is the commit point: after a
// crash, whatever the journal lists without an index line never happened,
// and the next write (or check --repair) removes it.
const journalFile = ".pending.json"

type journalItem struct {
	Serial string   `json:"serial"`
	Paths  []string `json:"paths"` // relative to the store
}

type journal struct {
	Items []journalItem `json:"items"`
}

func (s *Store) journalPath(ca string) string { return filepath.Join(s.caDir(ca), journalFile) }

// pendingJournals lists the CAs with an interrupted issue batch.
func (s *Store) pendingJournals() []string {
	cas, err := os.ReadDir(filepath.Join(s.root, "cas"))
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range cas {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") && exists(s.journalPath(e.Name())) {
			out = append(out, e.Name())
		}
	}
	return out
}

// uncommitted returns the journal's items whose serial has no index line.
func (s *Store) uncommitted(ca string) ([]journalItem, error) {
	var j journal
	if err := readJSON(s.journalPath(ca), &j); err != nil {
		return nil, err
	}
	es, err := readIndex(filepath.Join(s.caDir(ca), "index.txt"))
	if err != nil {
		return nil, err
	}
	in := make(map[string]bool, len(es))
	for _, e := range es {
		in[e.SerialHex()] = true
	}
	var out []journalItem
	for _, it := range j.Items {
		if !in[it.Serial] {
			out = append(out, it)
		}
	}
	return out, nil
}

// rollBack removes what interrupted batches left without an index line.
// It runs under the store lock at the start of every write.
func (s *Store) rollBack() ([]string, error) {
	var removed []string
	for _, ca := range s.pendingJournals() {
		items, err := s.uncommitted(ca)
		if err != nil {
			return removed, err
		}
		for _, it := range items {
			for _, p := range it.Paths {
				if strings.Contains(p, "..") {
					continue
				}
				if err := os.RemoveAll(filepath.Join(s.root, p)); err != nil {
					return removed, err
				}
				removed = append(removed, p)
			}
		}
		if err := os.Remove(s.journalPath(ca)); err != nil {
			return removed, err
		}
	}
	return removed, nil
}
