package probe

import (
	"context"
	"testing"

	"github.com/pkibench/pkibench/pki/verify"
)

// unknown is the code for what pkibench cannot name: here a server identity
// without its private key. The verdict still says REJECT, who found it and
// the raw cause, never a silent pass.
func TestUnknownWhenNothingNamesTheCause(t *testing.T) {
	w := newWorld(t)
	srv := w.server
	srv.Key = nil
	r := Run(context.Background(), w.serverCfg(srv), w.clientCfg(ptr(w.client)), Options{At: w.now})
	if r.Verdict != Reject || r.Reason != verify.Unknown || r.Side != verify.SideLocal || r.Summary == "" {
		t.Errorf("got %s %s %s %q", r.Verdict, r.Reason, r.Side, r.Summary)
	}
}
