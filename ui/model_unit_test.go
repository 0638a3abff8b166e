package ui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/pkibench/pkibench/pki"
	"github.com/pkibench/pkibench/pki/verify"
	"github.com/pkibench/pkibench/probe"
)

func TestTabKeys(t *testing.T) {
	for _, c := range []struct {
		keys []string
		want int
	}{
		{nil, TabAuthorities},
		{[]string{"2"}, TabCertificates},
		{[]string{"3"}, TabProbe},
		{[]string{"4"}, TabInspect},
		{[]string{"tab"}, TabCertificates},
		{[]string{"5"}, TabLab},
		{[]string{"tab", "tab", "tab", "tab", "tab"}, TabAuthorities},
		{[]string{"shift+tab"}, TabLab},
		{[]string{"3", "1"}, TabAuthorities},
		{[]string{"?", "2"}, TabAuthorities}, // the help overlay takes keys
	} {
		t.Run(strings.Join(c.keys, ","), func(t *testing.T) {
			d := newDriver(t, testStore(t), 80, 24)
			d.press(c.keys...)
			if d.m.Active() != c.want {
				t.Fatalf("active = %d, want %d", d.m.Active(), c.want)
			}
		})
	}
}

func TestQuitKeys(t *testing.T) {
	for _, c := range []struct {
		keys []string
		quit bool
	}{
		{[]string{"q"}, true},
		{[]string{"ctrl+c"}, true},
		{[]string{"n", "q"}, false}, // q is typed into the form
		{[]string{"n", "ctrl+c"}, true},
		{[]string{"2", "/", "q"}, false}, // and into the filter
		{[]string{"2", "/", "esc", "q"}, true},
	} {
		t.Run(strings.Join(c.keys, ","), func(t *testing.T) {
			d := newDriver(t, testStore(t), 80, 24)
			d.press(c.keys...)
			if d.quit != c.quit {
				t.Fatalf("quit = %v, want %v", d.quit, c.quit)
			}
		})
	}
}

func TestTooSmallFollowsResize(t *testing.T) {
	d := newDriver(t, testStore(t), 80, 24)
	for _, size := range [][2]int{{79, 24}, {80, 23}, {40, 10}} {
		d.send(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		d.expect("terminal too small")
		d.press("2") // ignored while too small
		if d.m.Active() != TabAuthorities {
			t.Fatal("keys acted while the terminal was too small")
		}
		lines := strings.Split(d.screen(), "\n")
		if len(lines) != size[1] {
			t.Fatalf("%dx%d: %d lines", size[0], size[1], len(lines))
		}
	}
	d.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	if strings.Contains(d.screen(), "too small") {
		t.Fatal("still too small at 80x24")
	}
}

// Every frame must be exactly the terminal's size, whatever the screen.
func TestFrameFitsTerminal(t *testing.T) {
	d := goldenDriver(t, 80, 24)
	for _, keys := range [][]string{nil, {"2"}, {"3"}, {"4"}, {"?"}, {"n"}, {"i"}, {"2", "r"}, {"1", "enter"}} {
		d.press(keys...)
		for i, l := range strings.Split(d.screen(), "\n") {
			if w := len([]rune(l)); w > 80 {
				t.Fatalf("after %v line %d is %d wide: %q", keys, i, w, l)
			}
		}
		if n := strings.Count(d.screen(), "\n") + 1; n != 24 {
			t.Fatalf("after %v: %d lines", keys, n)
		}
		d.press("esc")
	}
}

func TestInspectEscReturnsToTab(t *testing.T) {
	d := goldenDriver(t, 100, 30)
	d.press("2", "end", "enter")
	d.expect("Inspect server", "Serial Number")
	if d.m.Active() != TabInspect {
		t.Fatal("enter did not open Inspect")
	}
	d.press("e")
	d.expect("explanations on")
	d.press("esc")
	if d.m.Active() != TabCertificates {
		t.Fatalf("esc went to tab %d", d.m.Active())
	}
	d.press("1", "enter")
	d.expect("Inspect CA demo-ca")
	d.press("esc")
	if d.m.Active() != TabAuthorities {
		t.Fatalf("esc went to tab %d", d.m.Active())
	}
}

// A late answer to an abandoned request is dropped, and still counted done.
func TestStaleAnswersDropped(t *testing.T) {
	d := goldenDriver(t, 100, 30)
	first := d.m.inspect.openAt("demo-ca", "first", "")
	second := d.m.inspect.openAt("server", "second", "")
	if d.m.Busy() != 2 {
		t.Fatalf("busy = %d, want 2", d.m.Busy())
	}
	d.m.Update(first())
	if d.m.inspect.doc != nil || d.m.Busy() != 1 {
		t.Fatalf("stale answer used (doc %v) or not counted (busy %d)", d.m.inspect.doc != nil, d.m.Busy())
	}
	d.send(second())
	if d.m.inspect.doc == nil || !strings.Contains(d.m.inspect.doc.Title, "server") {
		t.Fatalf("current answer not used: %+v", d.m.inspect.doc)
	}

	// A form abandoned with esc drops its answer too.
	_, cmd := d.m.Update(keyMsg("n"))
	d.run(cmd)
	_, work := d.m.Update(keyMsg("enter"))
	_, closeCmd := d.m.Update(keyMsg("esc"))
	d.run(tea.Batch(closeCmd, work))
	if d.m.dialog != nil {
		t.Fatal("abandoned form came back")
	}
}

func TestFormValidation(t *testing.T) {
	d := goldenDriver(t, 100, 30)
	d.press("n")
	d.typeText("demo-ca") // taken
	d.expect("demo-ca is already taken")
	d.press("enter")
	if d.m.dialog == nil {
		t.Fatal("form submitted with a taken name")
	}
	d.press("ctrl+u")
	d.typeText("second")
	d.press("down", "down", "down") // days
	d.typeText("x")
	d.expect("days of validity")
	d.press("enter")
	d.expect("Create a certificate authority")
	d.press("backspace")
	d.typeText("30")
	d.press("enter")
	d.expect("CA second created")
}

func TestFilterAndSort(t *testing.T) {
	m := benchModel(t, 300)
	d := &driver{t: t, m: m}
	d.press("/")
	d.typeText("host-00001")
	d.expect("host-000010")
	d.press("enter")
	d.expect("/host-00001", "10 of 300 certificates")
	d.press("esc", "/", "esc") // esc while editing clears
	d.expect("300 certificates")
	cs := m.screens[TabCertificates].(*certificatesScreen)
	first := func() string { c, _ := cs.selected(); return c.Name }
	if first() != "host-000000" {
		t.Fatalf("first = %s", first())
	}
	d.press("S")
	if first() != "host-000299" {
		t.Fatalf("reversed first = %s", first())
	}
	d.press("s", "s", "s", "s") // not after (past subject, CA, profile), within the reverse
	d.expect("NOT AFTER↓")
	d.press("end")
	if c, _ := cs.selected(); c.Name == "" {
		t.Fatal("end selected nothing")
	}
	d.expect("expired", "revoked")
	d.press("home") // latest first: valid, far from expiry
	d.expect("valid")
	d.press("/")
	d.typeText("host-00011") // 10 to 19 days left: marked
	d.expect("expires 17d", "expires 16d")
}

func TestReasonPickerCoversAllReasons(t *testing.T) {
	d := goldenDriver(t, 100, 30)
	d.press("2", "end", "r")
	for _, r := range pki.ReasonNames {
		d.expect(r)
	}
	d.press("esc")
	if d.m.dialog != nil {
		t.Fatal("esc did not close the dialog")
	}
}

// An encrypted CA: the passphrase is typed masked, and publishing its CRL
// asks for it.
func TestEncryptedCAPassphrase(t *testing.T) {
	st := testStore(t)
	d := newDriver(t, st, 100, 30)
	d.press("n")
	d.typeText("vault-ca")
	fill(t, d, "pass", "s3cret-pass")
	fill(t, d, "confirm", "s3cret-pass")
	if strings.Contains(d.screen(), "s3cret") {
		t.Fatalf("passphrase shown in clear:\n%s", d.screen())
	}
	d.press("enter")
	d.expect("CA vault-ca created")
	ca, err := st.CA("vault-ca")
	if err != nil || !ca.Encrypted {
		t.Fatalf("CA = %+v, %v; want an encrypted key", ca, err)
	}
	d.press("p")
	d.expect("Passphrase", "vault-ca's key")
	d.typeText("wrong")
	d.press("enter")
	d.expect("error: publish CRL of vault-ca")
	d.press("p")
	d.typeText("s3cret-pass")
	d.press("enter")
	d.expect("CRL 01 of vault-ca published")
}

func TestRevokeIntermediateFromAuthorities(t *testing.T) {
	d := goldenDriver(t, 100, 30)
	d.press("1", "down")
	d.expect("demo-ca-int")
	d.press("r")
	d.expect("Revoke CA demo-ca-int")
	d.press("enter", "y")
	d.expect("CA demo-ca-int revoked (unspecified)")
	d.press("y")
	d.expect("CRL 01 of demo-ca published")
	d.expect("1/2/0", "demo-ca-int (revoked)") // server valid; client and the intermediate revoked
}

func TestMouseWheelScrolls(t *testing.T) {
	m := benchModel(t, 500)
	d := &driver{t: t, m: m}
	d.send(tea.MouseWheelMsg{Button: tea.MouseWheelDown})
	d.send(tea.MouseWheelMsg{Button: tea.MouseWheelDown})
	cs := m.screens[TabCertificates].(*certificatesScreen)
	if cs.cursor != 6 {
		t.Fatalf("cursor = %d after two wheel steps, want 6", cs.cursor)
	}
}

// `c` shows the openssl / curl / Node.js commands for what is on screen.
func TestCommandsOverlay(t *testing.T) {
	d := goldenDriver(t, 120, 40)
	for _, c := range []struct {
		keys []string
		want []string
	}{
		{[]string{"1", "c"}, []string{"Commands for CA demo-ca", "openssl"}},
		{[]string{"3", "c"}, []string{"The same handshake", "s_server", "curl"}},
		{[]string{"2", "enter", "c"}, []string{"The same view with openssl", "openssl x509"}},
	} {
		d.press(c.keys...)
		d.expect(c.want...)
		d.press("down", "pgdown", "esc")
		if d.m.dialog != nil {
			t.Fatal("esc did not close the commands")
		}
	}
}

func TestPasteGoesToTopOnly(t *testing.T) {
	m := benchModel(t, 300)
	d := &driver{t: t, m: m}
	d.press("/")
	d.send(tea.PasteMsg{Content: "host-00029"})
	d.press("enter")
	d.expect("10 of 300 certificates")
	d.press("3") // the probe's server name must not have received the paste
	if v := m.screens[TabProbe].(*probeScreen).text[pfName].Value(); v != "localhost" {
		t.Fatalf("probe server name = %q", v)
	}
}

func TestVerdictShowsAlsoAndWarnings(t *testing.T) {
	m := benchModel(t, 3)
	s := m.screens[TabProbe].(*probeScreen)
	s.res = &probe.Result{Verdict: probe.Reject, Reason: verify.ServerCertCNOnly, Side: verify.SideClient, Summary: "CN only",
		Warnings: []string{"a CN-only name"},
		Also:     []probe.Fault{{Code: verify.ServerCertWrongUsage, Side: verify.SideClient, Summary: "no serverAuth"}}}
	text := strings.Join(s.verdictLines(100), "\n")
	for _, want := range []string{"also", "server-cert-wrong-usage (client): no serverAuth", "warning: a CN-only name"} {
		if !strings.Contains(text, want) {
			t.Errorf("verdict lacks %q:\n%s", want, text)
		}
	}
}

// View only reads the state: an offset left past the end (by a resize)
// is clamped in the rendering, never written back by View.
func TestViewIsPure(t *testing.T) {
	d := goldenDriver(t, 100, 30)
	d.press("3", "enter") // a verdict in the probe pane
	d.m.screens[TabProbe].(*probeScreen).scroll = 1000
	d.m.View()
	if got := d.m.screens[TabProbe].(*probeScreen).scroll; got != 1000 {
		t.Errorf("probe View wrote scroll = %d", got)
	}
	cd := newCommandsDialog(d.m.c, "t", nil).(*commandsDialog)
	cd.offset = 1000
	cd.View()
	if cd.offset != 1000 {
		t.Errorf("commands View wrote offset = %d", cd.offset)
	}
	before := d.m.View().Content
	if after := d.m.View().Content; after != before {
		t.Error("two Views of one state differ")
	}
}

// The inspect view lists zlint's results under the document, with their
// source (a store CA lacks what the CA/Browser Forum asks of public roots).
func TestInspectShowsLints(t *testing.T) {
	d := goldenDriver(t, 120, 40)
	d.send(d.m.inspect.openAt("demo-ca", "demo-ca", "")())
	if d.m.inspect.doc == nil {
		t.Fatal("no document")
	}
	var drawn []string
	for _, l := range d.m.inspect.lines {
		drawn = append(drawn, l.draw())
	}
	all := strings.Join(drawn, "\n")
	if !strings.Contains(all, "Lints (zlint):") {
		t.Fatalf("no zlint section in the inspect view:\n%s", all)
	}
	n := 0
	for _, f := range d.m.inspect.doc.Doc.Findings() {
		if f.Source == "zlint" {
			n++
		}
	}
	if n == 0 {
		t.Error("no zlint findings on the document")
	}
}
