package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/panos-mine/mine"
	"github.com/panos-mine/mine/correlate"
	"github.com/panos-mine/mine/history"
	"github.com/panos-mine/mine/report"
	"github.com/panos-mine/mine/signatures"
)

type retireOptions struct {
	actFlags
	thresholds readinessOptions
	reason     string
	undoRule   string
	expect     []string
}

func newRetireCmd(d *deps) *cobra.Command {
	o := &retireOptions{}
	cmd := &cobra.Command{
		Use:   "retire [RULE]",
		Short: "Disable the catch-all when the verdict is READY (reversible)",
		Long: `Retire judges the catch-all rule (RULE, or the one 'mine rules' chooses) as
'mine readiness' does, over the same window and with the same thresholds,
and only when the verdict is READY:

  - disables the rule (it is never deleted: its hit counter, its place and
    everything it says stay), tags it mine-retired (creating the tag when
    the rule's scope has none), and adds the date and a one-line summary of
    the evidence to its description, after what it already says;
  - commits only this administrator's changes (give PANOS_USERNAME with an
    API key), and on Panorama commits, then pushes the device group and
    reports every firewall's result;
  - records the change in the history: who, when, the device, the rule,
    the verdict with every criterion's evidence, the exact XML of every
    element before and after (what --undo puts back), and the flows the
    catch-all carried in the window, which 'mine watch' checks the deny
    logs against. --record also writes the change record as JSON, for a
    change request.

A verdict other than READY refuses: exit 4 (not ready) or 5 (insufficient
evidence), naming the failing criteria. --force --reason TEXT retires
anyway and records that it was forced, and why.

--dry-run prints the verdict, the plan and the exact requests, and changes
nothing. If a write or the commit fails, what was written is taken back
out, so nothing is left half-done.

--undo RULE re-enables the rule retired last and puts back its tags and
description exactly as they were (the tag object too, when no other rule
carries it), refusing when the rule changed since (--force overrides).

Then watch it: 'mine watch' reports what the rules below deny of what the
catch-all used to carry, and prints the rollback command.`,
		Example: `  export PANOS_API_KEY=... PANOS_USERNAME=api-admin
  mine retire --host fw.example.net --dry-run
  mine retire Allow-Web-Ports --host fw.example.net --record CHG-1234.json
  mine retire --host fw.example.net --force \
      --reason "CHG-1234: residual accepted"
  mine retire --undo Allow-Web-Ports --host fw.example.net`,
		Args: argsUsage(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.undoRule != "" {
				if len(args) > 0 && args[0] != o.undoRule {
					return usagef("give the rule once: --undo %s", o.undoRule)
				}
				if o.reason != "" {
					return usagef("--reason goes with --force on a retirement, not on --undo")
				}
				return o.undoChange(cmd, d, mine.ChangeRetire, o.undoRule)
			}
			if o.force && strings.TrimSpace(o.reason) == "" {
				return usagef("--force needs --reason TEXT: the change record says why the verdict was overridden")
			}
			var rule []string
			if len(args) == 1 {
				rule = args
			}
			return o.retire(cmd, d, rule)
		},
	}
	o.register(cmd.Flags(), "30d")
	f := cmd.Flags()
	f.StringVar(&o.thresholds.minWindow, "min-window", "30d", "how far back the evidence must reach")
	f.StringVar(&o.thresholds.recent, "recent", "7d", "how long the catch-all must have carried no successful traffic of ordinary clients")
	f.StringVar(&o.thresholds.freshness, "freshness", "48h", "how old the newest HTTP status log may be")
	f.Int64Var(&o.thresholds.maxWeekly, "max-weekly-sessions", 0, "sessions per week from non-scanners the catch-all may still carry")
	f.StringSliceVar(&o.expect, "expect-serial", nil, "serial number of a firewall that must have reported (repeat; default the connected one)")
	f.BoolVar(&o.force, "force", false, "retire although the verdict is not READY (needs --reason); with --undo, undo although the rule changed since")
	f.StringVar(&o.reason, "reason", "", "why the verdict is overridden (with --force): kept in the change record and the history")
	f.StringVar(&o.undoRule, "undo", "", "re-enable this retired rule, putting back exactly what the retirement replaced")
	return cmd
}

func (o *retireOptions) retire(cmd *cobra.Command, d *deps, rule []string) error {
	ctx := cmd.Context()
	format, err := o.textFormat(d)
	if err != nil {
		return err
	}
	ropts, err := o.thresholds.thresholds()
	if err != nil {
		return err
	}
	if o.commitTimeout <= 0 {
		return usagef("--commit-timeout must be positive")
	}
	store, err := o.openHistory(ctx, d)
	if err != nil {
		return err
	}
	defer store.Close()
	var weekly *history.Store
	if o.db != "" || d.getenv("MINE_DB") != "" {
		weekly = store
	}
	r, agg, in, err := o.evidence(cmd, d, rule, weekly, &verdictOptions{readiness: ropts, expect: o.expect})
	if err != nil {
		return err
	}
	var verdict *mine.Readiness
	for i := range r.Readiness {
		if len(rule) == 0 || r.Readiness[i].Rule == rule[0] {
			verdict = &r.Readiness[i]
			break
		}
	}
	switch {
	case verdict == nil:
		return fmt.Errorf("no readiness verdict for %s", strings.Join(rule, ""))
	case len(rule) == 0 && len(r.Readiness) > 1:
		return usagef("there are %d catch-all rules (%s): name the one to retire", len(r.Readiness), strings.Join(r.CatchAll, ", "))
	}
	if err := writeReadiness(textOut(d, format), "table", []mine.Readiness{*verdict}); err != nil {
		return err
	}
	fmt.Fprintln(textOut(d, format))
	ready := verdict.Verdict == mine.VerdictReady
	if !ready && !o.force {
		var failing []string
		for _, c := range verdict.Criteria {
			if c.Result != mine.ResultPass {
				failing = append(failing, c.Name+" "+c.Result)
			}
		}
		code := exitNoEvidence
		if verdict.Verdict == mine.VerdictNotReady {
			code = exitNotReady
		}
		return verdictError{code, fmt.Sprintf("%s is %s (%s): not retired; --force --reason TEXT overrides",
			verdict.Rule, report.VerdictLabel(verdict.Verdict), strings.Join(failing, ", "))}
	}
	dep, _, err := o.connect(cmd, d)
	if err != nil {
		return err
	}
	now := d.now().UTC()
	if t, err := dep.Clock(ctx); err == nil {
		now = t
	}
	evidence := fmt.Sprintf("verdict %s over %s", verdict.Verdict, r.Window)
	if !ready {
		evidence = fmt.Sprintf("FORCED against verdict %s (%s): %s", verdict.Verdict, failingNames(verdict), o.reason)
	}
	p, err := dep.PlanRetire(ctx, o.scope(), verdict.Rule, signatures.RetireOptions{Date: now, Evidence: evidence})
	if err != nil {
		return err
	}
	if err := showPlan(d, format, p, o.dryRun); err != nil || o.dryRun {
		return err
	}
	c := o.newChange(d, dep, mine.ChangeRetire, p)
	c.Verdict, c.Criteria = verdict.Verdict, verdict.Criteria
	c.Forced, c.Reason = !ready, strings.TrimSpace(o.reason)
	c.Summary = fmt.Sprintf("retire %s (disable, tag %s): %s", verdict.Rule, mine.RetiredTag, evidence)
	w := r.Window
	c.Window = &w
	flows := []mine.CarriedFlow{}
	for _, f := range agg.CatchAllFlows() {
		if f.CatchAllRule == verdict.Rule {
			flows = append(flows, f)
		}
	}
	c.CarriedFlows = len(flows)
	if in.Policy != nil {
		below := correlate.DenyRulesBelow(in.Policy, verdict.Rule)
		for _, h := range in.Hits {
			for _, b := range below {
				if h.Rule == b {
					c.DenyHits = append(c.DenyHits, h)
				}
			}
		}
	}
	res, err := applyChange(ctx, d, store, dep, p, c, "mine: retire "+verdict.Rule, flows)
	if c.Status == "" {
		return err
	}
	if werr := writeChange(d.io.out, format, c, &res); werr != nil && err == nil {
		err = werr
	}
	if rerr := o.writeRecordFile(d, c); rerr != nil && err == nil {
		err = rerr
	}
	if c.Status != mine.ChangeFailed {
		fmt.Fprintf(d.io.err, "Watch it: mine watch %s%s; roll back: %s\n", verdict.Rule, connArgs(&o.conn), rollbackCommand(&o.conn, verdict.Rule))
	}
	var pe *signatures.PushError
	if errors.As(err, &pe) {
		return fmt.Errorf("the rule is disabled on Panorama, but %w; push the device group again once the firewall is back (mine retire --undo %s rolls back)", err, verdict.Rule)
	}
	return err
}

// failingNames lists the criteria that did not pass.
func failingNames(r *mine.Readiness) string {
	var out []string
	for _, c := range r.Criteria {
		if c.Result != mine.ResultPass {
			out = append(out, c.Name)
		}
	}
	return strings.Join(out, ", ")
}

// connArgs renders the connection flags a follow-up command needs (the
// secrets come from the environment as before).
func connArgs(o *connOptions) string {
	var b strings.Builder
	if o.host != "" {
		b.WriteString(" --host " + o.host)
	}
	if o.port != 0 {
		fmt.Fprintf(&b, " --port %d", o.port)
	}
	if o.vsys != "" {
		b.WriteString(" --vsys " + o.vsys)
	}
	if o.devGroup != "" {
		b.WriteString(" --device-group " + o.devGroup)
	}
	return b.String()
}

// rollbackCommand is the command that undoes the retirement of rule.
func rollbackCommand(o *connOptions, rule string) string {
	return "mine retire --undo " + cliArg(rule) + connArgs(o)
}

// cliArg quotes a value for a shell when it needs it.
func cliArg(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\"'$`\\;&|<>()*?[]#~") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
