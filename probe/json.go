package probe

import (
	"encoding/json"
	"time"
)

// MarshalJSON keeps every key of the --json schema present (lists as [],
// never null) and gives the duration in seconds beside the documented
// duration_ms.
func (r Result) MarshalJSON() ([]byte, error) {
	type plain Result
	p := plain(r)
	p.Evidence = nonNil(p.Evidence)
	p.AcceptableCAs = nonNil(p.AcceptableCAs)
	p.ClientChain = nonNil(p.ClientChain)
	p.ServerChain = nonNil(p.ServerChain)
	p.Timeline = nonNil(p.Timeline)
	p.Notes = nonNil(p.Notes)
	p.Warnings = nonNil(p.Warnings)
	p.Also = nonNil(p.Also)
	// A result of a probe that never ran (a lab scenario that could not
	// be staged) has no moment: null, as every absent time in --json.
	var at *time.Time
	if !r.At.IsZero() {
		at = &r.At
	}
	return json.Marshal(struct {
		plain
		At        *time.Time `json:"at"`
		DurationS float64    `json:"duration_s"`
	}{p, at, r.DurationMS / 1000})
}

// MarshalJSON gives the step's time in seconds beside the documented at_ms.
func (s Step) MarshalJSON() ([]byte, error) {
	type plain Step
	return json.Marshal(struct {
		plain
		AtS float64 `json:"at_s"`
	}{plain(s), s.AtMS / 1000})
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
