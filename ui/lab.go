package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/pkibench/pkibench/probe"
	"github.com/pkibench/pkibench/probe/lab"
	"github.com/pkibench/pkibench/store"
)

// labRunMsg answers a lab scenario run.
type labRunMsg struct {
	reqID
	out lab.Outcome
}

// labCleanedMsg answers a removal of the lab material.
type labCleanedMsg struct {
	reqID
	removed []string
	err     error
}

// labScreen lists the lab's scenarios (the seeds' stories first); enter
// stages and runs one, and the right side tells its story, the verdict with
// reason and side, the explanation and the mend.
type labScreen struct {
	c         *Common
	scenarios []lab.Scenario
	cursor    int
	offset    int
	outcomes  map[string]lab.Outcome
	req       reqID
	running   string
	confirm   bool // X asked: y removes the lab material
	scroll    int
	width     int
	height    int
}

func newLab(c *Common) *labScreen {
	return &labScreen{c: c, scenarios: lab.Scenarios(), outcomes: map[string]lab.Outcome{}}
}

func (s *labScreen) SetSize(w, h int) { s.width, s.height = w, h; s.clamp() }

func (s *labScreen) ShortHelp() []key.Binding {
	k := s.c.Keys
	if s.confirm {
		return []key.Binding{key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "remove lab material")), key.NewBinding(key.WithKeys("n"), key.WithHelp("n/esc", "keep it"))}
	}
	show := "show lab in lists"
	if s.c.ShowLab {
		show = "hide lab in lists"
	}
	return []key.Binding{key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "run")), k.Up, k.Down,
		key.NewBinding(key.WithKeys("X"), key.WithHelp("X", "remove lab material")),
		key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "open in probe")),
		key.NewBinding(key.WithKeys("a"), key.WithHelp("a", show)),
		key.NewBinding(key.WithKeys("pgdown"), key.WithHelp("pgdn", "scroll story"))}
}

// listWidth fits the scenario ids (25 cells at most) with their marks; the
// titles, which are sentences, head the right side.
func (s *labScreen) listWidth() int { return 29 }

func (s *labScreen) clamp() {
	n := len(s.scenarios)
	s.cursor = max(0, min(s.cursor, n-1))
	rows := max(1, s.height-2)
	if s.cursor < s.offset {
		s.offset = s.cursor
	}
	if s.cursor >= s.offset+rows {
		s.offset = s.cursor - rows + 1
	}
}

func (s *labScreen) selected() lab.Scenario { return s.scenarios[s.cursor] }

func (s *labScreen) Update(msg tea.Msg) (Component, tea.Cmd) {
	switch msg := msg.(type) {
	case labRunMsg:
		if msg.reqID != s.req {
			return s, nil
		}
		s.running = ""
		s.outcomes[msg.out.ID] = msg.out
		st := fmt.Sprintf("lab %s: %s %s", msg.out.ID, msg.out.Actual.Verdict, msg.out.Actual.Reason)
		if msg.out.Error != "" {
			return s, tea.Batch(s.c.status("", fmt.Errorf("lab %s: %s", msg.out.ID, msg.out.Error)), s.c.reload())
		}
		return s, tea.Batch(s.c.status(st, nil), s.c.reload())
	case labRequestMsg:
		if msg.reqID != s.req {
			return s, nil
		}
		s.running = ""
		if msg.err != nil {
			return s, tea.Batch(s.c.status("", fmt.Errorf("open lab %s in the probe: %w", msg.scenario, msg.err)), s.c.reload())
		}
		return s, s.c.post(openProbeMsg{req: msg.req, scenario: msg.scenario})
	case labCleanedMsg:
		if msg.reqID != s.req {
			return s, nil
		}
		if msg.err != nil {
			return s, s.c.status("", fmt.Errorf("remove lab material: %w", msg.err))
		}
		s.outcomes = map[string]lab.Outcome{}
		return s, tea.Batch(s.c.status(fmt.Sprintf("removed the lab material: %d folders", len(msg.removed)), nil), s.c.reload())
	case bodyClickMsg:
		if msg.x < s.listWidth() && msg.y >= 1 && s.offset+msg.y-1 < len(s.scenarios) {
			s.cursor, s.scroll = s.offset+msg.y-1, 0
			s.clamp()
		}
	case tea.KeyPressMsg:
		if s.confirm {
			s.confirm = false
			if msg.String() == "y" {
				s.req = s.c.begin("remove lab material")
				return s, labCleanCmd(s.c.Store, s.req)
			}
			return s, s.c.status("lab material kept", nil)
		}
		k := s.c.Keys
		moved := false
		before := s.cursor
		s.cursor, moved = moveCursor(k, msg, s.cursor, max(1, s.height-2), len(s.scenarios))
		if moved {
			s.clamp()
			if s.cursor != before {
				s.scroll = 0
			}
			return s, nil
		}
		switch msg.String() {
		case "enter":
			if s.running != "" {
				return s, s.c.status("", fmt.Errorf("lab %s is still running", s.running))
			}
			sc := s.selected()
			s.running, s.scroll = sc.ID, 0
			s.req = s.c.begin("lab " + sc.ID)
			return s, labRunCmd(s.c.ctx, s.c.Store, s.req, sc.ID)
		case "o":
			// The scenario staged as a store request, opened in the
			// probe pane: change one field and watch the verdict flip.
			if s.running != "" {
				return s, s.c.status("", fmt.Errorf("lab %s is still running", s.running))
			}
			sc := s.selected()
			s.running = sc.ID
			s.req = s.c.begin("stage lab " + sc.ID + " for the probe")
			return s, labRequestCmd(s.c.ctx, s.c.Store, s.req, sc)
		case "X":
			s.confirm = true
			return s, nil
		case "a":
			return s, s.c.post(showLabMsg{show: !s.c.ShowLab})
		case "pgdown", "space":
			s.scroll += max(1, s.height-2)
		case "pgup":
			s.scroll = max(0, s.scroll-max(1, s.height-2))
		}
		s.scroll = max(0, min(s.scroll, len(s.detail(s.width-s.listWidth()-3))-(s.height-1)))
	}
	return s, nil
}

// labRequestMsg answers labRequestCmd.
type labRequestMsg struct {
	reqID
	scenario string
	req      probe.Request
	err      error
}

// labRequestCmd stages a scenario and names it as a store request.
func labRequestCmd(ctx context.Context, st *store.Store, id reqID, sc lab.Scenario) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		r, err := sc.Request(ctx, st)
		return labRequestMsg{reqID: id, scenario: sc.ID, req: r, err: err}
	}
}

func labRunCmd(ctx context.Context, st *store.Store, id reqID, scenario string) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		outs := lab.RunAt(ctx, st, time.Time{}, scenario)
		if len(outs) == 0 {
			return labRunMsg{reqID: id, out: lab.Outcome{ID: scenario, Error: "no outcome"}}
		}
		return labRunMsg{reqID: id, out: outs[0]}
	}
}

func labCleanCmd(st *store.Store, id reqID) tea.Cmd {
	return func() tea.Msg {
		removed, err := lab.Clean(st)
		return labCleanedMsg{reqID: id, removed: removed, err: err}
	}
}

// detail is the right side for the selected scenario, wrapped to w.
func (s *labScreen) detail(w int) []string {
	st := s.c.Styles
	sc := s.selected()
	out := wrapIndent(st.Title, "", sc.Title, w)
	out = append(out, wrapIndent(st.Dim, "expects ", fmt.Sprintf("%s (side %s)", sc.Expected, orDash(string(sc.ExpectedSide))), w)...)
	out = append(out, "")
	out = append(out, wrapIndent(lipgloss.NewStyle(), "", sc.Story, w)...)
	o, ran := s.outcomes[sc.ID]
	switch {
	case s.running == sc.ID:
		out = append(out, "", st.Note.Render("staging and running…"))
	case !ran:
		out = append(out, "")
		out = append(out, wrapIndent(st.Dim, "", "enter stages it in the store (lab- names) and runs the handshake", w)...)
	case o.Error != "":
		out = append(out, "")
		out = append(out, wrapIndent(st.Error, "error: ", o.Error, w)...)
	default:
		r := o.Actual
		badge := st.Accept
		if !r.OK() {
			badge = st.Reject
		}
		mark := st.OK.Render("as expected")
		if !o.Pass {
			mark = st.Problem.Render("NOT the expected " + string(o.Expected))
		}
		out = append(out, "", badge.Padding(0, 2).Render(string(r.Verdict))+" "+mark)
		out = append(out, wrapIndent(st.Label, "reason ", string(r.Reason), w)...)
		out = append(out, wrapIndent(st.Label, "side   ", orDash(string(r.Side)), w)...)
		out = append(out, "")
		out = append(out, wrapIndent(lipgloss.NewStyle(), "", r.Summary, w)...)
		if r.Detail != "" {
			for _, d := range strings.Split(r.Detail, "\n") {
				out = append(out, wrapIndent(st.Dim, "", d, w)...)
			}
		}
	}
	if ran && o.Error == "" {
		out = append(out, "")
		out = append(out, wrapIndent(st.OK, "mend: ", sc.Mend, w)...)
	}
	return out
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func (s *labScreen) View() string {
	st := s.c.Styles
	lw := s.listWidth()
	rw := max(10, s.width-lw-3)
	left := []string{st.Header.Render(pad(fmt.Sprintf("Lab: %d scenarios", len(s.scenarios)), lw))}
	rows := max(1, s.height-2)
	for i := s.offset; i < min(len(s.scenarios), s.offset+rows); i++ {
		sc := s.scenarios[i]
		mark := "  "
		if o, ok := s.outcomes[sc.ID]; ok {
			mark = "✓ "
			if !o.Pass || o.Error != "" {
				mark = "✗ "
			}
		}
		line := pad(mark+sc.ID, lw)
		if i == s.cursor {
			line = st.Selected.Render(line)
		}
		left = append(left, line)
	}
	right := s.detail(rw)
	if s.confirm {
		right = append(wrapIndent(st.Warning, "", "Remove every lab CA and certificate from the store (as `pkibench lab --clean`)? y/n", rw), "")
	}
	scroll := max(0, min(s.scroll, len(right)-(s.height-1)))
	if len(right) > s.height {
		vis := right[scroll:min(len(right), scroll+s.height-1)]
		right = append(append([]string{}, vis...), st.Note.Render(truncate(fmt.Sprintf("lines %d–%d of %d · pgdn/pgup", scroll+1, scroll+len(vis), len(right)), rw)))
	}
	var b strings.Builder
	for i := 0; i < s.height; i++ {
		var l, r string
		if i < len(left) {
			l = left[i]
		}
		if i < len(right) {
			r = right[i]
		}
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(padStyled(l, lw) + " " + st.Dim.Render("│") + " " + truncate(r, rw))
	}
	return b.String()
}
