package inspect

import (
	"strconv"
)

// maxEntryFields is the number of CRL entries up to which each entry is a
// Field of its own (path crl.revoked.N, with a value such as "2A revoked
// Jun  1 12:00:00 2026 GMT (Key Compromise)"). Above it the entries are one
// Field, crl.revoked.entries, that holds no text at all: its lines are
// rendered from the entries' DER when they are written (Field.AllLines,
// WriteText). The text of 300,000 entries is 55 MB and its line index
// another 30 MB, for lines that are only ever printed once, in order.
const maxEntryFields = 10_000

// entryRenderer renders CRL entries (revokedCertificates) in openssl's
// layout. The entries of one CRL mostly share their revocation time and
// the encoding of their extensions (a reason code), so it renders each
// distinct one once.
type entryRenderer struct {
	lastTime     []byte
	lastTimeText string
	extCache     map[string]entryExts
	b            bio
}

// renderedEntry is what appendEntry says about the entry it appended.
type renderedEntry struct {
	serialAt, serialEnd int    // the serial's place in the text
	labelAt             int    // where "Serial Number: " starts
	timeText            string // the revocation date as printed
	reason              string // " (Key Compromise)" or ""
}

// appendEntry appends the lines of entry r, each ending in '\n', to dst.
// ok is false for an entry whose elements do not read; it prints nothing,
// as openssl's d2i would never have produced it.
func (er *entryRenderer) appendEntry(dst []byte, r tlv) (out []byte, e renderedEntry, ok bool) {
	var rp [3]tlv
	k := 0
	for rest := r.content; len(rest) > 0 && k < 3; k++ {
		var err error
		if rp[k], rest, err = readTLV(rest); err != nil {
			return dst, e, false
		}
	}
	if k < 2 {
		return dst, e, false
	}
	dst = append(dst, "    "...)
	e.labelAt = len(dst)
	dst = append(dst, "Serial Number: "...)
	e.serialAt = len(dst)
	dst = appendI2A(dst, rp[0].content)
	e.serialEnd = len(dst)
	if string(rp[1].full) != string(er.lastTime) {
		// What openssl's ASN1_TIME_print says of a time it cannot read.
		er.lastTime, er.lastTimeText = rp[1].full, "Bad time value"
		if t, err := parseTime(rp[1]); err == nil {
			er.lastTimeText = asn1TimeText(t)
		}
	}
	e.timeText = er.lastTimeText
	dst = append(dst, "\n        Revocation Date: "...)
	dst = append(dst, er.lastTimeText...)
	dst = append(dst, '\n')
	if k > 2 {
		x, ok := er.extCache[string(rp[2].full)]
		if !ok {
			x = renderEntryExts(&er.b, rp[2].content)
			if er.extCache == nil {
				er.extCache = map[string]entryExts{}
			}
			if len(er.extCache) < 1024 {
				er.extCache[string(rp[2].full)] = x
			}
		}
		dst = append(dst, x.text...)
		e.reason = x.value
	}
	return dst, e, true
}

// entryFields renders up to maxEntryFields CRL entries as one Field each.
// The text of all entries is one string and every line, label and value
// of every field a slice of it or of the values' string: a few
// allocations in all instead of a dozen per entry.
func entryFields(revokedDER []byte, count int) []Field {
	type span struct {
		lines, label, val [2]int
		index             int // in the DER, entries that do not read included
	}
	var er entryRenderer
	text := make([]byte, 0, len(revokedDER)*6)
	vals := make([]byte, 0, count*64)
	spans := make([]span, 0, count)
	// starts holds where every line begins: entry i's lines are
	// starts[spans[i].lines[0]:spans[i].lines[1]].
	starts := make([]int, 0, count*5)
	index := -1
	eachTLV(revokedDER, func(r tlv) {
		index++
		at := len(text)
		var e renderedEntry
		var ok bool
		if text, e, ok = er.appendEntry(text, r); !ok {
			return
		}
		sp := span{index: index}
		sp.label = [2]int{e.labelAt, e.serialEnd}
		sp.lines[0] = len(starts)
		starts = append(starts, at)
		for i := at; i < len(text)-1; i++ {
			if text[i] == '\n' {
				starts = append(starts, i+1)
			}
		}
		sp.lines[1] = len(starts)
		sp.val[0] = len(vals)
		vals = append(vals, text[e.serialAt:e.serialEnd]...)
		vals = append(vals, " revoked "...)
		vals = append(vals, e.timeText...)
		vals = append(vals, e.reason...)
		sp.val[1] = len(vals)
		spans = append(spans, sp)
	})
	ts, vs := string(text), string(vals)
	lines := make([]string, len(starts))
	for i, s := range starts {
		end := len(ts)
		if i+1 < len(starts) {
			end = starts[i+1]
		}
		lines[i] = ts[s : end-1]
	}
	out := make([]Field, 0, len(spans))
	var num [24]byte
	for _, sp := range spans {
		out = append(out, Field{Label: ts[sp.label[0]:sp.label[1]], Value: vs[sp.val[0]:sp.val[1]],
			Lines:    lines[sp.lines[0]:sp.lines[1]:sp.lines[1]],
			Severity: SeverityOK, Path: "crl.revoked." + string(strconv.AppendInt(num[:0], int64(sp.index), 10))})
	}
	return out
}

// entryExts is the printed form of one CRL entry's extensions and what
// they add to the entry's value (the reason).
type entryExts struct{ text, value string }

func renderEntryExts(b *bio, content []byte) entryExts {
	var r entryExts
	eexts, _ := parseExtensions(content)
	if len(eexts) == 0 {
		return r
	}
	b.Reset()
	b.WriteString("        CRL entry extensions:\n")
	for _, ex := range eexts {
		printExtension(b, ex, 12)
		if ex.oid == oidCRLReason {
			if t, err := single(ex.value, tagEnumerated); err == nil {
				r.value += " (" + reasonText(parseInteger(t.content)) + ")"
			}
		}
	}
	r.text = b.String()
	return r
}

// appendEntryLines appends the lines of every entry in revokedDER, each
// ending in '\n', to buf. When flush is not nil it is handed buf whenever
// buf holds at least at bytes, at an entry's end, and buf restarts empty:
// the entries of a big CRL then stream through one small buffer. At the
// end buf holds what was not flushed.
func appendEntryLines(buf, revokedDER []byte, flush func([]byte) error, at int) ([]byte, error) {
	var er entryRenderer
	var err error
	eachTLV(revokedDER, func(r tlv) {
		if err != nil {
			return
		}
		buf, _, _ = er.appendEntry(buf, r)
		if flush != nil && len(buf) >= at {
			err = flush(buf)
			buf = buf[:0]
		}
	})
	return buf, err
}

// flushAt is the size at which streamed text is handed to its writer.
const flushAt = 64 << 10
