package main

import (
	"errors"

	"github.com/spf13/cobra"

	"github.com/pkibench/pkibench/store"
)

// initCommand creates a store explicitly, like easyrsa init-pki (which it
// never empties: an existing store is left as it is).
func (a *app) initCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "init [DIR]",
		Short: "Create an empty store (DIR, else where the store rule points)",
		Long: `init creates an empty store in DIR, or, with no DIR, where the store rule
points (the first rule that applies):
` + store.LocationRule + `
An existing store is left untouched. init is optional: commands that write
create the store they are pointed at.`,
		Example: `  pkibench init ./pki     # the easy-rsa habit: later commands in this folder use ./pki
  pkibench init           # the default store, ~/.local/share/pkibench`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := ""
			if len(args) == 1 {
				dir = args[0]
			} else {
				loc, err := a.location()
				if err != nil {
					return err
				}
				dir = loc.Dir
			}
			existed := true
			if _, err := store.Open(dir); errors.Is(err, store.ErrNotStore) {
				existed = false
			}
			st, err := store.OpenOrCreate(dir)
			if err != nil {
				return err
			}
			if a.json {
				return a.printJSON(map[string]any{"store": st.Path(), "created": !existed})
			}
			if existed {
				a.printf("store already at %s (left as it is)\n", st.Path())
			} else {
				a.printf("created store %s\n", st.Path())
			}
			return nil
		},
	}
}
