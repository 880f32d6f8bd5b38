package report

import (
	"fmt"
	"strings"
	"time"

	"github.com/panos-mine/mine"
)

// Sheet names after the first five, in workbook order.
const (
	sheetCoverage       = "Coverage"
	sheetHandoff        = "App Team Handoff"
	sheetScanners       = "Scanners"
	sheetScannerTargets = "Scanner Targets"
	sheetURLTemplates   = "URL Templates"
	sheetReadiness      = "Readiness"
	sheetCustomApps     = "Custom App-ID Candidates"
	sheetAbout          = "About"
)

// coverageSheet lists, in one table, what each rule would carry in the
// what-if replay and the residual that would stay on the catch-all.
func coverageSheet(c mine.Coverage) *dataSheet {
	// The lines that depend on what mine cannot know, each with the rule
	// and what it depends on; one summary line for a report that has the
	// count but no lines.
	depends := len(c.DependsOn)
	if depends == 0 && c.Depends > 0 {
		depends = 1
	}
	n := len(c.ByRule) + depends + len(c.Residual)
	return &dataSheet{
		name:  sheetCoverage,
		table: "Coverage",
		cols: []column{
			{"Outcome", kindText},
			{"Rule", kindText},
			{"Existing Rule", kindText},
			{"Catch-all Rule", kindText},
			{"Application", kindText},
			{"Destination", kindText},
			{"Port", kindNumber},
			{"Count (" + basis(c.Basis) + ")", kindCount},
			{"Share", kindPercent},
			{"Sources", kindCount},
			{"Why", kindText},
			{"Rare", kindText},
			{"First Seen (UTC)", kindDate},
			{"Last Seen (UTC)", kindDate},
		},
		n: n,
		row: func(i int) []any {
			if i < len(c.ByRule) {
				b := &c.ByRule[i]
				return []any{"carried", b.Rule, yesNo(b.Existing), nil, nil, nil, nil,
					b.Count, b.Share, nil, nil, nil, nil, nil}
			}
			if i < len(c.ByRule)+depends {
				if len(c.DependsOn) == 0 {
					return []any{"depends", nil, nil, nil, nil, nil, nil, c.Depends, c.DependsShare, nil,
						"whether a rule matches depends on a user or URL category the logs do not tell", nil, nil, nil}
				}
				d := &c.DependsOn[i-len(c.ByRule)]
				return []any{"depends", d.Rule, "yes", d.CatchAllRule, d.Application, d.Destination, d.Port,
					d.Count, d.Share, d.Sources, "depends on " + strings.Join(d.Reasons, "; "), nil, d.FirstSeen, d.LastSeen}
			}
			x := &c.Residual[i-len(c.ByRule)-depends]
			return []any{"residual", nil, nil, x.CatchAllRule, x.Application, x.Destination, x.Port,
				x.Count, x.Share, x.Sources, x.Reason, yesNo(x.Rare), x.FirstSeen, x.LastSeen}
		},
		statusCol: -1,
	}
}

// basis names what the coverage counts.
func basis(b string) string {
	if b == "" {
		return "sessions"
	}
	return b
}

// handoffSheet lists the app teams' findings.
func handoffSheet(fs []mine.Finding) *dataSheet {
	return &dataSheet{
		name:  sheetHandoff,
		table: "AppTeamHandoff",
		cols: []column{
			{"Team", kindText},
			{"Kind", kindText},
			{"Status", kindNumber},
			{"Class", kindText},
			{"Destination", kindText},
			{"Host", kindText},
			{"Port", kindNumber},
			{"Path (Template)", kindText},
			{"Count", kindCount},
			{"Sources", kindCount},
			{"Examples", kindLines},
			{"Rules", kindText},
			{"First Seen (UTC)", kindDate},
			{"Last Seen (UTC)", kindDate},
		},
		n: len(fs),
		row: func(i int) []any {
			f := &fs[i]
			return []any{f.Team, f.Kind, f.Status, mine.StatusClass(f.Status), f.Destination, f.Host, f.Port,
				f.Path, f.Count, f.Sources, strings.Join(f.Examples, "\n"), list(f.Rules), f.FirstSeen, f.LastSeen}
		},
		statusCol: 2,
	}
}

func scannerSheet(ss []mine.Scanner) *dataSheet {
	return &dataSheet{
		name:  sheetScanners,
		table: "Scanners",
		cols: []column{
			{"Source", kindText},
			{"Targets", kindText},
			{"Distinct Paths", kindCount},
			{"Responses", kindCount},
			{"Not Found (404)", kindCount},
			{"Burst Paths per Hour", kindCount},
			{"First Seen (UTC)", kindDate},
			{"Last Seen (UTC)", kindDate},
			{"Reasons", kindLines},
			{"Probe Paths", kindLines},
		},
		n: len(ss),
		row: func(i int) []any {
			s := &ss[i]
			return []any{s.Source, list(s.Targets), s.DistinctPaths, s.Responses, s.NotFound, s.BurstPaths,
				s.FirstSeen, s.LastSeen, strings.Join(s.Reasons, "\n"), strings.Join(s.ProbePaths, "\n")}
		},
		statusCol: -1,
	}
}

func scannerTargetSheet(ts []mine.ScannerTarget) *dataSheet {
	return &dataSheet{
		name:  sheetScannerTargets,
		table: "ScannerTargets",
		cols: []column{
			{"Destination", kindText},
			{"Scanners", kindText},
			{"Error Responses (4xx)", kindCount},
			{"Statuses", kindText},
			{"Rules", kindText},
			{"Recommendation", kindLines},
		},
		n: len(ts),
		row: func(i int) []any {
			t := &ts[i]
			return []any{t.Destination, list(t.Scanners), t.ErrorResponses, ports(t.Statuses), list(t.Rules), t.Recommendation}
		},
		statusCol: -1,
	}
}

// templateRow is a URL template with the suggestion it is evidence for.
type templateRow struct {
	rule string
	t    *mine.URLTemplate
}

func urlTemplateSheet(ss []mine.Suggestion) *dataSheet {
	var rows []templateRow
	for i := range ss {
		for j := range ss[i].URLTemplates {
			rows = append(rows, templateRow{ss[i].Name, &ss[i].URLTemplates[j]})
		}
	}
	return &dataSheet{
		name:  sheetURLTemplates,
		table: "URLTemplates",
		cols: []column{
			{"Suggested Rule", kindText},
			{"Host", kindText},
			{"Path (Template)", kindText},
			{"Count", kindCount},
			{"Examples", kindLines},
		},
		n: len(rows),
		row: func(i int) []any {
			x := rows[i]
			return []any{x.rule, x.t.Host, x.t.Path, x.t.Count, strings.Join(x.t.Examples, "\n")}
		},
		statusCol: -1,
	}
}

// criterionRow is a readiness criterion with its rule's verdict.
type criterionRow struct {
	rule, verdict string
	c             mine.Criterion
}

func readinessSheet(rs []mine.Readiness, changes []mine.Change) *dataSheet {
	var rows []criterionRow
	for _, r := range rs {
		if len(r.Criteria) == 0 {
			rows = append(rows, criterionRow{rule: r.Rule, verdict: r.Verdict})
		}
		for _, c := range r.Criteria {
			rows = append(rows, criterionRow{r.Rule, r.Verdict, c})
		}
	}
	rows = append(rows, changeCriterionRows(changes)...)
	return &dataSheet{
		name:  sheetReadiness,
		table: "Readiness",
		cols: []column{
			{"Catch-all Rule", kindText},
			{"Verdict", kindText},
			{"Criterion", kindText},
			{"Result", kindText},
			{"Evidence", kindLines},
		},
		n: len(rows),
		row: func(i int) []any {
			x := rows[i]
			return []any{x.rule, x.verdict, x.c.Name, x.c.Result, x.c.Evidence}
		},
		statusCol: -1,
		resultCol: 3,
	}
}

func customAppSheet(cs []mine.CustomAppCandidate) *dataSheet {
	return &dataSheet{
		name:  sheetCustomApps,
		table: "CustomAppIDCandidates",
		cols: []column{
			{"Name", kindText},
			{"Application", kindText},
			{"Destination", kindText},
			{"Ports", kindText},
			{"Host", kindText},
			{"Host Share", kindPercent},
			{"Path Prefix", kindText},
			{"Path Share", kindPercent},
			{"Responses", kindCount},
			{"Distinct Sources", kindCount},
			{"Host Pattern", kindText},
			{"Path Patterns", kindLines},
			{"URL Templates", kindLines},
			{"Set Commands", kindLines},
			{"Catch-all Rule", kindText},
		},
		n: len(cs),
		row: func(i int) []any {
			c := &cs[i]
			tpl := make([]string, len(c.URLTemplates))
			for j, t := range c.URLTemplates {
				tpl[j] = t.Host + t.Path
			}
			return []any{c.Name, c.Application, list(c.Destination), ports(c.Ports), c.Host, c.HostShare,
				c.PathPrefix, c.PathShare, c.Responses, c.DistinctSources, c.HostPattern,
				strings.Join(c.PathPatterns, "\n"), strings.Join(tpl, "\n"), strings.Join(c.SetCommands, "\n"), c.CatchAllRule}
		},
		statusCol: -1,
	}
}

// aboutSheet says where the report comes from and how to read each sheet.
// sheets are the workbook's sheet names with their descriptions.
func aboutSheet(r *mine.Report, sheets []sheetLink) *dataSheet {
	type kv struct {
		k string
		v any
	}
	d := r.Device
	rows := []kv{
		{"Device", d.Hostname},
		{"Serial", d.Serial},
		{"Model", d.Model},
		{"PAN-OS", d.SWVersion},
		{"Panorama", yesNo(d.Panorama)},
		{"Time zone of the device", d.TimeZone},
		{"Window from (UTC)", r.Window.From},
		{"Window to (UTC)", r.Window.To},
		{"Generated (UTC)", r.Generated},
		{"Catch-all rules", list(r.CatchAll)},
		{"Why this catch-all", r.CatchAllReason},
		{"Policy checked with the device", policyChecks(r.PolicyChecks)},
		{"Policy references not resolved", lines(r.PolicyWarnings)},
		{"Signatures verified in this run", signatureChecks(r.SignatureChecks)},
		{"Signatures logging (from the logs)", signaturesLogging(r.Readiness)},
		{"Times", "all dates are UTC; the device's own time zone is above"},
		{"Log values", "URLs, hosts and names come from firewall logs: they are stored as text, never as formulas; a value longer than a cell holds ends with " + truncatedMarker},
	}
	if im := r.Import; im != nil {
		rows = append(rows,
			kv{"Imported from", fmt.Sprintf("%d files, %d lines (exported logs, not the device)", im.Files, im.Lines)},
			kv{"Imported records", fmt.Sprintf("%d threat, %d traffic, %d duplicates dropped", im.Threat, im.Traffic, im.Duplicates)},
			kv{"Lines skipped", reasons(im.Skipped)},
			kv{"Lines unreadable", reasons(im.Bad)},
			kv{"Log times", im.TimeZone})
	}
	for _, l := range collectionLines(r.Collection) {
		rows = append(rows, kv{"Collection: " + l[0], l[1]})
	}
	for _, c := range changeAboutRows(r.Changes) {
		rows = append(rows, kv{c[0], c[1]})
	}
	for _, s := range sheets {
		rows = append(rows, kv{"Sheet: " + s.sheet, s.about})
	}
	return &dataSheet{
		name:  sheetAbout,
		table: "About",
		cols:  []column{{"Item", kindText}, {"Value", kindLines}},
		n:     len(rows),
		row: func(i int) []any {
			v := rows[i].v
			if t, ok := v.(time.Time); ok && t.IsZero() {
				v = nil
			}
			return []any{rows[i].k, v}
		},
		statusCol: -1,
	}
}

// signatureChecks says what the run verified of the signatures'
// configuration.
func signatureChecks(cs []mine.SignatureCheck) string {
	if len(cs) == 0 {
		return "not checked in this run: mine signatures verify checks that the catch-all logs them"
	}
	lines := make([]string, len(cs))
	for i, c := range cs {
		switch {
		case c.Logs && c.Profile != "":
			lines[i] = fmt.Sprintf("%s logs them, through vulnerability profile %s", c.Rule, c.Profile)
		case c.Logs:
			lines[i] = c.Rule + " logs them"
		default:
			lines[i] = c.Rule + " does not log them: " + strings.Join(c.Problems, "; ")
		}
	}
	return strings.Join(lines, "\n")
}

// signaturesLogging quotes the readiness criterion that judges, from the
// threat logs, whether the signatures log.
func signaturesLogging(rs []mine.Readiness) string {
	var lines []string
	for _, r := range rs {
		for _, c := range r.Criteria {
			if c.Name == "signatures-logging" {
				lines = append(lines, fmt.Sprintf("%s: %s, %s", r.Rule, c.Result, c.Evidence))
			}
		}
	}
	if len(lines) == 0 {
		return "no readiness verdict in this report"
	}
	return strings.Join(lines, "\n")
}

// policyChecks says how mine's policy model fared against the device's
// own evaluation.
func policyChecks(pc *mine.PolicyChecks) string {
	if pc == nil {
		return "not checked (a saved configuration, Panorama without --device, or --verify-flows 0)"
	}
	out := fmt.Sprintf("%d flows asked with test security-policy-match: %d agreed, %d settled by the device, %d disagreed (the device was trusted)",
		pc.Checked, pc.Agreed, pc.Resolved, len(pc.Disagreements))
	for i, d := range pc.Disagreements {
		if i == 5 {
			out += fmt.Sprintf("\n... and %d more", len(pc.Disagreements)-5)
			break
		}
		out += fmt.Sprintf("\n%s -> %s %s/%d %s: mine %s, device %s", d.Source, d.Destination, d.Protocol, d.Port, d.Application, d.Mine, d.Device)
	}
	return out
}

// lines joins values one per line, "none" for none.
func lines(vs []string) string {
	if len(vs) == 0 {
		return "none"
	}
	return strings.Join(vs, "\n")
}
