package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/panos-mine/mine"
	"github.com/panos-mine/mine/collect"
	"github.com/panos-mine/mine/correlate"
	"github.com/panos-mine/mine/history"
)

type watchOptions struct {
	conn    connOptions
	collect collectOptions
	until   string
	db      string
	format  string
}

func newWatchCmd(d *deps) *cobra.Command {
	o := &watchOptions{}
	cmd := &cobra.Command{
		Use:   "watch [RULE]",
		Short: "After a retirement: what the catch-all carried that is now denied",
		Long: `Watch reads, over the window since the catch-all rule (RULE, or the one
retired last on this device) was retired, the deny logs of the rules that
now take its traffic: every rule below its place that denies, drops or
resets (a cleanup rule, interzone-default...). It matches them against
the flows the catch-all carried in the evidence window of its retirement,
which the history keeps, and reports every flow of an ordinary client to
a service the catch-all carried that is now denied: client, server,
application, port, count, first and last seen, and whether the catch-all
carried this very client (or only others of the service). Scanners denied
are listed apart: stopping them is the point of the retirement.

A deny rule that takes hits but logs nothing is named: interzone-default
logs only with an override that sets log at session end, and without it
what it denies is invisible.

Exit 0 when nothing the catch-all used to carry is denied, 4 when
something is, with the command that rolls the retirement back, 5 when a
deny rule took hits it did not log, so the watch cannot tell. 'mine run
--config' runs the watch for the targets' retired rules every week.`,
		Example: `  mine watch --host fw.example.net
  mine watch Allow-Web-Ports --host fw.example.net --format json`,
		Args: argsUsage(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			format, err := resolveFormat(d, o.format, "table", "tsv", "json")
			if err != nil {
				return err
			}
			cfg, err := o.conn.config(d)
			if err != nil {
				return err
			}
			tune, err := o.collect.apply(d)
			if err != nil {
				return err
			}
			end := d.now().UTC().Truncate(time.Second)
			if o.until != "" {
				if end, err = time.Parse(time.RFC3339, o.until); err != nil {
					return usagef("--until %q: want RFC 3339, e.g. 2026-11-30T09:00:00Z", o.until)
				}
			}
			store, err := history.Open(cmd.Context(), historyPath(d, o.db, ""))
			if err != nil {
				return err
			}
			defer store.Close()
			rule := ""
			if len(args) == 1 {
				rule = args[0]
			}
			ctxName := o.conn.vsysOrDefault()
			if o.conn.devGroup != "" {
				ctxName = "device-group " + o.conn.devGroup
			}
			st, err := store.Standing(cmd.Context(), cfg.Host, ctxName, mine.ChangeRetire, rule)
			if errors.Is(err, history.ErrNoChange) {
				return fmt.Errorf("nothing to watch: %w (history %s)", err, store.Path())
			}
			if err != nil {
				return err
			}
			sc := collect.Scope{Vsys: o.conn.vsysOrDefault(), DeviceGroup: o.conn.devGroup, Device: o.conn.device}
			rep, err := watchRetirement(cmd.Context(), d.logger, store, st, cfg, sc, end, tune)
			if err != nil {
				return err
			}
			rep.Rollback = rollbackCommand(&o.conn, rep.Rule)
			if err := writeWatch(d.io.out, format, rep); err != nil {
				return err
			}
			return watchExit(rep)
		},
	}
	o.conn.register(cmd.Flags())
	o.collect.register(cmd.Flags())
	f := cmd.Flags()
	f.StringVar(&o.until, "until", "", "end of the watch window, RFC 3339 (default now)")
	f.StringVar(&o.db, "db", "", "history database holding the retirement (env MINE_DB; default $XDG_STATE_HOME/mine/history.db)")
	f.StringVar(&o.format, "format", "", "output: table, tsv or json (default table on a terminal, tsv otherwise)")
	return cmd
}

// watchRetirement reads the deny logs since a retirement and matches them
// against what the catch-all carried.
func watchRetirement(ctx context.Context, log *slog.Logger, store *history.Store, st mine.Change, cfg collect.Config, sc collect.Scope,
	end time.Time, tune func(*collect.Client)) (mine.WatchReport, error) {
	rule := st.Rules[0]
	w := mine.Window{From: st.Time.UTC().Truncate(time.Second), To: end.UTC()}
	if !w.To.After(w.From) {
		return mine.WatchReport{}, fmt.Errorf("the watch window %s is empty: %s was retired at %s", w, rule, st.Time.Format(time.RFC3339))
	}
	flows, err := store.CarriedFlows(ctx, st.ID)
	if err != nil {
		return mine.WatchReport{}, err
	}
	c, err := collect.ConnectScope(ctx, cfg, sc)
	if err != nil {
		return mine.WatchReport{}, err
	}
	if tune != nil {
		tune(c)
	}
	pol, err := c.Policy(ctx)
	if err != nil {
		return mine.WatchReport{}, err
	}
	deny := correlate.DenyRulesBelow(pol, rule)
	watch := correlate.NewWatch(rule, flows)
	if len(deny) > 0 {
		stats, err := c.TrafficLogs(ctx, w, deny, func(l *mine.TrafficLog) error {
			watch.AddDenied(l)
			return nil
		})
		if err != nil {
			return mine.WatchReport{}, fmt.Errorf("collect deny logs: %w", err)
		}
		log.Info("deny logs collected", "rules", deny, "entries", stats.Entries, "window", w.String())
	}
	rep := watch.Report(w, deny)
	rep.ChangeID, rep.RetiredAt = st.ID, st.Time
	if len(deny) == 0 {
		rep.Notes = append(rep.Notes, fmt.Sprintf("no rule below %s denies: what it carried goes to rules that allow it, or nowhere", rule))
	}
	if !slices.ContainsFunc(pol.Rules, func(r mine.Rule) bool { return r.Name == rule && r.Disabled }) {
		rep.Notes = append(rep.Notes, fmt.Sprintf("%s is not disabled on the device any more: the watch reads what the rules below denied anyway", rule))
	}
	if len(flows) == 0 {
		rep.Notes = append(rep.Notes, "the retirement kept no flows of the catch-all (its evidence window had no traffic logs): nothing to match the deny logs against")
	}
	if hits, err := c.HitCounts(ctx); err == nil {
		silent, notes := watch.Silent(deny, st.DenyHits, hits)
		rep.Silent = append(rep.Silent, silent...)
		rep.Notes = append(rep.Notes, notes...)
	} else {
		log.Debug("no hit counts for the watch", "err", err)
	}
	return rep, nil
}

// watchExit is exit 4 when the retirement broke something, 5 when a deny
// rule took hits it did not log (the watch cannot tell).
func watchExit(rep mine.WatchReport) error {
	if len(rep.Broken) == 0 && len(rep.Silent) > 0 {
		return verdictError{exitNoEvidence, fmt.Sprintf("%s denied sessions without logging them: the watch cannot tell what the retirement of %s broke (override them to log at session end)",
			strings.Join(rep.Silent, ", "), rep.Rule)}
	}
	if len(rep.Broken) == 0 {
		return nil
	}
	var n int64
	for _, f := range rep.Broken {
		n += f.Count
	}
	return verdictError{exitNotReady, fmt.Sprintf("%d flow(s) %s used to carry are denied now (%d sessions); roll back: %s",
		len(rep.Broken), rep.Rule, n, rep.Rollback)}
}

// writeWatch prints the watch report: JSON, or a table of the denied
// flows with the notes and the rollback command.
func writeWatch(w io.Writer, format string, rep mine.WatchReport) error {
	if format == "json" {
		return encodeJSON(w, rep)
	}
	fmt.Fprintf(w, "# %s retired %s (change %d)\n# watched %s to %s; deny rules below: %s\n", clean(rep.Rule),
		rep.RetiredAt.UTC().Format("2006-01-02 15:04 UTC"), rep.ChangeID, rep.Window.From.UTC().Format("2006-01-02 15:04"),
		rep.Window.To.UTC().Format("2006-01-02 15:04 UTC"), clean(orNoneList(rep.DenyRules)))
	writeFlows := func(title string, fs []mine.DeniedFlow) {
		if len(fs) == 0 {
			return
		}
		for _, rule := range deniedBy(fs) {
			fmt.Fprintf(w, "%s %s:\n", title, clean(rule))
			tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "CLIENT\tSERVER\tAPP/PORT\tCOUNT\tFIRST\tLAST")
			for _, f := range fs {
				if f.Rule != rule {
					continue
				}
				client := f.Source
				if !f.Known {
					client += "*"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s/%s%d\t%d\t%s\t%s\n", client, f.Destination, clean(f.Application), protoPrefix(f.Protocol), f.Port, f.Count,
					f.FirstSeen.UTC().Format("01-02 15:04"), f.LastSeen.UTC().Format("01-02 15:04"))
			}
			tw.Flush()
		}
	}
	if len(rep.Broken) == 0 {
		fmt.Fprintln(w, "# nothing the catch-all carried is denied")
	}
	writeFlows("# carried by the catch-all, now denied by", rep.Broken)
	if len(rep.Broken) > 0 {
		fmt.Fprintln(w, "# (* marks a client the catch-all did not carry to that service)")
	}
	writeFlows("# scanners (expected), denied by", rep.Scanners)
	if rep.Unrelated > 0 {
		fmt.Fprintf(w, "# %d other denied sessions, to services the catch-all did not carry\n", rep.Unrelated)
	}
	for _, n := range rep.Notes {
		fmt.Fprintf(w, "# note: %s\n", clean(n))
	}
	if len(rep.Broken) > 0 {
		fmt.Fprintf(w, "# roll back: %s\n", rep.Rollback)
	}
	return nil
}

// deniedBy lists the deny rules of the flows, in first-seen order.
func deniedBy(fs []mine.DeniedFlow) []string {
	var out []string
	for _, f := range fs {
		if !slices.Contains(out, f.Rule) {
			out = append(out, f.Rule)
		}
	}
	return out
}

// protoPrefix is "" for tcp (the usual case) and "udp:" and so on
// otherwise, to keep the column short.
func protoPrefix(p string) string {
	if p == "tcp" || p == "" {
		return ""
	}
	return p + ":"
}

func orNoneList(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}
