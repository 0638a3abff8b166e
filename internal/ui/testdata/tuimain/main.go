// Command tuimain starts the workbench the way cmd/pkibench does with no
// command; TestTmux falls back to it while the real binary does not open
// the TUI yet.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"pkibench/internal/store"
	"pkibench/internal/ui"
)

func main() {
	dir := flag.String("store", "pki", "store folder")
	flag.Parse()
	st, err := store.OpenOrCreate(*dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := ui.Run(context.Background(), st, ui.Options{}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
