package main

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/pkibench/pkibench/store"
)

// TestCertsJSONIsPrintJSON holds `list --json`'s hand-written encoder to
// the bytes encoding/json gives the same slice through printJSON.
func TestCertsJSONIsPrintJSON(t *testing.T) {
	at := time.Date(2027, 11, 22, 9, 37, 14, 0, time.UTC)
	odd := []store.Cert{
		{Name: "l1", CA: "big", Serial: "01", Subject: "CN = l1", NotAfter: at, Status: store.StatusValid, Kind: "issued"},
		{Name: "r", CA: "big", Serial: "0A1B", Subject: "CN = a, O = b", NotAfter: at, Status: store.StatusRevoked,
			RevokedAt: at.Add(-time.Hour), Reason: "keyCompromise", Profile: "client", Kind: "issued", Dir: "/s/certs/r"},
		{Name: "x\u0085<&>\"\\\t\x01\x7f", Subject: "CN = caf\u00e9 \u2028 \xff", NotAfter: at.Add(123456789 * time.Nanosecond),
			Status: store.StatusExpired, Kind: "imported", Note: "n"},
		{Name: "zone", NotAfter: time.Date(2030, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 5400)), RevokedAt: time.Date(1999, 1, 1, 0, 0, 0, 1, time.FixedZone("y", -3600))},
		{},
	}
	many := make([]store.Cert, 3000) // more than one 60 KiB chunk
	for i := range many {
		many[i] = store.Cert{Name: fmt.Sprintf("c%d", i), Subject: "CN = \u009b" + fmt.Sprint(i), NotAfter: at, Status: store.StatusValid}
	}
	for _, certs := range [][]store.Cert{odd, odd[:1], many, {}, nil} {
		var whole, fast bytes.Buffer
		want := certs
		if want == nil {
			want = []store.Cert{}
		}
		if err := (&app{stdout: &whole}).printJSON(want); err != nil {
			t.Fatal(err)
		}
		if err := printCertsJSON(&app{stdout: &fast}, certs); err != nil {
			t.Fatal(err)
		}
		if whole.String() != fast.String() {
			t.Errorf("%d certificates:\nprintJSON: %q\nfast:      %q", len(certs), whole.String(), fast.String())
		}
	}
}

func FuzzCertsJSON(f *testing.F) {
	f.Add("l1", "CN = l1", "valid", int64(0), int64(0))
	f.Add("a<b", "CN = \u0085", "revoked", int64(1e9), int64(-5))
	f.Fuzz(func(t *testing.T, name, subject, status string, after, revoked int64) {
		c := store.Cert{Name: name, Subject: subject, Status: store.Status(status), NotAfter: time.Unix(after, 0).UTC()}
		if revoked != 0 {
			c.RevokedAt = time.Unix(revoked, 0).UTC()
		}
		var whole, fast bytes.Buffer
		errW := (&app{stdout: &whole}).printJSON([]store.Cert{c})
		errF := printCertsJSON(&app{stdout: &fast}, []store.Cert{c})
		if (errW == nil) != (errF == nil) || whole.String() != fast.String() {
			t.Fatalf("printJSON %q (%v)\nfast      %q (%v)", whole.String(), errW, fast.String(), errF)
		}
	})
}
