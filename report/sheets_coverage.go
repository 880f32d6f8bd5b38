package report

import (
	"strings"

	"github.com/panos-mine/mine"
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
