package report

import (
	"os"
	"strings"
	"testing"

	"github.com/panos-mine/mine"
	"github.com/xuri/excelize/v2"
)

// The Summary of the full layout draws four charts for testReport with a
// history (the weekly trend, the days, the destinations, the coverage),
// each in its own block of rows from column C, and none covers a cell with
// text or has text running into it. The empty report has no chart.
func TestSummaryChartsCoverNoText(t *testing.T) {
	tests := []struct {
		name   string
		r      *mine.Report
		opt    Options
		charts int
	}{
		{"history", testReport(), Options{Layout: LayoutFull, Trend: testTrend(), Deltas: testDeltas()}, 4},
		{"no history", testReport(), Options{Layout: LayoutFull}, 4},
		{"wide banner", wideReport(), Options{Layout: LayoutFull, Trend: testTrend()}, 4},
		{"empty", &mine.Report{}, Options{Layout: LayoutFull}, 0},
		{"classic", testReport(), Options{Layout: LayoutClassic}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, book := writeBookWith(t, tc.r, tc.opt)
			places, problems, err := CheckCharts(book)
			if err != nil {
				t.Fatal(err)
			}
			if len(places) != tc.charts {
				t.Errorf("workbook has %d charts %v; want %d", len(places), places, tc.charts)
			}
			for _, p := range problems {
				t.Error(p)
			}
			for i, p := range places {
				if p.Sheet != "Summary" || p.FromCol != 3 || p.ToCol != 10 {
					t.Errorf("chart %d at %s; want it on the Summary in columns C to J", i, p)
				}
				if i > 0 && p.FromRow <= places[i-1].ToRow {
					t.Errorf("chart %d at %s overlaps chart %d at %s", i, p, i-1, places[i-1])
				}
				// 13 rows of the default height; fewer when a row beside
				// it is taller, never into the next chart's block.
				if rows := p.ToRow - p.FromRow + 1; rows > chartSlotRows-1 || rows < 1 || i > 0 && p.FromRow != places[i-1].FromRow+chartSlotRows {
					t.Errorf("chart %d at %s spans %d rows; want at most %d, in blocks of %d", i, p, rows, chartSlotRows-1, chartSlotRows)
				}
			}
		})
	}
}

// The check itself finds text under a chart: a workbook whose Summary has
// a value written where a chart sits fails it.
func TestCheckChartsFindsText(t *testing.T) {
	_, book := writeBookWith(t, testReport(), Options{Layout: LayoutFull})
	places, _, err := CheckCharts(book)
	if err != nil || len(places) == 0 {
		t.Fatalf("CheckCharts() = %v, %v", places, err)
	}
	// Write text into the first chart's area and to its left, too long
	// for its column, in a copy of the workbook.
	g, _ := writeBookWith(t, testReport(), Options{Layout: LayoutFull})
	p := places[0]
	under := cellName(p.FromCol+2, p.FromRow+3)
	left := cellName(2, p.FromRow+5)
	if err := g.SetCellStr("Summary", under, "hidden"); err != nil {
		t.Fatal(err)
	}
	if err := g.SetCellStr("Summary", left, strings.Repeat("x", 60)); err != nil {
		t.Fatal(err)
	}
	path := t.TempDir() + "/g.xlsx"
	if err := g.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	_, problems, err := CheckCharts(b)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(problems, "\n")
	if !strings.Contains(got, "covers "+under) || !strings.Contains(got, "text of "+left) {
		t.Errorf("CheckCharts() problems =\n%s\nwant %s under the chart and %s running into it", got, under, left)
	}
}

func cellName(col, row int) string {
	s, _ := excelize.CoordinatesToCellName(col, row)
	return s
}
