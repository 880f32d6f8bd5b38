package report

import (
	"time"

	"github.com/panos-mine/mine"
)

const sheetTrend = "Catch-all Trend"

// trendSheet lists a target's runs from its history, oldest first: what
// the catch-all carried each week.
func trendSheet(ts []mine.TrendPoint) *dataSheet {
	return &dataSheet{
		name:  sheetTrend,
		table: "CatchAllTrend",
		cols: []column{
			{"Collected (UTC)", kindDate},
			{"Window From (UTC)", kindDate},
			{"Window To (UTC)", kindDate},
			{"Catch-all Hits", kindCount},
			{"Hits Known", kindText},
			{"Counter Resets", kindCount},
			{"Client Sessions", kindCount},
			{"Catch-all Sessions", kindCount},
			{"Catch-all Responses", kindCount},
			{"1xx", kindCount},
			{"2xx", kindCount},
			{"3xx", kindCount},
			{"4xx", kindCount},
			{"5xx", kindCount},
			{"Distinct URLs", kindCount},
			{"Suggested Rules", kindCount},
			{"Verdict", kindText},
			{"Week Ending", kindText},
		},
		n: len(ts),
		row: func(i int) []any {
			p := &ts[i]
			var hits any // blank when a counter's hits are unknown
			if p.HitsKnown {
				hits = p.CatchAllHits
			}
			c := p.StatusClasses
			return []any{p.Collected, p.Window.From, p.Window.To, hits, yesNo(p.HitsKnown), p.Resets,
				p.ClientSessions, p.CatchAllSessions, p.CatchAllResponses, c[1], c[2], c[3], c[4], c[5],
				p.DistinctURLs, p.Suggestions, p.Verdict, weekLabel(p.Window.To)}
		},
		statusCol: -1,
	}
}

// weekLabel names a run by the end of its window, for chart axes.
func weekLabel(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02")
}
