package testtool

import (
	"strings"
	"testing"
)

func TestSkipSummary(t *testing.T) {
	s := &skipCount{byTool: map[string]int{}}
	if got := s.Summary("store"); got != "" {
		t.Errorf("no skips: %q", got)
	}
	s.add("openssl")
	s.add("openssl")
	s.add("node")
	got := s.Summary("store")
	for _, want := range []string{"pkibench/store: 3 interop test(s) skipped", "node (1), openssl (2)", "CI=true bash .ci/run"} {
		if !strings.Contains(got, want) {
			t.Errorf("summary %q lacks %q", got, want)
		}
	}
	if strings.Contains(got, "\n") {
		t.Errorf("summary is more than one line: %q", got)
	}
}

// TestRequireCountsSkips runs Require for a tool that cannot exist, outside
// CI, in a subtest, and checks the count.
func TestRequireCountsSkips(t *testing.T) {
	t.Setenv("CI", "")
	before := skipped.Summary("x")
	t.Run("missing", func(t *testing.T) { Require(t, "pkibench-no-such-tool") })
	after := skipped.Summary("x")
	if after == before || !strings.Contains(after, "pkibench-no-such-tool (1)") {
		t.Errorf("the skip was not counted: %q", after)
	}
}
