package main

import (
	"github.com/spf13/cobra"
)

func (a *app) runTUI(cmd *cobra.Command, args []string) error {
	st, err := a.openStore()
	if err != nil {
		return err
	}
	a.printf("pkibench: store %s (the TUI is not built yet)\n", st.Path())
	return nil
}
