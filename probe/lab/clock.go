package lab

import (
	"time"

	"github.com/pkibench/pkibench/store"
)

// AdvanceDays is the store's now moved by whole calendar days: "advance
// 400 days" is AdvanceDays(st, 400). The CLI's `--at +400d` gives the same time.
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
