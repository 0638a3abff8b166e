package store

import (
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/pkibench/pkibench/pki"
)

// PassphraseFunc is asked for a passphrase only when one is needed (see
// pki.PassphraseFunc); the alias keeps store callers' spelling.
type PassphraseFunc = pki.PassphraseFunc

// caMeta is ca.json.
type caMeta struct {
	Parent         string    `json:"parent,omitempty"`
	DefaultProfile string    `json:"default_profile"`
	DefaultDays    int       `json:"default_days"`
	CRLDays        int       `json:"crl_days"`
	CRLURL         string    `json:"crl_url,omitempty"`
	AIAURL         string    `json:"aia_url,omitempty"`
	Encrypted      bool      `json:"encrypted"`
	Imported       bool      `json:"imported,omitempty"`
	HasKey         bool      `json:"has_key"`
	Lab            bool      `json:"lab,omitempty"`
	Created        time.Time `json:"created"`
}

// CAOptions describe a CA to create.
type CAOptions struct {
	Name        string
	Parent      string // empty for a root
	Subject     pkix.Name
	Algorithm   pki.Algorithm
	Days        int // validity; default 3650 for a root, 1825 for an intermediate
	PathLen     *int
	Constraints pki.NameConstraints
	CRLURL      string
	AIAURL      string
	// Passphrase encrypts the new CA's key when not empty.
	Passphrase []byte
	// ParentPassphrase opens an encrypted parent key.
	ParentPassphrase PassphraseFunc
	Lab              bool
}

// CA is what the store knows of one CA, read without touching keys.
type CA struct {
	Name      string            `json:"name"`
	Parent    string            `json:"parent"`
	Subject   string            `json:"subject"`
	Algorithm string            `json:"algorithm"`
	NotBefore time.Time         `json:"not_before"`
	NotAfter  time.Time         `json:"not_after"`
	Serial    string            `json:"serial"`
	PathLen   *int              `json:"path_len"`
	Encrypted bool              `json:"encrypted"`
	HasKey    bool              `json:"has_key"`
	Imported  bool              `json:"imported"`
	Lab       bool              `json:"lab"`
	Valid     int               `json:"valid"`
	Revoked   int               `json:"revoked"`
	Expired   int               `json:"expired"`
	CRL       *CRLState         `json:"crl"`
	Dir       string            `json:"dir"`
	Cert      *x509.Certificate `json:"-"`
}

// CreateCA makes a root (no Parent) or an intermediate CA.
func (s *Store) CreateCA(o CAOptions) (*CA, error) {
	if err := CheckName(o.Name); err != nil {
		return nil, err
	}
	if o.Parent != "" {
		if err := CheckName(o.Parent); err != nil {
			return nil, err
		}
	}
	if err := pki.CheckNameControl(o.Subject); err != nil {
		return nil, err
	}
	var out *CA
	err := s.write(func() error {
		if what, taken := s.nameTaken(o.Name); taken {
			return &ExistsError{what, o.Name}
		}
		key, err := pki.GenerateKey(o.Algorithm)
		if err != nil {
			return err
		}
		now := s.now()
		days := o.Days
		if days <= 0 {
			days = 3650
			if o.Parent != "" {
				days = 1825
			}
		}
		subject := o.Subject
		if len(subject.Names)+len(subject.ExtraNames) == 0 && subject.CommonName == "" && len(subject.Organization) == 0 {
			subject = pkix.Name{CommonName: o.Name}
		}
		req := pki.Request{
			Subject: subject, NotBefore: now.Add(-time.Minute), NotAfter: now.AddDate(0, 0, days),
			PathLen: o.PathLen, Constraints: o.Constraints, CRLURL: o.CRLURL, AIAURL: o.AIAURL,
			PublicKey: key.Public(), Profile: pki.ProfileRootCA,
		}
		var cert *x509.Certificate
		var parentChain []byte
		var parentEntries []Entry
		if o.Parent == "" {
			if cert, err = pki.Issue(req, nil, key); err != nil {
				return err
			}
		} else {
			req.Profile = pki.ProfileIntermediateCA
			pc, pkey, err := s.caSigner(o.Parent, o.ParentPassphrase)
			if err != nil {
				return err
			}
			if parentEntries, err = readIndex(filepath.Join(s.caDir(o.Parent), "index.txt")); err != nil {
				return err
			}
			if req.Serial, err = uniqueSerial(parentEntries); err != nil {
				return err
			}
			if cert, err = pki.Issue(req, pc, pkey); err != nil {
				return err
			}
			if parentChain, err = os.ReadFile(filepath.Join(s.caDir(o.Parent), "chain.pem")); err != nil {
				return err
			}
		}
		keyPEM, err := pki.EncodeKeyPEM(key, o.Passphrase)
		if err != nil {
			return err
		}
		certPEM := pki.EncodeCertPEM(cert.Raw)
		fs, err := newFileSet(s.caDir(o.Name))
		if err != nil {
			return err
		}
		defer fs.abort()
		meta := caMeta{Parent: o.Parent, DefaultProfile: string(pki.ProfileServer), DefaultDays: 365, CRLDays: 30,
			CRLURL: o.CRLURL, AIAURL: o.AIAURL, Encrypted: len(o.Passphrase) > 0, HasKey: true, Lab: o.Lab, Created: now.UTC()}
		if err := writeCAFiles(fs, certPEM, keyPEM, parentChain, meta); err != nil {
			return err
		}
		if o.Parent == "" {
			if err := fs.commit(); err != nil {
				return err
			}
		} else {
			// The parent records the intermediate like any certificate it
			// issued; the journal makes the folder and the index line one
			// step, so an intermediate can never exist unrevocable.
			serial := pki.SerialHex(cert.SerialNumber)
			j := journal{Op: "ca create", Items: []journalItem{{Serial: serial,
				Paths: []string{"cas/" + o.Name, "cas/" + o.Parent + "/certs/" + serial + ".pem"}}}}
			if err := s.journalled(o.Parent, j, func() error {
				if err := fs.commit(); err != nil {
					return err
				}
				s.step("CA folder in place")
				return s.recordIssued(o.Parent, cert, "cas/"+o.Name)
			}); err != nil {
				return err
			}
		}
		s.rebuildCounts(s.caDir(o.Name)) // derived; see refreshCounts
		ca, err := s.loadCA(o.Name)
		out = ca
		return err
	})
	return out, err
}

// writeCAFiles stages the files of a new CA folder.
func writeCAFiles(fs *fileSet, certPEM, keyPEM, parentChain []byte, meta caMeta) error {
	if err := fs.add("ca.crt", certPEM, 0o644); err != nil {
		return err
	}
	if keyPEM != nil {
		if err := fs.add("ca.key", keyPEM, 0o600); err != nil {
			return err
		}
	}
	if err := fs.add("chain.pem", append(append([]byte{}, certPEM...), parentChain...), 0o644); err != nil {
		return err
	}
	if err := fs.addJSON("ca.json", meta); err != nil {
		return err
	}
	for name, data := range map[string]string{"index.txt": "", "index.txt.attr": "unique_subject = no\n", "crlnumber": "01\n"} {
		if err := fs.add(name, []byte(data), 0o644); err != nil {
			return err
		}
	}
	return os.Mkdir(filepath.Join(fs.staging, "certs"), 0o700)
}

// recordIssued writes certs/<SERIAL>.pem, then appends the index line.
func (s *Store) recordIssued(caName string, cert *x509.Certificate, file string) error {
	dir := s.caDir(caName)
	serial := pki.SerialHex(cert.SerialNumber)
	if err := writeFileAtomic(filepath.Join(dir, "certs", serial+".pem"), pki.EncodeCertPEM(cert.Raw), 0o644); err != nil {
		return err
	}
	s.step("certificate file written")
	return s.appendRecords(dir, []Entry{entryFor(cert, file)}, func(Entry) string { return profileOfCert(cert) })
}

func entryFor(cert *x509.Certificate, file string) Entry {
	return Entry{Flag: 'V', NotAfter: cert.NotAfter, Serial: cert.SerialNumber, File: file, Subject: indexSubject(cert.Subject)}
}

// indexSubject is a subject as openssl ca writes it in index.txt: the
// slash form with every byte outside printable ASCII as \xHH.
func indexSubject(n pkix.Name) string {
	return pki.EscapeOneline(pki.FormatNameSlash(n))
}

// uniqueSerial draws random serials until one is not in the index.
func uniqueSerial(es []Entry) (*big.Int, error) {
	used := make(map[string]bool, len(es))
	for _, e := range es {
		used[string(e.Serial.Bytes())] = true
	}
	for {
		n, err := pki.NewSerial()
		if err != nil {
			return nil, err
		}
		if !used[string(n.Bytes())] {
			return n, nil
		}
	}
}

func (s *Store) readCAMeta(name string) (caMeta, error) {
	var m caMeta
	err := readJSON(filepath.Join(s.caDir(name), "ca.json"), &m)
	return m, err
}

// caCert reads a CA's certificate.
func (s *Store) caCert(name string) (*x509.Certificate, error) {
	if err := CheckName(name); err != nil {
		return nil, err
	}
	p := filepath.Join(s.caDir(name), "ca.crt")
	b, err := os.ReadFile(p)
	if os.IsNotExist(err) {
		return nil, &NotFoundError{"CA", name}
	}
	if err != nil {
		return nil, err
	}
	objs, err := pki.Decode(b, p)
	if err != nil {
		return nil, err
	}
	certs := pki.Certificates(objs)
	if len(certs) != 1 {
		return nil, fmt.Errorf("%s: expected exactly one certificate", p)
	}
	return certs[0], nil
}

// ErrNoCAKey is returned when a CA's private key is not in the store.
var ErrNoCAKey = errors.New("the CA's private key is not in the store (it was imported without its key): it cannot sign")

// caSigner loads a CA's certificate and private key, asking for the
// passphrase when the key is encrypted.
func (s *Store) caSigner(name string, pass PassphraseFunc) (*x509.Certificate, crypto.Signer, error) {
	cert, err := s.caCert(name)
	if err != nil {
		return nil, nil, err
	}
	kp := filepath.Join(s.caDir(name), "ca.key")
	key, err := readKeyFile(kp, "CA "+name+"'s key", pass)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil, fmt.Errorf("CA %q: %w", name, ErrNoCAKey)
	}
	if err != nil {
		return nil, nil, err
	}
	if err := pki.CheckKeyPair(cert, key); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", kp, err)
	}
	return cert, key, nil
}

// ErrPassphraseNeeded is returned when a key is encrypted and no way to ask was given.
var ErrPassphraseNeeded = errors.New("the key is encrypted and no passphrase was given")

// readKeyFile reads a private key file, decrypting it when needed.
func readKeyFile(path, purpose string, pass PassphraseFunc) (crypto.Signer, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	objs, err := pki.Decode(b, path)
	if err != nil {
		return nil, err
	}
	for _, o := range objs {
		switch o.Kind {
		case pki.KindPrivateKey:
			return o.Key, nil
		case pki.KindEncryptedKey:
			if pass == nil {
				return nil, fmt.Errorf("%s: %w", path, ErrPassphraseNeeded)
			}
			pw, err := pass(purpose)
			if err != nil {
				return nil, err
			}
			k, err := pki.DecryptObject(o, pw)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
			return k, nil
		}
	}
	return nil, fmt.Errorf("%s: no private key in the file", path)
}

// loadCA reads a CA's summary: certificate, meta, index counts, CRL state.
func (s *Store) loadCA(name string) (*CA, error) {
	cert, err := s.caCert(name)
	if err != nil {
		return nil, err
	}
	m, err := s.readCAMeta(name)
	if err != nil {
		return nil, err
	}
	ca := &CA{Name: name, Parent: m.Parent, Subject: pki.FormatName(cert.Subject), Algorithm: pki.DescribeKey(cert.PublicKey),
		NotBefore: cert.NotBefore, NotAfter: cert.NotAfter, Serial: pki.SerialHex(cert.SerialNumber), Encrypted: m.Encrypted,
		HasKey: exists(filepath.Join(s.caDir(name), "ca.key")), Imported: m.Imported, Lab: m.Lab, Dir: s.caDir(name), Cert: cert}
	if cert.BasicConstraintsValid && (cert.MaxPathLen > 0 || cert.MaxPathLenZero) {
		pl := cert.MaxPathLen
		ca.PathLen = &pl
	}
	now := s.now()
	if ca.Valid, ca.Revoked, ca.Expired, err = s.countCA(name, now); err != nil {
		return nil, err
	}
	ca.CRL, err = s.crlState(name, now)
	return ca, err
}

// CA returns one CA's summary.
func (s *Store) CA(name string) (*CA, error) { return s.loadCA(name) }

// ListCAs returns every CA, parents before their children, then by name.
func (s *Store) ListCAs() ([]*CA, error) {
	ents, err := os.ReadDir(filepath.Join(s.root, "cas"))
	if err != nil {
		return nil, err
	}
	var cas []*CA
	for _, e := range ents {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		ca, err := s.loadCA(e.Name())
		if err != nil {
			return nil, err
		}
		cas = append(cas, ca)
	}
	return treeOrder(cas), nil
}

// treeOrder sorts CAs depth-first: each root followed by its descendants.
func treeOrder(cas []*CA) []*CA {
	children := map[string][]*CA{}
	byName := map[string]bool{}
	for _, c := range cas {
		byName[c.Name] = true
	}
	for _, c := range cas {
		p := c.Parent
		if !byName[p] {
			p = ""
		}
		children[p] = append(children[p], c)
	}
	var out []*CA
	var walk func(string)
	walk = func(p string) {
		kids := children[p]
		sort.Slice(kids, func(i, j int) bool { return kids[i].Name < kids[j].Name })
		for _, k := range kids {
			out = append(out, k)
			walk(k.Name)
		}
	}
	walk("")
	return out
}

// Depth is how many parents a CA has within the list.
func Depth(cas []*CA, c *CA) int {
	d := 0
	byName := map[string]*CA{}
	for _, x := range cas {
		byName[x.Name] = x
	}
	for p := byName[c.Parent]; p != nil && d < 16; p = byName[p.Parent] {
		d++
	}
	return d
}
