package verify

import (
	"crypto/x509"
	"time"
)

// Faults returns every fault Verify can find in leaf's chain, the one
// Verify reports first. Go's verifier and Verify stop at the first problem;
// an engineer who fixes it and tries again should not only then learn of the
// next. Each round sets aside the dimension of the fault just found (the
// name, the usage, the time, the CRLs, a missing intermediate the caller
// knows) and verifies again, until the chain verifies or a fault cannot be
// set aside (an unknown CA, a bad signature, a weak key).
func Faults(leaf *x509.Certificate, opts Options) []*Finding {
	var out []*Finding
	seen := map[Code]bool{}
	for round := 0; round < 8; round++ {
		_, f := Verify(leaf, opts)
		if f == nil || seen[f.Code] {
			break
		}
		seen[f.Code] = true
		out = append(out, f)
		if !relax(f.Code, leaf, &opts) {
			break
		}
	}
	return out
}

// relax changes opts so that the fault code no longer applies; false when
// it cannot be set aside.
func relax(code Code, leaf *x509.Certificate, opts *Options) bool {
	switch code {
	case ServerNameMismatch, ServerCertCNOnly:
		if opts.Name == "" && len(opts.Emails) == 0 {
			return false
		}
		opts.Name, opts.Emails = "", nil
	case ClientCertWrongUsage, ServerCertWrongUsage:
		if opts.anyUsage {
			return false
		}
		opts.anyUsage = true
	case ClientCertExpired, ServerCertExpired, ClientCertNotYetValid, ServerCertNotYetValid:
		at := opts.at()
		switch {
		case at.After(leaf.NotAfter):
			opts.At = leaf.NotAfter.Add(-time.Second)
		case at.Before(leaf.NotBefore):
			opts.At = leaf.NotBefore.Add(time.Second)
		default:
			return false // a CA above the leaf: no one time fits all
		}
	case ClientCertRevoked, ServerCertRevoked, CRLStale, CRLMissing, CRLInvalid:
		if len(opts.CRLs) == 0 && !opts.RequireCRL {
			return false
		}
		opts.CRLs, opts.RequireCRL = nil, false
	case ClientChainIncomplete, ServerChainIncomplete:
		if len(opts.Known) == 0 {
			return false
		}
		opts.Intermediates = append(append([]*x509.Certificate{}, opts.Intermediates...), opts.Known...)
		opts.Known = nil
	case PathLenExceeded:
		if opts.MaxIntermediates == nil {
			return false
		}
		opts.MaxIntermediates = nil
	default:
		return false
	}
	return true
}
