package report

import (
	"fmt"

	"github.com/xuri/excelize/v2"

	"github.com/panos-mine/mine"
)

const (
	sheetApps  = "Catch-all Apps"
	sheetDaily = "Status per Day"
)

// appSheet lists the catch-all's traffic per application.
func appSheet(apps []mine.AppStat) *dataSheet {
	return &dataSheet{
		name:  sheetApps,
		table: "CatchAllApps",
		cols: []column{
			{"Application", kindText},
			{"Sessions", kindCount},
			{"Bytes", kindCount},
			{"Destinations", kindCount},
			{"Sources", kindCount},
			{"Ports", kindText},
			{"2xx", kindCount},
			{"3xx", kindCount},
			{"4xx", kindCount},
			{"5xx", kindCount},
			{"HTTP Visible", kindText},
			{"Suggested Rule", kindText},
			{"First Seen (UTC)", kindDate},
			{"Last Seen (UTC)", kindDate},
		},
		n: len(apps),
		row: func(i int) []any {
			a := &apps[i]
			return []any{a.Application, a.Sessions, a.Bytes, a.Destinations, a.Sources, ports(a.Ports),
				a.Success, a.Redirects, a.ClientErrors, a.ServerErrors, yesNo(a.HTTPVisible), yesNo(a.Suggested),
				a.FirstSeen, a.LastSeen}
		},
		statusCol: -1,
	}
}

// dailySheet lists responses per day and class: the data of the Summary's
// daily chart.
func dailySheet(days []mine.DayStatus) *dataSheet {
	return &dataSheet{
		name:  sheetDaily,
		table: "StatusPerDay",
		cols: []column{
			{"Day (UTC)", kindDate},
			{"2xx", kindCount},
			{"3xx", kindCount},
			{"4xx", kindCount},
			{"5xx", kindCount},
			{"Day", kindText},
		},
		n: len(days),
		row: func(i int) []any {
			d := &days[i]
			return []any{d.Day, d.Success, d.Redirects, d.ClientErrors, d.ServerErrors, d.Day.Format("Mon 01-02")}
		},
		statusCol: -1,
	}
}

// addDailyChart puts stacked columns of the responses per status class and
// day on the Summary, drawn from the Status per Day sheet's n rows.
func addDailyChart(f *excelize.File, n int, anchor string) error {
	if n == 0 {
		return nil
	}
	ref := func(col string) string { return fmt.Sprintf("'%s'!$%s$2:$%s$%d", sheetDaily, col, col, n+1) }
	var series []excelize.ChartSeries
	for _, col := range []string{"B", "C", "D", "E"} {
		series = append(series, excelize.ChartSeries{Name: fmt.Sprintf("'%s'!$%s$1", sheetDaily, col), Categories: ref("F"), Values: ref(col)})
	}
	chart := &excelize.Chart{
		Type:      excelize.ColStacked,
		Title:     excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: "HTTP responses per status class and day (UTC)"}}},
		Series:    series,
		Legend:    excelize.ChartLegend{Position: "bottom"},
		Dimension: excelize.ChartDimension{Width: 640, Height: 280},
	}
	if err := f.AddChart(sheetSummary, anchor, chart); err != nil {
		return fmt.Errorf("add chart: %w", err)
	}
	return nil
}
