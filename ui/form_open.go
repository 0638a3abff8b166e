package ui

import (
	"crypto/x509"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/pkibench/pkibench/pki"
	"github.com/pkibench/pkibench/store"
)

// fileReadMsg answers the open-file form: the document to show.
type fileReadMsg struct {
	reqID
	doc inspectDoc
	err error
}

// newOpenFileForm opens any file (certificate, chain, CSR, CRL, key,
// PKCS#12) in Inspect; the password field opens a PKCS#12 bundle or an
// encrypted key, and a wrong one sends the cursor back there.
func newOpenFileForm(c *Common) Component {
	f := &form{c: c, title: "Inspect a file", verb: "open"}
	file := textField("file", "File", "", "server.pem", func(v string) error {
		if v == "" {
			return errors.New("give a file: a certificate, chain, CSR, CRL, key or .p12, PEM or DER")
		}
		return nil
	})
	file.hint = "a certificate, chain, CSR, CRL, key or PKCS#12, PEM or DER"
	pass := passwordField("pass", "Password")
	pass.hint = "only for a PKCS#12 bundle or an encrypted key"
	f.fields = []*formField{file, pass}
	f.unlock = "pass"
	f.submit = func(f *form) (reqID, tea.Cmd, error) {
		path, pw := f.value("file"), f.field("pass").input.Value()
		id := c.begin("inspect " + path)
		st, now := c.Store, c.now()
		return id, func() tea.Msg {
			doc, err := readFileDoc(st, path, []byte(pw), now)
			return fileReadMsg{reqID: id, doc: doc, err: err}
		}, nil
	}
	f.done = func(f *form, msg tea.Msg) (string, error) {
		m, ok := msg.(fileReadMsg)
		if !ok {
			return "", fmt.Errorf("unexpected answer %T", msg)
		}
		if m.err != nil {
			return "", m.err
		}
		return "inspecting " + m.doc.Path, nil
	}
	f.then = func(f *form, msg tea.Msg) tea.Cmd {
		m := msg.(fileReadMsg)
		return c.post(openInspectMsg{title: filepath.Base(m.doc.Path), doc: &m.doc})
	}
	f.init()
	return f
}

// readFileDoc reads path through the store's bounded reader and builds the
// document of its first object; the file's other certificates and the
// store's CAs are the candidates for a certificate's chain.
func readFileDoc(st *store.Store, path string, pass []byte, now time.Time) (inspectDoc, error) {
	data, err := store.ReadInput(path)
	if err != nil {
		return inspectDoc{}, fmt.Errorf("inspect %s: %w", path, err)
	}
	// The display decode, as the CLI's inspect: an object crypto/x509
	// refuses but openssl prints is shown with a finding saying so, and a
	// big CRL's parsed entries are not kept (its text is rendered from
	// the DER).
	objs, err := pki.DecodeLenient(data, path)
	if err != nil {
		return inspectDoc{}, fmt.Errorf("inspect %s: %w", path, err)
	}
	if len(objs) == 0 {
		return inspectDoc{}, fmt.Errorf("inspect %s: nothing to show", path)
	}
	obj := objs[0]
	var pool []*x509.Certificate
	for _, o := range objs[1:] {
		if o.Cert != nil {
			pool = append(pool, o.Cert)
		}
	}
	switch obj.Kind {
	case pki.KindPKCS12:
		if len(pass) == 0 {
			return inspectDoc{}, fmt.Errorf("%s is a PKCS#12 bundle: %w", path, store.ErrPassphraseNeeded)
		}
		p12, err := pki.DecodePKCS12(obj.DER, string(pass))
		if err != nil {
			return inspectDoc{}, fmt.Errorf("%s: %w", path, err)
		}
		if p12.Leaf == nil {
			return inspectDoc{}, fmt.Errorf("%s: the PKCS#12 bundle holds no certificate", path)
		}
		obj = pki.Object{Kind: pki.KindCertificate, Format: "DER", Label: "PKCS#12 certificate", DER: p12.Leaf.Raw, Cert: p12.Leaf}
		pool = append(pool, p12.Chain...)
	case pki.KindEncryptedKey:
		if len(pass) == 0 {
			return inspectDoc{}, fmt.Errorf("%s: %w", path, store.ErrPassphraseNeeded)
		}
		k, err := pki.DecryptObject(obj, pass)
		if err != nil {
			return inspectDoc{}, fmt.Errorf("%s: %w", path, err)
		}
		obj = pki.Object{Kind: pki.KindPrivateKey, Format: obj.Format, Key: k}
	}
	if st != nil {
		pool = caPool(st)
	}
	doc := buildDoc(obj, pool, now)
	doc.Path = path
	return doc, nil
}
