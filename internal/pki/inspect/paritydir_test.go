package inspect

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"pkibench/internal/pki"
	"pkibench/internal/testtool"
)

// TestParityDir compares every certificate, CSR and CRL found under
// $INSPECT_PARITY_DIR with openssl: a way to try the renderer on any
// collection (for example Go's own crypto testdata) beyond the fixed corpus.
func TestParityDir(t *testing.T) {
	dir := os.Getenv("INSPECT_PARITY_DIR")
	if dir == "" {
		t.Skip("INSPECT_PARITY_DIR not set")
	}
	tool := testtool.Require(t, "openssl")
	rep := parityReport{name: dir}
	now := time.Now()
	_ = filepath.WalkDir(dir, func(p string, e os.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return nil
		}
		if info, err := e.Info(); err != nil || info.Size() > 1<<20 {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return nil
		}
		objs, err := pki.Decode(data, p)
		if err != nil {
			return nil
		}
		for _, o := range objs {
			var args []string
			switch o.Kind {
			case pki.KindCertificate:
				args = []string{"x509", "-inform", "DER", "-text", "-noout"}
			case pki.KindCSR:
				args = []string{"req", "-inform", "DER", "-text", "-noout"}
			case pki.KindCRL:
				args = []string{"crl", "-inform", "DER", "-text", "-noout"}
			default:
				continue
			}
			want := runOpenSSL(t, tool, o.DER, args...)
			rep.add(p, Text(FromObject(o, now)), want)
		}
		return nil
	})
	rep.check(t)
}
