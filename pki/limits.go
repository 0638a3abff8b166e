package pki

import (
	"encoding/asn1"
	"errors"
	"fmt"
)

// Bounds on the work outside input can ask for. Each one still accepts
// what real tools write: openssl 3 uses 2,048 iterations for PKCS#12 and
// PBES2, Java keytool 10,000, Windows 2,000, and pkibench itself 600,000
// (PBKDF2Iterations); the few-million ceiling leaves room for the most
// cautious settings while a file claiming 2^31-1 iterations (hours of
// work at import) is refused before any key derivation starts.
const (
	// MaxKDFIterations caps one iteration count (PBKDF2 in PBES2 and
	// PBMAC1, the PKCS#12 KDF for MACs and PBE).
	MaxKDFIterations = 5_000_000
	// MaxKDFWork caps the iterations of one PKCS#12 file summed over its
	// MAC and every encryption parameter that can be read before
	// decryption, so a thousand bags at the cap are refused as well.
	MaxKDFWork = 4 * MaxKDFIterations
	// MaxPEMBlocks caps the PEM blocks of one input; a full public CA
	// bundle holds about 150.
	MaxPEMBlocks = 10_000
)

// ErrTooMuchWork is what a LimitError wraps.
var ErrTooMuchWork = errors.New("input asks for more work than pkibench allows")

// LimitError names the bound outside input went past.
type LimitError struct {
	What  string // "PKCS#12 MAC iteration count", "PEM blocks", ...
	Got   int64
	Limit int64
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("%s %d is more than the %d pkibench accepts", e.What, e.Got, e.Limit)
}
func (e *LimitError) Unwrap() error { return ErrTooMuchWork }

func checkIterations(what string, n int64) error {
	if n <= 0 || n > MaxKDFIterations {
		return &LimitError{What: what, Got: n, Limit: MaxKDFIterations}
	}
	return nil
}

// oidPKCS12PBEPrefix is pkcs-12PbeIds: pbeWithSHAAnd3-KeyTripleDES-CBC and kin.
var oidPKCS12PBEPrefix = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1}

// maxPFXDepth bounds the walk below; a real PFX nests about twelve deep.
const maxPFXDepth = 40

// checkPKCS12Work reads every iteration count a PFX carries in the clear
// (the MAC's, and those of the PKCS#12 PBE, PBES2/PBKDF2 and PBMAC1
// parameters in its bags) and refuses the file when one is above
// MaxKDFIterations or all together above MaxKDFWork. It is one walk over
// the DER, so its cost is proportional to the input.
func checkPKCS12Work(der []byte) error {
	var pfx struct {
		Version  int
		AuthSafe asn1.RawValue
		MacData  asn1.RawValue `asn1:"optional"`
	}
	if _, err := asn1.Unmarshal(der, &pfx); err != nil {
		return nil // not a PFX: the decoder says what is wrong
	}
	w := &kdfWalk{}
	if len(pfx.MacData.FullBytes) > 0 {
		var mac struct {
			Mac        asn1.RawValue
			Salt       []byte
			Iterations int64 `asn1:"optional,default:1"`
		}
		if _, err := asn1.Unmarshal(pfx.MacData.FullBytes, &mac); err == nil {
			if err := w.add("PKCS#12 MAC iteration count", mac.Iterations); err != nil {
				return err
			}
		}
	}
	return w.walk(pfx.AuthSafe.FullBytes, 0)
}

type kdfWalk struct{ total int64 }

func (w *kdfWalk) add(what string, n int64) error {
	if err := checkIterations(what, n); err != nil {
		return err
	}
	w.total += n
	if w.total > MaxKDFWork {
		return &LimitError{What: "PKCS#12 iteration counts summed over the file", Got: w.total, Limit: MaxKDFWork}
	}
	return nil
}

// walk visits every element of b, looking into constructed elements and
// into OCTET STRINGs that hold DER (the PFX wraps its bags that way).
func (w *kdfWalk) walk(b []byte, depth int) error {
	if depth > maxPFXDepth {
		return nil
	}
	for len(b) > 0 {
		var v asn1.RawValue
		rest, err := asn1.Unmarshal(b, &v)
		if err != nil {
			return nil // not DER (ciphertext): nothing readable here
		}
		b = rest
		switch {
		case v.Class == asn1.ClassUniversal && v.Tag == asn1.TagSequence && v.IsCompound:
			if err := w.algorithm(v.Bytes); err != nil {
				return err
			}
			if err := w.walk(v.Bytes, depth+1); err != nil {
				return err
			}
		case v.IsCompound:
			if err := w.walk(v.Bytes, depth+1); err != nil {
				return err
			}
		case v.Class == asn1.ClassUniversal && v.Tag == asn1.TagOctetString:
			if err := w.walk(v.Bytes, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

// algorithm checks seq when it is an AlgorithmIdentifier of a KDF whose
// parameters carry an iteration count.
func (w *kdfWalk) algorithm(seq []byte) error {
	var oid asn1.ObjectIdentifier
	params, err := asn1.Unmarshal(seq, &oid)
	if err != nil || len(params) == 0 {
		return nil
	}
	var p struct {
		Salt       asn1.RawValue
		Iterations int64
	}
	switch {
	case len(oid) == len(oidPKCS12PBEPrefix)+1 && oid[:len(oidPKCS12PBEPrefix)].Equal(oidPKCS12PBEPrefix):
		if _, err := asn1.Unmarshal(params, &p); err == nil {
			return w.add("PKCS#12 PBE iteration count", p.Iterations)
		}
	case oid.Equal(oidPBKDF2):
		if _, err := asn1.Unmarshal(params, &p); err == nil {
			return w.add("PBKDF2 iteration count", p.Iterations)
		}
	}
	// PBES2 and PBMAC1 hold a PBKDF2 AlgorithmIdentifier: the walk meets it.
	return nil
}
