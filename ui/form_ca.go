package ui

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/pkibench/pkibench/pki"
	"github.com/pkibench/pkibench/store"
)

const noParent = "none (root)"

// newCAForm is the create-CA form; parent preselects an intermediate's parent.
func newCAForm(c *Common, parent string) Component {
	parents := []string{noParent}
	for _, ca := range c.Data.CAs {
		if ca.HasKey {
			parents = append(parents, ca.Name)
		}
	}
	if parent == "" {
		parent = noParent
	}
	f := &form{c: c, title: "Create a certificate authority", verb: "create"}
	name := textField("name", "Name", "", "", func(v string) error { return c.checkNewName(v) })
	name.hint = "store name: a-z 0-9 . _ -, used for files and commands"
	f.unlock = "parentpass"
	subject := textField("subject", "Subject", "", "CN=<name>", nil)
	subject.validate = func(v string) error {
		if v == "" {
			return nil
		}
		n, err := pki.ParseSubject(v)
		if err != nil {
			return err
		}
		// A CA named like its issuer looks self-signed to every verifier
		// ("self-signed certificate in certificate chain").
		if p := c.caByName(f.value("parent")); p != nil && pki.FormatName(n) == p.Subject {
			return fmt.Errorf("%s is the subject of its parent %s: a CA needs a subject distinct from its issuer's", pki.FormatName(n), p.Name)
		}
		return nil
	}
	subject.hint = "/O=ABC Inc./CN=ABC Root CA or CN=ABC Root CA,O=ABC Inc."
	algos := make([]string, len(pki.Algorithms))
	for i, a := range pki.Algorithms {
		algos[i] = string(a)
	}
	days := textField("days", "Days", "3650", "", checkDays)
	pathLen := textField("pathlen", "Path length", "", "no limit", func(v string) error {
		if v == "" {
			return nil
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return errors.New("a number of intermediates allowed below, 0 or more (empty: no limit)")
		}
		return nil
	})
	pathLen.hint = "how many CA levels may sit below this one"
	subtrees := func(v string) error {
		_, err := pki.ParseSubtrees(splitList(v))
		return err
	}
	permit := textField("permit", "Permitted names", "", "any (no name constraints)", subtrees)
	permit.hint = "only these names below: example.com, 10.0.0.0/8, email:example.com (DNS:, IP:, email: as openssl)"
	exclude := textField("exclude", "Excluded names", "", "none", subtrees)
	exclude.hint = "never these names below, even inside a permitted one: secret.example.com, 10.9.0.0/16"
	crlURL := textField("crl", "CRL URL", "", "none", checkURL)
	crlURL.hint = "CRL distribution point put in what this CA issues (http://…/ca.crl)"
	aiaURL := textField("aia", "AIA URL", "", "none", checkURL)
	aiaURL.hint = "where clients fetch this CA's certificate, put in what it issues (http://…/ca.crt)"
	pass := passwordField("pass", "Passphrase")
	pass.hint = "encrypts the CA key (optional; you will be asked for it to sign)"
	confirm := passwordField("confirm", "Confirm passphrase")
	confirm.hint = "the passphrase again: a typo here would lock the key for good"
	confirm.validate = func(v string) error {
		if f.field("pass").input.Value() != f.field("confirm").input.Value() {
			return errors.New("does not match the passphrase")
		}
		return nil
	}
	parentPass := passwordField("parentpass", "Parent passphrase")
	parentPass.hint = "only when the parent's key is encrypted"
	parentField := choiceField("parent", "Parent", parents, parent)
	parentField.warn = func(v string) string { return c.pathLenWarning(v) }
	f.fields = []*formField{name, subject, choiceField("algo", "Algorithm", algos, string(pki.P256)), days,
		parentField, pathLen, permit, exclude, crlURL, aiaURL, pass, confirm, parentPass}
	f.changed = func(f *form) {
		root := f.value("parent") == noParent
		def := "root-ca"
		if !root {
			def = f.value("parent") + "-int"
		}
		f.field("name").setDefault(c.uniqueName(def))
		n := f.value("name")
		if root {
			f.field("subject").setDefault(c.defaultCASubject(n, " Root CA"))
			f.field("days").setDefault("3650")
		} else {
			f.field("subject").setDefault(c.defaultCASubject(n, " Intermediate CA"))
			f.field("days").setDefault("1825")
		}
		for _, x := range f.fields {
			x.check()
		}
	}
	f.submit = func(f *form) (reqID, tea.Cmd, error) {
		o := store.CAOptions{Name: f.value("name")}
		if p := f.value("parent"); p != noParent {
			o.Parent = p
		}
		var err error
		subj := f.value("subject")
		if subj == "" {
			subj = "CN=" + o.Name
		}
		if o.Subject, err = pki.ParseSubject(subj); err != nil {
			return 0, nil, err
		}
		if o.Algorithm, err = pki.ParseAlgorithm(f.value("algo")); err != nil {
			return 0, nil, err
		}
		o.Days, _ = strconv.Atoi(f.value("days"))
		if v := f.value("pathlen"); v != "" {
			n, _ := strconv.Atoi(v)
			o.PathLen = &n
		}
		permitted, err := pki.ParseSubtrees(splitList(f.value("permit")))
		if err != nil {
			return 0, nil, err
		}
		excluded, err := pki.ParseSubtrees(splitList(f.value("exclude")))
		if err != nil {
			return 0, nil, err
		}
		o.Constraints = pki.NameConstraints{PermittedDNS: permitted.DNS, PermittedIP: permitted.IPs, PermittedEmail: permitted.Emails,
			ExcludedDNS: excluded.DNS, ExcludedIP: excluded.IPs, ExcludedEmail: excluded.Emails}
		o.CRLURL, o.AIAURL = f.value("crl"), f.value("aia")
		if p := f.field("pass").input.Value(); p != "" {
			o.Passphrase = []byte(p)
		}
		o.ParentPassphrase = fixedPass([]byte(f.field("parentpass").input.Value()))
		id := c.begin("create CA " + o.Name)
		return id, createCACmd(c.Store, id, o), nil
	}
	f.done = func(f *form, msg tea.Msg) (string, error) {
		m, ok := msg.(caCreatedMsg)
		if !ok {
			return "", fmt.Errorf("unexpected answer %T", msg)
		}
		if m.err != nil {
			return "", m.err
		}
		return fmt.Sprintf("CA %s created (%s, until %s)", m.ca.Name, m.ca.Algorithm, m.ca.NotAfter.UTC().Format("2006-01-02")), nil
	}
	f.init()
	return f
}

// checkURL accepts an empty field or an absolute http(s) or ldap URL, the
// kinds verifiers fetch CRLs and CA certificates from.
func checkURL(v string) error {
	if v == "" {
		return nil
	}
	u, err := url.Parse(v)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "ldap") {
		return fmt.Errorf("%q is not an http://, https:// or ldap:// URL with a host", v)
	}
	return nil
}

// maxDays is the longest validity a form accepts (100 years).
const maxDays = 100 * 366

func checkDays(v string) error {
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 || n > maxDays {
		return fmt.Errorf("days of validity: a whole number from 1 to %d", maxDays)
	}
	return nil
}

func (c *Common) caByName(name string) *store.CA {
	for _, ca := range c.Data.CAs {
		if ca.Name == name {
			return ca
		}
	}
	return nil
}

// defaultCASubject is "CN = <Title> <kind>" (the TUI's one subject
// format) from the new CA's name, unless
// a CA of the store already has that subject (a sub-CA of "demo-ca-int"
// would otherwise be another "Demo Intermediate CA", looking self-issued):
// then the name itself, which no other CA has.
func (c *Common) defaultCASubject(name, kind string) string {
	taken := func(subj string) bool {
		n, err := pki.ParseSubject(subj)
		if err != nil {
			return false
		}
		for _, ca := range c.Data.CAs {
			if ca.Subject == pki.FormatName(n) {
				return true
			}
		}
		return false
	}
	subj := "CN = " + titleName(name) + kind
	if !taken(subj) {
		return subj
	}
	subj = "CN = " + name + kind
	for i := 2; taken(subj); i++ {
		subj = fmt.Sprintf("CN = %s%s %d", name, kind, i)
	}
	return subj
}

// pathLenWarning says when a CA under parent would break a path length
// constraint above it: every CA on the way up allows only so many CAs below.
func (c *Common) pathLenWarning(parent string) string {
	below := 1 // the new CA
	for p := c.caByName(parent); p != nil; p = c.caByName(p.Parent) {
		if p.PathLen != nil && *p.PathLen < below {
			if p.Name == parent {
				return fmt.Sprintf("%s has path length %d: a CA below it fails verification (path-len-exceeded) with openssl and Go", p.Name, *p.PathLen)
			}
			return fmt.Sprintf("%s allows %d CA levels below it (path length): one more here fails verification (path-len-exceeded)", p.Name, *p.PathLen)
		}
		below++
		if below > len(c.Data.CAs)+1 {
			break
		}
	}
	return ""
}

// checkNewName is store.CheckName plus a friendly "already taken" that the
// store would otherwise only say after the key was made.
func (c *Common) checkNewName(v string) error {
	if err := store.CheckName(v); err != nil {
		return err
	}
	if c.nameTaken(v) {
		return fmt.Errorf("%s is already taken in this store", v)
	}
	return nil
}

func (c *Common) nameTaken(v string) bool {
	for _, ca := range c.Data.CAs {
		if ca.Name == v {
			return true
		}
	}
	for _, ct := range c.Data.Certs {
		if ct.Name == v && ct.Kind != "ca" {
			return true
		}
	}
	return false
}

// uniqueName is base, or base-2, base-3 ... the first one not taken.
func (c *Common) uniqueName(base string) string {
	if !c.nameTaken(base) {
		return base
	}
	for i := 2; ; i++ {
		n := fmt.Sprintf("%s-%d", base, i)
		if !c.nameTaken(n) {
			return n
		}
	}
}

// titleName turns "demo-ca" into "Demo" for a default subject, leaving out
// the words the subject adds itself.
func titleName(n string) string {
	var out []string
	for _, p := range strings.FieldsFunc(n, func(r rune) bool { return r == '-' || r == '_' || r == '.' }) {
		switch p {
		case "root", "ca", "int", "intermediate":
			continue
		}
		if len(p) <= 3 {
			out = append(out, strings.ToUpper(p))
		} else {
			out = append(out, strings.ToUpper(p[:1])+p[1:])
		}
	}
	if len(out) == 0 {
		return "pkibench"
	}
	return strings.Join(out, " ")
}
