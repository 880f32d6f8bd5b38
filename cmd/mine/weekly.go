package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/panos-mine/mine"
	"github.com/panos-mine/mine/collect"
	"github.com/panos-mine/mine/history"
	"github.com/panos-mine/mine/report"
)

// weeklyRow is one target's line of the weekly job's summary.
type weeklyRow struct {
	target   string
	device   string
	point    mine.TrendPoint
	prev     *mine.TrendPoint
	workbook string
	replaced bool
	// watches are the watches of the target's retired catch-all rules.
	watches []mine.WatchReport
	err     error
}

// runWeekly is `mine run --config`: for each target, collect, analyse
// (with the target's history), store the run, write the workbook; one lock
// keeps two jobs apart. Targets fail independently; the exit code is 3 when
// every failure was a device that could not be reached or refused the key,
// 1 for any other failure.
func runWeekly(ctx context.Context, d *deps, path, dbFlag string, tune func(*collect.Client), cps *collect.Checkpoints) error {
	jc, err := loadConfig(d, path, dbFlag)
	if err != nil {
		return err
	}
	now := d.now()
	lock, err := acquireLock(jc.lockFile, now)
	if err != nil {
		return err
	}
	defer lock.release()
	store, err := history.Open(ctx, jc.db)
	if err != nil {
		return err
	}
	defer store.Close()
	if err := os.MkdirAll(jc.outputDir, 0o750); err != nil {
		return fmt.Errorf("output directory: %w", err)
	}
	if err := checkWritableDir(jc.outputDir); err != nil {
		return fmt.Errorf("output directory: %w", err)
	}
	window := jc.windowAt(now)
	d.logger.Info("weekly run", "window", window.String(), "week", isoWeek(window), "targets", len(jc.targets), "history", jc.db)

	var rows []weeklyRow
	var failed []error
	deviceOnly := true
	for _, t := range jc.targets {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		row := runTarget(ctx, d, jc, t, store, window, tune)
		if err := settle(cps, row.err); err != nil && row.err == nil {
			row.err = err
		}
		if row.err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			d.logger.Error("target failed", "target", t.name, "err", row.err)
			failed = append(failed, fmt.Errorf("%s: %w", t.name, row.err))
			if !errors.Is(row.err, collect.ErrUnauthorized) && !errors.Is(row.err, collect.ErrUnreachable) {
				deviceOnly = false
			}
		}
		rows = append(rows, row)
	}
	if err := writeWeeklySummary(d.io.out, window, jc.db, rows); err != nil {
		return err
	}
	broken := writeWeeklyWatches(d.io.out, rows)
	switch {
	case len(failed) == 0 && broken > 0:
		return verdictError{exitNotReady, fmt.Sprintf("%d retired catch-all rule(s) broke traffic they used to carry: see the watch above", broken)}
	case len(failed) == 0:
		return nil
	case deviceOnly:
		return fmt.Errorf("%d of %d targets failed: %w", len(failed), len(rows), errors.Join(failed...))
	}
	return fmt.Errorf("%d of %d targets failed: %v", len(failed), len(rows), errors.Join(failed...))
}

func runTarget(ctx context.Context, d *deps, jc *jobConfig, t jobTarget, store *history.Store, window mine.Window, tune func(*collect.Client)) weeklyRow {
	row := weeklyRow{target: t.name}
	now := d.now()
	rc := &recorder{store: store, target: t.name, conn: t.target, peer: t.peer, owners: jc.owners,
		readiness: jc.readiness, collected: now.UTC().Truncate(time.Second)}
	p := pipeline{conn: t.conn, vsys: t.target.Vsys, deviceGroup: t.target.DeviceGroup, deviceTZ: t.deviceTZ, since: window.Duration(), window: window,
		catchAll: t.catchAll, now: now, tune: tune, verifyFlows: defaultVerifyFlows}
	rc.attach(&p)
	r, err := p.run(ctx, d)
	if err != nil {
		row.err = err
		return row
	}
	row.device = r.Device.Hostname
	saved, err := rc.save(ctx, r)
	if err != nil {
		row.err = err
		return row
	}
	row.point, row.replaced = saved.Point, saved.Replaced
	if trend, err := store.Trend(ctx, t.name); err == nil {
		for i := range trend {
			if trend[i].RunID == saved.RunID && i > 0 {
				row.prev = &trend[i-1]
			}
		}
	}
	row.watches = watchTarget(ctx, d, t, store, tune)
	if cs, err := store.Changes(ctx, t.conn.Host); err == nil {
		r.Changes = changesOf(cs, targetContext(t.target))
	}
	base := filepath.Join(jc.outputDir, fmt.Sprintf("mine-%s-%s", t.name, isoWeek(window)))
	row.workbook = base + ".xlsx"
	book, err := bookFrom(ctx, store, t.name)
	if err != nil {
		row.err = err
		return row
	}
	if err := report.WriteWorkbookFileWith(row.workbook, r, book); err != nil {
		row.err = fmt.Errorf("write workbook: %w", err)
		return row
	}
	if jc.json {
		if err := writeFileAtomic(base+".json", func(w io.Writer) error { return report.WriteJSON(w, r) }); err != nil {
			row.err = fmt.Errorf("write JSON: %w", err)
			return row
		}
	}
	if jc.retention > 0 {
		n, err := store.Prune(ctx, t.name, now.Add(-jc.retention))
		if err != nil {
			row.err = err
			return row
		}
		if n > 0 {
			d.logger.Info("old runs pruned", "target", t.name, "runs", n, "retention", jc.retention.String())
		}
	}
	d.logger.Info("run stored", "target", t.name, "run", saved.RunID, "replaced", saved.Replaced, "workbook", row.workbook)
	return row
}

// writeWeeklySummary prints one line per target: what the catch-all
// carried this period and the week before, the verdict and the workbook.
func writeWeeklySummary(w io.Writer, window mine.Window, db string, rows []weeklyRow) error {
	fmt.Fprintln(w, report.Wrap(fmt.Sprintf("mine weekly run %s (%s to %s UTC), history %s", isoWeek(window),
		window.From.Format("2006-01-02 15:04"), window.To.Format("2006-01-02 15:04"), db), report.TerminalWidth, "  "))
	fmt.Fprintln(w)
	cols := []report.Column{{Header: "TARGET"}, {Header: "DEVICE", Drop: 3}, {Header: "CATCH-ALL HITS", Right: true},
		{Header: "CHANGE", Right: true, Drop: 2}, {Header: "CLIENT SESSIONS", Right: true}, {Header: "URLS", Right: true, Drop: 5},
		{Header: "SUGGESTED", Right: true, Drop: 4}, {Header: "VERDICT"}}
	var table [][]string
	var failures []string
	for _, r := range rows {
		if r.err != nil {
			table = append(table, []string{r.target, orDash(r.device), "-", "-", "-", "-", "-", "FAILED"})
			failures = append(failures, fmt.Sprintf("%s FAILED: %s", r.target, oneLine(r.err.Error(), 300)))
			continue
		}
		p := r.point
		table = append(table, []string{r.target, orDash(r.device), hitsText(p), change(p, r.prev), report.Count(p.ClientSessions),
			report.Count(int64(p.DistinctURLs)), report.Count(int64(p.Suggestions)), verdictText(p.Verdict)})
	}
	if err := report.WriteColumns(w, report.FormatTable, cols, table); err != nil {
		return err
	}
	for _, f := range failures {
		fmt.Fprintln(w, report.Wrap(f, report.TerminalWidth, "  "))
	}
	for _, r := range rows {
		if r.workbook != "" && r.err == nil {
			fmt.Fprintln(w, report.Wrap("Workbook of "+r.target+": "+r.workbook, report.TerminalWidth, "  "))
		}
	}
	for _, r := range rows {
		if r.err == nil && r.point.Resets > 0 {
			fmt.Fprintln(w)
			fmt.Fprintln(w, report.Wrap(r.target+": a catch-all hit counter was reset since the last run; the hits before the reset are lost (see rule_trend in the history).", report.TerminalWidth, "  "))
		}
	}
	return nil
}

// hitsText renders a period's catch-all hits: unknown on a first run of an
// old counter, marked when a reset lost part of them.
func hitsText(p mine.TrendPoint) string {
	if !p.HitsKnown {
		return "n/a (first run)"
	}
	s := report.Count(p.CatchAllHits)
	if p.Resets > 0 {
		s += " (reset)"
	}
	return s
}

func change(p mine.TrendPoint, prev *mine.TrendPoint) string {
	if prev == nil || !p.HitsKnown || !prev.HitsKnown || p.Resets > 0 {
		return "-"
	}
	if prev.CatchAllHits == 0 {
		if p.CatchAllHits == 0 {
			return "0%"
		}
		return "new"
	}
	return fmt.Sprintf("%+.0f%%", 100*float64(p.CatchAllHits-prev.CatchAllHits)/float64(prev.CatchAllHits))
}

func verdictText(v string) string {
	if v == "" {
		return "-"
	}
	return report.VerdictLabel(v)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		s = s[:n-1] + "…"
	}
	return s
}
