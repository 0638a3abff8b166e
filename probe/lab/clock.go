package lab

import (
	"time"

	"github.com/pkibench/pkibench/store"
)

// Advance is the store's now moved by d: "advance 400 days" is
// Advance(st, 400*24*time.Hour). The CLI's `--at +400d` gives the same time.
func Advance(st *store.Store, d time.Duration) time.Time {
	return st.Now().Add(d)
}

// AdvanceDays is Advance by whole calendar days.
func AdvanceDays(st *store.Store, days int) time.Time {
	return st.Now().AddDate(0, 0, days)
}

// PastNextUpdate is the first moment the CA's latest CRL is stale: one
// second after its nextUpdate ("jump to the CRL's nextUpdate"). A server
// that checks CRLs locks every client of that CA out from then on.
func PastNextUpdate(st *store.Store, ca string) (time.Time, error) {
	crl, err := st.CRL(ca)
	if err != nil {
		return time.Time{}, err
	}
	return crl.NextUpdate.Add(time.Second), nil
}
