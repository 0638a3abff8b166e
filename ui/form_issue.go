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

// newIssueForm is the issue form; ca preselects the issuing CA.
func newIssueForm(c *Common, ca string) Component {
	var cas []string
	for _, x := range c.Data.CAs {
		if x.HasKey {
			cas = append(cas, x.Name)
		}
	}
	if ca == "" && len(cas) > 0 {
		// The deepest CA is where leaves usually come from.
		ca = cas[len(cas)-1]
	}
	f := &form{c: c, title: "Issue a certificate", verb: "issue"}
	name := textField("name", "Name", "", "", func(v string) error { return c.checkNewName(v) })
	name.hint = "store name, also the default CN"
	profiles := make([]string, len(pki.LeafProfiles))
	for i, p := range pki.LeafProfiles {
		profiles[i] = string(p)
	}
	dns := textField("dns", "DNS names", "", "comma separated", nil)
	dns.hint = "the names a TLS client will dial; a server certificate needs one"
	algos := make([]string, len(pki.Algorithms))
	for i, a := range pki.Algorithms {
		algos[i] = string(a)
	}
	caField := choiceField("ca", "CA", cas, ca)
	caField.validate = func(v string) error {
		if v == "" {
			return errors.New("no CA with a key in this store: create one first (tab 1, n)")
		}
		return nil
	}
	pass := passwordField("pass", "CA passphrase")
	pass.hint = "only when the CA's key is encrypted"
	f.fields = []*formField{name, caField, choiceField("profile", "Profile", profiles, string(pki.ProfileServer)),
		dns, choiceField("algo", "Algorithm", algos, string(pki.P256)),
		textField("days", "Days", "365", "", checkDays), pass}
	dns.validate = func(v string) error {
		names := splitList(v)
		// pki's one SAN rule, as the CLI's --dns and the issue policy.
		if err := (pki.SANs{DNS: names}).Check(); err != nil {
			return err
		}
		if len(names) == 0 && f.value("profile") != string(pki.ProfileClient) {
			return errors.New("a server certificate needs at least one DNS name (Go clients ignore the CN)")
		}
		return nil
	}
	f.unlock = "pass"
	f.changed = func(f *form) {
		profile := f.value("profile")
		base := "server"
		switch pki.Profile(profile) {
		case pki.ProfileClient:
			base = "client"
		case pki.ProfileServerClient:
			base = "peer"
		}
		f.field("name").setDefault(c.uniqueName(base))
		if profile == string(pki.ProfileClient) {
			f.field("dns").setDefault("")
		} else {
			f.field("dns").setDefault("localhost")
		}
		for _, x := range f.fields {
			x.check()
		}
	}
	f.submit = func(f *form) (reqID, tea.Cmd, error) {
		o := store.IssueOptions{Names: []string{f.value("name")}, CA: f.value("ca"), DNS: splitList(f.value("dns"))}
		var err error
		if o.Profile, err = pki.ParseProfile(f.value("profile")); err != nil {
			return 0, nil, err
		}
		if o.Algorithm, err = pki.ParseAlgorithm(f.value("algo")); err != nil {
			return 0, nil, err
		}
		o.Days, _ = strconv.Atoi(f.value("days"))
		o.Passphrase = fixedPass([]byte(f.field("pass").input.Value()))
		id := c.begin("issue " + o.Names[0])
		return id, issueCmd(c.Store, id, o), nil
	}
	f.done = func(f *form, msg tea.Msg) (string, error) {
		m, ok := msg.(issuedMsg)
		if !ok {
			return "", fmt.Errorf("unexpected answer %T", msg)
		}
		if m.err != nil {
			return "", m.err
		}
		if len(m.certs) == 0 {
			return "nothing issued", nil
		}
		x := m.certs[0]
		return fmt.Sprintf("issued %s by %s, serial %s, until %s", x.Name, x.CA, x.Serial, x.NotAfter.UTC().Format("2006-01-02")), nil
	}
	f.init()
	return f
}

func splitList(v string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' }) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
