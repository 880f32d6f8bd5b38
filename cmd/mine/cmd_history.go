package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/panos-mine/mine"
	"github.com/panos-mine/mine/history"
	"github.com/panos-mine/mine/report"
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
			format, err := resolveFormat(d, o.format, listFormats...)
			if err != nil {
				return err
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
			switch format {
			case "json":
				enc := json.NewEncoder(d.io.out)
				enc.SetIndent("", "  ")
				return enc.Encode(all)
			case "tsv", "csv":
				// One list of every target's runs, the target first.
				var rows [][]string
				for _, t := range targets {
					for _, r := range trendRows(all[t]) {
						rows = append(rows, append([]string{t}, r...))
					}
				}
				return report.WriteColumns(d.io.out, report.Format(format), append([]report.Column{{Header: "TARGET"}}, trendColumns...), rows)
			}
			for i, t := range targets {
				if i > 0 {
					fmt.Fprintln(d.io.out)
				}
				fmt.Fprintf(d.io.out, "%s:\n", clean(t))
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
	f.StringVar(&o.format, "format", "auto", formatHelp(listFormats...))
	return cmd
}

// trendColumns are the columns of a history's runs; on a narrow terminal
// the window, 3xx, 5xx and the URLs go first (the week names the run).
var trendColumns = []report.Column{
	{Header: "WEEK"}, {Header: "WINDOW (UTC)", Drop: 7}, {Header: "CATCH-ALL HITS", Right: true}, {Header: "CHANGE", Right: true},
	{Header: "CLIENT SESSIONS", Right: true}, {Header: "URLS", Right: true, Drop: 4}, {Header: "2XX", Right: true, Drop: 3},
	{Header: "3XX", Right: true, Drop: 6}, {Header: "4XX", Right: true, Drop: 2}, {Header: "5XX", Right: true, Drop: 5},
	{Header: "SUGGESTED", Right: true, Drop: 1}, {Header: "VERDICT"},
}

// trendRows are a target's runs, oldest first, as trendColumns show them.
func trendRows(trend []mine.TrendPoint) [][]string {
	rows := make([][]string, len(trend))
	for i, p := range trend {
		var prev *mine.TrendPoint
		if i > 0 {
			prev = &trend[i-1]
		}
		c := p.StatusClasses
		rows[i] = []string{isoWeek(p.Window),
			p.Window.From.UTC().Format("01-02 15:04") + " to " + p.Window.To.UTC().Format("01-02 15:04"),
			hitsText(p), change(p, prev), report.Count(p.ClientSessions), report.Count(int64(p.DistinctURLs)),
			report.Count(c[2]), report.Count(c[3]), report.Count(c[4]), report.Count(c[5]),
			report.Count(int64(p.Suggestions)), verdictText(p.Verdict)}
	}
	return rows
}

// writeTrend prints a target's runs, oldest first, as a table.
func writeTrend(w io.Writer, trend []mine.TrendPoint) error {
	return report.WriteColumns(w, report.FormatTable, trendColumns, trendRows(trend))
}
