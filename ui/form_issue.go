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
	// One SAN field, sorted by kind as the CLI's --san does
	// (pki.ClassifySANs): 127.0.0.1 is an IP, ops@example.com an e-mail.
	san := textField("san", "SANs", "", "comma separated", nil)
	san.hint = "DNS names, IPs, name@domain, scheme:… URIs; a server certificate needs a DNS name or IP"
	subject := textField("subject", "Subject", "", "CN=<name>", func(v string) error {
		if v == "" {
			return nil
		}
		_, err := pki.ParseSubject(v)
		return err
	})
	subject.hint = "/O=ABC Inc./CN=api or CN=api,O=ABC Inc. (empty: CN=<name>)"
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
		san, subject, choiceField("algo", "Algorithm", algos, string(pki.P256)),
		textField("days", "Days", "365", "", checkDays), pass}
	san.validate = func(v string) error {
		// pki's one SAN rule, as the CLI's --san and the issue policy.
		sans, err := pki.ParseSANList(splitList(v))
		if err != nil {
			return err
		}
		if len(sans.DNS)+len(sans.IPs) == 0 && f.value("profile") != string(pki.ProfileClient) {
			return errors.New("a server certificate needs at least one DNS name or IP address (clients check the SAN, not the CN)")
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
			f.field("san").setDefault("")
		} else {
			f.field("san").setDefault("localhost")
		}
		for _, x := range f.fields {
			x.check()
		}
	}
	f.submit = func(f *form) (reqID, tea.Cmd, error) {
		o := store.IssueOptions{Names: []string{f.value("name")}, CA: f.value("ca")}
		sans, err := pki.ParseSANList(splitList(f.value("san")))
		if err != nil {
			return 0, nil, err
		}
		o.DNS, o.IPs, o.Emails, o.URIs = sans.DNS, sans.IPs, sans.Emails, sans.URIs
		if v := f.value("subject"); v != "" {
			if o.Subject, err = pki.ParseSubject(v); err != nil {
				return 0, nil, err
			}
		}
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

// splitList splits at commas only, as the CLI does: "foo bar" is one
// (bad) name, not two good ones.
func splitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
