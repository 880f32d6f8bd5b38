package main

import (
	"github.com/spf13/cobra"

	"github.com/panos-mine/mine"
)

type runOptions struct {
	conn     connOptions
	collect  collectOptions
	since    string
	until    string
	catchAll []string
	out      string
	json     string
}

func newRunCmd(d *deps) *cobra.Command {
	o := &runOptions{}
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Collect, correlate and report against a firewall",
		Long: `Run collects from a firewall over the XML API, correlates and reports:

  1. the security rulebase and rule hit counts (PAN-OS 8.1+), to find the
     catch-all rule (the lowest enabled allow rule with application any,
     unless --catch-all names it);
  2. the threat logs of the HTTP status signatures (threat IDs 41000-41059)
     received in the window, and the catch-all's traffic logs;
  3. suggests App-ID rules for the servers that answer HTTP 200 through the
     catch-all, keeping scanners out of the evidence;
  4. writes the workbook (--out), the JSON document (--json) and a summary.

The window ends at the start of the current hour (or --until) and reaches
back --since; log queries are rendered in the
device's own time zone, everything reported is UTC.`,
		Example: `  export PANOS_API_KEY=...
  mine run --host fw.example.net --since 7d --out report.xlsx
  mine run --host fw.example.net --catch-all Allow-Web-Ports --json - > report.json`,
		Args: argsUsage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			since, err := mine.ParseSince(o.since)
			if err != nil {
				return usagef("--since: %v", err)
			}
			if o.out == "" && o.json == "" {
				return usagef("nothing to write: give --out FILE.xlsx and/or --json FILE|-")
			}
			cfg, err := o.conn.config(d)
			if err != nil {
				return err
			}
			end, err := windowEnd(o.until, d.now())
			if err != nil {
				return err
			}
			tune, err := o.collect.apply(d)
			if err != nil {
				return err
			}
			p := pipeline{conn: cfg, vsys: o.conn.vsysOrDefault(), since: since, catchAll: o.catchAll, now: end, tune: tune}
			r, err := p.run(cmd.Context(), d)
			if err != nil {
				return err
			}
			return outputs{xlsx: o.out, json: o.json}.write(d, r)
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
	return cmd
}
