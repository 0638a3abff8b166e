package ui

import (
	"context"
	"crypto/x509/pkix"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/pkibench/pkibench/pki"
	"github.com/pkibench/pkibench/store"
)

// snapshot is what the program showed after one Update, taken on the
// program's goroutine so the test never reads the model concurrently.
type snapshot struct {
	screen string
	busy   int
	dialog bool
}

// watched wraps the model to report a snapshot after every Update: the
// tests wait on these events instead of sleeping.
type watched struct {
	m     *Model
	snaps chan snapshot
}

func (w watched) Init() tea.Cmd { return w.m.Init() }

func (w watched) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	_, cmd := w.m.Update(msg)
	select {
	case w.snaps <- snapshot{screen: ansi.Strip(w.m.render()), busy: w.m.Busy(), dialog: w.m.dialog != nil}:
	default:
	}
	return w, cmd
}

func (w watched) View() tea.View { return w.m.View() }

type flow struct {
	t     *testing.T
	tm    *teatest.TestModel
	snaps chan snapshot
	last  snapshot
}

func startFlow(t *testing.T, st *store.Store) *flow {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	m := newModel(ctx, st, Options{})
	m.noSpin = true
	w := watched{m: m, snaps: make(chan snapshot, 1<<14)}
	tm := teatest.NewTestModel(t, w, teatest.WithInitialTermSize(100, 30))
	f := &flow{t: t, tm: tm, snaps: w.snaps}
	f.waitIdle("Authorities")
	return f
}

func (f *flow) keys(keys ...string) {
	for _, k := range keys {
		f.tm.Send(keyMsg(k))
	}
}

func (f *flow) typeText(s string) {
	for _, r := range s {
		f.tm.Send(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

// waitIdle waits until nothing runs and the screen shows every want.
func (f *flow) waitIdle(want ...string) {
	f.t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		if f.last.busy == 0 && containsAll(f.last.screen, want) {
			return
		}
		select {
		case f.last = <-f.snaps:
		case <-deadline:
			f.t.Fatalf("timed out waiting for %q; last screen:\n%s", want, f.last.screen)
		}
	}
}

func (f *flow) quit() *Model {
	f.t.Helper()
	f.keys("q")
	fm := f.tm.FinalModel(f.t, teatest.WithFinalTimeout(5*time.Second))
	return fm.(watched).m
}

func containsAll(s string, want []string) bool {
	for _, w := range want {
		if !strings.Contains(s, w) {
			return false
		}
	}
	return true
}

func seedCA(t *testing.T, st *store.Store, name string) {
	t.Helper()
	if _, err := st.CreateCA(store.CAOptions{Name: name, Subject: pkix.Name{CommonName: name}, Algorithm: pki.P256}); err != nil {
		t.Fatal(err)
	}
}

func seedCert(t *testing.T, st *store.Store, ca, name string, p pki.Profile) {
	t.Helper()
	if _, err := st.Issue(store.IssueOptions{Names: []string{name}, CA: ca, Profile: p, DNS: []string{"localhost"}, Algorithm: pki.P256}); err != nil {
		t.Fatal(err)
	}
}

func TestFlowCreateCA(t *testing.T) {
	st := testStore(t)
	f := startFlow(t, st)
	f.keys("n")
	f.waitIdle("Create a certificate authority")
	// Invalid name: the inline error shows and nothing is created.
	f.typeText("Bad Name")
	f.waitIdle("invalid name")
	f.keys("enter")
	f.keys("ctrl+u")
	f.typeText("corp-root")
	f.keys("down", "ctrl+u")
	f.typeText("/O=ABC Inc./CN=ABC Root CA")
	f.keys("enter")
	f.waitIdle("CA corp-root created")
	m := f.quit()
	if m.dialog != nil {
		t.Fatal("form still open after create")
	}
	ca, err := st.CA("corp-root")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(ca.Subject, "ABC Root CA") || ca.Parent != "" {
		t.Fatalf("CA = %+v", ca)
	}
}

func TestFlowIssue(t *testing.T) {
	st := testStore(t)
	seedCA(t, st, "corp")
	f := startFlow(t, st)
	f.keys("i")
	f.waitIdle("Issue a certificate", "server")
	f.keys("down", "down", "down", "ctrl+u")
	f.waitIdle("needs at least one DNS")
	f.typeText("mail.example.com, localhost")
	f.keys("enter")
	f.waitIdle("issued server by corp")
	f.quit()
	certs, err := st.List(store.ListFilter{CA: "corp"})
	if err != nil || len(certs) != 1 || certs[0].Name != "server" {
		t.Fatalf("List = %+v, %v", certs, err)
	}
}

func TestFlowRevoke(t *testing.T) {
	st := testStore(t)
	seedCA(t, st, "corp")
	seedCert(t, st, "corp", "client2", pki.ProfileClient)
	f := startFlow(t, st)
	f.keys("2")
	f.waitIdle("client2")
	f.keys("r")
	f.waitIdle("Revoke client2")
	f.keys("down", "down", "down", "down", "enter") // superseded
	f.waitIdle("with reason superseded?")
	f.keys("y")
	f.waitIdle("Publish CRL of corp now?")
	f.keys("y")
	f.waitIdle("CRL 01 of corp published", "revoked")
	f.quit()
	certs, _ := st.List(store.ListFilter{Status: store.StatusRevoked})
	if len(certs) != 1 || certs[0].Reason != "superseded" {
		t.Fatalf("revoked = %+v", certs)
	}
	if _, err := st.CRL("corp"); err != nil {
		t.Fatalf("CRL not published: %v", err)
	}
}

func TestFlowProbe(t *testing.T) {
	st := testStore(t)
	seedCA(t, st, "corp")
	seedCA(t, st, "foreign")
	seedCert(t, st, "corp", "server", pki.ProfileServer)
	seedCert(t, st, "foreign", "client", pki.ProfileClient)
	f := startFlow(t, st)
	f.keys("3")
	f.waitIdle("‹ client ›", "‹ server ›")
	f.keys("enter")
	// The client trusts the root above its own certificate by default.
	f.waitIdle("REJECT", "server-cert-untrusted")
	f.keys("down", "down", "down", "right") // client trusts corp
	f.waitIdle("Client trusts  ‹ corp ›")
	f.keys("enter")
	// The seeds' ZXC Inc. case: a client from a CA the server does not trust.
	f.waitIdle("REJECT", "client-cert-untrusted")
	f.keys("up", "up", "up", "left") // no client certificate
	f.waitIdle("Client         ‹ none ›")
	f.keys("enter")
	f.waitIdle("REJECT", "client-cert-missing")
	f.keys("down", "down", "down", "down", "left", "left", "left", "left") // client auth -> none
	f.waitIdle("Client auth    ‹ none ›")
	f.keys("enter")
	f.waitIdle("ACCEPT")
	f.quit()
}
