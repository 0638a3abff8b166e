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
	n, err := pki.ParseSubject(s)
	if err != nil {
		return s
	}
	return pki.FormatName(n)
}
