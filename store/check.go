package store

import (
	"crypto/x509"
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
// it fixes permissions, torn index tails and leftover staging files.
func (s *Store) Check(repair bool) (*CheckReport, error) {
	rep := &CheckReport{Problems: []Problem{}}
	run := func() error { return s.check(rep, repair) }
	if repair {
		return rep, s.locked(run)
	}
	return rep, run()
}

// checker is one run of check: the report, whether to repair, and what
// the steps learn for each other (an interrupted batch's paths, the
// identities some index names).
type checker struct {
	s       *Store
	rep     *CheckReport
	repair  bool
	now     time.Time
	pending map[string]bool // paths of an interrupted issue batch
	indexed map[string]bool // certs/<name> named by some index line
}

func (s *Store) check(rep *CheckReport, repair bool) error {
	c := &checker{s: s, rep: rep, repair: repair, now: s.now(), pending: map[string]bool{}, indexed: map[string]bool{}}
	c.perm(s.root, 0o700)
	c.leftovers()
	if err := c.journals(); err != nil {
		return err
	}
	cas, err := os.ReadDir(filepath.Join(s.root, "cas"))
	if err != nil {
		return err
	}
	for _, e := range cas {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		if err := c.ca(e.Name()); err != nil {
			return err
		}
	}
	c.certs()
	c.imported()
	return nil
}

func (c *checker) add(sev, path, format string, a ...any) *Problem {
	rel, _ := filepath.Rel(c.s.root, path)
	c.rep.Problems = append(c.rep.Problems, Problem{Severity: sev, Path: rel, Message: fmt.Sprintf(format, a...)})
	return &c.rep.Problems[len(c.rep.Problems)-1]
}

// fixed records a repair of p.
func (c *checker) fixed(p *Problem, what string) {
	p.Repaired = true
	c.rep.Repaired = append(c.rep.Repaired, p.Path+": "+what)
}

// perm checks that path is no link and no looser than want.
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

// journals reports an interrupted issue batch: what it left without an
// index line never happened and is rolled back by the next write or by
// --repair.
func (c *checker) journals() error {
	for _, ca := range c.s.pendingJournals() {
		items, err := c.s.uncommitted(ca)
		if err != nil {
			return err
		}
		for _, it := range items {
			for _, p := range it.Paths {
				c.pending[p] = true
			}
		}
		p := c.add("warning", c.s.journalPath(ca), "an issue of %d certificate(s) was interrupted before its index lines; it did not happen and is rolled back by the next write or a repair", len(items))
		p.Fix = &pki.Fix{Kind: pki.FixRepair, Say: "roll the interrupted issue back now"}
	}
	if !c.repair {
		return nil
	}
	removed, err := c.s.rollBack()
	if err != nil {
		return err
	}
	for _, p := range removed {
		c.rep.Repaired = append(c.rep.Repaired, p+": removed (interrupted issue rolled back)")
	}
	c.pending = map[string]bool{}
	return nil
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
		c.add("problem", filepath.Join(dir, "ca.crt"), "the CA expired on %s", cert.NotAfter.UTC().Format("2006-01-02"))
	} else if cert.NotAfter.Sub(c.now) < 30*24*time.Hour {
		c.add("warning", filepath.Join(dir, "ca.crt"), "the CA expires on %s", cert.NotAfter.UTC().Format("2006-01-02"))
	}
	if exists(filepath.Join(dir, "ca.key")) {
		c.checkKey(filepath.Join(dir, "ca.key"), cert)
	}
	serials, ok, err := c.index(name)
	if err != nil || !ok {
		return err
	}
	files, _ := os.ReadDir(filepath.Join(dir, "certs"))
	for _, f := range files {
		h := strings.TrimSuffix(f.Name(), ".pem")
		if !strings.HasPrefix(f.Name(), ".") && !serials[h] && !c.pending[filepath.Join("cas", name, "certs", f.Name())] && exists(filepath.Join(dir, "certs", f.Name())) {
			c.add("problem", filepath.Join(dir, "certs", f.Name()), "certificate file has no line in %s's index (orphan)", name)
		}
	}
	if st, _ := c.s.crlState(name, c.now); st != nil && st.Stale {
		p := c.add("problem", filepath.Join(dir, "crl.pem"), "the CRL went stale on %s: servers that check it reject every client",
			st.NextUpdate.UTC().Format("2006-01-02 15:04Z"))
		p.Fix = &pki.Fix{Kind: pki.FixPublishCRL, Say: "publish a fresh CRL", CA: name}
	}
	return nil
}

// index checks a CA's index lines and returns the serials it names; ok is
// false when the index cannot be read as openssl's format.
func (c *checker) index(name string) (serials map[string]bool, ok bool, err error) {
	dir := c.s.caDir(name)
	idxPath := filepath.Join(dir, "index.txt")
	b, err := os.ReadFile(idxPath)
	if err != nil && !os.IsNotExist(err) {
		return nil, false, err
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
	serials = map[string]bool{}
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
	return serials, true, nil
}

// certs checks every issued identity folder against the indexes.
func (c *checker) certs() {
	certs, _ := os.ReadDir(filepath.Join(c.s.root, "certs"))
	for _, e := range certs {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") || c.pending["certs/"+e.Name()] {
			continue // a pending path is part of an interrupted batch: it did not happen
		}
		c.cert(e.Name())
	}
}

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
	if !c.indexed[name] {
		if !exists(dir) {
			return
		}
		c.add("problem", dir, "no index line names this certificate (orphan folder)")
	}
	cs, err := readCerts(filepath.Join(dir, "cert.pem"))
	if err != nil {
		c.add("problem", filepath.Join(dir, "cert.pem"), "%v", err)
		return
	}
	if exists(filepath.Join(dir, "key.pem")) {
		c.checkKey(filepath.Join(dir, "key.pem"), cs[0])
	}
}

// imported checks the modes of imported identities.
func (c *checker) imported() {
	imps, _ := os.ReadDir(filepath.Join(c.s.root, "imported"))
	for _, e := range imps {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			c.perm(c.s.impDir(e.Name()), 0o700)
			c.perm(filepath.Join(c.s.impDir(e.Name()), "key.pem"), 0o600)
		}
	}
}

func (c *checker) checkKey(path string, cert *x509.Certificate) {
	add := c.add
	b, err := os.ReadFile(path)
	if err != nil {
		add("problem", path, "%v", err)
		return
	}
	objs, err := pki.Decode(b, path)
	if err != nil {
		add("problem", path, "%v", err)
		return
	}
	for _, o := range objs {
		if o.Kind == pki.KindPrivateKey {
			if err := pki.CheckKeyPair(cert, o.Key); err != nil {
				add("problem", path, "%v", err)
			}
			return
		}
		if o.Kind == pki.KindEncryptedKey {
			return // cannot compare without the passphrase; check never asks for one
		}
	}
	add("problem", path, "no private key in the file")
}
