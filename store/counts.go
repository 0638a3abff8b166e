package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"time"

	"github.com/pkibench/pkibench/pki"
	"github.com/pkibench/pkibench/store/layout"
)

// index.counts (layout.IndexCounts) sits beside index.txt and summarises it
// for `ca list`, which would otherwise parse every CA's whole index to count
// its VALID, REVOKED and EXPIRED lines. index.txt stays the only truth
// (openssl ca reads and rewrites it too); the summary is derived from it,
// records which index it was made from (size, modification and change
// times in nanoseconds, inode) and carries a checksum of itself. A reader
// uses it only when all of that matches the index as it is now; otherwise
// (missing, torn, damaged, or an index changed behind pkibench's back) it
// counts the index, which is always right. `check` compares it with a
// recount and `check --repair` rewrites it.
//
// EXPIRED depends on the clock, so the summary holds no "valid" count but
// the expiry time of every V line (seconds, as varint deltas in index
// order, a byte or two each), from which VALID and EXPIRED are counted
// exactly for any "now". Appending index lines appends to that sequence
// without decoding it, so an issue into a CA of 100,000 costs a copy of a
// few hundred kilobytes, not a parse of the index.
//
// Layout (integers little-endian):
//
//	countsMagic
//	size, mtime, ctime int64; inode uint64      the index summarised
//	revoked, expired, valid uint64              R lines, E lines, V lines
//	last int64                                  the last expiry of the sequence
//	body length uint64, body                    V expiries, zigzag varint deltas
//	CRC-32C uint32 of everything before it
const countsMagic = "pkibench index counts 1\n"

const countsHeader = len(countsMagic) + 9*8

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// indexID identifies one version of an index file: any write to it changes
// its change time (which no user can set back, unlike the modification
// time), an atomic rewrite changes its inode too.
type indexID struct {
	size, mtime, ctime int64
	ino                uint64
}

// statIndex identifies the index at path; ok is false when it is missing
// or not a regular file (then no summary applies).
func statIndex(path string) (indexID, bool) {
	fi, err := os.Lstat(path)
	if err != nil {
		return indexID{}, false
	}
	return fileID(fi)
}

// fileID identifies the regular file fi describes.
func fileID(fi os.FileInfo) (indexID, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok || !fi.Mode().IsRegular() {
		return indexID{}, false
	}
	return indexID{size: st.Size, mtime: st.Mtim.Nano(), ctime: st.Ctim.Nano(), ino: st.Ino}, true
}

// indexCounts is the decoded summary.
type indexCounts struct {
	id               indexID
	revoked, expired int64 // R and E lines
	valid            int64 // V lines: the number of expiries in body
	last             int64 // the last expiry of body (the base of the next delta)
	body             []byte
}

// countsOf summarises parsed index lines.
func countsOf(es []Entry) indexCounts {
	var c indexCounts
	c.add(es)
	return c
}

// add counts new lines: a V line's expiry joins the end of the sequence.
func (c *indexCounts) add(es []Entry) {
	for _, e := range es {
		switch e.Flag {
		case 'R':
			c.revoked++
		case 'E':
			c.expired++
		default:
			t := e.NotAfter.Unix()
			c.body = binary.AppendVarint(c.body, t-c.last)
			c.last = t
			c.valid++
		}
	}
}

// expiries decodes the V lines' expiry times; it fails when the body does
// not hold exactly valid of them ending at last.
func (c indexCounts) expiries() ([]int64, error) {
	out := make([]int64, 0, c.valid)
	var v int64
	for b := c.body; len(b) > 0; {
		d, n := binary.Varint(b)
		if n <= 0 {
			return nil, errors.New("a bad number in the expiry times")
		}
		v += d
		out = append(out, v)
		b = b[n:]
	}
	if int64(len(out)) != c.valid || v != c.last {
		return nil, fmt.Errorf("%d expiry times for %d valid lines", len(out), c.valid)
	}
	return out, nil
}

// remove takes lines out (a revocation replaces a line: the old one is
// removed, the new one added); a V line takes one equal expiry out of the
// sequence. It fails when a line it removes is not counted.
func (c *indexCounts) remove(es []Entry) error {
	var drop []int64
	for _, e := range es {
		switch e.Flag {
		case 'R':
			c.revoked--
		case 'E':
			c.expired--
		default:
			drop = append(drop, e.NotAfter.Unix())
		}
	}
	if c.revoked < 0 || c.expired < 0 {
		return errors.New("removes lines that were not counted")
	}
	if len(drop) == 0 {
		return nil
	}
	ts, err := c.expiries()
	if err != nil {
		return err
	}
	// One pass whatever the number of lines removed (a batch revoke of
	// 20,000 searched the list once per line): the first occurrences of
	// each dropped expiry go, as many as are dropped.
	want := make(map[int64]int, len(drop))
	for _, d := range drop {
		want[d]++
	}
	c.body, c.last, c.valid = c.body[:0], 0, 0
	for _, t := range ts {
		if want[t] > 0 {
			want[t]--
			continue
		}
		c.body = binary.AppendVarint(c.body, t-c.last)
		c.last = t
		c.valid++
	}
	for _, n := range want {
		if n > 0 {
			return errors.New("removes an expiry that was not counted")
		}
	}
	return nil
}

// at counts the lines' states at now, as Entry.Status does.
func (c indexCounts) at(now time.Time) (valid, revoked, expired int, err error) {
	sec, frac := now.Unix(), now.Nanosecond() > 0
	var v int64
	n := 0
	for b := c.body; len(b) > 0; n++ {
		d, k := binary.Varint(b)
		if k <= 0 {
			return 0, 0, 0, errors.New("a bad number in the expiry times")
		}
		v += d
		b = b[k:]
		// now.After(v): v is whole seconds.
		if v < sec || v == sec && frac {
			expired++
		} else {
			valid++
		}
	}
	if int64(n) != c.valid || v != c.last {
		return 0, 0, 0, fmt.Errorf("%d expiry times for %d valid lines", n, c.valid)
	}
	return valid, int(c.revoked), int(c.expired) + expired, nil
}

// same reports whether c and o count the same lines (in any order).
func (c indexCounts) same(o indexCounts) bool {
	if c.revoked != o.revoked || c.expired != o.expired || c.valid != o.valid {
		return false
	}
	a, err1 := c.expiries()
	b, err2 := o.expiries()
	if err1 != nil || err2 != nil {
		return false
	}
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func (c indexCounts) encode() []byte {
	b := make([]byte, 0, countsHeader+len(c.body)+4)
	b = append(b, countsMagic...)
	for _, v := range []uint64{uint64(c.id.size), uint64(c.id.mtime), uint64(c.id.ctime), c.id.ino,
		uint64(c.revoked), uint64(c.expired), uint64(c.valid), uint64(c.last), uint64(len(c.body))} {
		b = binary.LittleEndian.AppendUint64(b, v)
	}
	b = append(b, c.body...)
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
}

// errCountsDamaged is a summary that is torn or not what pkibench writes.
var errCountsDamaged = errors.New("torn or damaged (its checksum or length does not match)")

// errCountsImpossible is a summary whose checksum matches but whose counts
// no index of the size it names could hold: made by hand, not by pkibench.
var errCountsImpossible = errors.New("not what pkibench writes (its counts are more lines than the index it names could hold)")

// minIndexLineLen is the fewest bytes an index line that counts can take:
// a status, five tabs, a serial digit and the newline (the expiry takes
// more; this bound only needs to be safe).
const minIndexLineLen = 8

// maxCountsSize is the largest summary of an index of indexSize bytes:
// the header, the checksum and at most one varint (10 bytes) per line.
func maxCountsSize(indexSize int64) int64 {
	return int64(countsHeader) + 4 + 10*(indexSize/minIndexLineLen+1)
}

func decodeCounts(b []byte) (indexCounts, error) {
	if len(b) < countsHeader+4 || string(b[:len(countsMagic)]) != countsMagic {
		return indexCounts{}, errCountsDamaged
	}
	body, sum := b[:len(b)-4], binary.LittleEndian.Uint32(b[len(b)-4:])
	if crc32.Checksum(body, castagnoli) != sum {
		return indexCounts{}, errCountsDamaged
	}
	var f [9]int64
	for i := range f {
		f[i] = int64(binary.LittleEndian.Uint64(b[len(countsMagic)+8*i:]))
	}
	if f[8] != int64(len(body)-countsHeader) || f[4] < 0 || f[5] < 0 || f[6] < 0 {
		return indexCounts{}, errCountsDamaged
	}
	// The checksum proves nothing against a hand-made file (anyone can
	// compute it), so the counts must at least be possible: a V line's
	// expiry is one varint of a byte or more, and the index it names
	// cannot hold more lines than its size allows. Without this a forged
	// count would be shown by `ca list` as it stands, and decoding the
	// expiries would size a slice by it (gigabytes, or a crash).
	if f[6] > f[8] || f[0] < 0 || f[4] > f[0]/minIndexLineLen || f[5] > f[0]/minIndexLineLen || f[6] > f[0]/minIndexLineLen ||
		f[4]+f[5]+f[6] > f[0]/minIndexLineLen {
		return indexCounts{}, errCountsImpossible
	}
	return indexCounts{id: indexID{size: f[0], mtime: f[1], ctime: f[2], ino: uint64(f[3])},
		revoked: f[4], expired: f[5], valid: f[6], last: f[7], body: body[countsHeader:]}, nil
}

// countsState says why a summary cannot be used.
type countsState int

const (
	countsFresh   countsState = iota // matches the index as it is
	countsMissing                    // no summary (or no index)
	countsStale                      // made from another version of the index
	countsDamaged                    // torn, or not what pkibench writes
)

// readCounts reads CA folder dir's summary and says whether it describes
// the index as it is now. The index is identified before the summary is
// read, so a write landing in between makes the summary look stale (its
// identity is the newer one), never fresh with older counts.
func readCounts(dir string) (indexCounts, countsState) {
	c, _, st, _ := readCountsRaw(dir)
	return c, st
}

// readCountsRaw is readCounts with the summary's bytes as read and, for a
// damaged one, what is wrong with it.
func readCountsRaw(dir string) (indexCounts, []byte, countsState, error) {
	id, ok := statIndex(filepath.Join(dir, layout.Index))
	if !ok {
		return indexCounts{}, nil, countsMissing, nil
	}
	b, err := readRegular(filepath.Join(dir, layout.IndexCounts), maxCountsSize(id.size))
	if errors.Is(err, errTooLarge) {
		return indexCounts{}, nil, countsDamaged, err
	}
	if err != nil {
		return indexCounts{}, nil, countsMissing, err
	}
	c, err := decodeCounts(b)
	if err != nil {
		return indexCounts{}, b, countsDamaged, err
	}
	if c.id != id {
		return c, b, countsStale, nil
	}
	return c, b, countsFresh, nil
}

// errTooLarge is a file larger than what it holds can be.
var errTooLarge = errors.New("larger than it can be")

// readRegular reads a plain file of at most limit bytes; anything else
// planted there (a link, a FIFO that would block `ca list`) is not read,
// nor is a larger file (a sparse file of a terabyte costs its maker
// nothing, and a buffer of its size would end the reader).
func readRegular(path string, limit int64) ([]byte, error) {
	return readPlainFile(path, syscall.O_NOFOLLOW, limit, "")
}

// The summary is never synced, on purpose: one lost or torn by a crash is
// detected (its checksum, its length, or the index it names) and the index
// is counted instead, so an fsync would buy nothing but time on every
// write. The index and the journal keep their own durability rules; the
// summary is written only after the index change it describes is durable,
// so a summary that survives a crash never describes an index that did not.

// writeCounts replaces dir's summary whole (temporary file, rename).
func writeCounts(dir string, c indexCounts) error {
	f, err := os.CreateTemp(dir, ".tmp-"+layout.IndexCounts+"-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(c.encode())
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, 0o644)
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(dir, layout.IndexCounts))
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}

// updateCounts rewrites dir's summary, whose current bytes are old, in
// place: the header, then only the bytes from the first one that differs
// (after an append, the new expiries and the checksum): rewriting the
// summary of a CA of 100,000 through a new file on every issue cost three
// times as much (BenchmarkCountsRefresh), mostly the file system's work for
// a rename over an existing file. A reader that meets
// the file half written sees a length or checksum that does not match and
// counts the index. A summary that is not a plain file of one link is
// replaced whole instead, never written through.
func updateCounts(dir string, old []byte, c indexCounts) error {
	b := c.encode()
	f, err := os.OpenFile(filepath.Join(dir, layout.IndexCounts), os.O_WRONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if err != nil {
		return writeCounts(dir, c)
	}
	defer f.Close()
	var st syscall.Stat_t
	if err := syscall.Fstat(int(f.Fd()), &st); err != nil || st.Nlink != 1 || st.Mode&syscall.S_IFMT != syscall.S_IFREG || len(old) < countsHeader {
		f.Close()
		return writeCounts(dir, c)
	}
	same, n := countsHeader, min(len(old), len(b))
	for same+4096 <= n && bytes.Equal(old[same:same+4096], b[same:same+4096]) {
		same += 4096
	}
	for same < n && old[same] == b[same] {
		same++
	}
	if _, err := f.WriteAt(b[:countsHeader], 0); err != nil {
		return err
	}
	if _, err := f.WriteAt(b[same:], int64(same)); err != nil {
		return err
	}
	if len(b) < len(old) {
		return f.Truncate(int64(len(b)))
	}
	return nil
}

// countsDelta is what one write did to an index: the lines it added and
// the lines it removed (a revocation removes a V line and adds its R line).
type countsDelta struct {
	add, remove []Entry
	// unknown says the change could not be described line by line: the
	// index is counted anew.
	unknown bool
}

// refreshCounts brings CA folder dir's summary up to date after a write
// that changed its index (already durable) by d; before is the index's
// identity just before that write. When the summary described that index,
// d is applied to it (an append costs no parse); otherwise the index is
// counted anew. It runs under the store lock. Failing to write the summary
// is not the write's failure: readers notice the stale summary and count
// the index, and `check` reports it.
func (s *Store) refreshCounts(dir string, before indexID, d countsDelta) {
	after, ok := statIndex(filepath.Join(dir, layout.Index))
	if !ok {
		return
	}
	if c, old, st, _ := readCountsRaw(dir); (st == countsStale || st == countsFresh) && c.id == before && before != (indexID{}) && !d.unknown {
		// c.body is a view of old: the new summary is built in a copy.
		c.body = append(make([]byte, 0, len(c.body)+16*len(d.add)), c.body...)
		if c.remove(d.remove) == nil {
			c.add(d.add)
			c.id = after
			updateCounts(dir, old, c)
			return
		}
	}
	s.rebuildCounts(dir)
}

// rebuildCounts counts dir's index and writes its summary (a new CA, a
// summary that no longer described the index, check --repair). The index
// is identified before it is read: should it change in between, the
// summary names the older version and is never used.
func (s *Store) rebuildCounts(dir string) error {
	id, ok := statIndex(filepath.Join(dir, layout.Index))
	if !ok {
		return fmt.Errorf("%s is missing or not a regular file", filepath.Join(dir, layout.Index))
	}
	es, err := readIndex(filepath.Join(dir, layout.Index))
	if err != nil {
		return err
	}
	c := countsOf(es)
	c.id = id
	return writeCounts(dir, c)
}

// countCA counts CA name's index lines by state at now: from its summary
// when it describes the index as it is, by reading the index otherwise.
func (s *Store) countCA(name string, now time.Time) (valid, revoked, expired int, err error) {
	dir := s.caDir(name)
	if c, st := readCounts(dir); st == countsFresh {
		if v, r, e, err := c.at(now); err == nil {
			return v, r, e, nil
		}
	}
	if s.recountHook != nil {
		s.recountHook(name)
	}
	es, err := readIndex(filepath.Join(dir, layout.Index))
	if err != nil {
		return 0, 0, 0, err
	}
	for _, e := range es {
		switch e.Status(now) {
		case StatusValid:
			valid++
		case StatusRevoked:
			revoked++
		case StatusExpired:
			expired++
		}
	}
	return valid, revoked, expired, nil
}

// editsDelta is what replacing the lines of ix at the starts in edits does
// to the counts.
func editsDelta(ix lineIndex, edits map[int]*Entry) countsDelta {
	var d countsDelta
	for start, e := range edits {
		end := bytes.IndexByte(ix.data[start:], '\n')
		if end < 0 {
			return countsDelta{unknown: true}
		}
		old, err := parseIndexLine(string(lineText(ix.data[start : start+end])))
		if err != nil {
			return countsDelta{unknown: true}
		}
		d.remove = append(d.remove, old)
		d.add = append(d.add, *e)
	}
	return d
}

// counts compares CA name's summary with the lines check counted
// (es) and rewrites it when repairing.
func (c *checker) counts(name string, es []Entry) {
	dir := c.s.caDir(name)
	p := filepath.Join(dir, layout.IndexCounts)
	sum, _, st, why := readCountsRaw(dir)
	var pr *Problem
	switch st {
	case countsFresh:
		if sum.same(countsOf(es)) {
			return
		}
		pr = c.add("problem", p, "the counts summary claims to describe index.txt but disagrees with it (forged or edited by hand?): `ca list` would show wrong counts")
	case countsMissing:
		if !exists(filepath.Join(dir, layout.Index)) {
			return
		}
		if why != nil && !errors.Is(why, os.ErrNotExist) {
			// Something else is there: a folder, a FIFO, a link.
			pr = c.add("warning", p, "the counts summary cannot be read (%v; expected a regular file): `ca list` counts the whole index instead", why)
			pr.Fix = &pki.Fix{Kind: pki.FixRepair, Say: "remove it; check --repair then writes the summary from index.txt"}
			return
		}
		pr = c.add("warning", p, "no counts summary: `ca list` counts the whole index instead")
	case countsStale:
		pr = c.add("warning", p, "the counts summary describes an older index.txt (changed since, e.g. by openssl ca): `ca list` counts the whole index instead")
	case countsDamaged:
		pr = c.add("warning", p, "the counts summary is %v: `ca list` counts the whole index instead", countsWhy(why))
	}
	pr.Fix = &pki.Fix{Kind: pki.FixRepair, Say: "rewrite the counts summary from index.txt"}
	if c.repair {
		if err := c.s.rebuildCounts(dir); err != nil {
			pr.Message += fmt.Sprintf(" (not repaired: %v)", err)
			return
		}
		c.fixed(pr, "rewritten from index.txt")
	}
}

// countsWhy words what is wrong with a damaged summary.
func countsWhy(err error) string {
	if errors.Is(err, errTooLarge) {
		// readRegular's error names the file, its size and the limit.
		return "larger than any summary of its index.txt (" + err.Error() + ")"
	}
	if err != nil {
		return err.Error()
	}
	return errCountsDamaged.Error()
}
