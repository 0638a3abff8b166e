package pki

import "encoding/json"

// MarshalJSON keeps every key of a fix present in --json output: "" for an
// unknown name, [] (never null) for an empty list.
func (f Fix) MarshalJSON() ([]byte, error) {
	type plain Fix
	p := plain(f)
	for _, l := range []*[]string{&p.DNS, &p.IPs, &p.Emails, &p.PermitDNS} {
		if *l == nil {
			*l = []string{}
		}
	}
	return json.Marshal(p)
}
