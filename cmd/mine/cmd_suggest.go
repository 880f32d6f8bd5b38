package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/panos-mine/mine"
	"github.com/panos-mine/mine/collect"
	"github.com/panos-mine/mine/report"
)

type suggestOptions struct {
	conn       connOptions
	collect    collectOptions
	since      string
	until      string
	catchAll   []string
	configFile string
	format     string
	apply      bool
	yes        bool
}

// applyCommitDeadline bounds the wait for the commit of applied rules.
const applyCommitDeadline = 15 * time.Minute

func newSuggestCmd(d *deps) *cobra.Command {
	o := &suggestOptions{}
	cmd := &cobra.Command{
		Use:   "suggest",
		Short: "Print App-ID rules for the catch-all's traffic; --apply adds them",
		Long: `Suggest collects the window's evidence like 'mine run' and prints the App-ID
rules that would carry, above the catch-all, the traffic that today only the
catch-all allows: one rule per destination zone, servers and application,
from the successful (2xx) answers to ordinary clients (scanners and App-ID
verdicts such as incomplete or unknown-tcp are left out). Service is
application-default when every port seen is the application's default,
explicit ports otherwise; sources are summarised into at most four CIDRs,
or any when the clients are spread wider than a /16.

Each rule comes with its evidence, a what-if replay of the window's
catch-all traffic against the rules (what they would carry, and what would
stay on the catch-all and why), and its configuration: --format set prints
PAN-OS configure-mode commands, --format xml the elements for the XML API.
Candidates for custom App-IDs (internal web applications App-ID only calls
web-browsing) follow in the table and the JSON.

--apply creates the rules on the device after showing them and asking:
each disabled, tagged mine-suggested, right above its catch-all, then
commits (only your own changes when a user name is given). Rules already
on the device by name are left alone. Enable them after review.`,
		Example: `  export PANOS_API_KEY=...
  mine suggest --host fw.example.net --since 7d
  mine suggest --host fw.example.net --format set > rules.txt
  PANOS_USERNAME=admin PANOS_PASSWORD=... \
    mine suggest --host fw.example.net --apply`,
		Args: argsUsage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			since, err := mine.ParseSince(o.since)
			if err != nil {
				return usagef("--since: %v", err)
			}
			if o.format, err = resolveFormat(d, o.format, append(listFormats, "set", "xml")...); err != nil {
				return err
			}
			p, err := newPipeline(d, &o.conn, &o.collect, since, o.until, o.catchAll)
			if err != nil {
				return err
			}
			p.configFile = o.configFile
			var c *collect.Client
			if o.apply {
				// Fail before the collection when the rules could not be placed.
				if c, err = collect.ConnectScope(ctx, p.conn, collect.Scope{Vsys: p.vsys, DeviceGroup: p.deviceGroup}); err != nil {
					return err
				}
				if err := c.CanApply(); err != nil {
					return fmt.Errorf("--apply: %w", err)
				}
			}
			r, err := p.run(ctx, d)
			if err != nil {
				return settle(p.checkpoints, err)
			}
			if err := writeSuggestions(d.io.out, o.format, r); err != nil {
				return settle(p.checkpoints, fmt.Errorf("write suggestions: %w", err))
			}
			if err := settle(p.checkpoints, nil); err != nil {
				return err
			}
			if !o.apply {
				return nil
			}

			var todo []mine.Suggestion
			for _, s := range r.Suggestions {
				if s.ExistingRule != "" {
					d.logger.Info("not applied: a rule is already in place", "suggestion", s.Name, "existing_rule", s.ExistingRule)
					continue
				}
				todo = append(todo, s)
			}
			if len(todo) == 0 {
				fmt.Fprintln(d.io.err, "mine: nothing to apply")
				return nil
			}
			writePlan(d.io.err, p.conn.Host, p.conn.Username, todo)
			if !o.yes {
				ok, err := confirm(d.io.in, d.io.err, fmt.Sprintf("Create these %d rules on %s? [y/N] ", len(todo), p.conn.Host))
				if err != nil {
					return err
				}
				if !ok {
					fmt.Fprintln(d.io.err, "mine: nothing changed")
					return nil
				}
			}
			res, err := c.ApplySuggestions(ctx, todo, applyCommitDeadline)
			if err != nil {
				return err
			}
			commit := "committed"
			if res.Partial {
				commit = "committed (your changes only)"
			}
			fmt.Fprintf(d.io.err, "mine: %d rules created disabled and %s in job %d; %d already there: %s\n",
				len(res.Created), commit, res.JobID, len(res.Skipped), strings.Join(res.Skipped, ", "))
			return nil
		},
	}
	o.conn.register(cmd.Flags())
	o.collect.register(cmd.Flags())
	f := cmd.Flags()
	f.StringVar(&o.since, "since", "7d", "window length: 7d, 2w, 36h")
	f.StringVar(&o.until, "until", "", "window end, RFC 3339 (default: the start of the current hour)")
	f.StringSliceVar(&o.catchAll, "catch-all", nil, "name of the catch-all rule (repeat or comma-separate for several); chosen as 'mine rules' explains when absent")
	f.StringVar(&o.configFile, "config-file", "", "read the rulebase and objects from this saved configuration instead of the device (logs still come from the device)")
	f.StringVar(&o.format, "format", "auto", formatHelp(append(listFormats, "set (PAN-OS commands)", "xml")...))
	f.BoolVar(&o.apply, "apply", false, "create the rules on the device, disabled and tagged mine-suggested, above the catch-all, after confirmation")
	f.BoolVarP(&o.yes, "yes", "y", false, "with --apply: do not ask for confirmation")
	return cmd
}

// writePlan shows what --apply is about to do, as the commands an
// administrator would type.
func writePlan(w io.Writer, host, user string, todo []mine.Suggestion) {
	commit := "then commit every pending change on the device (give PANOS_USERNAME and PANOS_PASSWORD to commit only your own)"
	if user != "" {
		commit = "then commit the changes of " + user + " only"
	}
	fmt.Fprintf(w, "mine will create %d rules on %s, each disabled, tagged %s and moved right above its catch-all rule, %s:\n\n",
		len(todo), host, mine.SuggestedTag, commit)
	for _, line := range setCommands(todo) {
		fmt.Fprintln(w, "  "+clean(line))
	}
	fmt.Fprintln(w)
}

// confirm asks a yes/no question; only y or yes is a yes.
func confirm(in io.Reader, out io.Writer, question string) (bool, error) {
	fmt.Fprint(out, question)
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && err != io.EOF {
		return false, fmt.Errorf("read the answer: %w", err)
	}
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return true, nil
	}
	return false, nil
}

// setCommands lists the suggestions' commands, each object once.
func setCommands(sugs []mine.Suggestion) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range sugs {
		for _, c := range s.SetCommands {
			if !seen[c] {
				seen[c] = true
				out = append(out, c)
			}
		}
	}
	return out
}

func writeSuggestions(w io.Writer, format string, r *mine.Report) error {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		sugs := r.Suggestions
		if sugs == nil {
			sugs = []mine.Suggestion{}
		}
		return enc.Encode(struct {
			Suggestions         []mine.Suggestion         `json:"suggestions"`
			Coverage            mine.Coverage             `json:"coverage"`
			CustomAppCandidates []mine.CustomAppCandidate `json:"custom_app_candidates"`
		}{sugs, r.Coverage, r.CustomAppCandidates})
	case "set":
		for _, c := range setCommands(r.Suggestions) {
			if _, err := fmt.Fprintln(w, clean(c)); err != nil {
				return err
			}
		}
		return nil
	case "xml":
		seen := map[string]bool{}
		for _, s := range r.Suggestions {
			for _, o := range s.Objects {
				if k := o.XPath + o.XML; !seen[k] {
					seen[k] = true
					fmt.Fprintf(w, "<!-- %s %s: type=config action=set xpath=%s -->\n%s\n", o.Kind, o.Name, o.XPath, o.XML)
				}
			}
			fmt.Fprintf(w, "<!-- rule %s: type=config action=set xpath=%s, then action=move where=before dst=%s -->\n%s\n",
				s.Name, s.XPath, s.CatchAllRule, s.XML)
		}
		return nil
	case "tsv", "csv":
		header := []string{"name", "from", "to", "source", "destination", "application", "service", "sessions", "share", "responses", "sources", "first_seen", "last_seen", "existing_rule"}
		rows := make([][]string, len(r.Suggestions))
		for i, s := range r.Suggestions {
			rows[i] = []string{s.Name,
				strings.Join(s.From, ","), strings.Join(s.To, ","), strings.Join(s.Source, ","), strings.Join(s.Destination, ","),
				strings.Join(s.Application, ","), strings.Join(s.Service, ","), fmt.Sprint(s.Sessions), fmt.Sprintf("%.4f", s.Share),
				fmt.Sprint(s.Responses), fmt.Sprint(s.DistinctSources),
				s.FirstSeen.UTC().Format(time.RFC3339), s.LastSeen.UTC().Format(time.RFC3339), s.ExistingRule}
		}
		return report.WriteList(w, report.Format(format), header, rows)
	}
	return writeSuggestionTable(w, r)
}

func writeSuggestionTable(w io.Writer, r *mine.Report) error {
	para := func(text string) error {
		_, err := fmt.Fprintln(w, report.Wrap(text, report.TerminalWidth, "  "))
		return err
	}
	if len(r.Suggestions) == 0 {
		if err := para(fmt.Sprintf("No rule to suggest: no ordinary client got a 2xx answer through %s in the window.", clean(strings.Join(r.CatchAll, ", ")))); err != nil {
			return err
		}
	} else {
		// What a reviewer decides on stays; zones, the last day and the
		// sources go first when the terminal is narrow (tsv has all).
		cols := []report.Column{{Header: "NAME"}, {Header: "FROM > TO", Drop: 5}, {Header: "SOURCE", Drop: 3}, {Header: "DESTINATION"},
			{Header: "APPLICATION"}, {Header: "SERVICE", Drop: 2}, {Header: "SESSIONS (SHARE)", Right: true},
			{Header: "LAST SEEN", Drop: 4}}
		rows := make([][]string, len(r.Suggestions))
		for i, s := range r.Suggestions {
			name := s.Name
			if s.ExistingRule != "" {
				name += " (exists: " + s.ExistingRule + ")"
			}
			rows[i] = []string{name, strings.Join(s.From, ",") + " > " + strings.Join(s.To, ","), strings.Join(s.Source, ", "),
				strings.Join(s.Destination, ", "), strings.Join(s.Application, ", "), strings.Join(s.Service, ", "),
				report.Count(s.Sessions) + " (" + report.Percent(s.Share) + ")", s.LastSeen.UTC().Format("2006-01-02")}
		}
		if err := report.WriteColumns(w, report.FormatTable, cols, rows); err != nil {
			return err
		}
	}
	c := r.Coverage
	if c.Total > 0 {
		fmt.Fprintln(w)
		if err := para(fmt.Sprintf("What-if: these rules would carry %s of the catch-all's %s (%s of %s). Staying on the catch-all:",
			report.Percent(c.CoveredShare), c.Basis, report.Count(c.Covered), report.Count(c.Total))); err != nil {
			return err
		}
		var rows [][]string
		for i, res := range c.Residual {
			if i == 8 {
				rows = append(rows, []string{fmt.Sprintf("... %d more", len(c.Residual)-i)})
				break
			}
			why := res.Reason
			if res.Rare {
				why += " (rare)"
			}
			rows = append(rows, []string{res.Application, fmt.Sprintf("%s:%d", res.Destination, res.Port), report.Count(res.Count), report.Percent(res.Share), why})
		}
		cols := []report.Column{{Header: "APPLICATION"}, {Header: "DESTINATION"}, {Header: c.Basis, Right: true}, {Header: "SHARE", Right: true}, {Header: "WHY"}}
		if len(rows) > 0 {
			if err := report.WriteColumns(w, report.FormatTable, cols, rows); err != nil {
				return err
			}
		}
	}
	for _, u := range c.Rare {
		if err := para(fmt.Sprintf("Seen on %d of %d days only, a window this short cannot show it covered: %s to %s:%d",
			u.DaysSeen, u.WindowDays, clean(u.Application), clean(u.Destination), u.Port)); err != nil {
			return err
		}
	}
	if len(r.CustomAppCandidates) > 0 {
		fmt.Fprintln(w)
		if err := para("Custom App-ID candidates (generic App-IDs with a stable host name or URL prefix):"); err != nil {
			return err
		}
		for _, ca := range r.CustomAppCandidates {
			what := ca.Host
			if ca.PathPrefix != "" {
				what = strings.TrimSpace(what + " " + ca.PathPrefix)
			}
			if err := para(fmt.Sprintf("  %s: %s on %s (%d responses)", clean(ca.Name), clean(what), clean(strings.Join(ca.Destination, ",")), ca.Responses)); err != nil {
				return err
			}
		}
	}
	if len(r.Suggestions) > 0 {
		fmt.Fprintln(w)
		return para("--format set prints the PAN-OS commands, --format xml the XML API elements; --apply creates the rules, disabled.")
	}
	return nil
}
