package store

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pkibench/pkibench/pki"
	"github.com/pkibench/pkibench/store/layout"
)

// Something other than a file at index.txt in a store handed over by
// someone else: a FIFO (opening it blocks until a writer comes), a link to
// /dev/zero (reading it never ends and grows a buffer until the process
// dies), a folder. `ca list`, `list` and `check` (none of which take the
// walls' look before a write) must each return, with an error or a
// problem naming index.txt and saying what is expected.
func TestIndexNotAFilePlanted(t *testing.T) {
	for _, tc := range []struct {
		name  string
		plant func(p string) error
	}{
		{"fifo", func(p string) error { return syscall.Mkfifo(p, 0o644) }},
		{"link to /dev/zero", func(p string) error { return os.Symlink("/dev/zero", p) }},
		{"folder", func(p string) error { return os.Mkdir(p, 0o700) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := newStore(t)
			mustCA(t, st, CAOptions{Name: "abc"})
			if _, err := st.Issue(IssueOptions{Names: []string{"a"}, CA: "abc", Profile: pki.ProfileClient}); err != nil {
				t.Fatal(err)
			}
			p := filepath.Join(st.caDir("abc"), layout.Index)
			if err := os.Remove(p); err != nil {
				t.Fatal(err)
			}
			if err := tc.plant(p); err != nil {
				t.Fatal(err)
			}
			// A reader still blocked on the FIFO when the test gives up is
			// released by a writer opening it.
			defer func() {
				if f, err := os.OpenFile(p, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
					f.Close()
				}
			}()
			for _, call := range []struct {
				name string
				run  func() error
			}{
				{"ca list", func() error { _, err := st.ListCAs(); return err }},
				{"list", func() error { _, err := st.List(ListFilter{}); return err }},
				{"check", func() error {
					rep, err := st.Check(false)
					if err != nil {
						return err
					}
					for _, pr := range rep.Problems {
						if pr.Severity == "problem" && pr.Path == filepath.Join("cas", "abc", layout.Index) {
							return errors.New(pr.Message)
						}
					}
					return nil
				}},
			} {
				done := make(chan error, 1)
				go func() { done <- call.run() }()
				select {
				case err := <-done:
					// check already named a link as planted.
					if err == nil || !strings.Contains(err.Error(), "not a regular file") && !strings.Contains(err.Error(), "symbolic link") {
						t.Errorf("%s with a %s at index.txt: %v, want an error saying it is not a regular file", call.name, tc.name, err)
					}
				case <-time.After(10 * time.Second):
					t.Errorf("%s with a %s at index.txt has not returned after 10 s", call.name, tc.name)
					return
				}
			}
		})
	}
}

// profiles.tsv is optional (list shows no profile without it): a FIFO or a
// link to /dev/zero planted there must not block or exhaust `list`; the
// certificates are listed, without profiles.
func TestProfilesNotAFilePlanted(t *testing.T) {
	for _, tc := range []struct {
		name  string
		plant func(p string) error
	}{
		{"fifo", func(p string) error { return syscall.Mkfifo(p, 0o644) }},
		{"link to /dev/zero", func(p string) error { return os.Symlink("/dev/zero", p) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := newStore(t)
			mustCA(t, st, CAOptions{Name: "abc"})
			if _, err := st.Issue(IssueOptions{Names: []string{"a"}, CA: "abc", Profile: pki.ProfileClient}); err != nil {
				t.Fatal(err)
			}
			p := filepath.Join(st.caDir("abc"), profilesFile)
			if err := os.Remove(p); err != nil {
				t.Fatal(err)
			}
			if err := tc.plant(p); err != nil {
				t.Fatal(err)
			}
			defer func() {
				if f, err := os.OpenFile(p, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
					f.Close()
				}
			}()
			done := make(chan []Cert, 1)
			go func() {
				cs, err := st.List(ListFilter{})
				if err != nil {
					t.Error(err)
				}
				done <- cs
			}()
			select {
			case cs := <-done:
				if len(cs) != 1 || cs[0].Name != "a" || cs[0].Profile != "" {
					t.Errorf("list with a %s at profiles.tsv: %+v", tc.name, cs)
				}
			case <-time.After(10 * time.Second):
				t.Errorf("list with a %s at profiles.tsv has not returned after 10 s", tc.name)
			}
		})
	}
}
