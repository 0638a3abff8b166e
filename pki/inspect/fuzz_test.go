package inspect

import (
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/pkibench/pkibench/pki"
)

// FuzzDecodeAndText feeds arbitrary bytes through the decoder and every
// renderer: none may panic, whatever the input.
func FuzzDecodeAndText(f *testing.F) {
	f.Add([]byte("-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n"))
	f.Add([]byte{0x30, 0x03, 0x02, 0x01, 0x00})
	now := time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte) {
		objs, err := pki.Decode(data, "fuzz")
		if err != nil {
			return
		}
		for _, o := range objs {
			d := FromObject(o, now)
			_ = Text(d)
			_ = TextExplained(d)
			if _, err := json.Marshal(d); err != nil {
				t.Fatalf("marshal: %v", err)
			}
			if o.Cert != nil {
				_ = TextChain(Chain(o.Cert, pki.Certificates(objs), now))
			}
		}
	})
}

// FuzzRawDER drives the DER walkers directly with bytes crypto/x509 would
// refuse, since openssl-style printing re-parses what the stdlib accepted.
func FuzzRawDER(f *testing.F) {
	f.Add([]byte{0x30, 0x00})
	f.Add([]byte{0x04, 0x02, 0x30, 0x00})
	// Every extension value, name and key of the foreign corpus as seeds.
	for _, file := range []string{"testdata/foreign/leaf.pem", "testdata/foreign/ca.pem", "testdata/foreign/pss.pem"} {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		objs, err := pki.Decode(data, file)
		if err != nil {
			f.Fatal(err)
		}
		c := objs[0].Cert
		f.Add(c.RawSubject)
		f.Add(c.RawSubjectPublicKeyInfo)
		f.Add(c.Raw)
		for _, e := range c.Extensions {
			f.Add(e.Value)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_ = formatName(data)
		_ = nameOneline(data)
		_, _ = parseRawCert(data)
		for _, oid := range []string{oidSKI, oidKeyUsage, oidSAN, oidBasicCons, oidEKU, oidAKI, oidAIA, oidCRLDP,
			oidCertPolicies, oidNameConstraints, oidPolicyCons, oidInhibitAny, oidCRLReason, oidInvalidityDate,
			oidPrivKeyPeriod, oidNSComment, oidNSCertType, oidIssuingDP, oidTLSFeature, oidSCTList, oidCTPoison, "1.2.3"} {
			var b bio
			printExtension(&b, extension{oid: oid, value: data}, 12)
		}
		_, _ = parseSPKI(data)
	})
}
