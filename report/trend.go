package report

import (
	"fmt"
	"time"

	"github.com/panos-mine/mine"
	"github.com/xuri/excelize/v2"
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

// addTrendCharts puts on the Summary, from column D, a line of the
// catch-all's hits per run and stacked columns of its responses per status
// class per run, both drawn from the Catch-all Trend sheet's n rows.
func addTrendCharts(f *excelize.File, n int) error {
	if n == 0 {
		return nil
	}
	ref := func(col string) string { return fmt.Sprintf("'%s'!$%s$2:$%s$%d", sheetTrend, col, col, n+1) }
	name := func(col string) string { return fmt.Sprintf("'%s'!$%s$1", sheetTrend, col) }
	// A text label per run: a chart over real dates spreads the runs
	// over a daily axis.
	dates := ref("R")
	line := &excelize.Chart{
		Type:         excelize.Line,
		Title:        excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: "Catch-all hits per run"}}},
		Series:       []excelize.ChartSeries{{Name: name("D"), Categories: dates, Values: ref("D")}},
		Legend:       excelize.ChartLegend{Position: "none"},
		XAxis:        excelize.ChartAxis{NumFmt: excelize.ChartNumFmt{CustomNumFmt: "yyyy-mm-dd"}},
		Dimension:    excelize.ChartDimension{Width: 640, Height: 280},
		ShowBlanksAs: "gap",
	}
	if err := f.AddChart(sheetSummary, "D3", line); err != nil {
		return fmt.Errorf("add chart: %w", err)
	}
	var series []excelize.ChartSeries
	for _, col := range []string{"K", "L", "M", "N"} { // 2xx to 5xx
		series = append(series, excelize.ChartSeries{Name: name(col), Categories: dates, Values: ref(col)})
	}
	cols := &excelize.Chart{
		Type:      excelize.ColStacked,
		Title:     excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: "Catch-all HTTP responses per status class and run"}}},
		Series:    series,
		Legend:    excelize.ChartLegend{Position: "bottom"},
		Dimension: excelize.ChartDimension{Width: 640, Height: 280},
	}
	if err := f.AddChart(sheetSummary, "D19", cols); err != nil {
		return fmt.Errorf("add chart: %w", err)
	}
	return nil
}

// weekLabel names a run by the end of its window, for chart axes.
func weekLabel(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02")
}
