package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/panos-mine/mine"
	"github.com/panos-mine/mine/collect"
	"github.com/panos-mine/mine/correlate"
	"github.com/panos-mine/mine/report"
	"github.com/panos-mine/mine/signatures"
)

// pipeline is collect, correlate and report against one device: what
// `mine run` and `mine demo` share, so the demo exercises the production
// path.
type pipeline struct {
	conn collect.Config
	vsys string
	// deviceGroup and device scope a Panorama: the group whose rules and
	// hit counts are read, and optionally the one firewall whose logs are.
	deviceGroup string
	device      string
	// deviceTZ is --device-tz; haPeer the HA peer the configuration names
	// (else the device's own HA state tells).
	deviceTZ string
	haPeer   *collect.Config
	since    time.Duration
	catchAll []string
	now      time.Time
	// tune adjusts the collector (the demo polls its simulator faster);
	// checkpoints are the ones it sets, ended by settle once the report is
	// written.
	tune        func(*collect.Client)
	checkpoints *collect.Checkpoints
	// window, when set, is the window instead of since before now.
	window mine.Window
	// onTraffic sees every catch-all traffic log; prepare may add to the
	// analysis input (history, owners, thresholds) before the report. The
	// history uses both (recorder.go).
	onTraffic func(*mine.TrafficLog)
	prepare   func(ctx context.Context, in *correlate.Input, agg *correlate.Aggregator) error
}

// outputs says where the report goes.
type outputs struct {
	xlsx string // workbook path; "" for none
	json string // JSON path, "-" for stdout, "" for none
}

func (p pipeline) run(ctx context.Context, d *deps) (*mine.Report, error) {
	log := d.logger
	c, err := collect.ConnectScope(ctx, p.conn, collect.Scope{Vsys: p.vsys, DeviceGroup: p.deviceGroup, Device: p.device, DeviceTZ: p.deviceTZ})
	if err != nil {
		return nil, err
	}
	if p.tune != nil {
		p.tune(c)
	}
	dev := c.Device()
	log.Info("connected", "device", dev.String(), "time_zone", dev.Location.String(), "from", c.TimeSource())
	coll := &mine.Collection{TimeZone: c.TimeSource()}

	rules, err := c.Rules(ctx)
	if err != nil {
		return nil, err
	}
	hits, err := c.HitCounts(ctx)
	if err != nil {
		if !errors.Is(err, collect.ErrUnsupported) {
			return nil, err
		}
		log.Warn("no rule hit counts", "reason", err)
	}
	if hits, coll.UnknownRuleHits = collect.KnownHits(rules, hits); len(coll.UnknownRuleHits) > 0 {
		log.Warn("hit counters of rules not in the rulebase left out", "rules", coll.UnknownRuleHits)
	}
	peer, err := c.HAPeer(ctx, p.conn, p.haPeer)
	if err != nil {
		return nil, err
	}
	var memberHits []mine.RuleHits
	var expected []string
	if peer != nil {
		coll.HA, expected = collect.HAMembers(dev, peer)
		memberHits = peer.Hits
		if peer.Err != nil {
			log.Warn("the HA peer's hit counters could not be read: readiness waits for every member", "peer", peer.Host, "err", peer.Err)
		}
	}
	catchAll, err := correlate.FindCatchAll(rules, p.catchAll)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dev.Hostname, err)
	}
	names := make([]string, len(catchAll))
	for i, r := range catchAll {
		names[i] = r.Name
	}
	if err := collect.CheckRuleNames(names); err != nil {
		return nil, fmt.Errorf("%s: the catch-all's traffic logs cannot be asked for: %w; rename the rule", dev.Hostname, err)
	}
	log.Info("catch-all", "rules", names)

	w := mine.NewWindow(p.now, p.since)
	if !p.window.From.IsZero() {
		w = p.window
	}
	agg := correlate.NewAggregator(names)
	lo, hi := signatures.Default().IDRange()
	start := time.Now()
	ts, err := c.ThreatLogs(ctx, w, lo, hi, func(l *mine.ThreatLog) error { agg.AddThreat(l); return nil })
	if err != nil {
		return nil, fmt.Errorf("collect threat logs: %w", err)
	}
	coll.Threat = ts.Collection()
	log.Info("threat logs collected", "entries", ts.Entries, "jobs", ts.Jobs, "dropped", coll.Threat.Dropped(), "retried_jobs", ts.Retries, "repeated_requests", ts.Repeats, "took", time.Since(start).Round(time.Millisecond))
	if ts.Entries == 0 {
		log.Warn("no HTTP status threat logs in the window: are the signatures deployed (mine signatures deploy) and a vulnerability profile that logs informational alerts attached to the catch-all?", "window", w.String())
	}
	start = time.Now()
	fs, err := c.TrafficLogs(ctx, w, names, func(l *mine.TrafficLog) error {
		agg.AddTraffic(l)
		if p.onTraffic != nil {
			p.onTraffic(l)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("collect traffic logs: %w", err)
	}
	coll.Traffic = fs.Collection()
	log.Info("traffic logs collected", "entries", fs.Entries, "jobs", fs.Jobs, "dropped", coll.Traffic.Dropped(), "retried_jobs", fs.Retries, "repeated_requests", fs.Repeats, "took", time.Since(start).Round(time.Millisecond))

	in := correlate.Input{
		Device: dev, Window: w, Rules: rules, Hits: hits, CatchAll: catchAll, Generated: p.now,
		MemberHits: memberHits, ExpectedSerials: expected,
	}
	if p.prepare != nil {
		if err := p.prepare(ctx, &in, agg); err != nil {
			return nil, err
		}
	}
	r := agg.Report(in)
	r.Collection = coll
	return r, nil
}

// write renders the report to the requested outputs and the terminal
// summary: on stdout, or on stderr when stdout carries the JSON.
func (o outputs) write(d *deps, r *mine.Report) error {
	if o.xlsx != "" {
		if err := report.WriteWorkbookFileWith(o.xlsx, r, report.Options{}); err != nil {
			return fmt.Errorf("write workbook: %w", err)
		}
		d.logger.Info("workbook written", "path", o.xlsx)
	}
	summary := d.io.out
	switch o.json {
	case "":
	case "-":
		summary = d.io.err
		if err := report.WriteJSON(d.io.out, r); err != nil {
			return fmt.Errorf("write JSON: %w", err)
		}
	default:
		if err := writeFileAtomic(o.json, func(w io.Writer) error { return report.WriteJSON(w, r) }); err != nil {
			return fmt.Errorf("write JSON: %w", err)
		}
		d.logger.Info("JSON written", "path", o.json)
	}
	if d.global.quiet && summary == d.io.err {
		return nil
	}
	return report.WriteSummary(summary, r)
}

// writeFileAtomic writes through a temporary file in the same directory and
// renames it into place, so a failure never leaves a half-written file. A
// path that exists and is not a regular file (/dev/stdout, a named pipe) is
// written to directly: renaming over it would replace the device or pipe
// itself.
func writeFileAtomic(path string, fill func(io.Writer) error) error {
	if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() {
		if fi.IsDir() {
			return fmt.Errorf("%s is a directory", path)
		}
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return err
		}
		if err := fill(f); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	}
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, ".mine-*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	removeStaleTemps(dir, f.Name())
	if err := fill(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
