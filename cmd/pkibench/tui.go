package main

import (
	"github.com/spf13/cobra"

	"github.com/pkibench/pkibench/ui"
)

// runTUI opens the workbench on the store, creating an empty one on first use.
func (a *app) runTUI(cmd *cobra.Command, args []string) error {
	st, err := a.openStore()
	if err != nil {
		return err
	}
	a.flush()
	return ui.Run(cmd.Context(), st, ui.Options{})
}
