package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/panos-mine/mine"
	"github.com/panos-mine/mine/correlate"
	"github.com/panos-mine/mine/signatures"
)

func newProtectCmd(d *deps) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "protect",
		Short: "Deny scanners their feedback: reset errors, block scanners",
		Long: `Protect changes what scanners learn from the servers behind the firewall:

  responses  error responses (5xx by default) end in a TCP reset instead of
             reaching the client, so a scanner cannot tell a missing page
             from a broken one;
  scanners   a combination signature on HTTP-404 blocks a source that gets
             more 404s within a few seconds than any ordinary client did in
             the evidence window, for a chosen time.

Both clone the rules' vulnerability profiles (the user's own profiles are
never changed), commit and (Panorama) push, record the change in the
history, and are undone with --undo, which puts back exactly what was
there. --dry-run prints the plan and the exact requests.`,
	}
	cmd.AddCommand(newProtectResponsesCmd(d), newProtectScannersCmd(d))
	return cmd
}

type protectOptions struct {
	actFlags
	rules  []string
	codes  string
	baseID int
	action string
}

func newProtectResponsesCmd(d *deps) *cobra.Command {
	o := &protectOptions{}
	cmd := &cobra.Command{
		Use:   "responses",
		Short: "Reset HTTP error responses on the rules scanners probe",
		Long: `Responses makes the responses of the chosen status codes (--codes, 5xx by
default) end in a TCP reset (--action, reset-both by default) instead of
reaching the client, on the rules named with --rule or, by default, on the
rules that carried traffic to the servers scanners probed in the evidence
window (the analysis lists them as scanner targets).

For each rule, its vulnerability profile (directly or through a profile
group) is cloned into mine-<profile> with every rule and exception kept and
a threat exception per status signature (HTTP-500 is 41049...) with the
reset action; the clone is attached to the rule, the group's other
profiles kept. A threat exception decides for its ID before any profile
rule does, so nothing else of the profile changes. The status signatures
must be deployed (mine signatures deploy).

4xx is possible (--codes 4xx,5xx) but ordinary clients then get a reset
for every missing page, failed login and expired link instead of an error
page: broken pages, not error messages.

--undo puts back what the last protect replaced (the rules' profile
settings, the clone removed), refusing when they changed since.`,
		Example: `  mine protect responses --host fw.example.net --dry-run
  mine protect responses --host fw.example.net --rule Allow-Web-Ports \
      --codes 500,502,503
  mine protect responses --host fw.example.net --undo`,
		Args: argsUsage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.undo {
				return o.undoChange(cmd, d, mine.ChangeProtect, "")
			}
			return o.protect(cmd, d)
		},
	}
	o.register(cmd.Flags(), "7d")
	f := cmd.Flags()
	f.StringSliceVar(&o.rules, "rule", nil, "rule to protect (repeat or comma-separate); default: the rules that carried the scanners' probes")
	f.StringVar(&o.codes, "codes", "5xx", "status codes whose responses end in a reset: codes, classes and ranges (500,502-504,5xx)")
	f.IntVar(&o.baseID, "base-id", signatures.MinID, "first threat ID of the deployed signatures (as mine signatures deploy --base-id)")
	f.StringVar(&o.action, "action", "reset-both", "reset-both, reset-client or reset-server")
	f.BoolVar(&o.undo, "undo", false, "put back what the last protect responses replaced")
	f.BoolVar(&o.force, "force", false, "with --undo: undo although the elements changed since")
	return cmd
}

func (o *protectOptions) protect(cmd *cobra.Command, d *deps) error {
	ctx := cmd.Context()
	format, err := o.textFormat(d)
	if err != nil {
		return err
	}
	if !slices.Contains(signatures.ResetActions, o.action) {
		return usagef("--action %q: want %s", o.action, strings.Join(signatures.ResetActions, ", "))
	}
	c, err := signatures.Build(signatures.Options{Codes: o.codes, BaseID: o.baseID})
	if err != nil {
		return usageError{err}
	}
	var codes []int
	warn4xx := false
	for _, s := range c.Signatures {
		codes = append(codes, s.Code)
		warn4xx = warn4xx || (s.Code >= 400 && s.Code < 500)
	}
	if warn4xx {
		d.logger.Warn("4xx responses will end in a reset: real users then see a broken page instead of an error message for every missing page, failed login or expired link")
	}
	store, err := o.openHistory(ctx, d)
	if err != nil {
		return err
	}
	defer store.Close()
	rules := o.rules
	if len(rules) == 0 {
		r, _, _, err := o.evidence(cmd, d, nil, nil, nil)
		if err != nil {
			return err
		}
		if rules = scannerRules(r); len(rules) == 0 {
			return fmt.Errorf("no scanner probed a server in the window %s: name the rules to protect with --rule", r.Window)
		}
		d.logger.Info("rules that carried the scanners' probes", "rules", rules)
	}
	dep, _, err := o.connect(cmd, d)
	if err != nil {
		return err
	}
	p, err := dep.PlanProtect(ctx, c, o.scope(), rules, o.action)
	if err != nil {
		return err
	}
	if err := showPlan(d, format, p, o.dryRun); err != nil || o.dryRun || len(p.Elements) == 0 {
		return err
	}
	ch := o.newChange(d, dep, mine.ChangeProtect, p)
	ch.Codes, ch.Action = codes, o.action
	ch.Summary = fmt.Sprintf("HTTP %s end in %s on %s", o.codes, o.action, strings.Join(p.Rules, ", "))
	res, err := applyChange(ctx, d, store, dep, p, ch, "mine: "+ch.Summary, nil)
	if ch.Status == "" {
		return err
	}
	if werr := writeChange(d.io.out, format, ch, &res); werr != nil && err == nil {
		err = werr
	}
	if rerr := o.writeRecordFile(d, ch); rerr != nil && err == nil {
		err = rerr
	}
	return err
}

type blockOptions struct {
	actFlags
	rules    []string
	interval time.Duration
	duration time.Duration
	id       int
}

func newProtectScannersCmd(d *deps) *cobra.Command {
	o := &blockOptions{}
	cmd := &cobra.Command{
		Use:   "scanners",
		Short: "Block scanners: a combination signature on HTTP-404, block-ip",
		Long: `Scanners deploys a combination signature on mine's HTTP-404 signature
(41026): THRESHOLD 404 answers within --interval from one source put that
source on the firewall's block list for --duration (block-ip, track by
source), on the rules named with --rule or, by default, the rules that
carried the scanners' probes.

The threshold comes from the evidence window: above the busiest
--interval of every source that is not a scanner, and at most the
busiest --interval of the slowest scanner, so that every scanner seen
would have been blocked and no other source would. Both numbers are
printed. When no threshold separates them (a busy client as fast as the
slowest scanner) nothing is changed and the command fails, naming both.

The signature goes next to the HTTP-404 signature (same location), with the
first free threat ID from 41090 (--id to choose), and each rule's profile is
cloned with a threat exception giving it block-ip, as protect responses
does. --undo removes it all, putting back exactly what was there.`,
		Example: `  mine protect scanners --host fw.example.net --dry-run
  mine protect scanners --host fw.example.net --interval 1m --duration 1h
  mine protect scanners --host fw.example.net --undo`,
		Args: argsUsage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.undo {
				return o.undoChange(cmd, d, mine.ChangeBlock, "")
			}
			return o.block(cmd, d)
		},
	}
	o.register(cmd.Flags(), "7d")
	f := cmd.Flags()
	f.StringSliceVar(&o.rules, "rule", nil, "rule whose traffic is watched for scanners (repeat or comma-separate); default: the rules that carried their probes")
	f.DurationVar(&o.interval, "interval", time.Minute, "the combination signature's interval: 404s counted within it (1s-1h)")
	f.DurationVar(&o.duration, "duration", time.Hour, "how long a source stays blocked (1s-1h)")
	f.IntVar(&o.id, "id", 0, "threat ID of the combination signature (default the first free one from 41090)")
	f.BoolVar(&o.undo, "undo", false, "remove the signature and put back what the last protect scanners replaced")
	f.BoolVar(&o.force, "force", false, "with --undo: undo although the elements changed since")
	return cmd
}

func (o *blockOptions) block(cmd *cobra.Command, d *deps) error {
	ctx := cmd.Context()
	format, err := o.textFormat(d)
	if err != nil {
		return err
	}
	if o.interval < time.Second || o.interval > time.Duration(correlate.MaxBlockInterval)*time.Second || o.interval%time.Second != 0 {
		return usagef("--interval %s: want whole seconds from 1s to 1h", o.interval)
	}
	if o.duration < time.Second || o.duration > signatures.MaxBlockDuration*time.Second || o.duration%time.Second != 0 {
		return usagef("--duration %s: want whole seconds from 1s to 1h (the block-ip action's limit)", o.duration)
	}
	switch o.collect.evidence {
	case evidenceReport:
		return usagef("--evidence report: protect scanners needs each source's 404 answers per second, which only the log entries give; use --evidence full (the default here)")
	default:
		o.collect.evidence = evidenceFull
	}
	store, err := o.openHistory(ctx, d)
	if err != nil {
		return err
	}
	defer store.Close()
	r, agg, _, err := o.evidence(cmd, d, nil, nil, nil)
	if err != nil {
		return err
	}
	bt, err := agg.BlockThreshold(o.interval)
	if err != nil {
		return usageError{err}
	}
	writeThreshold(textOut(d, format), bt, r.Window)
	if !bt.Separable {
		return fmt.Errorf("no threshold separates the scanners from the other sources: %s; nothing was changed", bt.Reason)
	}
	rules := o.rules
	if len(rules) == 0 {
		if rules = scannerRules(r); len(rules) == 0 {
			return fmt.Errorf("no scanner probed a server in the window %s: name the rules with --rule", r.Window)
		}
	}
	dep, _, err := o.connect(cmd, d)
	if err != nil {
		return err
	}
	p, b, err := dep.PlanBlock(ctx, o.scope(), rules, signatures.BlockSignature{ID: o.id, Interval: bt.Interval, Threshold: bt.Threshold,
		Duration: int(o.duration / time.Second)})
	if err != nil {
		return err
	}
	if err := showPlan(d, format, p, o.dryRun); err != nil || o.dryRun || len(p.Elements) == 0 {
		return err
	}
	ch := o.newChange(d, dep, mine.ChangeBlock, p)
	ch.Threshold = &bt
	w := r.Window
	ch.Window = &w
	ch.Summary = fmt.Sprintf("combination signature %d: %d HTTP-404 within %ds block the source for %s, on %s", b.ID, b.Threshold, b.Interval,
		o.duration, strings.Join(p.Rules, ", "))
	res, err := applyChange(ctx, d, store, dep, p, ch, "mine: "+ch.Summary, nil)
	if ch.Status == "" {
		return err
	}
	if werr := writeChange(d.io.out, format, ch, &res); werr != nil && err == nil {
		err = werr
	}
	if rerr := o.writeRecordFile(d, ch); rerr != nil && err == nil {
		err = rerr
	}
	return err
}

// writeThreshold prints how the threshold was derived: both numbers.
func writeThreshold(out io.Writer, bt mine.BlockThreshold, w mine.Window) {
	fmt.Fprintf(out, "# HTTP-404 answers within %ds, evidence %s\n", bt.Interval, w)
	if bt.Busiest != nil {
		fmt.Fprintf(out, "# busiest other source: %s, %d (at %s)\n", bt.Busiest.Source, bt.Busiest.Peak, bt.Busiest.At.Format(time.RFC3339))
	} else {
		fmt.Fprintln(out, "# busiest other source: none got a 404")
	}
	if bt.Slowest != nil {
		fmt.Fprintf(out, "# slowest scanner: %s, %d (at %s)\n", bt.Slowest.Source, bt.Slowest.Peak, bt.Slowest.At.Format(time.RFC3339))
	}
	for _, s := range bt.Scanners {
		fmt.Fprintf(out, "#   scanner %s: %d at its busiest, %d 404s in the window\n", s.Source, s.Peak, s.NotFound)
	}
	if bt.Separable {
		fmt.Fprintf(out, "# threshold: %d within %ds\n", bt.Threshold, bt.Interval)
	} else {
		fmt.Fprintf(out, "# no threshold: %s\n", clean(bt.Reason))
	}
}
