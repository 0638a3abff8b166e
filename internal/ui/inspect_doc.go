package ui

import (
	"fmt"
	"strings"
	"time"

	"pkibench/internal/pki"
	"pkibench/internal/pki/inspect"
)

// inspectDoc is an inspect.Document as the Inspect screen reads it.
type inspectDoc struct {
	Title string
	Doc   inspect.Document
}

// buildDoc makes the Document for one decoded object.
func buildDoc(obj pki.Object, now time.Time) inspectDoc {
	d := documentFor(obj, now)
	title := d.Title
	if title == "" {
		title = string(obj.Kind)
	}
	return inspectDoc{Title: title, Doc: d}
}

// documentFor is a stand-in until inspect.FromObject lands: the basic
// fields of a certificate, in openssl's wording.
func documentFor(obj pki.Object, now time.Time) inspect.Document {
	d := inspect.Document{Kind: string(obj.Kind)}
	c := obj.Cert
	if c == nil {
		d.Sections = []inspect.Section{{Title: "Object", Fields: []inspect.Field{{
			Label: "Kind", Value: string(obj.Kind), Lines: []string{string(obj.Kind) + " (" + obj.Label + ")"}, Severity: inspect.SeverityOK}}}}
		return d
	}
	d.Title = pki.FormatName(c.Subject)
	f := func(path, label, value, explain string, sev inspect.Severity) inspect.Field {
		return inspect.Field{Label: label, Value: value, Lines: []string{"        " + label + ": " + value}, Explain: explain, Severity: sev, Path: path}
	}
	exp := inspect.SeverityOK
	if now.After(c.NotAfter) {
		exp = inspect.SeverityProblem
	}
	d.Sections = []inspect.Section{{Title: "Data", Fields: []inspect.Field{
		f("version", "Version", fmt.Sprintf("%d (0x%x)", c.Version, c.Version-1), "X.509 version", inspect.SeverityOK),
		f("serial", "Serial Number", strings.ToUpper(c.SerialNumber.Text(16)), "unique within the issuing CA", inspect.SeverityOK),
		f("issuer", "Issuer", pki.FormatName(c.Issuer), "who signed this certificate", inspect.SeverityOK),
		f("validity.not_before", "Not Before", c.NotBefore.UTC().Format("Jan _2 15:04:05 2006 GMT"), "not valid before this time", inspect.SeverityOK),
		f("validity.not_after", "Not After ", c.NotAfter.UTC().Format("Jan _2 15:04:05 2006 GMT"), "not valid after this time", exp),
		f("subject", "Subject", pki.FormatName(c.Subject), "who this certificate names", inspect.SeverityOK),
		f("ext.subject_alt_name", "DNS", strings.Join(c.DNSNames, ", "), "names a TLS client checks", inspect.SeverityOK),
	}}}
	return d
}
