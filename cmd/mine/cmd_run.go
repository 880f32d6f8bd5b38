package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/panos-mine/mine"
	"github.com/panos-mine/mine/history"
)

type runOptions struct {
	conn     connOptions
	collect  collectOptions
	since    string
	until    string
	catchAll []string
	out      string
	json     string
	config   string
	db       string
}

func newRunCmd(d *deps) *cobra.Command {
	o := &runOptions{}
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Collect, correlate and report against a firewall",
		Long: `Run collects from a firewall over the XML API, correlates and reports:

  1. the security policy as PAN-OS evaluates it (what Panorama pushed,
     objects, groups) and rule hit counts (PAN-OS 8.1+), to find the
     catch-all rule (the broadest reachable port-based rule allowing web
     ports, see mine rules --help; --catch-all names it instead);
  2. the HTTP status signatures' logs (threat IDs 41000-41059) of the
     window and the catch-all's traffic: counted by the device's own
     reports, or every log entry (--evidence);
  3. suggests App-ID rules for the servers that answer HTTP 200 through the
     catch-all, keeping scanners out of the evidence;
  4. writes the workbook (--out), the JSON document (--json) and a summary.

The window ends at the start of the current hour (or --until) and reaches
back --since; log queries are rendered in the
device's own time zone, everything reported is UTC.

With --db, the run is also kept in the history database (one run per host
and window; see docs/history.md), and the readiness verdict follows the
week-over-week trend kept there.

With --config, run is the weekly job: for each target of the YAML file it
collects, stores the run in the history, analyses it against the target's
history, writes the workbook (its name carries the ISO week) and judges
readiness, then prints a one-screen summary. The window ends at the start
of the current ISO week (day, hour; see align), so a rerun in the same week
replaces that week's run. A lock file keeps two jobs from overlapping.
API keys come from the environment or a key file the configuration names;
they are never stored. See docs/scheduling.md.`,
		Example: `  export PANOS_API_KEY=...
  mine run --host fw.example.net --since 7d --out report.xlsx
  mine run --host fw.example.net --catch-all Allow-Web-Ports \
    --json - > report.json
  mine run --config /etc/mine/mine.yaml`,
		Args: argsUsage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.config != "" {
				var clash []string
				for _, f := range []string{"host", "port", "vsys", "username", "api-key-file", "ca-file", "insecure-skip-verify", "since", "until", "catch-all", "out", "json"} {
					if cmd.Flags().Changed(f) {
						clash = append(clash, "--"+f)
					}
				}
				if len(clash) > 0 {
					return usagef("--config sets the targets, window and outputs: drop %s", strings.Join(clash, ", "))
				}
				tune, err := o.collect.apply(d)
				if err != nil {
					return err
				}
				return runWeekly(cmd.Context(), d, o.config, o.db, tune, o.collect.checkpoints)
			}
			since, err := mine.ParseSince(o.since)
			if err != nil {
				return usagef("--since: %v", err)
			}
			if o.out == "" && o.json == "" {
				return usagef("nothing to write: give --out FILE.xlsx and/or --json FILE|-")
			}
			out := outputs{xlsx: o.out, json: o.json}
			if err := out.check(); err != nil {
				return err
			}
			p, err := newPipeline(d, &o.conn, &o.collect, since, o.until, o.catchAll)
			if err != nil {
				return err
			}
			if o.db == "" {
				r, err := p.run(cmd.Context(), d)
				if err != nil {
					return settle(p.checkpoints, err)
				}
				return settle(p.checkpoints, out.write(d, r))
			}
			lock, err := acquireLock(o.db+".lock", d.now())
			if err != nil {
				return err
			}
			defer lock.release()
			store, err := history.Open(cmd.Context(), o.db)
			if err != nil {
				return err
			}
			defer store.Close()
			rc := &recorder{store: store, target: p.conn.Host, collected: d.now().UTC().Truncate(time.Second),
				conn: mine.Target{Host: p.conn.Host, Port: p.conn.Port, Vsys: o.conn.vsysOrDefault()}}
			rc.attach(&p)
			r, err := p.run(cmd.Context(), d)
			if err != nil {
				return settle(p.checkpoints, err)
			}
			saved, err := rc.save(cmd.Context(), r)
			if err != nil {
				return settle(p.checkpoints, err)
			}
			if cs, err := store.Changes(cmd.Context(), p.conn.Host); err == nil {
				r.Changes = changesOf(cs, targetContext(mine.Target{Vsys: o.conn.vsysOrDefault(), DeviceGroup: o.conn.devGroup}))
			}
			d.logger.Info("run stored", "history", o.db, "run", saved.RunID, "replaced", saved.Replaced,
				"catch_all_hits", hitsText(saved.Point))
			book, err := bookFrom(cmd.Context(), store, p.conn.Host)
			if err != nil {
				return settle(p.checkpoints, fmt.Errorf("run stored in the history, but: %w", err))
			}
			out.book = book
			if err := out.write(d, r); err != nil {
				return settle(p.checkpoints, fmt.Errorf("run stored in the history, but: %w", err))
			}
			return settle(p.checkpoints, nil)
		},
	}
	o.conn.register(cmd.Flags())
	o.collect.register(cmd.Flags())
	f := cmd.Flags()
	f.StringVar(&o.since, "since", "7d", "window length: 7d, 2w, 36h")
	f.StringVar(&o.until, "until", "", "window end, RFC 3339 (default: the start of the current hour, so a rerun within the hour resumes and gives the same answer)")
	f.StringSliceVar(&o.catchAll, "catch-all", nil, "name of the catch-all rule (repeat or comma-separate for several); detected when absent")
	f.StringVarP(&o.out, "out", "o", "mine-report.xlsx", "workbook to write (empty for none)")
	f.StringVar(&o.json, "json", "", "also write the JSON document to FILE, or - for stdout")
	f.StringVar(&o.config, "config", "", "run the weekly job of this YAML file (targets, window, outputs, history)")
	f.StringVar(&o.db, "db", "", "history database (env MINE_DB; with --config default the file's db, then $XDG_STATE_HOME/mine/history.db)")
	return cmd
}
