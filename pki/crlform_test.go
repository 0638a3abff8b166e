package pki

import (
	"bytes"
	"errors"
	"os/exec"
	"strings"
	"testing"

	"github.com/pkibench/pkibench/pki/testtool"
)

// TestCRLFormOneWalker holds the one CRL structure check (checkSignedForm,
// also behind CRLShape) to openssl on the cases the former separate entry
// walker refused by the tag byte alone (a primitive SEQUENCE, a
// constructed INTEGER, OBJECT IDENTIFIER or BOOLEAN) and on the entry it
// names: every refusal is ErrCRLShape and ErrASN1Form, names the entry
// and the field; a certificate's refusal is not ErrCRLShape.
func TestCRLFormOneWalker(t *testing.T) {
	tool := testtool.Require(t, "openssl")
	good := testtool.DER(0x30, testtool.DER(0x02, []byte{1}), utc)
	reason := func(oid, crit, val []byte) []byte { return testtool.DER(0x30, testtool.DER(0x30, oid, crit, val)) }
	reasonOID := testtool.DER(0x06, []byte{0x55, 0x1d, 0x15})
	reasonVal := testtool.DER(0x04, testtool.DER(0x0a, []byte{1}))
	cases := []struct {
		name  string
		odd   []byte // entry 1 of 3
		field string // what the refusal names; "" when openssl reads it
	}{
		{"entry a primitive SEQUENCE", testtool.DER(0x10, testtool.DER(0x02, []byte{2}), utc), "revokedCertificates entry 1: "},
		{"serial a constructed INTEGER", testtool.DER(0x30, testtool.DER(0x22, testtool.DER(0x02, []byte{2})), utc), "revokedCertificates entry 1: userCertificate"},
		{"serial with redundant zero", testtool.DER(0x30, testtool.DER(0x02, []byte{0, 2}), utc), "revokedCertificates entry 1: userCertificate"},
		{"entry truncated", []byte{0x30, 0x20, 0x02, 0x10, 0x01}, "revokedCertificates entry 1: "},
		{"element after extensions", testtool.DER(0x30, testtool.DER(0x02, []byte{2}), utc, reason(reasonOID, nil, reasonVal), testtool.DER(0x05)), "revokedCertificates entry 1: "},
		{"extension OID constructed", testtool.DER(0x30, testtool.DER(0x02, []byte{2}), utc, reason(testtool.DER(0x26, reasonOID), nil, reasonVal)), "revokedCertificates entry 1: crlEntryExtensions"},
		{"critical a constructed BOOLEAN", testtool.DER(0x30, testtool.DER(0x02, []byte{2}), utc, reason(reasonOID, testtool.DER(0x21, testtool.DER(0x01, []byte{0xff})), reasonVal)), "revokedCertificates entry 1: crlEntryExtensions"},
		{"extension a primitive SEQUENCE", testtool.DER(0x30, testtool.DER(0x02, []byte{2}), utc, testtool.DER(0x30, testtool.DER(0x10, reasonOID, reasonVal))), "revokedCertificates entry 1: crlEntryExtensions"},
		// openssl reads these (BER's constructed strings), so does the walker.
		{"plain entry", testtool.DER(0x30, testtool.DER(0x02, []byte{2}), utc, reason(reasonOID, testtool.DER(0x01, []byte{0xff}), reasonVal)), ""},
		{"extnValue a constructed OCTET STRING", testtool.DER(0x30, testtool.DER(0x02, []byte{2}), utc, reason(reasonOID, nil, testtool.DER(0x24, reasonVal))), ""},
		{"revocationDate a constructed UTCTime", testtool.DER(0x30, testtool.DER(0x02, []byte{2}), testtool.DER(0x37, utc)), ""},
		// a SEQUENCE OF openssl reads in either form
		{"crlEntryExtensions a primitive SEQUENCE OF", testtool.DER(0x30, testtool.DER(0x02, []byte{2}), utc, testtool.DER(0x10, testtool.DER(0x30, reasonOID, reasonVal))), ""},
	}
	// The to-be-signed part's own fields, each case a whole CRL.
	ents := bytes.Join([][]byte{good, good}, nil)
	iss := nameWith(testtool.DER(0x0c, []byte("ca")))
	crlOf := func(ver, alg, issuer, this, list, tail []byte) []byte {
		tbs := testtool.DER(0x30, ver, alg, issuer, this, utc, list, tail)
		return testtool.DER(0x30, tbs, algSHA256RSA, testtool.DER(0x03, []byte{0, 1, 2}))
	}
	v1 := testtool.DER(0x02, []byte{1})
	tbsCases := []struct {
		name, field string
		crl         []byte
	}{
		{"signature a primitive SEQUENCE", "signature", crlOf(v1, testtool.DER(0x10, algSHA256RSA[2:]), iss, utc, testtool.DER(0x30, ents), nil)},
		{"version a constructed INTEGER", "signature", crlOf(testtool.DER(0x22, v1), algSHA256RSA, iss, utc, testtool.DER(0x30, ents), nil)},
		{"crl extension a primitive SEQUENCE", "crlExtensions", crlOf(v1, algSHA256RSA, iss, utc, testtool.DER(0x30, ents), testtool.DER(0xa0, testtool.DER(0x30, testtool.DER(0x10, reasonOID, reasonVal))))},
		{"trailing element", "tbsCertList: 1 element(s) after the last field", crlOf(v1, algSHA256RSA, iss, utc, testtool.DER(0x30, ents), testtool.DER(0x05))},
		{"revokedCertificates a primitive SEQUENCE OF", "", crlOf(v1, algSHA256RSA, iss, utc, testtool.DER(0x10, ents), nil)},
		{"issuer a primitive SEQUENCE OF", "", crlOf(v1, algSHA256RSA, testtool.DER(0x10, iss[2:]), utc, testtool.DER(0x30, ents), nil)},
		{"thisUpdate a constructed UTCTime", "", crlOf(v1, algSHA256RSA, iss, testtool.DER(0x37, utc), testtool.DER(0x30, ents), nil)},
		{"crlExtensions a primitive SEQUENCE OF", "", crlOf(v1, algSHA256RSA, iss, utc, testtool.DER(0x30, ents), testtool.DER(0xa0, testtool.DER(0x10, testtool.DER(0x30, reasonOID, reasonVal))))},
	}
	type crlCase struct {
		name, field string
		crl         []byte
	}
	var all []crlCase
	base := baseParts()
	for _, c := range cases {
		all = append(all, crlCase{c.name, c.field, base.crl(bytes.Join([][]byte{good, c.odd, good}, nil))})
	}
	for _, c := range tbsCases {
		all = append(all, crlCase(c))
	}
	for _, c := range all {
		crl := c.crl
		cmd := exec.Command(tool, "crl", "-inform", "DER", "-noout", "-text")
		cmd.Stdin = bytes.NewReader(crl)
		runErr := cmd.Run()
		if runErr != nil && !errors.As(runErr, new(*exec.ExitError)) {
			t.Fatal(runErr)
		}
		if (runErr == nil) != (c.field == "") {
			t.Fatalf("%s: openssl reads it: %v; the case says %v", c.name, runErr == nil, c.field == "")
		}
		for _, check := range []func([]byte) error{func(b []byte) error { return checkSignedForm(b, KindCRL) }, CRLShape} {
			err := check(crl)
			if c.field == "" {
				if err != nil {
					t.Errorf("%s: openssl reads it, the check says %v", c.name, err)
				}
				continue
			}
			var fe *FormError
			if !errors.Is(err, ErrCRLShape) || !errors.Is(err, ErrASN1Form) || !errors.As(err, &fe) || fe.Kind != KindCRL {
				t.Errorf("%s: want a *FormError that is ErrCRLShape and ErrASN1Form, got %v", c.name, err)
				continue
			}
			if !strings.Contains(err.Error(), "tbsCertList") || !strings.Contains(err.Error(), c.field) || fe.Reason == "" {
				t.Errorf("%s: %q does not name %q and a reason", c.name, err, c.field)
			}
		}
	}
	p := baseParts()
	p.serial = testtool.DER(0x02, []byte{0, 1})
	if err := checkSignedForm(p.cert(algSHA256RSA), KindCertificate); !errors.Is(err, ErrASN1Form) || errors.Is(err, ErrCRLShape) {
		t.Errorf("a certificate's refusal must be ErrASN1Form and not ErrCRLShape: %v", err)
	}
}
