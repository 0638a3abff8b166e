package inspect

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"strings"
	"time"
)

// Data is the typed form of an inspected object, beside the display tree:
// what `cfssl certinfo` or `step certificate inspect --format json` give,
// for programs. Every key is always present; what an object does not have
// is an empty string, zero, false or an empty array, never a missing key.
// Times are RFC 3339 in UTC, durations in seconds.
type Data struct {
	Kind               string    `json:"kind"`    // certificate, csr or crl
	Version            int       `json:"version"` // 1, 2 or 3 as printed ("Version: 3 (0x2)")
	Serial             string    `json:"serial"`  // upper-case hex, as index.txt; "" for CSRs and CRLs
	Subject            string    `json:"subject"` // openssl's one-line form, as pkibench prints names everywhere
	Issuer             string    `json:"issuer"`
	NotBefore          string    `json:"not_before"` // certificate; RFC 3339
	NotAfter           string    `json:"not_after"`
	ValiditySeconds    int64     `json:"validity_seconds"`
	ThisUpdate         string    `json:"this_update"` // CRL
	NextUpdate         string    `json:"next_update"` // CRL; "" when it has none
	CRLNumber          string    `json:"crl_number"`  // CRL; decimal
	RevokedCount       int       `json:"revoked_count"`
	SignatureAlgorithm string    `json:"signature_algorithm"`
	PublicKey          KeyData   `json:"public_key"`
	SANs               SANData   `json:"sans"`
	IsCA               bool      `json:"is_ca"`
	Extensions         []ExtData `json:"extensions"`
	// RefusedByGo is crypto/x509's error when it refuses the object
	// (shown anyway from the DER); "" when it parses.
	RefusedByGo string `json:"refused_by_go"`
}

// KeyData describes a public key.
type KeyData struct {
	Algorithm string `json:"algorithm"` // RSA, ECDSA, Ed25519, or openssl's name of the key OID
	Bits      int    `json:"bits"`      // 0 when not known
	Curve     string `json:"curve"`     // P-256 ... for ECDSA, else ""
}

// SANData are the subject alternative names by type.
type SANData struct {
	DNS   []string `json:"dns"`
	IP    []string `json:"ip"`
	Email []string `json:"email"`
	URI   []string `json:"uri"`
	Other []string `json:"other"` // otherName, directoryName ... as openssl prints them
}

// ExtData is one extension: OID, name, criticality and its value as
// openssl decodes it (the printed lines joined with newlines).
type ExtData struct {
	OID      string `json:"oid"`
	Name     string `json:"name"`
	Critical bool   `json:"critical"`
	Value    string `json:"value"`
}

func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func newData(kind string) *Data {
	return &Data{Kind: kind, Extensions: []ExtData{}, SANs: SANData{DNS: []string{}, IP: []string{}, Email: []string{}, URI: []string{}, Other: []string{}}}
}

// keyData describes pub, or the key algorithm OID when it did not load.
func keyData(rawSPKI []byte, pub any) KeyData {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return KeyData{Algorithm: "RSA", Bits: k.N.BitLen()}
	case *ecdsa.PublicKey:
		return KeyData{Algorithm: "ECDSA", Bits: k.Curve.Params().BitSize, Curve: k.Curve.Params().Name}
	case ed25519.PublicKey:
		return KeyData{Algorithm: "Ed25519", Bits: 256}
	}
	if s, err := parseSPKI(rawSPKI); err == nil {
		return KeyData{Algorithm: objName(s.algOID), Bits: 8 * len(s.key)}
	}
	return KeyData{}
}

// extData fills the extensions and SANs of d from exts.
func (d *Data) extData(exts []extension) {
	for _, e := range exts {
		var b bio
		printExtension(&b, e, 0)
		lines := splitLines(b.String())
		v := make([]string, 0, len(lines))
		for _, l := range lines[1:] {
			if l = strings.TrimSpace(l); l != "" {
				v = append(v, l)
			}
		}
		d.Extensions = append(d.Extensions, ExtData{OID: e.oid, Name: objName(e.oid), Critical: e.critical, Value: strings.Join(v, "\n")})
		switch e.oid {
		case oidSAN:
			d.sans(e.value)
		case oidBasicCons:
			if parts, err := sequenceItems(e.value); err == nil && len(parts) > 0 && parts[0].is(classUniversal, tagBoolean) {
				d.IsCA = len(parts[0].content) == 1 && parts[0].content[0] != 0
			}
		}
	}
}

func (d *Data) sans(v []byte) {
	seq, _, err := readTLV(v)
	if err != nil {
		return
	}
	gens, _ := children(seq.content)
	for _, g := range gens {
		if !genNameShape(g) {
			continue
		}
		switch g.tag {
		case 1:
			d.SANs.Email = append(d.SANs.Email, string(g.content))
		case 2:
			d.SANs.DNS = append(d.SANs.DNS, string(g.content))
		case 6:
			d.SANs.URI = append(d.SANs.URI, string(g.content))
		case 7:
			d.SANs.IP = append(d.SANs.IP, ipText(g.content))
		default:
			d.SANs.Other = append(d.SANs.Other, genNamePrint(g))
		}
	}
}

func refusedText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
