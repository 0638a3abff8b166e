// Package lint runs zlint v3, the field's standard certificate linter
// (RFC 5280, CA/Browser Forum Baseline Requirements, ETSI and others), on
// certificates and CRLs and turns its results into inspect findings with
// their source. It lives outside pki because pki stays standard library
// only; zlint parses with zcrypto, which reads certificates Go refuses.
package lint

import (
	"fmt"
	"sort"
	"strings"

	zx509 "github.com/zmap/zcrypto/x509"
	zlint "github.com/zmap/zlint/v3"
	zl "github.com/zmap/zlint/v3/lint"

	"github.com/pkibench/pkibench/pki/inspect"
)

// Source marks the findings this package makes.
const Source = "zlint"

// Certificate lints a DER certificate. Only notices, warnings, errors and
// fatals become findings; passes, not-applicable and not-effective do not.
func Certificate(der []byte) ([]inspect.Finding, error) {
	c, err := zx509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("zlint cannot parse the certificate: %w", err)
	}
	return findings(zlint.LintCertificate(c)), nil
}

// CRL lints a DER CRL.
func CRL(der []byte) ([]inspect.Finding, error) {
	l, err := zx509.ParseRevocationList(der)
	if err != nil {
		return nil, fmt.Errorf("zlint cannot parse the CRL: %w", err)
	}
	return findings(zlint.LintRevocationList(l)), nil
}

// Document lints the object behind d (certificates and CRLs) and adds the
// results to it; other kinds are left alone.
func Document(d *inspect.Document) error {
	var fs []inspect.Finding
	var err error
	switch {
	case d.DER() == nil:
		return nil
	case d.Kind == "certificate":
		fs, err = Certificate(d.DER())
	case d.Kind == "crl":
		fs, err = CRL(d.DER())
	default:
		return nil
	}
	if err != nil {
		d.AddFindings(inspect.Finding{Severity: inspect.SeverityNote, Path: "heading", Message: err.Error(), Source: Source})
		return nil
	}
	d.AddFindings(fs...)
	return nil
}

func findings(rs *zlint.ResultSet) []inspect.Finding {
	names := make([]string, 0, len(rs.Results))
	for n := range rs.Results {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []inspect.Finding
	for _, n := range names {
		r := rs.Results[n]
		var sev inspect.Severity
		switch r.Status {
		case zl.Notice:
			sev = inspect.SeverityNote
		case zl.Warn:
			sev = inspect.SeverityWarning
		case zl.Error, zl.Fatal:
			sev = inspect.SeverityProblem
		default:
			continue
		}
		msg := n
		if r.LintMetadata.Description != "" {
			msg += ": " + strings.TrimSpace(r.LintMetadata.Description)
		}
		if r.Details != "" {
			msg += " (" + r.Details + ")"
		}
		if c := r.LintMetadata.Citation; c != "" {
			msg += " [" + string(r.LintMetadata.Source) + ": " + c + "]"
		}
		out = append(out, inspect.Finding{Severity: sev, Path: "lint." + n, Message: msg, Source: Source})
	}
	return out
}
