package inspect

import "time"

// Inspect decodes data (PEM with any number of blocks, or one DER object)
// and inspects every object in it, including certificates, CSRs and CRLs
// crypto/x509 refuses (see pki.DecodeLenient); source names the input in
// errors.
func Inspect(data []byte, source string, now time.Time) ([]Document, error) {
	var out []Document
	err := Each(data, source, now, true, func(d Document) error {
		out = append(out, d)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
