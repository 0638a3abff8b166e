package ui

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// tapeStep is one thing the replay does: press keys, or check the screen.
type tapeStep struct {
	line   int
	keys   []string // key names as keyMsg takes them
	expect string
}

type tape struct {
	width, height int
	steps         []tapeStep
	sawEnd        bool
}

// vhsKeys maps VHS key commands to keyMsg names.
var vhsKeys = map[string]string{
	"Enter": "enter", "Tab": "tab", "Escape": "esc", "Up": "up", "Down": "down",
	"Left": "left", "Right": "right", "Backspace": "backspace", "Space": "space",
	"PageUp": "pgup", "PageDown": "pgdown", "Home": "home", "End": "end",
}

// vhsOther are commands that do not press keys in the program.
var vhsOther = map[string]bool{
	"Output": true, "Set": true, "Sleep": true, "Hide": true, "Show": true,
	"Screenshot": true, "Require": true, "Source": true, "Env": true, "Wait": true,
}

// parseTape reads a VHS tape. Only the part between "# tui: start" and
// "# tui: end" becomes steps; everything else must still be valid VHS.
func parseTape(path string) (tape, error) {
	f, err := os.Open(path)
	if err != nil {
		return tape{}, err
	}
	defer f.Close()
	var tp tape
	in := false
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		if c, ok := strings.CutPrefix(line, "#"); ok {
			c = strings.TrimSpace(c)
			switch {
			case c == "tui: start":
				in = true
			case c == "tui: end":
				in, tp.sawEnd = false, true
			case strings.HasPrefix(c, "tui: size "):
				if _, err := fmt.Sscanf(strings.TrimPrefix(c, "tui: size "), "%dx%d", &tp.width, &tp.height); err != nil {
					return tp, fmt.Errorf("line %d: size: %w", n, err)
				}
			case strings.HasPrefix(c, "expect: "):
				if in {
					tp.steps = append(tp.steps, tapeStep{line: n, expect: strings.TrimPrefix(c, "expect: ")})
				}
			}
			continue
		}
		cmd, rest, _ := strings.Cut(line, " ")
		name, _, _ := strings.Cut(cmd, "@") // Type@100ms, Down@50ms
		var keys []string
		switch {
		case name == "Type":
			text, err := unquote(strings.TrimSpace(rest))
			if err != nil {
				return tp, fmt.Errorf("line %d: %w", n, err)
			}
			for _, r := range text {
				keys = append(keys, string(r))
			}
		case vhsKeys[name] != "":
			count := 1
			if rest = strings.TrimSpace(rest); rest != "" {
				if count, err = strconv.Atoi(rest); err != nil || count < 1 {
					return tp, fmt.Errorf("line %d: bad repeat count %q", n, rest)
				}
			}
			for range count {
				keys = append(keys, vhsKeys[name])
			}
		case strings.HasPrefix(name, "Ctrl+"):
			keys = []string{"ctrl+" + strings.ToLower(strings.TrimPrefix(name, "Ctrl+"))}
		case vhsOther[name]:
		default:
			return tp, fmt.Errorf("line %d: unknown VHS command %q", n, name)
		}
		if in && len(keys) > 0 {
			tp.steps = append(tp.steps, tapeStep{line: n, keys: keys})
		}
	}
	if err := sc.Err(); err != nil {
		return tp, err
	}
	if !tp.sawEnd || tp.width == 0 {
		return tp, fmt.Errorf("%s: needs \"# tui: size WxH\", \"# tui: start\" and \"# tui: end\"", path)
	}
	return tp, nil
}

func unquote(s string) (string, error) {
	if len(s) >= 2 {
		switch q := s[0]; q {
		case '"', '\'', '`':
			if s[len(s)-1] == q {
				return s[1 : len(s)-1], nil
			}
		}
	}
	return "", fmt.Errorf("Type needs a quoted string, got %s", s)
}

// TestDemoTape replays demo.tape against the workbench on a fresh store and
// checks the screens it passes through.
func TestDemoTape(t *testing.T) {
	tp, err := parseTape(filepath.Join("..", "demo.tape"))
	if err != nil {
		t.Fatal(err)
	}
	// The tour must keep showing what the issue asks of it, in this order.
	milestones := []string{"CA demo-ca created", "issued server", "issued client", "Inspect server", "ACCEPT",
		"Revoke client", "published", "REJECT", "client-cert-revoked"}
	next := 0
	for _, s := range tp.steps {
		if next < len(milestones) && strings.Contains(s.expect, milestones[next]) {
			next++
		}
	}
	if next < len(milestones) {
		t.Fatalf("demo.tape no longer checks %q (in order: %q)", milestones[next], milestones)
	}

	d := newDriver(t, testStore(t), tp.width, tp.height)
	for _, s := range tp.steps {
		if s.expect != "" {
			if !strings.Contains(d.screen(), s.expect) {
				t.Fatalf("demo.tape line %d: screen lacks %q:\n%s", s.line, s.expect, d.screen())
			}
			continue
		}
		d.press(s.keys...)
	}
	if !d.quit {
		t.Fatalf("demo.tape does not quit the workbench; last screen:\n%s", d.screen())
	}
}

func TestParseTapeRejectsUnknownCommands(t *testing.T) {
	for _, c := range []struct{ name, body string }{
		{"typo", "# tui: size 80x24\n# tui: start\nEntr\n# tui: end\n"},
		{"no end", "# tui: size 80x24\n# tui: start\nEnter\n"},
		{"bad count", "# tui: size 80x24\n# tui: start\nDown x\n# tui: end\n"},
		{"unquoted", "# tui: size 80x24\n# tui: start\nType hello\n# tui: end\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "x.tape")
			if err := os.WriteFile(p, []byte(c.body), 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := parseTape(p); err == nil {
				t.Fatal("parseTape accepted a broken tape")
			}
		})
	}
}
