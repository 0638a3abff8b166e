package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/pkibench/pkibench/store"
)

// app holds what every command shares: streams and global flags.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	// raw is stdout without escaping: JSON (escaped as JSON) and bytes the
	// user asked for (export to stdout).
	raw io.Writer
	// rawStdout is stdout before buffering: is it a terminal?
	rawStdout    io.Writer
	storeDir     string
	json         bool
	passFile     string
	showCommands bool
}

func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "pkibench",
		Short: "A terminal PKI workbench: CAs, certificates, CRLs and mTLS handshakes that say why",
		Long: `pkibench creates certificate authorities, issues and inspects certificates,
revokes them and publishes CRLs, and runs live mutual-TLS handshakes that answer
ACCEPT or REJECT with the reason, the evidence and the fix.

With no command it opens the TUI (it needs a terminal).

Where the store lives (the first rule that applies):
` + store.LocationRule + `
Commands that write create that store when it is missing ('pkibench init [DIR]'
creates one explicitly); commands that only read never create one.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          groupArgs,
		RunE:          a.runTUI,
	}
	pf := root.PersistentFlags()
	pf.StringVar(&a.storeDir, "store", "", "store folder (default $PKIBENCH_STORE, else ./pki if it holds store.json, else $XDG_DATA_HOME/pkibench)")
	pf.BoolVar(&a.json, "json", false, "print JSON instead of text")
	pf.StringVar(&a.passFile, "passphrase-file", "", "read passphrases from this file (first line) instead of prompting")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(a.caCommand(), a.issueCommand(), a.signCommand(), a.csrCommand(), a.listCommand(),
		a.revokeCommand(), a.crlCommand(), a.importCommand(), a.exportCommand(), a.checkCommand(), a.inspectCommand(), a.verifyCommand(), a.probeCommand(), a.serveCommand(), a.labCommand(),
		a.initCommand(), a.versionCommand(), a.manCommand(root))
	root.Version = readBuildInfo().String()
	root.SetVersionTemplate("{{.Version}}\n")
	makeGroups(root)
	a.registerCompletions(root)
	return root
}

func isCobraUsage(err error) bool {
	m := err.Error()
	return strings.HasPrefix(m, "unknown command") || strings.HasPrefix(m, "unknown flag") ||
		strings.HasPrefix(m, "unknown shorthand flag") || strings.Contains(m, "accepts ") ||
		strings.HasPrefix(m, "requires at least") || strings.HasPrefix(m, "required flag")
}

// location applies store.Locate to --store, the environment and the working folder.
func (a *app) location() (store.Location, error) {
	cwd, err := os.Getwd()
	if err != nil {
		return store.Location{}, fmt.Errorf("working folder: %w", err)
	}
	return store.Locate(a.storeDir, os.Getenv, cwd)
}

// dir is the store folder for messages ("" when no rule gives one).
func (a *app) dir() string {
	loc, err := a.location()
	if err != nil {
		return ""
	}
	return loc.Dir
}

// openStore opens the store for writing, creating it when absent.
func (a *app) openStore() (*store.Store, error) {
	loc, err := a.location()
	if err != nil {
		return nil, err
	}
	return store.OpenOrCreate(loc.Dir)
}

// readStore opens an existing store; read-only commands never create one.
func (a *app) readStore() (*store.Store, error) {
	loc, err := a.location()
	if err != nil {
		return nil, err
	}
	st, err := store.Open(loc.Dir)
	if errors.Is(err, store.ErrNotStore) {
		return nil, hintError{err, fmt.Sprintf("the folder comes from %s; create a store there with 'pkibench init', or point --store at an existing one", loc.Source)}
	}
	return st, err
}

func (a *app) printJSON(v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = a.rawOut().Write(append(jsonEscapeControls(b), '\n'))
	return err
}

// printJSONList prints items exactly as printJSON prints the slice, one
// element at a time, so the text of a matrix of 10,000 results is never
// held whole (it was the peak of the process's memory).
func printJSONList[T any](a *app, items []T) error {
	if len(items) == 0 {
		return a.printJSON(items) // null or []
	}
	w := a.rawOut()
	if _, err := io.WriteString(w, "[\n"); err != nil {
		return err
	}
	for i, it := range items {
		b, err := json.MarshalIndent(it, "  ", "  ")
		if err != nil {
			return err
		}
		line := append(append([]byte("  "), b...), ",\n"...)
		if i == len(items)-1 {
			line[len(line)-2] = '\n'
			line = line[:len(line)-1]
		}
		if _, err := w.Write(jsonEscapeControls(line)); err != nil {
			return err
		}
	}
	_, err := io.WriteString(w, "]\n")
	return err
}

// rawOut is the unescaped stdout (tests build app without raw).
func (a *app) rawOut() io.Writer {
	if a.raw != nil {
		return a.raw
	}
	return a.stdout
}

// jsonEscapeControls writes DEL and the C1 controls, which encoding/json
// leaves raw, as \u escapes: the same JSON value, and nothing a terminal
// would act on. They can only occur inside JSON strings.
func jsonEscapeControls(b []byte) []byte {
	s := string(b)
	if !strings.ContainsFunc(s, func(r rune) bool { return r >= 0x7f && r <= 0x9f }) {
		return b
	}
	var out strings.Builder
	for _, r := range s {
		if r >= 0x7f && r <= 0x9f {
			fmt.Fprintf(&out, `\u%04x`, r)
		} else {
			out.WriteRune(r)
		}
	}
	return []byte(out.String())
}

func (a *app) printf(format string, args ...any) { fmt.Fprintf(a.stdout, format, args...) }

// flush pushes buffered output out now (serve prints as connections come).
func (a *app) flush() {
	if f, ok := a.rawOut().(interface{ Flush() error }); ok {
		f.Flush()
	}
}
