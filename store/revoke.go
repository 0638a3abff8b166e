package store

import (
	"bytes"
	"errors"
	"fmt"
	"math/big"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/pkibench/pkibench/pki"
)

// RevokeOptions describe a revocation.
type RevokeOptions struct {
	Reason pki.Reason
	// At is the revocation time; zero means now.
	At time.Time
	// Release takes a certificate off hold (certificateHold only).
	Release bool
}

// AlreadyRevokedError refuses to revoke twice.
type AlreadyRevokedError struct {
	Target string
	At     time.Time
	Reason string
}

func (e *AlreadyRevokedError) Error() string {
	return fmt.Sprintf("%s is already revoked (since %s, %s)", e.Target, e.At.UTC().Format(time.RFC3339), e.Reason)
}

// Revoked is what a revocation changed.
type Revoked struct {
	Cert Cert `json:"cert"`
	// Below lists the certificates under a revoked CA, which all stop verifying.
	Below []string `json:"below"`
}

// Revoke marks a certificate revoked in its CA's index. target is a name
// (certificate or intermediate CA) or CA/SERIAL. Nothing changes on error.
func (s *Store) Revoke(target string, o RevokeOptions) (Revoked, error) {
	rs, err := s.RevokeMany([]string{target}, o)
	if err != nil {
		return Revoked{}, err
	}
	return rs[0].Revoked, rs[0].Err
}

// RevokeResult is one target's outcome in RevokeMany: what changed, or why
// nothing did (Err).
type RevokeResult struct {
	Target string
	Revoked
	Err error
}

// RevokeMany revokes (or releases) every target under one store lock and
// rewrites each CA's index once, whatever the number of targets: 20,000
// targets cost one read and one durable rewrite per CA, not 20,000. A target
// that cannot be revoked (not found, already revoked, a CA without its key)
// is reported in its result and does not stop the others; a target named
// twice is revoked once and reported already revoked the second time. The
// error return is for the store as a whole (lock, walls, rollback); each
// CA's index is replaced atomically, so a CA whose index could not be read
// or written fails all of its targets and holds none of their revocations,
// while the other CAs' revocations stand.
func (s *Store) RevokeMany(targets []string, o RevokeOptions) ([]RevokeResult, error) {
	if !o.At.IsZero() {
		// The CLI refuses these as usage errors; the store refuses them too,
		// so that no caller can write an index line openssl cannot read (a
		// five-digit year) or a revocation dated in the future.
		if r := pki.RevocationRange(s.now()); o.At.Before(r.Min) || o.At.After(r.Max) {
			return nil, fmt.Errorf("revoke %s at %s: a revocation time lies between %s and now (%s): %w", strings.Join(targets, ", "),
				describeYear(o.At), r.Min.Format("2006-01-02"), r.Max.UTC().Format(time.RFC3339), pki.ErrTimeRange)
		}
	}
	out := make([]RevokeResult, len(targets))
	subCA := make([]string, len(targets)) // the revoked intermediate CA, if any
	err := s.write(func() error {
		at := o.At
		if at.IsZero() {
			at = s.now()
		}
		at = at.UTC().Truncate(time.Second)
		b := &revokeBatch{s: s, targets: targets, o: o, at: at, out: out, subCA: subCA}
		order, byCA := b.groupByCA()
		for _, ca := range order {
			b.revokeInCA(ca, byCA[ca])
		}
		// The certificates below a revoked CA are listed once every index
		// is written (a CA and its subordinates may both be targets).
		for i := range out {
			if out[i].Err == nil && subCA[i] != "" {
				out[i].Below = s.below(subCA[i])
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// revokeBatch is one RevokeMany under the store lock: its targets, the
// options and revocation time, and the per-target outcomes being filled.
type revokeBatch struct {
	s       *Store
	targets []string
	o       RevokeOptions
	at      time.Time
	out     []RevokeResult
	subCA   []string // the revoked intermediate CA, if any
}

// revokeWant is one target located in its CA: its index in the batch and
// its serial.
type revokeWant struct {
	i      int
	serial *big.Int
}

// groupByCA locates every target; a target that cannot be located gets its
// error in its result.
func (b *revokeBatch) groupByCA() (order []string, byCA map[string][]revokeWant) {
	// Group the targets by CA, keeping their order within each CA.
	byCA = map[string][]revokeWant{}
	for i, t := range b.targets {
		b.out[i].Target = t
		ca, serial, err := b.s.locate(t)
		if err != nil {
			b.out[i].Err = err
			continue
		}
		if _, ok := byCA[ca]; !ok {
			order = append(order, ca)
		}
		byCA[ca] = append(byCA[ca], revokeWant{i, serial})
	}
	return order, byCA
}

// revokeInCA applies the targets ws of one CA to its index and rewrites the
// index once, atomically; a CA whose index cannot be read or written fails
// all of its targets.
func (b *revokeBatch) revokeInCA(ca string, ws []revokeWant) {
	path := filepath.Join(b.s.caDir(ca), "index.txt")
	err := b.s.canRevoke(ca)
	writing := false
	var before indexID
	var delta countsDelta
	if err == nil {
		err = withFileBytes(path, func(data []byte, id indexID) error {
			b.s.step("index read")
			// changed says the index is no longer the file opened: what
			// was read of it may be half of another program's write (a
			// serial "not found" in an index being rewritten in place).
			changed := func() bool {
				now, ok := statIndex(path)
				return !ok || now != id
			}
			ix, err := lineIndexOf(data, path, ws)
			if err != nil {
				if changed() {
					return fmt.Errorf("%s: %w", path, ErrChangedWhileRead)
				}
				return err
			}
			edits := b.editIndex(ca, ws, ix, path)
			if b.anyFailed(ws) && changed() {
				for _, w := range ws {
					b.out[w.i], b.subCA[w.i] = RevokeResult{Target: b.targets[w.i]}, ""
				}
				return fmt.Errorf("%s: %w", path, ErrChangedWhileRead)
			}
			if len(edits) == 0 {
				return nil
			}
			writing = true
			// The counts' delta reads the old lines, which live in data:
			// it is taken before the mapping goes.
			before, delta = id, editsDelta(ix, edits)
			// Another program (openssl ca, an editor) may have replaced
			// or rewritten the index since it was opened: its change would
			// be lost under this rename, and a file rewritten in place
			// under the mapping would be written back mixed with the new
			// bytes. The index must still be the file that was read.
			b.s.step("index edited")
			err = writeFileAtomicPartsIf(path, 0o644, func() error {
				if changed() {
					return ErrChangedWhileRead
				}
				return nil
			}, ix.parts(edits)...)
			if err != nil && !errors.Is(err, ErrChangedWhileRead) && changed() {
				// Writing pages of a mapping that a truncation took away
				// fails with EFAULT ("bad address"): say why.
				return fmt.Errorf("%w (%v)", ErrChangedWhileRead, err)
			}
			return err
		})
	}
	if err != nil {
		if writing {
			err = fmt.Errorf("writing %s: %w", path, err)
		}
		// The index is replaced atomically or not at all: none of this
		// CA's revocations happened; other CAs' still count.
		for _, w := range ws {
			if b.out[w.i].Err == nil {
				b.out[w.i] = RevokeResult{Target: b.targets[w.i], Err: err}
				b.subCA[w.i] = ""
			}
		}
		return
	}
	if writing {
		b.s.step("index written")
		b.s.refreshCounts(b.s.caDir(ca), before, delta)
	}
}

// anyFailed reports whether a target of ws could not be revoked.
func (b *revokeBatch) anyFailed(ws []revokeWant) bool {
	for _, w := range ws {
		if b.out[w.i].Err != nil {
			return true
		}
	}
	return false
}

// canRevoke refuses a CA whose key is not in the store.
func (s *Store) canRevoke(ca string) error {
	m, err := s.readCAMeta(ca)
	if err != nil {
		return err
	}
	if !exists(filepath.Join(s.caDir(ca), "ca.key")) && !m.HasKey {
		return fmt.Errorf("CA %q: %w", ca, ErrNoCAKey)
	}
	return nil
}

// lineIndexOf maps the lines of the index data that the targets ws need:
// only the one line when there is a single target.
func lineIndexOf(data []byte, path string, ws []revokeWant) (lineIndex, error) {
	if len(ws) == 1 {
		return oneLine(data, path, ws[0].serial)
	}
	return indexLines(data, path)
}

// editIndex revokes (or releases) each target of ws in the lines of ix and
// records its outcome; it returns the changed entries by line start.
func (b *revokeBatch) editIndex(ca string, ws []revokeWant, ix lineIndex, path string) map[int]*Entry {
	edits := map[int]*Entry{} // by line start
	for _, w := range ws {
		target := b.targets[w.i]
		r, ok := ix.bySerial[pki.SerialHex(w.serial)]
		if !ok {
			b.out[w.i].Err = &NotFoundError{"serial " + pki.SerialHex(w.serial) + " in CA", ca}
			continue
		}
		e := edits[r.start]
		if e == nil {
			line, perr := parseIndexLine(string(lineText(ix.data[r.start : r.end-1])))
			if perr != nil {
				b.out[w.i].Err = &IndexError{File: path, Line: bytes.Count(ix.data[:r.start], []byte{'\n'}) + 1, Reason: perr.Error()}
				continue
			}
			e = &line
		}
		if err := applyRevoke(e, target, b.o, b.at); err != nil {
			b.out[w.i].Err = err
			continue
		}
		edits[r.start] = e
		b.out[w.i].Cert = Cert{Name: e.Name(), CA: ca, Serial: e.SerialHex(), Subject: indexSubjectDisplay(e.Subject), NotAfter: e.NotAfter,
			Status: e.Status(b.s.now()), RevokedAt: e.RevokedAt}
		if e.HasReason {
			b.out[w.i].Cert.Reason = e.Reason.String()
		}
		if strings.HasPrefix(e.File, "cas/") {
			b.subCA[w.i] = e.Name()
		}
	}
	return edits
}

// applyRevoke revokes e at at, or releases it from hold.
func applyRevoke(e *Entry, target string, o RevokeOptions, at time.Time) error {
	if o.Release {
		if e.Flag != 'R' || !e.HasReason || e.Reason != 6 {
			return fmt.Errorf("%s is not on hold (certificateHold): only a hold can be released", target)
		}
		e.Flag, e.RevokedAt, e.HasReason, e.Reason = 'V', time.Time{}, false, 0
		return nil
	}
	if e.Flag == 'R' {
		return &AlreadyRevokedError{target, e.RevokedAt, e.Reason.String()}
	}
	e.Flag, e.RevokedAt, e.Reason, e.HasReason = 'R', at, o.Reason, true
	return nil
}

// lineRange is one index line's bytes, end after its newline.
type lineRange struct{ start, end int }

// lineIndex finds index lines by serial without parsing them: only the
// lines a revocation changes are parsed and formatted again, the rest are
// copied as bytes.
type lineIndex struct {
	data     []byte
	bySerial map[string]lineRange
}

// indexLines maps each serial of an index to its line. An index not in
// openssl's normal spelling (a serial in lower case or of odd length) is
// first rewritten normally, as a single revoke does.
func indexLines(data []byte, path string) (lineIndex, error) {
	ix := lineIndex{data: data, bySerial: make(map[string]lineRange, bytes.Count(data, []byte{'\n'}))}
	for start := 0; start < len(data); {
		nl := bytes.IndexByte(data[start:], '\n')
		if nl < 0 {
			break // a torn last line is not an entry; it is copied as it was
		}
		end := start + nl + 1
		serial, ok := serialField(data[start : end-1])
		if !ok {
			if nl == 0 {
				start = end
				continue
			}
			return normalIndexLines(data, path)
		}
		if _, dup := ix.bySerial[serial]; !dup {
			ix.bySerial[serial] = lineRange{start, end}
		}
		start = end
	}
	return ix, nil
}

// oneLine finds a single serial's line by searching the bytes, which is
// cheaper than mapping every line when one certificate is revoked.
func oneLine(data []byte, path string, serial *big.Int) (lineIndex, error) {
	data, start, end, err := findLine(data, path, serial)
	if err != nil {
		return lineIndex{}, err
	}
	ix := lineIndex{data: data, bySerial: map[string]lineRange{}}
	if start >= 0 {
		ix.bySerial[pki.SerialHex(serial)] = lineRange{start, end}
	}
	return ix, nil
}

// normalIndexLines parses data whole and maps the lines of its normal form.
func normalIndexLines(data []byte, path string) (lineIndex, error) {
	es, _, err := ParseIndex(data, path)
	if err != nil {
		return lineIndex{}, err
	}
	var b []byte
	ix := lineIndex{bySerial: make(map[string]lineRange, len(es))}
	for _, e := range es {
		start := len(b)
		b = append(b, e.Line()...)
		if _, dup := ix.bySerial[pki.SerialHex(e.Serial)]; !dup {
			ix.bySerial[pki.SerialHex(e.Serial)] = lineRange{start, len(b)}
		}
	}
	ix.data = b
	return ix, nil
}

// serialField returns the fourth field of an index line when it is a serial
// in openssl's spelling (upper-case hex, even length).
func serialField(line []byte) (string, bool) {
	f := serialOf(line)
	if !normalSerial(f) {
		return "", false
	}
	// The key is the serial as SerialHex spells it: a line may pad it with
	// zeros ("0000...05"), which names the same serial as "05".
	f = bytes.TrimLeft(f, "0")
	switch {
	case len(f) == 0:
		return "00", true
	case len(f)%2 == 1:
		return "0" + string(f), true
	}
	return string(f), true
}

// lineText is an index line without its newline and without the CR of a
// CRLF ending, as eachIndexEntry reads it: a CR left on would be read into
// the subject (and written back escaped, "\x0D", changing it).
func lineText(line []byte) []byte {
	return bytes.TrimSuffix(line, []byte{'\r'})
}

// parts returns the index with the edited lines (keyed by line start)
// formatted again and every other byte as it was: slices of the bytes read
// between the new lines, so the rewrite copies nothing it did not change.
func (ix lineIndex) parts(edits map[int]*Entry) [][]byte {
	starts := make([]int, 0, len(edits))
	for st := range edits {
		starts = append(starts, st)
	}
	sort.Ints(starts)
	out := make([][]byte, 0, 2*len(starts)+1)
	prev := 0
	for _, st := range starts {
		nl := st + bytes.IndexByte(ix.data[st:], '\n')
		line := []byte(edits[st].Line())
		if nl > st && ix.data[nl-1] == '\r' {
			// A line ending in CRLF keeps it: openssl splits lines at the
			// newline only, so the CR is the end of its subject field.
			line = append(line[:len(line)-1], '\r', '\n')
		}
		out = append(out, ix.data[prev:st], line)
		prev = nl + 1
	}
	return append(out, ix.data[prev:])
}

// below lists every certificate issued under a CA and its sub-CAs.
func (s *Store) below(ca string) []string {
	var out []string
	es, _ := readIndex(filepath.Join(s.caDir(ca), "index.txt"))
	for _, e := range es {
		out = append(out, ca+"/"+e.Name())
		if strings.HasPrefix(e.File, "cas/") {
			out = append(out, s.below(e.Name())...)
		}
	}
	return out
}

// findLine locates the index line of serial: its byte range (end after
// the newline) in data or, when that line spells its serial otherwise than
// openssl (lower case, odd length), in data rewritten normally (returned),
// as a batch revocation does; start is -1 when no line has the serial.
//
// The line is found by a search of the bytes for the serial's digits, not
// by parsing the index: at 100,000 lines parsing and formatting every line
// cost 100 ms and 90 MB, the search a fraction of a millisecond. Zeros
// padding the serial field ("0000...C350", as some tools write it) are
// accepted and kept; only the revoked line is formatted again.
func findLine(data []byte, path string, serial *big.Int) (out []byte, start, end int, err error) {
	if serial.Sign() < 0 {
		return data, -1, -1, nil
	}
	start, end = searchSerial(data, significantHex(serial))
	if start >= 0 && normalSerial(serialOf(data[start:end])) {
		return data, start, end, nil
	}
	// A serial spelt otherwise (lower case, odd length), or none: the
	// index is read whole, so a line openssl could not read is reported
	// rather than taken for "not found", and a line found is rewritten in
	// openssl's normal spelling with the others, as a batch revocation does.
	es, _, err := ParseIndex(data, path)
	if err != nil {
		return nil, 0, 0, err
	}
	i := findSerial(es, serial)
	if i < 0 {
		return data, -1, -1, nil
	}
	var b []byte
	for j, x := range es {
		if j == i {
			start = len(b)
		}
		b = append(b, x.Line()...)
		if j == i {
			end = len(b)
		}
	}
	return b, start, end, nil
}

// significantHex is serial in upper-case hex without leading zeros ("0"
// for zero): what every spelling of it in an index ends with.
func significantHex(serial *big.Int) string {
	return strings.ToUpper(serial.Text(16))
}

// searchSerial finds the first complete line whose serial field (the
// fourth) is digits, possibly after zeros, by searching for the digits
// followed by a tab; start is -1 when there is none.
func searchSerial(data []byte, digits string) (start, end int) {
	needle := []byte(digits + "\t")
	for from := 0; ; {
		i := bytes.Index(data[from:], needle)
		if i < 0 {
			return -1, -1
		}
		i += from
		from = i + 1
		f := i // the field's first byte, before any padding zeros
		for f > 0 && data[f-1] == '0' {
			f--
		}
		if f == 0 || data[f-1] != '\t' {
			continue // the digits end a longer number
		}
		ls := bytes.LastIndexByte(data[:f], '\n') + 1
		if bytes.Count(data[ls:f], []byte{'\t'}) != 3 {
			continue // another field (a file name, a subject)
		}
		nl := bytes.IndexByte(data[i:], '\n')
		if nl < 0 {
			return -1, -1 // a torn last line is not an entry
		}
		return ls, i + nl + 1
	}
}

// serialOf returns the fourth tab-separated field of an index line (nil
// when the line has fewer than five fields).
func serialOf(line []byte) []byte {
	f := line
	for k := 0; k < 3; k++ {
		i := bytes.IndexByte(f, '\t')
		if i < 0 {
			return nil
		}
		f = f[i+1:]
	}
	i := bytes.IndexByte(f, '\t')
	if i < 0 {
		return nil
	}
	return f[:i]
}

// normalSerial reports whether a serial field is in openssl's spelling:
// upper-case hex of even length (zeros in front are kept as they are).
func normalSerial(f []byte) bool {
	if len(f) == 0 || len(f)%2 == 1 {
		return false
	}
	for _, c := range f {
		if !('0' <= c && c <= '9' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

func findSerial(es []Entry, serial *big.Int) int {
	for i, e := range es {
		if e.Serial.Cmp(serial) == 0 {
			return i
		}
	}
	return -1
}

// locate finds the CA and serial of a target: a certificate name, an
// intermediate CA name, or CA/SERIAL (hex).
func (s *Store) locate(target string) (string, *big.Int, error) {
	if ca, hex, ok := strings.Cut(target, "/"); ok {
		if err := CheckName(ca); err != nil {
			return "", nil, err
		}
		n, ok := new(big.Int).SetString(hex, 16)
		if !ok {
			return "", nil, fmt.Errorf("%q: serial %q is not hexadecimal (expected CA/SERIAL)", target, hex)
		}
		if !exists(s.caDir(ca)) {
			return "", nil, &NotFoundError{"CA", ca}
		}
		return ca, n, nil
	}
	if err := CheckName(target); err != nil {
		return "", nil, err
	}
	var meta certMeta
	switch {
	case exists(s.certDir(target)):
		if err := readJSON(filepath.Join(s.certDir(target), "meta.json"), &meta); err != nil {
			return "", nil, err
		}
		if meta.CA == "" || meta.Serial == "" {
			return "", nil, fmt.Errorf("%s has no certificate from a store CA (pending CSR?)", target)
		}
		n, _ := new(big.Int).SetString(meta.Serial, 16)
		return meta.CA, n, nil
	case exists(s.caDir(target)):
		m, err := s.readCAMeta(target)
		if err != nil {
			return "", nil, err
		}
		if m.Parent == "" {
			return "", nil, fmt.Errorf("%s is a root CA: nobody above it can revoke it; remove it from the trust stores instead", target)
		}
		c, err := s.caCert(target)
		if err != nil {
			return "", nil, err
		}
		return m.Parent, c.SerialNumber, nil
	case exists(s.impDir(target)):
		return "", nil, s.importedNotRevocable(target)
	}
	return "", nil, &NotFoundError{"certificate", target}
}

var _ = pki.Reason(0)

// describeYear formats t, even when its year does not fit four digits.
func describeYear(t time.Time) string {
	if y := t.UTC().Year(); y < 0 || y > 9999 {
		return fmt.Sprintf("year %d", y)
	}
	return t.UTC().Format(time.RFC3339)
}

// importedNotRevocable says why an import cannot be revoked: its CA is not
// in the store, or it is (the certificate stayed in imported/ because its
// serial was taken in that CA's index, e.g. openssl's -set_serial 0).
func (s *Store) importedNotRevocable(target string) error {
	if certs, err := readCerts(filepath.Join(s.impDir(target), "cert.pem")); err == nil && len(certs) > 0 {
		if ca := s.issuerInStore(certs[0]); ca != "" {
			holder := "another certificate"
			if es, err := readIndex(filepath.Join(s.caDir(ca), "index.txt")); err == nil {
				if i := findSerial(es, certs[0].SerialNumber); i >= 0 {
					holder = fmt.Sprintf("%q", es[i].Name())
				}
			}
			return fmt.Errorf("%s was issued by the store CA %s, but its serial %s is already %s's in that CA's index (kept in imported/): a CRL revokes by serial, so revoking it means revoking %s",
				target, ca, pki.SerialHex(certs[0].SerialNumber), holder, holder)
		}
	}
	return fmt.Errorf("%s was imported from a CA that is not in the store: only its own CA can revoke it", target)
}
