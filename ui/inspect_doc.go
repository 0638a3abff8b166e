package ui

import (
	"crypto/x509"
	"time"

	"github.com/pkibench/pkibench/pki"
	"github.com/pkibench/pkibench/pki/inspect"
	"github.com/pkibench/pkibench/pki/lint"
)

// inspectDoc is what the Inspect screen shows: the inspect package's
// Document, and for a certificate its chain up to the root.
type inspectDoc struct {
	Title string
	Doc   inspect.Document
	Chain []inspect.Link
	// Status is the store's word on a certificate it knows (nil otherwise).
	Status *certStatus
	// Path, Kind and DER say what equiv.Inspect needs for the `c` commands.
	Path string
	Kind pki.Kind
	DER  bool
}

// buildDoc makes the Document for one decoded object; pool holds the
// store's CA certificates, from which the chain is built.
func buildDoc(obj pki.Object, pool []*x509.Certificate, now time.Time) inspectDoc {
	d := inspect.FromObject(obj, now)
	// zlint's RFC 5280 and CA/Browser Forum lints, listed under the
	// document; a linter that cannot read the object says so there too.
	_ = lint.Document(&d)
	title := d.Title
	if title == "" {
		title = string(obj.Kind)
	}
	out := inspectDoc{Title: title, Doc: d, Kind: obj.Kind, DER: obj.Format == "DER"}
	if obj.Cert != nil {
		out.Chain = inspect.Chain(obj.Cert, pool, now)
	}
	return out
}

// certStatus is a certificate's standing with its issuer and its CRL.
type certStatus struct {
	State  string // valid, revoked, on hold, expired
	Reason string
	Since  time.Time
	CA     string
	// CRL says whether the CA's published CRL lists it.
	CRL string
	// Unpublished: revoked in the index, not yet in the published CRL.
	Unpublished bool
}
