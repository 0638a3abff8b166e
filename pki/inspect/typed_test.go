package inspect

import (
	"encoding/json"
	"slices"
	"testing"
	"time"
)

// TestTypedData: --json carries a typed document beside the display tree:
// RFC 3339 times, SANs by type, the key's algorithm and size, every
// extension with OID and criticality, fingerprints and findings, with
// every key present even when empty.
func TestTypedData(t *testing.T) {
	c := buildCorpus(t)
	var server Document
	for _, cert := range c.certs {
		if len(cert.DNSNames) > 0 && len(cert.IPAddresses) > 0 {
			server = FromCertificate(cert, time.Now())
			break
		}
	}
	if server.Data == nil {
		t.Fatal("no typed data for a certificate")
	}
	raw, err := json.Marshal(server)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Data         map[string]any
		Fingerprints map[string]string
		Findings     []map[string]string
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"kind", "version", "serial", "subject", "issuer", "not_before", "not_after", "validity_seconds", "this_update",
		"next_update", "crl_number", "revoked_count", "signature_algorithm", "public_key", "sans", "is_ca", "extensions", "refused_by_go"} {
		if _, ok := doc.Data[k]; !ok {
			t.Errorf("data lacks key %q", k)
		}
	}
	d := server.Data
	if _, err := time.Parse(time.RFC3339, d.NotAfter); err != nil || d.ValiditySeconds <= 0 {
		t.Errorf("not_after %q validity %d", d.NotAfter, d.ValiditySeconds)
	}
	if !slices.Contains(d.SANs.DNS, "localhost") || !slices.Contains(d.SANs.IP, "127.0.0.1") || len(d.SANs.Email) != 0 || d.SANs.Email == nil {
		t.Errorf("sans %+v", d.SANs)
	}
	if d.PublicKey.Algorithm == "" || d.PublicKey.Bits == 0 {
		t.Errorf("public key %+v", d.PublicKey)
	}
	sawSAN := false
	for _, e := range d.Extensions {
		if e.OID == "" || e.Name == "" || e.Value == "" {
			t.Errorf("extension %+v", e)
		}
		if e.OID == "2.5.29.17" {
			sawSAN = true
		}
	}
	if !sawSAN || doc.Fingerprints["sha256"] == "" || doc.Findings == nil {
		t.Errorf("san %v fingerprints %v findings %v", sawSAN, doc.Fingerprints, doc.Findings)
	}

	crl, err := Inspect(pemCRL(t, c.crls[len(c.crls)-1]), "crl", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if cd := crl[0].Data; cd == nil || cd.Kind != "crl" || cd.RevokedCount != 5 || cd.CRLNumber == "" || cd.ThisUpdate == "" || cd.NextUpdate == "" {
		t.Errorf("crl data %+v", crl[0].Data)
	}
}

func pemCRL(t *testing.T, der []byte) []byte {
	t.Helper()
	return []byte(pemOf("X509 CRL", der))
}
