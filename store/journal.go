package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"

	"github.com/pkibench/pkibench/pki"
)

// journalFile sits in a CA folder while a write that ends with index lines
// (an issue batch, an intermediate CA, the import of a leaf of that CA) is
// between its first file and its index append. The index line is the commit
// point: after a crash, whatever the journal lists without an index line
// never happened, and the next write (or check --repair) removes it.
//
// The journal is written whole (temporary file, sync, rename) before any
// file it lists, so a journal that does not parse (a disk that filled up
// under an older version) cannot list anything on disk: nothing was
// committed and it is simply removed.
const journalFile = ".pending.json"

// crlMarker sits in a CA folder while a CRL publication writes its four
// files; it holds the CRL number being published. crl/<number>.pem is
// written first and is the publication's truth: the next write rolls the
// publication forward from it (crl.der and crl.pem), or, when it was never
// written, back (nothing changed but a skipped number, which RFC 5280 allows).
const crlMarker = ".crl-pending"

type journalItem struct {
	Serial string   `json:"serial"`
	Paths  []string `json:"paths"` // relative to the store, slash-separated
}

type journal struct {
	// Op says what was interrupted: "issue", "ca create" or "import".
	Op    string        `json:"op,omitempty"`
	Items []journalItem `json:"items"`
}

func (s *Store) journalPath(ca string) string { return filepath.Join(s.caDir(ca), journalFile) }

// beginJournal makes j durable in CA ca's folder before anything it lists
// is written.
func (s *Store) beginJournal(ca string, j journal) error {
	for _, it := range j.Items {
		for _, p := range it.Paths {
			if err := checkJournalPath(p); err != nil {
				return err
			}
		}
	}
	b, err := json.Marshal(j)
	if err != nil {
		return err
	}
	if err := writeFileAtomic(s.journalPath(ca), b, 0o600); err != nil {
		return fmt.Errorf("writing the journal of CA %s: %w", ca, err)
	}
	s.step("journal written")
	return nil
}

// journalled runs write between a journal and its removal; when write
// fails, what it left is rolled back at once rather than at the next write.
func (s *Store) journalled(ca string, j journal, write func() error) error {
	if err := s.beginJournal(ca, j); err != nil {
		return err
	}
	if err := write(); err != nil {
		if _, rerr := s.rollBack(); rerr != nil {
			return fmt.Errorf("%w (and rolling back: %v)", err, rerr)
		}
		return err
	}
	return s.endJournal(ca)
}

// endJournal removes the journal once its index lines are durable.
func (s *Store) endJournal(ca string) error { return os.Remove(s.journalPath(ca)) }

// checkJournalPath accepts exactly the paths a journal may list:
// certs/NAME, cas/NAME, imported/NAME and cas/CA/certs/SERIAL.pem. Names
// are store names, so "a..b" is one (and is rolled back like any other),
// while "../x" or "certs/../cas" are not and are never removed.
func checkJournalPath(p string) error {
	parts := strings.Split(p, "/")
	bad := &JournalError{Reason: fmt.Sprintf("lists %q, which is not a path pkibench writes", p)}
	switch len(parts) {
	case 2:
		if (parts[0] == "certs" || parts[0] == "cas" || parts[0] == "imported") && CheckName(parts[1]) == nil {
			return nil
		}
	case 4:
		serial, ok := strings.CutSuffix(parts[3], ".pem")
		if parts[0] == "cas" && CheckName(parts[1]) == nil && parts[2] == "certs" && ok && serial != "" {
			if _, isHex := parseHexSerial(serial); isHex && strings.ToUpper(serial) == serial {
				return nil
			}
		}
	}
	return bad
}

// JournalError is a journal pkibench cannot act on without guessing.
type JournalError struct {
	Path   string
	Reason string
}

func (e *JournalError) Error() string {
	return fmt.Sprintf("journal %s %s; check what it names and remove it by hand", e.Path, e.Reason)
}

// pendingJournals lists the CAs with an interrupted write.
func (s *Store) pendingJournals() []string {
	return s.casWith(journalFile)
}

// casWith lists the CA folders that hold file.
func (s *Store) casWith(file string) []string {
	cas, err := os.ReadDir(filepath.Join(s.root, "cas"))
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range cas {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") && exists(filepath.Join(s.caDir(e.Name()), file)) {
			out = append(out, e.Name())
		}
	}
	return out
}

// readJournal reads a CA's journal; torn is set (and j empty) when it does
// not parse, which means nothing it would have listed was written.
func (s *Store) readJournal(ca string) (j journal, torn bool, err error) {
	b, err := os.ReadFile(s.journalPath(ca))
	if err != nil {
		return journal{}, false, err
	}
	if json.Unmarshal(b, &j) != nil {
		return journal{}, true, nil
	}
	for _, it := range j.Items {
		for _, p := range it.Paths {
			if err := checkJournalPath(p); err != nil {
				var je *JournalError
				errors.As(err, &je)
				je.Path = s.journalPath(ca)
				return journal{}, false, je
			}
		}
	}
	return j, false, nil
}

// uncommitted returns the journal's items whose serial has no index line.
func (s *Store) uncommitted(ca string) (journal, []journalItem, bool, error) {
	j, torn, err := s.readJournal(ca)
	if err != nil || torn {
		return j, nil, torn, err
	}
	es, err := readIndex(filepath.Join(s.caDir(ca), "index.txt"))
	if err != nil {
		return j, nil, false, err
	}
	in := make(map[string]bool, len(es))
	for _, e := range es {
		in[e.SerialHex()] = true
	}
	var out []journalItem
	for _, it := range j.Items {
		if !in[it.Serial] {
			out = append(out, it)
		}
	}
	return j, out, false, nil
}

// rollBack finishes what interrupted writes left: it removes what journals
// list without an index line, and rolls interrupted CRL publications
// forward. It runs under the store lock at the start of every write.
func (s *Store) rollBack() ([]string, error) {
	var done []string
	for _, ca := range s.pendingJournals() {
		_, items, torn, err := s.uncommitted(ca)
		if err != nil {
			return done, err
		}
		if torn {
			done = append(done, filepath.Join("cas", ca, journalFile)+": torn journal removed (nothing it would list was written)")
		}
		for _, it := range items {
			for _, p := range it.Paths {
				if err := os.RemoveAll(filepath.Join(s.root, filepath.FromSlash(p))); err != nil {
					return done, err
				}
				done = append(done, p+": removed (interrupted write rolled back)")
			}
		}
		if err := os.Remove(s.journalPath(ca)); err != nil {
			return done, err
		}
	}
	for _, ca := range s.casWith(crlMarker) {
		msg, err := s.finishCRL(ca)
		if err != nil {
			return done, err
		}
		done = append(done, msg)
	}
	return done, nil
}

// finishCRL completes an interrupted publication of CA ca from its history
// file, or drops it when that file was never written.
func (s *Store) finishCRL(ca string) (string, error) {
	dir := s.caDir(ca)
	b, err := os.ReadFile(filepath.Join(dir, crlMarker))
	if err != nil {
		return "", err
	}
	num, ok := new(big.Int).SetString(strings.TrimSpace(string(b)), 16)
	msg := filepath.Join("cas", ca, crlMarker) + ": "
	if name, isFile := strings.CutPrefix(strings.TrimSpace(string(b)), crlMarkerFile); isFile {
		m, err := s.finishCRLImport(dir, name)
		if err != nil {
			return "", err
		}
		return msg + m, os.Remove(filepath.Join(dir, crlMarker))
	}
	if ok {
		hist := filepath.Join(dir, "crl", pki.SerialHex(num)+".pem")
		der, err := readCRLFile(hist)
		switch {
		case err == nil:
			if err := s.placeCRL(dir, der); err != nil {
				return "", err
			}
			if err := ensureCRLNumberAbove(dir, num); err != nil {
				return "", err
			}
			msg += "interrupted publication of CRL " + pki.SerialHex(num) + " completed from " + filepath.Join("crl", pki.SerialHex(num)+".pem")
		case os.IsNotExist(err):
			msg += "interrupted publication of CRL " + pki.SerialHex(num) + " dropped (it was never written)"
		default:
			return "", err
		}
	} else {
		msg += "torn marker removed (nothing was published)"
	}
	return msg, os.Remove(filepath.Join(dir, crlMarker))
}

// crlMarkerFile starts a marker written by an import: the name of the
// history file (crl/NAME) that is becoming current. A publication's marker
// holds its number.
const crlMarkerFile = "file "

// finishCRLImport completes an interrupted import that was making
// crl/name current, or drops it when the history file was never written.
func (s *Store) finishCRLImport(dir, name string) (string, error) {
	if name == "" || strings.ContainsAny(name, "/\\") || strings.HasPrefix(name, ".") || !strings.HasSuffix(name, ".pem") {
		return "", &JournalError{Path: filepath.Join(dir, crlMarker), Reason: fmt.Sprintf("names %q, not a file of crl/", name)}
	}
	der, err := readCRLFile(filepath.Join(dir, "crl", name))
	switch {
	case os.IsNotExist(err):
		return "interrupted import of crl/" + name + " dropped (it was never written)", nil
	case err != nil:
		return "", err
	}
	h, err := pki.ParseCRLHeader(der)
	if err != nil {
		return "", err
	}
	if h.Number != nil {
		if err := ensureCRLNumberAbove(dir, h.Number); err != nil {
			return "", err
		}
	}
	if err := s.placeCRL(dir, der); err != nil {
		return "", err
	}
	return "interrupted import completed from crl/" + name, nil
}

// readCRLFile reads a PEM CRL and returns its DER.
func readCRLFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	objs, err := pki.Decode(b, path)
	if err != nil {
		return nil, err
	}
	if len(objs) != 1 || objs[0].CRL == nil {
		return nil, fmt.Errorf("%s: expected one CRL", path)
	}
	return objs[0].CRL.Raw, nil
}
