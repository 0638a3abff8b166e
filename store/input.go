package store

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/pkibench/pkibench/pki"
)

// ErrInputTooLarge is what an InputTooLargeError wraps.
var ErrInputTooLarge = errors.New("input too large")

// InputTooLargeError names the file and the limit it went past.
type InputTooLargeError struct {
	Path  string
	Limit int64
}

func (e *InputTooLargeError) Error() string {
	return fmt.Sprintf("%s: too large: more than %d MiB, the most pkibench reads as PKI material (a device or an endless stream?)", e.Path, e.Limit>>20)
}
func (e *InputTooLargeError) Unwrap() error { return ErrInputTooLarge }

// ReadInput reads a file given from outside (inspect, verify --crl,
// import, sign, the TUI's file fields) and stops at pki.MaxInput, so
// /dev/zero or an endless pipe costs at most that much memory.
func ReadInput(path string) ([]byte, error) { return readLimited(path, pki.MaxInput) }

func readLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	size := int64(512)
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
		if fi.Size() > limit {
			return nil, &InputTooLargeError{Path: path, Limit: limit}
		}
		// Sized up front, as os.ReadFile does: io.ReadAll's doubling
		// would leave as much garbage as the file (18 MB for a big CRL).
		size = fi.Size() + 1
	}
	b := make([]byte, 0, size)
	lr := io.LimitReader(f, limit+1)
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := lr.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	if int64(len(b)) > limit {
		return nil, &InputTooLargeError{Path: path, Limit: limit}
	}
	return b, nil
}

// maxPassphraseLine bounds a passphrase file's first line; no passphrase
// is this long, and reading stops here even on /dev/zero.
const maxPassphraseLine = 4096

// ReadPassphraseFile returns the first line of path (without its line
// ending), reading at most maxPassphraseLine+1 bytes: the caller may hold
// the store lock while it reads.
func ReadPassphraseFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	buf := make([]byte, 0, 256)
	chunk := make([]byte, 256)
	r := io.LimitReader(f, maxPassphraseLine+1)
	for {
		n, err := r.Read(chunk)
		buf = append(buf, chunk[:n]...)
		if i := bytes.IndexByte(buf, '\n'); i >= 0 {
			buf = buf[:i]
			break
		}
		if len(buf) > maxPassphraseLine {
			return nil, fmt.Errorf("%s: first line is longer than %d bytes, the most a passphrase may be", path, maxPassphraseLine)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	if len(buf) > 0 && buf[len(buf)-1] == '\r' {
		buf = buf[:len(buf)-1]
	}
	return buf, nil
}
