// Package layout names every file of a pkibench store (DESIGN.md §3) in
// one place: the store writes these paths, the equivalent openssl commands
// (probe/equiv) and the CLI's and TUI's messages print them. It holds names
// only, never touches the disk, and imports nothing of pkibench, so every
// package may use it.
package layout

import "path/filepath"

// The store's top level.
const (
	StoreJSON = "store.json"
	Lock      = ".lock"
	CAs       = "cas"      // cas/<ca>/
	Certs     = "certs"    // certs/<name>/
	Imported  = "imported" // imported/<name>/
)

// The files of a CA folder, cas/<ca>/.
const (
	CACert     = "ca.crt"
	CAKey      = "ca.key"
	CAChain    = "chain.pem" // ca.crt followed by its parents up to the root
	CAMeta     = "ca.json"
	Index      = "index.txt"
	IndexAttr  = "index.txt.attr"
	CRLNumber  = "crlnumber"
	CRLPEM     = "crl.pem"
	CRLDER     = "crl.der"
	CRLHistory = "crl"   // crl/<number>.pem
	NewCerts   = "certs" // certs/<SERIAL>.pem, openssl's newcerts
	// ProfilesTSV is "SERIAL<TAB>profile" a line, beside the index.
	ProfilesTSV = "profiles.tsv"
	// IndexCounts summarises index.txt for `ca list` (derived: validated
	// against the index before use, rewritten by every write, safe to delete).
	IndexCounts = "index.counts"
)

// The files of an identity folder, certs/<name>/ or imported/<name>/.
const (
	Cert      = "cert.pem"
	Key       = "key.pem"
	Chain     = "chain.pem" // the intermediates
	FullChain = "fullchain.pem"
	Root      = "root.pem" // the self-signed root at the top
	CSR       = "csr.pem"
	Meta      = "meta.json"
)

// Files only the equivalent openssl commands write into the store's
// folders; pkibench itself keeps their content elsewhere (ca.json) or
// needs none.
const (
	CACSR    = "ca.csr"
	CAExt    = "ca.ext"
	CAConfig = "openssl-ca.cnf"
	CertExt  = "ext.cnf"
)

// Store is a store folder, as paths should be spelled (absolute for the
// store, as the user wrote it for printed commands).
type Store struct {
	Root string
}

// CA are the paths of one CA folder.
type CA struct {
	Dir, Cert, Key, Chain, Meta, Index, IndexAttr, IndexCounts, Profiles, CRLNumber, CRL, CRLDER, CRLHistory, NewCerts string
	// Written by the equivalent openssl commands only.
	CSR, Ext, Config string
}

// Identity are the paths of one issued or imported identity folder.
type Identity struct {
	Dir, Cert, Key, Chain, FullChain, Root, CSR, Meta string
	// Written by the equivalent openssl commands only.
	Ext string
}

// CA returns the paths of CA name.
func (s Store) CA(name string) CA {
	d := filepath.Join(s.Root, CAs, name)
	j := func(f string) string { return filepath.Join(d, f) }
	return CA{Dir: d, Cert: j(CACert), Key: j(CAKey), Chain: j(CAChain), Meta: j(CAMeta), Index: j(Index), IndexAttr: j(IndexAttr), IndexCounts: j(IndexCounts), Profiles: j(ProfilesTSV),
		CRLNumber: j(CRLNumber), CRL: j(CRLPEM), CRLDER: j(CRLDER), CRLHistory: j(CRLHistory), NewCerts: j(NewCerts),
		CSR: j(CACSR), Ext: j(CAExt), Config: j(CAConfig)}
}

// Cert returns the paths of issued identity name.
func (s Store) Cert(name string) Identity { return identity(filepath.Join(s.Root, Certs, name)) }

// Imported returns the paths of imported identity name.
func (s Store) Imported(name string) Identity { return identity(filepath.Join(s.Root, Imported, name)) }

func identity(d string) Identity {
	j := func(f string) string { return filepath.Join(d, f) }
	return Identity{Dir: d, Cert: j(Cert), Key: j(Key), Chain: j(Chain), FullChain: j(FullChain), Root: j(Root), CSR: j(CSR),
		Meta: j(Meta), Ext: j(CertExt)}
}
