package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/panos-mine/mine"
	"github.com/panos-mine/mine/collect"
	"github.com/panos-mine/mine/correlate"
	"github.com/panos-mine/mine/signatures"
)

// Evidence modes of --evidence.
const (
	evidenceAuto   = "auto"
	evidenceReport = "report"
	evidenceFull   = "full"
)

// checkEvidence checks an --evidence value.
func checkEvidence(mode string) error {
	switch mode {
	case "", evidenceAuto, evidenceReport, evidenceFull:
		return nil
	}
	return usagef("--evidence %q: want auto, report or full", mode)
}

// deviceEvidence collects a window's evidence from a device into agg:
// with the device's reports (--evidence report, or auto when the device
// can run them), else every log entry.
func deviceEvidence(ctx context.Context, d *deps, c *collect.Client, mode string, w mine.Window, names []string,
	agg *correlate.Aggregator, coll *mine.Collection) error {
	log := d.logger
	if mode != evidenceFull {
		err := reportEvidence(ctx, d, c, w, names, agg, coll)
		switch {
		case err == nil:
			return nil
		case mode == evidenceAuto && errors.Is(err, collect.ErrReportsUnsupported):
			log.Warn("the device's reports cannot give the evidence: pulling every log entry instead (--evidence full)", "reason", err)
			agg.Reset()
			coll.Evidence = &mine.Evidence{Mode: mine.EvidenceFull, Fallback: err.Error()}
		default:
			return err
		}
	}
	return fullEvidence(ctx, d, c, w, names, agg, coll)
}

// reportEvidence collects with the device's reports.
func reportEvidence(ctx context.Context, d *deps, c *collect.Client, w mine.Window, names []string,
	agg *correlate.Aggregator, coll *mine.Collection) error {
	cat := signatures.Default()
	lo, hi := cat.IDRange()
	from, ok := cat.ErrorsFrom()
	if !ok {
		return fmt.Errorf("%w: the signatures' threat IDs are not in status order, so a report cannot tell errors by ID", collect.ErrReportsUnsupported)
	}
	start, bytes := time.Now(), c.BytesReceived()
	st, err := c.ReportEvidence(ctx, w, collect.ReportQuery{MinID: lo, MaxID: hi, ErrorFrom: from, CatchAll: names, Names: cat.Names()},
		func(l *mine.ThreatLog, n int64, bucket time.Duration) error {
			agg.AddThreatGroup(l, n, bucket)
			return nil
		},
		func(l *mine.TrafficLog, n int64, bucket time.Duration) error {
			agg.AddTrafficGroup(l, n, bucket)
			return nil
		})
	if err != nil {
		return fmt.Errorf("collect the evidence with the device's reports: %w", err)
	}
	coll.Threat = mine.LogCollection{Collected: st.ThreatEntries, Queries: st.Threat.Jobs}
	coll.Traffic = mine.LogCollection{Collected: st.TrafficEntries, Queries: st.Traffic.Jobs}
	for _, p := range []struct {
		lc *mine.LogCollection
		s  collect.Stats
	}{{&coll.Threat, st.Threat}, {&coll.Traffic, st.Traffic}} {
		raw := p.s.Collection()
		p.lc.Duplicates, p.lc.OutOfWindow, p.lc.FilterMismatch, p.lc.Unparseable = raw.Duplicates, raw.OutOfWindow, raw.FilterMismatch, raw.Unparseable
		p.lc.ShortPages, p.lc.LostJobs, p.lc.StalledJobs, p.lc.Slices = raw.ShortPages, raw.LostJobs, raw.StalledJobs, raw.Slices
	}
	coll.Evidence = &mine.Evidence{
		Mode: mine.EvidenceReport, CountsExact: true, TimeResolution: durationText(st.Bucket),
		ReportJobs: st.Jobs, ReportRows: st.Rows, ReportSplits: st.Splits, RawParts: st.RawParts,
		BytesReceived: c.BytesReceived() - bytes,
	}
	d.logger.Info("evidence collected with the device's reports", "threat_entries", st.ThreatEntries, "traffic_entries", st.TrafficEntries,
		"report_jobs", st.Jobs, "rows", st.Rows, "splits", st.Splits, "raw_parts", st.RawParts, "bytes", coll.Evidence.BytesReceived,
		"took", time.Since(start).Round(time.Millisecond))
	if st.ThreatEntries == 0 {
		d.logger.Warn("no HTTP status threat logs in the window: are the signatures deployed (mine signatures deploy) and a vulnerability profile that logs informational alerts attached to the catch-all?", "window", w.String())
	}
	return nil
}

// durationText writes a bucket length as the JSON says it: 1h, 15m, 1s.
func durationText(d time.Duration) string {
	switch {
	case d >= time.Hour && d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d >= time.Minute && d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return fmt.Sprintf("%ds", max(1, d/time.Second))
}

// fullEvidence pulls every threat log and every catch-all traffic log of
// the window, both collections side by side within the client's job
// slots. When one fails, the other still finishes (its slices stay in the
// checkpoints for the rerun); the threat logs' error comes first.
func fullEvidence(ctx context.Context, d *deps, c *collect.Client, w mine.Window, names []string,
	agg *correlate.Aggregator, coll *mine.Collection) error {
	log := d.logger
	lo, hi := signatures.Default().IDRange()
	start, bytes := time.Now(), c.BytesReceived()
	var mu sync.Mutex // the aggregator folds one entry at a time
	var ts, fs collect.Stats
	var terr, ferr error
	var wg sync.WaitGroup
	wg.Add(2)
	// one failing does not stop the other: what it collects stays in the
	// checkpoints for the rerun
	go func() {
		defer wg.Done()
		ts, terr = c.ThreatLogs(ctx, w, lo, hi, func(l *mine.ThreatLog) error {
			mu.Lock()
			agg.AddThreat(l)
			mu.Unlock()
			return nil
		})
	}()
	go func() {
		defer wg.Done()
		fs, ferr = c.TrafficLogs(ctx, w, names, func(l *mine.TrafficLog) error {
			mu.Lock()
			agg.AddTraffic(l)
			mu.Unlock()
			return nil
		})
	}()
	wg.Wait()
	switch {
	case terr != nil:
		return fmt.Errorf("collect threat logs: %w", terr)
	case ferr != nil:
		return fmt.Errorf("collect traffic logs: %w", ferr)
	}
	coll.Threat, coll.Traffic = ts.Collection(), fs.Collection()
	ev := coll.Evidence
	if ev == nil {
		ev = &mine.Evidence{}
		coll.Evidence = ev
	}
	ev.Mode, ev.CountsExact, ev.EntriesCounted, ev.TimeResolution = mine.EvidenceFull, true, true, "1s"
	ev.BytesReceived = c.BytesReceived() - bytes
	took := time.Since(start).Round(time.Millisecond)
	log.Info("threat logs collected", "entries", ts.Entries, "jobs", ts.Jobs, "dropped", coll.Threat.Dropped(), "retried_jobs", ts.Retries, "repeated_requests", ts.Repeats, "took", took)
	log.Info("traffic logs collected", "entries", fs.Entries, "jobs", fs.Jobs, "dropped", coll.Traffic.Dropped(), "retried_jobs", fs.Retries, "repeated_requests", fs.Repeats, "took", took)
	if ts.Entries == 0 {
		log.Warn("no HTTP status threat logs in the window: are the signatures deployed (mine signatures deploy) and a vulnerability profile that logs informational alerts attached to the catch-all?", "window", w.String())
	}
	return nil
}
