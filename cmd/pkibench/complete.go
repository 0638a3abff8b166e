package main

import (
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/pkibench/pkibench/pki"
	"github.com/pkibench/pkibench/probe"
	"github.com/pkibench/pkibench/probe/lab"
	"github.com/pkibench/pkibench/store"
)

// completer lists the values a flag or argument can take. Store names are
// read from the store the rule points at, which is never created here.
type completer func(a *app) []string

// flagValues: a flag of this name, on any command, completes these values.
// One table, so a new command with --ca gets CA names without more code.
var flagValues = map[string]completer{
	"ca":           (*app).caNames,
	"parent":       (*app).caNames,
	"server-trust": (*app).caNames,
	"client-trust": (*app).caNames,
	"client":       func(a *app) []string { return append([]string{"none"}, a.identityNames()...) },
	"server":       (*app).identityNames,
	"reason":       func(*app) []string { return pki.ReasonNames },
	"profile":      func(*app) []string { return strs(pki.LeafProfiles) },
	"algo":         func(*app) []string { return strs(pki.Algorithms) },
	"format":       func(*app) []string { return store.ExportFormats },
	"auth":         func(*app) []string { return strs(probe.AuthModes) },
	"usage":        func(*app) []string { return []string{"server", "client", "any"} },
	"status":       func(*app) []string { return []string{"valid", "revoked", "expired"} },
	"client-tls":   func(*app) []string { return []string{"1.2", "1.3"} },
	"server-tls":   func(*app) []string { return []string{"1.2", "1.3"} },
}

// argValues: the positional arguments of a command (by its path without
// "pkibench "), and whether files complete too.
var argValues = map[string]struct {
	values completer
	files  bool
}{
	"revoke":  {(*app).targetNames, false},
	"export":  {(*app).targetNames, false},
	"inspect": {(*app).targetNames, true},
	"verify":  {(*app).targetNames, true},
	"crl":     {(*app).caNames, false},
	"lab":     {func(*app) []string { return scenarioIDs() }, false},
}

func strs[T ~string](in []T) []string {
	out := make([]string, len(in))
	for i, v := range in {
		out[i] = string(v)
	}
	return out
}

func scenarioIDs() []string {
	var out []string
	for _, s := range lab.Scenarios() {
		out = append(out, s.ID)
	}
	return out
}

// registerCompletions walks the command tree once and wires the tables in.
func (a *app) registerCompletions(c *cobra.Command) {
	for _, sub := range c.Commands() {
		a.registerCompletions(sub)
	}
	c.LocalNonPersistentFlags().VisitAll(func(f *pflag.Flag) {
		if values, ok := flagValues[f.Name]; ok {
			// Registering twice is the only error; the walk visits each flag once.
			_ = c.RegisterFlagCompletionFunc(f.Name, a.complete(values, false))
		}
	})
	path := strings.TrimPrefix(c.CommandPath(), "pkibench ")
	if v, ok := argValues[path]; ok && c.ValidArgsFunction == nil {
		c.ValidArgsFunction = a.complete(v.values, v.files)
	}
}

// complete adapts a completer to cobra, filtering by what was typed.
func (a *app) complete(values completer, files bool) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		var out []string
		for _, v := range values(a) {
			if strings.HasPrefix(v, toComplete) {
				out = append(out, v)
			}
		}
		if files {
			return out, cobra.ShellCompDirectiveDefault
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

// caNames lists the store's CAs; none when there is no store.
func (a *app) caNames() []string {
	st, err := a.readStore()
	if err != nil {
		return nil
	}
	names, _ := st.CANames()
	return names
}

// identityNames lists certificates that can take a side of a handshake:
// issued and imported ones (CAs are not TLS identities).
func (a *app) identityNames() []string {
	st, err := a.readStore()
	if err != nil {
		return nil
	}
	certs, err := st.List(store.ListFilter{})
	if err != nil {
		return nil
	}
	var out []string
	for _, c := range certs {
		if c.Kind != "ca" && c.Name != "" {
			out = append(out, c.Name)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// targetNames lists every name a target can be: certificates, CAs, imports.
func (a *app) targetNames() []string {
	out := append(a.identityNames(), a.caNames()...)
	slices.Sort(out)
	return slices.Compact(out)
}
