package verify

import "encoding/json"

// MarshalJSON keeps every key of a finding present in --json output, with
// evidence as [] (never null) when a finding has none.
func (f Finding) MarshalJSON() ([]byte, error) {
	type plain Finding
	p := plain(f)
	if p.Evidence == nil {
		p.Evidence = []Evidence{}
	}
	return json.Marshal(p)
}
