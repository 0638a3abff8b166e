package main

import (
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

// buildInfo is what `version` reports, read from the binary's build
// information (module version, VCS stamp, Go version); nothing is injected
// with -ldflags, so `go install` and `go build` in a checkout both report it.
type buildInfo struct {
	Module    string `json:"module"`
	Version   string `json:"version"`
	Revision  string `json:"revision"`
	Time      string `json:"time"`
	Modified  bool   `json:"modified"`
	GoVersion string `json:"go"`
}

func readBuildInfo() buildInfo { return fromBuildInfo(debug.ReadBuildInfo()) }

// fromBuildInfo keeps what a user needs to name the build in a bug report.
func fromBuildInfo(bi *debug.BuildInfo, ok bool) buildInfo {
	if !ok {
		return buildInfo{Module: "github.com/pkibench/pkibench", Version: "(unknown)", GoVersion: "(unknown)"}
	}
	out := buildInfo{Module: bi.Main.Path, Version: bi.Main.Version, GoVersion: bi.GoVersion}
	if out.Module == "" {
		// A test binary has no main module path.
		out.Module = "github.com/pkibench/pkibench"
	}
	if out.Version == "" {
		out.Version = "(devel)"
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			out.Revision = s.Value
		case "vcs.time":
			out.Time = s.Value
		case "vcs.modified":
			out.Modified = s.Value == "true"
		}
	}
	return out
}

// String is the one line --version prints.
func (b buildInfo) String() string {
	var s strings.Builder
	fmt.Fprintf(&s, "pkibench %s", b.Version)
	if b.Revision != "" {
		rev := b.Revision
		if len(rev) > 12 {
			rev = rev[:12]
		}
		fmt.Fprintf(&s, " (%s", rev)
		if b.Modified {
			s.WriteString("+modified")
		}
		if b.Time != "" {
			fmt.Fprintf(&s, ", %s", b.Time)
		}
		s.WriteString(")")
	}
	fmt.Fprintf(&s, " %s", b.GoVersion)
	return s.String()
}

func (a *app) versionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, VCS revision and time, and Go version (--json for all fields)",
		Args:  exactArgs(0, ""),
		RunE: func(cmd *cobra.Command, args []string) error {
			b := readBuildInfo()
			if a.json {
				return a.printJSON(b)
			}
			a.printf("%s\n", b)
			return nil
		},
	}
}
