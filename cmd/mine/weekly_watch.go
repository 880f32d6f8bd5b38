package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/panos-mine/mine"
	"github.com/panos-mine/mine/collect"
	"github.com/panos-mine/mine/history"
)

// targetContext names a target's policy context as the history keeps
// changes under it.
func targetContext(t mine.Target) string {
	if t.DeviceGroup != "" {
		return "device-group " + t.DeviceGroup
	}
	if t.Vsys == "" {
		return "vsys1"
	}
	return t.Vsys
}

// changesOf keeps the changes of one policy context.
func changesOf(cs []mine.Change, policyContext string) []mine.Change {
	out := []mine.Change{}
	for _, c := range cs {
		if c.Context == policyContext {
			out = append(out, c)
		}
	}
	return out
}

// retiredRules returns the retirements in force of a policy context,
// newest first, one per rule.
func retiredRules(cs []mine.Change, policyContext string) []mine.Change {
	var out []mine.Change
	seen := map[string]bool{}
	for _, c := range cs {
		if c.Kind != mine.ChangeRetire || c.Context != policyContext || c.Status == mine.ChangeFailed || c.UndoneBy != 0 || len(c.Rules) == 0 {
			continue
		}
		if !seen[c.Rules[0]] {
			seen[c.Rules[0]] = true
			out = append(out, c)
		}
	}
	return out
}

// watchTarget runs the watch of each catch-all rule retired on the
// target, over the time since its retirement. A watch that fails is
// logged and left out: the weekly run goes on.
func watchTarget(ctx context.Context, d *deps, t jobTarget, store *history.Store, tune func(*collect.Client)) []mine.WatchReport {
	cs, err := store.Changes(ctx, t.conn.Host)
	if err != nil {
		d.logger.Error("read the changes of the target", "target", t.name, "err", err)
		return nil
	}
	var out []mine.WatchReport
	for _, st := range retiredRules(cs, targetContext(t.target)) {
		sc := collect.Scope{Vsys: t.target.Vsys, DeviceGroup: t.target.DeviceGroup}
		rep, err := watchRetirement(ctx, d.logger, store, st, t.conn, sc, d.now().UTC().Truncate(time.Second), tune)
		if err != nil {
			d.logger.Error("watch failed", "target", t.name, "rule", st.Rules[0], "err", err)
			continue
		}
		co := connOptions{host: t.target.Host, port: t.target.Port, devGroup: t.target.DeviceGroup}
		if t.target.Vsys != "vsys1" {
			co.vsys = t.target.Vsys
		}
		rep.Rollback = rollbackCommand(&co, rep.Rule)
		out = append(out, rep)
	}
	return out
}

// writeWeeklyWatches prints the watches of the weekly run and returns how
// many found flows denied.
func writeWeeklyWatches(w io.Writer, rows []weeklyRow) int {
	broken := 0
	for _, r := range rows {
		for _, rep := range r.watches {
			var n int64
			for _, f := range rep.Broken {
				n += f.Count
			}
			if len(rep.Broken) == 0 && len(rep.Silent) > 0 {
				fmt.Fprintf(w, "\n%s: retired %s (since %s): cannot tell what it broke: %s denied sessions without logging them.\n",
					r.target, rep.Rule, rep.RetiredAt.Format("2006-01-02"), strings.Join(rep.Silent, ", "))
				continue
			}
			if len(rep.Broken) == 0 {
				fmt.Fprintf(w, "\n%s: retired %s (since %s): nothing it carried is denied.\n", r.target, rep.Rule, rep.RetiredAt.Format("2006-01-02"))
				continue
			}
			broken++
			var flows []string
			for _, f := range rep.Broken[:min(3, len(rep.Broken))] {
				flows = append(flows, fmt.Sprintf("%s -> %s %s/%d (%d)", f.Source, f.Destination, f.Protocol, f.Port, f.Count))
			}
			if len(rep.Broken) > 3 {
				flows = append(flows, fmt.Sprintf("%d more", len(rep.Broken)-3))
			}
			fmt.Fprintf(w, "\n%s: retired %s (since %s): %d flow(s) it carried are denied, %d sessions: %s\n  roll back: %s\n",
				r.target, rep.Rule, rep.RetiredAt.Format("2006-01-02"), len(rep.Broken), n, strings.Join(flows, "; "), rep.Rollback)
		}
	}
	return broken
}
