package main

import (
	"fmt"
	"io"
	"runtime/debug"

	"github.com/spf13/cobra"
)

func newVersionCmd(d *deps) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print mine's version, commit and build date",
		Long: `Version prints what the Go toolchain recorded in the binary: the module
version ('go install ...@v1.2.3'; "(devel)" for a build from a checkout),
the commit it was built from and that commit's date, with "modified" when
the checkout had uncommitted changes. A field the build did not record
(go run, a build outside a git checkout, -buildvcs=false) reads "unknown".`,
		Args: argsUsage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			bi, _ := debug.ReadBuildInfo()
			return writeVersion(d.io.out, bi)
		},
	}
}

// writeVersion prints the version, commit and date of a build; bi is nil
// when the binary carries no build information.
func writeVersion(w io.Writer, bi *debug.BuildInfo) error {
	version, commit, date, goVersion := "unknown", "unknown", "unknown", "unknown"
	modified := false
	if bi != nil {
		if bi.Main.Version != "" {
			version = bi.Main.Version
		}
		if bi.GoVersion != "" {
			goVersion = bi.GoVersion
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				if s.Value != "" {
					commit = s.Value
				}
			case "vcs.time":
				if s.Value != "" {
					date = s.Value
				}
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	if modified {
		commit += " (modified)"
	}
	_, err := fmt.Fprintf(w, "mine %s\ncommit  %s\ndate    %s\ngo      %s\n", version, commit, date, goVersion)
	return err
}
