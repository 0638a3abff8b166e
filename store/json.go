package store

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/pkibench/pkibench/pki"
)

// The values below are also the CLI's --json output, whose schema keeps
// every key present: an absent time is null, an absent list is [], and
// durations are given in seconds (README, "JSON output").

// MarshalJSON writes revoked_at as null for a certificate that is not revoked.
func (c Cert) MarshalJSON() ([]byte, error) {
	type plain Cert
	var revoked *time.Time
	if !c.RevokedAt.IsZero() {
		revoked = &c.RevokedAt
	}
	return json.Marshal(struct {
		plain
		RevokedAt *time.Time `json:"revoked_at"`
	}{plain(c), revoked})
}

// MarshalJSON adds expires_in_s, the freshness in seconds, beside the
// documented expires_in_ns.
func (c CRLState) MarshalJSON() ([]byte, error) {
	type plain CRLState
	return json.Marshal(struct {
		plain
		ExpiresInS float64 `json:"expires_in_s"`
	}{plain(c), c.ExpiresIn.Seconds()})
}

// MarshalJSON writes the lists as [] when empty.
func (r CheckReport) MarshalJSON() ([]byte, error) {
	type plain CheckReport
	p := plain(r)
	p.Problems = nonNil(p.Problems)
	p.Repaired = nonNil(p.Repaired)
	return json.Marshal(p)
}

// MarshalJSON writes notes as [] when empty.
func (i Imported) MarshalJSON() ([]byte, error) {
	type plain Imported
	p := plain(i)
	p.Notes = nonNil(p.Notes)
	return json.Marshal(p)
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// indexSubjectDisplay turns an index.txt subject (openssl's /CN=x/O=y, as
// indexSubject writes it) into the one subject format of every output,
// pki.FormatName's "CN = x, O = y". A subject holding escapes (control or
// non-ASCII bytes written \xHH) is kept as written: parsing it back could
// change its bytes.
func indexSubjectDisplay(s string) string {
	if s == "" || strings.Contains(s, `\`) || !strings.HasPrefix(s, "/") {
		return s
	}
	if d, ok := plainSubjectDisplay(s); ok {
		return d
	}
	n, err := pki.ParseSubject(s)
	if err != nil {
		return s
	}
	return pki.FormatName(n)
}

// canonicalKey reports the attribute names pki.FormatName prints as they
// are spelled in the index, so plainSubjectDisplay can copy them.
func canonicalKey(k string) bool {
	switch k {
	case "CN", "SN", "C", "L", "ST", "O", "OU", "DC", "UID", "GN", "emailAddress", "serialNumber", "street", "title", "postalCode":
		return true
	}
	return false
}

// plainSubjectDisplay is indexSubjectDisplay for the subjects almost every
// index holds (canonical attribute names, printable ASCII values without
// surrounding spaces or backslashes), built in one allocation: `list` converts 100,000 of
// them, and parsing each into a pkix.Name was a quarter of its time. It
// reports false for anything else, which takes the general path;
// TestPlainSubjectDisplayMatchesGeneral holds the two together.
func plainSubjectDisplay(s string) (string, bool) {
	n := 0
	for rest := s[1:]; ; {
		part, next, more := strings.Cut(rest, "/")
		k, v, ok := strings.Cut(part, "=")
		if !ok || v == "" || !canonicalKey(k) || v[0] == ' ' || v[len(v)-1] == ' ' || (k == "C" && len(v) != 2) {
			return "", false
		}
		for i := 0; i < len(v); i++ {
			if v[i] < 0x20 || v[i] > 0x7e || v[i] == '\\' {
				return "", false
			}
		}
		n += len(k) + 3 + len(v) + 2
		if !more {
			break
		}
		rest = next
	}
	b := make([]byte, 0, n)
	for rest := s[1:]; ; {
		part, next, more := strings.Cut(rest, "/")
		k, v, _ := strings.Cut(part, "=")
		if len(b) > 0 {
			b = append(b, ", "...)
		}
		b = append(append(append(b, k...), " = "...), v...)
		if !more {
			break
		}
		rest = next
	}
	return string(b), true
}
