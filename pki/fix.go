package pki

// A Fix says what to change, as a value: the lower layers (verify, store,
// probe) never spell a command line or a flag. The CLI renders a fix as a
// command that works when pasted, the TUI as the key or field that does it;
// both show Say, the fix in words.

// FixKind is what a fix changes.
type FixKind string

const (
	// FixReissue: issue Name again under CA, with Profile and the names
	// (and Algo when the key was the fault).
	FixReissue FixKind = "reissue"
	// FixCreateCA: create a CA (under Parent when set), with Algo and
	// PermitDNS when they matter.
	FixCreateCA FixKind = "create-ca"
	// FixPublishCRL: publish CA's CRL (and reload it where it is checked).
	FixPublishCRL FixKind = "publish-crl"
	// FixTrust: make Side trust CA.
	FixTrust FixKind = "trust"
	// FixSendChain: have Name presented with its intermediates.
	FixSendChain FixKind = "send-chain"
	// FixSendCert: give the client (Side) a certificate and key.
	FixSendCert FixKind = "send-cert"
	// FixAtTime: check at another time (clocks, or not yet valid).
	FixAtTime FixKind = "at-time"
	// FixRepair: run the store's repair.
	FixRepair FixKind = "repair"
	// FixAdvice: words only; nothing pkibench does changes it.
	FixAdvice FixKind = "advice"
)

// Fix is one structured fix. Empty fields are unknown or do not matter; a
// renderer uses a placeholder (NAME, CA) for an unknown name it needs.
type Fix struct {
	Kind FixKind `json:"kind"`
	// Say is the fix in words, without commands or flags.
	Say       string   `json:"say"`
	Name      string   `json:"name"`
	CA        string   `json:"ca"`
	Parent    string   `json:"parent"`
	Profile   string   `json:"profile"`
	DNS       []string `json:"dns"`
	IPs       []string `json:"ips"`
	Emails    []string `json:"emails"`
	Algo      string   `json:"algo"`
	PermitDNS []string `json:"permit_dns"`
	// Side is "server" or "client" for FixTrust and FixSendCert.
	Side string `json:"side"`
}

// String is the fix in words.
func (f *Fix) String() string {
	if f == nil {
		return ""
	}
	return f.Say
}

// Advice is a fix in words only.
func Advice(say string) *Fix { return &Fix{Kind: FixAdvice, Say: say} }
