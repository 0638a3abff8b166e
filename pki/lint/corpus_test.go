package lint

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pkibench/pkibench/pki/inspect"
)

// TestCorpusJSONAndLint runs what `inspect --json --lint` runs over every
// file of both parity corpora (public test material, much of it malformed
// on purpose): no panic anywhere; a file inspect refuses gets an error that
// names it (the parity tests prove inspect refuses only what openssl
// refuses); every document it prints lints without error and marshals to
// valid JSON.
func TestCorpusJSONAndLint(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	files, printed, refused := 0, 0, 0
	for _, dir := range []string{"../inspect/testdata/corpus", "../inspect/testdata/corpus2"} {
		err := filepath.WalkDir(dir, func(p string, e os.DirEntry, err error) error {
			if err != nil || e.IsDir() {
				return err
			}
			switch filepath.Ext(p) {
			case ".md", ".py", ".cnf", ".got", ".want":
				return nil
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			files++
			docs, ierr := safeInspect(data, p, now)
			if ierr != nil {
				if strings.Contains(ierr.Error(), "panic") {
					t.Errorf("%s: %v", p, ierr)
				} else if !strings.Contains(ierr.Error(), p) {
					t.Errorf("%s: error does not name the file: %v", p, ierr)
				}
				refused++
				return nil
			}
			for i := range docs {
				if err := safeLint(&docs[i]); err != nil {
					t.Errorf("%s: lint: %v", p, err)
				}
				out, err := json.Marshal(struct {
					Source    string             `json:"source"`
					Documents []inspect.Document `json:"documents"`
				}{p, docs[i : i+1]})
				if err != nil || !json.Valid(out) {
					t.Errorf("%s: JSON: %v", p, err)
				}
				printed++
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%d files: %d documents printed, linted and marshalled; %d files refused", files, printed, refused)
	if files < 2000 || printed < 2000 {
		t.Errorf("only %d files, %d documents: the corpora went missing", files, printed)
	}
}

func safeInspect(data []byte, source string, now time.Time) (docs []inspect.Document, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return inspectAll(data, source, now)
}

func safeLint(d *inspect.Document) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return Document(d)
}
