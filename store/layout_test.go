package store

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/pkibench/pkibench/pki"
	"github.com/pkibench/pkibench/store/layout"
)

// The layout package names the store's files for everyone else (the
// equivalent openssl commands, the CLI's messages); this test keeps it the
// truth both ways: every path it names for a CA, an issued, a pending and
// an imported identity is there after the store's own operations, and
// every file the store wrote is one it names.
func TestLayoutNamesEveryStoreFile(t *testing.T) {
	st := newStore(t)
	mustCA(t, st, CAOptions{Name: "abc", Subject: subj(t, "/O=ABC Inc.")})
	mustCA(t, st, CAOptions{Name: "issuing", Parent: "abc", Subject: subj(t, "/O=ABC Inc./CN=Issuing")})
	if _, err := st.Issue(IssueOptions{Names: []string{"web"}, CA: "issuing", Profile: pki.ProfileServer, DNS: []string{"localhost"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.PublishCRL("abc", CRLOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.CreateCSR(CSROptions{Name: "pending", Subject: subj(t, "/CN=pending")}); err != nil {
		t.Fatal(err)
	}
	l := st.Layout()
	webCert, err := os.ReadFile(l.Cert("web").Cert)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Import([]ImportFile{{Source: "web.pem", Data: webCert}}, ImportOptions{As: "imp"}); err != nil {
		t.Fatal(err)
	}

	ca, web := l.CA("abc"), l.Cert("web")
	want := []string{
		filepath.Join(l.Root, layout.StoreJSON),
		ca.Dir, ca.Cert, ca.Key, ca.Chain, ca.Meta, ca.Index, ca.IndexAttr, ca.IndexCounts, ca.CRLNumber, ca.CRL, ca.CRLDER, ca.CRLHistory, ca.NewCerts,
		l.CA("issuing").Chain, l.CA("issuing").Profiles,
		web.Dir, web.Cert, web.Key, web.Chain, web.FullChain, web.Root, web.Meta,
		l.Cert("pending").CSR, l.Cert("pending").Key,
		l.Imported("imp").Cert,
	}
	for _, p := range want {
		if _, err := os.Lstat(p); err != nil {
			t.Errorf("layout names %s, the store did not write it: %v", p, err)
		}
	}

	// Every file written is named: by the layout's constants, or a serial
	// (certs/<SERIAL>.pem) or CRL number (crl/<number>.pem) inside the
	// folders the layout names.
	named := map[string]bool{}
	for _, n := range []string{layout.StoreJSON, layout.Lock, layout.ProfilesTSV, layout.CACert, layout.CAKey, layout.CAChain,
		layout.CAMeta, layout.Index, layout.IndexAttr, layout.IndexCounts, layout.CRLNumber, layout.CRLPEM, layout.CRLDER,
		layout.Cert, layout.Key, layout.Chain, layout.FullChain, layout.Root, layout.CSR, layout.Meta} {
		named[n] = true
	}
	numbered := regexp.MustCompile(`^[0-9A-F]+\.pem$`)
	err = filepath.WalkDir(l.Root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		parent := filepath.Base(filepath.Dir(p))
		if named[d.Name()] || (numbered.MatchString(d.Name()) && (parent == layout.NewCerts || parent == layout.CRLHistory)) {
			return nil
		}
		t.Errorf("the store wrote %s, a file the layout does not name", p)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
