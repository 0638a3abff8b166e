package store

import (
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/pkibench/pkibench/pki"
)

// Problem is one thing check found.
type Problem struct {
	Severity string `json:"severity"` // "problem" or "warning"
	Path     string `json:"path"`
	Message  string `json:"message"`
	Repaired bool   `json:"repaired,omitempty"`
	// Fix is what mends it, when the store knows (the CLI renders it as a
	// command, the TUI as a key).
	Fix *pki.Fix `json:"fix,omitempty"`
}

// CheckReport is the outcome of Check.
type CheckReport struct {
	CAs      int       `json:"cas"`
	Certs    int       `json:"certs"`
	Problems []Problem `json:"problems"`
	Repaired []string  `json:"repaired,omitempty"`
}

// Remaining counts the problems (not warnings) that were not repaired.
func (r *CheckReport) Remaining() int {
	n := 0
	for _, p := range r.Problems {
		if p.Severity == "problem" && !p.Repaired {
			n++
		}
	}
	return n
}

// Check verifies the store without changing it, unless repair is set: then
// it fixes permissions, torn index tails, leftover staging files and
// interrupted writes. It holds the store lock (shared when only reading), so
// a write in progress in another process is never reported as orphans.
func (s *Store) Check(repair bool) (*CheckReport, error) {
	rep := &CheckReport{Problems: []Problem{}}
	run := func() error { return s.check(rep, repair) }
	if err := s.checkLockFile(); err != nil {
		// The lock cannot be taken safely: report, read, change nothing.
		rep.Problems = append(rep.Problems, Problem{Severity: "problem", Path: ".lock", Message: err.Error() + " (a symbolic link?)"})
		repair = false
		return rep, run()
	}
	if repair {
		return rep, s.locked(func() error {
			// Repairs write: never through a planted link.
			if err := s.checkWalls(); err != nil {
				rep.Problems = append(rep.Problems, Problem{Severity: "problem", Path: ".", Message: "not repairing anything: " + err.Error()})
				repair = false
			}
			return run()
		})
	}
	return rep, s.rlocked(run)
}

func (s *Store) check(rep *CheckReport, repair bool) error {
	add := func(sev, path, format string, a ...any) *Problem {
		rel, _ := filepath.Rel(s.root, path)
		rep.Problems = append(rep.Problems, Problem{Severity: sev, Path: rel, Message: fmt.Sprintf(format, a...)})
		return &rep.Problems[len(rep.Problems)-1]
	}
	perm := func(path string, want os.FileMode) {
		fi, err := os.Lstat(path)
		if err != nil {
			return
		}
		if fi.Mode()&os.ModeSymlink != 0 {
			add("problem", path, "is a symbolic link; the store never makes links (someone planted it?)")
			return
		}
		if fi.Mode().Perm()&^want != 0 {
			p := add("problem", path, "permissions %o are looser than %o", fi.Mode().Perm(), want)
			if repair && os.Chmod(path, want) == nil {
				p.Repaired = true
				rep.Repaired = append(rep.Repaired, fmt.Sprintf("%s: chmod %o", p.Path, want))
			}
		}
	}
	perm(s.root, 0o700)
	now := s.now()
	// Leftover staging folders and temporary files from an interrupted write.
	filepath.WalkDir(s.root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if strings.HasPrefix(d.Name(), ".new-") || strings.HasPrefix(d.Name(), ".tmp-") {
			pr := add("warning", p, "left over from an interrupted write (nothing refers to it)")
			if repair && os.RemoveAll(p) == nil {
				pr.Repaired = true
				rep.Repaired = append(rep.Repaired, pr.Path+": removed")
			}
			if d.IsDir() {
				return filepath.SkipDir
			}
		}
		if d.Type()&os.ModeSymlink != 0 {
			add("problem", p, "is a symbolic link; the store never makes links (someone planted it?)")
		}
		return nil
	})
	for _, d := range []string{"cas", "certs", "imported"} {
		perm(filepath.Join(s.root, d), 0o700)
	}
	// An interrupted write: what it left without an index line never
	// happened and is rolled back by the next write or by --repair.
	pending := map[string]bool{}
	for _, ca := range s.pendingJournals() {
		j, items, torn, err := s.uncommitted(ca)
		if err != nil {
			add("problem", s.journalPath(ca), "%v", err)
			continue
		}
		if torn {
			add("warning", s.journalPath(ca), "torn journal (a write failed or was interrupted before it began): nothing it would list was written; removed by the next write or check --repair")
			continue
		}
		for _, it := range items {
			for _, p := range it.Paths {
				pending[p] = true
			}
		}
		op := j.Op
		if op == "" {
			op = "issue"
		}
		p := add("warning", s.journalPath(ca), "%s of %d certificate(s) was interrupted before its index lines; it did not happen and is rolled back by the next write or a repair", op, len(items))
		p.Fix = &pki.Fix{Kind: pki.FixRepair, Say: "roll the interrupted " + op + " back now"}
	}
	crlPending := map[string]bool{}
	for _, ca := range s.casWith(crlMarker) {
		crlPending[ca] = true
		add("warning", filepath.Join(s.caDir(ca), crlMarker), "a CRL publication was interrupted; the next write or check --repair completes it from the crl/ history (or drops it if it was never written)")
	}
	if repair {
		done, err := s.rollBack()
		var je *JournalError
		if err != nil && !errors.As(err, &je) {
			return err
		} // a forged journal is reported above and left for a person to judge
		rep.Repaired = append(rep.Repaired, done...)
		pending = map[string]bool{}
		crlPending = map[string]bool{}
	}
	cas, err := os.ReadDir(filepath.Join(s.root, "cas"))
	if err != nil {
		return err
	}
	// Intermediates first: one without its parent's index line also leaves
	// its certificate file there without a line, one fault said once.
	for _, e := range cas {
		name := e.Name()
		if !e.IsDir() || strings.HasPrefix(name, ".") || pending["cas/"+name] {
			continue
		}
		m, err := s.readCAMeta(name)
		if err != nil || m.Parent == "" || m.Imported {
			continue
		}
		if cert, err := s.caCert(name); err == nil {
			if f := s.checkInParentIndex(add, rep, repair, name, m.Parent, cert); f != "" {
				pending[f] = true
			}
		}
	}
	indexed := map[string]bool{} // certs/<name> named by some index line
	for _, e := range cas {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		rep.CAs++
		name := e.Name()
		dir := s.caDir(name)
		perm(dir, 0o700)
		perm(filepath.Join(dir, "ca.key"), 0o600)
		cert, err := s.caCert(name)
		if err != nil {
			add("problem", filepath.Join(dir, "ca.crt"), "%v", err)
			continue
		}
		if now.After(cert.NotAfter) {
			add("warning", filepath.Join(dir, "ca.crt"), "the CA expired on %s", cert.NotAfter.UTC().Format("2006-01-02"))
		} else if cert.NotAfter.Sub(now) < CAWarnBefore {
			add("warning", filepath.Join(dir, "ca.crt"), "the CA expires on %s", cert.NotAfter.UTC().Format("2006-01-02"))
		}
		perm(filepath.Join(dir, "certs"), 0o700)
		perm(filepath.Join(dir, "crl"), 0o700)
		if exists(filepath.Join(dir, "ca.key")) {
			if s.checkKey(add, filepath.Join(dir, "ca.key"), cert) {
				add("warning", filepath.Join(dir, "ca.key"), "the CA's private key is not encrypted (anyone who can read the file can sign as %s)", name)
			}
		}
		idxPath := filepath.Join(dir, "index.txt")
		b, err := os.ReadFile(idxPath)
		if err != nil && !os.IsNotExist(err) {
			return err
		}
		es, torn, err := ParseIndex(b, idxPath)
		if err != nil {
			add("problem", idxPath, "not openssl's index format: %v", err)
			continue
		}
		if torn {
			p := add("problem", idxPath, "the last line is torn (a write was interrupted); it is ignored")
			if repair && cutTornTail(idxPath) == nil {
				p.Repaired = true
				rep.Repaired = append(rep.Repaired, p.Path+": torn last line cut")
			}
		}
		serials := map[string]bool{}
		for _, en := range es {
			h := en.SerialHex()
			if serials[h] {
				add("problem", idxPath, "serial %s appears twice", h)
			}
			serials[h] = true
			if !exists(filepath.Join(dir, "certs", h+".pem")) {
				add("problem", filepath.Join(dir, "certs", h+".pem"), "index line for serial %s has no certificate file", h)
			}
			if strings.HasPrefix(en.File, "certs/") {
				indexed[en.Name()] = true
				rep.Certs++
				if !exists(s.certDir(en.Name())) {
					add("problem", s.certDir(en.Name()), "index of %s names it (serial %s) but the folder is missing", name, h)
				}
			}
		}
		files, _ := os.ReadDir(filepath.Join(dir, "certs"))
		for _, f := range files {
			h := strings.TrimSuffix(f.Name(), ".pem")
			if !strings.HasPrefix(f.Name(), ".") && !serials[h] && !pending[filepath.Join("cas", name, "certs", f.Name())] && exists(filepath.Join(dir, "certs", f.Name())) {
				add("problem", filepath.Join(dir, "certs", f.Name()), "certificate file has no line in %s's index (orphan)", name)
			}
		}
		revoked := 0
		for _, en := range es {
			if en.Flag == 'R' {
				revoked++
			}
		}
		if !crlPending[name] {
			s.checkCRL(add, rep, repair, name, revoked, now)
		}
	}
	certs, _ := os.ReadDir(filepath.Join(s.root, "certs"))
	for _, e := range certs {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		dir := s.certDir(e.Name())
		if pending["certs/"+e.Name()] {
			continue // part of an interrupted batch: it did not happen
		}
		perm(dir, 0o700)
		perm(filepath.Join(dir, "key.pem"), 0o600)
		var m certMeta
		if err := readJSON(filepath.Join(dir, "meta.json"), &m); err != nil {
			add("problem", filepath.Join(dir, "meta.json"), "%v", err)
			continue
		}
		if m.Pending {
			continue
		}
		if !indexed[e.Name()] {
			if pending["certs/"+e.Name()] || !exists(dir) {
				continue
			}
			p := add("problem", dir, "no index line names this certificate (orphan folder): it cannot be revoked")
			if repair && m.CA != "" {
				if err := s.recordOrphan(e.Name(), m.CA); err == nil {
					// Its certificate file, reported as an orphan above, is now indexed too.
					for i := range rep.Problems {
						if rep.Problems[i].Path == filepath.Join("cas", m.CA, "certs", m.Serial+".pem") {
							rep.Problems[i].Repaired = true
						}
					}
					p.Repaired = true
					rep.Repaired = append(rep.Repaired, p.Path+": recorded in the index of "+m.CA+" (its certificate is signed by "+m.CA+")")
				} else {
					p.Message += " (" + err.Error() + ")"
				}
			}
		}
		cs, err := readCerts(filepath.Join(dir, "cert.pem"))
		if err != nil {
			add("problem", filepath.Join(dir, "cert.pem"), "%v", err)
			continue
		}
		if exists(filepath.Join(dir, "key.pem")) {
			s.checkKey(add, filepath.Join(dir, "key.pem"), cs[0])
		}
	}
	imps, _ := os.ReadDir(filepath.Join(s.root, "imported"))
	for _, e := range imps {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			perm(s.impDir(e.Name()), 0o700)
			perm(filepath.Join(s.impDir(e.Name()), "key.pem"), 0o600)
		}
	}
	return nil
}

// checkKey compares a key file with its certificate; it reports whether
// the key is stored in the clear.
func (s *Store) checkKey(add func(string, string, string, ...any) *Problem, path string, cert *x509.Certificate) (clear bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		add("problem", path, "%v", err)
		return false
	}
	objs, err := pki.Decode(b, path)
	if err != nil {
		add("problem", path, "%v", err)
		return false
	}
	for _, o := range objs {
		if o.Kind == pki.KindPrivateKey {
			if err := pki.CheckKeyPair(cert, o.Key); err != nil {
				add("problem", path, "%v", err)
			}
			return true
		}
		if o.Kind == pki.KindEncryptedKey {
			return false // cannot compare without the passphrase; check never asks for one
		}
	}
	add("problem", path, "no private key in the file")
	return false
}
