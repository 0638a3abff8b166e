package pki

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// The one reader of times typed by a user: --at on probe, verify, inspect,
// lab and revoke, and the TUI's time choices all come through ParseTime, so
// a form the TUI offers is a form the CLI accepts and both refuse the same.

// TimeRange is the span a caller accepts, both ends included.
type TimeRange struct {
	Min, Max time.Time
	What     string // "a simulated clock time", "a revocation time": for errors
}

var (
	// firstYear and lastYear bound every time pkibench writes: before 1950
	// a certificate time needs GeneralizedTime where RFC 5280 wants
	// UTCTime, and after 9999 no ASN.1 time can say it.
	firstTime = time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC)
	lastTime  = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)
)

// ClockRange bounds a simulated clock (--at on probe, verify and inspect):
// the years 1950 to 9999.
func ClockRange() TimeRange {
	return TimeRange{Min: firstTime, Max: lastTime, What: "a simulated clock time"}
}

// RevocationRange bounds a revocation time: from 1950 up to now, never in
// the future (a CRL that says a key was compromised tomorrow says nothing).
func RevocationRange(now time.Time) TimeRange {
	return TimeRange{Min: firstTime, Max: now, What: "a revocation time"}
}

// ErrTimeSyntax and ErrTimeRange are what a TimeError wraps, for callers
// that branch on the kind of mistake.
var (
	ErrTimeSyntax = errors.New("not a time")
	ErrTimeRange  = errors.New("time out of range")
)

// TimeError names the input and what is wrong with it.
type TimeError struct {
	Input  string
	Reason string
	Kind   error // ErrTimeSyntax or ErrTimeRange
}

func (e *TimeError) Error() string { return fmt.Sprintf("time %q: %s", e.Input, e.Reason) }
func (e *TimeError) Unwrap() error { return e.Kind }

// TimeForms is the help text every caller shows for what ParseTime reads.
const TimeForms = "RFC 3339 (2027-01-02T15:04:05Z), a date (2027-01-02), now, or relative to now (+400d, -2h, +1y, +1d12h; units y d h m s)"

// ParseTime reads s as RFC 3339, a date (midnight UTC), "now", or a
// signed offset from now made of one or more number+unit groups: y (calendar
// years), d (calendar days), h, m, s. The result must lie in r.
//
// Overflow is an error, never a wrap-around: each number must fit in 64
// bits, the hours, minutes and seconds of one input together must fit in a
// Go duration (about 292 years; use d or y beyond), and the result is
// checked against r after the arithmetic.
func ParseTime(s string, now time.Time, r TimeRange) (time.Time, error) {
	t, err := parseTimeSyntax(s, now)
	if err != nil {
		return time.Time{}, err
	}
	t = t.UTC()
	if t.Before(r.Min) || t.After(r.Max) {
		what := r.What
		if what == "" {
			what = "the time"
		}
		return time.Time{}, &TimeError{Input: s, Kind: ErrTimeRange,
			Reason: fmt.Sprintf("%s is %s; %s must lie between %s and %s", describeTime(t), "out of range", what,
				r.Min.UTC().Format(time.RFC3339), r.Max.UTC().Format(time.RFC3339))}
	}
	return t, nil
}

// describeTime formats t even when its year has more than four digits.
func describeTime(t time.Time) string {
	if t.Year() < 0 || t.Year() > 9999 {
		return fmt.Sprintf("year %d", t.Year())
	}
	return t.Format(time.RFC3339)
}

func parseTimeSyntax(s string, now time.Time) (time.Time, error) {
	bad := func(reason string) error { return &TimeError{Input: s, Kind: ErrTimeSyntax, Reason: reason} }
	switch {
	case s == "":
		return time.Time{}, bad("empty; expected " + TimeForms)
	case s == "now":
		return now, nil
	case s[0] == '+' || s[0] == '-':
		return parseOffset(s, now, bad)
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	return time.Time{}, bad("expected " + TimeForms)
}

// maxOffsetYears bounds the y and d parts before the calendar arithmetic,
// so that AddDate never works on numbers near its own overflow; any offset
// this large lands outside every TimeRange anyway.
const maxOffsetYears = 20000

// parseOffset reads [+-](N unit)+ and applies it to now: years, then days,
// then the clock part, all with the one sign.
func parseOffset(s string, now time.Time, bad func(string) error) (time.Time, error) {
	sign := int64(1)
	if s[0] == '-' {
		sign = -1
	}
	rest := s[1:]
	if rest == "" {
		return time.Time{}, bad("a sign with no offset; expected e.g. +400d, -2h, +1d12h")
	}
	var years, days int64
	var clock time.Duration
	seen := map[byte]bool{}
	for rest != "" {
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 0 {
			return time.Time{}, bad(fmt.Sprintf("expected a number at %q (offsets look like +400d, -2h, +1d12h)", rest))
		}
		n, ok := parseUint63(rest[:i])
		if !ok {
			return time.Time{}, bad(fmt.Sprintf("%s is too large a number", rest[:i]))
		}
		if i == len(rest) {
			return time.Time{}, bad(fmt.Sprintf("%s has no unit (y, d, h, m or s)", rest[:i]))
		}
		unit := rest[i]
		rest = rest[i+1:]
		if seen[unit] {
			return time.Time{}, bad(fmt.Sprintf("unit %c given twice", unit))
		}
		seen[unit] = true
		var step time.Duration
		switch unit {
		case 'y':
			if n > maxOffsetYears {
				return time.Time{}, outOfRange(s, fmt.Sprintf("%d years is beyond year 9999", n))
			}
			years = n
			continue
		case 'd':
			if n > maxOffsetYears*366 {
				return time.Time{}, outOfRange(s, fmt.Sprintf("%d days is beyond year 9999", n))
			}
			days = n
			continue
		case 'h':
			step = time.Hour
		case 'm':
			step = time.Minute
		case 's':
			step = time.Second
		default:
			return time.Time{}, bad(fmt.Sprintf("unknown unit %q; expected y, d, h, m or s", unit))
		}
		if n > int64(math.MaxInt64/step) || int64(clock) > math.MaxInt64-n*int64(step) {
			return time.Time{}, outOfRange(s, fmt.Sprintf("the hours, minutes and seconds exceed %s (about 292 years); use d or y for longer offsets",
				strings.TrimSuffix(time.Duration(math.MaxInt64).Truncate(time.Hour).String(), "0m0s")))
		}
		clock += time.Duration(n) * step
	}
	t := now.AddDate(int(sign*years), 0, int(sign*days))
	return t.Add(time.Duration(sign) * clock), nil
}

func outOfRange(s, reason string) error {
	return &TimeError{Input: s, Kind: ErrTimeRange, Reason: reason}
}

// parseUint63 reads decimal digits into a non-negative int64, reporting
// overflow instead of wrapping.
func parseUint63(d string) (int64, bool) {
	var n int64
	for i := 0; i < len(d); i++ {
		v := int64(d[i] - '0')
		if n > (math.MaxInt64-v)/10 {
			return 0, false
		}
		n = n*10 + v
	}
	return n, true
}

// MaxValidityDays is how many days from start a certificate or CRL may run
// before its end passes 9999-12-31, the last time ASN.1 can say.
func MaxValidityDays(start time.Time) int {
	// Unix seconds, not Sub: a Duration saturates at 292 years.
	return int((lastTime.Unix() - start.Unix()) / 86400)
}

// CheckDays refuses a validity (--days) whose end would lie past 9999, where
// no certificate, CRL or index line can hold it.
func CheckDays(days int, start time.Time) error {
	if max := MaxValidityDays(start); days > max {
		return fmt.Errorf("%d days from %s ends past 9999-12-31; at most %d: %w", days, start.UTC().Format("2006-01-02"), max, ErrTimeRange)
	}
	return nil
}
