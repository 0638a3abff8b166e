package store

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// writeFileAtomic writes data to a temporary file in the same folder, syncs
// it, renames it over path and syncs the folder, so a crash leaves either the
// old file or the new one, never a torn one.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	return writeFileAtomicParts(path, perm, data)
}

// writeFileAtomicParts is writeFileAtomic of the concatenation of parts,
// written without joining them first: a revocation writes an index of
// 100,000 lines as the bytes read before and after the changed line, not
// a 7 MB copy of them. Small parts are gathered in a buffer, large ones go
// straight to the file.
func writeFileAtomicParts(path string, perm os.FileMode, parts ...[]byte) error {
	return writeFileAtomicPartsIf(path, perm, nil, parts...)
}

// writeFileAtomicPartsIf is writeFileAtomicParts that, once the new file is
// durable and just before it replaces path, asks unchanged whether path is
// still what the parts were made from; an error there writes nothing.
func writeFileAtomicPartsIf(path string, perm os.FileMode, unchanged func() error, parts ...[]byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err := f.Chmod(perm); err != nil {
		return err
	}
	if err := writeParts(f, parts); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if unchanged != nil {
		if err := unchanged(); err != nil {
			return err
		}
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	ok = true
	return syncDir(dir)
}

// syncFS flushes the whole filesystem holding path (Linux syncfs): one
// journal commit for any number of files written before it.
func syncFS(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return unix.Syncfs(int(f.Fd()))
}

// writeParts writes parts to f in order. A few parts (one revocation: the
// bytes before the line, the line, the bytes after) are a write each; many
// (a batch of revocations) are gathered in a buffer, which large parts
// bypass.
func writeParts(f *os.File, parts [][]byte) error {
	if len(parts) <= 8 {
		for _, p := range parts {
			if _, err := f.Write(p); err != nil {
				return err
			}
		}
		return nil
	}
	w := bufio.NewWriterSize(f, 64<<10)
	for _, p := range parts {
		if _, err := w.Write(p); err != nil {
			return err
		}
	}
	return w.Flush()
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// fileSet is a group of files written together into one new folder: they go
// to a hidden staging folder first, which is renamed into place at the end,
// so the folder appears whole or not at all.
type fileSet struct {
	final   string
	staging string
}

func newFileSet(final string) (*fileSet, error) {
	parent := filepath.Dir(final)
	if err := os.MkdirAll(parent, 0o700); err != nil {
		return nil, err
	}
	st, err := os.MkdirTemp(parent, ".new-"+filepath.Base(final)+"-")
	if err != nil {
		return nil, err
	}
	if err := os.Chmod(st, 0o700); err != nil {
		os.RemoveAll(st)
		return nil, err
	}
	return &fileSet{final: final, staging: st}, nil
}

// add writes a file into the staging folder. It does not sync: commit
// makes the whole set durable with one filesystem sync, which is what keeps
// a batch of a thousand certificates from costing eight thousand fsyncs.
func (fs *fileSet) add(name string, data []byte, perm os.FileMode) error {
	p := filepath.Join(fs.staging, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func (fs *fileSet) addJSON(name string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return fs.add(name, append(b, '\n'), 0o644)
}

// commit makes the staged files durable with one filesystem sync and
// renames the folder into place. A crash before the rename leaves only a
// hidden .new-* folder, which nothing refers to and check --repair removes.
func (fs *fileSet) commit() error {
	if err := syncFS(fs.staging); err != nil {
		return err
	}
	if exists(fs.final) {
		return fmt.Errorf("%s appeared while it was being written", fs.final)
	}
	if err := os.Rename(fs.staging, fs.final); err != nil {
		return err
	}
	return syncDir(filepath.Dir(fs.final))
}

func (fs *fileSet) abort() { os.RemoveAll(fs.staging) }

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}
