package ui

import (
	"errors"
	"fmt"
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
	subject := textField("subject", "Subject", "", "CN=<name>", func(v string) error {
		if v == "" {
			return nil
		}
		_, err := pki.ParseSubject(v)
		return err
	})
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
	pass := passwordField("pass", "Passphrase")
	pass.hint = "encrypts the CA key (optional; you will be asked for it to sign)"
	parentPass := passwordField("parentpass", "Parent passphrase")
	parentPass.hint = "only when the parent's key is encrypted"
	f.fields = []*formField{name, subject, choiceField("algo", "Algorithm", algos, string(pki.P256)), days,
		choiceField("parent", "Parent", parents, parent), pathLen, pass, parentPass}
	f.changed = func(f *form) {
		root := f.value("parent") == noParent
		def := "root-ca"
		if !root {
			def = f.value("parent") + "-int"
		}
		f.field("name").setDefault(c.uniqueName(def))
		n := f.value("name")
		if root {
			f.field("subject").setDefault("/CN=" + titleName(n) + " Root CA")
			f.field("days").setDefault("3650")
		} else {
			f.field("subject").setDefault("/CN=" + titleName(n) + " Intermediate CA")
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

func checkDays(v string) error {
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 || n > 100*366 {
		return errors.New("days of validity: a whole number from 1")
	}
	return nil
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
