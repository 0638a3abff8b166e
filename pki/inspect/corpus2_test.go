package inspect

import (
	"crypto/sha256"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// corpus2MinShare is the bar of the second corpus: the share of openssl's
// lines inspect must print identically, over every source together.
const corpus2MinShare = 0.998

// knownCorpus2Differences are objects of the second corpus where inspect
// knowingly differs from openssl, each with the reason; their lines still
// count in the share. A listed object that comes to match fails the test,
// so the list cannot go stale.
var knownCorpus2Differences = map[string]string{}

// limboObjects are the certificates and CRLs of the x509-limbo cases kept
// for the verify tests, each once.
func limboObjects(t *testing.T) []corpusObject {
	t.Helper()
	data, err := os.ReadFile("../verify/testdata/limbo-native.json")
	if err != nil {
		t.Fatal(err)
	}
	var suite struct {
		Testcases []struct {
			ID        string   `json:"id"`
			Trusted   []string `json:"trusted_certs"`
			Untrusted []string `json:"untrusted_intermediates"`
			Peer      string   `json:"peer_certificate"`
			CRLs      []string `json:"crls"`
		} `json:"testcases"`
	}
	if err := json.Unmarshal(data, &suite); err != nil {
		t.Fatal(err)
	}
	seen := map[[32]byte]bool{}
	var out []corpusObject
	for _, c := range suite.Testcases {
		all := append(append(append([]string{c.Peer}, c.Trusted...), c.Untrusted...), c.CRLs...)
		for i, p := range all {
			b, _ := pem.Decode([]byte(p))
			if b == nil {
				continue
			}
			h := sha256.Sum256(b.Bytes)
			if seen[h] {
				continue
			}
			seen[h] = true
			out = append(out, corpusObject{label: c.ID + "#" + itoa(i), der: b.Bytes, pemIn: pem.EncodeToMemory(b)})
		}
	}
	return out
}

// TestParityCorpus2 holds inspect to openssl over a corpus it was never
// tuned against (testdata/corpus2, see its README, and the x509-limbo
// certificates): at least corpus2MinShare of openssl's lines, no object
// refused that openssl prints, none printed that openssl refuses.
func TestParityCorpus2(t *testing.T) {
	dirs, err := os.ReadDir("testdata/corpus2")
	if err != nil {
		t.Fatal(err)
	}
	var sources []string
	for _, d := range dirs {
		if d.IsDir() {
			sources = append(sources, d.Name())
		}
	}
	sort.Strings(sources)
	sources = append(sources, "limbo")
	var all corpusReport
	differing := map[string]bool{}
	for _, src := range sources {
		var rep corpusReport
		if src == "limbo" {
			rep = runObjects(t, src, limboObjects(t))
		} else {
			rep = runCorpus(t, filepath.Join("testdata/corpus2", src))
		}
		rep.log(t)
		all.matched += rep.matched
		all.total += rep.total
		all.objects += rep.objects + len(rep.printedByUs) + rep.refusedByBoth
		all.refusedByUs = append(all.refusedByUs, rep.refusedByUs...)
		all.printedByUs = append(all.printedByUs, rep.printedByUs...)
		for _, d := range rep.diffs {
			differing[src+"/"+diffLabel(d)] = true
		}
	}
	share := float64(all.matched) / float64(max(all.total, 1))
	t.Logf("corpus2 overall: %d objects; %d/%d openssl lines = %.4f; %d refused that openssl prints; %d printed that openssl refuses",
		all.objects, all.matched, all.total, share, len(all.refusedByUs), len(all.printedByUs))
	if all.objects < 1000 {
		t.Fatalf("only %d objects", all.objects)
	}
	for label, why := range knownCorpus2Differences {
		if !differing[label] {
			t.Errorf("%s now matches openssl; remove it from knownCorpus2Differences (%s)", label, why)
		}
	}
	for label := range differing {
		if _, ok := knownCorpus2Differences[label]; !ok {
			t.Errorf("%s differs from openssl and is not a known difference", label)
		}
	}
	if len(all.refusedByUs) > 0 {
		t.Errorf("%d objects openssl prints are refused", len(all.refusedByUs))
	}
	if len(all.printedByUs) > 0 {
		t.Errorf("%d objects openssl refuses are printed", len(all.printedByUs))
	}
	if share < corpus2MinShare {
		t.Errorf("parity %.4f below %.4f", share, corpus2MinShare)
	}
}

// diffLabel is the object a line of parityReport.diffs is about.
func diffLabel(d string) string {
	for _, sep := range []string{": openssl prints ", ": we print "} {
		if i := strings.Index(d, sep); i >= 0 {
			return d[:i]
		}
	}
	return d
}
