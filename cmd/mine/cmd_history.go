package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/panos-mine/mine"
	"github.com/panos-mine/mine/history"
)

type historyOptions struct {
	db     string
	target string
	format string
}

func newHistoryCmd(d *deps) *cobra.Command {
	o := &historyOptions{}
	cmd := &cobra.Command{
		Use:   "history",
		Short: "Print the week-over-week trend of the catch-all from the history",
		Long: `History prints, for each target kept in the history database, one line
per run: the window, the catch-all's hits since the run before (from the
hit counter snapshots; n/a for the first snapshot of an old counter, marked
when a reset lost some), the sessions of ordinary clients, distinct URLs,
HTTP status classes, suggestions and the readiness verdict.

The database is plain SQLite: docs/history.md describes its tables and
views for any SQLite tool.`,
		Example: `  mine history
  mine history --target edge --format json`,
		Args: argsUsage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			switch o.format {
			case "table", "json":
			default:
				return usagef("--format %q: want table or json", o.format)
			}
			path := historyPath(d, o.db, "")
			if _, err := os.Stat(path); err != nil {
				return usagef("no history database at %s: %v", path, err)
			}
			store, err := history.Open(cmd.Context(), path)
			if err != nil {
				return err
			}
			defer store.Close()
			targets := []string{o.target}
			if o.target == "" {
				if targets, err = store.Targets(cmd.Context()); err != nil {
					return err
				}
			}
			all := map[string][]mine.TrendPoint{}
			for _, t := range targets {
				tr, err := store.Trend(cmd.Context(), t)
				if err != nil {
					return err
				}
				if len(tr) == 0 && o.target != "" {
					return usagef("no runs of target %q in %s", o.target, path)
				}
				all[t] = tr
			}
			if o.format == "json" {
				enc := json.NewEncoder(d.io.out)
				enc.SetIndent("", "  ")
				return enc.Encode(all)
			}
			for i, t := range targets {
				if i > 0 {
					fmt.Fprintln(d.io.out)
				}
				fmt.Fprintf(d.io.out, "%s:\n", t)
				if err := writeTrend(d.io.out, all[t]); err != nil {
					return err
				}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.db, "db", "", "history database (env MINE_DB; default $XDG_STATE_HOME/mine/history.db)")
	f.StringVar(&o.target, "target", "", "only this target")
	f.StringVar(&o.format, "format", "table", "output: table or json")
	return cmd
}

// writeTrend prints a target's runs, oldest first.
func writeTrend(w io.Writer, trend []mine.TrendPoint) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "WEEK\tWINDOW (UTC)\tCATCH-ALL HITS\tCHANGE\tCLIENT SESSIONS\tURLS\t2XX\t3XX\t4XX\t5XX\tSUGGESTED\tVERDICT\t")
	for i, p := range trend {
		var prev *mine.TrendPoint
		if i > 0 {
			prev = &trend[i-1]
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t\n", isoWeek(p.Window),
			p.Window.From.Format("01-02 15:04")+" to "+p.Window.To.Format("01-02 15:04"),
			hitsText(p), change(p, prev), p.ClientSessions, p.DistinctURLs,
			p.StatusClasses[2], p.StatusClasses[3], p.StatusClasses[4], p.StatusClasses[5],
			p.Suggestions, verdictText(p.Verdict))
	}
	return tw.Flush()
}
