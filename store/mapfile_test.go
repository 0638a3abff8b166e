package store

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// withFileBytes gives fn the file's bytes whether it maps or reads them.
func TestWithFileBytesMapsOrReads(t *testing.T) {
	for _, size := range []int{0, 1, mapMin - 1, mapMin, 3*mapMin + 17} {
		p := filepath.Join(t.TempDir(), "f")
		want := bytes.Repeat([]byte("0123456789abcdef\n"), size/17+1)[:size]
		if err := os.WriteFile(p, want, 0o644); err != nil {
			t.Fatal(err)
		}
		var got []byte
		if err := withFileBytes(p, func(b []byte, _ indexID) error { got = append([]byte(nil), b...); return nil }); err != nil {
			t.Fatalf("size %d: %v", size, err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("size %d: got %d bytes, not the file's", size, len(got))
		}
	}
	if err := withFileBytes(filepath.Join(t.TempDir(), "absent"), func([]byte, indexID) error { return nil }); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("absent file: %v", err)
	}
}

// A mapped file cut short by another program while it is read is an error
// naming the file, not a crash, and the error of fn itself comes back as is.
func TestWithFileBytesTruncatedWhileMapped(t *testing.T) {
	p := filepath.Join(t.TempDir(), "index.txt")
	if err := os.WriteFile(p, bytes.Repeat([]byte{'x'}, 2*mapMin), 0o644); err != nil {
		t.Fatal(err)
	}
	err := withFileBytes(p, func(b []byte, _ indexID) error {
		if err := os.Truncate(p, 0); err != nil {
			return err
		}
		if b[len(b)-1] == 'x' { // faults: the page is gone
			return errors.New("read a page the truncation removed")
		}
		return nil
	})
	if !errors.Is(err, ErrChangedWhileRead) || !bytes.Contains([]byte(err.Error()), []byte(p)) {
		t.Errorf("truncated while mapped: %v", err)
	}
	mine := errors.New("mine")
	if err := os.WriteFile(p, bytes.Repeat([]byte{'x'}, 2*mapMin), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := withFileBytes(p, func([]byte, indexID) error { return mine }); err != mine {
		t.Errorf("fn's error: %v", err)
	}
}
