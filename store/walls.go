package store

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/pkibench/pkibench/store/layout"
)

// LinkError refuses a write because a path inside the store is a symbolic
// link (or not what pkibench made there): writing through it could put keys
// and certificates anywhere on the machine.
type LinkError struct {
	Path string
	What string // "a symbolic link", "not a folder", ...
}

func (e *LinkError) Error() string {
	return fmt.Sprintf("%s is %s; pkibench never writes through links inside the store (remove it; `pkibench check` lists them)", e.Path, e.What)
}

// caFolderEntries are what a write may create or replace in a CA folder.
var caFolderEntries = []struct {
	name string
	dir  bool
}{
	{"certs", true}, {"crl", true}, {"index.txt", false}, {"index.txt.attr", false}, {layout.IndexCounts, false}, {profilesFile, false},
	{"crlnumber", false}, {"crl.pem", false}, {"crl.der", false}, {journalFile, false}, {crlMarker, false},
	{"ca.crt", false}, {"ca.key", false}, {"chain.pem", false}, {"ca.json", false},
}

// checkWalls runs under the lock before every write: the store's folders
// and every CA folder (and what a write may touch inside it) must be what
// pkibench made there, never a link. New files are then created with
// O_EXCL or renamed into place, and appends use O_NOFOLLOW, so no write
// follows a link at any component below the store's root. (The root itself
// is the user's choice and may be reached through a link.)
func (s *Store) checkWalls() error {
	for _, d := range []string{"cas", "certs", "imported"} {
		if err := isRealDir(filepath.Join(s.root, d)); err != nil {
			return err
		}
	}
	cas, err := os.ReadDir(filepath.Join(s.root, "cas"))
	if err != nil {
		return err
	}
	for _, e := range cas {
		dir := filepath.Join(s.root, "cas", e.Name())
		if e.Type()&os.ModeSymlink != 0 {
			return &LinkError{dir, "a symbolic link"}
		}
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		for _, f := range caFolderEntries {
			p := filepath.Join(dir, f.name)
			fi, err := os.Lstat(p)
			if err != nil {
				continue // absent: created with O_EXCL or by rename
			}
			switch {
			case fi.Mode()&os.ModeSymlink != 0:
				return &LinkError{p, "a symbolic link"}
			case f.dir && !fi.IsDir():
				return &LinkError{p, "not a folder"}
			case !f.dir && !fi.Mode().IsRegular():
				return &LinkError{p, "not a regular file"}
			}
		}
	}
	return nil
}

func isRealDir(p string) error {
	fi, err := os.Lstat(p)
	if err != nil {
		return err
	}
	if fi.Mode()&os.ModeSymlink != 0 {
		return &LinkError{p, "a symbolic link"}
	}
	if !fi.IsDir() {
		return &LinkError{p, "not a folder"}
	}
	return nil
}

// checkLockFile refuses a .lock that is a link: locking opens it with
// O_CREATE, which would create the link's target outside the store.
func (s *Store) checkLockFile() error {
	p := filepath.Join(s.root, ".lock")
	fi, err := os.Lstat(p)
	if err == nil && !fi.Mode().IsRegular() {
		return &LinkError{p, "not a regular file"}
	}
	return nil
}
