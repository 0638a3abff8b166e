package probe

import (
	"context"
	"crypto/x509"
	"math/big"
	"os"
	"testing"
	"time"

	"github.com/pkibench/pkibench/pki"
	"github.com/pkibench/pkibench/pki/testtool"
	"github.com/pkibench/pkibench/pki/verify"
)

// crlOf is a fresh, empty CRL of a.
func crlOf(t *testing.T, a *authority) *x509.RevocationList {
	t.Helper()
	now := time.Now()
	der, err := pki.CreateCRL(pki.CRLRequest{Number: big.NewInt(1), ThisUpdate: now.Add(-time.Hour), NextUpdate: now.Add(24 * time.Hour)}, a.cert, a.key)
	if err != nil {
		t.Fatal(err)
	}
	crl, err := x509.ParseRevocationList(der)
	if err != nil {
		t.Fatal(err)
	}
	return crl
}

// Node.js given a PEM bundle of two CRLs as one `crl` string loads only
// the first: every client of the second CA is refused, silently.
func TestNodeCRLBundle(t *testing.T) {
	node := testtool.Require(t, "node")
	w := newWorld(t)
	f := writeRealFiles(t, w)
	foreignCRL := crlOf(t, w.foreignRoot)
	put := func(name string, data []byte) string {
		p := f.path(name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cas := put("cas.pem", append(pki.EncodeCertPEM(w.root.cert.Raw), pki.EncodeCertPEM(w.foreignRoot.cert.Raw)...))
	bundle := put("crls.pem", append(pki.EncodeCRLPEM(w.crl.Raw), pki.EncodeCRLPEM(foreignCRL.Raw)...))
	script := put("invoice_server.js", []byte(invoiceServer))
	addr := "127.0.0.1:" + startNode(t, node, script, []string{"CA=" + cas, "CERT=" + f.path("server.pem"), "KEY=" + f.path("server.key"), "CRL=" + bundle})
	known := []*x509.RevocationList{w.crl, foreignCRL}
	for _, c := range []struct {
		name   string
		id     *pki.Identity
		reason verify.Code
	}{
		{"first-ca", &w.client, verify.OK},
		{"second-ca", &w.clientForeign, verify.CRLMissing},
	} {
		cc := w.clientCfg(c.id)
		cc.KnownCRLs = known
		r := Connect(context.Background(), addr, cc, Options{})
		if r.Reason != c.reason {
			t.Errorf("%s: got %s %s (%s): %s\n  notes %q\n  timeline %v", c.name, r.Verdict, r.Reason, r.Side, r.Summary, r.Notes, r.Timeline)
		}
	}
}
