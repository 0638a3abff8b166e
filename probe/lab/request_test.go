package lab

import (
	"context"
	"errors"
	"testing"

	"github.com/pkibench/pkibench/probe"
)

// TestScenarioRequest: every scenario either names its staging as a store
// request that, resolved and run, gives the scenario's expected reason and
// side, or says why it cannot (ErrNotInStore). The seeds' ACCEPT (seeds-mail-accepted) and at
// least one REJECT must be openable: that is what lets the probe form
// change one field and watch the verdict flip.
func TestScenarioRequest(t *testing.T) {
	st := newStore(t)
	ctx := context.Background()
	opened := map[string]bool{}
	for _, s := range Scenarios() {
		r, err := s.Request(ctx, st)
		if errors.Is(err, ErrNotInStore) {
			t.Logf("%s: not openable: %v", s.ID, err)
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", s.ID, err)
			continue
		}
		res, err := r.Resolve(st)
		if err != nil {
			t.Errorf("%s: the request does not resolve: %v", s.ID, err)
			continue
		}
		got := probe.Run(ctx, res.Server, res.Client, res.Options)
		if got.Reason != s.Expected || got.Side != s.ExpectedSide {
			t.Errorf("%s as a request: %s (%s) %q, want %s (%s)", s.ID, got.Reason, got.Side, got.Summary, s.Expected, s.ExpectedSide)
		}
		opened[s.ID] = true
	}
	if !opened["seeds-mail-accepted"] || len(opened) < 3 {
		t.Errorf("openable scenarios %v: want seeds-mail-accepted and at least two more", opened)
	}
	t.Logf("%d of %d scenarios open as a request", len(opened), len(Scenarios()))
}
