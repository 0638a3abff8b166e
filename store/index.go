package store

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"math/big"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/pkibench/pkibench/pki"
)

// Status is a certificate's state as index.txt records it.
type Status string

const (
	StatusValid   Status = "valid"
	StatusRevoked Status = "revoked"
	StatusExpired Status = "expired"
)

// Entry is one line of openssl's index.txt:
// status, expiry, revocation[,reason], serial (hex), file name, subject.
// pkibench puts the store path of the certificate ("certs/NAME", "cas/NAME")
// in the file name column, which openssl ignores ("unknown").
type Entry struct {
	Flag      byte // 'V', 'R' or 'E'
	NotAfter  time.Time
	RevokedAt time.Time
	Reason    pki.Reason
	HasReason bool
	Serial    *big.Int
	File      string
	Subject   string
	// hex is the serial as read from the line, when it is already in
	// index form (saves formatting 100,000 big.Ints when listing).
	hex string
}

// Name is the store name in the file column ("certs/web" -> "web").
func (e Entry) Name() string {
	if i := strings.LastIndexByte(e.File, '/'); i >= 0 {
		return e.File[i+1:]
	}
	if e.File == "unknown" {
		return ""
	}
	return e.File
}

// SerialHex is the serial as index.txt spells it.
func (e Entry) SerialHex() string {
	if e.hex != "" {
		return e.hex
	}
	return pki.SerialHex(e.Serial)
}

// Status is the entry's state at time now.
func (e Entry) Status(now time.Time) Status {
	switch {
	case e.Flag == 'R':
		return StatusRevoked
	case e.Flag == 'E' || now.After(e.NotAfter):
		return StatusExpired
	}
	return StatusValid
}

// asn1Time is openssl's index time: UTCTime before 2050, GeneralizedTime after.
func asn1Time(t time.Time) string {
	t = t.UTC()
	if t.Year() >= 1950 && t.Year() < 2050 {
		return t.Format("060102150405Z")
	}
	return t.Format("20060102150405Z")
}

func parseASN1Time(s string) (time.Time, error) {
	if t, ok := fastUTCTime(s); ok {
		return t, nil
	}
	switch len(s) {
	case 13:
		t, err := time.Parse("060102150405Z", s)
		if err != nil {
			return t, err
		}
		if t.Year() >= 2050 {
			t = t.AddDate(-100, 0, 0)
		}
		return t, nil
	case 15:
		return time.Parse("20060102150405Z", s)
	}
	return time.Time{}, fmt.Errorf("time %q is neither YYMMDDHHMMSSZ nor YYYYMMDDHHMMSSZ", s)
}

// Line formats e as one index.txt line, with its newline.
func (e Entry) Line() string {
	rev := ""
	if e.Flag == 'R' {
		rev = asn1Time(e.RevokedAt)
		if e.HasReason {
			rev += "," + e.Reason.String()
		}
	}
	file := e.File
	if file == "" {
		file = "unknown"
	}
	// Escaped as openssl ca escapes them: a tab or newline in a subject
	// would otherwise forge fields or whole lines of the index.
	return fmt.Sprintf("%c\t%s\t%s\t%s\t%s\t%s\n", e.Flag, asn1Time(e.NotAfter), rev, e.SerialHex(),
		escapeField(file), escapeField(e.Subject))
}

// escapeField writes C0 controls and DEL as \xHH, as openssl does. New
// entries are escaped fully by indexSubject (every byte outside printable
// ASCII, exactly openssl's X509_NAME_oneline); this guard keeps any Entry,
// however made, to one line of six fields, and leaves the UTF-8 an older
// index may hold as it was.
func escapeField(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			var b strings.Builder
			for j := 0; j < len(s); j++ {
				if c := s[j]; c < 0x20 || c == 0x7f {
					fmt.Fprintf(&b, `\x%02X`, c)
				} else {
					b.WriteByte(c)
				}
			}
			return b.String()
		}
	}
	return s
}

// IndexError names the index file and line that is not openssl's format.
type IndexError struct {
	File   string
	Line   int
	Reason string
}

func (e *IndexError) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Reason) }

// ParseIndex reads index.txt bytes. A last line without a newline is a write
// torn by a crash: it is reported in torn and otherwise ignored, so the entry
// it would have named never happened.
func ParseIndex(data []byte, file string) (entries []Entry, torn bool, err error) {
	entries = make([]Entry, 0, bytes.Count(data, []byte{'\n'}))
	torn, err = eachIndexEntry(data, file, func(e Entry) { entries = append(entries, e) })
	if err != nil {
		return nil, torn, err
	}
	return entries, torn, nil
}

// eachIndexEntry is ParseIndex handing each entry to fn instead of
// collecting them, for readers of 100,000 lines that keep something smaller
// than an Entry (list). fn may have been called when an error is returned.
func eachIndexEntry(data []byte, file string, fn func(Entry)) (torn bool, err error) {
	return scanIndex(data, file, false, fn)
}

// eachIndexRow is eachIndexEntry for readers that only need the serial as
// index.txt spells it (Entry.SerialHex): an entry whose serial is already in
// the canonical spelling gets no *big.Int (Entry.Serial is nil), which was a
// fifth of listing 100,000 lines. The serial is still checked to be hex.
func eachIndexRow(data []byte, file string, fn func(Entry)) (torn bool, err error) {
	return scanIndex(data, file, true, fn)
}

func scanIndex(data []byte, file string, hexOnly bool, fn func(Entry)) (torn bool, err error) {
	if n := len(data); n > 0 && data[n-1] != '\n' {
		torn = true
		data = data[:bytes.LastIndexByte(data, '\n')+1]
	}
	// One string for the whole index: every field is a slice of it, so a
	// line costs no allocation of its own (100,000 lines are listed often).
	text := string(data)
	for ln := 1; text != ""; ln++ {
		i := strings.IndexByte(text, '\n') // data ends with a newline here
		line := strings.TrimSuffix(text[:i], "\r")
		text = text[i+1:]
		if line == "" {
			continue
		}
		if len(line) > maxIndexLine {
			return torn, &IndexError{File: file, Line: ln, Reason: fmt.Sprintf("line longer than %d bytes", maxIndexLine)}
		}
		e, perr := parseIndexLineAs(line, hexOnly)
		if perr != nil {
			return torn, &IndexError{File: file, Line: ln, Reason: perr.Error()}
		}
		fn(e)
	}
	return torn, nil
}

// maxIndexLine bounds one index line, as the line scanner used to.
const maxIndexLine = 1 << 20

func parseIndexLine(line string) (Entry, error) { return parseIndexLineAs(line, false) }

func parseIndexLineAs(line string, hexOnly bool) (Entry, error) {
	var f [6]string
	rest := line
	for k := 0; k < 5; k++ {
		i := strings.IndexByte(rest, '\t')
		if i < 0 {
			return Entry{}, fmt.Errorf("expected 6 tab-separated fields (status, expiry, revocation, serial, file, subject), found %d", k+1)
		}
		f[k], rest = rest[:i], rest[i+1:]
	}
	if strings.IndexByte(rest, '\t') >= 0 {
		return Entry{}, fmt.Errorf("expected 6 tab-separated fields (status, expiry, revocation, serial, file, subject), found %d", strings.Count(line, "\t")+1)
	}
	f[5] = rest
	var e Entry
	if len(f[0]) != 1 || !strings.Contains("VRE", f[0]) {
		return Entry{}, fmt.Errorf("status %q is not V, R or E", f[0])
	}
	e.Flag = f[0][0]
	var err error
	if e.NotAfter, err = parseASN1Time(f[1]); err != nil {
		return Entry{}, fmt.Errorf("expiry: %w", err)
	}
	if e.Flag == 'R' {
		t, reason, hasReason := strings.Cut(f[2], ",")
		if e.RevokedAt, err = parseASN1Time(t); err != nil {
			return Entry{}, fmt.Errorf("revocation time: %w", err)
		}
		if hasReason {
			r, err := pki.ParseReason(reason)
			if err != nil {
				return Entry{}, err
			}
			e.Reason, e.HasReason = r, true
		}
	} else if f[2] != "" {
		return Entry{}, fmt.Errorf("revocation field must be empty for status %c", e.Flag)
	}
	canonical := len(f[3])%2 == 0 && strings.ToUpper(f[3]) == f[3]
	if hexOnly && canonical && isHex(f[3]) {
		e.hex = f[3]
	} else {
		s, ok := parseHexSerial(f[3])
		if !ok {
			return Entry{}, fmt.Errorf("serial %q is not hexadecimal", f[3])
		}
		e.Serial = s
		if canonical {
			e.hex = f[3]
		}
	}
	// A raw control character (a hand-edited index) is read escaped, so
	// nothing shows it raw and the entry formats back to the same line.
	e.File, e.Subject = escapeField(f[4]), escapeField(f[5])
	return e, nil
}

// readIndex reads a CA's index.txt; a missing file is an empty index.
func readIndex(path string) ([]Entry, error) {
	b, err := readIndexFile(path)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	es, _, err := ParseIndex(b, path)
	return es, err
}

// maxIndexSize bounds the index a reader takes whole into memory: 14
// million lines of openssl's format. A larger one (a sparse file costs its
// maker nothing) is an error, not a buffer of its size.
const maxIndexSize = 1 << 30

// readIndexFile reads an index.txt, which must be a regular file (a link
// to one is followed, as before). Anything else planted there in a store
// handed over by someone else is an error naming it: a FIFO would block
// the reader until a writer came, a link to /dev/zero would never end.
func readIndexFile(path string) ([]byte, error) {
	return readPlainFile(path, 0, maxIndexSize, "; expected openssl's index, a text file")
}

// readPlainFile is the one reader of the store's files that others may
// have planted: it opens without blocking (a FIFO), refuses what is not a
// regular file (naming what it is, then expect) and a file over limit
// bytes (errTooLarge), and reads the rest in a buffer of its size. flag
// adds to the open flags (O_NOFOLLOW where a link is not followed).
func readPlainFile(path string, flag int, limit int64, expect string) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK|flag, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file (%s)%s", path, fileKind(fi.Mode()), expect)
	}
	if fi.Size() > limit {
		return nil, fmt.Errorf("%s: %d bytes, %w (at most %d)", path, fi.Size(), errTooLarge, limit)
	}
	return readSized(f, fi.Size())
}

// fileKind names what a non-regular file is, for an error.
func fileKind(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a folder"
	case m&os.ModeNamedPipe != 0:
		return "a FIFO"
	case m&os.ModeCharDevice != 0:
		return "a character device"
	case m&os.ModeDevice != 0:
		return "a block device"
	case m&os.ModeSocket != 0:
		return "a socket"
	}
	return m.Type().String()
}

// appendIndex appends lines to index.txt and syncs it. A crash mid-append
// leaves a torn last line, which ParseIndex ignores and check --repair cuts.
func appendIndex(path string, es []Entry) error {
	var b strings.Builder
	for _, e := range es {
		b.WriteString(e.Line())
	}
	if fi, err := os.Lstat(path); err == nil && !fi.Mode().IsRegular() {
		// A planted link would make the append write outside the store.
		return fmt.Errorf("%s is not a regular file (a symbolic link?); refusing to write through it", path)
	}
	if err := cutTornTail(path); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE|syscall.O_NOFOLLOW, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(b.String()); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// cutTornTail removes a last line without its newline, left by a crash.
// It reads one byte in the common case, so appends stay O(1) in index size.
func cutTornTail(path string) error {
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	st, err := f.Stat()
	if err != nil || st.Size() == 0 {
		f.Close()
		return err
	}
	last := make([]byte, 1)
	_, err = f.ReadAt(last, st.Size()-1)
	f.Close()
	if err != nil || last[0] == '\n' {
		return err
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return os.Truncate(path, int64(bytes.LastIndexByte(b, '\n')+1))
}

// fastUTCTime parses YYMMDDHHMMSSZ without time.Parse's generality; listing
// 100,000 index lines spends most of its time here otherwise.
func fastUTCTime(s string) (time.Time, bool) {
	if len(s) != 13 || s[12] != 'Z' {
		return time.Time{}, false
	}
	var v [6]int
	for i := 0; i < 6; i++ {
		a, b := s[2*i], s[2*i+1]
		if a < '0' || a > '9' || b < '0' || b > '9' {
			return time.Time{}, false
		}
		v[i] = int(a-'0')*10 + int(b-'0')
	}
	year := 2000 + v[0]
	if v[0] >= 50 {
		year = 1900 + v[0]
	}
	if v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31 || v[3] > 23 || v[4] > 59 || v[5] > 59 {
		return time.Time{}, false
	}
	t := time.Date(year, time.Month(v[1]), v[2], v[3], v[4], v[5], 0, time.UTC)
	if t.Day() != v[2] {
		return time.Time{}, false // e.g. Feb 30
	}
	return t, true
}

// parseHexSerial reads an index serial; hex.Decode + SetBytes is several
// times faster than big.Int's generic scanner on 100,000 lines.
func parseHexSerial(h string) (*big.Int, bool) {
	if h == "" {
		return nil, false
	}
	if len(h)%2 == 1 {
		h = "0" + h
	}
	var buf [64]byte // serials are at most 20 bytes; longer ones take the slow path
	if len(h)/2 > len(buf) {
		b, err := hex.DecodeString(h)
		if err != nil {
			return nil, false
		}
		return new(big.Int).SetBytes(b), true
	}
	for i := 0; i < len(h); i += 2 {
		hi, ok1 := unhex(h[i])
		lo, ok2 := unhex(h[i+1])
		if !ok1 || !ok2 {
			return nil, false
		}
		buf[i/2] = hi<<4 | lo
	}
	return new(big.Int).SetBytes(buf[:len(h)/2]), true
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// isHex reports a non-empty string of hexadecimal digits, as parseHexSerial
// accepts them.
func isHex(h string) bool {
	for i := 0; i < len(h); i++ {
		if _, ok := unhex(h[i]); !ok {
			return false
		}
	}
	return h != ""
}
