package main

import (
	"strings"

	"github.com/spf13/cobra"
)

// unknownCommand is the usage error for a word that names no subcommand of
// c, with cobra's Levenshtein suggestions ("did you mean issue?").
func unknownCommand(c *cobra.Command, word string) error {
	if c.SuggestionsMinimumDistance <= 0 {
		c.SuggestionsMinimumDistance = 2 // cobra's own default, applied only inside Find
	}
	msg := "unknown command \"" + word + "\" for \"" + c.CommandPath() + "\""
	if s := c.SuggestionsFor(word); len(s) > 0 {
		msg += "\n\nDid you mean this?\n\t" + strings.Join(s, "\n\t")
	}
	return usagef("%s", msg)
}

// groupArgs lets a command that only groups subcommands (ca, the root)
// refuse an unknown word as a usage error; cobra would otherwise print the
// help and exit 0 ("pkibench ca crate").
func groupArgs(c *cobra.Command, args []string) error {
	if len(args) > 0 {
		return unknownCommand(c, args[0])
	}
	return nil
}

// makeGroups walks the tree: every command with subcommands and no action of
// its own gets groupArgs and prints its help when called bare.
func makeGroups(c *cobra.Command) {
	for _, sub := range c.Commands() {
		makeGroups(sub)
	}
	if !c.HasSubCommands() || c.Runnable() {
		return
	}
	c.Args = groupArgs
	c.RunE = func(cmd *cobra.Command, args []string) error { return cmd.Help() }
}
