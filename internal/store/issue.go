package store

import (
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"pkibench/internal/pki"
)

// IssueOptions describe one or more certificates to issue from a store CA.
type IssueOptions struct {
	Names     []string
	CA        string
	Profile   pki.Profile // default: the CA's default profile (server)
	DNS       []string
	IPs       []net.IP
	Emails    []string
	URIs      []*url.URL
	Subject   pkix.Name // default CN=<name>
	Algorithm pki.Algorithm
	Days      int // default: the CA's default_days (365)
	// NotBefore overrides "now" (the lab stages not-yet-valid certificates).
	NotBefore  time.Time
	Passphrase PassphraseFunc
	// Tweak changes the template before signing; the lab uses it to break a
	// rule on purpose (no SAN, wrong EKU). Nil for everything else.
	Tweak func(*x509.Certificate)
	// Key, when set, is used instead of generating one (signing a CSR).
	publicKey crypto.PublicKey
	keyPEM    []byte // nil when the key stays with its owner (signed CSR)
	csrPEM    []byte
}

// Cert is one certificate the store holds: issued here, or imported.
type Cert struct {
	Name      string    `json:"name"`
	CA        string    `json:"ca,omitempty"`
	Serial    string    `json:"serial"`
	Subject   string    `json:"subject"`
	NotAfter  time.Time `json:"not_after"`
	Status    Status    `json:"status"`
	RevokedAt time.Time `json:"revoked_at,omitzero"`
	Reason    string    `json:"reason,omitempty"`
	// Kind is "issued" (certs/), "ca" (an intermediate in its parent's
	// index) or "imported" (imported/).
	Kind string `json:"kind"`
	Dir  string `json:"dir,omitempty"`
}

// certMeta is certs/<name>/meta.json.
type certMeta struct {
	CA       string    `json:"ca,omitempty"`
	Serial   string    `json:"serial,omitempty"`
	Profile  string    `json:"profile,omitempty"`
	Created  time.Time `json:"created"`
	Imported bool      `json:"imported,omitempty"`
	Pending  bool      `json:"pending,omitempty"` // a key + CSR waiting for a certificate
	Lab      bool      `json:"lab,omitempty"`
}

// Issue makes a key and a certificate for every name, under one lock, and
// records them in the CA's index with a single append.
func (s *Store) Issue(o IssueOptions) ([]Cert, error) {
	if len(o.Names) == 0 {
		return nil, fmt.Errorf("issue: no name given")
	}
	seen := map[string]bool{}
	for _, n := range o.Names {
		if err := CheckName(n); err != nil {
			return nil, err
		}
		if seen[n] {
			return nil, fmt.Errorf("name %q given twice", n)
		}
		seen[n] = true
	}
	if err := CheckName(o.CA); err != nil {
		return nil, err
	}
	var out []Cert
	err := s.write(func() error {
		for _, n := range o.Names {
			if what, taken := s.nameTaken(n); taken {
				return &ExistsError{what, n}
			}
		}
		caCert, caKey, err := s.caSigner(o.CA, o.Passphrase)
		if err != nil {
			return err
		}
		meta, err := s.readCAMeta(o.CA)
		if err != nil {
			return err
		}
		caDir := s.caDir(o.CA)
		chainPEM, err := os.ReadFile(filepath.Join(caDir, "chain.pem"))
		if err != nil {
			return err
		}
		profile := o.Profile
		if profile == "" {
			profile = pki.Profile(meta.DefaultProfile)
		}
		if profile.IsCA() {
			return fmt.Errorf("profile %s makes a CA: use `pkibench ca create NAME --parent %s`", profile, o.CA)
		}
		days := o.Days
		if days <= 0 {
			days = meta.DefaultDays
		}
		notBefore := o.NotBefore
		if notBefore.IsZero() {
			notBefore = s.now().Add(-time.Minute)
		}
		// The index is not read: a serial is unique when its certs/<SERIAL>.pem
		// does not exist, so issuing costs the same at 100 or 100,000 certificates.
		b := &issueBatch{serials: map[string]bool{}}
		defer b.abort()
		for _, name := range o.Names {
			c, err := s.issueOne(o, name, profile, notBefore, days, caCert, caKey, chainPEM, meta, b)
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			out = append(out, c)
		}
		if err := writeJSONAtomic(s.journalPath(o.CA), b.journal); err != nil {
			return err
		}
		if err := commitAll(b.sets, b.files); err != nil {
			return err
		}
		b.sets, b.files = nil, nil
		if err := appendIndex(filepath.Join(caDir, "index.txt"), b.entries); err != nil {
			return err
		}
		// The index line is durable: the journal has nothing left to undo.
		return os.Remove(s.journalPath(o.CA))
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// issueBatch collects what one Issue call writes, so it is synced once.
type issueBatch struct {
	sets    []*fileSet
	files   []pendingFile
	entries []Entry
	serials map[string]bool
	journal journal
}

func (b *issueBatch) abort() {
	for _, fs := range b.sets {
		fs.abort()
	}
	for _, f := range b.files {
		os.Remove(f.tmp)
	}
}

// newSerial draws a random serial not used in the CA (by file) nor in the batch.
func (s *Store) newSerial(ca string, b *issueBatch) (*big.Int, error) {
	for {
		n, err := pki.NewSerial()
		if err != nil {
			return nil, err
		}
		h := SerialHex(n)
		if !b.serials[h] && !exists(filepath.Join(s.caDir(ca), "certs", h+".pem")) {
			b.serials[h] = true
			return n, nil
		}
	}
}

func (s *Store) issueOne(o IssueOptions, name string, profile pki.Profile, notBefore time.Time, days int,
	caCert *x509.Certificate, caKey crypto.Signer, chainPEM []byte, meta caMeta, b *issueBatch) (Cert, error) {
	pub, keyPEM := o.publicKey, o.keyPEM
	if pub == nil {
		key, err := pki.GenerateKey(o.Algorithm)
		if err != nil {
			return Cert{}, err
		}
		if keyPEM, err = pki.EncodeKeyPEM(key, nil); err != nil {
			return Cert{}, err
		}
		pub = key.Public()
	}
	subject := o.Subject
	if len(subject.Names)+len(subject.ExtraNames) == 0 && subject.CommonName == "" && len(subject.Organization) == 0 {
		subject = pkix.Name{CommonName: name}
	}
	serial, err := s.newSerial(o.CA, b)
	if err != nil {
		return Cert{}, err
	}
	req := pki.Request{Subject: subject, Profile: profile, DNS: o.DNS, IPs: o.IPs, Emails: o.Emails, URIs: o.URIs,
		NotBefore: notBefore, NotAfter: notBefore.AddDate(0, 0, days), PublicKey: pub, Serial: serial,
		CRLURL: meta.CRLURL, AIAURL: meta.AIAURL}
	if req.NotAfter.After(caCert.NotAfter) {
		req.NotAfter = caCert.NotAfter
	}
	tmpl, err := pki.Template(req)
	if err != nil {
		return Cert{}, err
	}
	if o.Tweak != nil {
		o.Tweak(tmpl)
	}
	cert, err := pki.SignTemplate(tmpl, caCert, caKey)
	if err != nil {
		return Cert{}, err
	}
	certPEM := pki.EncodeCertPEM(cert.Raw)
	fs, err := newFileSet(s.certDir(name))
	if err != nil {
		return Cert{}, err
	}
	b.sets = append(b.sets, fs)
	files := []struct {
		name string
		data []byte
		perm os.FileMode
	}{
		{"cert.pem", certPEM, 0o644},
		{"chain.pem", chainPEM, 0o644},
		{"fullchain.pem", append(append([]byte{}, certPEM...), chainPEM...), 0o644},
	}
	if keyPEM != nil {
		files = append(files, struct {
			name string
			data []byte
			perm os.FileMode
		}{"key.pem", keyPEM, 0o600})
	}
	if o.csrPEM != nil {
		files = append(files, struct {
			name string
			data []byte
			perm os.FileMode
		}{"csr.pem", o.csrPEM, 0o644})
	}
	for _, f := range files {
		if err := fs.add(f.name, f.data, f.perm); err != nil {
			return Cert{}, err
		}
	}
	serialHex := SerialHex(cert.SerialNumber)
	if err := fs.addJSON("meta.json", certMeta{CA: o.CA, Serial: serialHex, Profile: string(profile), Created: s.now().UTC(), Lab: meta.Lab}); err != nil {
		return Cert{}, err
	}
	pf, err := stageFile(filepath.Join(s.caDir(o.CA), "certs", serialHex+".pem"), certPEM, 0o644)
	if err != nil {
		return Cert{}, err
	}
	b.files = append(b.files, pf)
	b.entries = append(b.entries, entryFor(cert, "certs/"+name))
	b.journal.Items = append(b.journal.Items, journalItem{Serial: serialHex,
		Paths: []string{"certs/" + name, filepath.Join("cas", o.CA, "certs", serialHex+".pem")}})
	return Cert{Name: name, CA: o.CA, Serial: serialHex, Subject: pki.FormatName(cert.Subject), NotAfter: cert.NotAfter,
		Status: StatusValid, Kind: "issued", Dir: s.certDir(name)}, nil
}

// SignCSR checks a CSR's signature and issues a certificate for its key
// under name; the key stays with whoever made the CSR.
func (s *Store) SignCSR(csrData []byte, source string, o IssueOptions) (Cert, error) {
	objs, err := pki.Decode(csrData, source)
	if err != nil {
		return Cert{}, err
	}
	if len(objs) != 1 || objs[0].CSR == nil {
		return Cert{}, fmt.Errorf("%s: expected one certificate signing request, found %s", source, describeKinds(objs))
	}
	csr := objs[0].CSR
	req, err := pki.RequestFromCSR(csr, pki.ProfileServer)
	if err != nil {
		return Cert{}, fmt.Errorf("%s: %w", source, err)
	}
	if len(o.DNS)+len(o.IPs)+len(o.Emails)+len(o.URIs) == 0 {
		o.DNS, o.IPs, o.Emails, o.URIs = req.DNS, req.IPs, req.Emails, req.URIs
	}
	if len(o.Subject.Names)+len(o.Subject.ExtraNames) == 0 && o.Subject.CommonName == "" {
		o.Subject = csr.Subject
	}
	o.publicKey = csr.PublicKey
	o.csrPEM = pki.EncodeCSRPEM(csr.Raw)
	certs, err := s.Issue(o)
	if err != nil {
		return Cert{}, err
	}
	return certs[0], nil
}

func describeKinds(objs []pki.Object) string {
	if len(objs) == 0 {
		return "nothing"
	}
	s := ""
	for i, o := range objs {
		if i > 0 {
			s += ", "
		}
		s += string(o.Kind)
	}
	return s
}
