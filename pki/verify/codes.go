// Package verify checks a certificate the way a TLS peer would and, when it
// fails, names the reason with a stable code, the evidence and the fix.
// Both `pkibench verify` and the probe use it, so a reason is explained once.
package verify

// Code is a stable reason code (DESIGN.md §6). The README documents each.
type Code string

const (
	OK                    Code = "ok"
	ClientCertMissing     Code = "client-cert-missing"
	ClientCertWithheld    Code = "client-cert-withheld"
	ClientCertUntrusted   Code = "client-cert-untrusted"
	ClientChainIncomplete Code = "client-chain-incomplete"
	ClientCertExpired     Code = "client-cert-expired"
	ClientCertNotYetValid Code = "client-cert-not-yet-valid"
	ClientCertRevoked     Code = "client-cert-revoked"
	ClientCertWrongUsage  Code = "client-cert-wrong-usage"
	// ClientChainTooLong: the client chain has more intermediate CAs than
	// the server's verify depth allows (nginx ssl_verify_depth, Apache
	// SSLVerifyDepth, both 1 by default).
	ClientChainTooLong Code = "client-chain-too-long"
	// ServerCertRevoked is client-cert-revoked's twin for a server (or any) certificate.
	ServerCertRevoked       Code = "server-cert-revoked"
	ServerCertUntrusted     Code = "server-cert-untrusted"
	ServerChainIncomplete   Code = "server-chain-incomplete"
	ServerCertExpired       Code = "server-cert-expired"
	ServerCertNotYetValid   Code = "server-cert-not-yet-valid"
	ServerNameMismatch      Code = "server-name-mismatch"
	ServerCertCNOnly        Code = "server-cert-cn-only"
	ServerCertWrongUsage    Code = "server-cert-wrong-usage"
	CRLStale                Code = "crl-stale"
	CRLMissing              Code = "crl-missing"
	CRLInvalid              Code = "crl-invalid"
	PathLenExceeded         Code = "path-len-exceeded"
	NameConstraintViolated  Code = "name-constraint-violated"
	IssuerNotCA             Code = "issuer-not-ca"
	WeakSignature           Code = "weak-signature"
	WeakKey                 Code = "weak-key"
	KeyMismatch             Code = "key-mismatch"
	ProtocolVersionMismatch Code = "protocol-version-mismatch"
	NoSharedCipher          Code = "no-shared-cipher"
	PeerClosed              Code = "peer-closed"
	NotTLS                  Code = "not-tls"
	ConnectionRefused       Code = "connection-refused"
	Timeout                 Code = "timeout"
	Unknown                 Code = "unknown"
	// CertMalformed: a certificate breaks an RFC 5280 rule no other code
	// names (unparseable, bad serial, unknown critical extension, malformed SAN).
	CertMalformed Code = "cert-malformed"
)

// Side is who decided.
type Side string

const (
	SideNone    Side = ""
	SideServer  Side = "server"
	SideClient  Side = "client"
	SideLocal   Side = "local"
	SideNetwork Side = "network"
)
