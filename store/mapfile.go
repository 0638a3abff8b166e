package store

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"

	"golang.org/x/sys/unix"
)

// mapMin is the size from which withFileBytes maps a file instead of
// reading it: below it a read is as cheap and needs no fault handling.
const mapMin = 1 << 20

// ErrChangedWhileRead reports a file that another program changed while
// pkibench read it to rewrite it (cut short while mapped, rewritten in
// place, or replaced, as openssl ca does): nothing was written, and the
// command can be run again on the file as it is now.
var ErrChangedWhileRead = errors.New("changed by another program while being read (nothing written; run the command again)")

// withFileBytes runs fn on the bytes of the file at path and its identity
// as opened (fn compares it with the path's before replacing the file). A file of mapMin
// or more is mapped read-only (populated at once) rather than read: a
// revocation in an index of 100,000 lines then costs no 7 MB heap buffer,
// no page faults to fill it and no copy, and the bytes before and after the
// changed line are written from the page cache directly. The mapping ends
// when fn returns, so fn must copy what it keeps.
//
// If another program truncates the file while it is mapped (pkibench holds
// the store lock; openssl replaces the index by a rename, which leaves the
// mapped file whole), reading the lost pages faults: that fault becomes an
// error wrapping ErrChangedWhileRead instead of a crash.
func withFileBytes(path string, fn func(data []byte, id indexID) error) (err error) {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	size := st.Size()
	id, ok := fileID(st)
	if !ok {
		return fmt.Errorf("%s is not a regular file", path)
	}
	if size < mapMin || int64(int(size)) != size {
		data, err := readSized(f, size)
		if err != nil {
			return err
		}
		return fn(data, id)
	}
	data, err := unix.Mmap(int(f.Fd()), 0, int(size), unix.PROT_READ, unix.MAP_SHARED|unix.MAP_POPULATE)
	if err != nil {
		// A filesystem that cannot map files is read instead.
		data, err := readSized(f, size)
		if err != nil {
			return err
		}
		return fn(data, id)
	}
	defer unix.Munmap(data)
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			if _, fault := r.(interface{ Addr() uintptr }); !fault {
				panic(r)
			}
			err = fmt.Errorf("%s: %w", path, ErrChangedWhileRead)
		}
	}()
	return fn(data, id)
}

// readSized reads f to its end into a buffer of its size (as os.ReadFile
// does), growing it only if the file grew since it was measured.
func readSized(f *os.File, size int64) ([]byte, error) {
	data := make([]byte, 0, size+1)
	for {
		n, err := f.Read(data[len(data):cap(data)])
		data = data[:len(data)+n]
		if err == io.EOF {
			return data, nil
		}
		if err != nil {
			return nil, err
		}
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)]
		}
	}
}
