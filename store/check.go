package store

import (
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pkibench/pkibench/pki"
)

// Problem is one thing check found.
type Problem struct {
	Severity string `json:"severity"` // "problem" or "warning"
	Path     string `json:"path"`
	Message  string `json:"message"`
	Repaired bool   `json:"repaired"`
	// Fix is what mends it, when the store knows (the CLI renders it as a
	// command, the TUI as a key).
	Fix *pki.Fix `json:"fix"`
}

// CheckReport is the outcome of Check.
type CheckReport struct {
	CAs      int       `json:"cas"`
	Certs    int       `json:"certs"`
	Problems []Problem `json:"problems"`
	Repaired []string  `json:"repaired"`
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

// checker is one run of check: what it found so far, and what an
// interrupted write still claims (pending paths did not happen).
type checker struct {
	s          *Store
	rep        *CheckReport
	repair     bool
	now        time.Time
	pending    map[string]bool // store paths an interrupted write lists
	crlPending map[string]bool // CAs with an interrupted CRL publication
	indexed    map[string]bool // certs/<name> named by some index line
}

func (s *Store) check(rep *CheckReport, repair bool) error {
	c := &checker{s: s, rep: rep, repair: repair, now: s.now(),
		pending: map[string]bool{}, crlPending: map[string]bool{}, indexed: map[string]bool{}}
	c.perm(s.root, 0o700)
	c.leftovers()
	for _, d := range []string{"cas", "certs", "imported"} {
		c.perm(filepath.Join(s.root, d), 0o700)
	}
	if err := c.interrupted(); err != nil {
		return err
	}
	cas, err := os.ReadDir(filepath.Join(s.root, "cas"))
	if err != nil {
		return err
	}
	// Intermediates first: one without its parent's index line also leaves
	// its certificate file there without a line, one fault said once.
	for _, e := range cas {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") && !c.pending["cas/"+e.Name()] {
			c.inParentIndex(e.Name())
		}
	}
	for _, e := range cas {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			if err := c.ca(e.Name()); err != nil {
				return err
			}
		}
	}
	certs, _ := os.ReadDir(filepath.Join(s.root, "certs"))
	for _, e := range certs {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") && !c.pending["certs/"+e.Name()] {
			c.cert(e.Name()) // a pending one is part of an interrupted batch: it did not happen
		}
	}
	imps, _ := os.ReadDir(filepath.Join(s.root, "imported"))
	for _, e := range imps {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			c.perm(s.impDir(e.Name()), 0o700)
			c.perm(filepath.Join(s.impDir(e.Name()), "key.pem"), 0o600)
		}
	}
	return nil
}

func (c *checker) add(sev, path, format string, a ...any) *Problem {
	rel, _ := filepath.Rel(c.s.root, path)
	c.rep.Problems = append(c.rep.Problems, Problem{Severity: sev, Path: rel, Message: fmt.Sprintf(format, a...)})
	return &c.rep.Problems[len(c.rep.Problems)-1]
}

// fixed records that p was repaired, and how.
func (c *checker) fixed(p *Problem, what string) {
	p.Repaired = true
	c.rep.Repaired = append(c.rep.Repaired, p.Path+": "+what)
}

// perm reports a link, or modes looser than want (chmod when repairing).
func (c *checker) perm(path string, want os.FileMode) {
	fi, err := os.Lstat(path)
	if err != nil {
		return
	}
	if fi.Mode()&os.ModeSymlink != 0 {
		c.add("problem", path, "is a symbolic link; the store never makes links (someone planted it?)")
		return
	}
	if fi.Mode().Perm()&^want != 0 {
		p := c.add("problem", path, "permissions %o are looser than %o", fi.Mode().Perm(), want)
		if c.repair && os.Chmod(path, want) == nil {
			c.fixed(p, fmt.Sprintf("chmod %o", want))
		}
	}
}

// leftovers finds staging folders and temporary files of an interrupted
// write, and links planted anywhere in the store.
func (c *checker) leftovers() {
	filepath.WalkDir(c.s.root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if strings.HasPrefix(d.Name(), ".new-") || strings.HasPrefix(d.Name(), ".tmp-") {
			pr := c.add("warning", p, "left over from an interrupted write (nothing refers to it)")
			if c.repair && os.RemoveAll(p) == nil {
				c.fixed(pr, "removed")
			}
			if d.IsDir() {
				return filepath.SkipDir
			}
		}
		if d.Type()&os.ModeSymlink != 0 {
			c.add("problem", p, "is a symbolic link; the store never makes links (someone planted it?)")
		}
		return nil
	})
}

// interrupted reports journals and CRL markers of interrupted writes: what
// they left without an index line never happened and is rolled back by the
// next write or by --repair (which runs here).
func (c *checker) interrupted() error {
	s := c.s
	for _, ca := range s.pendingJournals() {
		j, items, torn, err := s.uncommitted(ca)
		if err != nil {
			c.add("problem", s.journalPath(ca), "%v", err)
			continue
		}
		if torn {
			c.add("warning", s.journalPath(ca), "torn journal (a write failed or was interrupted before it began): nothing it would list was written; removed by the next write or check --repair")
			continue
		}
		for _, it := range items {
			for _, p := range it.Paths {
				c.pending[p] = true
			}
		}
		op := j.Op
		if op == "" {
			op = "issue"
		}
		p := c.add("warning", s.journalPath(ca), "%s of %d certificate(s) was interrupted before its index lines; it did not happen and is rolled back by the next write or a repair", op, len(items))
		p.Fix = &pki.Fix{Kind: pki.FixRepair, Say: "roll the interrupted " + op + " back now"}
	}
	for _, ca := range s.casWith(crlMarker) {
		c.crlPending[ca] = true
		c.add("warning", filepath.Join(s.caDir(ca), crlMarker), "a CRL publication was interrupted; the next write or check --repair completes it from the crl/ history (or drops it if it was never written)")
	}
	if !c.repair {
		return nil
	}
	done, err := s.rollBack()
	var je *JournalError
	if err != nil && !errors.As(err, &je) {
		return err
	} // a forged journal is reported above and left for a person to judge
	c.rep.Repaired = append(c.rep.Repaired, done...)
	c.pending = map[string]bool{}
	c.crlPending = map[string]bool{}
	return nil
}

// inParentIndex checks that intermediate name has its line in its parent's
// index; the certificate file it names there is then no orphan of its own.
func (c *checker) inParentIndex(name string) {
	m, err := c.s.readCAMeta(name)
	if err != nil || m.Parent == "" || m.Imported {
		return
	}
	if cert, err := c.s.caCert(name); err == nil {
		if f := c.s.checkInParentIndex(c.add, c.rep, c.repair, name, m.Parent, cert); f != "" {
			c.pending[f] = true
		}
	}
}

// ca checks one CA folder: modes, certificate, key, index, issued files, CRL.
func (c *checker) ca(name string) error {
	c.rep.CAs++
	dir := c.s.caDir(name)
	c.perm(dir, 0o700)
	c.perm(filepath.Join(dir, "ca.key"), 0o600)
	cert, err := c.s.caCert(name)
	if err != nil {
		c.add("problem", filepath.Join(dir, "ca.crt"), "%v", err)
		return nil
	}
	if c.now.After(cert.NotAfter) {
		c.add("warning", filepath.Join(dir, "ca.crt"), "the CA expired on %s", cert.NotAfter.UTC().Format("2006-01-02"))
	} else if cert.NotAfter.Sub(c.now) < CAWarnBefore {
		c.add("warning", filepath.Join(dir, "ca.crt"), "the CA expires on %s", cert.NotAfter.UTC().Format("2006-01-02"))
	}
	c.perm(filepath.Join(dir, "certs"), 0o700)
	c.perm(filepath.Join(dir, "crl"), 0o700)
	if exists(filepath.Join(dir, "ca.key")) && c.s.checkKey(c.add, filepath.Join(dir, "ca.key"), cert) {
		c.add("warning", filepath.Join(dir, "ca.key"), "the CA's private key is not encrypted (anyone who can read the file can sign as %s)", name)
	}
	es, ok, err := c.index(name)
	if err != nil || !ok {
		return err
	}
	c.counts(name, es)
	revoked := 0
	for _, en := range es {
		if en.Flag == 'R' {
			revoked++
		}
	}
	if !c.crlPending[name] {
		c.s.checkCRL(c.add, c.rep, c.repair, name, revoked, c.now)
	}
	return nil
}

// index checks a CA's index lines against its certificate files and the
// identity folders; ok is false when it is not openssl's format.
func (c *checker) index(name string) (es []Entry, ok bool, err error) {
	dir := c.s.caDir(name)
	idxPath := filepath.Join(dir, "index.txt")
	b, err := readIndexFile(idxPath)
	if err != nil && !os.IsNotExist(err) {
		c.add("problem", idxPath, "cannot be read: %v", err)
		return nil, false, nil
	}
	es, torn, err := ParseIndex(b, idxPath)
	if err != nil {
		c.add("problem", idxPath, "not openssl's index format: %v", err)
		return nil, false, nil
	}
	if torn {
		p := c.add("problem", idxPath, "the last line is torn (a write was interrupted); it is ignored")
		if c.repair && cutTornTail(idxPath) == nil {
			c.fixed(p, "torn last line cut")
		}
	}
	serials := map[string]bool{}
	for _, en := range es {
		h := en.SerialHex()
		if serials[h] {
			c.add("problem", idxPath, "serial %s appears twice", h)
		}
		serials[h] = true
		if !exists(filepath.Join(dir, "certs", h+".pem")) {
			c.add("problem", filepath.Join(dir, "certs", h+".pem"), "index line for serial %s has no certificate file", h)
		}
		if strings.HasPrefix(en.File, "certs/") {
			c.indexed[en.Name()] = true
			c.rep.Certs++
			if !exists(c.s.certDir(en.Name())) {
				c.add("problem", c.s.certDir(en.Name()), "index of %s names it (serial %s) but the folder is missing", name, h)
			}
		}
	}
	files, _ := os.ReadDir(filepath.Join(dir, "certs"))
	for _, f := range files {
		h := strings.TrimSuffix(f.Name(), ".pem")
		if !strings.HasPrefix(f.Name(), ".") && !serials[h] && !c.pending[filepath.Join("cas", name, "certs", f.Name())] && exists(filepath.Join(dir, "certs", f.Name())) {
			c.add("problem", filepath.Join(dir, "certs", f.Name()), "certificate file has no line in %s's index (orphan)", name)
		}
	}
	return es, true, nil
}

// cert checks one issued identity folder: modes, meta, its index line, key.
func (c *checker) cert(name string) {
	dir := c.s.certDir(name)
	c.perm(dir, 0o700)
	c.perm(filepath.Join(dir, "key.pem"), 0o600)
	var m certMeta
	if err := readJSON(filepath.Join(dir, "meta.json"), &m); err != nil {
		c.add("problem", filepath.Join(dir, "meta.json"), "%v", err)
		return
	}
	if m.Pending {
		return
	}
	if !c.indexed[name] && exists(dir) {
		c.orphan(name, dir, m)
	}
	cs, err := readCerts(filepath.Join(dir, "cert.pem"))
	if err != nil {
		c.add("problem", filepath.Join(dir, "cert.pem"), "%v", err)
		return
	}
	if exists(filepath.Join(dir, "key.pem")) {
		c.s.checkKey(c.add, filepath.Join(dir, "key.pem"), cs[0])
	}
}

// orphan reports an identity no index line names; a repair records it in
// its CA's index when that CA signed it and the serial is free.
func (c *checker) orphan(name, dir string, m certMeta) {
	p := c.add("problem", dir, "no index line names this certificate (orphan folder): it cannot be revoked")
	if !c.repair || m.CA == "" {
		return
	}
	if err := c.s.recordOrphan(name, m.CA); err != nil {
		p.Message += " (" + err.Error() + ")"
		return
	}
	// Its certificate file, reported as an orphan above, is now indexed too.
	for i := range c.rep.Problems {
		if c.rep.Problems[i].Path == filepath.Join("cas", m.CA, "certs", m.Serial+".pem") {
			c.rep.Problems[i].Repaired = true
		}
	}
	c.fixed(p, "recorded in the index of "+m.CA+" (its certificate is signed by "+m.CA+")")
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
