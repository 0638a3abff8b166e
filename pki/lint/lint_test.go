package lint

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/pkibench/pkibench/pki/inspect"
)

// TestLintFindsWhatZlintFinds: zlint's results land among the document's
// findings with their source; a critical AIA (which crypto/x509 refuses
// too) is zlint's e_ext_aia_marked_critical.
func TestLintFindsWhatZlintFinds(t *testing.T) {
	data, err := os.ReadFile("../inspect/testdata/corpus/zlint/surnameIncorrectPolicy.pem")
	if err != nil {
		t.Fatal(err)
	}
	docs, err := inspectAll(data, "aia.pem", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	d := docs[0]
	before := len(d.Findings())
	if err := Document(&d); err != nil {
		t.Fatal(err)
	}
	var hit *inspect.Finding
	for _, f := range d.Findings()[before:] {
		if f.Source != Source {
			t.Errorf("finding without the zlint source: %+v", f)
		}
		if f.Path == "lint.e_ext_aia_marked_critical" {
			f := f
			hit = &f
		}
	}
	if hit == nil || hit.Severity != inspect.SeverityProblem || !strings.Contains(hit.Message, "RFC 5280: 4.2.2.1") {
		t.Fatalf("no e_ext_aia_marked_critical problem among %+v", d.Findings()[before:])
	}
}

// TestLintCRL: CRLs are linted too. The openssl-made CRL of the corpus
// has no authority key identifier (its config set no crl_extensions), which
// RFC 5280 5.2.1 requires: zlint says so.
func TestLintCRL(t *testing.T) {
	data, err := os.ReadFile("../inspect/testdata/corpus/local/crl-trailing-bytes.pem")
	if err != nil {
		t.Fatal(err)
	}
	docs, err := inspectAll(data, "crl.pem", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	d := docs[0]
	if err := Document(&d); err != nil {
		t.Fatal(err)
	}
	for _, f := range d.Findings() {
		if f.Source == Source && f.Path == "lint.e_crl_has_authority_key_identifier" && f.Severity == inspect.SeverityProblem {
			return
		}
	}
	t.Errorf("no e_crl_has_authority_key_identifier among %+v", d.Findings())
}

// inspectAll collects the documents inspect.Each hands over.
func inspectAll(data []byte, source string, now time.Time) ([]inspect.Document, error) {
	var out []inspect.Document
	err := inspect.Each(data, source, now, true, func(d inspect.Document) error {
		out = append(out, d)
		return nil
	})
	return out, err
}
