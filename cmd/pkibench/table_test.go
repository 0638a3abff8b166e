package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"text/tabwriter"
	"time"
)

// The table writer lays rows out byte for byte as text/tabwriter did.
func TestTableMatchesTabwriter(t *testing.T) {
	cases := [][][]string{
		{{"NAME", "CA", "SUBJECT"}},
		{{"NAME", "CA", "SUBJECT"}, {"web", "abc", "/CN=web"}, {"a-much-longer-name", "-", ""}},
		{{"", "", "x"}, {"é", "日本", "/CN=ünï"}, {"ab", "c", "/O=Ü"}},
		{{"NAME", "CA", "SERIAL", "STATUS", "SUBJECT"}, {strings.Repeat("n", 150), "abc", "0A", "revoked (keyCompromise)", `/CN=x\x09y`}},
	}
	for i, rows := range cases {
		var want bytes.Buffer
		tw := tabwriter.NewWriter(&want, 0, 2, 2, ' ', 0)
		var tb table
		for _, r := range rows {
			fmt.Fprintln(tw, strings.Join(r, "\t"))
			tb.add(r...)
		}
		tw.Flush()
		var got bytes.Buffer
		if err := tb.writeTo(&got); err != nil {
			t.Fatal(err)
		}
		if got.String() != want.String() {
			t.Errorf("case %d:\n got %q\nwant %q", i, got.String(), want.String())
		}
	}
}

func TestMinuteUTCMatchesDateOf(t *testing.T) {
	for _, s := range []string{"2027-11-29T17:31:59Z", "0001-01-01T00:00:00Z", "9999-12-31T23:59:00Z", "2049-12-31T23:59:59+05:30", "2050-01-01T00:00:00Z"} {
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := minuteUTC(tm), dateOf(tm.UTC()); got != want {
			t.Errorf("%s: %s, want %s", s, got, want)
		}
	}
}
