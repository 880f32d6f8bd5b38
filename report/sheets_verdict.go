package report

import (
	"github.com/panos-mine/mine"
)

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
