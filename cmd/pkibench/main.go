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
	"strings"

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
		msg := errorLine(err)
		if isCobraUsage(err) {
			msg = err.Error() // cobra's suggestions are lines of their own
		}
		fmt.Fprintf(stderr, "pkibench: %s\nRun 'pkibench --help' for usage.\n", msg)
		return exitUsage
	}
	fmt.Fprintf(stderr, "pkibench: %s\n", errorLine(err))
	var h hintError
	if errors.As(err, &h) {
		fmt.Fprintln(stderr, h.hint)
	}
	if h := errorHint(err); h != "" {
		fmt.Fprintf(stderr, "  %s\n", h)
	}
	return exitFailure
}

// hintError is an error with a second line of advice, printed on its own
// line after the error.
type hintError struct {
	err  error
	hint string
}

func (h hintError) Error() string { return h.err.Error() + "\n" + h.hint }
func (h hintError) Unwrap() error { return h.err }

// errorLine is an error as the one line it is: a newline inside it comes
// from a name (a file name, a subject) and would start a line of output
// that pkibench did not write, so it is shown escaped like every other
// control character.
func errorLine(err error) string {
	var h hintError
	if errors.As(err, &h) && err == error(h) {
		err = h.err
	}
	return strings.ReplaceAll(err.Error(), "\n", `\x0A`)
}
