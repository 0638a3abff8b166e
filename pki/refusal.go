package pki

import "strings"

// refusalRules map a crypto/x509 parse error to the rule the object breaks
// and the field it concerns. Go's messages are stable strings (the parser
// has no typed errors), so matching on them is the only way to name the rule.
var refusalRules = []struct {
	match, rule, path string
}{
	{"name constraint", "RFC 5280 4.2.1.10 (name constraints: well-formed names and IP address/mask pairs)", "ext.name_constraints"},
	{"IP constraint", "RFC 5280 4.2.1.10 (name constraints: an IP subtree is an address and a contiguous mask)", "ext.name_constraints"},
	{"authority info access", "RFC 5280 4.2.2.1 (authority information access must not be critical and holds URIs)", "ext.authority_info_access"},
	{"SAN", "RFC 5280 4.2.1.6 (subject alternative names: dNSName, rfc822Name and URI in their preferred syntax)", "ext.subject_alt_name"},
	{"subject alternative name", "RFC 5280 4.2.1.6 (subject alternative names)", "ext.subject_alt_name"},
	{"certificate policies", "RFC 5280 4.2.1.4 (certificate policies)", "ext.certificate_policies"},
	{"policy", "RFC 5280 4.2.1.4 / 4.2.1.11 (certificate policies and policy constraints)", "ext.certificate_policies"},
	{"signature algorithm", "RFC 5280 4.1.1.2 (signatureAlgorithm must equal the TBS signature field)", "signature_algorithm"},
	{"duplicate extension", "RFC 5280 4.2 (a certificate must not include more than one instance of an extension)", "extensions"},
	{"basic constraints", "RFC 5280 4.2.1.9 (basic constraints)", "ext.basic_constraints"},
	{"inhibit any policy", "RFC 5280 4.2.1.14 (inhibitAnyPolicy is an INTEGER)", "extensions"},
	{"extended key usage", "RFC 5280 4.2.1.12 (extended key usage: a non-empty SEQUENCE of OIDs)", "ext.extended_key_usage"},
	{"key usage", "RFC 5280 4.2.1.3 (key usage: a BIT STRING)", "ext.key_usage"},
	{"RSA", "RFC 3279 2.3.1 (an RSA key's algorithm parameters must be NULL; the key a positive modulus and exponent)", "public_key"},
	{"public key", "RFC 5280 4.1.2.7 (subject public key info)", "public_key"},
	{"string type", "RFC 5280 4.1.2.4 (name attributes use DirectoryString types)", "subject"},
	{"authority key identifier", "RFC 5280 4.2.1.1 (authority key identifier: never critical)", "ext.authority_key_identifier"},
	{"subject key identifier", "RFC 5280 4.2.1.2 (subject key identifier: never critical)", "ext.subject_key_identifier"},
	{"CRL distribution point", "RFC 5280 4.2.1.13 (CRL distribution points)", "ext.crl_distribution_points"},
	{"version", "RFC 5280 4.1.2.1 / 5.1.2.1 (version is v1, v2 or v3, and v3 only with extensions)", "version"},
	{"serial", "RFC 5280 4.1.2.2 (serial number: a positive INTEGER of at most 20 octets)", "serial"},
	{"time", "RFC 5280 4.1.2.5 (UTCTime and GeneralizedTime in Zulu, with seconds and no fraction)", "validity"},
	{"empty", "RFC 5280 4.2 (extension values must not be empty)", "extensions"},
	{"critical", "RFC 5280 4.2 (criticality as the extension's profile requires)", "extensions"},
	{"extension", "RFC 5280 4.2 (extension syntax)", "extensions"},
	{"issuer", "RFC 5280 4.1.2.4 (issuer name)", "issuer"},
	{"subject", "RFC 5280 4.1.2.6 (subject name)", "subject"},
	{"malformed", "RFC 5280 4.1 / X.690 DER (the structure does not decode)", "heading"},
}

// RefusalRule names the rule a certificate, CSR or CRL breaks when
// crypto/x509 refuses it with err, and the inspect field path it concerns
// ("ext.name_constraints", "public_key", ... or "heading" when unknown).
func RefusalRule(err error) (rule, path string) {
	if err == nil {
		return "the X.509 profile (RFC 5280)", "heading"
	}
	low := strings.ToLower(err.Error())
	for _, r := range refusalRules {
		if strings.Contains(low, strings.ToLower(r.match)) {
			return r.rule, r.path
		}
	}
	return "the X.509 profile (RFC 5280)", "heading"
}
