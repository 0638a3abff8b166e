package main

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

// The README documents every reason code, command and flag: this test reads
// the code's lists and fails when the README falls behind.
func TestREADMEDocumentsEverything(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(readme)
	codes, err := os.ReadFile("../../pki/verify/codes.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile(`Code = "([a-z0-9-]+)"`).FindAllStringSubmatch(string(codes), -1) {
		if !strings.Contains(doc, "`"+m[1]+"`") {
			t.Errorf("README does not document reason code %s", m[1])
		}
	}
	root := (&app{}).rootCommand()
	for _, c := range root.Commands() {
		if c.Hidden || c.Name() == "help" || c.Name() == "completion" {
			continue
		}
		if !strings.Contains(doc, "pkibench "+c.Name()) {
			t.Errorf("README does not document command %s", c.Name())
		}
		cmds := append(c.Commands(), c)
		for _, sub := range cmds {
			sub.LocalFlags().VisitAll(func(f *pflagFlag) {
				if !strings.Contains(doc, "--"+f.Name) {
					t.Errorf("README does not document flag --%s of %s", f.Name, sub.CommandPath())
				}
			})
		}
	}
	if !strings.HasPrefix(strings.TrimSpace(doc), "# pkibench") || !strings.Contains(doc[:400], "go test ./...") || !strings.Contains(doc[:400], "go run ./cmd/pkibench") {
		t.Error("README must open with the TUI command and the test command")
	}
}

type pflagFlag = pflag.Flag

// BENCHMARKS.md quotes the tables bench/compare.sh wrote, verbatim, so the
// figures a reader sees are the ones the script produced.
func TestBenchmarksQuoteCompareTable(t *testing.T) {
	bench, err := os.ReadFile("../../BENCHMARKS.md")
	if err != nil {
		t.Fatal(err)
	}
	table, err := os.ReadFile("../../bench/compare.md")
	if err != nil {
		t.Fatal(err)
	}
	if len(strings.TrimSpace(string(table))) == 0 || !strings.Contains(string(bench), strings.TrimSpace(string(table))) {
		t.Error("BENCHMARKS.md does not quote bench/compare.md (rerun `bash bench/compare.sh` and paste its tables)")
	}
}
