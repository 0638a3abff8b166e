package inspect

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pkibench/pkibench/pki"
)

// jsonSchema lists the keys of each object of inspect's JSON (README,
// "inspect --json"): every one is always present, lists are [] not null.
var jsonSchema = map[string][]string{
	"document":   {"kind", "title", "sections", "fingerprints", "pem", "data", "findings"},
	"section":    {"title", "fields"},
	"field":      {"label", "value", "lines", "explain", "severity", "finding", "path"},
	"finding":    {"severity", "path", "message", "source"},
	"data":       {"kind", "version", "serial", "subject", "issuer", "not_before", "not_after", "validity_seconds", "this_update", "next_update", "crl_number", "revoked_count", "signature_algorithm", "public_key", "sans", "is_ca", "extensions", "refused_by_go"},
	"public_key": {"algorithm", "bits", "curve"},
	"sans":       {"dns", "ip", "email", "uri", "other"},
	"extension":  {"oid", "name", "critical", "value"},
}

// jsonLists are the keys whose value is always a list.
var jsonLists = map[string]bool{"sections": true, "fields": true, "lines": true, "findings": true, "extensions": true,
	"dns": true, "ip": true, "email": true, "uri": true, "other": true}

// checkKeys checks that the object v of the given kind has every key of
// its schema, lists as lists, and recurses into the objects it holds.
func checkKeys(t *testing.T, where, kind string, v any) {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok {
		t.Errorf("%s: %s is %T, want an object", where, kind, v)
		return
	}
	for _, k := range jsonSchema[kind] {
		e, ok := m[k]
		if !ok {
			t.Errorf("%s: %s lacks key %q", where, kind, k)
			continue
		}
		if jsonLists[k] {
			if _, ok := e.([]any); !ok {
				t.Errorf("%s: %s.%s is %v, want a list", where, kind, k, e)
			}
		}
	}
	if len(m) != len(jsonSchema[kind]) {
		t.Errorf("%s: %s has %d keys, the schema %d: %v", where, kind, len(m), len(jsonSchema[kind]), keysOf(m))
	}
	each := func(key, kind string) {
		l, _ := m[key].([]any)
		for _, e := range l {
			checkKeys(t, where, kind, e)
		}
	}
	switch kind {
	case "document":
		each("sections", "section")
		each("findings", "finding")
		if m["data"] != nil {
			checkKeys(t, where, "data", m["data"])
		}
		if fp, ok := m["fingerprints"].(map[string]any); ok && (fp["sha256"] == nil || fp["sha1"] == nil) {
			t.Errorf("%s: fingerprints %v", where, fp)
		}
	case "section":
		each("fields", "field")
	case "data":
		checkKeys(t, where, "public_key", m["public_key"])
		checkKeys(t, where, "sans", m["sans"])
		each("extensions", "extension")
	}
}

func keysOf(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestJSONKeysOverCorpus marshals every document of the committed corpus
// (certificates, CSRs and CRLs crypto/x509 refuses among them), keys and
// a big CRL whose entries are rendered late, and checks every documented
// key is present in each, whatever the object holds or lacks.
func TestJSONKeysOverCorpus(t *testing.T) {
	dir := filepath.Join("testdata", "corpus")
	docs := 0
	kinds := map[string]int{}
	withFinding, withExplain := 0, 0
	check := func(label string, d Document) {
		b, err := json.Marshal(d)
		if err != nil {
			t.Fatalf("%s: %v", label, err)
		}
		var v any
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatalf("%s: %v", label, err)
		}
		checkKeys(t, label, "document", v)
		docs++
		kinds[d.Kind]++
		for _, s := range d.Sections {
			for _, f := range s.Fields {
				if f.Finding != "" {
					withFinding++
				}
				if f.Explain != "" {
					withExplain++
				}
			}
		}
	}
	err := filepath.WalkDir(dir, func(p string, e os.DirEntry, err error) error {
		if err != nil || e.IsDir() || strings.HasSuffix(p, ".md") {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		// Files openssl refuses are refused here too; the rest are shown.
		_ = Each(data, p, testNow, true, func(d Document) error {
			check(p, d)
			return nil
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	key := mustKey(t, pki.P256)
	check("private key", FromPrivateKey(key))
	check("public key", FromPublicKey(key.Public()))
	check("big CRL", crlDocument(t, entriesCRL(t, maxEntryFields+1)))
	// The corpus holds no CSR: pkibench's own, of every key type.
	for _, csr := range buildCorpus(t).csrs {
		check("csr "+csr.Subject.CommonName, FromCSR(csr))
	}
	t.Logf("%d documents (%v); %d fields with a finding, %d with an explanation", docs, kinds, withFinding, withExplain)
	if docs < 1000 || kinds["certificate"] == 0 || kinds["csr"] == 0 || kinds["crl"] == 0 {
		t.Errorf("%d documents %v; want over 1000, certificates, CSRs and CRLs among them", docs, kinds)
	}
	// Both kinds of fields, with and without the optional texts, were seen.
	if withFinding == 0 || withExplain == 0 {
		t.Errorf("no field with a finding (%d) or an explanation (%d): the check saw only one shape", withFinding, withExplain)
	}
}
