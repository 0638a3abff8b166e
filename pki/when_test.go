package pki

import (
	"errors"
	"strings"
	"testing"
	"time"
)

var whenNow = time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)

func TestParseTime(t *testing.T) {
	clock := ClockRange()
	revoke := RevocationRange(whenNow)
	cases := []struct {
		in    string
		r     TimeRange
		want  time.Time
		error error // nil: accepted
	}{
		{in: "now", r: clock, want: whenNow},
		{in: "2027-01-02T15:04:05Z", r: clock, want: time.Date(2027, 1, 2, 15, 4, 5, 0, time.UTC)},
		{in: "2027-01-02T15:04:05+02:00", r: clock, want: time.Date(2027, 1, 2, 13, 4, 5, 0, time.UTC)},
		{in: "2027-01-02", r: clock, want: time.Date(2027, 1, 2, 0, 0, 0, 0, time.UTC)},
		{in: "+400d", r: clock, want: whenNow.AddDate(0, 0, 400)},
		{in: "-2h", r: clock, want: whenNow.Add(-2 * time.Hour)},
		{in: "+1y", r: clock, want: whenNow.AddDate(1, 0, 0)},
		{in: "+1d12h", r: clock, want: whenNow.Add(36 * time.Hour)},
		{in: "-1y2d3h4m5s", r: clock, want: whenNow.AddDate(-1, 0, -2).Add(-(3*time.Hour + 4*time.Minute + 5*time.Second))},
		{in: "+90m", r: clock, want: whenNow.Add(90 * time.Minute)},
		{in: "9999-12-31T23:59:59Z", r: clock, want: time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)},
		{in: "1950-01-01", r: clock, want: time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC)},
		// Overflow: once silently wrapped (1784, near now), now refused.
		{in: "+3000000h", r: clock, error: ErrTimeRange},
		{in: "+9223372036854775807s", r: clock, error: ErrTimeRange},
		{in: "+9223372036854775808s", r: clock, error: ErrTimeSyntax},
		{in: "+2562047h1000000m", r: clock, error: ErrTimeRange},
		{in: "+3000000d", r: clock, error: ErrTimeRange},
		{in: "+8000y", r: clock, error: ErrTimeRange},
		{in: "-100y", r: clock, error: ErrTimeRange},
		// The zero time once meant "now" further down.
		{in: "0001-01-01T00:00:00Z", r: clock, error: ErrTimeRange},
		{in: "0001-01-01T00:00:00Z", r: revoke, error: ErrTimeRange},
		{in: "1949-12-31T23:59:59Z", r: clock, error: ErrTimeRange},
		// Revocation times are never in the future.
		{in: "-2h", r: revoke, want: whenNow.Add(-2 * time.Hour)},
		{in: "now", r: revoke, want: whenNow},
		{in: "+1s", r: revoke, error: ErrTimeRange},
		{in: "+3000000d", r: revoke, error: ErrTimeRange},
		{in: "2099-01-01", r: revoke, error: ErrTimeRange},
		// Syntax.
		{in: "", r: clock, error: ErrTimeSyntax},
		{in: "+", r: clock, error: ErrTimeSyntax},
		{in: "+d", r: clock, error: ErrTimeSyntax},
		{in: "+10", r: clock, error: ErrTimeSyntax},
		{in: "+10x", r: clock, error: ErrTimeSyntax},
		{in: "+1d1d", r: clock, error: ErrTimeSyntax},
		{in: "+-1d", r: clock, error: ErrTimeSyntax},
		{in: "tomorrow", r: clock, error: ErrTimeSyntax},
		{in: "2027-13-01", r: clock, error: ErrTimeSyntax},
	}
	for _, c := range cases {
		got, err := ParseTime(c.in, whenNow, c.r)
		if c.error != nil {
			if !errors.Is(err, c.error) {
				t.Errorf("ParseTime(%q, %s) = %v, %v; want an error wrapping %q", c.in, c.r.What, got, err, c.error)
			} else if !strings.Contains(err.Error(), c.in) {
				t.Errorf("ParseTime(%q): error %q does not name the input", c.in, err)
			}
			continue
		}
		if err != nil || !got.Equal(c.want) {
			t.Errorf("ParseTime(%q, %s) = %v, %v; want %v", c.in, c.r.What, got, err, c.want)
		}
	}
}

func TestCheckDays(t *testing.T) {
	if err := CheckDays(3650, whenNow); err != nil {
		t.Errorf("3650 days: %v", err)
	}
	if err := CheckDays(3000000, whenNow); !errors.Is(err, ErrTimeRange) {
		t.Errorf("3000000 days: %v, want ErrTimeRange", err)
	}
	max := MaxValidityDays(whenNow)
	if end := whenNow.AddDate(0, 0, max); end.Year() != 9999 {
		t.Errorf("MaxValidityDays ends in %d, want 9999", end.Year())
	}
}

// FuzzParseTime: whatever the input, ParseTime never panics, and a time it
// accepts lies in the range and survives RFC 3339 and back.
func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"now", "+1y", "-2h", "+1d12h", "2027-01-02", "2027-01-02T15:04:05Z",
		"+3000000h", "+9223372036854775807s", "+3000000d", "0001-01-01T00:00:00Z", "-1y2d3h4m5s"} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, revocation bool) {
		r := ClockRange()
		if revocation {
			r = RevocationRange(whenNow)
		}
		got, err := ParseTime(s, whenNow, r)
		if err != nil {
			var te *TimeError
			if !errors.As(err, &te) || (!errors.Is(err, ErrTimeSyntax) && !errors.Is(err, ErrTimeRange)) {
				t.Fatalf("ParseTime(%q): untyped error %v", s, err)
			}
			return
		}
		if got.Before(r.Min) || got.After(r.Max) {
			t.Fatalf("ParseTime(%q) = %v, outside %v..%v", s, got, r.Min, r.Max)
		}
		back, err := ParseTime(got.Format(time.RFC3339Nano), whenNow, r)
		if err != nil || !back.Equal(got) {
			t.Fatalf("ParseTime(%q) = %v, which reads back as %v, %v", s, got, back, err)
		}
	})
}
