package inspect

//go:generate go run ./oidgen -o oids_table.go

// objName is what openssl's i2a_ASN1_OBJECT prints: the long name when
// openssl knows the OID, else the dotted form.
func objName(oid string) string {
	if n, ok := opensslObjects[oid]; ok {
		return n[1]
	}
	return oid
}

// objShort is openssl's short name (as used in distinguished names), else
// the dotted form.
func objShort(oid string) string {
	if n, ok := opensslObjects[oid]; ok {
		return n[0]
	}
	return oid
}

// objNameRaw names OID content bytes, or returns a placeholder openssl-style
// when they do not decode.
func objNameRaw(b []byte) string {
	s, err := oidString(b)
	if err != nil {
		return "<INVALID>"
	}
	return objName(s)
}

// Extension OIDs the renderer and the checks refer to.
const (
	oidSKI             = "2.5.29.14"
	oidKeyUsage        = "2.5.29.15"
	oidPrivKeyPeriod   = "2.5.29.16"
	oidSAN             = "2.5.29.17"
	oidIAN             = "2.5.29.18"
	oidBasicCons       = "2.5.29.19"
	oidCRLNumber       = "2.5.29.20"
	oidCRLReason       = "2.5.29.21"
	oidInvalidityDate  = "2.5.29.24"
	oidDeltaCRL        = "2.5.29.27"
	oidIssuingDP       = "2.5.29.28"
	oidCertIssuer      = "2.5.29.29"
	oidNameConstraints = "2.5.29.30"
	oidCRLDP           = "2.5.29.31"
	oidCertPolicies    = "2.5.29.32"
	oidPolicyMappings  = "2.5.29.33"
	oidAKI             = "2.5.29.35"
	oidPolicyCons      = "2.5.29.36"
	oidEKU             = "2.5.29.37"
	oidFreshestCRL     = "2.5.29.46"
	oidInhibitAny      = "2.5.29.54"
	oidAIA             = "1.3.6.1.5.5.7.1.1"
	oidSIA             = "1.3.6.1.5.5.7.1.11"
	oidTLSFeature      = "1.3.6.1.5.5.7.1.24"
	oidNSCertType      = "2.16.840.1.113730.1.1"
	oidNSComment       = "2.16.840.1.113730.1.13"
	oidNSBaseURL       = "2.16.840.1.113730.1.2"
	oidNSCAPolicyURL   = "2.16.840.1.113730.1.8"
	oidNSRevocationURL = "2.16.840.1.113730.1.3"
	oidNSCARevURL      = "2.16.840.1.113730.1.4"
	oidNSRenewalURL    = "2.16.840.1.113730.1.7"
	oidNSSSLServerName = "2.16.840.1.113730.1.12"
	oidSCTList         = "1.3.6.1.4.1.11129.2.4.2"
	oidSubjectSignTool = "1.2.643.100.111"
	oidMGF1            = "1.2.840.113549.1.1.8"
	oidIssuerSignTool  = "1.2.643.100.112"
	oidCTPoison        = "1.3.6.1.4.1.11129.2.4.3"
	oidOCSPNoCheck     = "1.3.6.1.5.5.7.48.1.5"
	oidExtReq          = "1.2.840.113549.1.9.14"
	oidMSExtReq        = "1.3.6.1.4.1.311.2.1.14"
	oidCPS             = "1.3.6.1.5.5.7.2.1"
	oidUserNotice      = "1.3.6.1.5.5.7.2.2"
	oidECPublicKey     = "1.2.840.10045.2.1"
	oidRSA             = "1.2.840.113549.1.1.1"
	oidRSAPSS          = "1.2.840.113549.1.1.10"
	oidEd25519         = "1.3.101.112"
	oidEd448           = "1.3.101.113"
	oidX25519          = "1.3.101.110"
	oidX448            = "1.3.101.111"
	oidDSA             = "1.2.840.10040.4.1"
)
