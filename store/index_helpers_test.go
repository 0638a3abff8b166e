package store

import "strings"

// writeIndex replaces a CA's index with es in one atomic write; tests use it
// to plant index states the product never writes in one go.
func writeIndex(path string, es []Entry) error {
	var b strings.Builder
	for _, e := range es {
		b.WriteString(e.Line())
	}
	return writeFileAtomic(path, []byte(b.String()), 0o644)
}
