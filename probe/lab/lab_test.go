package lab

import (
	"context"
	"crypto/x509/pkix"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pkibench/pkibench/pki"
	"github.com/pkibench/pkibench/pki/testtool"
	"github.com/pkibench/pkibench/pki/verify"
	"github.com/pkibench/pkibench/probe"
	"github.com/pkibench/pkibench/store"
)

func newStore(t testing.TB) *store.Store {
	t.Helper()
	st, err := store.OpenOrCreate(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// The store is the probe's source of identities, trust and CRLs.
func TestStoreIsAProbeSource(t *testing.T) {
	var src probe.Source = newStore(t)
	if _, err := src.CRLs(); err != nil {
		t.Fatal(err)
	}
}

// TestEveryScenario is the issue's proof: every scenario's actual reason
// equals its expected reason (and side).
func TestEveryScenario(t *testing.T) {
	st := newStore(t)
	for _, o := range RunAt(context.Background(), st, time.Time{}) {
		if o.Error != "" {
			t.Errorf("%s: staging failed: %s", o.ID, o.Error)
			continue
		}
		if !o.Pass || o.Actual.Side != o.ExpectedSide {
			t.Errorf("%s: got %s (%s) %q, want %s (%s)", o.ID, o.Actual.Reason, o.Actual.Side, o.Actual.Summary, o.Expected, o.ExpectedSide)
		}
	}
}

// userMaterial fills st with the user's own CA, certificates, a revocation
// and a CRL: what the lab must never touch.
func userMaterial(t testing.TB, st *store.Store) {
	t.Helper()
	if _, err := st.CreateCA(store.CAOptions{Name: "abc", Subject: pkix.Name{Organization: []string{"ABC Inc."}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Issue(store.IssueOptions{Names: []string{"invoice-server"}, CA: "abc", DNS: []string{"localhost"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Issue(store.IssueOptions{Names: []string{"client1", "client2"}, CA: "abc", Profile: pki.ProfileClient}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Revoke("client2", store.RevokeOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.PublishCRL("abc", store.CRLOptions{}); err != nil {
		t.Fatal(err)
	}
}

// TestLabLeavesUserMaterial: running the lab (twice: the second run reuses
// the material) changes none of the user's files, and Clean takes the store
// back to exactly what it was.
func TestLabLeavesUserMaterial(t *testing.T) {
	st := newStore(t)
	userMaterial(t, st)
	before := testtool.Snapshot(t, st.Path())
	ctx := context.Background()
	for round := 1; round <= 2; round++ {
		for _, o := range RunAt(ctx, st, time.Time{}, "seeds-client2-revoked", "path-len-exceeded", "crl-stale", "client-chain-incomplete") {
			if !o.Pass {
				t.Errorf("round %d: %s: got %s %s, want %s", round, o.ID, o.Actual.Reason, o.Error, o.Expected)
			}
		}
	}
	during := testtool.Snapshot(t, st.Path())
	user := map[string]string{}
	for p, v := range during {
		if !isLab(p) {
			user[p] = v
		}
	}
	testtool.SameSnapshot(t, before, user)
	if len(user) == len(during) {
		t.Fatal("the lab staged nothing in the store")
	}
	removed, err := Clean(st)
	if err != nil {
		t.Fatal(err)
	}
	if len(removed) == 0 {
		t.Error("Clean removed nothing")
	}
	for _, r := range removed {
		if !strings.HasPrefix(filepath.Base(r), "lab-") {
			t.Errorf("Clean removed %s", r)
		}
	}
	testtool.SameSnapshot(t, before, testtool.Snapshot(t, st.Path()))
	cas, err := st.ListCAs()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cas {
		if c.Lab {
			t.Errorf("lab CA %s left after Clean", c.Name)
		}
	}
}

// isLab reports whether a store path belongs to lab material.
func isLab(p string) bool {
	parts := strings.Split(filepath.ToSlash(p), "/")
	return len(parts) >= 2 && (parts[0] == "cas" || parts[0] == "certs") && strings.HasPrefix(parts[1], "lab-")
}

// TestForeignName: a user's own CA that happens to be called like lab
// material is never used nor changed; the scenario says why it cannot run.
func TestForeignName(t *testing.T) {
	st := newStore(t)
	if _, err := st.CreateCA(store.CAOptions{Name: "lab-abc"}); err != nil {
		t.Fatal(err)
	}
	before := testtool.Snapshot(t, st.Path())
	o := RunAt(context.Background(), st, time.Time{}, "seeds-mail-accepted")[0]
	var fe *ForeignError
	if o.Pass || !strings.Contains(o.Error, "not lab material") {
		t.Errorf("outcome %+v", o)
	}
	s, _ := Find("seeds-mail-accepted")
	if _, _, _, err := s.Stage(context.Background(), st); !errors.As(err, &fe) || fe.Name != "lab-abc" {
		t.Errorf("Stage error %v", err)
	}
	testtool.SameSnapshot(t, before, testtool.Snapshot(t, st.Path()))
	if _, err := Clean(st); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(st.Path(), "cas", "lab-abc", "ca.crt")); err != nil {
		t.Errorf("Clean removed the user's CA named lab-abc: %v", err)
	}
}

func TestUnknownScenario(t *testing.T) {
	o := RunAt(context.Background(), newStore(t), time.Time{}, "no-such")[0]
	if o.Pass || o.Error == "" {
		t.Errorf("outcome %+v", o)
	}
}

// TestCatalogue: ids are unique slugs, every field is filled, and every
// reason code is either staged or listed in NotStaged with a reason.
func TestCatalogue(t *testing.T) {
	seen := map[string]bool{}
	codes := map[verify.Code]bool{}
	for _, s := range Scenarios() {
		if seen[s.ID] || store.CheckName(s.ID) != nil {
			t.Errorf("bad or duplicate id %q", s.ID)
		}
		seen[s.ID] = true
		if s.Title == "" || s.Story == "" || s.Mend == "" || s.stage == nil {
			t.Errorf("%s: empty field", s.ID)
		}
		if s.Expected != verify.OK && !strings.Contains(s.Mend, "`pkibench") && !strings.Contains(s.Mend, "pkibench ") && !strings.Contains(s.Mend, "openssl") {
			t.Logf("%s: mend names no command: %s", s.ID, s.Mend)
		}
		codes[s.Expected] = true
	}
	for c, why := range NotStaged() {
		if codes[c] || why == "" {
			t.Errorf("%s: staged and not staged, or no reason", c)
		}
		codes[c] = true
	}
	for _, c := range allCodes {
		if !codes[c] {
			t.Errorf("reason code %s is neither staged nor in NotStaged", c)
		}
	}
}

// allCodes mirrors verify/codes.go (DESIGN.md §6).
var allCodes = []verify.Code{verify.OK, verify.ClientCertMissing, verify.ClientCertWithheld, verify.ClientCertUntrusted,
	verify.ClientChainIncomplete, verify.ClientCertExpired, verify.ClientCertNotYetValid, verify.ClientCertRevoked,
	verify.ClientCertWrongUsage, verify.ServerCertRevoked, verify.ServerCertUntrusted, verify.ServerChainIncomplete,
	verify.ServerCertExpired, verify.ServerCertNotYetValid, verify.ServerNameMismatch, verify.ServerCertCNOnly,
	verify.ServerCertWrongUsage, verify.CRLStale, verify.CRLMissing, verify.CRLInvalid, verify.PathLenExceeded,
	verify.NameConstraintViolated, verify.IssuerNotCA, verify.WeakSignature, verify.WeakKey, verify.KeyMismatch,
	verify.ProtocolVersionMismatch, verify.NoSharedCipher, verify.PeerClosed, verify.NotTLS, verify.ConnectionRefused,
	verify.Timeout, verify.Unknown, verify.CertMalformed}

// TestTimeControl: moving the clock 400 days locks the one-year mail
// server out of the seeds' happy path, and jumping past the CRL's
// nextUpdate makes the CRL check refuse client1.
func TestTimeControl(t *testing.T) {
	st := newStore(t)
	// A fixed clock: crl-stale republishes its CRL at every staging, and
	// its own time must not move between two stagings.
	now := time.Now().Truncate(time.Second)
	st.SetClock(func() time.Time { return now })
	ctx := context.Background()
	o := RunAt(ctx, st, AdvanceDays(st, 400), "seeds-mail-accepted")[0]
	if o.Actual.Reason != verify.ClientCertExpired || !o.Moved || o.Pass {
		t.Errorf("+400d: got %s moved=%v pass=%v", o.Actual.Reason, o.Moved, o.Pass)
	}
	if o := RunAt(ctx, st, time.Time{}, "seeds-client1-crl")[0]; !o.Pass {
		t.Fatalf("client1: %s %s", o.Actual.Reason, o.Error)
	}
	at, err := PastNextUpdate(st, "lab-abc")
	if err != nil {
		t.Fatal(err)
	}
	crl, _ := st.CRL("lab-abc")
	if !at.After(crl.NextUpdate) || at.Sub(crl.NextUpdate) > time.Minute {
		t.Errorf("PastNextUpdate = %s, nextUpdate %s", at, crl.NextUpdate)
	}
	o = RunAt(ctx, st, at, "seeds-client1-crl")[0]
	if o.Actual.Reason != verify.CRLStale {
		t.Errorf("at nextUpdate: got %s", o.Actual.Reason)
	}
	// Moving to the scenario's own time is not a move.
	s, _ := Find("crl-stale")
	_, _, opts, err := s.Stage(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	if o := RunAt(ctx, st, opts.At, "crl-stale")[0]; o.Moved || !o.Pass {
		t.Errorf("crl-stale at its own time: moved=%v pass=%v %s", o.Moved, o.Pass, o.Actual.Reason)
	}
}

func BenchmarkLabAll(b *testing.B) {
	st := newStore(b)
	ctx := context.Background()
	for b.Loop() {
		for _, o := range RunAt(ctx, st, time.Time{}) {
			if !o.Pass {
				b.Fatalf("%s: %s %s", o.ID, o.Actual.Reason, o.Error)
			}
		}
	}
}

// TestEachScenarioAlone: a scenario does not depend on another having run
// first (the TUI runs them one key at a time, in any order).
func TestEachScenarioAlone(t *testing.T) {
	for _, s := range Scenarios() {
		t.Run(s.ID, func(t *testing.T) {
			t.Parallel()
			o := RunAt(context.Background(), newStore(t), time.Time{}, s.ID)[0]
			if !o.Pass || o.Actual.Side != s.ExpectedSide {
				t.Errorf("got %s (%s) %s %s, want %s (%s)", o.Actual.Reason, o.Actual.Side, o.Actual.Summary, o.Error, s.Expected, s.ExpectedSide)
			}
		})
	}
}

// TestConcurrentRuns: two runs on one store (the CLI and the TUI at once)
// both stage and pass; neither mistakes the other's material for the user's.
func TestConcurrentRuns(t *testing.T) {
	st := newStore(t)
	ids := []string{"seeds-mail-accepted", "seeds-client2-revoked", "path-len-exceeded", "server-cert-cn-only"}
	done := make(chan []Outcome, 2)
	for range 2 {
		go func() { done <- RunAt(context.Background(), st, time.Time{}, ids...) }()
	}
	for range 2 {
		for _, o := range <-done {
			if !o.Pass {
				t.Errorf("%s: %s %s", o.ID, o.Actual.Reason, o.Error)
			}
		}
	}
}
