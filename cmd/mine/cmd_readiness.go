package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/panos-mine/mine"
	"github.com/panos-mine/mine/correlate"
	"github.com/panos-mine/mine/history"
	"github.com/panos-mine/mine/report"
)

type readinessOptions struct {
	conn       connOptions
	collect    collectOptions
	since      string
	until      string
	catchAll   []string
	configFile string
	minWindow  string
	recent     string
	freshness  string
	maxWeekly  int64
	expect     []string
	format     string
	db         string
}

// verdictError carries a readiness verdict that is not "ready" out of the
// command, as exit code 4 or 5.
type verdictError struct {
	code int
	msg  string
}

func (e verdictError) Error() string { return e.msg }
func (e verdictError) ExitCode() int { return e.code }

func newReadinessCmd(d *deps) *cobra.Command {
	o := &readinessOptions{}
	cmd := &cobra.Command{
		Use:   "readiness",
		Short: "Judge whether the catch-all can be retired; the exit code says",
		Long: `Readiness collects the window's evidence like 'mine run' and judges each
catch-all rule READY, NOT READY or NOT ENOUGH EVIDENCE, listing every
criterion as pass, fail or unknown with its evidence:

  signatures-logging  the HTTP status signatures are deployed and logging
                      (fresh threat logs in the window, also for the
                      catch-all's own HTTP traffic)
  window-length       the evidence reaches back --min-window
  catch-all-hits      sessions from non-scanners on the catch-all are at
                      most --max-weekly-sessions in the latest week and not
                      rising week over week (from the runs stored in the
                      history, --db, when there are two or more, otherwise
                      from the weeks inside the window)
  successful-traffic  no 2xx answers to ordinary clients through the
                      catch-all in the last --recent, or all of it carried
                      by enabled rules above the catch-all
  counters-intact     the catch-all's hit counter was not reset inside the
                      window
  devices-reported    every expected firewall (and HA peer, --expect-serial)
                      reported
  rulebase-read       (mine import only) the rulebase is not read from log
                      files: always unknown there

Without status codes nothing can be told: when the signatures are not
logging the verdict is NOT ENOUGH EVIDENCE. Traffic the catch-all still
carries makes it NOT READY, however short the window. Any other failed or
unknown criterion makes it NOT ENOUGH EVIDENCE.

Exit code 0 means ready, 4 not ready, 5 not enough evidence (the worst
verdict over the catch-all rules), so the command can gate a change request.`,
		Example: `  export PANOS_API_KEY=...
  mine readiness --host fw.example.net
  mine readiness --host fw.example.net --since 30d --format json |
    jq '.readiness[].verdict'`,
		Args: argsUsage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			since, err := mine.ParseSince(o.since)
			if err != nil {
				return usagef("--since: %v", err)
			}
			ropts, err := o.thresholds()
			if err != nil {
				return err
			}
			if o.format, err = resolveFormat(d, o.format, listFormats...); err != nil {
				return err
			}
			p, err := newPipeline(d, &o.conn, &o.collect, since, o.until, o.catchAll)
			if err != nil {
				return err
			}
			p.configFile = o.configFile
			if since < ropts.MinWindow {
				d.logger.Warn("the window is shorter than --min-window: the verdict cannot be ready", "since", o.since, "min_window", o.minWindow)
			}
			p.readiness, p.expect = ropts, o.expect
			db := o.db
			if db == "" {
				db = d.getenv("MINE_DB")
			}
			if db != "" {
				// The weekly use of earlier runs stored for this host (mine run
				// --db): read, never written.
				store, err := history.Open(cmd.Context(), db)
				if err != nil {
					return err
				}
				defer store.Close()
				rc := &recorder{store: store, target: p.conn.Host, collected: d.now().UTC().Truncate(time.Second), readiness: ropts,
					conn: mine.Target{Host: p.conn.Host, Port: p.conn.Port, Vsys: o.conn.vsysOrDefault()}}
				rc.attach(&p)
			}
			r, err := p.run(cmd.Context(), d)
			if err != nil {
				return settle(p.checkpoints, err)
			}
			if err := writeReadiness(d.io.out, o.format, r.Readiness); err != nil {
				return settle(p.checkpoints, fmt.Errorf("write readiness: %w", err))
			}
			if err := settle(p.checkpoints, nil); err != nil {
				return err
			}
			return verdictExit(r.Readiness)
		},
	}
	o.conn.register(cmd.Flags())
	o.collect.register(cmd.Flags())
	f := cmd.Flags()
	f.StringVar(&o.since, "since", "30d", "window length: 30d, 6w")
	f.StringVar(&o.until, "until", "", "window end, RFC 3339 (default: the start of the current hour)")
	f.StringSliceVar(&o.catchAll, "catch-all", nil, "name of the catch-all rule (repeat or comma-separate for several); chosen as 'mine rules' explains when absent")
	f.StringVar(&o.configFile, "config-file", "", "read the rulebase and objects from this saved configuration instead of the device (logs still come from the device)")
	f.StringVar(&o.minWindow, "min-window", "30d", "how far back the evidence must reach")
	f.StringVar(&o.recent, "recent", "7d", "how long the catch-all must have carried no successful traffic of ordinary clients")
	f.StringVar(&o.freshness, "freshness", "48h", "how old the newest HTTP status log may be")
	f.Int64Var(&o.maxWeekly, "max-weekly-sessions", 0, "sessions per week from non-scanners the catch-all may still carry")
	f.StringSliceVar(&o.expect, "expect-serial", nil, "serial number of a firewall that must have reported, HA peers included (repeat; default the connected one)")
	f.StringVar(&o.format, "format", "auto", formatHelp(listFormats...))
	f.StringVar(&o.db, "db", "", "history database of earlier runs of this host (mine run --db) to read the weekly use from (env MINE_DB); none: the weeks inside the window")
	return cmd
}

func (o *readinessOptions) thresholds() (correlate.ReadinessOptions, error) {
	var r correlate.ReadinessOptions
	var err error
	if r.MinWindow, err = mine.ParseSince(o.minWindow); err != nil {
		return r, usagef("--min-window: %v", err)
	}
	if r.Recent, err = mine.ParseSince(o.recent); err != nil {
		return r, usagef("--recent: %v", err)
	}
	if r.Freshness, err = mine.ParseSince(o.freshness); err != nil {
		return r, usagef("--freshness: %v", err)
	}
	if o.maxWeekly < 0 {
		return r, usagef("--max-weekly-sessions %d: must not be negative", o.maxWeekly)
	}
	r.MaxWeeklySessions = o.maxWeekly
	return r, nil
}

// verdictExit returns nil when every catch-all is ready, otherwise the
// worst verdict as an error with its exit code: not ready (4) before
// not enough evidence (5).
func verdictExit(rs []mine.Readiness) error {
	var notReady, noEvidence []string
	for _, r := range rs {
		switch r.Verdict {
		case mine.VerdictNotReady:
			notReady = append(notReady, r.Rule)
		case mine.VerdictInsufficientEvidence:
			noEvidence = append(noEvidence, r.Rule)
		}
	}
	switch {
	case len(rs) == 0:
		return verdictError{exitNoEvidence, "no catch-all rule was judged"}
	case len(notReady) > 0:
		return verdictError{exitNotReady, fmt.Sprintf("not ready: %s", strings.Join(notReady, ", "))}
	case len(noEvidence) > 0:
		return verdictError{exitNoEvidence, fmt.Sprintf("not enough evidence: %s", strings.Join(noEvidence, ", "))}
	}
	return nil
}

// writeReadiness prints the verdicts: a block per catch-all rule (table),
// one line per criterion (tsv), or the readiness part of the JSON document
// ({"readiness": [...]}, the same path as in the full document).
func writeReadiness(w io.Writer, format string, rs []mine.Readiness) error {
	switch format {
	case "json":
		if rs == nil {
			rs = []mine.Readiness{}
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(struct {
			Readiness []mine.Readiness `json:"readiness"`
		}{rs})
	case "tsv", "csv":
		var rows [][]string
		for _, r := range rs {
			for _, c := range r.Criteria {
				rows = append(rows, []string{r.Rule, string(r.Verdict), c.Name, string(c.Result), c.Evidence})
			}
		}
		return report.WriteList(w, report.Format(format), []string{"rule", "verdict", "criterion", "result", "evidence"}, rows)
	}
	for i, r := range rs {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "%s: %s\n", clean(r.Rule), report.VerdictLabel(r.Verdict))
		rows := make([][]string, len(r.Criteria))
		for j, c := range r.Criteria {
			rows[j] = []string{c.Result, c.Name, c.Evidence}
		}
		cols := []report.Column{{Header: "RESULT"}, {Header: "CRITERION"}, {Header: "EVIDENCE"}}
		if err := report.WriteColumns(w, report.FormatTable, cols, rows); err != nil {
			return err
		}
	}
	return nil
}

// clean strips control characters (tabs and newlines included) from text
// that came from the device, so it cannot drive the terminal or break a
// TSV line.
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return ' '
		}
		return r
	}, s)
}
