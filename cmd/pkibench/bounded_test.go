package main

import (
	"context"
	"encoding/asn1"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pkibench/pkibench/pki"
	"github.com/pkibench/pkibench/pki/testtool"
)

// endless is a named pipe fed with zeros until the reader closes it or
// stop bytes have gone through; written tells how much the reader took.
type endless struct {
	path    string
	wg      sync.WaitGroup
	mu      sync.Mutex
	written int64
}

func newEndless(t *testing.T, stop int64) *endless {
	t.Helper()
	e := &endless{path: filepath.Join(t.TempDir(), "endless")}
	if err := syscall.Mkfifo(e.path, 0o600); err != nil {
		t.Fatal(err)
	}
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		f, err := os.OpenFile(e.path, os.O_WRONLY, 0)
		if err != nil {
			return
		}
		defer f.Close()
		chunk := make([]byte, 64<<10)
		for e.total() < stop {
			n, err := f.Write(chunk)
			e.mu.Lock()
			e.written += int64(n)
			e.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	return e
}

func (e *endless) total() int64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.written
}

// wait returns how much the reader took. A reader that never opened the
// pipe leaves the writer blocked in open: opening the read side frees it.
func (e *endless) wait() int64 {
	if f, err := os.OpenFile(e.path, os.O_RDONLY|syscall.O_NONBLOCK, 0); err == nil {
		f.Close()
	}
	e.wg.Wait()
	return e.total()
}

// TestInspectEndlessInputIsBounded: inspect /dev/zero once read until the
// machine ran out of memory. Now it stops at pki.MaxInput and says so.
func TestInspectEndlessInputIsBounded(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nostore")
	e := newEndless(t, pki.MaxInput+8<<20)
	out, errs, code := pb(t, dir, "inspect", e.path)
	took := e.wait()
	if code != 1 || !strings.Contains(errs, e.path) || !strings.Contains(errs, "64 MiB") {
		t.Errorf("inspect of an endless pipe: exit %d, %q%q; want exit 1 naming the file and the 64 MiB limit", code, out, errs)
	}
	if took > pki.MaxInput+1<<20 {
		t.Errorf("inspect read %d bytes from an endless pipe, more than the %d limit", took, pki.MaxInput)
	}
}

// TestPassphraseFileIsBounded: --passphrase-file /dev/zero once read the
// whole stream while holding the store lock. Now only a short first line.
func TestPassphraseFileIsBounded(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pki")
	mustPB(t, dir, "ca", "create", "enc", "--encrypt", "--passphrase-file", writeTemp(t, "pass", "right\n"))
	before := testtool.Snapshot(t, dir)
	e := newEndless(t, 16<<20)
	out, errs, code := pb(t, dir, "issue", "q", "--ca", "enc", "--profile", "client", "--passphrase-file", e.path)
	took := e.wait()
	if code != 1 || !strings.Contains(errs, "--passphrase-file") || !strings.Contains(errs, "longer than 4096 bytes") {
		t.Errorf("issue with an endless passphrase file: exit %d, %q%q", code, out, errs)
	}
	if took >= 1<<20 {
		t.Errorf("read %d bytes of an endless passphrase file", took)
	}
	testtool.SameSnapshot(t, before, testtool.Snapshot(t, dir))
	// The lock is free again and a real passphrase still works.
	mustPB(t, dir, "issue", "q", "--ca", "enc", "--profile", "client", "--passphrase-file", writeTemp(t, "pass", "right\r\nignored\n"))
}

// TestImportRefusesAbsurdPKCS12Iterations: a 1.5 KB PKCS#12 whose MAC asks
// for 2^31-1 iterations once kept import busy for hours.
func TestImportRefusesAbsurdPKCS12Iterations(t *testing.T) {
	openssl := testtool.Require(t, "openssl")
	w := t.TempDir()
	testtool.Run(t, w, openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
		"-keyout", "k.pem", "-subj", "/CN=p12", "-days", "30", "-out", "c.pem")
	testtool.Run(t, w, openssl, "pkcs12", "-export", "-inkey", "k.pem", "-in", "c.pem", "-passout", "pass:pw", "-out", "a.p12")
	der, err := os.ReadFile(filepath.Join(w, "a.p12"))
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "pki")
	mustPB(t, dir, "ca", "create", "abc")
	pass := writeTemp(t, "pass", "pw\n")
	mustPB(t, dir, "import", filepath.Join(w, "a.p12"), "--as", "good", "--passphrase-file", pass)
	evil := patchMACIterations(t, der)
	p := filepath.Join(w, "evil.p12")
	if err := os.WriteFile(p, evil, 0o600); err != nil {
		t.Fatal(err)
	}
	before := testtool.Snapshot(t, dir)
	out, errs, code := pbWithin(t, dir, "import", p, "--as", "evil", "--passphrase-file", pass)
	if code != 1 || !strings.Contains(errs, "MAC iteration count 2147483647") {
		t.Errorf("import of a p12 with 2^31-1 MAC iterations: exit %d, %q%q", code, out, errs)
	}
	testtool.SameSnapshot(t, before, testtool.Snapshot(t, dir))
}

// patchMACIterations rewrites a PFX's MAC iteration count to 2^31-1.
func patchMACIterations(t *testing.T, der []byte) []byte {
	t.Helper()
	var pfx struct {
		Version  int
		AuthSafe asn1.RawValue
		MacData  struct {
			Mac        asn1.RawValue
			Salt       []byte
			Iterations int
		}
	}
	if _, err := asn1.Unmarshal(der, &pfx); err != nil {
		t.Fatal(err)
	}
	pfx.MacData.Iterations = 1<<31 - 1
	out, err := asn1.Marshal(pfx)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// pbWithin is pb that fails the test instead of waiting for ever: the
// bound is generous, it only catches work that does not end.
func pbWithin(t *testing.T, dir string, args ...string) (string, string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	type res struct {
		out, errs string
		code      int
	}
	done := make(chan res, 1)
	go func() {
		var r res
		r.out, r.errs, r.code = pb(t, dir, args...)
		done <- r
	}()
	select {
	case r := <-done:
		return r.out, r.errs, r.code
	case <-ctx.Done():
		t.Fatalf("pkibench %v still running after 60s", args)
		return "", "", 0
	}
}
