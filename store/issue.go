package store

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"fmt"
	"math/big"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/pkibench/pkibench/pki"
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
	CA        string    `json:"ca"`
	Serial    string    `json:"serial"`
	Subject   string    `json:"subject"`
	NotAfter  time.Time `json:"not_after"`
	Status    Status    `json:"status"`
	Profile   string    `json:"profile"`
	RevokedAt time.Time `json:"revoked_at"`
	Reason    string    `json:"reason"`
	// Kind is "issued" (certs/), "ca" (an intermediate in its parent's
	// index) or "imported" (imported/).
	Kind string `json:"kind"`
	Dir  string `json:"dir"`
	// Note says what signing changed in the request (a CN copied into the SAN).
	Note string `json:"note"`
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
	if err := pki.CheckNameControl(o.Subject); err != nil {
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
		issuers, err := readCerts(filepath.Join(caDir, "chain.pem"))
		if err != nil {
			return err
		}
		profile := o.Profile
		if profile == "" {
			profile = pki.Profile(meta.DefaultProfile)
		}
		if profile.IsCA() {
			return fmt.Errorf("profile %s makes a CA: create it as a CA under %s instead", profile, o.CA)
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
		// The issuing CA, then its issuers: every name constraint above the
		// new certificate binds it.
		chain := []*x509.Certificate{caCert}
		if above, err := readCerts(filepath.Join(caDir, "chain.pem")); err != nil {
			return err
		} else if len(above) > 0 && bytes.Equal(above[0].Raw, caCert.Raw) {
			chain = append(chain, above[1:]...)
		}
		issued, err := s.signAll(o, profile, notBefore, days, chain, caKey, meta)
		if err != nil {
			return err
		}
		if out, err = s.writeIssued(o, profile, issued, issuers, meta); err != nil {
			// Undo at once what the journal lists, rather than at the next write.
			if _, rerr := s.rollBack(); rerr != nil {
				return fmt.Errorf("%w (and rolling back: %v)", err, rerr)
			}
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// signed is one certificate made in memory, not yet on disk.
type signed struct {
	name    string
	cert    *x509.Certificate
	certPEM []byte
	keyPEM  []byte // nil for a signed CSR: the key stays with its owner
}

// signAll makes keys and certificates for every name, on all cores: key
// generation and signing are the CPU half of issuing.
func (s *Store) signAll(o IssueOptions, profile pki.Profile, notBefore time.Time, days int,
	chain []*x509.Certificate, caKey crypto.Signer, meta caMeta) ([]signed, error) {
	serials := make([]*big.Int, len(o.Names))
	taken := map[string]bool{}
	for i := range serials {
		for {
			n, err := pki.NewSerial()
			if err != nil {
				return nil, err
			}
			h := pki.SerialHex(n)
			if !taken[h] && !exists(filepath.Join(s.caDir(o.CA), "certs", h+".pem")) {
				taken[h], serials[i] = true, n
				break
			}
		}
	}
	out := make([]signed, len(o.Names))
	errs := make([]error, len(o.Names))
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				out[i], errs[i] = signOne(o, o.Names[i], serials[i], profile, notBefore, days, chain, caKey, meta)
			}
		}()
	}
	for i := range o.Names {
		next <- i
	}
	close(next)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("%s: %w", o.Names[i], err)
		}
	}
	return out, nil
}

// signOne signs one certificate under chain[0] (the CA, then its issuers
// up to the root), after the issue policy has passed the final request.
func signOne(o IssueOptions, name string, serial *big.Int, profile pki.Profile, notBefore time.Time, days int,
	chain []*x509.Certificate, caKey crypto.Signer, meta caMeta) (signed, error) {
	caCert := chain[0]
	pub, keyPEM := o.publicKey, o.keyPEM
	if pub == nil {
		key, err := pki.GenerateKey(o.Algorithm)
		if err != nil {
			return signed{}, err
		}
		if keyPEM, err = pki.EncodeKeyPEM(key, nil); err != nil {
			return signed{}, err
		}
		pub = key.Public()
	}
	subject := o.Subject
	if len(subject.Names)+len(subject.ExtraNames) == 0 && subject.CommonName == "" && len(subject.Organization) == 0 {
		subject = pkix.Name{CommonName: name}
	}
	req := pki.Request{Subject: subject, Profile: profile, DNS: o.DNS, IPs: o.IPs, Emails: o.Emails, URIs: o.URIs,
		NotBefore: notBefore, NotAfter: notBefore.AddDate(0, 0, days), PublicKey: pub, Serial: serial,
		CRLURL: meta.CRLURL, AIAURL: meta.AIAURL}
	if req.NotAfter.After(caCert.NotAfter) {
		req.NotAfter = caCert.NotAfter
	}
	// The one policy of issue, sign and the TUI, on the final request: a
	// CSR's names are in it by now.
	if err := pki.CheckPolicy(req, chain); err != nil {
		return signed{}, err
	}
	tmpl, err := pki.Template(req)
	if err != nil {
		return signed{}, err
	}
	if o.Tweak != nil {
		o.Tweak(tmpl)
	}
	cert, err := pki.SignTemplate(tmpl, caCert, caKey)
	if err != nil {
		return signed{}, err
	}
	return signed{name: name, cert: cert, certPEM: pki.EncodeCertPEM(cert.Raw), keyPEM: keyPEM}, nil
}

// writeIssued puts a batch on disk: the journal first (so a crash can be
// rolled back), then every file in place without a sync each, one
// filesystem sync, and the index lines last: they are the commit point.
func (s *Store) writeIssued(o IssueOptions, profile pki.Profile, issued []signed, issuers []*x509.Certificate, meta caMeta) ([]Cert, error) {
	caDir := s.caDir(o.CA)
	j := journal{Op: "issue"}
	entries := make([]Entry, len(issued))
	for i, c := range issued {
		h := pki.SerialHex(c.cert.SerialNumber)
		j.Items = append(j.Items, journalItem{Serial: h, Paths: []string{"certs/" + c.name, "cas/" + o.CA + "/certs/" + h + ".pem"}})
		entries[i] = entryFor(c.cert, "certs/"+c.name)
	}
	// The journal is durable before any file it lists (one fsync for the
	// batch), so a crash or a full disk can never leave a file without it.
	if err := s.beginJournal(o.CA, j); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	out := make([]Cert, len(issued))
	for i, c := range issued {
		h := pki.SerialHex(c.cert.SerialNumber)
		dir := s.certDir(c.name)
		if err := os.Mkdir(dir, 0o700); err != nil {
			return nil, err
		}
		files := append([]plainFile{{"cert.pem", c.certPEM, 0o644}}, splitChain(c.certPEM, issuers).files()...)
		files = append(files, plainFile{"key.pem", c.keyPEM, 0o600}, plainFile{"csr.pem", o.csrPEM, 0o644})
		m, err := json.MarshalIndent(certMeta{CA: o.CA, Serial: h, Profile: string(profile), Created: now, Lab: meta.Lab}, "", "  ")
		if err != nil {
			return nil, err
		}
		files = append(files, plainFile{"meta.json", append(m, '\n'), 0o644})
		for _, f := range files {
			if f.data == nil {
				continue
			}
			if err := createFile(filepath.Join(dir, f.name), f.data, f.perm); err != nil {
				return nil, err
			}
		}
		if err := createFile(filepath.Join(caDir, "certs", h+".pem"), c.certPEM, 0o644); err != nil {
			return nil, err
		}
		out[i] = Cert{Name: c.name, CA: o.CA, Serial: h, Subject: pki.FormatName(c.cert.Subject), NotAfter: c.cert.NotAfter,
			Status: StatusValid, Profile: string(profile), Kind: "issued", Dir: dir}
		s.step("certificate written")
	}
	// One syncfs makes every file and folder entry above durable at once.
	if err := syncFS(caDir); err != nil {
		return nil, err
	}
	s.step("files synced")
	if err := s.appendRecords(caDir, entries, func(Entry) string { return string(profile) }); err != nil {
		return nil, err
	}
	// The index lines are durable: the journal has nothing left to undo.
	return out, s.endJournal(o.CA)
}

type plainFile struct {
	name string
	data []byte
	perm os.FileMode
}

// createFile writes a new file that must not exist yet, without syncing.
func createFile(path string, data []byte, perm os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
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
		// The CSR's attributes in its own order: pkix.Name alone would
		// marshal them in Go's fixed order (CN = api, O = Acme would come
		// out as O = Acme, CN = api); attributes in ExtraNames are written
		// as listed and not again from the named fields.
		o.Subject = csr.Subject
		o.Subject.ExtraNames = csr.Subject.Names
	}
	if err := pki.CheckNameControl(o.Subject); err != nil {
		return Cert{}, fmt.Errorf("%s: %w", source, err)
	}
	profile := o.Profile
	if profile == "" && CheckName(o.CA) == nil {
		if meta, err := s.readCAMeta(o.CA); err == nil {
			profile = pki.Profile(meta.DefaultProfile)
		}
	}
	named := pki.Request{Subject: o.Subject, Profile: profile, DNS: o.DNS, IPs: o.IPs}
	note := pki.CopyCNToSAN(&named)
	o.DNS, o.IPs = named.DNS, named.IPs
	o.publicKey = csr.PublicKey
	o.csrPEM = pki.EncodeCSRPEM(csr.Raw)
	certs, err := s.Issue(o)
	if err != nil {
		return Cert{}, err
	}
	certs[0].Note = note
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
