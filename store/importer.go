package store

import (
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/pkibench/pkibench/pki"
)

// ImportFile is one input of an import: its name (for errors) and bytes.
type ImportFile struct {
	Source string
	Data   []byte
}

// ImportOptions control an import.
type ImportOptions struct {
	As string // the store name; default: from the first file's name
	// Passphrase opens encrypted keys and PKCS#12 files; a PKCS#12 with an
	// empty password is tried first.
	Passphrase PassphraseFunc
	// DecryptKey stores a key that came encrypted (encrypted PKCS#8, or a
	// PKCS#12 with a password) in the clear. By default it stays encrypted
	// with the passphrase it came with (PKCS#8 PBES2, AES-256).
	DecryptKey bool
}

// Imported says where an import went and why.
type Imported struct {
	Name string `json:"name"`
	// Kind is "ca" (cas/NAME, can issue when its key came along), "issued"
	// (certs/NAME, recorded in its store CA's index) or "foreign" (imported/NAME).
	Kind    string `json:"kind"`
	CA      string `json:"ca"`
	Subject string `json:"subject"`
	Serial  string `json:"serial"`
	HasKey  bool   `json:"has_key"`
	// KeyEncrypted says whether the key is stored encrypted.
	KeyEncrypted bool     `json:"key_encrypted"`
	Dir          string   `json:"dir"`
	Notes        []string `json:"notes"`
}

// importMeta is imported/<name>/meta.json.
type importMeta struct {
	Sources  []string  `json:"sources"`
	Contents []string  `json:"contents"`
	Subject  string    `json:"subject,omitempty"`
	Issuer   string    `json:"issuer,omitempty"`
	Serial   string    `json:"serial,omitempty"`
	NotAfter time.Time `json:"not_after,omitzero"`
	Created  time.Time `json:"created"`
	Notes    []string  `json:"notes,omitempty"`
}

var nameClean = regexp.MustCompile(`[^a-z0-9._-]+`)

// NameFromFile derives a store name from a file name: "ca/ca.cert.pem" -> "ca",
// "mail-server/server-wrong.cert" -> "server-wrong".
func NameFromFile(path string) string {
	b := strings.ToLower(filepath.Base(path))
	for {
		ext := filepath.Ext(b)
		switch ext {
		case ".pem", ".cert", ".crt", ".cer", ".der", ".key", ".csr", ".req", ".p12", ".pfx", ".crl":
			b = strings.TrimSuffix(b, ext)
			continue
		}
		break
	}
	b = strings.Trim(nameClean.ReplaceAllString(b, "-"), "-._")
	if len(b) > 64 {
		b = b[:64]
	}
	if b == "" {
		b = "imported"
	}
	return b
}

// Import brings foreign material into the store (DESIGN.md §4). A CA
// certificate becomes a CA (able to issue when its key came along); a leaf
// issued by a store CA is recorded in that CA's index so it can be revoked;
// anything else is kept in imported/NAME.
func (s *Store) Import(files []ImportFile, o ImportOptions) (Imported, error) {
	if len(files) == 0 {
		return Imported{}, errors.New("import: no file given")
	}
	name := o.As
	if name == "" {
		name = NameFromFile(files[0].Source)
	}
	if err := CheckName(name); err != nil {
		return Imported{}, fmt.Errorf("%w (give the name to import as)", err)
	}
	var in importInput
	for _, f := range files {
		if err := in.add(f, o.Passphrase); err != nil {
			return Imported{}, err
		}
	}
	if len(in.keys) > 1 {
		return Imported{}, fmt.Errorf("%d private keys given: import one identity at a time", len(in.keys))
	}
	var key crypto.Signer
	if len(in.keys) == 1 {
		key = in.keys[0]
	}
	// The passphrase the key came with keeps protecting it in the store,
	// unless asked otherwise; a key that came in the clear stays so.
	keyPass := in.pass
	if o.DecryptKey || key == nil {
		keyPass = nil
	}
	var out Imported
	err := s.write(func() error {
		if len(in.certs)+len(in.csrs)+len(in.keys) == 0 && len(in.crls) > 0 {
			// CRLs of store CAs belong to them, not in imported/.
			if done, err := s.importCRLs(in.crls, in.sources, &out); err != nil || done {
				return err
			}
		}
		if what, taken := s.nameTaken(name); taken {
			return &ExistsError{what, name}
		}
		if len(in.certs) == 0 {
			return s.importForeign(name, nil, nil, key, keyPass, in.csrs, in.crls, in.sources, in.kinds, &out)
		}
		leaf, rest, err := pickLeaf(in.certs, key, in.sources)
		if err != nil {
			return err
		}
		if err := checkSerialLengths(in.certs, in.sources); err != nil {
			return err
		}
		if isCACert(leaf) {
			return s.importCA(name, leaf, rest, key, keyPass, &out)
		}
		if ca := s.issuerInStore(leaf); ca != "" {
			done, err := s.importIssued(name, ca, leaf, key, keyPass, &out)
			if err != nil || done {
				return err
			}
		}
		return s.importForeign(name, leaf, rest, key, keyPass, in.csrs, in.crls, in.sources, in.kinds, &out)
	})
	if err == nil && out.HasKey {
		out.KeyEncrypted = len(keyPass) > 0
		out.Notes = append(out.Notes, keyStorageNote(out.KeyEncrypted, len(in.pass) > 0))
	}
	return out, err
}

// keyStorageNote says how an imported key is kept: encrypted with the
// passphrase it came with, decrypted as asked, or in the clear as it came.
func keyStorageNote(encrypted, cameWithPassphrase bool) string {
	switch {
	case encrypted:
		return "the key is stored encrypted with the passphrase it came with (--decrypt-key stores it in the clear)"
	case cameWithPassphrase:
		return "the key is stored decrypted, as asked (--decrypt-key)"
	}
	return "the key came unencrypted and is stored so"
}

// checkSerialLengths refuses a serial number longer than 20 octets.
func checkSerialLengths(certs []*x509.Certificate, sources []string) error {
	for _, c := range certs {
		// RFC 5280 §4.1.2.2: at most 20 octets, and openssl's index
		// and CRLs would carry whatever we accept.
		if n := len(c.SerialNumber.Bytes()); n > 20 {
			return fmt.Errorf("%s: certificate %s has a %d-byte serial number; RFC 5280 allows at most 20", strings.Join(sources, ", "), pki.FormatName(c.Subject), n)
		}
	}
	return nil
}

// importInput is what the files given to Import hold, sorted by kind.
type importInput struct {
	certs   []*x509.Certificate
	keys    []crypto.Signer
	csrs    []*x509.CertificateRequest
	crls    []*x509.RevocationList
	sources []string
	kinds   []string
	// pass is the last passphrase asked for, the one the key came with.
	pass []byte
}

// add decodes one file and sorts its objects; encrypted keys and PKCS#12
// files are opened with a passphrase asked through ask.
func (in *importInput) add(f ImportFile, ask PassphraseFunc) error {
	in.sources = append(in.sources, f.Source)
	objs, err := pki.Decode(f.Data, f.Source)
	if err != nil {
		return err
	}
	for _, ob := range objs {
		in.kinds = append(in.kinds, string(ob.Kind))
		switch ob.Kind {
		case pki.KindCertificate:
			in.certs = append(in.certs, ob.Cert)
		case pki.KindCSR:
			if err := ob.CSR.CheckSignature(); err != nil {
				return fmt.Errorf("%s: CSR signature does not verify: %w", f.Source, err)
			}
			in.csrs = append(in.csrs, ob.CSR)
		case pki.KindCRL:
			in.crls = append(in.crls, ob.CRL)
		case pki.KindPrivateKey:
			in.keys = append(in.keys, ob.Key)
		case pki.KindPublicKey:
			return fmt.Errorf("%s: a bare public key cannot be imported (import the certificate instead)", f.Source)
		case pki.KindEncryptedKey, pki.KindPKCS12:
			if err := in.addProtected(f.Source, ob, ask); err != nil {
				return err
			}
		}
	}
	return nil
}

// addProtected opens an encrypted key or a PKCS#12 file; a PKCS#12 file
// with an empty password opens without asking.
func (in *importInput) addProtected(source string, ob pki.Object, ask PassphraseFunc) error {
	if ask == nil {
		return fmt.Errorf("%s: %w", source, ErrPassphraseNeeded)
	}
	if ob.Kind == pki.KindPKCS12 {
		if p12, err := pki.DecodePKCS12(ob.DER, ""); err == nil {
			in.keys, in.certs = append(in.keys, p12.Key), append(append(in.certs, p12.Leaf), p12.Chain...)
			return nil
		}
	}
	pw, err := ask("the passphrase of " + source)
	if err != nil {
		return err
	}
	in.pass = pw
	if ob.Kind == pki.KindPKCS12 {
		p12, err := pki.DecodePKCS12(ob.DER, string(pw))
		if err != nil {
			return fmt.Errorf("%s: %w", source, err)
		}
		in.keys, in.certs = append(in.keys, p12.Key), append(append(in.certs, p12.Leaf), p12.Chain...)
		return nil
	}
	k, err := pki.DecryptObject(ob, pw)
	if err != nil {
		return fmt.Errorf("%s: %w", source, err)
	}
	in.keys = append(in.keys, k)
	return nil
}

// pickLeaf chooses the certificate the key belongs to, else the first one.
func pickLeaf(certs []*x509.Certificate, key crypto.Signer, sources []string) (*x509.Certificate, []*x509.Certificate, error) {
	idx := 0
	if key != nil {
		idx = -1
		for i, c := range certs {
			if pki.CheckKeyPair(c, key) == nil {
				idx = i
				break
			}
		}
		if idx < 0 {
			err := pki.CheckKeyPair(certs[0], key)
			return nil, nil, fmt.Errorf("%s: %w", strings.Join(sources, ", "), err)
		}
	}
	rest := append(append([]*x509.Certificate{}, certs[:idx]...), certs[idx+1:]...)
	return certs[idx], rest, nil
}

// isCACert: CA:TRUE, or a v1 self-signed certificate (openssl req -x509 style roots).
func isCACert(c *x509.Certificate) bool {
	if c.BasicConstraintsValid {
		return c.IsCA
	}
	return c.Version == 1 && pki.IsSelfSigned(c)
}

// issuerInStore finds the store CA whose key signed c.
func (s *Store) issuerInStore(c *x509.Certificate) string {
	cas, err := s.ListCAs()
	if err != nil {
		return ""
	}
	for _, ca := range cas {
		if string(ca.Cert.RawSubject) == string(c.RawIssuer) && c.CheckSignatureFrom(ca.Cert) == nil {
			return ca.Name
		}
	}
	// v1 CAs fail CheckSignatureFrom's CA checks; compare the signature alone.
	for _, ca := range cas {
		if string(ca.Cert.RawSubject) == string(c.RawIssuer) &&
			ca.Cert.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature) == nil {
			return ca.Name
		}
	}
	return ""
}

func (s *Store) importCA(name string, cert *x509.Certificate, rest []*x509.Certificate, key crypto.Signer, pass []byte, out *Imported) error {
	parent := ""
	if !pki.IsSelfSigned(cert) {
		parent = s.issuerInStore(cert)
	}
	certPEM := pki.EncodeCertPEM(cert.Raw)
	var chain []byte
	if parent != "" {
		b, err := readFileBytes(filepath.Join(s.caDir(parent), "chain.pem"))
		if err != nil {
			return err
		}
		chain = b
	} else {
		for _, c := range rest {
			chain = append(chain, pki.EncodeCertPEM(c.Raw)...)
		}
	}
	var keyPEM []byte
	if key != nil {
		var err error
		if keyPEM, err = pki.EncodeKeyPEM(key, pass); err != nil {
			return err
		}
	}
	fs, err := newFileSet(s.caDir(name))
	if err != nil {
		return err
	}
	defer fs.abort()
	meta := caMeta{Parent: parent, DefaultProfile: string(pki.ProfileServer), DefaultDays: 365, CRLDays: 30,
		Encrypted: keyPEM != nil && len(pass) > 0, Imported: true, HasKey: key != nil, Created: s.now().UTC()}
	if err := writeCAFiles(fs, certPEM, keyPEM, chain, meta); err != nil {
		return err
	}
	if err := fs.commit(); err != nil {
		return err
	}
	s.rebuildCounts(s.caDir(name)) // derived; see refreshCounts
	*out = Imported{Name: name, Kind: "ca", Subject: pki.FormatName(cert.Subject), Serial: pki.SerialHex(cert.SerialNumber),
		HasKey: key != nil, Dir: s.caDir(name), CA: parent}
	if key == nil {
		out.Notes = append(out.Notes, "no private key came with it: it can be trusted and inspected, not used to issue or revoke")
	}
	if cert.Version == 1 {
		out.Notes = append(out.Notes, "a v1 certificate has no extensions; it is accepted as a root because it is self-signed")
	}
	return nil
}

// importIssued records a leaf of a store CA in that CA's index, so revoke and
// CRLs work on it. It reports done=false (and changes nothing) when the
// serial is already taken in that index, as with the seeds' -set_serial 0.
func (s *Store) importIssued(name, ca string, leaf *x509.Certificate, key crypto.Signer, pass []byte, out *Imported) (bool, error) {
	caDir := s.caDir(ca)
	es, err := readIndex(filepath.Join(caDir, "index.txt"))
	if err != nil {
		return false, err
	}
	if i := findSerial(es, leaf.SerialNumber); i >= 0 {
		out.Notes = append(out.Notes, fmt.Sprintf("serial %s is already used by %q in CA %s's index, so this certificate is kept in imported/ and cannot be revoked by serial (openssl's -set_serial 0 gives every certificate the same serial)",
			pki.SerialHex(leaf.SerialNumber), es[i].Name(), ca))
		return false, nil
	}
	issuers, err := readCerts(filepath.Join(caDir, "chain.pem"))
	if err != nil {
		return false, err
	}
	certPEM := pki.EncodeCertPEM(leaf.Raw)
	fs, err := newFileSet(s.certDir(name))
	if err != nil {
		return false, err
	}
	defer fs.abort()
	if err := fs.add("cert.pem", certPEM, 0o644); err != nil {
		return false, err
	}
	for _, f := range splitChain(certPEM, issuers).files() {
		if err := fs.add(f.name, f.data, f.perm); err != nil {
			return false, err
		}
	}
	if key != nil {
		kp, err := pki.EncodeKeyPEM(key, pass)
		if err != nil {
			return false, err
		}
		if err := fs.add("key.pem", kp, 0o600); err != nil {
			return false, err
		}
	}
	serial := pki.SerialHex(leaf.SerialNumber)
	if err := fs.addJSON("meta.json", certMeta{CA: ca, Serial: serial, Profile: guessProfile(leaf), Created: s.now().UTC(), Imported: true}); err != nil {
		return false, err
	}
	// Journalled in the CA's folder: the folder, the certificate file and
	// the index line land together or not at all.
	j := journal{Op: "import", Items: []journalItem{{Serial: serial, Paths: []string{"certs/" + name, "cas/" + ca + "/certs/" + serial + ".pem"}}}}
	if err := s.journalled(ca, j, func() error {
		if err := writeFileAtomic(filepath.Join(caDir, "certs", serial+".pem"), certPEM, 0o644); err != nil {
			return err
		}
		s.step("certificate file written")
		if err := fs.commit(); err != nil {
			return err
		}
		s.step("certificate folder in place")
		return s.appendRecords(caDir, []Entry{entryFor(leaf, "certs/"+name)}, func(Entry) string { return profileOfCert(leaf) })
	}); err != nil {
		return false, err
	}
	*out = Imported{Name: name, Kind: "issued", CA: ca, Subject: pki.FormatName(leaf.Subject), Serial: serial,
		HasKey: key != nil, Dir: s.certDir(name), Notes: out.Notes}
	return true, nil
}

// profileOfCert names the profile a certificate fits (CAs included).
func profileOfCert(c *x509.Certificate) string {
	if c.IsCA {
		if pki.IsSelfSigned(c) {
			return string(pki.ProfileRootCA)
		}
		return string(pki.ProfileIntermediateCA)
	}
	return guessProfile(c)
}

func guessProfile(c *x509.Certificate) string {
	var srv, cli bool
	for _, u := range c.ExtKeyUsage {
		srv = srv || u == x509.ExtKeyUsageServerAuth
		cli = cli || u == x509.ExtKeyUsageClientAuth
	}
	switch {
	case srv && cli:
		return string(pki.ProfileServerClient)
	case srv:
		return string(pki.ProfileServer)
	case cli:
		return string(pki.ProfileClient)
	}
	return ""
}

func (s *Store) importForeign(name string, leaf *x509.Certificate, rest []*x509.Certificate, key crypto.Signer, pass []byte,
	csrs []*x509.CertificateRequest, crls []*x509.RevocationList, sources, kinds []string, out *Imported) error {
	fs, err := newFileSet(s.impDir(name))
	if err != nil {
		return err
	}
	defer fs.abort()
	m := importMeta{Sources: sources, Contents: kinds, Created: s.now().UTC(), Notes: out.Notes}
	if leaf != nil {
		certPEM := pki.EncodeCertPEM(leaf.Raw)
		if err := fs.add("cert.pem", certPEM, 0o644); err != nil {
			return err
		}
		for _, f := range splitChain(certPEM, rest).files() {
			if f.name == "chain.pem" && len(f.data) == 0 {
				continue // nothing came between the leaf and its root
			}
			if err := fs.add(f.name, f.data, f.perm); err != nil {
				return err
			}
		}
		m.Subject, m.Issuer = pki.FormatName(leaf.Subject), pki.FormatName(leaf.Issuer)
		m.Serial, m.NotAfter = pki.SerialHex(leaf.SerialNumber), leaf.NotAfter
	}
	if key != nil {
		kp, err := pki.EncodeKeyPEM(key, pass)
		if err != nil {
			return err
		}
		if err := fs.add("key.pem", kp, 0o600); err != nil {
			return err
		}
	}
	for i, c := range csrs {
		if err := fs.add(numbered("csr", i, ".pem"), pki.EncodeCSRPEM(c.Raw), 0o644); err != nil {
			return err
		}
		if m.Subject == "" {
			m.Subject = pki.FormatName(c.Subject)
		}
	}
	for i, l := range crls {
		if err := fs.add(numbered("crl", i, ".pem"), pki.EncodeCRLPEM(l.Raw), 0o644); err != nil {
			return err
		}
	}
	if err := fs.addJSON("meta.json", m); err != nil {
		return err
	}
	if err := fs.commit(); err != nil {
		return err
	}
	*out = Imported{Name: name, Kind: "foreign", Subject: m.Subject, Serial: m.Serial, HasKey: key != nil, Dir: s.impDir(name), Notes: m.Notes}
	return nil
}

func numbered(base string, i int, ext string) string {
	if i == 0 {
		return base + ext
	}
	return fmt.Sprintf("%s-%d%s", base, i+1, ext)
}
