package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/panos-mine/mine/collect"
	"github.com/panos-mine/mine/correlate"
	"github.com/panos-mine/mine/report"
	"github.com/panos-mine/mine/signatures"
)

func newSignaturesCmd(d *deps) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "signatures",
		Short: "List, export, deploy, verify, remove the HTTP status signatures",
		Long: `The signatures are custom vulnerability signatures, one per HTTP status
code (by default the 60 codes of the public "HTTP Response Codes" skillet,
threat IDs 41000-41059, context http-rsp-code, severity informational,
action alert). Once committed, and with a vulnerability profile that logs
informational alerts attached to the rule carrying the traffic, every HTTP
response the firewall inspects is written to its threat log.

mine marks every entry it writes (a comment naming the catalog version and a
content hash), so it only ever updates or removes its own entries.`,
	}
	cmd.AddCommand(newSignaturesListCmd(d), newSignaturesExportCmd(d), newSignaturesDeployCmd(d),
		newSignaturesVerifyCmd(d), newSignaturesRemoveCmd(d))
	return cmd
}

// catalogFlags select and place the signatures.
type catalogFlags struct {
	codes  string
	baseID int
	scope  string
	other  bool
}

func (o *catalogFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&o.codes, "codes", "", "subset of the catalog: codes, classes and ranges, e.g. 2xx,404,5xx (default all)")
	fs.IntVar(&o.baseID, "base-id", signatures.MinID, fmt.Sprintf("first threat ID of the block (%d-%d, or %d-%d on PAN-OS 10.0+); a code keeps its offset",
		signatures.MinID, signatures.MaxID, signatures.MinID10, signatures.MaxID10))
	fs.StringVar(&o.scope, "scope", "session", "signature scope: session or transaction")
	fs.BoolVar(&o.other, "other-codes", false, "add one signature, HTTP-other, for every status code 100-599 outside the catalog")
}

func (o *catalogFlags) catalog() (signatures.Catalog, error) {
	c, err := signatures.Build(signatures.Options{Codes: o.codes, BaseID: o.baseID, Scope: o.scope, Other: o.other})
	if err != nil {
		return c, usageError{err}
	}
	return c, nil
}

func parseLocation(s string) (signatures.Location, error) {
	loc, err := signatures.ParseLocation(s)
	if err != nil {
		return loc, usagef("--location: %v", err)
	}
	return loc, nil
}

func newSignaturesListCmd(d *deps) *cobra.Command {
	var format string
	var cat catalogFlags
	cmd := &cobra.Command{
		Use:   "list",
		Short: "Print the signature catalog",
		Args:  argsUsage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := cat.catalog()
			if err != nil {
				return err
			}
			format, err := resolveFormat(d, format, listFormats...)
			if err != nil {
				return err
			}
			switch format {
			case "json":
				type row struct {
					ID   int    `json:"id"`
					Code int    `json:"code,omitempty"`
					Name string `json:"name"`
				}
				rows := make([]row, len(c.Signatures))
				for i, s := range c.Signatures {
					rows[i] = row{s.ID, s.Code, s.Name}
				}
				enc := json.NewEncoder(d.io.out)
				enc.SetIndent("", "  ")
				return enc.Encode(map[string]any{"version": c.Version, "signatures": rows})
			}
			rows := make([][]string, len(c.Signatures))
			for i, s := range c.Signatures {
				code, text := fmt.Sprint(s.Code), http.StatusText(s.Code)
				if s.Code == 0 {
					code, text = "-", "codes 100-599 outside the catalog"
				}
				rows[i] = []string{fmt.Sprint(s.ID), code, s.Name, text}
			}
			cols := []report.Column{{Header: "ID", Right: true}, {Header: "CODE", Right: true}, {Header: "NAME"}, {Header: "STATUS"}}
			return report.WriteColumns(d.io.out, report.Format(format), cols, rows)
		},
	}
	cmd.Flags().StringVar(&format, "format", "auto", formatHelp(listFormats...))
	cat.register(cmd.Flags())
	return cmd
}

func newSignaturesExportCmd(d *deps) *cobra.Command {
	var (
		cat              catalogFlags
		format, out, loc string
	)
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Write the signatures' configuration for an offline install",
		Long: `Export writes the configuration of the selected signatures, marked as mine's
(a later deploy recognises them), without contacting a device:

  xml      the <entry> elements that go under …/threats/vulnerability,
           one per line (concatenated, they are the element of a config set)
  set      PAN-OS configure-mode set commands
  skillet  a PAN-OS skillet (.meta-cnc.yaml) with one snippet

--location sets the xpath (xml/skillet) or command prefix (set; vsys:NAME
gives the 'set vsys NAME' form of multi-vsys firewalls).`,
		Example: `  mine signatures export --format set > signatures.txt
  mine signatures export --format skillet --location device-group:Branches \
    --out .meta-cnc.yaml`,
		Args: argsUsage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := cat.catalog()
			if err != nil {
				return err
			}
			l, err := parseLocation(loc)
			if err != nil {
				return err
			}
			switch format {
			case signatures.FormatXML, signatures.FormatSet, signatures.FormatSkillet:
			default:
				return usagef("--format %q: want %s", format, orList([]string{signatures.FormatXML, signatures.FormatSet, signatures.FormatSkillet}))
			}
			if out == "" || out == "-" {
				return signatures.Export(d.io.out, c, l, format)
			}
			if err := writeFileAtomic(out, func(w io.Writer) error { return signatures.Export(w, c, l, format) }); err != nil {
				return fmt.Errorf("export signatures: %w", err)
			}
			d.logger.Info("signatures exported", "path", out, "format", format, "count", len(c.Signatures))
			return nil
		},
	}
	cat.register(cmd.Flags())
	cmd.Flags().StringVar(&format, "format", "xml", "xml, set or skillet")
	cmd.Flags().StringVarP(&out, "out", "o", "", "file to write (default stdout)")
	cmd.Flags().StringVar(&loc, "location", "shared", "where the signatures go: shared, vsys:NAME or device-group:NAME")
	return cmd
}

// changeFormats are the --format values of the commands that change a
// device: their plans and results are not plain lists, so no csv.
var changeFormats = []string{"table", "tsv", "json"}

// changeFlags are the flags of the commands that change a device.
type changeFlags struct {
	conn          connOptions
	dryRun        bool
	format        string
	commitTimeout time.Duration
}

func (o *changeFlags) register(fs *pflag.FlagSet) {
	o.conn.registerDevice(fs)
	fs.BoolVar(&o.dryRun, "dry-run", false, "print the plan and the exact requests; change nothing")
	fs.StringVar(&o.format, "format", "auto", formatHelp(changeFormats...))
	fs.DurationVar(&o.commitTimeout, "commit-timeout", 15*time.Minute, "how long to wait for each commit or push job")
}

func (o *changeFlags) connect(cmd *cobra.Command, d *deps) (*signatures.Deployer, string, error) {
	format, err := resolveFormat(d, o.format, changeFormats...)
	if err != nil {
		return nil, "", err
	}
	if o.commitTimeout <= 0 {
		return nil, "", usagef("--commit-timeout must be positive")
	}
	cfg, err := o.conn.config(d)
	if err != nil {
		return nil, "", err
	}
	dep, err := signatures.Connect(cmd.Context(), cfg)
	if err != nil {
		return nil, "", err
	}
	dep.CommitDeadline = o.commitTimeout
	d.logger.Info("connected", "device", dep.Device().String())
	return dep, format, nil
}

func newSignaturesDeployCmd(d *deps) *cobra.Command {
	var (
		o           changeFlags
		cat         catalogFlags
		location    string
		adopt, push bool
	)
	cmd := &cobra.Command{
		Use:   "deploy",
		Short: "Install the signatures on a firewall or Panorama, commit, wait",
		Long: `Deploy first reads every custom vulnerability signature on the device: shared
and every vsys (firewall) or device group (Panorama), and on a firewall
managed by Panorama the pushed configuration too. Each wanted threat ID is
then free (add), mine's and identical (skip), mine's and different (update),
or taken by an entry mine did not write (conflict). Any conflict stops the
deploy before anything is written, with the clashing IDs and a free block
for --base-id.

Otherwise it writes what is needed and commits: only the API user's changes
(partial commit; give PANOS_USERNAME with an API key), and only when
something changed, so a second run does nothing. On Panorama it then pushes
the device group (or, for shared, every device group) and reports every
firewall's result; one failed firewall fails the command. A config or
commit lock held by another administrator stops it before any change.

The signatures log only through a vulnerability profile that alerts on
informational client threats, on the rule that carries the traffic: see
'mine signatures verify'.`,
		Example: `  export PANOS_API_KEY=... PANOS_USERNAME=api-admin
  mine signatures deploy --host fw.example.net --dry-run
  mine signatures deploy --host fw.example.net --location vsys:vsys2 \
    --codes 2xx,4xx,5xx
  mine signatures deploy --host panorama.example.net \
    --location device-group:Branches`,
		Args: argsUsage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := cat.catalog()
			if err != nil {
				return err
			}
			loc, err := parseLocation(location)
			if err != nil {
				return err
			}
			dep, format, err := o.connect(cmd, d)
			if err != nil {
				return err
			}
			dep.Adopt, dep.ForcePush = adopt, push
			if o.dryRun {
				p, err := dep.Plan(cmd.Context(), c, loc)
				if err != nil {
					return err
				}
				if err := writeSigPlan(d.io.out, format, p, nil, true); err != nil {
					return err
				}
				return p.Err()
			}
			res, err := dep.Deploy(cmd.Context(), c, loc)
			if res.Plan != nil {
				if werr := writeSigPlan(d.io.out, format, res.Plan, &res, false); werr != nil && err == nil {
					err = werr
				}
			}
			return err
		},
	}
	o.register(cmd.Flags())
	cat.register(cmd.Flags())
	f := cmd.Flags()
	f.StringVar(&location, "location", "shared", "where the signatures go: shared, vsys:NAME (firewall) or device-group:NAME (Panorama)")
	f.BoolVar(&adopt, "adopt", false, "take over entries with exactly mine's content but no marker (installed by the skillet) instead of refusing")
	f.BoolVar(&push, "push", false, "Panorama: push the device groups even when there was nothing to commit (repairs an earlier failed push)")
	return cmd
}

func newSignaturesRemoveCmd(d *deps) *cobra.Command {
	var (
		o        changeFlags
		location string
	)
	cmd := &cobra.Command{
		Use:   "remove",
		Short: "Delete mine's signatures and profile rule, commit, wait",
		Long: `Remove deletes, at --location, only the entries that carry mine's marker,
the alert rule mine added to vulnerability profiles, and threat exceptions
for the deleted IDs (a device refuses to commit an exception for a threat
that no longer exists). Entries mine did not write are left alone. Commit,
push, locks and --dry-run work as for deploy.`,
		Example: `  mine signatures remove --host fw.example.net --dry-run`,
		Args:    argsUsage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			loc, err := parseLocation(location)
			if err != nil {
				return err
			}
			dep, format, err := o.connect(cmd, d)
			if err != nil {
				return err
			}
			if o.dryRun {
				p, err := dep.PlanRemove(cmd.Context(), loc)
				if err != nil {
					return err
				}
				return writeSigPlan(d.io.out, format, p, nil, true)
			}
			res, err := dep.Remove(cmd.Context(), loc)
			if res.Plan != nil {
				if werr := writeSigPlan(d.io.out, format, res.Plan, &res, false); werr != nil && err == nil {
					err = werr
				}
			}
			return err
		},
	}
	o.register(cmd.Flags())
	cmd.Flags().StringVar(&location, "location", "shared", "where the signatures are: shared, vsys:NAME or device-group:NAME")
	return cmd
}

func newSignaturesVerifyCmd(d *deps) *cobra.Command {
	var (
		o          changeFlags
		cat        catalogFlags
		rules      []string
		attach     bool
		configFile string
	)
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Check that the catch-all (or named) rules log the signatures",
		Long: `Verify reads the running configuration and reports, for each rule checked
(the catch-all by default, as 'mine rules' chooses it), whether the
signatures would be logged on its traffic:

  - a vulnerability profile is reached, directly or through a profile group;
  - its first rule matching informational client threats alerts (action
    default or alert), rather than allowing (silent) or blocking them;
  - no threat exception silences (or blocks) one of the IDs;
  - the rule is enabled, allows, and does not set
    disable-server-response-inspection;
  - the signatures are in the running configuration.

It exits 1 when any check fails.

--attach-profile makes it true without weakening protection: the rule's
current profile (or the predefined default one) is cloned into
mine-http-status with every rule and exception kept and an informational
alert rule appended (exceptions for the signatures' IDs where an earlier
rule would still decide), and attached to the rule; a profile group is
replaced by its profiles, so only the vulnerability profile changes. It
commits (and pushes) like deploy; --dry-run prints the diff instead.`,
		Example: `  mine signatures verify --host fw.example.net
  mine signatures verify --host fw.example.net --rule Allow-Web-Ports \
    --attach-profile --dry-run
  mine signatures verify --host panorama.example.net --device-group Branches \
    --attach-profile`,
		Args: argsUsage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := cat.catalog()
			if err != nil {
				return err
			}
			scope := signatures.PolicyScope{Vsys: o.conn.vsys, DeviceGroup: o.conn.devGroup}
			ctx := cmd.Context()
			if configFile != "" {
				return verifyConfigFile(ctx, d, configFile, o.format, c, scope, rules, attach)
			}
			dep, format, err := o.connect(cmd, d)
			if err != nil {
				return err
			}
			if len(rules) == 0 {
				cfg, err := o.conn.config(d)
				if err != nil {
					return err
				}
				if rules, err = catchAllNames(ctx, d, cfg, collect.Scope{Vsys: o.conn.vsysOrDefault(), DeviceGroup: o.conn.devGroup}); err != nil {
					return err
				}
			}
			if attach {
				if o.dryRun {
					att, err := dep.PlanAttach(ctx, c, scope, rules)
					if err != nil {
						return err
					}
					return writeAttach(d.io.out, format, att, nil)
				}
				att, res, err := dep.Attach(ctx, c, scope, rules)
				if att != nil {
					if werr := writeAttach(d.io.out, format, att, &res); werr != nil && err == nil {
						err = werr
					}
				}
				if err != nil {
					return err
				}
			}
			v, err := dep.Verify(ctx, c, scope, rules)
			if err != nil {
				return err
			}
			if err := writeVerification(d.io.out, format, v); err != nil {
				return err
			}
			return verificationError(v, c)
		},
	}
	o.register(cmd.Flags())
	o.conn.registerPolicyScope(cmd.Flags(), "virtual system whose rules to check (default vsys1)",
		"on Panorama: the device group whose pre- and post-rules to check")
	cat.register(cmd.Flags())
	f := cmd.Flags()
	f.StringSliceVar(&rules, "rule", nil, "rule to check (repeat or comma-separate); default: the catch-all, as 'mine rules' chooses it")
	f.BoolVar(&attach, "attach-profile", false, "clone the rule's profile into mine-http-status with an informational alert rule and attach it")
	f.StringVar(&configFile, "config-file", "", "verify a saved configuration instead of a device (no network; read only)")
	return cmd
}

// verifyConfigFile is verify on a saved configuration: no device, nothing
// changed.
func verifyConfigFile(ctx context.Context, d *deps, path, formatFlag string, c signatures.Catalog, scope signatures.PolicyScope, rules []string, attach bool) error {
	if attach {
		return usagef("--attach-profile changes a device; a saved configuration (--config-file) is only read")
	}
	format, err := resolveFormat(d, formatFlag, "table", "tsv", "json")
	if err != nil {
		return err
	}
	if len(rules) == 0 {
		pol, err := readConfigFile(path, collect.Scope{Vsys: scope.Vsys, DeviceGroup: scope.DeviceGroup})
		if err != nil {
			return err
		}
		choice, err := correlate.ChooseCatchAll(pol, nil, nil)
		if err != nil {
			return err
		}
		rules = choice.Names()
		d.logger.Info("catch-all", "rules", rules, "reason", choice.Reason)
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("--config-file: %w", err)
	}
	defer f.Close()
	v, err := signatures.VerifyConfig(ctx, f, c, scope, rules)
	if err != nil {
		return fmt.Errorf("--config-file %s: %w", path, err)
	}
	if err := writeVerification(d.io.out, format, v); err != nil {
		return err
	}
	return verificationError(v, c)
}

// catchAllNames reads a device's policy and hit counts and returns the
// catch-all as correlate.ChooseCatchAll picks it: the same rule every
// command of mine takes.
func catchAllNames(ctx context.Context, d *deps, cfg collect.Config, sc collect.Scope) ([]string, error) {
	cl, err := collect.ConnectScope(ctx, cfg, sc)
	if err != nil {
		return nil, err
	}
	pol, err := cl.Policy(ctx)
	if err != nil {
		return nil, err
	}
	hits, err := cl.HitCounts(ctx)
	if err != nil {
		d.logger.Debug("no rule hit counts for the catch-all choice", "reason", err)
	}
	if err := addApplications(ctx, cl, pol, nil); err != nil {
		return nil, err
	}
	choice, err := correlate.ChooseCatchAll(pol, hits, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", pol.Context, err)
	}
	d.logger.Info("catch-all", "rules", choice.Names(), "reason", choice.Reason)
	return choice.Names(), nil
}

// sigPlanJSON is the JSON form of a plan and, after it ran, its result.
type sigPlanJSON struct {
	Device   string          `json:"device"`
	Location string          `json:"location,omitempty"`
	DryRun   bool            `json:"dry_run"`
	Items    []sigItemJSON   `json:"items"`
	Requests []sigChangeJSON `json:"requests,omitempty"`
	Notes    []string        `json:"notes,omitempty"`
	Commit   bool            `json:"commit_needed"`
	Base     int             `json:"suggested_base_id,omitempty"`
	Result   *sigResultJSON  `json:"result,omitempty"`
}

type sigItemJSON struct {
	ID     int    `json:"id"`
	Name   string `json:"name"`
	Action string `json:"action"`
	Detail string `json:"detail,omitempty"`
}

type sigChangeJSON struct {
	Type    string `json:"type"`
	Action  string `json:"action"`
	Xpath   string `json:"xpath"`
	Element string `json:"element,omitempty"`
}

type sigResultJSON struct {
	Written   int           `json:"written"`
	Deleted   int           `json:"deleted"`
	Committed bool          `json:"committed"`
	JobID     uint          `json:"job_id,omitempty"`
	Pushes    []sigPushJSON `json:"pushes,omitempty"`
}

type sigPushJSON struct {
	DeviceGroup string              `json:"device_group"`
	JobID       uint                `json:"job_id"`
	Devices     []sigPushDeviceJSON `json:"devices"`
}

type sigPushDeviceJSON struct {
	Serial   string   `json:"serial"`
	Name     string   `json:"name"`
	Result   string   `json:"result"`
	Messages []string `json:"messages,omitempty"`
}

func planJSON(p *signatures.Plan, res *signatures.Result, dryRun bool) sigPlanJSON {
	j := sigPlanJSON{Device: p.Device.String(), DryRun: dryRun, Items: []sigItemJSON{}, Notes: p.Notes, Commit: p.Commit, Base: p.SuggestedBase}
	if p.Location != (signatures.Location{}) || len(p.Items) > 0 {
		j.Location = p.Location.String()
	}
	for _, it := range p.Items {
		j.Items = append(j.Items, sigItemJSON{it.ID, it.Name, string(it.Action), it.Detail})
	}
	if dryRun {
		for _, c := range p.Changes {
			j.Requests = append(j.Requests, sigChangeJSON{"config", c.Op, c.Xpath, c.Element})
		}
	}
	if res != nil {
		r := &sigResultJSON{Written: res.Set, Deleted: res.Deleted, Committed: res.Committed, JobID: res.JobID}
		for _, ps := range res.Pushes {
			pj := sigPushJSON{DeviceGroup: ps.DeviceGroup, JobID: ps.JobID}
			for _, dv := range ps.Devices {
				pj.Devices = append(pj.Devices, sigPushDeviceJSON{dv.Serial, dv.Name, dv.Result, dv.Messages})
			}
			r.Pushes = append(r.Pushes, pj)
		}
		j.Result = r
	}
	return j
}

func encodeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// writeSigPlan prints a plan: the table of IDs, the requests (dry run) and,
// once applied, the commit and every firewall's push result.
func writeSigPlan(w io.Writer, format string, p *signatures.Plan, res *signatures.Result, dryRun bool) error {
	if format == "json" {
		return encodeJSON(w, planJSON(p, res, dryRun))
	}
	if format == "table" {
		fmt.Fprintln(w, report.Wrap(fmt.Sprintf("# %s, location %s", clean(p.Device.String()), p.Location), report.TerminalWidth, "# "))
	}
	if len(p.Items) > 0 {
		rows := make([][]string, len(p.Items))
		for i, it := range p.Items {
			rows[i] = []string{fmt.Sprint(it.ID), it.Name, string(it.Action), it.Detail}
		}
		cols := []report.Column{{Header: "ID", Right: true}, {Header: "NAME"}, {Header: "ACTION"}, {Header: "DETAIL"}}
		if err := report.WriteColumns(w, report.Format(format), cols, rows); err != nil {
			return err
		}
	}
	if format != "table" {
		return nil
	}
	var counts []string
	for _, a := range []signatures.Action{signatures.ActionAdd, signatures.ActionUpdate, signatures.ActionSkip, signatures.ActionKeep, signatures.ActionDelete, signatures.ActionConflict} {
		if n := p.Count(a); n > 0 {
			counts = append(counts, fmt.Sprintf("%d %s", n, a))
		}
	}
	if len(counts) > 0 {
		fmt.Fprintf(w, "# %s\n", strings.Join(counts, ", "))
	}
	for _, n := range p.Notes {
		fmt.Fprintf(w, "# note: %s\n", clean(n))
	}
	if p.SuggestedBase != 0 {
		fmt.Fprintf(w, "# the IDs conflict; a free block starts at %d: --base-id %d\n", p.SuggestedBase, p.SuggestedBase)
	}
	if dryRun {
		writeRequests(w, p)
		return nil
	}
	if res != nil && p.Err() == nil {
		writeOutcome(w, res)
	}
	return nil
}

// writeRequests prints the exact requests a plan would send. An element of
// several entries is printed one entry per line; the lines are sent
// concatenated.
func writeRequests(w io.Writer, p *signatures.Plan) {
	if len(p.Changes) == 0 {
		if p.Commit {
			fmt.Fprintln(w, "# dry run: no change, but a commit of pending changes is needed")
		} else {
			fmt.Fprintln(w, "# dry run: nothing to change, nothing to commit")
		}
		return
	}
	fmt.Fprintf(w, "# dry run: %d request(s) would be sent, then a commit", len(p.Changes))
	if p.Device.Panorama && len(p.PushGroups) > 0 {
		fmt.Fprintf(w, " and a push to %s", strings.Join(p.PushGroups, ", "))
	}
	fmt.Fprintln(w)
	for i, c := range p.Changes {
		fmt.Fprintf(w, "\n# %d. %s\ntype=config action=%s\nxpath=%s\n", i+1, c.Summary, c.Op, c.Xpath)
		if c.Element != "" {
			fmt.Fprintln(w, "element=")
			parts := c.Parts
			if len(parts) == 0 {
				parts = []string{c.Element}
			}
			for _, p := range parts {
				fmt.Fprintln(w, p)
			}
		}
	}
}

func writeOutcome(w io.Writer, res *signatures.Result) {
	switch {
	case res.Committed:
		fmt.Fprintf(w, "# committed: job %d\n", res.JobID)
	case res.Set+res.Deleted > 0:
		fmt.Fprintln(w, "# changed, nothing to commit")
	default:
		fmt.Fprintln(w, "# nothing changed, nothing committed")
	}
	for _, ps := range res.Pushes {
		fmt.Fprintf(w, "# pushed device group %s: job %d\n", clean(ps.DeviceGroup), ps.JobID)
		rows := make([][]string, len(ps.Devices))
		for i, dv := range ps.Devices {
			rows[i] = []string{dv.Serial, dv.Name, dv.Result, strings.Join(dv.Messages, "; ")}
		}
		_ = report.WriteColumns(w, report.FormatTable, report.Columns("SERIAL", "FIREWALL", "RESULT", "MESSAGES"), rows)
	}
}

// writeAttach prints what --attach-profile changes: the diffs, the
// requests, and once applied the outcome.
func writeAttach(w io.Writer, format string, att *signatures.Attachment, res *signatures.Result) error {
	if format == "json" {
		type diffJSON struct {
			Title  string `json:"title"`
			Before string `json:"before"`
			After  string `json:"after"`
		}
		j := struct {
			Plan  sigPlanJSON `json:"plan"`
			Diffs []diffJSON  `json:"diffs"`
		}{Plan: planJSON(att.Plan, res, res == nil), Diffs: []diffJSON{}}
		for _, df := range att.Diffs {
			j.Diffs = append(j.Diffs, diffJSON{df.Title, df.Before, df.After})
		}
		return encodeJSON(w, j)
	}
	for _, df := range att.Diffs {
		for _, l := range df.Lines() {
			fmt.Fprintln(w, l)
		}
		fmt.Fprintln(w)
	}
	for _, n := range att.Plan.Notes {
		fmt.Fprintf(w, "# note: %s\n", clean(n))
	}
	if res == nil {
		writeRequests(w, att.Plan)
		return nil
	}
	writeOutcome(w, res)
	return nil
}

// writeVerification prints one line per problem of each rule.
func writeVerification(w io.Writer, format string, v *signatures.Verification) error {
	if format == "json" {
		type ruleJSON struct {
			Rule     string   `json:"rule"`
			Where    string   `json:"where"`
			Profile  string   `json:"profile,omitempty"`
			Group    string   `json:"profile_group,omitempty"`
			Logs     bool     `json:"logs"`
			Problems []string `json:"problems"`
			Silent   []int    `json:"silent_ids,omitempty"`
		}
		j := struct {
			Scope   string     `json:"scope"`
			OK      bool       `json:"ok"`
			Missing []int      `json:"missing_ids,omitempty"`
			Rules   []ruleJSON `json:"rules"`
		}{Scope: v.Scope.String(), OK: v.OK(), Missing: v.Missing}
		for _, r := range v.Rules {
			probs := r.Problems
			if probs == nil {
				probs = []string{}
			}
			j.Rules = append(j.Rules, ruleJSON{r.Rule, r.Where, r.Profile, r.Group, r.Logs, probs, r.Silent})
		}
		return encodeJSON(w, j)
	}
	var rows [][]string
	for _, r := range v.Rules {
		profile := r.Profile
		if r.Group != "" {
			profile += " (group " + r.Group + ")"
		}
		logs := "yes"
		if !r.Logs {
			logs = "no"
		}
		problems := r.Problems
		if len(problems) == 0 {
			problems = []string{""}
		}
		for i, pr := range problems {
			if i == 0 {
				rows = append(rows, []string{r.Rule, r.Where, profile, logs, pr})
			} else {
				rows = append(rows, []string{"", "", "", "", pr})
			}
		}
	}
	cols := []report.Column{{Header: "RULE"}, {Header: "WHERE", Drop: 1}, {Header: "PROFILE"}, {Header: "LOGS"}, {Header: "PROBLEM"}}
	if err := report.WriteColumns(w, report.Format(format), cols, rows); err != nil {
		return err
	}
	if len(v.Missing) > 0 && format == "table" {
		fmt.Fprintf(w, "# %d signature(s) are not in the running configuration (%d-%d): deploy and commit them\n",
			len(v.Missing), v.Missing[0], v.Missing[len(v.Missing)-1])
	}
	return nil
}

// verificationError says what fails in a verification, nil when it is OK.
func verificationError(v *signatures.Verification, c signatures.Catalog) error {
	if v.OK() {
		return nil
	}
	bad := 0
	for _, r := range v.Rules {
		if !r.Logs {
			bad++
		}
	}
	if len(v.Missing) > 0 {
		return fmt.Errorf("%d of %d signatures are not in the running configuration, and %d of %d rules would not log them", len(v.Missing), len(c.Signatures), bad, len(v.Rules))
	}
	return fmt.Errorf("the signatures would not be logged on %d of %d rules (--attach-profile fixes the profile)", bad, len(v.Rules))
}
