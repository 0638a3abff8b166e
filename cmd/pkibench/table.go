package main

import (
	"io"
	"time"
	"unicode/utf8"
)

// table lays out rows the way text/tabwriter does with minwidth 0, padding
// 2, padchar ' ' and no flags (every cell but the last of a row padded to
// its column's widest cell, counted in runes, plus two spaces), in two
// passes over the cells instead of tabwriter's per-cell bookkeeping: `list`
// prints 100,000 rows, and tabwriter and fmt were a third of its time.
type table struct {
	rows  [][]string
	width []int
}

func (t *table) add(cells ...string) {
	for i, c := range cells[:len(cells)-1] {
		if i == len(t.width) {
			t.width = append(t.width, 0)
		}
		if n := utf8.RuneCountInString(c); n > t.width[i] {
			t.width[i] = n
		}
	}
	t.rows = append(t.rows, cells)
}

// writeTo writes the table in chunks of about 64 KiB.
func (t *table) writeTo(w io.Writer) error {
	const pad = "                                                                "
	var b []byte
	for _, r := range t.rows {
		last := len(r) - 1
		for i, c := range r[:last] {
			b = append(b, c...)
			for n := t.width[i] + 2 - utf8.RuneCountInString(c); n > 0; {
				k := min(n, len(pad))
				b = append(b, pad[:k]...)
				n -= k
			}
		}
		b = append(append(b, r[last]...), '\n')
		if len(b) >= 64<<10 {
			if _, err := w.Write(b); err != nil {
				return err
			}
			b = b[:0]
		}
	}
	_, err := w.Write(b)
	return err
}

// minuteUTC is dateOf (2006-01-02 15:04Z) without time.Format's layout
// interpretation, for 100,000 rows.
func minuteUTC(t time.Time) string {
	t = t.UTC()
	y, mo, d := t.Date()
	if y < 0 || y > 9999 {
		return dateOf(t)
	}
	h, mi := t.Hour(), t.Minute()
	b := []byte{byte('0' + y/1000), byte('0' + y/100%10), byte('0' + y/10%10), byte('0' + y%10), '-',
		byte('0' + int(mo)/10), byte('0' + int(mo)%10), '-', byte('0' + d/10), byte('0' + d%10), ' ',
		byte('0' + h/10), byte('0' + h%10), ':', byte('0' + mi/10), byte('0' + mi%10), 'Z'}
	return string(b)
}
