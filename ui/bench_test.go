package ui

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/pkibench/pkibench/pki"
	"github.com/pkibench/pkibench/store"
)

// benchModel is the workbench on the Certificates tab with n certificates
// built in memory: rendering never touches the store.
func benchModel(b testing.TB, n int) *Model {
	b.Helper()
	m := newModel(context.Background(), nil, Options{Now: func() time.Time { return fixedNow }})
	m.noSpin = true
	m.pathLabel = "/home/demo/pki"
	certs := make([]store.Cert, n)
	statuses := []store.Status{store.StatusValid, store.StatusValid, store.StatusRevoked, store.StatusExpired}
	for i := range certs {
		certs[i] = store.Cert{
			Name:     fmt.Sprintf("host-%06d", i),
			CA:       fmt.Sprintf("ca-%d", i%7),
			Serial:   fmt.Sprintf("%032X", i),
			Subject:  fmt.Sprintf("/O=ABC Inc./CN=host-%06d.example.com", i),
			NotAfter: fixedNow.Add(time.Duration(i%800-100) * 24 * time.Hour),
			Status:   statuses[i%len(statuses)],
			Kind:     "issued",
		}
	}
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	m.c.Data.Certs, m.c.Data.Hay = certs, haystack(certs)
	m.c.Data.Gen++
	m.broadcast(dataChangedMsg{})
	m.setTab(TabCertificates)
	return m
}

var benchSizes = []int{100, 10_000, 100_000}

func BenchmarkCertificatesView(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			m := benchModel(b, n)
			b.ReportAllocs()
			for b.Loop() {
				_ = m.View()
			}
		})
	}
}

// BenchmarkCertificatesScroll is one key press down plus the frame it draws,
// wrapping to the top at the end so every step really moves.
func BenchmarkCertificatesScroll(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			m := benchModel(b, n)
			down, home := keyMsg("down"), keyMsg("home")
			cs := m.screens[TabCertificates].(*certificatesScreen)
			b.ReportAllocs()
			for b.Loop() {
				if cs.cursor == n-1 {
					m.Update(home)
				}
				m.Update(down)
				_ = m.View()
			}
		})
	}
}

// BenchmarkCertificatesFilterKey is one typed filter character over the
// whole list (the filter re-scans every certificate).
func BenchmarkCertificatesFilterKey(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			m := benchModel(b, n)
			m.Update(keyMsg("/"))
			b.ReportAllocs()
			for b.Loop() {
				m.Update(keyMsg("7"))
				m.Update(keyMsg("backspace"))
			}
		})
	}
}

func TestCertificatesRenderOnlyVisibleRows(t *testing.T) {
	m := benchModel(t, 100_000)
	out := m.render()
	rows := 0
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "host-") {
			rows++
		}
	}
	if got := rows; got > 40 || got < 30 {
		t.Fatalf("rendered %d rows for a 40-line terminal", got)
	}
	if !strings.Contains(out, "100000 certificates") {
		t.Fatalf("no count line:\n%s", out)
	}
}

// BenchmarkCertificatesReload is what Update spends when a reloaded list
// arrives (filter and sort of the index; the haystack came with the list).
func BenchmarkCertificatesReload(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			m := benchModel(b, n)
			certs, hay := m.c.Data.Certs, m.c.Data.Hay
			b.ReportAllocs()
			for b.Loop() {
				m.certsReq = m.c.begin("bench")
				m.Update(certsLoadedMsg{reqID: m.certsReq, certs: certs, hay: hay})
			}
		})
	}
}

// BenchmarkFirstFrame measures what the user sees on a store on disk:
// ns/op is the time from nothing to the first full frame (model built, Init,
// the terminal size, View), the store read started as Bubble Tea starts it,
// in its own goroutines; lists-ms is the time until the read lists are in
// and the Certificates tab shows them. Empty, and with 100,000
// certificates in one CA's index (issue 19: first frame under 100 ms).
//
// The index is written behind the store's back; "100000" then issues one
// certificate into the CA, as any pkibench write after such an edit does,
// which brings its counts summary (index.counts) up to date, while
// "100000-edited" lists it as openssl would have left it (the Authorities
// tab counts the whole index).
func BenchmarkFirstFrame(b *testing.B) {
	for _, c := range []struct {
		name string
		n    int
		kept bool
	}{{"0", 0, true}, {"100000", 100_000, true}, {"100000-edited", 100_000, false}} {
		n := c.n
		b.Run(c.name, func(b *testing.B) {
			st := testStore(b)
			if n > 0 {
				if _, err := st.CreateCA(store.CAOptions{Name: "big"}); err != nil {
					b.Fatal(err)
				}
				var sb strings.Builder
				for i := 0; i < n; i++ {
					fmt.Fprintf(&sb, "V\t371122093714Z\t\t%032X\tcerts/c%d\t/CN=c%d\n", i+1, i, i)
				}
				if err := os.WriteFile(filepath.Join(st.Path(), "cas/big/index.txt"), []byte(sb.String()), 0o644); err != nil {
					b.Fatal(err)
				}
				if c.kept {
					if _, err := st.Issue(store.IssueOptions{Names: []string{"after"}, CA: "big", Profile: pki.ProfileClient}); err != nil {
						b.Fatal(err)
					}
				}
			}
			var lists time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				start := time.Now()
				m := newModel(context.Background(), st, Options{})
				m.noSpin = true
				msgs := make(chan tea.Msg, 16)
				var wg sync.WaitGroup
				goCmd(&wg, m.Init(), msgs)
				m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
				first := ansi.Strip(m.View().Content)
				b.StopTimer()
				if !strings.Contains(first, "Authorities") || !strings.Contains(first, "Reading the store") {
					b.Fatalf("first frame is not the frame with its lists being read:\n%s", first)
				}
				for m.Busy() > 0 {
					_, cmd := m.Update(<-msgs)
					goCmd(&wg, cmd, msgs)
				}
				m.Update(tea.KeyPressMsg{Code: '2', Text: "2"})
				s := ansi.Strip(m.render())
				lists += time.Since(start)
				wg.Wait()
				if n > 0 && !strings.Contains(s, "c1") {
					b.Fatalf("the lists never filled:\n%s", s)
				}
				b.StartTimer()
			}
			b.ReportMetric(float64(lists.Milliseconds())/float64(b.N), "lists-ms")
		})
	}
}

// goCmd runs cmd as Bubble Tea does: each command of a batch in its own
// goroutine, each message sent to the loop (msgs).
func goCmd(wg *sync.WaitGroup, cmd tea.Cmd, msgs chan<- tea.Msg) {
	if cmd == nil {
		return
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		switch msg := cmd().(type) {
		case nil:
		case tea.BatchMsg:
			for _, c := range msg {
				goCmd(wg, c, msgs)
			}
		default:
			msgs <- msg
		}
	}()
}
