package pki

import (
	"bytes"
	"math/big"
	"testing"
	"time"
)

// The direct entry encoder writes exactly what the general one writes.
func TestAppendEntryMatchesSlowPath(t *testing.T) {
	serials := []*big.Int{big.NewInt(0), big.NewInt(1), big.NewInt(0x7f), big.NewInt(0x80), big.NewInt(0xff), big.NewInt(0x100)}
	for _, bits := range []int{63, 64, 127, 128, 159, 160, 1000, 1008, 1016} {
		serials = append(serials, new(big.Int).Lsh(big.NewInt(1), uint(bits)), new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), uint(bits)), big.NewInt(1)))
	}
	times := []time.Time{
		time.Date(2026, 11, 22, 9, 37, 14, 0, time.UTC),
		time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2049, 12, 31, 23, 59, 59, 0, time.UTC),
		time.Date(2050, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1949, 12, 31, 23, 59, 59, 0, time.UTC),
		time.Date(2030, 6, 1, 12, 0, 0, 0, time.FixedZone("x", 5*3600+1800)),
	}
	for _, s := range serials {
		for _, tm := range times {
			for _, r := range []Reason{0, 1, 6, 10} {
				e := Revocation{Serial: s, Time: tm, Reason: r}
				if got, want := appendEntry([]byte{1}, e), appendEntrySlow([]byte{1}, e); !bytes.Equal(got, want) {
					t.Fatalf("serial %x, %s, reason %d:\n got %x\nwant %x", s, tm, r, got, want)
				}
			}
		}
	}
}
