package inspect

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pkibench/pkibench/pki"
	"github.com/pkibench/pkibench/pki/testtool"
)

// TestParityDir compares every certificate, CSR and CRL found under
// $INSPECT_PARITY_DIR with openssl: a way to try the renderer on any
// collection (for example Go's own crypto testdata) beyond the fixed corpus.
func TestParityDir(t *testing.T) {
	dir := os.Getenv("INSPECT_PARITY_DIR")
	if dir == "" {
		t.Skip("INSPECT_PARITY_DIR not set")
	}
	rep := parityDir(t, dir)
	rep.check(t)
}

// TestParityForeign covers what pkibench does not make but meets in the
// wild, made by openssl from testdata/foreign/exotic.cnf (see README):
// SCTs, RSA-PSS, otherName, policy qualifiers, name constraints, escaped
// and UTF-8 names, CSR attributes, CRL reasons and issuing distribution
// points. Every line must match.
func TestParityForeign(t *testing.T) {
	rep := parityDir(t, "testdata/foreign")
	if rep.objects < 5 {
		t.Fatalf("only %d objects in testdata/foreign", rep.objects)
	}
	rep.check(t)
	if rep.matched != rep.total || rep.extra != 0 {
		t.Errorf("foreign corpus must match exactly: %d/%d, %d extra", rep.matched, rep.total, rep.extra)
	}
}

func parityDir(t *testing.T, dir string) parityReport {
	t.Helper()
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
			got := Text(FromObject(o, now))
			if got != want && os.Getenv("INSPECT_WRITE_DIFFS") != "" {
				_ = os.WriteFile(p+".got", []byte(got), 0o644)
				_ = os.WriteFile(p+".want", []byte(want), 0o644)
			}
			rep.add(p, got, want)
		}
		return nil
	})
	return rep
}
