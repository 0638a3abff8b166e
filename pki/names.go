package pki

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"strings"
)

// attrOIDs maps the short names openssl and RFC 4514 use to attribute types.
var attrOIDs = map[string]asn1.ObjectIdentifier{
	"CN":           {2, 5, 4, 3},
	"SN":           {2, 5, 4, 4},
	"SERIALNUMBER": {2, 5, 4, 5},
	"C":            {2, 5, 4, 6},
	"L":            {2, 5, 4, 7},
	"ST":           {2, 5, 4, 8},
	"S":            {2, 5, 4, 8},
	"STREET":       {2, 5, 4, 9},
	"O":            {2, 5, 4, 10},
	"OU":           {2, 5, 4, 11},
	"TITLE":        {2, 5, 4, 12},
	"POSTALCODE":   {2, 5, 4, 17},
	"GN":           {2, 5, 4, 42},
	"GIVENNAME":    {2, 5, 4, 42},
	"DC":           {0, 9, 2342, 19200300, 100, 1, 25},
	"UID":          {0, 9, 2342, 19200300, 100, 1, 1},
	"EMAILADDRESS": {1, 2, 840, 113549, 1, 9, 1},
	"EMAIL":        {1, 2, 840, 113549, 1, 9, 1},
}

// SubjectError says what is wrong with a subject string and where.
type SubjectError struct {
	Input  string
	Reason string
}

func (e *SubjectError) Error() string {
	return fmt.Sprintf("subject %q: %s (expected /O=ABC Inc./CN=name or CN=name,O=ABC Inc.)", e.Input, e.Reason)
}

// ParseSubject accepts the openssl form (/O=ABC Inc./CN=localhost) and the
// RFC 4514 form (CN=localhost,O=ABC Inc.). The result keeps the order the
// user wrote for openssl form (which is most significant first) and reverses
// RFC 4514 (which is least significant first), so both give the same name.
func ParseSubject(s string) (pkix.Name, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return pkix.Name{}, nil
	}
	var parts []string
	var err error
	if strings.HasPrefix(s, "/") {
		parts, err = splitEscaped(s[1:], '/')
	} else {
		parts, err = splitEscaped(s, ',')
		if err == nil {
			for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
				parts[i], parts[j] = parts[j], parts[i]
			}
		}
	}
	if err != nil {
		return pkix.Name{}, &SubjectError{s, err.Error()}
	}
	var rdn pkix.RDNSequence
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		k, v, ok := strings.Cut(p, "=")
		if !ok {
			return pkix.Name{}, &SubjectError{s, fmt.Sprintf("%q has no '='", p)}
		}
		k = strings.ToUpper(strings.TrimSpace(k))
		v = strings.TrimSpace(v)
		oid, known := attrOIDs[k]
		if !known {
			return pkix.Name{}, &SubjectError{s, fmt.Sprintf("unknown attribute %q", k)}
		}
		if v == "" {
			return pkix.Name{}, &SubjectError{s, fmt.Sprintf("attribute %s is empty", k)}
		}
		if k == "C" && len(v) != 2 {
			return pkix.Name{}, &SubjectError{s, fmt.Sprintf("country %q must be two letters", v)}
		}
		rdn = append(rdn, pkix.RelativeDistinguishedNameSET{{Type: oid, Value: v}})
	}
	var n pkix.Name
	n.FillFromRDNSequence(&rdn)
	if err := CheckNameControl(pkix.Name{ExtraNames: flatten(rdn)}); err != nil {
		return pkix.Name{}, err
	}
	// ExtraNames keeps the exact order when the certificate is marshalled.
	n.ExtraNames = nil
	for _, set := range rdn {
		n.ExtraNames = append(n.ExtraNames, set...)
	}
	return n, nil
}

func flatten(rdn pkix.RDNSequence) []pkix.AttributeTypeAndValue {
	var out []pkix.AttributeTypeAndValue
	for _, set := range rdn {
		out = append(out, set...)
	}
	return out
}

// splitEscaped splits on sep, honouring backslash escapes.
func splitEscaped(s string, sep byte) ([]string, error) {
	var out []string
	var cur strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\':
			if i+1 >= len(s) {
				return nil, fmt.Errorf("trailing backslash")
			}
			i++
			cur.WriteByte(s[i])
		case c == sep:
			out = append(out, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	out = append(out, cur.String())
	return out, nil
}

var oidShort = func() map[string]string {
	m := map[string]string{}
	for k, v := range attrOIDs {
		switch k {
		case "S", "GIVENNAME", "EMAIL":
			continue
		}
		if k == "EMAILADDRESS" {
			k = "emailAddress"
		}
		if k == "SERIALNUMBER" {
			k = "serialNumber"
		}
		if k == "POSTALCODE" {
			k = "postalCode"
		}
		if k == "STREET" {
			k = "street"
		}
		if k == "TITLE" {
			k = "title"
		}
		m[v.String()] = k
	}
	return m
}()

// FormatName renders a name the way openssl x509 -text does:
// "O = ABC Inc., CN = localhost", most significant first.
func FormatName(n pkix.Name) string {
	rdn := n.ToRDNSequence()
	if len(n.Names) > 0 {
		// Names holds the parsed attributes in their original order.
		rdn = nil
		for _, a := range n.Names {
			rdn = append(rdn, pkix.RelativeDistinguishedNameSET{a})
		}
	}
	var parts []string
	for _, set := range rdn {
		var sub []string
		for _, a := range set {
			k, ok := oidShort[a.Type.String()]
			if !ok {
				k = a.Type.String()
			}
			sub = append(sub, k+" = "+EscapeControl(fmt.Sprint(a.Value)))
		}
		parts = append(parts, strings.Join(sub, " + "))
	}
	return strings.Join(parts, ", ")
}

// FormatNameSlash renders the openssl -subj form: /O=ABC Inc./CN=localhost.
func FormatNameSlash(n pkix.Name) string {
	var b strings.Builder
	for _, a := range nameAttrs(n) {
		k, ok := oidShort[a.Type.String()]
		if !ok {
			k = a.Type.String()
		}
		v := strings.ReplaceAll(fmt.Sprint(a.Value), "/", `\/`)
		b.WriteString("/" + k + "=" + v)
	}
	return b.String()
}

func nameAttrs(n pkix.Name) []pkix.AttributeTypeAndValue {
	if len(n.Names) > 0 {
		return n.Names
	}
	if len(n.ExtraNames) > 0 {
		return n.ExtraNames
	}
	var out []pkix.AttributeTypeAndValue
	for _, set := range n.ToRDNSequence() {
		out = append(out, set...)
	}
	return out
}
