package verify

import (
	"fmt"

	"github.com/pkibench/pkibench/pki"
)

// MalformedCert is the cert-malformed finding for a certificate that
// crypto/x509 refuses to parse (err is its error). which says which
// certificate it is ("the leaf, block 1 of leaf.pem"), subject is its
// subject as far as the DER reads (may be ""). The evidence names the
// field and the RFC rule, so the answer is a result, not a bare error.
func MalformedCert(err error, which, subject string) *Finding {
	f := Malformed(err, which)
	rule, path := pki.RefusalRule(err)
	f.Summary = fmt.Sprintf("The certificate %s cannot be parsed: %s; it breaks %s. Go-based clients and servers refuse it outright.",
		which, errText(err), rule)
	cert := subject
	if cert == "" {
		cert = which
	}
	f.Evidence = []Evidence{{Cert: cert, Field: path, Value: errText(err) + " (" + rule + ")"}}
	return f
}
