package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/panos-mine/mine"
	"github.com/panos-mine/mine/correlate"
	"github.com/panos-mine/mine/history"
	"github.com/panos-mine/mine/signatures"
)

// actFlags are the flags of the commands that act on the evidence
// (protect, retire): the device, the evidence window, the history.
type actFlags struct {
	changeFlags
	collect changeCollect
	db      string
	target  string
	record  string
	undo    bool
	force   bool
}

// changeCollect is the evidence window and collection tuning.
type changeCollect struct {
	collectOptions
	since string
	until string
}

func (o *actFlags) register(fs *pflag.FlagSet, since string) {
	o.changeFlags.register(fs)
	o.conn.registerPolicyScope(fs, "virtual system of the rule (default vsys1)", "on Panorama: the device group of the rule")
	fs.StringVar(&o.conn.device, "device", "", "on Panorama: read the evidence of this one managed firewall (serial) only")
	o.collect.collectOptions.register(fs)
	fs.StringVar(&o.collect.since, "since", since, "evidence window: how far back the logs are read")
	fs.StringVar(&o.collect.until, "until", "", "evidence window end, RFC 3339 (default: the start of the current hour)")
	fs.StringVar(&o.db, "db", "", "history database that records the change, for undo and mine watch (env MINE_DB; default $XDG_STATE_HOME/mine/history.db)")
	fs.StringVar(&o.target, "target", "", "the history's name for this device (default the host), as mine run --config names it")
	fs.StringVar(&o.record, "record", "", "also write the change record (JSON) to this file, for a change request")
}

// policyContext names the policy context a change is kept under.
func (o *actFlags) policyContext() string {
	if o.conn.devGroup != "" {
		return "device-group " + o.conn.devGroup
	}
	return o.conn.vsysOrDefault()
}

func (o *actFlags) scope() signatures.PolicyScope {
	return signatures.PolicyScope{Vsys: o.conn.vsys, DeviceGroup: o.conn.devGroup}
}

// openHistory opens the history the change is recorded in.
func (o *actFlags) openHistory(ctx context.Context, d *deps) (*history.Store, error) {
	return history.Open(ctx, historyPath(d, o.db, ""))
}

// textFormat resolves --format for the acting commands: json, or text
// (table and tsv read the same here).
func (o *actFlags) textFormat(d *deps) (string, error) {
	f, err := resolveFormat(d, o.format, "table", "tsv", "json")
	if err != nil {
		return "", err
	}
	if f != "json" {
		f = "text"
	}
	return f, nil
}

// evidence runs the analysis pipeline over the evidence window and
// returns the report with the aggregator and input behind it. With weekly,
// the readiness verdict follows the weeks of earlier runs kept there, as
// mine readiness --db does.
func (o *actFlags) evidence(cmd *cobra.Command, d *deps, catchAll []string, weekly *history.Store, ro *verdictOptions) (*mine.Report, *correlate.Aggregator, correlate.Input, error) {
	since, err := mine.ParseSince(o.collect.since)
	if err != nil {
		return nil, nil, correlate.Input{}, usagef("--since: %v", err)
	}
	p, err := newPipeline(d, &o.conn, &o.collect.collectOptions, since, o.collect.until, catchAll)
	if err != nil {
		return nil, nil, correlate.Input{}, err
	}
	if weekly != nil {
		rc := &recorder{store: weekly, target: p.conn.Host, collected: d.now().UTC().Truncate(time.Second),
			conn: mine.Target{Host: p.conn.Host, Port: p.conn.Port, Vsys: o.conn.vsysOrDefault(), DeviceGroup: o.conn.devGroup}}
		rc.attach(&p)
	}
	if ro != nil {
		p.readiness, p.expect = ro.readiness, ro.expect
	}
	a, err := p.analyse(cmd.Context(), d)
	if err != nil {
		return nil, nil, correlate.Input{}, err
	}
	return a.report, a.agg, a.in, nil
}

// verdictOptions are the readiness thresholds and expected firewalls an
// action is judged with.
type verdictOptions struct {
	readiness correlate.ReadinessOptions
	expect    []string
}

// operator names the local user running mine, for the change record.
func operator(d *deps) string {
	for _, k := range []string{"USER", "LOGNAME", "USERNAME"} {
		if u := d.getenv(k); u != "" {
			return u
		}
	}
	return ""
}

// newChange starts a change record for a plan about to be applied.
func (o *actFlags) newChange(d *deps, dep *signatures.Deployer, kind string, p *signatures.ActPlan) *mine.Change {
	dev := dep.Device()
	c := &mine.Change{
		Kind: kind, Admin: dep.Username(), Operator: operator(d), Target: o.target, Host: o.conn.host,
		Device:  mine.DeviceReport{Hostname: dev.Hostname, Serial: dev.Serial, Model: dev.Model, SWVersion: dev.Version, Panorama: dev.Panorama},
		Context: o.policyContext(), Rules: p.Rules, RuleBefore: p.RuleBefore, Elements: []mine.ChangedElement{}, Diff: []string{},
	}
	if c.Host == "" {
		c.Host = d.getenv("PANOS_HOSTNAME")
	}
	if c.Target == "" {
		c.Target = c.Host
	}
	if c.Rules == nil {
		c.Rules = []string{}
	}
	for _, e := range p.Elements {
		c.Elements = append(c.Elements, mine.ChangedElement{XPath: e.XPath, Before: e.Before, After: e.After, Summary: e.Summary})
	}
	for _, df := range p.Diffs() {
		c.Diff = append(c.Diff, df.Lines()...)
	}
	return c
}

// applyChange applies a plan, completes the change record with the
// outcome and the device's clock, and stores it in the history with the
// flows given. A failed commit is recorded as failed (nothing changed), a
// failed push as push-failed; the error is returned after the record is
// kept. A refusal before anything was written leaves c.Status empty:
// there is nothing to record. Callers print the record whenever Status is
// set, stored or not, so it is never lost.
func applyChange(ctx context.Context, d *deps, store *history.Store, dep *signatures.Deployer, p *signatures.ActPlan, c *mine.Change,
	description string, flows []mine.CarriedFlow) (signatures.Result, error) {
	res, err := dep.ApplyAct(ctx, p, description)
	c.Commit = mine.Commit{JobID: res.JobID, Committed: res.Committed}
	for _, ps := range res.Pushes {
		push := mine.Push{DeviceGroup: ps.DeviceGroup, JobID: ps.JobID, Devices: []mine.PushDevice{}}
		for _, dv := range ps.Devices {
			push.Devices = append(push.Devices, mine.PushDevice{Serial: dv.Serial, Name: dv.Name, Result: dv.Result, Messages: dv.Messages})
		}
		c.Commit.Pushes = append(c.Commit.Pushes, push)
	}
	var pe *signatures.PushError
	switch {
	case err == nil:
		c.Status = mine.ChangeCommitted
	case res.Committed && errors.As(err, &pe):
		c.Status = mine.ChangePushFailed
		c.Commit.Error = err.Error()
	case res.Committed:
		c.Status = mine.ChangePushFailed
		c.Commit.Error = err.Error()
	case res.Set+res.Deleted == 0 && !errors.As(err, new(*signatures.RollbackError)):
		// Refused before anything was written (a lock, a changed
		// element): nothing to record.
		return res, err
	default:
		c.Status = mine.ChangeFailed
		c.Commit.Error = err.Error()
	}
	c.Time = d.now().UTC().Truncate(time.Second)
	if t, cerr := dep.Clock(ctx); cerr == nil {
		c.Time = t
	} else {
		d.logger.Warn("the device's clock could not be read: the change is dated by this host's clock", "err", cerr)
	}
	if _, serr := store.SaveChange(ctx, c, flows); serr != nil {
		if err != nil {
			return res, fmt.Errorf("%w; and the change record could not be stored: %v", err, serr)
		}
		return res, fmt.Errorf("the change is on the device but its record could not be stored in the history (keep the printed record): %w", serr)
	}
	d.logger.Info("change recorded", "id", c.ID, "kind", c.Kind, "status", c.Status, "history", store.Path())
	return res, err
}

// writeActPlan prints what a plan changes: the notes, each element's diff,
// and with dryRun the exact requests that would be sent, then the
// commit and push.
func writeActPlan(w io.Writer, p *signatures.ActPlan, dryRun bool) {
	for _, n := range p.Notes {
		fmt.Fprintf(w, "# note: %s\n", clean(n))
	}
	if len(p.Elements) == 0 {
		fmt.Fprintln(w, "# nothing to change")
		return
	}
	for i, e := range p.Elements {
		fmt.Fprintf(w, "# %d. %s\n", i+1, clean(e.Summary))
	}
	fmt.Fprintln(w)
	for _, df := range p.Diffs() {
		for _, l := range df.Lines() {
			fmt.Fprintln(w, l)
		}
		fmt.Fprintln(w)
	}
	if !dryRun {
		return
	}
	fmt.Fprintf(w, "# dry run: %d request(s) would be sent, then a commit", len(p.Elements))
	if len(p.PushGroups) > 0 {
		fmt.Fprintf(w, " and a push to %s", strings.Join(p.PushGroups, ", "))
	}
	fmt.Fprintln(w, "; nothing was changed")
	for i, r := range p.Requests() {
		fmt.Fprintf(w, "\n# %d. %s\ntype=config action=%s\nxpath=%s\n", i+1, clean(r.Summary), r.Op, r.Xpath)
		if r.Element != "" {
			fmt.Fprintf(w, "element=%s\n", r.Element)
		}
	}
}

// actPlanJSON is the JSON form of a plan (a dry run with --format json).
type actPlanJSON struct {
	Kind       string                `json:"kind"`
	Rules      []string              `json:"rules"`
	DryRun     bool                  `json:"dry_run"`
	Notes      []string              `json:"notes"`
	Elements   []mine.ChangedElement `json:"elements"`
	Requests   []sigChangeJSON       `json:"requests"`
	PushGroups []string              `json:"push_groups,omitempty"`
}

// showPlan prints a plan: as text on out (text format), or, in JSON
// format, as text on stderr before it is applied and as JSON on stdout
// for a dry run.
func showPlan(d *deps, format string, p *signatures.ActPlan, dryRun bool) error {
	if format != "json" {
		writeActPlan(d.io.out, p, dryRun)
		return nil
	}
	if !dryRun {
		if !d.global.quiet {
			writeActPlan(d.io.err, p, false)
		}
		return nil
	}
	j := actPlanJSON{Kind: p.Kind, Rules: p.Rules, DryRun: true, Notes: p.Notes, Elements: []mine.ChangedElement{}, Requests: []sigChangeJSON{}, PushGroups: p.PushGroups}
	if j.Rules == nil {
		j.Rules = []string{}
	}
	if j.Notes == nil {
		j.Notes = []string{}
	}
	for _, e := range p.Elements {
		j.Elements = append(j.Elements, mine.ChangedElement{XPath: e.XPath, Before: e.Before, After: e.After, Summary: e.Summary})
	}
	for _, r := range p.Requests() {
		j.Requests = append(j.Requests, sigChangeJSON{"config", r.Op, r.Xpath, r.Element})
	}
	return encodeJSON(d.io.out, j)
}

// textOut is where human text goes: stdout, or stderr when stdout
// carries JSON.
func textOut(d *deps, format string) io.Writer {
	if format == "json" {
		return d.io.err
	}
	return d.io.out
}

// writeChange prints a change record: JSON, or the outcome in words.
func writeChange(w io.Writer, format string, c *mine.Change, res *signatures.Result) error {
	if format == "json" {
		return encodeJSON(w, c)
	}
	fmt.Fprintf(w, "# change %d (%s) %s at %s: %s\n", c.ID, c.Kind, c.Status, c.Time.Format(time.RFC3339), clean(c.Summary))
	if res != nil {
		writeOutcome(w, res)
	}
	return nil
}

// writeRecordFile writes the change record to --record.
func (o *actFlags) writeRecordFile(d *deps, c *mine.Change) error {
	if o.record == "" {
		return nil
	}
	if err := writeFileAtomic(o.record, func(w io.Writer) error { return encodeJSON(w, c) }); err != nil {
		return fmt.Errorf("write the change record: %w", err)
	}
	d.logger.Info("change record written", "path", o.record)
	return nil
}

// undoChange puts back what a standing change replaced: the plan, its
// dry run, or its application recorded as an undo.
func (o *actFlags) undoChange(cmd *cobra.Command, d *deps, kind, rule string) error {
	ctx := cmd.Context()
	format, err := o.textFormat(d)
	if err != nil {
		return err
	}
	store, err := o.openHistory(ctx, d)
	if err != nil {
		return err
	}
	defer store.Close()
	cfg, err := o.conn.config(d)
	if err != nil {
		return err
	}
	st, err := store.Standing(ctx, cfg.Host, o.policyContext(), kind, rule)
	if errors.Is(err, history.ErrNoChange) {
		return fmt.Errorf("nothing to undo: %w (history %s)", err, store.Path())
	}
	if err != nil {
		return err
	}
	dep, _, err := o.connect(cmd, d)
	if err != nil {
		return err
	}
	applied := make([]signatures.ElementChange, len(st.Elements))
	for i, e := range st.Elements {
		applied[i] = signatures.ElementChange{XPath: e.XPath, Before: e.Before, After: e.After, Summary: e.Summary}
	}
	p, err := dep.PlanRestore(ctx, o.scope(), mine.ChangeUndo, st.Rules, applied, o.force)
	var ce *signatures.ChangedError
	if errors.As(err, &ce) && !ce.Pending {
		return fmt.Errorf("%w\nthe device changed since change %d; --undo --force puts back what was there before anyway", err, st.ID)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(textOut(d, format), "# undo of change %d (%s of %s at %s)\n", st.ID, st.Kind, strings.Join(st.Rules, ", "), st.Time.Format(time.RFC3339))
	if err := showPlan(d, format, p, o.dryRun); err != nil || o.dryRun {
		return err
	}
	if len(p.Elements) == 0 {
		return fmt.Errorf("change %d: the device already holds what was there before; nothing to undo", st.ID)
	}
	c := o.newChange(d, dep, mine.ChangeUndo, p)
	c.Undoes, c.UndoKind = st.ID, st.Kind
	c.Summary = fmt.Sprintf("undo change %d: %s", st.ID, st.Summary)
	if o.force {
		c.Forced = true
	}
	res, err := applyChange(ctx, d, store, dep, p, c, fmt.Sprintf("mine: undo change %d (%s)", st.ID, st.Kind), nil)
	if c.Status != "" {
		if werr := writeChange(d.io.out, format, c, &res); werr != nil && err == nil {
			err = werr
		}
		if rerr := o.writeRecordFile(d, c); rerr != nil && err == nil {
			err = rerr
		}
	}
	return err
}

// scannerRules are the rules that carried traffic to the servers the
// scanners probed: the default rules to protect.
func scannerRules(r *mine.Report) []string {
	var out []string
	for _, t := range r.ScannerTargets {
		for _, rule := range t.Rules {
			if !slices.Contains(out, rule) {
				out = append(out, rule)
			}
		}
	}
	slices.Sort(out)
	return out
}
