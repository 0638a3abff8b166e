package inspect

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"fmt"
	"strings"
)

// extPath is the stable id of an extension field.
func extPath(oid string) string {
	switch oid {
	case oidSKI:
		return "ext.subject_key_identifier"
	case oidAKI:
		return "ext.authority_key_identifier"
	case oidKeyUsage:
		return "ext.key_usage"
	case oidEKU:
		return "ext.extended_key_usage"
	case oidBasicCons:
		return "ext.basic_constraints"
	case oidSAN:
		return "ext.subject_alt_name"
	case oidIAN:
		return "ext.issuer_alt_name"
	case oidCRLDP:
		return "ext.crl_distribution_points"
	case oidFreshestCRL:
		return "ext.freshest_crl"
	case oidAIA:
		return "ext.authority_info_access"
	case oidSIA:
		return "ext.subject_info_access"
	case oidCertPolicies:
		return "ext.certificate_policies"
	case oidNameConstraints:
		return "ext.name_constraints"
	case oidPolicyCons:
		return "ext.policy_constraints"
	case oidPolicyMappings:
		return "ext.policy_mappings"
	case oidInhibitAny:
		return "ext.inhibit_any_policy"
	case oidSCTList:
		return "ext.ct_precert_scts"
	case oidCTPoison:
		return "ext.ct_precert_poison"
	case oidNSCertType:
		return "ext.netscape_cert_type"
	case oidNSComment:
		return "ext.netscape_comment"
	case oidPrivKeyPeriod:
		return "ext.private_key_usage_period"
	case oidCRLNumber:
		return "ext.crl_number"
	case oidDeltaCRL:
		return "ext.delta_crl_indicator"
	case oidCRLReason:
		return "ext.crl_reason"
	case oidInvalidityDate:
		return "ext.invalidity_date"
	case oidIssuingDP:
		return "ext.issuing_distribution_point"
	case oidCertIssuer:
		return "ext.certificate_issuer"
	case oidTLSFeature:
		return "ext.tls_feature"
	case oidOCSPNoCheck:
		return "ext.ocsp_no_check"
	}
	return "ext." + strings.ReplaceAll(oid, ".", "_")
}

// explainFor is the one-line explanation a newcomer sees under a field.
func explainFor(path string) string {
	for _, explain := range []func(string) string{explainCertField, explainExtension, explainDocument} {
		if s := explain(path); s != "" {
			return s
		}
	}
	if strings.HasPrefix(path, "ext.") {
		return "An extension this tool has no explanation for; if marked critical, software that does not know it must reject the certificate."
	}
	return ""
}

// explainCertField explains the fields of the certificate body itself.
func explainCertField(path string) string {
	switch path {
	case "heading":
		return "An X.509 certificate: a public key bound to a name, signed by an issuer (a CA) that vouches for the binding."
	case "version":
		return "X.509 format version; 3 is needed for extensions (SAN, key usage, CA flag) that TLS relies on."
	case "serial":
		return "Number the issuer gave this certificate; unique per CA, it is what a CRL lists when the certificate is revoked."
	case "signature_algorithm":
		return "How the issuer signed this certificate (hash + key type); SHA-1 and MD5 are broken and rejected by modern TLS."
	case "issuer":
		return "The CA that signed this certificate; a verifier looks for a trusted certificate whose subject is exactly this name."
	case "validity":
		return "The period in which the certificate may be used; outside it every TLS peer rejects it."
	case "validity.not_before":
		return "Start of validity; a peer whose clock is earlier rejects the certificate as not yet valid."
	case "validity.not_after":
		return "End of validity; after this moment TLS peers reject the certificate as expired."
	case "subject":
		return "Who the certificate is about; for TLS servers the name is checked in the SAN, the CN here is only a label."
	case "public_key":
		return "The key the subject proves possession of in the TLS handshake; its type and size set the security level."
	case "unique_id":
		return "Obsolete X.509 v2 unique identifier; ignored by TLS."
	case "extensions":
		return "X.509 v3 extensions: constraints and names that decide what the certificate may be used for."
	case "signature":
		return "The issuer's signature over all the fields above; checked with the issuer's public key."
	}
	return ""
}

// explainExtension explains the known X.509 v3 extensions by their ext.* path.
func explainExtension(path string) string {
	switch path {
	case "ext.subject_key_identifier":
		return "A short id of this certificate's public key; children point at it with their Authority Key Identifier."
	case "ext.authority_key_identifier":
		return "The key id of the issuing CA; helps a verifier pick the right issuer certificate when names repeat."
	case "ext.key_usage":
		return "What the key may do: digitalSignature for TLS, keyCertSign/cRLSign for CAs."
	case "ext.extended_key_usage":
		return "The purposes allowed: serverAuth for TLS servers, clientAuth for mTLS clients; peers enforce it."
	case "ext.basic_constraints":
		return "CA:TRUE lets this certificate sign others; pathlen limits how many CAs may follow below it."
	case "ext.subject_alt_name":
		return "The names (DNS, IP, email, URI) the certificate is valid for; TLS clients match the host name here, not in the CN."
	case "ext.issuer_alt_name":
		return "Alternative names of the issuer; informational."
	case "ext.crl_distribution_points":
		return "Where to download the CRL that says whether this certificate was revoked."
	case "ext.authority_info_access":
		return "URLs for the issuer's certificate (CA Issuers) and its OCSP responder; lets clients fetch missing intermediates."
	case "ext.certificate_policies":
		return "Policies the certificate was issued under (e.g. CA/Browser Forum DV/OV/EV); rarely checked in private PKI."
	case "ext.name_constraints":
		return "Limits the names this CA may issue for; a certificate below it with another name fails verification."
	case "ext.policy_constraints", "ext.inhibit_any_policy", "ext.policy_mappings":
		return "Policy processing rules for chains below this CA; rarely used outside government PKIs."
	case "ext.ct_precert_scts":
		return "Certificate Transparency receipts: proof the certificate was logged publicly, required by browsers."
	case "ext.netscape_cert_type", "ext.netscape_comment":
		return "Legacy Netscape extension; ignored by modern TLS stacks."
	case "ext.private_key_usage_period":
		return "Period the private key may be used; obsolete and ignored by TLS."
	case "ext.crl_number":
		return "Sequence number of this CRL; a newer CRL has a larger number."
	case "ext.crl_reason":
		return "Why the certificate was revoked."
	case "ext.invalidity_date":
		return "When the key is believed to have been compromised."
	case "ext.issuing_distribution_point":
		return "Which certificates this CRL covers."
	case "ext.tls_feature":
		return "TLS features the server must support, e.g. OCSP must-staple."
	}
	return ""
}

// explainDocument explains the fields proper to CRLs, CSRs and keys.
func explainDocument(path string) string {
	switch path {
	case "crl.heading":
		return "A certificate revocation list: the CA's signed list of serials it revoked before they expired."
	case "crl.last_update":
		return "When the CA issued this CRL."
	case "crl.next_update":
		return "When the next CRL is due; after it, verifiers treat this CRL as stale and may reject every certificate."
	case "crl.revoked":
		return "Certificates this CA revoked: serial, date and reason."
	case "csr.heading":
		return "A certificate signing request: a public key and the names wanted, signed with the matching private key."
	case "csr.attributes":
		return "Extra requests for the CA, usually the extensions (SAN) the requester wants; the CA decides what it copies."
	case "key.private":
		return "A private key: keep it secret; whoever has it can impersonate the certificate's subject."
	case "key.public":
		return "A public key: safe to share; certificates bind it to a name."
	}
	return ""
}

// describeKey says what a key is in a few words.
func describeKey(pub any) string {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return fmt.Sprintf("RSA %d bit", k.N.BitLen())
	case *ecdsa.PublicKey:
		return "ECDSA " + k.Curve.Params().Name
	case ed25519.PublicKey:
		return "Ed25519"
	case nil:
		return "unknown key type"
	}
	return fmt.Sprintf("%T", pub)
}
