// Package store owns every byte of a pkibench directory store (DESIGN.md §3):
// layout, names, the lock, atomic writes and openssl's index.txt. The CLI and
// the TUI call the same operations here, so none is written twice.
package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/gofrs/flock"

	"github.com/pkibench/pkibench/store/layout"
)

// Format is the store.json format this code writes and reads.
const Format = 1

// Store is an opened store directory.
type Store struct {
	root string
	// now is the clock; tests and the lab may set it.
	now func() time.Time
	// stepHook, when set (crash tests only), is called at every point
	// between two file operations of a multi-file write.
	stepHook func(point string)
	// recountHook, when set (tests only), is called whenever a CA's
	// counts are read from its index rather than from index.counts.
	recountHook func(ca string)
}

// step marks a point between two file operations of a multi-file write;
// the crash tests kill the process at each of them in turn.
func (s *Store) step(point string) {
	if s.stepHook != nil {
		s.stepHook(point)
	}
}

// ErrNotStore is returned by Open for a folder that is not a pkibench store.
var ErrNotStore = errors.New("not a pkibench store (no store.json)")

// NotFoundError names what was looked up and not found.
type NotFoundError struct{ What, Name string }

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("%s %q not found in the store", e.What, e.Name)
}

// ExistsError is returned when a name is already taken.
type ExistsError struct{ What, Name string }

func (e *ExistsError) Error() string {
	return fmt.Sprintf("%s %q already exists in the store (choose another name)", e.What, e.Name)
}

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

// NameError says why a name is refused.
type NameError struct{ Name string }

func (e *NameError) Error() string {
	return fmt.Sprintf("invalid name %q: expected 1-64 characters of a-z 0-9 . _ - starting with a letter or digit", e.Name)
}

// CheckName refuses anything that is not [a-z0-9][a-z0-9._-]{0,63}; such a
// name can never be a path (no '/', no '..' start, no spaces).
func CheckName(name string) error {
	if !nameRE.MatchString(name) || name == "." || name == ".." {
		return &NameError{name}
	}
	return nil
}

// Open opens an existing store.
func Open(dir string) (*Store, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(filepath.Join(abs, "store.json"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s: %w", abs, ErrNotStore)
	}
	if err != nil {
		return nil, err
	}
	var meta struct {
		Format int `json:"format"`
	}
	if err := json.Unmarshal(b, &meta); err != nil {
		return nil, fmt.Errorf("%s: store.json: %w", abs, err)
	}
	if meta.Format != Format {
		return nil, fmt.Errorf("%s: store.json: format %d is not supported (expected %d)", abs, meta.Format, Format)
	}
	return &Store{root: abs, now: time.Now}, nil
}

// OpenOrCreate opens dir, creating an empty store (0700) when it does not exist
// or is an empty folder.
func OpenOrCreate(dir string) (*Store, error) {
	s, err := Open(dir)
	if err == nil || !errors.Is(err, ErrNotStore) {
		return s, err
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if entries, err := os.ReadDir(abs); err == nil && !creationLeftovers(abs, entries) {
		return nil, fmt.Errorf("%s: folder exists, is not empty and is not a pkibench store; choose another --store", abs)
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, err
	}
	if err := os.Chmod(abs, 0o700); err != nil {
		return nil, err
	}
	for _, d := range []string{"cas", "certs", "imported"} {
		if err := os.MkdirAll(filepath.Join(abs, d), 0o700); err != nil {
			return nil, err
		}
		if err := os.Chmod(filepath.Join(abs, d), 0o700); err != nil {
			return nil, err
		}
	}
	if err := os.WriteFile(filepath.Join(abs, ".lock"), nil, 0o600); err != nil {
		return nil, err
	}
	if err := writeFileAtomic(filepath.Join(abs, "store.json"), []byte("{\"format\": 1}\n"), 0o644); err != nil {
		return nil, err
	}
	return &Store{root: abs, now: time.Now}, nil
}

// creationLeftovers reports whether entries are only what an interrupted
// creation leaves (store.json is written last): the empty folders cas,
// certs and imported, an empty .lock and a temporary store.json. Such a
// folder is completed, not refused for good; anything else (a link, a
// file of the user's, a folder with content) is not ours to take over.
// The temporary file is removed.
func creationLeftovers(dir string, entries []os.DirEntry) bool {
	var tmps []string
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		fi, err := os.Lstat(p)
		if err != nil {
			return false
		}
		switch name := e.Name(); {
		case name == "cas" || name == "certs" || name == "imported":
			sub, err := os.ReadDir(p)
			if !fi.IsDir() || err != nil || len(sub) > 0 {
				return false
			}
		case name == ".lock":
			if !fi.Mode().IsRegular() || fi.Size() != 0 {
				return false
			}
		case strings.HasPrefix(name, ".tmp-store.json-") && fi.Mode().IsRegular():
			tmps = append(tmps, p)
		default:
			return false
		}
	}
	for _, p := range tmps {
		os.Remove(p)
	}
	return true
}

// Path is the store's absolute folder.
func (s *Store) Path() string { return s.root }

// SetClock replaces the store's clock (tests, the lab's time control).
func (s *Store) SetClock(now func() time.Time) { s.now = now }

// Now is the store's current time.
func (s *Store) Now() time.Time { return s.now() }

// Layout names the store's files (store/layout, the one place that does).
func (s *Store) Layout() layout.Store { return layout.Store{Root: s.root} }

func (s *Store) caDir(name string) string   { return s.Layout().CA(name).Dir }
func (s *Store) certDir(name string) string { return s.Layout().Cert(name).Dir }
func (s *Store) impDir(name string) string  { return s.Layout().Imported(name).Dir }

// write runs fn holding the store lock, after rolling back what an
// interrupted write left behind. Every write goes through here.
func (s *Store) write(fn func() error) error {
	return s.locked(func() error {
		if err := s.checkWalls(); err != nil {
			return err
		}
		if _, err := s.rollBack(); err != nil {
			return fmt.Errorf("rolling back an interrupted write: %w", err)
		}
		return fn()
	})
}

// locked runs fn holding the store lock.
func (s *Store) locked(fn func() error) error {
	if err := s.checkLockFile(); err != nil {
		return err
	}
	l := flock.New(filepath.Join(s.root, ".lock"))
	if err := l.Lock(); err != nil {
		return fmt.Errorf("locking store %s: %w", s.root, err)
	}
	defer l.Unlock()
	return fn()
}

func exists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}

// nameTaken reports whether name is used by a CA, a certificate or an import.
func (s *Store) nameTaken(name string) (string, bool) {
	switch {
	case exists(s.caDir(name)):
		return "CA", true
	case exists(s.certDir(name)):
		return "certificate", true
	case exists(s.impDir(name)):
		return "import", true
	}
	return "", false
}
