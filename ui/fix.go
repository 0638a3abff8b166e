package ui

import (
	"fmt"
	"strings"

	"github.com/pkibench/pkibench/pki"
	"github.com/pkibench/pkibench/probe"
)

// fixHint renders a fix as the keys and fields of this TUI that do it (the
// CLI renders the same value as a command); "" when nothing here does it.
func (c *Common) fixHint(f *pki.Fix) string {
	if f == nil {
		return ""
	}
	k := c.Keys
	or := func(s, placeholder string) string {
		if s == "" {
			return placeholder
		}
		return s
	}
	switch f.Kind {
	case pki.FixReissue:
		var what []string
		if f.Profile != "" {
			what = append(what, "profile "+f.Profile)
		}
		if names := append(append(append([]string{}, f.DNS...), f.IPs...), f.Emails...); len(names) > 0 {
			what = append(what, "names "+strings.Join(names, ", "))
		}
		if f.Algo != "" {
			what = append(what, "algorithm "+f.Algo)
		}
		s := fmt.Sprintf("%s %s, %s %s: issue a new %s under %s", k.Tab2.Help().Key, k.Tab2.Help().Desc, k.Issue.Help().Key, k.Issue.Help().Desc,
			or(f.Name, "certificate"), or(f.CA, "its CA"))
		if len(what) > 0 {
			s += " (" + strings.Join(what, "; ") + ")"
		}
		return s
	case pki.FixCreateCA:
		s := fmt.Sprintf("%s %s, %s: %s", k.Tab1.Help().Key, k.Tab1.Help().Desc, k.NewCA.Help().Key, k.NewCA.Help().Desc)
		if f.Parent != "" {
			s += " under " + f.Parent
		}
		return s
	case pki.FixPublishCRL:
		return fmt.Sprintf("%s %s, select %s, %s: %s", k.Tab1.Help().Key, k.Tab1.Help().Desc, or(f.CA, "the CA"), k.PublishCRL.Help().Key, k.PublishCRL.Help().Desc)
	case pki.FixTrust:
		field := fieldLabels[probe.FieldClientTrust]
		if f.Side == "server" {
			field = fieldLabels[probe.FieldServerTrust]
		}
		return fmt.Sprintf("pick %s in %q", or(f.CA, "the issuing CA"), field)
	case pki.FixSendCert:
		return fmt.Sprintf("pick a client identity in %q", fieldLabels[probe.FieldClient])
	case pki.FixSendChain:
		return fmt.Sprintf("%s %s, select %s, %s: %s as fullchain", k.Tab2.Help().Key, k.Tab2.Help().Desc, or(f.Name, "the certificate"), k.Export.Help().Key, k.Export.Help().Desc)
	case pki.FixAtTime:
		return `pick another time in "Verify at"`
	}
	return ""
}
