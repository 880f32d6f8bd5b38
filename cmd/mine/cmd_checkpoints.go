package main

import (
	"fmt"
	"path/filepath"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/panos-mine/mine"
	"github.com/panos-mine/mine/collect"
	"github.com/panos-mine/mine/report"
)

type checkpointsOptions struct {
	dir       string
	format    string
	olderThan string
	all       bool
}

func newCheckpointsCmd(d *deps) *cobra.Command {
	o := &checkpointsOptions{}
	cmd := &cobra.Command{
		Use:   "checkpoints",
		Short: "List or remove the checkpoints of interrupted collections",
		Long: `A collection keeps each finished slice of its window on disk, so that a run
interrupted by a kill, a lost connection or a full disk resumes where it
stopped and queries only what is missing. A run removes its checkpoints once
its report is written; a collection started with the same device, scope,
log type and window reuses them, and one unused for --checkpoint-retention
(7 days) is removed when the next collection starts.

list shows them; clean removes them (those of a run in progress never).`,
		Args: argsUsage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	cmd.PersistentFlags().StringVar(&o.dir, "checkpoint", "", "checkpoint directory (default: $XDG_STATE_HOME/mine/checkpoints)")

	list := &cobra.Command{
		Use:   "list",
		Short: "List the checkpoints kept",
		Args:  argsUsage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			format, err := resolveFormat(d, o.format, listFormats...)
			if err != nil {
				return err
			}
			cps := &collect.Checkpoints{Root: checkpointRoot(d, o.dir)}
			infos, err := cps.List()
			if err != nil {
				return err
			}
			rows := make([][]string, len(infos))
			for i, c := range infos {
				rows[i] = checkpointRow(c, d.now())
			}
			return report.WriteList(d.io.out, report.Format(format),
				[]string{"CHECKPOINT", "LOG TYPE", "DEVICE", "SCOPE", "WINDOW (UTC)", "SLICES DONE", "SIZE", "LAST USED", "IN USE"}, rows)
		},
	}
	list.Flags().StringVar(&o.format, "format", "auto", "output: table, tsv, csv or json (auto: table on a terminal, tsv when piped)")

	clean := &cobra.Command{
		Use:   "clean",
		Short: "Remove checkpoints (all unused, or those older than --older-than)",
		Args:  argsUsage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			var age time.Duration
			if o.olderThan != "" {
				var err error
				if age, err = mine.ParseSince(o.olderThan); err != nil {
					return usagef("--older-than: %v", err)
				}
			} else if !o.all {
				return usagef("say what to remove: --all, or --older-than 7d")
			}
			cps := &collect.Checkpoints{Root: checkpointRoot(d, o.dir)}
			removed, err := cps.Clean(age, d.now())
			for _, r := range removed {
				fmt.Fprintf(d.io.out, "removed %s (%s, %s)\n", filepath.Base(r.Dir), r.LogType, windowText(r.From, r.To))
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(d.io.out, "%d checkpoint(s) removed\n", len(removed))
			return nil
		},
	}
	clean.Flags().StringVar(&o.olderThan, "older-than", "", "remove only checkpoints unused for this long (7d, 36h)")
	clean.Flags().BoolVar(&o.all, "all", false, "remove every checkpoint no run is using")
	cmd.AddCommand(list, clean)
	return cmd
}

func checkpointRow(c collect.CheckpointInfo, now time.Time) []string {
	if c.Unreadable != "" {
		return []string{filepath.Base(c.Dir), "?", "", "", "unreadable: " + c.Unreadable, "", sizeText(c.Bytes), ageText(now.Sub(c.Modified)), yesNoText(c.InUse)}
	}
	dev := c.Device
	if c.Target != "" {
		dev = c.Target + " via " + c.Device
	}
	scope := c.Vsys
	if c.DeviceGroup != "" {
		scope = c.DeviceGroup
	}
	return []string{filepath.Base(c.Dir), c.LogType, dev, scope, windowText(c.From, c.To),
		strconv.Itoa(c.Done) + "/" + strconv.Itoa(c.Slices), sizeText(c.Bytes), ageText(now.Sub(c.Modified)), yesNoText(c.InUse)}
}

func windowText(from, to time.Time) string {
	return from.UTC().Format("2006-01-02 15:04") + " to " + to.UTC().Format("2006-01-02 15:04")
}

func sizeText(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

func ageText(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%d days ago", int(d/(24*time.Hour)))
	case d >= 2*time.Hour:
		return fmt.Sprintf("%d hours ago", int(d/time.Hour))
	}
	return fmt.Sprintf("%d minutes ago", int(d/time.Minute))
}

func yesNoText(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
