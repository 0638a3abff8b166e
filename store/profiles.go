package store

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/pkibench/pkibench/store/layout"
)

// profilesFile sits beside index.txt: "SERIAL<TAB>profile" a line, appended
// before the index lines of the same certificates, so listing can show each
// certificate's profile without opening 100,000 meta.json files. openssl
// ignores it. A line whose serial never reached the index (a crash between
// the two appends) is simply never looked up.
const profilesFile = layout.ProfilesTSV

// appendProfiles records the profile of each entry (kept unsynced: the
// index append that follows syncs the folder's data with it, and a lost
// line only blanks a column).
func appendProfiles(caDir string, es []Entry, profile func(Entry) string) error {
	var b strings.Builder
	for _, e := range es {
		if p := profile(e); p != "" {
			b.WriteString(e.SerialHex() + "\t" + p + "\n")
		}
	}
	if b.Len() == 0 {
		return nil
	}
	f, err := os.OpenFile(filepath.Join(caDir, profilesFile), os.O_WRONLY|os.O_APPEND|os.O_CREATE|syscall.O_NOFOLLOW, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(b.String()); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// readProfiles maps serials to profiles for one CA; a missing file (a store
// made by openssl, or before this file existed) gives an empty map, and so
// does anything but a plain file planted there (a FIFO would block list, a
// link to /dev/zero would never end) or one larger than an index can be.
func readProfiles(caDir string) map[string]string {
	data, err := readRegular(filepath.Join(caDir, profilesFile), maxIndexSize)
	if err != nil {
		return nil
	}
	out := make(map[string]string, bytes.Count(data, []byte{'\n'}))
	// One string for the file, every key and value a slice of it: a CA of
	// 100,000 certificates has as many lines, read on every list.
	for text := string(data); text != ""; {
		line, rest, _ := strings.Cut(text, "\n")
		text = rest
		if serial, p, ok := strings.Cut(strings.TrimSuffix(line, "\r"), "\t"); ok {
			out[serial] = p
		}
	}
	return out
}

// appendRecords appends the profiles, then the index lines (the commit
// point). When the index append fails, profiles.tsv is put back as it was,
// so a failed operation leaves every byte of the CA folder unchanged.
func (s *Store) appendRecords(caDir string, es []Entry, profile func(Entry) string) error {
	pf := filepath.Join(caDir, profilesFile)
	size := int64(-1)
	if fi, err := os.Stat(pf); err == nil {
		size = fi.Size()
	}
	if err := appendProfiles(caDir, es, profile); err != nil {
		return err
	}
	s.step("profiles appended")
	before, _ := statIndex(filepath.Join(caDir, "index.txt"))
	if err := appendIndex(filepath.Join(caDir, "index.txt"), es); err != nil {
		if size >= 0 {
			os.Truncate(pf, size)
		} else {
			os.Remove(pf)
		}
		return err
	}
	s.step("index appended")
	s.refreshCounts(caDir, before, countsDelta{add: es})
	return nil
}
