package pki

import (
	"net"
	"strings"
)

// Subtrees are name-constraint subtrees of each kind, one side (permitted
// or excluded) of a CA's name constraints.
type Subtrees struct {
	DNS    []string
	IPs    []*net.IPNet
	Emails []string
}

// ParseSubtrees reads name-constraint subtrees typed in one list (the
// TUI's CA form), in openssl's nameConstraints spelling with the kind
// optional: "DNS:example.com", "IP:10.0.0.0/8", "email:example.com". A
// value without a kind is an IP range when it is a CIDR, a mailbox when it
// has an @ (an address without a mask is refused as an IP range, not taken
// for a DNS name), and a DNS subtree otherwise ("example.com" or ".example.com");
// an e-mail subtree for a whole domain needs "email:", since
// "example.com" alone is a DNS subtree.
func ParseSubtrees(values []string) (Subtrees, error) {
	var s Subtrees
	for _, v := range values {
		kind, rest, ok := strings.Cut(v, ":")
		switch k := strings.ToLower(kind); {
		case ok && k == "dns":
		case ok && k == "ip":
		case ok && k == "email":
		default:
			rest = v
			switch {
			case strings.Contains(v, "/") || net.ParseIP(v) != nil:
				kind = "ip"
			case strings.Contains(v, "@"):
				kind = "email"
			default:
				kind = "dns"
			}
		}
		rest = strings.TrimSpace(rest)
		switch strings.ToLower(kind) {
		case "ip":
			_, n, err := net.ParseCIDR(rest)
			if err != nil {
				return Subtrees{}, &SANError{"ip", rest, "not a CIDR range (expected e.g. 10.0.0.0/8, fd00::/8, or 10.0.0.1/32 for one address)"}
			}
			s.IPs = append(s.IPs, n)
		case "email":
			if strings.Contains(rest, "@") {
				if err := CheckEmail(rest); err != nil {
					return Subtrees{}, err
				}
			} else if err := CheckDNSName(strings.TrimPrefix(rest, ".")); err != nil || strings.Contains(rest, "*") {
				return Subtrees{}, &SANError{"email", rest, "not a mailbox or domain (expected ops@example.com, example.com or .example.com)"}
			}
			s.Emails = append(s.Emails, rest)
		default:
			if err := CheckDNSName(strings.TrimPrefix(rest, ".")); err != nil || strings.Contains(rest, "*") {
				return Subtrees{}, &SANError{"dns", rest, "not a DNS subtree (expected example.com or .example.com, no wildcard)"}
			}
			s.DNS = append(s.DNS, rest)
		}
	}
	return s, nil
}
