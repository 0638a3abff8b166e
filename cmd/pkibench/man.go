package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

// manCommand writes one man page per command (pkibench.1, pkibench-ca-create.1,
// ...) from the same command tree the CLI runs, so they never drift apart.
func (a *app) manCommand(root *cobra.Command) *cobra.Command {
	return &cobra.Command{
		Use:     "man DIR",
		Short:   "Write the man pages (section 1) into DIR",
		Example: "  pkibench man ./man && man ./man/pkibench-issue.1",
		Args:    exactArgs(1, "DIR"),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := args[0]
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return fmt.Errorf("man: %w", err)
			}
			// No date in the header: the pages are reproducible.
			hdr := &doc.GenManHeader{Title: "PKIBENCH", Section: "1", Source: "pkibench " + readBuildInfo().Version, Manual: "pkibench manual"}
			root.DisableAutoGenTag = true
			if err := doc.GenManTree(root, hdr, dir); err != nil {
				return fmt.Errorf("man %s: %w", dir, err)
			}
			entries, err := os.ReadDir(dir)
			if err != nil {
				return err
			}
			a.printf("wrote %d man pages to %s\n", len(entries), dir)
			return nil
		},
	}
}
