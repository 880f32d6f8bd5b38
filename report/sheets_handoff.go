package report

import (
	"strings"

	"github.com/panos-mine/mine"
)

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
