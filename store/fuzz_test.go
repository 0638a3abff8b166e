package store

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzImport: no input makes import panic, and a refused input leaves no
// trace in the store.
func FuzzImport(f *testing.F) {
	st, err := OpenOrCreate(filepath.Join(f.TempDir(), "pki"))
	if err != nil {
		f.Fatal(err)
	}
	if _, err := st.CreateCA(CAOptions{Name: "abc"}); err != nil {
		f.Fatal(err)
	}
	ca, _ := os.ReadFile(filepath.Join(st.Path(), "cas/abc/ca.crt"))
	key, _ := os.ReadFile(filepath.Join(st.Path(), "cas/abc/ca.key"))
	f.Add(ca, []byte{})
	f.Add(ca, key)
	f.Add([]byte("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"), []byte{})
	f.Add([]byte{0x30, 0x03, 0x02, 0x01, 0x03}, []byte{})
	pass := func(string) ([]byte, error) { return []byte("x"), nil }
	f.Fuzz(func(t *testing.T, a, b []byte) {
		files := []ImportFile{{Source: "a.pem", Data: a}}
		if len(b) > 0 {
			files = append(files, ImportFile{Source: "b.key", Data: b})
		}
		res, err := st.Import(files, ImportOptions{As: "fuzzed", Passphrase: pass})
		if err != nil {
			for _, d := range []string{"certs/fuzzed", "imported/fuzzed", "cas/fuzzed"} {
				if exists(filepath.Join(st.Path(), d)) {
					t.Fatalf("refused import left %s", d)
				}
			}
			return
		}
		// Undo an accepted import so the next input can use the name.
		os.RemoveAll(res.Dir)
		if res.CA != "" && res.Kind == "issued" {
			idx := filepath.Join(st.Path(), "cas", res.CA, "index.txt")
			es, _ := readIndex(idx)
			var keep []Entry
			for _, e := range es {
				if e.Name() != "fuzzed" {
					keep = append(keep, e)
				}
			}
			writeIndex(idx, keep)
			os.Remove(filepath.Join(st.Path(), "cas", res.CA, "certs", res.Serial+".pem"))
		}
	})
}
