package pki

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pkibench/pkibench/pki/testtool"
)

// decodeWithin runs DecodePKCS12 and gives up (failing the test) when it
// is still deriving keys after a generous bound: before the iteration caps
// a 1.5 KB file kept it busy for hours.
func decodeWithin(t *testing.T, der []byte, pw string) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := DecodePKCS12(der, pw)
		done <- err
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		t.Fatalf("DecodePKCS12 still running after %v: the iteration count is not capped", 60*time.Second)
		return nil
	}
}

func TestPKCS12MACIterationsCapped(t *testing.T) {
	ca, key := selfSigned(t)
	der, err := EncodePKCS12(key, ca, nil, "pw", "test")
	if err != nil {
		t.Fatal(err)
	}
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
	if _, err := DecodePKCS12(der, "pw"); err != nil {
		t.Fatalf("the untouched file (MAC iterations %d): %v", pfx.MacData.Iterations, err)
	}
	pfx.MacData.Iterations = 1<<31 - 1
	evil, err := asn1.Marshal(pfx)
	if err != nil {
		t.Fatal(err)
	}
	err = decodeWithin(t, evil, "pw")
	if !errors.Is(err, ErrTooMuchWork) || !strings.Contains(err.Error(), "MAC iteration count 2147483647") {
		t.Fatalf("MAC iterations 2^31-1: %v, want ErrTooMuchWork naming the count", err)
	}
}

// TestPKCS12Iterations: openssl's files at its default and at a million
// iterations import; a PBES2 parameter past the cap is refused before any
// key derivation (before the cap: a MAC failure, after seconds of work).
func TestPKCS12Iterations(t *testing.T) {
	openssl := testtool.Require(t, "openssl")
	dir := t.TempDir()
	testtool.Run(t, dir, openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
		"-keyout", "k.pem", "-subj", "/CN=p12", "-days", "30", "-out", "c.pem")
	for _, iter := range []string{"2048", "100000", "1000000"} {
		testtool.Run(t, dir, openssl, "pkcs12", "-export", "-inkey", "k.pem", "-in", "c.pem", "-passout", "pass:pw",
			"-iter", iter, "-out", iter+".p12")
		der, err := os.ReadFile(filepath.Join(dir, iter+".p12"))
		if err != nil {
			t.Fatal(err)
		}
		if err := decodeWithin(t, der, "pw"); err != nil {
			t.Fatalf("openssl pkcs12 -iter %s: %v", iter, err)
		}
		if iter != "100000" {
			continue
		}
		// 100000 is INTEGER 01 86 A0; 7F FF FF (8,388,607) has the same length.
		pat := []byte{0x02, 0x03, 0x01, 0x86, 0xa0}
		if bytes.Count(der, pat) == 0 {
			t.Fatal("no iteration count 100000 in openssl's file")
		}
		evil := bytes.ReplaceAll(der, pat, []byte{0x02, 0x03, 0x7f, 0xff, 0xff})
		err = decodeWithin(t, evil, "pw")
		var le *LimitError
		if !errors.As(err, &le) || le.Got != 0x7fffff || !strings.Contains(err.Error(), "iteration count 8388607") {
			t.Fatalf("PBES2 iterations 8388607: %v, want a LimitError", err)
		}
	}
}

func TestPBES2KeyIterationsCapped(t *testing.T) {
	key, _ := GenerateKey(P256)
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := encryptPKCS8(der, []byte("pw"), 65536)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := DecryptPKCS8(enc, []byte("pw")); err != nil {
		t.Fatalf("65536 iterations: %v", err)
	}
	// INTEGER 01 00 00 becomes 7F FF FF: 8,388,607, above the cap.
	evil := bytes.Replace(enc, []byte{0x02, 0x03, 0x01, 0x00, 0x00}, []byte{0x02, 0x03, 0x7f, 0xff, 0xff}, 1)
	if _, err := DecryptPKCS8(evil, []byte("pw")); !errors.Is(err, ErrTooMuchWork) {
		t.Fatalf("PBKDF2 at 8388607 iterations: %v, want ErrTooMuchWork", err)
	}
}

func TestPEMBlockCountCapped(t *testing.T) {
	ca, _ := selfSigned(t)
	one := EncodeCertPEM(ca.Raw)
	if _, err := Decode(bytes.Repeat(one, 150), "bundle.pem"); err != nil {
		t.Fatalf("150 certificates: %v", err)
	}
	_, err := Decode(bytes.Repeat(one, MaxPEMBlocks+1), "many.pem")
	if !errors.Is(err, ErrTooMuchWork) || !strings.Contains(err.Error(), "many.pem") {
		t.Fatalf("%d PEM blocks: %v, want ErrTooMuchWork naming the file", MaxPEMBlocks+1, err)
	}
}
