// Command pkibench is the thin entry point: flags -> open the store -> run
// the TUI or one command. Every operation lives in store, pki or probe.
package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/pkibench/pkibench/pki"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// Exit codes (README): 0 success/ACCEPT, 1 failure/REJECT, 2 usage error.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// usageError marks errors in how the command was called (exit code 2).
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }
func (u usageError) Unwrap() error { return u.err }

func usagef(format string, a ...any) error { return usageError{fmt.Errorf(format, a...)} }

// errReported is returned when the command already printed its verdict
// (REJECT, verify failure) and only the exit code remains to set.
var errReported = errors.New("")

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	// Buffered: listing 100,000 rows would otherwise cost a write per cell.
	// serve flushes after every verdict line.
	out := bufio.NewWriterSize(stdout, 64<<10)
	defer out.Flush()
	// Text goes through the one escaping helper: whatever a certificate or
	// file holds reaches the terminal (or a pipe) with control characters
	// written \xHH. JSON and file contents use raw (see printJSON).
	stderr = pki.EscapeWriter{W: stderr}
	app := &app{stdin: stdin, stdout: pki.EscapeWriter{W: out}, raw: out, rawStdout: stdout, stderr: stderr}
	root := app.rootCommand()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(app.stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(context.Background())
	out.Flush()
	if err == nil {
		return exitOK
	}
	if errors.Is(err, errNoTerminal) {
		fmt.Fprintln(stderr, err)
		return exitUsage
	}
	if errors.Is(err, errReported) {
		return exitFailure
	}
	var u usageError
	if errors.As(err, &u) || isCobraUsage(err) {
		fmt.Fprintf(stderr, "pkibench: %v\nRun 'pkibench --help' for usage.\n", err)
		return exitUsage
	}
	fmt.Fprintf(stderr, "pkibench: %v\n", err)
	if h := errorHint(err); h != "" {
		fmt.Fprintf(stderr, "  %s\n", h)
	}
	return exitFailure
}
