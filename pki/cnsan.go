package pki

import (
	"fmt"
	"net"
	"strings"
)

// CopyCNToSAN gives a server request without DNS names or IP addresses the
// name its CN carries, when that CN is a host name or an IP address, as
// step-ca does when it signs a CN-only CSR: clients check the SAN, not the
// CN, so a certificate without one is refused by Go and browsers. It
// returns a note saying what it copied ("" when it changed nothing); a CN
// that is no usable name is left for Validate to refuse.
func CopyCNToSAN(r *Request) string {
	if r.Profile != ProfileServer && r.Profile != ProfileServerClient {
		return ""
	}
	if len(r.DNS)+len(r.IPs) > 0 {
		return ""
	}
	cn := strings.TrimSpace(r.Subject.CommonName)
	if ip := net.ParseIP(strings.TrimSuffix(strings.TrimPrefix(cn, "["), "]")); ip != nil {
		r.IPs = []net.IP{ip}
		return fmt.Sprintf("the request has no SAN: its CN %q was copied into it as IP:%s", cn, ip)
	}
	if !isHostName(cn) {
		return ""
	}
	r.DNS = []string{strings.ToLower(cn)}
	return fmt.Sprintf("the request has no SAN: its CN %q was copied into it as DNS:%s", cn, strings.ToLower(cn))
}

// isHostName accepts an RFC 1123 host name, with a leading "*." wildcard.
func isHostName(s string) bool {
	s = strings.TrimPrefix(s, "*.")
	if s == "" || len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(strings.TrimSuffix(s, "."), ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}
