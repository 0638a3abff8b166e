package ui

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/pkibench/pkibench/pki"
	"github.com/pkibench/pkibench/pki/inspect"
	"github.com/pkibench/pkibench/store"
)

// workDoneMsg answers the file forms (import, export, sign): a sentence for
// the status bar, or the error.
type workDoneMsg struct {
	reqID
	status string
	err    error
}

func doneStatus(_ *form, msg tea.Msg) (string, error) {
	m, ok := msg.(workDoneMsg)
	if !ok {
		return "", fmt.Errorf("unexpected answer %T", msg)
	}
	return m.status, m.err
}

func checkPaths(v string) error {
	if len(splitPaths(v)) == 0 {
		return errors.New("give at least one file (several: separate with commas)")
	}
	return nil
}

func splitPaths(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// newImportForm brings outside files (certificates, keys, chains, PKCS#12,
// CRLs, in PEM or DER) into the store.
func newImportForm(c *Common) Component {
	f := &form{c: c, title: "Import files", verb: "import"}
	files := textField("files", "Files", "", "ca.cert, ca.key", checkPaths)
	files.hint = "paths, comma separated: a certificate with its key, a chain, a .p12 ..."
	as := textField("as", "Store name", "", "from the first file's name", func(v string) error {
		if v == "" {
			return nil
		}
		return c.checkNewName(v)
	})
	pass := passwordField("pass", "Passphrase")
	pass.hint = "for encrypted keys and PKCS#12 files"
	f.fields = []*formField{files, as, pass}
	f.unlock = "pass"
	f.submit = func(f *form) (reqID, tea.Cmd, error) {
		paths := splitPaths(f.value("files"))
		o := store.ImportOptions{As: f.value("as"), Passphrase: fixedPass([]byte(f.field("pass").input.Value()))}
		id := c.begin("import " + strings.Join(paths, ", "))
		st := c.Store
		return id, func() tea.Msg {
			var in []store.ImportFile
			for _, p := range paths {
				data, err := store.ReadInput(p)
				if err != nil {
					return workDoneMsg{reqID: id, err: fmt.Errorf("import: %w", err)}
				}
				in = append(in, store.ImportFile{Source: p, Data: data})
			}
			im, err := st.Import(in, o)
			if err != nil {
				return workDoneMsg{reqID: id, err: err}
			}
			s := fmt.Sprintf("imported %s as %s (%s)", strings.Join(paths, ", "), im.Name, im.Kind)
			if len(im.Notes) > 0 {
				s += ": " + strings.Join(im.Notes, "; ")
			}
			return workDoneMsg{reqID: id, status: s}
		}, nil
	}
	f.done = doneStatus
	f.init()
	return f
}

// exportExt is the default file name ending per export format.
var exportExt = map[string]string{"pem": ".pem", "der": ".der", "chain": "-chain.pem", "fullchain": "-fullchain.pem", "p12": ".p12", "key": ".key"}

// exportWhat says what each export format holds (certbot's convention for
// chain and fullchain), shown under the format choice.
var exportWhat = map[string]string{
	"pem":       "the certificate",
	"der":       "the certificate, DER (binary)",
	"chain":     "the intermediates only (no certificate, no root)",
	"fullchain": "certificate + intermediates (no root)",
	"p12":       "key, certificate and chain (alias: the name)",
	"key":       "the private key as the store keeps it (encrypted stays encrypted), 0600",
}

// newExportForm writes a certificate of the store to a file, in one of
// store.ExportFormats; target is a store name (Identity does not take CA/SERIAL).
func newExportForm(c *Common, target, name string) Component {
	f := &form{c: c, title: "Export " + name, verb: "export"}
	out := textField("out", "Write to", "", "", func(v string) error {
		if v == "" {
			return errors.New("give a file to write")
		}
		return nil
	})
	out.hint = "an existing file is never overwritten"
	pass := passwordField("pass", "P12 password")
	pass.hint = "protects the .p12 file (and its key); needed for p12 only"
	format := choiceField("format", "Format", store.ExportFormats, "pem")
	format.warn = func(v string) string {
		if v != "key" {
			return ""
		}
		what := "a key"
		if c.caByName(target) != nil {
			what = "a CA's key: it signs any certificate, and every client that trusts the CA accepts them"
		}
		return fmt.Sprintf("this writes %s's private key; whoever reads the file can act as %s (%s)", name, name, what)
	}
	f.fields = []*formField{format, out, pass}
	f.changed = func(f *form) {
		f.field("format").hint = exportWhat[f.value("format")]
		f.field("out").setDefault(name + exportExt[f.value("format")])
		f.field("out").check()
	}
	f.submit = func(f *form) (reqID, tea.Cmd, error) {
		format, path := f.value("format"), f.value("out")
		p12 := []byte(f.field("pass").input.Value())
		if format == "p12" && len(p12) == 0 {
			return 0, nil, errors.New("a PKCS#12 file needs a password")
		}
		id := c.begin("export " + name)
		st := c.Store
		return id, func() tea.Msg {
			data, err := st.Export(target, format, fixedPass(p12))
			if err != nil {
				return workDoneMsg{reqID: id, err: err}
			}
			if err := st.WriteExport(path, data, store.KeyBearing(format), false); err != nil {
				return workDoneMsg{reqID: id, err: err}
			}
			abs, _ := filepath.Abs(path)
			status := fmt.Sprintf("exported %s as %s to %s", name, format, abs)
			if format == "key" {
				status += " — " + store.KeyExportWarning(name, data)
			}
			return workDoneMsg{reqID: id, status: status}
		}, nil
	}
	f.done = doneStatus
	f.init()
	return f
}

// newSignForm signs a CSR someone else made (the key stays with them).
func newSignForm(c *Common, ca string) Component {
	issue := newIssueForm(c, ca).(*form)
	f := &form{c: c, title: "Sign a certificate request", verb: "sign"}
	csr := textField("csr", "CSR file", "", "request.csr", checkPaths)
	csr.hint = "PEM or DER; its signature is checked before anything is issued"
	name := textField("name", "Name", "", "", func(v string) error { return c.checkNewName(v) })
	name.hint = "store name for the certificate"
	f.fields = []*formField{csr, name, issue.field("ca"), issue.field("profile"), issue.field("days"), issue.field("pass")}
	f.unlock = "pass"
	shown := ""
	f.changed = func(f *form) {
		if p := f.value("csr"); p != "" {
			f.field("name").setDefault(store.NameFromFile(p))
		}
		// The request as it will be signed, before anything is issued.
		if p := f.value("csr"); p != shown {
			shown = p
			f.preview = csrPreview(p)
		}
		for _, x := range f.fields {
			x.check()
		}
	}
	f.submit = func(f *form) (reqID, tea.Cmd, error) {
		path := f.value("csr")
		o := store.IssueOptions{Names: []string{f.value("name")}, CA: f.value("ca"),
			Passphrase: fixedPass([]byte(f.field("pass").input.Value()))}
		var err error
		if o.Profile, err = pki.ParseProfile(f.value("profile")); err != nil {
			return 0, nil, err
		}
		o.Days, _ = strconv.Atoi(f.value("days"))
		id := c.begin("sign " + path)
		st := c.Store
		return id, func() tea.Msg {
			data, err := store.ReadInput(path)
			if err != nil {
				return workDoneMsg{reqID: id, err: fmt.Errorf("sign: %w", err)}
			}
			cert, err := st.SignCSR(data, path, o)
			if err != nil {
				return workDoneMsg{reqID: id, err: err}
			}
			return workDoneMsg{reqID: id, status: fmt.Sprintf("signed %s: %s by %s, serial %s", path, cert.Name, cert.CA, cert.Serial)}
		}, nil
	}
	f.done = doneStatus
	f.init()
	return f
}

// csrPreview describes the CSR at path as the sign form shows it: subject
// in the request's own order, SANs, key, and whether its signature holds;
// nothing while the path names no readable file.
func csrPreview(path string) []string {
	const maxPreview = 256 << 10
	if path == "" {
		return nil
	}
	fi, err := os.Stat(path)
	if err != nil || !fi.Mode().IsRegular() {
		return nil
	}
	// The preview runs as the path is typed: a request is a few KB, so a
	// file far larger is not read here (signing reads it in the background).
	if fi.Size() > maxPreview {
		return []string{fmt.Sprintf("request: %s is %d bytes, too large to preview (a CSR is a few KB)", path, fi.Size())}
	}
	data, err := store.ReadInput(path)
	if err != nil {
		return []string{"request: " + err.Error()}
	}
	objs, err := pki.Decode(data, path)
	if err != nil {
		return []string{"request: " + err.Error()}
	}
	if len(objs) != 1 || objs[0].CSR == nil {
		return []string{fmt.Sprintf("request: %s holds no single certificate request", path)}
	}
	csr := objs[0].CSR
	subject := "(empty)"
	for _, s := range inspect.FromObject(objs[0], time.Time{}).Sections {
		for _, x := range s.Fields {
			if x.Path == "subject" && x.Value != "" {
				subject = x.Value
			}
		}
	}
	var sans []string
	for _, d := range csr.DNSNames {
		sans = append(sans, "DNS:"+d)
	}
	for _, e := range csr.EmailAddresses {
		sans = append(sans, "email:"+e)
	}
	for _, ip := range csr.IPAddresses {
		sans = append(sans, "IP Address:"+ip.String())
	}
	for _, u := range csr.URIs {
		sans = append(sans, "URI:"+u.String())
	}
	if len(sans) == 0 {
		sans = []string{"none (the CN is copied to a DNS SAN for a server)"}
	}
	sig := "signature ok"
	if err := csr.CheckSignature(); err != nil {
		sig = "signature INVALID: " + err.Error()
	}
	return []string{"Request subject: " + subject, "SANs: " + strings.Join(sans, ", "),
		"Key: " + pki.DescribeKey(csr.PublicKey) + " · " + sig}
}
