package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/panos-mine/mine"
	"github.com/panos-mine/mine/collect"
	"github.com/panos-mine/mine/correlate"
	"github.com/panos-mine/mine/report"
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
	// configFile, when set, is a saved configuration to read the policy
	// from instead of the device's running configuration.
	configFile string
	// verifyFlows bounds the flows checked against the device's own
	// policy evaluation.
	verifyFlows int
	// owners, readiness and expect are what the analysis takes besides
	// the evidence: the owners mapping, the verdict's thresholds, and the
	// firewalls whose logs it needs (default: the connected device and
	// its HA peer).
	owners    []mine.Owner
	readiness correlate.ReadinessOptions
	expect    []string
	// history, when set, gives the verdict the weeks of earlier runs
	// (recorder.go); the caller stores the run once the report is made.
	history *recorder
	// evidence is --evidence: auto (""), report or full (evidence.go).
	evidence string
	// source is where the logs come from; nil is the device above.
	source logSource
}

// outputs says where the report goes.
type outputs struct {
	xlsx string // workbook path; "" for none
	json string // JSON path, "-" for stdout, "" for none
	// book holds what the workbook shows beyond the report: the history's
	// trend and hit deltas.
	book report.Options
	// stdoutTaken says stdout carries other data (mine import --records -):
	// the summary goes to stderr.
	stdoutTaken bool
}

// logSource is where a pipeline's evidence comes from: a device over the
// XML API (deviceSource), or exported log files (importSource).
type logSource interface {
	// open returns what the analysis knows before any log: the device,
	// the policy and hit counts, and the catch-all. An import learns the
	// device only from the logs: logs may fill in the info open returned.
	open(ctx context.Context, d *deps) (*sourceInfo, error)
	// logs feeds the threat logs and the traffic logs of the catch-all
	// rules of window w to agg. It returns the window the logs cover: w,
	// or for an import the window it learned from them.
	logs(ctx context.Context, d *deps, w mine.Window, catchAll []string, agg *correlate.Aggregator) (mine.Window, error)
	// finish completes the analysis input once the logs are in: a device
	// describes the applications the traffic shows and checks flows with
	// its own policy evaluation.
	finish(ctx context.Context, d *deps, in *correlate.Input, agg *correlate.Aggregator) error
	// annotate adds to the report what the source knows about itself.
	annotate(r *mine.Report)
}

// sourceInfo is what a log source knows before the logs.
type sourceInfo struct {
	device mine.Device
	// policy is the policy context; nil when no rulebase was read (an
	// import without --config-file), the catch-all rules then stand alone.
	policy *mine.Policy
	hits   []mine.RuleHits
	choice correlate.CatchAllChoice
	// noRulebase says the rulebase was not read.
	noRulebase bool
	// memberHits are the hit counters of the device's HA peer; expected
	// the serials of every member whose logs the verdict needs.
	memberHits []mine.RuleHits
	expected   []string
}

// analysed is one run of the pipeline: the report, and the aggregates and
// input it was made from (mine retire and protect read them further).
type analysed struct {
	report *mine.Report
	agg    *correlate.Aggregator
	in     correlate.Input
}

func (p pipeline) run(ctx context.Context, d *deps) (*mine.Report, error) {
	a, err := p.analyse(ctx, d)
	if err != nil {
		return nil, err
	}
	return a.report, nil
}

// analyse collects the evidence, folds it into aggregates, adds the
// history's weeks when one is kept, and makes the report: collect ->
// correlate -> history -> report, each once.
func (p pipeline) analyse(ctx context.Context, d *deps) (*analysed, error) {
	src := p.source
	if src == nil {
		src = &deviceSource{p: p}
	}
	info, err := src.open(ctx, d)
	if err != nil {
		return nil, err
	}
	names := info.choice.Names()
	d.logger.Info("catch-all", "rules", names, "reason", info.choice.Reason)

	w := mine.NewWindow(p.now, p.since)
	if !p.window.From.IsZero() {
		w = p.window
	}
	agg := correlate.NewAggregator(names)
	if w, err = src.logs(ctx, d, w, names, agg); err != nil {
		return nil, err
	}
	in := correlate.Input{
		Device: info.device, Window: w, Policy: info.policy, Hits: info.hits, CatchAll: info.choice.Rules,
		CatchAllReason: info.choice.Reason, Generated: p.now, NoRulebase: info.noRulebase,
		MemberHits: info.memberHits, ExpectedSerials: info.expected,
		Owners: p.owners, Readiness: p.readiness,
	}
	if len(p.expect) > 0 {
		in.ExpectedSerials = p.expect
	}
	if info.policy == nil {
		in.Rules = info.choice.Rules
	}
	if err := src.finish(ctx, d, &in, agg); err != nil {
		return nil, err
	}
	if p.history != nil {
		if in.History, err = p.history.weeks(ctx, in, agg); err != nil {
			return nil, err
		}
	}
	r := agg.Report(in)
	src.annotate(r)
	return &analysed{report: r, agg: agg, in: in}, nil
}

// deviceSource reads a firewall or Panorama over the XML API.
type deviceSource struct {
	p pipeline
	c *collect.Client
	// coll is what the collection dropped, skipped or retried.
	coll *mine.Collection
}

func (s *deviceSource) open(ctx context.Context, d *deps) (*sourceInfo, error) {
	p, log := s.p, d.logger
	c, err := collect.ConnectScope(ctx, p.conn, collect.Scope{Vsys: p.vsys, DeviceGroup: p.deviceGroup, Device: p.device, DeviceTZ: p.deviceTZ})
	if err != nil {
		return nil, err
	}
	if p.tune != nil {
		p.tune(c)
	}
	s.c = c
	dev := c.Device()
	log.Info("connected", "device", dev.String(), "time_zone", dev.Location.String(), "from", c.TimeSource())
	coll := &mine.Collection{TimeZone: c.TimeSource()}
	s.coll = coll

	pol, err := p.readPolicy(ctx, c, log)
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
	if hits, coll.UnknownRuleHits = collect.KnownHits(pol.Rules, hits); len(coll.UnknownRuleHits) > 0 {
		log.Warn("hit counters of rules not in the rulebase left out", "rules", coll.UnknownRuleHits)
	}
	info := &sourceInfo{device: dev, policy: pol, hits: hits}
	peer, err := c.HAPeer(ctx, p.conn, p.haPeer)
	if err != nil {
		return nil, err
	}
	if peer != nil {
		coll.HA, info.expected = collect.HAMembers(dev, peer)
		info.memberHits = peer.Hits
		if peer.Err != nil {
			log.Warn("the HA peer's hit counters could not be read: readiness waits for every member", "peer", peer.Host, "err", peer.Err)
		}
	}
	if err := addApplications(ctx, c, pol, nil); err != nil {
		return nil, err
	}
	if info.choice, err = correlate.ChooseCatchAll(pol, hits, p.catchAll); err != nil {
		return nil, fmt.Errorf("%s: %w", pol.Context, err)
	}
	if err := collect.CheckRuleNames(info.choice.Names()); err != nil {
		return nil, fmt.Errorf("%s: the catch-all's traffic logs cannot be asked for: %w; rename the rule", dev.Hostname, err)
	}
	return info, nil
}

func (s *deviceSource) logs(ctx context.Context, d *deps, w mine.Window, names []string, agg *correlate.Aggregator) (mine.Window, error) {
	return w, deviceEvidence(ctx, d, s.c, s.p.evidence, w, names, agg, s.coll)
}

func (s *deviceSource) finish(ctx context.Context, d *deps, in *correlate.Input, agg *correlate.Aggregator) error {
	if err := addApplications(ctx, s.c, in.Policy, agg); err != nil {
		return err
	}
	var err error
	in.FlowChecks, err = checkFlows(ctx, s.c, agg, *in, s.p.verifyFlows, d.logger)
	return err
}

func (s *deviceSource) annotate(r *mine.Report) { r.Collection = s.coll }

// readPolicy reads the policy context: from the saved configuration when
// one is given, otherwise from the device. What could not be resolved is
// logged once, each naming the rule and the object.
func (p pipeline) readPolicy(ctx context.Context, c *collect.Client, log *slog.Logger) (*mine.Policy, error) {
	var pol *mine.Policy
	var err error
	if p.configFile != "" {
		pol, err = readConfigFile(p.configFile, collect.Scope{Vsys: p.vsys, DeviceGroup: p.deviceGroup})
	} else {
		pol, err = c.Policy(ctx)
	}
	if err != nil {
		return nil, err
	}
	for _, w := range pol.Warnings {
		log.Warn(w)
	}
	return pol, nil
}

// readConfigFile reads a policy context from a saved configuration.
func readConfigFile(path string, sc collect.Scope) (*mine.Policy, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--config-file: %w", err)
	}
	defer f.Close()
	pol, _, err := collect.ReadConfigFile(f, sc)
	if err != nil {
		return nil, fmt.Errorf("--config-file %s: %w", path, err)
	}
	return pol, nil
}

// addApplications reads from the device's content the predefined
// applications the policy names (and, with agg, the traffic shows) that it
// does not describe yet.
func addApplications(ctx context.Context, c *collect.Client, pol *mine.Policy, agg *correlate.Aggregator) error {
	names := correlate.ApplicationNames(pol, agg)
	if len(names) == 0 {
		return nil
	}
	apps, err := c.Applications(ctx, names)
	if err != nil {
		return err
	}
	if pol.Applications == nil {
		pol.Applications = map[string]mine.Application{}
	}
	for n, a := range apps {
		pol.Applications[n] = a
	}
	return nil
}

// checkFlows asks the device which rule it applies to up to n of the
// catch-all's flows (test security-policy-match), so the analysis can
// trust the device where mine's model disagrees. A device that cannot
// answer (Panorama without --device, an older release) is noted and
// skipped.
func checkFlows(ctx context.Context, c *collect.Client, agg *correlate.Aggregator, in correlate.Input, n int, log *slog.Logger) ([]correlate.FlowCheck, error) {
	checks := agg.FlowChecks(in, n)
	if len(checks) == 0 {
		return nil, nil
	}
	qs := make([]collect.PolicyQuery, len(checks))
	for i, fc := range checks {
		qs[i] = collect.PolicyQuery{From: fc.From, To: fc.To, Source: fc.Source, Destination: fc.Destination,
			Protocol: fc.Protocol, Port: fc.Port, Application: fc.Application}
	}
	answers, err := c.PolicyMatches(ctx, qs, c.Jobs)
	var apiErr *collect.APIError
	switch {
	case errors.Is(err, collect.ErrUnsupported) || errors.As(err, &apiErr):
		log.Warn("mine's policy model not checked against the device", "reason", err)
		return nil, nil
	case err != nil:
		return nil, err
	}
	disagree := 0
	for i := range checks {
		checks[i].Device, checks[i].Answered = answers[i], true
		if checks[i].Mine != "" && checks[i].Mine != answers[i] {
			disagree++
		}
	}
	log.Info("policy model checked against the device", "flows", len(checks), "disagreements", disagree)
	return checks, nil
}

// write renders the report to the requested outputs and the terminal
// summary: on stdout, or on stderr when stdout carries the JSON.
func (o outputs) write(d *deps, r *mine.Report) error {
	if o.xlsx != "" {
		if err := report.WriteWorkbookFileWith(o.xlsx, r, o.book); err != nil {
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
