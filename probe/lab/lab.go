// Package lab is the "break it" lab for people learning mTLS: each scenario
// stages one classic failure on scratch CAs inside the store (marked as lab
// material, removed with Clean), runs the probe, and says what was broken and
// how to mend it. The CLI (`pkibench lab`) and the TUI render the same
// Outcome values.
package lab

import (
	"context"
	"fmt"
	"time"

	"github.com/pkibench/pkibench/pki/verify"
	"github.com/pkibench/pkibench/probe"
	"github.com/pkibench/pkibench/store"
)

// Scenario is one staged situation with the reason the probe must give.
type Scenario struct {
	// ID is a stable slug: the reason code it stages, or seeds-... for the
	// seeds' stories.
	ID    string `json:"id"`
	Title string `json:"title"`
	// Story says what is broken, in plain words.
	Story        string      `json:"story"`
	Expected     verify.Code `json:"expected"`
	ExpectedSide verify.Side `json:"expected_side"`
	// Mend says how to fix it, with the pkibench command.
	Mend string `json:"mend"`

	stage func(ctx context.Context, b bench) (staged, error)
}

// staged is what a scenario hands to the probe.
type staged struct {
	sc   probe.ServerConfig
	cc   probe.ClientConfig
	opts probe.Options
}

// Stage creates what the scenario needs in the store (lab-prefixed names,
// lab CAs, reusing material an earlier run left) and returns the probe's
// configuration. Options.At is the scenario's own time: the store's now,
// or later for the scenarios that move the clock.
func (s Scenario) Stage(ctx context.Context, st *store.Store) (probe.ServerConfig, probe.ClientConfig, probe.Options, error) {
	if err := ctx.Err(); err != nil {
		return probe.ServerConfig{}, probe.ClientConfig{}, probe.Options{}, err
	}
	if s.stage == nil {
		return probe.ServerConfig{}, probe.ClientConfig{}, probe.Options{}, fmt.Errorf("lab %q: not a scenario of the catalogue (use lab.Find)", s.ID)
	}
	g, err := s.stage(ctx, bench{st: st})
	if err != nil {
		return probe.ServerConfig{}, probe.ClientConfig{}, probe.Options{}, fmt.Errorf("lab %s: %w", s.ID, err)
	}
	if g.opts.At.IsZero() {
		g.opts.At = st.Now()
	}
	return g.sc, g.cc, g.opts, nil
}

// Outcome is one scenario's run: what was expected and what the probe said.
type Outcome struct {
	ID           string       `json:"id"`
	Title        string       `json:"title"`
	Expected     verify.Code  `json:"expected"`
	ExpectedSide verify.Side  `json:"expected_side"`
	Story        string       `json:"story"`
	Mend         string       `json:"mend"`
	Actual       probe.Result `json:"actual"`
	// Pass is true when the actual reason is the expected one.
	Pass bool `json:"pass"`
	// Moved is true when the caller moved the clock (RunAt): the expected
	// reason is then the scenario's own, at its own time.
	Moved bool `json:"moved"`
	// Error says why the scenario could not be staged.
	Error string `json:"error"`
}

// Find returns the scenario with that id.
func Find(id string) (Scenario, bool) {
	for _, s := range Scenarios() {
		if s.ID == id {
			return s, true
		}
	}
	return Scenario{}, false
}

// RunAt stages and probes the scenarios named (all when none), in catalogue
// order for all, in the given order otherwise. A non-zero at replaces every
// scenario's verification time ("advance 400 days", "jump to the CRL's
// nextUpdate"), to show what breaks later.
func RunAt(ctx context.Context, st *store.Store, at time.Time, ids ...string) []Outcome {
	var list []Scenario
	if len(ids) == 0 {
		list = Scenarios()
	}
	for _, id := range ids {
		s, ok := Find(id)
		if !ok {
			s = Scenario{ID: id, stage: func(context.Context, bench) (staged, error) {
				return staged{}, fmt.Errorf("no such scenario (see `pkibench lab --list`)")
			}}
		}
		list = append(list, s)
	}
	out := make([]Outcome, 0, len(list))
	for _, s := range list {
		out = append(out, runOne(ctx, st, s, at))
	}
	return out
}

func runOne(ctx context.Context, st *store.Store, s Scenario, at time.Time) Outcome {
	o := Outcome{ID: s.ID, Title: s.Title, Expected: s.Expected, ExpectedSide: s.ExpectedSide, Story: s.Story, Mend: s.Mend}
	sc, cc, opts, err := s.Stage(ctx, st)
	if err != nil {
		o.Error = err.Error()
		return o
	}
	if !at.IsZero() {
		o.Moved = !at.Equal(opts.At)
		opts.At = at
	}
	if opts.NameOf == nil {
		k := st.Knowledge(&sc.Identity, cc.Identity)
		opts.NameOf, opts.KnownCAs = k.NameOf, k.CAs
	}
	o.Actual = probe.Run(ctx, sc, cc, opts)
	o.Pass = o.Actual.Reason == s.Expected
	return o
}

// Clean removes every lab CA and certificate from the store, and nothing
// else; it returns the folders removed (cas/NAME, certs/NAME).
func Clean(st *store.Store) ([]string, error) {
	return st.RemoveLab()
}
