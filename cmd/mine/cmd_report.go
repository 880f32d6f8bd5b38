package main

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"

	"github.com/panos-mine/mine"
	"github.com/panos-mine/mine/history"
	"github.com/panos-mine/mine/report"
)

// unassignedTeam names the handoff workbook of the findings no owner
// pattern matches.
const unassignedTeam = "unassigned"

type reportOptions struct {
	from    string
	out     string
	handoff bool
	owners  string
	outDir  string
	db      string
	target  string
}

func newReportCmd(d *deps) *cobra.Command {
	o := &reportOptions{}
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Render a saved JSON report as a workbook, or one per app team",
		Long: `Report renders a JSON report written by 'mine run --json' again, without a
device: --out writes the whole workbook (Summary, Suggested Rules, Catch-all
URLs, Status Codes, Rule Hit Counts, Coverage, Catch-all Apps, App Team
Handoff, Scanners, Scanner Targets, URL Templates, Readiness, Custom App-ID
Candidates, Catch-all Trend, Per Day, About). The file must be mine's
report: it carries mine_report_version and the keys every report has.

--handoff --owners owners.yaml --out-dir DIR writes one workbook per team
instead, each with only the findings, failing URLs (4xx and 5xx), scanner
targets and URL templates of that team's servers, and 'unassigned' for the
rest: every item lands in exactly one workbook. The owners file maps
server patterns to teams, first match first, either as a mapping
(pattern: team) or a list of {pattern, team}, optionally under an 'owners'
key. A pattern is an address, a CIDR or a host name with * wildcards. A
finding no pattern matches keeps the team the run gave it, if any.

--db (with --target when it holds several) adds the history: the
Catch-all Trend sheet with the Summary's charts, and the hits since the
previous run on Rule Hit Counts (those of the target's latest run).`,
		Example: `  mine run --host fw.example.net --json report.json
  mine report --from report.json --out report.xlsx
  mine report --from report.json --handoff --owners owners.yaml \
    --out-dir handoff/`,
		Args: argsUsage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.from == "" {
				return usagef("--from is required")
			}
			if o.handoff {
				if o.owners == "" || o.outDir == "" {
					return usagef("--handoff needs --owners and --out-dir")
				}
			} else if o.out == "" {
				return usagef("--out is required (or --handoff)")
			}
			r, err := readReport(o.from)
			if err != nil {
				return usageError{err}
			}
			if !o.handoff {
				opt, err := o.history(cmd.Context())
				if err != nil {
					return err
				}
				if err := report.WriteWorkbookFileWith(o.out, r, opt); err != nil {
					return err
				}
				d.logger.Info("workbook written", "path", o.out)
				return report.WriteSummary(d.io.out, r)
			}
			owners, err := readOwners(o.owners)
			if err != nil {
				return usageError{err}
			}
			paths, err := writeHandoff(o.outDir, r, owners)
			if err != nil {
				return err
			}
			for _, p := range paths {
				fmt.Fprintln(d.io.out, p)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.from, "from", "", "JSON report written by 'mine run --json'")
	f.StringVar(&o.out, "out", "", "workbook to write")
	f.BoolVar(&o.handoff, "handoff", false, "write one workbook per app team")
	f.StringVar(&o.owners, "owners", "", "YAML file mapping server patterns to teams (with --handoff)")
	f.StringVar(&o.outDir, "out-dir", "", "directory for the handoff workbooks (with --handoff)")
	f.StringVar(&o.db, "db", "", "history database for the trend and weekly hits (optional)")
	f.StringVar(&o.target, "target", "", "target of the history to use (with --db; needed when it holds several)")
	return cmd
}

// history reads the trend and the latest run's hit deltas of the target
// from the history database, when --db is given.
func (o *reportOptions) history(ctx context.Context) (report.Options, error) {
	var opt report.Options
	if o.db == "" {
		return opt, nil
	}
	if _, err := os.Stat(o.db); err != nil {
		return opt, usagef("--db: %v", err)
	}
	store, err := history.Open(ctx, o.db)
	if err != nil {
		return opt, err
	}
	defer store.Close()
	target := o.target
	if target == "" {
		targets, err := store.Targets(ctx)
		if err != nil {
			return opt, err
		}
		if len(targets) != 1 {
			return opt, usagef("--db holds %d targets %q: choose one with --target", len(targets), targets)
		}
		target = targets[0]
	}
	return bookFrom(ctx, store, target)
}

// historyBook reads what a workbook shows of a target's history: its
// trend and the hit deltas of its latest run.
func historyBook(ctx context.Context, db, target string) (report.Options, error) {
	store, err := history.Open(ctx, db)
	if err != nil {
		return report.Options{}, err
	}
	defer store.Close()
	return bookFrom(ctx, store, target)
}

func bookFrom(ctx context.Context, store *history.Store, target string) (report.Options, error) {
	var opt report.Options
	var err error
	if opt.Trend, err = store.Trend(ctx, target); err != nil {
		return opt, err
	}
	if n := len(opt.Trend); n > 0 {
		if opt.Deltas, err = store.Deltas(ctx, opt.Trend[n-1].RunID); err != nil {
			return opt, err
		}
	}
	return opt, nil
}

// readReport reads a JSON report.
func readReport(name string) (*mine.Report, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("read report: %w", err)
	}
	r, err := report.ReadJSON(b)
	if err != nil {
		return nil, fmt.Errorf("read report %s: %w", name, err)
	}
	return r, nil
}

// readOwners reads an owners file: the owners section of a configuration
// file, or a bare owners mapping or list.
func readOwners(name string) ([]mine.Owner, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("read owners: %w", err)
	}
	var doc struct {
		Owners ownersConfig `yaml:"owners"`
	}
	if err := yaml.Unmarshal(b, &doc); err == nil && len(doc.Owners) > 0 {
		return doc.Owners, nil
	}
	var bare ownersConfig
	if err := yaml.Unmarshal(b, &bare); err != nil {
		return nil, fmt.Errorf("read owners %s: %w", name, err)
	}
	if len(bare) == 0 {
		return nil, fmt.Errorf("read owners %s: no owners", name)
	}
	return bare, nil
}

// matchOwner returns the team of the first owner pattern that matches the
// server's address or host name, or "". It follows correlate's matching of
// the same patterns (which it does not export).
func matchOwner(owners []mine.Owner, dst, host string) string {
	addr, addrErr := netip.ParseAddr(dst)
	if addrErr != nil { // a host name that is an address
		addr, addrErr = netip.ParseAddr(host)
	}
	h := strings.ToLower(host)
	if i := strings.LastIndexByte(h, ':'); i >= 0 && !strings.Contains(h[:i], ":") {
		h = h[:i] // host:port
	}
	for _, o := range owners {
		p := strings.TrimSpace(o.Pattern)
		if pfx, err := netip.ParsePrefix(p); err == nil {
			if addrErr == nil && pfx.Contains(addr.Unmap()) {
				return o.Team
			}
			continue
		}
		if a, err := netip.ParseAddr(p); err == nil {
			if addrErr == nil && a == addr.Unmap() {
				return o.Team
			}
			continue
		}
		if ok, err := path.Match(strings.ToLower(p), h); err == nil && ok && h != "" {
			return o.Team
		}
	}
	return ""
}

// splitByTeam returns one report per team holding only its servers' items:
// findings, failing catch-all URLs (4xx and 5xx), scanner targets and the
// URL templates of suggestions. Items no owner matches go to
// unassignedTeam; a finding keeps the team the run gave it first.
func splitByTeam(r *mine.Report, owners []mine.Owner) map[string]*mine.Report {
	out := map[string]*mine.Report{}
	team := func(t string) *mine.Report {
		if t == "" {
			t = unassignedTeam
		}
		if out[t] == nil {
			out[t] = &mine.Report{Generated: r.Generated, Device: r.Device, Window: r.Window, CatchAll: r.CatchAll}
		}
		return out[t]
	}
	for _, f := range r.Findings {
		t := matchOwner(owners, f.Destination, f.Host)
		if t == "" {
			t = f.Team
		}
		if t == "" {
			t = unassignedTeam
		}
		f.Team = t
		x := team(t)
		x.Findings = append(x.Findings, f)
	}
	for _, u := range r.CatchAllURLs {
		if u.Status < 400 {
			continue // nothing for a team to fix
		}
		x := team(matchOwner(owners, u.Destination, ""))
		x.CatchAllURLs = append(x.CatchAllURLs, u)
	}
	for _, st := range r.ScannerTargets {
		x := team(matchOwner(owners, st.Destination, ""))
		x.ScannerTargets = append(x.ScannerTargets, st)
	}
	for _, s := range r.Suggestions {
		for _, tpl := range s.URLTemplates {
			// The template's host names its server best; a rule's
			// single destination is the fallback.
			t := matchOwner(owners, "", tpl.Host)
			if t == "" && len(s.Destination) == 1 {
				t = matchOwner(owners, s.Destination[0], "")
			}
			x := team(t)
			if n := len(x.Suggestions); n == 0 || x.Suggestions[n-1].Name != s.Name {
				x.Suggestions = append(x.Suggestions, mine.Suggestion{Name: s.Name, Destination: s.Destination})
			}
			last := &x.Suggestions[len(x.Suggestions)-1]
			last.URLTemplates = append(last.URLTemplates, tpl)
		}
	}
	return out
}

// writeHandoff writes one handoff workbook per team into dir and returns
// their paths, sorted by team.
func writeHandoff(dir string, r *mine.Report, owners []mine.Owner) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("handoff: %w", err)
	}
	teams := splitByTeam(r, owners)
	names := make([]string, 0, len(teams))
	for t := range teams {
		names = append(names, t)
	}
	slices.Sort(names)
	used := map[string]bool{}
	var paths []string
	var errs []error
	for _, t := range names {
		base := "handoff-" + fileSafe(t)
		name := base + ".xlsx"
		for i := 2; used[name]; i++ {
			name = fmt.Sprintf("%s-%d.xlsx", base, i)
		}
		used[name] = true
		p := filepath.Join(dir, name)
		opt := report.Options{Layout: report.LayoutHandoff, Title: "mine handoff for team " + t}
		if err := report.WriteWorkbookFileWith(p, teams[t], opt); err != nil {
			errs = append(errs, fmt.Errorf("handoff for team %s: %w", t, err))
			continue
		}
		paths = append(paths, p)
	}
	return paths, errors.Join(errs...)
}

// fileSafe turns a team name into a file name part.
func fileSafe(s string) string {
	b := []byte(strings.ToLower(s))
	for i, c := range b {
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			b[i] = '-'
		}
	}
	out := strings.Trim(string(b), ".-")
	if out == "" {
		return "team"
	}
	return out
}
