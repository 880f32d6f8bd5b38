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
	since       time.Duration
	catchAll    []string
	now         time.Time
	// tune adjusts the collector (the demo polls its simulator faster).
	tune func(*collect.Client)
	// window, when set, is the window instead of since before now.
	window mine.Window
	// onTraffic sees every catch-all traffic log; prepare may add to the
	// analysis input (history, owners, thresholds) before the report. The
	// history uses both (recorder.go).
	onTraffic func(*mine.TrafficLog)
	prepare   func(ctx context.Context, in *correlate.Input, agg *correlate.Aggregator) error
	// source is where the logs come from; nil is the device above.
	source logSource
}

// outputs says where the report goes.
type outputs struct {
	xlsx string // workbook path; "" for none
	json string // JSON path, "-" for stdout, "" for none
	// stdoutTaken says stdout carries other data (mine import --records -):
	// the summary goes to stderr.
	stdoutTaken bool
}

// logSource is where a pipeline's evidence comes from: a device over the
// XML API (deviceSource), or exported log files (importSource).
type logSource interface {
	// open returns what the analysis knows before any log: the device,
	// the rulebase and hit counts, and the catch-all rules.
	// An import learns the device only from the logs: logs may fill in
	// the info open returned.
	open(ctx context.Context, d *deps) (*sourceInfo, error)
	// logs feeds the threat logs and the traffic logs of the catch-all
	// rules of window w to agg, and each such traffic log to onTraffic
	// (may be nil). It returns the window the logs cover: w, or for an
	// import the window it learned from them.
	logs(ctx context.Context, d *deps, w mine.Window, catchAll []string, agg *correlate.Aggregator, onTraffic func(*mine.TrafficLog)) (mine.Window, error)
	// annotate adds to the report what the source knows about itself.
	annotate(r *mine.Report)
}

// sourceInfo is what a log source knows before the logs.
type sourceInfo struct {
	device   mine.Device
	rules    []mine.Rule
	hits     []mine.RuleHits
	catchAll []mine.Rule
	// noRulebase says rules holds only the catch-all rules by name: the
	// rulebase was not read.
	noRulebase bool
}

func (p pipeline) run(ctx context.Context, d *deps) (*mine.Report, error) {
	src := p.source
	if src == nil {
		src = &deviceSource{p: p}
	}
	info, err := src.open(ctx, d)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(info.catchAll))
	for i, r := range info.catchAll {
		names[i] = r.Name
	}
	d.logger.Info("catch-all", "rules", names)

	w := mine.NewWindow(p.now, p.since)
	if !p.window.From.IsZero() {
		w = p.window
	}
	agg := correlate.NewAggregator(names)
	if w, err = src.logs(ctx, d, w, names, agg, p.onTraffic); err != nil {
		return nil, err
	}
	in := correlate.Input{
		Device: info.device, Window: w, Rules: info.rules, Hits: info.hits, CatchAll: info.catchAll, Generated: p.now,
		NoRulebase: info.noRulebase,
	}
	if p.prepare != nil {
		if err := p.prepare(ctx, &in, agg); err != nil {
			return nil, err
		}
	}
	r := agg.Report(in)
	src.annotate(r)
	return r, nil
}

// deviceSource reads a firewall or Panorama over the XML API.
type deviceSource struct {
	p pipeline
	c *collect.Client
}

func (s *deviceSource) open(ctx context.Context, d *deps) (*sourceInfo, error) {
	p, log := s.p, d.logger
	c, err := collect.ConnectScope(ctx, p.conn, collect.Scope{Vsys: p.vsys, DeviceGroup: p.deviceGroup, Device: p.device})
	if err != nil {
		return nil, err
	}
	if p.tune != nil {
		p.tune(c)
	}
	s.c = c
	dev := c.Device()
	log.Info("connected", "device", dev.String(), "time_zone", dev.Location.String())

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
	catchAll, err := correlate.FindCatchAll(rules, p.catchAll)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dev.Hostname, err)
	}
	return &sourceInfo{device: dev, rules: rules, hits: hits, catchAll: catchAll}, nil
}

func (s *deviceSource) logs(ctx context.Context, d *deps, w mine.Window, names []string, agg *correlate.Aggregator, onTraffic func(*mine.TrafficLog)) (mine.Window, error) {
	c, log := s.c, d.logger
	lo, hi := signatures.Default().IDRange()
	start := time.Now()
	ts, err := c.ThreatLogs(ctx, w, lo, hi, func(l *mine.ThreatLog) error { agg.AddThreat(l); return nil })
	if err != nil {
		return w, fmt.Errorf("collect threat logs: %w", err)
	}
	log.Info("threat logs collected", "entries", ts.Entries, "jobs", ts.Jobs, "duplicates", ts.Duplicates, "retried_jobs", ts.Retries, "repeated_requests", ts.Repeats, "took", time.Since(start).Round(time.Millisecond))
	if ts.Entries == 0 {
		log.Warn("no HTTP status threat logs in the window: are the signatures deployed (mine signatures deploy) and a vulnerability profile that logs informational alerts attached to the catch-all?", "window", w.String())
	}
	start = time.Now()
	fs, err := c.TrafficLogs(ctx, w, names, func(l *mine.TrafficLog) error {
		agg.AddTraffic(l)
		if onTraffic != nil {
			onTraffic(l)
		}
		return nil
	})
	if err != nil {
		return w, fmt.Errorf("collect traffic logs: %w", err)
	}
	log.Info("traffic logs collected", "entries", fs.Entries, "jobs", fs.Jobs, "duplicates", fs.Duplicates, "retried_jobs", fs.Retries, "repeated_requests", fs.Repeats, "took", time.Since(start).Round(time.Millisecond))
	return w, nil
}

func (s *deviceSource) annotate(*mine.Report) {}

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
	if o.stdoutTaken {
		summary = d.io.err
	}
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
	if err := fill(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
