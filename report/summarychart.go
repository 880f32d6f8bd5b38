package report

import (
	"fmt"
	"strings"

	"github.com/panos-mine/mine"
	"github.com/xuri/excelize/v2"
)

// summaryChart is one chart of the Summary and the figures it draws, which
// the Summary writes below its links: a label per point and one or more
// series of values.
type summaryChart struct {
	title      string
	kind       excelize.ChartType
	labelHead  string
	labels     []string
	series     []chartSeries
	note       string // says what the figures leave out, under the heading
	legend     string // position; "none" for one series
	showValues bool
	percents   bool     // a pie's slices labelled with their share
	points     []string // a pie's slice colours

	// where chartData wrote the figures: the label column's rows
	first, last int
}

type chartSeries struct {
	name   string
	colour string // fill (or line) colour, "" for the theme's
	values []any  // int64, or nil for a gap
	col    string // the column chartData wrote it in
}

// Series colours: the status classes as the data sheets colour them,
// scanners grey.
const (
	colourOK       = "70AD47"
	colourRedirect = "5B9BD5"
	colourClient   = "FFC000"
	colourServer   = "C00000"
	colourScanner  = "A5A5A5"
	colourHits     = "4472C4"
	colourSessions = "ED7D31"
)

// dashboardCharts returns the Summary's charts that have something to
// draw: the catch-all's use over time, its responses per whole day, its
// top destinations and what the suggested rules would carry.
func dashboardCharts(r *mine.Report, opt Options) []summaryChart {
	var out []summaryChart
	for _, c := range []*summaryChart{trendChart(r, opt.Trend), dayChart(r), destinationChart(r), coverageChart(r)} {
		if c != nil {
			out = append(out, *c)
		}
	}
	return out
}

// trendChart is a line of the catch-all's weekly use: hits and client
// sessions from the history when it has two runs or more, otherwise the
// sessions of the weeks inside the window, or of its whole days when it
// holds fewer than two weeks.
func trendChart(r *mine.Report, trend []mine.TrendPoint) *summaryChart {
	c := &summaryChart{kind: excelize.Line, legend: "bottom"}
	switch {
	case len(trend) >= 2:
		if len(trend) > trendRuns {
			c.note = fmt.Sprintf("the last %d of %d runs; the Catch-all Trend sheet has them all", trendRuns, len(trend))
			trend = trend[len(trend)-trendRuns:]
		}
		c.title = "Catch-all use per week, from the history"
		c.labelHead = "Week ending"
		hits := chartSeries{name: "Catch-all hits", colour: colourHits}
		clients := chartSeries{name: "Client sessions", colour: colourSessions}
		for _, p := range trend {
			c.labels = append(c.labels, weekLabel(p.Window.To))
			var h any // a gap when the hits of the week are unknown
			if p.HitsKnown {
				h = p.CatchAllHits
			}
			hits.values = append(hits.values, h)
			clients.values = append(clients.values, p.ClientSessions)
		}
		c.series = []chartSeries{hits, clients}
	case r.Totals.TrafficLogs == 0:
		return nil
	case len(r.CatchAllWeeks) >= 2:
		c.title = "Catch-all sessions per week of this window (no history yet)"
		c.labelHead = "Week ending"
		all := chartSeries{name: "Catch-all sessions", colour: colourHits}
		clients := chartSeries{name: "Client sessions", colour: colourSessions}
		for _, w := range r.CatchAllWeeks {
			c.labels = append(c.labels, w.To.AddDate(0, 0, -1).Format("2006-01-02"))
			all.values = append(all.values, w.Sessions)
			clients.values = append(clients.values, w.ClientSessions)
		}
		c.series = []chartSeries{all, clients}
	default:
		c.title = "Catch-all sessions per whole day (no history yet)"
		c.labelHead = "Day (UTC)"
		all := chartSeries{name: "Catch-all sessions", colour: colourHits}
		clients := chartSeries{name: "Client sessions", colour: colourSessions}
		for _, d := range r.CatchAllDaily {
			if d.Partial {
				continue
			}
			c.labels = append(c.labels, d.Day.Format("Mon 01-02"))
			all.values = append(all.values, d.Sessions)
			clients.values = append(clients.values, d.ClientSessions)
		}
		c.series = []chartSeries{all, clients}
		c.note = partialNote(r.CatchAllDaily)
	}
	if len(c.labels) == 0 {
		return nil
	}
	return c
}

// partialNote names the days a chart leaves out because the window covers
// them in part.
func partialNote(days []mine.CatchAllDay) string {
	var parts []string
	for _, d := range days {
		if d.Partial {
			parts = append(parts, d.Day.Format("2006-01-02"))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "partial days left out: " + strings.Join(parts, ", ")
}

// dayChart stacks the catch-all's responses of ordinary clients per status
// class and the scanners' per whole day.
func dayChart(r *mine.Report) *summaryChart {
	c := &summaryChart{kind: excelize.ColStacked, legend: "bottom",
		title: "Catch-all HTTP responses per whole day (UTC)", labelHead: "Day (UTC)",
		note: partialNote(r.CatchAllDaily)}
	s := []chartSeries{
		{name: "2xx", colour: colourOK}, {name: "3xx", colour: colourRedirect},
		{name: "4xx", colour: colourClient}, {name: "5xx", colour: colourServer},
		{name: "Scanners", colour: colourScanner},
	}
	var any int64
	for _, d := range r.CatchAllDaily {
		if d.Partial {
			continue
		}
		c.labels = append(c.labels, d.Day.Format("Mon 01-02"))
		for i, v := range []int64{d.Success, d.Redirects, d.ClientErrors, d.ServerErrors, d.ScannerResponses} {
			s[i].values = append(s[i].values, v)
			any += v
		}
	}
	if any == 0 {
		return nil
	}
	c.series = s
	return c
}

// destinationChart is the catch-all's top destinations of ordinary
// clients, by sessions (by responses without traffic logs).
func destinationChart(r *mine.Report) *summaryChart {
	bySessions := r.Totals.TrafficLogs > 0
	what := "sessions"
	if !bySessions {
		what = "HTTP responses"
	}
	c := &summaryChart{kind: excelize.Bar, legend: "none", showValues: true, labelHead: "Application on destination"}
	v := chartSeries{name: "Client " + what, colour: colourHits}
	for _, d := range r.CatchAllDestinations {
		n := d.Responses
		if bySessions {
			n = d.Sessions
		}
		if n == 0 || len(c.labels) == topDestination {
			continue
		}
		c.labels = append(c.labels, d.Application+" on "+d.Destination)
		v.values = append(v.values, n)
	}
	if len(c.labels) == 0 {
		return nil
	}
	c.title = fmt.Sprintf("Top %d destinations of ordinary clients (%s)", len(c.labels), what)
	if len(c.labels) == 1 {
		c.title = "The one destination of ordinary clients (" + what + ")"
	}
	c.series = []chartSeries{v}
	return c
}

// coverageChart shows what the replay says of the catch-all's traffic:
// carried by App-ID rules, depending on what the logs do not tell, or
// staying, from scanners or not.
func coverageChart(r *mine.Report) *summaryChart {
	cov := r.Coverage
	if cov.Total == 0 {
		return nil
	}
	var scanners, others int64
	for _, x := range cov.Residual {
		if x.Reason == "scanner" {
			scanners += x.Count
		} else {
			others += x.Count
		}
	}
	return &summaryChart{kind: excelize.Pie, legend: "right", percents: true,
		points:    []string{colourOK, colourClient, colourServer, colourScanner},
		title:     "What App-ID rules would carry of the catch-all's " + basis(cov.Basis),
		labelHead: "Outcome",
		labels:    []string{"Carried by App-ID rules", "Depends on user or URL category", "Stays: ordinary clients", "Stays: scanners"},
		series:    []chartSeries{{name: strings.ToUpper(basis(cov.Basis)[:1]) + basis(cov.Basis)[1:], values: []any{cov.Covered, cov.Depends, others, scanners}}},
	}
}

// chartData writes the figures of the charts, one small table each, and
// remembers where.
func (s *summarySheet) chartData(charts []summaryChart) error {
	if err := s.put("A", "The figures behind the charts", s.st.heading); err != nil {
		return err
	}
	s.row++
	cols := []string{"B", "C", "D", "E", "F", "G", "H", "I", "J"}
	for i := range charts {
		c := &charts[i]
		s.row++
		heading := c.title
		if c.note != "" {
			heading += " (" + c.note + ")"
		}
		if err := s.put("A", heading, s.st.figureKey); err != nil {
			return err
		}
		s.row++
		if err := s.put("A", c.labelHead, s.st.header); err != nil {
			return err
		}
		lines := 1
		for j := range c.series {
			c.series[j].col = cols[j]
			if err := s.put(cols[j], c.series[j].name, s.st.headerRight); err != nil {
				return err
			}
			width := chartColWidth
			if j == 0 {
				width = valueWidth
			}
			lines = max(lines, strings.Count(wrap(c.series[j].name, width-2), "\n")+1)
		}
		if err := s.f.SetRowHeight(sheetSummary, s.row, float64(lines)*defaultRowPoints); err != nil {
			return err
		}
		s.row++
		c.first = s.row
		for k, label := range c.labels {
			if err := s.put("A", label, s.st.text); err != nil {
				return err
			}
			for _, sr := range c.series {
				if err := s.put(sr.col, sr.values[k], s.st.count); err != nil {
					return err
				}
			}
			s.row++
		}
		c.last = s.row - 1
	}
	return nil
}

// chart builds the excelize chart of c, drawn from where chartData wrote
// its figures.
func (c *summaryChart) chart() *excelize.Chart {
	ref := func(col string) string {
		return fmt.Sprintf("'%s'!$%s$%d:$%s$%d", sheetSummary, col, c.first, col, c.last)
	}
	small := excelize.Font{Size: 9, Color: "404040"}
	ch := &excelize.Chart{
		Type:      c.kind,
		Title:     excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: c.title, Font: &excelize.Font{Size: 12, Bold: true, Color: "262626"}}}},
		Legend:    excelize.ChartLegend{Position: c.legend, Font: &small},
		Dimension: excelize.ChartDimension{Width: chartWidth, Height: uint(chartHeight)},
		Format:    excelize.GraphicOptions{OffsetX: chartOffsetX, OffsetY: chartOffsetY, AltText: c.title},
		XAxis:     excelize.ChartAxis{Font: small},
		YAxis:     excelize.ChartAxis{Font: small, MajorGridLines: true, NumFmt: excelize.ChartNumFmt{CustomNumFmt: "#,##0"}},
		PlotArea:  excelize.ChartPlotArea{ShowVal: c.showValues, ShowPercent: c.percents},
	}
	vary := c.kind == excelize.Pie
	ch.VaryColors = &vary
	if c.kind == excelize.Line {
		ch.ShowBlanksAs = "gap"
	}
	if c.kind == excelize.Bar {
		ch.XAxis.ReverseOrder = true // the largest on top
	}
	for _, sr := range c.series {
		cs := excelize.ChartSeries{
			Name:       fmt.Sprintf("'%s'!$%s$%d", sheetSummary, sr.col, c.first-1),
			Categories: ref("A"),
			Values:     ref(sr.col),
		}
		if sr.colour != "" {
			cs.Fill = excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{sr.colour}}
			if c.kind == excelize.Line {
				cs.Line = excelize.LineOptions{Width: 2.25, Fill: cs.Fill}
				cs.Marker = excelize.ChartMarker{Symbol: "circle", Size: 6, Fill: cs.Fill}
			}
		}
		for i, colour := range c.points {
			cs.DataPoint = append(cs.DataPoint, excelize.ChartDataPoint{Index: i, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{colour}}})
		}
		ch.Series = append(ch.Series, cs)
	}
	return ch
}
