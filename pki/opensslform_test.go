package pki

import (
	"bytes"
	"errors"
	"fmt"
	"os/exec"
	"testing"

	"github.com/pkibench/pkibench/pki/testtool"
)

// formParts are the fields of a small certificate, CRL and CSR that the
// cases below replace one at a time.
type formParts struct {
	version, serial, alg, issuer, validity, subject, spki, exts []byte
	extra                                                       []byte // appended to the TBS
}

var (
	oidSHA256RSA = testtool.DER(0x06, []byte{0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b})
	algSHA256RSA = testtool.DER(0x30, oidSHA256RSA, testtool.DER(0x05))
	oidCN        = testtool.DER(0x06, []byte{0x55, 0x04, 0x03})
	utc          = testtool.DER(0x17, []byte("250101000000Z"))
	// an ECDSA P-256 key (the point is the generator: any valid point does)
	spkiP256 = testtool.DER(0x30, testtool.DER(0x30, testtool.DER(0x06, []byte{0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01}), testtool.DER(0x06, []byte{0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07})),
		testtool.DER(0x03, []byte{0}, []byte{0x04,
			0x6b, 0x17, 0xd1, 0xf2, 0xe1, 0x2c, 0x42, 0x47, 0xf8, 0xbc, 0xe6, 0xe5, 0x63, 0xa4, 0x40, 0xf2, 0x77, 0x03, 0x7d, 0x81, 0x2d, 0xeb, 0x33, 0xa0, 0xf4, 0xa1, 0x39, 0x45, 0xd8, 0x98, 0xc2, 0x96,
			0x4f, 0xe3, 0x42, 0xe2, 0xfe, 0x1a, 0x7f, 0x9b, 0x8e, 0xe7, 0xeb, 0x4a, 0x7c, 0x0f, 0x9e, 0x16, 0x2b, 0xce, 0x33, 0x57, 0x6b, 0x31, 0x5e, 0xce, 0xcb, 0xb6, 0x40, 0x68, 0x37, 0xbf, 0x51, 0xf5}))
)

func nameWith(value []byte) []byte {
	return testtool.DER(0x30, testtool.DER(0x31, testtool.DER(0x30, oidCN, value)))
}

func baseParts() formParts {
	return formParts{
		version:  testtool.DER(0xa0, testtool.DER(0x02, []byte{2})),
		serial:   testtool.DER(0x02, []byte{1}),
		alg:      algSHA256RSA,
		issuer:   nameWith(testtool.DER(0x0c, []byte("ca"))),
		validity: testtool.DER(0x30, utc, utc),
		subject:  nameWith(testtool.DER(0x0c, []byte("leaf"))),
		spki:     spkiP256,
		exts:     testtool.DER(0xa3, testtool.DER(0x30, testtool.DER(0x30, testtool.DER(0x06, []byte{0x55, 0x1d, 0x13}), testtool.DER(0x01, []byte{0xff}), testtool.DER(0x04, testtool.DER(0x30))))),
	}
}

func (p formParts) cert(sigAlg []byte) []byte {
	tbs := testtool.DER(0x30, p.version, p.serial, p.alg, p.issuer, p.validity, p.subject, p.spki, p.exts, p.extra)
	return testtool.DER(0x30, tbs, sigAlg, testtool.DER(0x03, []byte{0, 1, 2}))
}

func (p formParts) crl(entry []byte) []byte {
	tbs := testtool.DER(0x30, testtool.DER(0x02, []byte{1}), p.alg, p.issuer, utc, utc, testtool.DER(0x30, entry), p.extra)
	return testtool.DER(0x30, tbs, algSHA256RSA, testtool.DER(0x03, []byte{0, 1, 2}))
}

func (p formParts) csr(attrs []byte) []byte {
	tbs := testtool.DER(0x30, testtool.DER(0x02, []byte{0}), p.subject, p.spki, attrs, p.extra)
	return testtool.DER(0x30, tbs, algSHA256RSA, testtool.DER(0x03, []byte{0, 1, 2}))
}

// TestSignedFormMatchesOpenSSL holds checkSignedForm to openssl's own
// decoder: for each hand-made variant (one field encoded wrongly or
// unusually), inspect must refuse exactly when `openssl x509|crl|req
// -inform DER` does.
func TestSignedFormMatchesOpenSSL(t *testing.T) {
	tool := testtool.Require(t, "openssl")
	type tc struct {
		name string
		kind Kind
		der  []byte
	}
	var cases []tc
	add := func(name string, kind Kind, d []byte) { cases = append(cases, tc{name, kind, d}) }
	base := baseParts()
	add("plain certificate", KindCertificate, base.cert(algSHA256RSA))
	// Every universal tag as the value of a name attribute, with content
	// its type accepts, so only the tag is on trial.
	for tag := 0; tag < 31; tag++ {
		content := []byte("ab")
		switch tag {
		case 1, 2, 10:
			content = []byte{1}
		case 3:
			content = []byte{0, 'a'}
		case 5:
			content = nil
		case 6:
			content = []byte{0x2a}
		case 28:
			content = []byte{0, 0, 0, 'a'}
		}
		b := byte(tag)
		if tag == 16 || tag == 17 {
			b |= 0x20
			content = nil
		}
		p := baseParts()
		p.subject = nameWith(testtool.DER(b, content))
		add(fmt.Sprintf("name value of tag %d", tag), KindCertificate, p.cert(algSHA256RSA))
	}
	mut := func(name string, f func(*formParts)) {
		p := baseParts()
		f(&p)
		add(name, KindCertificate, p.cert(algSHA256RSA))
	}
	mut("name value UTF8String not UTF-8", func(p *formParts) { p.subject = nameWith(testtool.DER(0x0c, []byte{'a', 0xe8, 'b'})) })
	mut("name value UTF8String surrogate", func(p *formParts) { p.subject = nameWith(testtool.DER(0x0c, []byte{0xed, 0xa0, 0x80})) })
	mut("name value T61String high byte", func(p *formParts) { p.subject = nameWith(testtool.DER(0x14, []byte{'a', 0xe8})) })
	mut("name value IA5String high byte", func(p *formParts) { p.subject = nameWith(testtool.DER(0x16, []byte{'a', 0xe8})) })
	mut("name value BMPString odd", func(p *formParts) { p.subject = nameWith(testtool.DER(0x1e, []byte{0, 'a', 0})) })
	mut("name value BMPString surrogate", func(p *formParts) { p.subject = nameWith(testtool.DER(0x1e, []byte{0xd8, 0x00})) })
	mut("name value UniversalString beyond Unicode", func(p *formParts) { p.subject = nameWith(testtool.DER(0x1c, []byte{0, 0x11, 0, 0})) })
	mut("name value context tag", func(p *formParts) { p.subject = nameWith(testtool.DER(0x80, []byte("ab"))) })
	mut("empty RDN", func(p *formParts) { p.subject = testtool.DER(0x30, testtool.DER(0x31)) })
	mut("RDN not a SET", func(p *formParts) {
		p.subject = testtool.DER(0x30, testtool.DER(0x30, testtool.DER(0x30, oidCN, testtool.DER(0x0c, []byte("a")))))
	})
	mut("attribute with a third element", func(p *formParts) {
		p.subject = testtool.DER(0x30, testtool.DER(0x31, testtool.DER(0x30, oidCN, testtool.DER(0x0c, []byte("a")), testtool.DER(0x0c, []byte("b")))))
	})
	mut("serial 00 01", func(p *formParts) { p.serial = testtool.DER(0x02, []byte{0, 1}) })
	mut("serial 00 80", func(p *formParts) { p.serial = testtool.DER(0x02, []byte{0, 0x80}) })
	mut("serial ff 80", func(p *formParts) { p.serial = testtool.DER(0x02, []byte{0xff, 0x80}) })
	mut("serial ff 00", func(p *formParts) { p.serial = testtool.DER(0x02, []byte{0xff, 0}) })
	mut("serial empty", func(p *formParts) { p.serial = testtool.DER(0x02) })
	mut("serial NULL", func(p *formParts) { p.serial = testtool.DER(0x05) })
	mut("no version", func(p *formParts) { p.version = nil })
	mut("version 00 02", func(p *formParts) { p.version = testtool.DER(0xa0, testtool.DER(0x02, []byte{0, 2})) })
	mut("version two integers", func(p *formParts) {
		p.version = testtool.DER(0xa0, testtool.DER(0x02, []byte{2}), testtool.DER(0x02, []byte{2}))
	})
	mut("algorithm NULL with content", func(p *formParts) { p.alg = testtool.DER(0x30, oidSHA256RSA, testtool.DER(0x05, []byte{0})) })
	mut("algorithm without OID", func(p *formParts) { p.alg = testtool.DER(0x30, testtool.DER(0x05)) })
	mut("algorithm three elements", func(p *formParts) { p.alg = testtool.DER(0x30, oidSHA256RSA, testtool.DER(0x05), testtool.DER(0x05)) })
	mut("algorithm OID 0x80 padding", func(p *formParts) { p.alg = testtool.DER(0x30, testtool.DER(0x06, []byte{0x2a, 0x80, 0x86})) })
	mut("algorithm parameters BOOLEAN of two bytes", func(p *formParts) { p.alg = testtool.DER(0x30, oidSHA256RSA, testtool.DER(0x01, []byte{0, 0})) })
	mut("algorithm parameters BMPString odd", func(p *formParts) { p.alg = testtool.DER(0x30, oidSHA256RSA, testtool.DER(0x1e, []byte{0})) })
	mut("validity three times", func(p *formParts) { p.validity = testtool.DER(0x30, utc, utc, utc) })
	mut("validity GeneralizedTime", func(p *formParts) {
		p.validity = testtool.DER(0x30, utc, testtool.DER(0x18, []byte("20250101000000Z")))
	})
	mut("validity nonsense time", func(p *formParts) { p.validity = testtool.DER(0x30, utc, testtool.DER(0x17, []byte("garbage"))) })
	mut("validity INTEGER", func(p *formParts) { p.validity = testtool.DER(0x30, utc, testtool.DER(0x02, []byte{1})) })
	mut("element after extensions", func(p *formParts) { p.extra = testtool.DER(0x02, []byte{1}) })
	mut("issuerUniqueID", func(p *formParts) { p.extra = nil; p.exts = append(testtool.DER(0x81, []byte{0, 1}), p.exts...) })
	mut("issuerUniqueID 9 unused bits", func(p *formParts) { p.exts = append(testtool.DER(0x81, []byte{9, 1}), p.exts...) })
	mut("extensions not a SEQUENCE", func(p *formParts) { p.exts = testtool.DER(0xa3, testtool.DER(0x31)) })
	mut("extensions empty", func(p *formParts) { p.exts = testtool.DER(0xa3, testtool.DER(0x30)) })
	mut("extension critical two bytes", func(p *formParts) {
		p.exts = testtool.DER(0xa3, testtool.DER(0x30, testtool.DER(0x30, testtool.DER(0x06, []byte{0x55, 0x1d, 0x13}), testtool.DER(0x01, []byte{0, 0xff}), testtool.DER(0x04, testtool.DER(0x30)))))
	})
	mut("extension critical FALSE", func(p *formParts) {
		p.exts = testtool.DER(0xa3, testtool.DER(0x30, testtool.DER(0x30, testtool.DER(0x06, []byte{0x55, 0x1d, 0x13}), testtool.DER(0x01, []byte{0}), testtool.DER(0x04, testtool.DER(0x30)))))
	})
	mut("extension with trailing element", func(p *formParts) {
		p.exts = testtool.DER(0xa3, testtool.DER(0x30, testtool.DER(0x30, testtool.DER(0x06, []byte{0x55, 0x1d, 0x13}), testtool.DER(0x04, testtool.DER(0x30)), testtool.DER(0x05))))
	})
	mut("extension value garbage", func(p *formParts) {
		p.exts = testtool.DER(0xa3, testtool.DER(0x30, testtool.DER(0x30, testtool.DER(0x06, []byte{0x55, 0x1d, 0x13}), testtool.DER(0x04, []byte{0xff, 0xff}))))
	})
	mut("SPKI with a third element", func(p *formParts) { p.spki = testtool.DER(0x30, spkiP256[2:], testtool.DER(0x05)) })
	mut("long-form length with leading zero", func(p *formParts) { p.serial = []byte{0x02, 0x82, 0x00, 0x01, 0x01} })
	add("signature algorithm without OID", KindCertificate, base.cert(testtool.DER(0x30, testtool.DER(0x05))))

	entry := func(extra ...[]byte) []byte {
		return testtool.DER(0x30, append([][]byte{testtool.DER(0x02, []byte{5}), utc}, extra...)...)
	}
	add("plain CRL", KindCRL, base.crl(entry()))
	add("CRL entry serial 00 05", KindCRL, base.crl(testtool.DER(0x30, testtool.DER(0x02, []byte{0, 5}), utc)))
	add("CRL entry with an INTEGER after the date", KindCRL, base.crl(entry(testtool.DER(0x02, []byte{1}))))
	add("CRL entry with extensions", KindCRL, base.crl(entry(testtool.DER(0x30, testtool.DER(0x30, testtool.DER(0x06, []byte{0x55, 0x1d, 0x15}), testtool.DER(0x04, testtool.DER(0x0a, []byte{1})))))))
	add("CRL entry without a date", KindCRL, base.crl(testtool.DER(0x30, testtool.DER(0x02, []byte{5}))))
	crlExtra := baseParts()
	crlExtra.extra = testtool.DER(0x02, []byte{1})
	add("CRL with an INTEGER after the entries", KindCRL, crlExtra.crl(entry()))
	crlExtra.extra = testtool.DER(0xa0, testtool.DER(0x30))
	add("CRL with empty extensions", KindCRL, crlExtra.crl(entry()))

	attr := func(vals ...[]byte) []byte {
		return testtool.DER(0xa0, testtool.DER(0x30, testtool.DER(0x06, []byte{0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x07}), testtool.DER(0x31, vals...)))
	}
	add("plain CSR", KindCSR, base.csr(attr(testtool.DER(0x0c, []byte("pw")))))
	add("CSR without attributes", KindCSR, base.csr(nil))
	add("CSR attribute BMPString odd", KindCSR, base.csr(attr(testtool.DER(0x1e, []byte{0}))))
	add("CSR attribute value not UTF-8", KindCSR, base.csr(attr(testtool.DER(0x0c, []byte{0xe8}))))
	add("CSR attribute with empty SET", KindCSR, base.csr(attr()))

	refused := 0
	cmdOf := map[Kind]string{KindCertificate: "x509", KindCRL: "crl", KindCSR: "req"}
	for _, c := range cases {
		cmd := exec.Command(tool, cmdOf[c.kind], "-inform", "DER", "-noout", "-text")
		cmd.Stdin = bytes.NewReader(c.der)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		runErr := cmd.Run()
		if runErr != nil && !errors.As(runErr, new(*exec.ExitError)) {
			t.Fatal(runErr)
		}
		opensslReads := runErr == nil
		if !opensslReads {
			refused++
		}
		err := checkSignedForm(c.der, c.kind)
		if opensslReads != (err == nil) {
			t.Errorf("%s: openssl reads it: %v; checkSignedForm: %v", c.name, opensslReads, err)
		}
		if err != nil && !errors.Is(err, ErrASN1Form) && !errors.Is(err, ErrSignedShape) {
			t.Errorf("%s: error %v is neither ErrASN1Form nor ErrSignedShape", c.name, err)
		}
	}
	t.Logf("%d variants agree with openssl, %d of them refused", len(cases), refused)
	if refused < 20 || refused > len(cases)-20 {
		t.Errorf("only %d of %d variants refused: the cases no longer test both sides", refused, len(cases))
	}
}
