package inspect

import (
	"bytes"
	"encoding/pem"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pkibench/pkibench/pki"
	"github.com/pkibench/pkibench/pki/testtool"
)

// corpusObject is one certificate, CSR or CRL of the public corpus, as
// DER, with the openssl command that prints it.
type corpusObject struct {
	label string // file and block
	der   []byte
	pemIn []byte // what pkibench is handed: the PEM block, or the DER file
}

// corpusObjects lists every PEM block labelled as a certificate, CSR or
// CRL, and every file that is not PEM at all (handed over as DER).
func corpusObjects(t *testing.T, dir string) []corpusObject {
	t.Helper()
	var out []corpusObject
	err := filepath.WalkDir(dir, func(p string, e os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.IsDir() || strings.HasSuffix(p, ".md") || strings.HasSuffix(p, ".cnf") || strings.HasSuffix(p, ".got") || strings.HasSuffix(p, ".want") {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if !bytes.Contains(data, []byte("-----BEGIN ")) {
			out = append(out, corpusObject{label: rel, der: data, pemIn: data})
			return nil
		}
		n := 0
		for rest := data; ; {
			var b *pem.Block
			b, rest = pem.Decode(rest)
			if b == nil {
				break
			}
			n++
			switch b.Type {
			case "CERTIFICATE", "CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST", "X509 CRL":
				out = append(out, corpusObject{label: rel + "#" + itoa(n), der: b.Bytes, pemIn: pem.EncodeToMemory(b)})
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func itoa(n int) string { return strconv.Itoa(n) }

// opensslTextFirst prints der with the first of x509, req and crl that
// reads it, as openssl -text -noout (ok false when none does), trying first
// first: an object only one of the three commands reads (all of them) gives
// the same answer in any order, with one openssl run instead of up to three.
func opensslTextFirst(tool string, der []byte, first string) (kind, text string, ok bool) {
	order := []string{"x509", "req", "crl"}
	for i, k := range order {
		if k == first && i > 0 {
			order = append([]string{k}, append(append([]string{}, order[:i]...), order[i+1:]...)...)
		}
	}
	for _, k := range order {
		cmd := exec.Command(tool, k, "-inform", "DER", "-text", "-noout")
		cmd.Stdin = bytes.NewReader(der)
		var o, e bytes.Buffer
		cmd.Stdout, cmd.Stderr = &o, &e
		if err := cmd.Run(); err == nil {
			return k, o.String(), true
		} else if !errors.As(err, new(*exec.ExitError)) {
			return "", "", false
		}
	}
	return "", "", false
}

// corpusReport is parity over a corpus of objects both sides may refuse.
type corpusReport struct {
	parityReport
	refusedByUs   []string // openssl prints them, pkibench does not
	printedByUs   []string // openssl refuses them, pkibench prints
	refusedByBoth int
	goRefused     int // printed from the DER walk although crypto/x509 refuses
}

func runCorpus(t *testing.T, dir string) corpusReport {
	t.Helper()
	return runObjects(t, dir, corpusObjects(t, dir))
}

// runObjects prints every object with openssl and with inspect and
// compares the two.
func runObjects(t *testing.T, name string, objs []corpusObject) corpusReport {
	t.Helper()
	tool := testtool.Require(t, "openssl")
	rep := corpusReport{parityReport: parityReport{name: name}}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	// openssl runs (one process per object and command) dominate; they go
	// to a few workers, and the comparison below stays in corpus order.
	type oracle struct {
		text string
		ok   bool
	}
	answers := make([]oracle, len(objs))
	work := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < max(2, runtime.NumCPU()); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				first := ""
				if docs, err := Inspect(objs[i].pemIn, objs[i].label, now); err == nil && len(docs) == 1 {
					first = map[string]string{"certificate": "x509", "csr": "req", "crl": "crl"}[docs[0].Kind]
				}
				_, text, ok := opensslTextFirst(tool, objs[i].der, first)
				answers[i] = oracle{text, ok}
			}
		}()
	}
	for i := range objs {
		work <- i
	}
	close(work)
	wg.Wait()
	for i, o := range objs {
		want, osOK := answers[i].text, answers[i].ok
		want = dropErrorQueue(want)
		docs, err := Inspect(o.pemIn, o.label, now)
		ours := err == nil && len(docs) == 1
		if ours {
			if _, bad := docs[0].Field("error"); bad {
				ours = false
			}
		}
		switch {
		case osOK && !ours:
			why := "printed an error"
			if err != nil {
				why = err.Error()
			}
			rep.refusedByUs = append(rep.refusedByUs, o.label+": "+why)
			rep.parityReport.add(o.label, "", want)
		case !osOK && ours:
			rep.printedByUs = append(rep.printedByUs, o.label)
		case !osOK && !ours:
			rep.refusedByBoth++
		default:
			got := Text(docs[0])
			for _, f := range docs[0].Findings() {
				if strings.Contains(f.Message, "crypto/x509 refuses") {
					rep.goRefused++
					break
				}
			}
			if got != want && os.Getenv("INSPECT_WRITE_DIFFS") != "" {
				base := filepath.Join(os.Getenv("INSPECT_WRITE_DIFFS"), strings.NewReplacer("/", "_", "#", "_").Replace(o.label))
				_ = os.WriteFile(base+".got", []byte(got), 0o644)
				_ = os.WriteFile(base+".want", []byte(want), 0o644)
			}
			rep.parityReport.add(o.label, got, want)
		}
	}
	sort.Strings(rep.refusedByUs)
	sort.Strings(rep.printedByUs)
	return rep
}

func (r corpusReport) log(t *testing.T) {
	t.Helper()
	t.Logf("%s: %d objects; %d/%d openssl lines = %.4f; %d byte-identical; %d printed from DER although crypto/x509 refuses them; "+
		"%d refused by pkibench that openssl prints; %d printed by pkibench that openssl refuses; %d refused by both",
		r.name, r.objects+len(r.printedByUs)+r.refusedByBoth, r.matched, r.total, float64(r.matched)/float64(max(r.total, 1)),
		r.exact, r.goRefused, len(r.refusedByUs), len(r.printedByUs), r.refusedByBoth)
	for _, s := range r.refusedByUs {
		t.Logf("  refused by pkibench: %s", s)
	}
	for _, s := range r.printedByUs {
		t.Logf("  printed by pkibench, refused by openssl: %s", s)
	}
	for i, d := range r.diffs {
		if i == 60 && os.Getenv("INSPECT_ALL_DIFFS") == "" {
			t.Logf("  ... %d more", len(r.diffs)-60)
			break
		}
		t.Logf("  differs: %s", d)
	}
}

// TestParityCorpus holds the renderer to openssl over the public corpus in
// testdata/corpus (odd and malformed material from the test suites of TLS
// libraries and linters; see its README), or over $INSPECT_CORPUS_DIR.
func TestParityCorpus(t *testing.T) {
	dir := os.Getenv("INSPECT_CORPUS_DIR")
	if dir == "" {
		dir = "testdata/corpus"
	}
	rep := runCorpus(t, dir)
	rep.log(t)
	if n := rep.objects + len(rep.printedByUs) + rep.refusedByBoth; n < 100 && os.Getenv("INSPECT_CORPUS_DIR") == "" {
		t.Fatalf("only %d objects in %s", n, dir)
	}
	if len(rep.refusedByUs) > 0 {
		t.Errorf("%d objects openssl prints are refused", len(rep.refusedByUs))
	}
	if len(rep.printedByUs) > 0 {
		t.Errorf("%d objects openssl refuses are printed", len(rep.printedByUs))
	}
	if share := float64(rep.matched) / float64(max(rep.total, 1)); share < corpusMinShare {
		t.Errorf("parity %.4f below %.4f", share, corpusMinShare)
	}
}

// dropErrorQueue removes the lines of openssl's error queue that x509
// -text writes into its output after "Unable to load Public Key": they
// carry a thread address that differs on every run, so no printer can
// match them.
func dropErrorQueue(s string) string {
	lines := strings.SplitAfter(s, "\n")
	out := lines[:0]
	for _, l := range lines {
		if i := strings.Index(l, ":error:"); i > 0 && strings.Trim(l[:i], "0123456789ABCDEF") == "" {
			continue
		}
		out = append(out, l)
	}
	return strings.Join(out, "")
}

// TestRefusedCertificateShown: a certificate crypto/x509 refuses (here a
// critical authority information access, from zlint's testdata) is shown
// from the DER walk with a problem naming the rule and the consequence,
// while the strict decoder used by verify and the store still refuses it.
func TestRefusedCertificateShown(t *testing.T) {
	data, err := os.ReadFile("testdata/corpus/zlint/surnameIncorrectPolicy.pem")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pki.Decode(data, "aiaCrit.pem"); err == nil {
		t.Fatal("strict Decode accepted a certificate crypto/x509 refuses")
	}
	docs, err := Inspect(data, "aiaCrit.pem", time.Now())
	if err != nil || len(docs) != 1 {
		t.Fatalf("Inspect = %d docs, %v", len(docs), err)
	}
	var hit *Finding
	for _, f := range docs[0].Findings() {
		if strings.Contains(f.Message, "crypto/x509 refuses") {
			f := f
			hit = &f
		}
	}
	if hit == nil {
		t.Fatalf("no refusal finding in %+v", docs[0].Findings())
	}
	if hit.Severity != SeverityProblem || hit.Path != "ext.authority_info_access" ||
		!strings.Contains(hit.Message, "RFC 5280 4.2.2.1") || !strings.Contains(hit.Message, "Go-based clients") {
		t.Errorf("finding = %+v", *hit)
	}
	if !strings.Contains(Text(docs[0]), "Authority Information Access: critical") {
		t.Errorf("extension not shown:\n%s", Text(docs[0]))
	}
}

// TestOpensslRefusalsRefused: what openssl will not read, inspect will not
// print either (a CRL with an element after its signature).
func TestOpensslRefusalsRefused(t *testing.T) {
	data, err := os.ReadFile("testdata/corpus/local/crl-extra-element.pem")
	if err != nil {
		t.Fatal(err)
	}
	_, err = Inspect(data, "crl-extra-element.pem", time.Now())
	if !errors.Is(err, pki.ErrSignedShape) {
		t.Fatalf("Inspect error = %v, want ErrSignedShape", err)
	}
}
