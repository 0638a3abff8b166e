package main

import (
	"errors"
	"os"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"github.com/pkibench/pkibench/ui"
)

// errNoTerminal is the one line `pkibench` prints when it is not on a
// terminal (exit 2, nothing created).
var errNoTerminal = errors.New("pkibench: the TUI needs a terminal; run a command instead (pkibench --help)")

// runTUI opens the workbench on the store, creating an empty one on first
// use. Without a terminal it creates nothing and says why in one line.
func (a *app) runTUI(cmd *cobra.Command, args []string) error {
	if !isTerminal(a.stdin) || !isTerminal(a.rawStdout) {
		return errNoTerminal
	}
	st, err := a.openStore()
	if err != nil {
		return err
	}
	a.flush()
	return ui.Run(cmd.Context(), st, ui.Options{})
}

// isTerminal reports whether a stream is an *os.File on a terminal.
func isTerminal(stream any) bool {
	f, ok := stream.(*os.File)
	return ok && term.IsTerminal(f.Fd())
}
