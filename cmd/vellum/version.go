package main

import (
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/vellumhq/vellum/capture"
)

// buildCommit is the commit `make build` and the Dockerfile name with
// -ldflags "-X main.buildCommit=…", for builds the Go toolchain cannot stamp
// (a git worktree, a Docker context without .git, GOFLAGS=-buildvcs=false).
var buildCommit string

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print Vellum's version and the commit it was built from",
		Args:  cobra.NoArgs,
		Run: func(cmd *cobra.Command, _ []string) {
			fmt.Fprintln(cmd.OutOrStdout(), currentVersion())
		},
	}
}

func currentVersion() string {
	bi, _ := debug.ReadBuildInfo()
	return versionLine(bi, buildCommit)
}

// versionLine says which Vellum this is: the release, and the commit (with
// its time) and Go version of the build, from what the toolchain stamped
// into the binary or, failing that, from the commit given at link time.
func versionLine(bi *debug.BuildInfo, linked string) string {
	s := "vellum " + capture.Version
	var rev, at, dirty, goVersion, module string
	if bi != nil {
		goVersion = bi.GoVersion
		if v := bi.Main.Version; v != "" && v != "(devel)" {
			module = v // go install …/cmd/vellum@version
		}
		for _, kv := range bi.Settings {
			switch kv.Key {
			case "vcs.revision":
				rev = kv.Value
			case "vcs.time":
				at = kv.Value
			case "vcs.modified":
				if kv.Value == "true" {
					dirty = "+dirty"
				}
			}
		}
	}
	if rev == "" {
		rev = linked
	}
	switch {
	case rev != "":
		s += " commit " + rev[:min(12, len(rev))] + dirty
		if at != "" {
			s += " (" + at + ")"
		}
	case module != "":
		s += " module " + module
	default:
		s += " commit unknown"
	}
	if goVersion != "" {
		s += " " + goVersion
	}
	return s
}
