package store

import (
	"os"
	"path/filepath"
	"testing"
)

// fuzzStoreDir puts a fuzz target's store on /dev/shm when there is one:
// an accepted import ends with a filesystem sync, which costs up to a
// second on a busy disk and nothing on tmpfs, and the property under test
// (no panic, no trace of a refused input) does not depend on durability.
func fuzzStoreDir(f *testing.F) string {
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		if d, err := os.MkdirTemp("/dev/shm", "pkibench-fuzz-"); err == nil {
			f.Cleanup(func() { os.RemoveAll(d) })
			return filepath.Join(d, "pki")
		}
	}
	return filepath.Join(f.TempDir(), "pki")
}

// FuzzImport: no input makes import panic, and a refused input leaves no
// trace in the store. Its seeds cover every kind import reads, encrypted
// ones included with a PBKDF2/MAC iteration count of 1 (testdata/fuzzseed:
// test fixtures, not secrets), so that exploring them costs no real key
// derivation; accepted keys are stored decrypted (DecryptKey) for the same
// reason. Thousands of executions a second (see BENCHMARKS.md).
func FuzzImport(f *testing.F) {
	st, err := OpenOrCreate(fuzzStoreDir(f))
	if err != nil {
		f.Fatal(err)
	}
	if _, err := st.CreateCA(CAOptions{Name: "abc"}); err != nil {
		f.Fatal(err)
	}
	if _, err := st.Issue(IssueOptions{Names: []string{"leaf"}, CA: "abc", Profile: "client"}); err != nil {
		f.Fatal(err)
	}
	read := func(p string) []byte {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		return b
	}
	ca, key := read(filepath.Join(st.Path(), "cas/abc/ca.crt")), read(filepath.Join(st.Path(), "cas/abc/ca.key"))
	leaf, leafKey := read(filepath.Join(st.Path(), "certs/leaf/cert.pem")), read(filepath.Join(st.Path(), "certs/leaf/key.pem"))
	os.RemoveAll(filepath.Join(st.Path(), "certs/leaf")) // so the leaf's import is accepted as a fresh name
	dropIndexLineF(st, "abc", "certs/leaf")
	f.Add(ca, []byte{})
	f.Add(ca, key)
	f.Add(leaf, leafKey)
	f.Add(read("testdata/fuzzseed/cert.pem"), read("testdata/fuzzseed/key-pbes2-iter1.pem"))
	f.Add(read("testdata/fuzzseed/bundle-iter1.p12"), []byte{})
	f.Add([]byte("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"), []byte{})
	f.Add([]byte{0x30, 0x03, 0x02, 0x01, 0x03}, []byte{})
	pass := func(string) ([]byte, error) { return []byte("x"), nil }
	f.Fuzz(func(t *testing.T, a, b []byte) {
		files := []ImportFile{{Source: "a.pem", Data: a}}
		if len(b) > 0 {
			files = append(files, ImportFile{Source: "b.key", Data: b})
		}
		res, err := st.Import(files, ImportOptions{As: "fuzzed", Passphrase: pass, DecryptKey: true})
		if err != nil {
			for _, d := range []string{"certs/fuzzed", "imported/fuzzed", "cas/fuzzed"} {
				if exists(filepath.Join(st.Path(), d)) {
					t.Fatalf("refused import left %s", d)
				}
			}
			return
		}
		// A leaf recorded in its CA's index round-trips through its line:
		// the line parses back to the six fields of the certificate.
		if res.Kind == "issued" {
			cs, err := readCerts(filepath.Join(res.Dir, "cert.pem"))
			if err != nil {
				t.Fatal(err)
			}
			es, err := readIndex(filepath.Join(st.Path(), "cas", res.CA, "index.txt"))
			if err != nil {
				t.Fatalf("the index no longer parses: %v", err)
			}
			found := false
			for _, e := range es {
				if e.File == "certs/fuzzed" {
					found = true
					sameFields(t, entryFor(cs[0], "certs/fuzzed"), e)
				}
			}
			if !found {
				t.Fatal("accepted leaf has no index line")
			}
		}
		// Undo an accepted import so the next input can use the name.
		os.RemoveAll(res.Dir)
		if res.CA != "" && res.Kind == "issued" {
			dropIndexLineF(st, res.CA, "certs/fuzzed")
			os.Remove(filepath.Join(st.Path(), "cas", res.CA, "certs", res.Serial+".pem"))
		}
	})
}

func dropIndexLineF(st *Store, ca, file string) {
	idx := filepath.Join(st.Path(), "cas", ca, "index.txt")
	es, _ := readIndex(idx)
	var keep []Entry
	for _, e := range es {
		if e.File != file {
			keep = append(keep, e)
		}
	}
	writeIndex(idx, keep)
}

// The low-iteration seeds really open (so the fuzzer explores decryption,
// not only refusals).
func TestFuzzSeedsOpen(t *testing.T) {
	st := newStore(t)
	pass := func(string) ([]byte, error) { return []byte("x"), nil }
	cert, _ := os.ReadFile("testdata/fuzzseed/cert.pem")
	key, _ := os.ReadFile("testdata/fuzzseed/key-pbes2-iter1.pem")
	p12, _ := os.ReadFile("testdata/fuzzseed/bundle-iter1.p12")
	for as, files := range map[string][]ImportFile{
		"pkcs8": {{Source: "cert.pem", Data: cert}, {Source: "key.pem", Data: key}},
		"p12":   {{Source: "bundle.p12", Data: p12}},
	} {
		res, err := st.Import(files, ImportOptions{As: as, Passphrase: pass, DecryptKey: true})
		if err != nil || !res.HasKey {
			t.Errorf("%s: %+v %v", as, res, err)
		}
	}
}
