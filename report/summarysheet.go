package report

import (
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/panos-mine/mine"
	"github.com/xuri/excelize/v2"
)

// The Summary is a dashboard on a grid of columns: A holds labels, B their
// values, C to J (summaryLast) the charts, one below the other, each in
// its own block of rows that holds no text. Banners and the subtitle span
// A to J.
const (
	summaryLast    = "J"
	labelWidth     = 36
	valueWidth     = 22
	chartColWidth  = 10
	chartColumns   = 8 // C to J
	chartWidth     = 580
	chartOffsetX   = 12
	chartOffsetY   = 4
	chartSlotRows  = 14 // 13 rows of 20 px for the chart, one between charts
	chartsPerPage  = 2  // the first page: the banners, the figures and two charts
	bannerLineChar = 160
	linkLineChars  = 130
	// defaultRowPoints is the height of a row of the default font, 20 px.
	defaultRowPoints = 15
	trendRuns        = 13 // a quarter of weekly runs
	// firstPageRows is how far down the figures may start for two charts
	// to fit on the first page beside them.
	firstPageRows  = 12
	topDestination = 10
)

// chartHeight is the height to give excelize for a chart to span the 13
// rows of its slot. Excel and LibreOffice draw a chart between the cells
// its anchor names, and excelize computes the anchor with 4/3.4 pixels a
// point for a row of set height (4/3 would be right), so the height is
// counted in its pixels.
var chartHeight = (chartSlotRows-1)*int(math.Ceil(4.0/3.4*defaultRowPoints)) - chartOffsetY - 2

// summarySheet writes the Summary with the cell API, which merges cells
// and sets hyperlinks, row by row.
type summarySheet struct {
	f   *excelize.File
	st  *styles
	row int
}

func (s *summarySheet) ref(col string) string { return fmt.Sprintf("%s%d", col, s.row) }

// put writes a value with a style into a cell of the current row.
func (s *summarySheet) put(col string, v any, style int) error {
	c := s.ref(col)
	switch v := v.(type) {
	case nil:
	case string:
		if err := s.f.SetCellStr(sheetSummary, c, cellText(v)); err != nil {
			return err
		}
	default:
		if err := s.f.SetCellValue(sheetSummary, c, v); err != nil {
			return err
		}
	}
	return s.f.SetCellStyle(sheetSummary, c, c, style)
}

// line writes text across A to J as one merged cell, lines high, and moves
// to the next row.
func (s *summarySheet) line(text string, style int, points float64) error {
	if err := s.f.MergeCell(sheetSummary, s.ref("A"), s.ref(summaryLast)); err != nil {
		return err
	}
	if err := s.put("A", text, style); err != nil {
		return err
	}
	// Set for every row the Summary writes text in, so that neither Excel
	// nor LibreOffice grows it and moves the charts below.
	if err := s.f.SetRowHeight(sheetSummary, s.row, points); err != nil {
		return err
	}
	s.row++
	return nil
}

// lineHeightFor is the height of text wrapped at chars characters a line.
func lineHeightFor(text string, chars int, points float64) float64 {
	n := 0
	for l := range strings.SplitSeq(text, "\n") {
		n += max(1, (utf8.RuneCountInString(l)+chars-1)/chars)
	}
	return min(float64(n)*points+4, excelize.MaxRowHeight)
}

// figure writes a label and its value and moves to the next row. A value
// of nil leaves the value blank.
func (s *summarySheet) figure(label string, v any, style int) error {
	if err := s.put("A", label, s.st.figureKey); err != nil {
		return err
	}
	if err := s.put("B", v, style); err != nil {
		return err
	}
	s.row++
	return nil
}

// writeSummarySheet writes the Summary: title and subtitle, a banner per
// catch-all verdict (not in the handoff layout), the key figures and the
// device, the charts (full layout) beside them, links to every sheet, and
// the figures the charts draw.
func writeSummarySheet(f *excelize.File, st *styles, r *mine.Report, opt Options, links []sheetLink, continued []string) error {
	s := &summarySheet{f: f, st: st, row: 1}
	if err := summaryColumns(f); err != nil {
		return err
	}
	title := "mine catch-all report"
	if r.Device.Hostname != "" {
		title += ": " + r.Device.Hostname
	}
	if opt.Title != "" {
		title = opt.Title
	}
	if err := s.line(title, st.title, 24); err != nil {
		return err
	}
	if err := s.line(subtitle(r), st.subtitle, 18); err != nil {
		return err
	}
	s.row++
	if opt.Layout != LayoutHandoff {
		if err := s.banners(r); err != nil {
			return err
		}
	}

	top := s.row // the figures and the charts start here
	if err := s.figures(r, opt); err != nil {
		return err
	}
	s.row++
	if err := s.device(r, continued); err != nil {
		return err
	}
	textEnd := s.row

	var charts []summaryChart
	if opt.Layout == LayoutFull {
		charts = dashboardCharts(r, opt)
	}
	// Rows the charts span keep the default height in every program, so
	// a chart covers the rows its anchor names and no more.
	for row := top; row < top+len(charts)*chartSlotRows; row++ {
		if h, err := f.GetRowHeight(sheetSummary, row); err != nil || h == defaultRowPoints {
			if err := f.SetRowHeight(sheetSummary, row, defaultRowPoints); err != nil {
				return err
			}
		}
	}
	s.row = max(textEnd, top+len(charts)*chartSlotRows) + 1
	if err := s.links(links); err != nil {
		return err
	}
	if len(charts) > 0 {
		s.row++
		if err := s.chartData(charts); err != nil {
			return err
		}
	}
	// The charts go in last, when every row height is set: an anchor is
	// computed from the heights of the rows it spans.
	for i, c := range charts {
		at := fmt.Sprintf("C%d", top+i*chartSlotRows)
		if err := f.AddChart(sheetSummary, at, c.chart()); err != nil {
			return fmt.Errorf("add chart %q: %w", c.title, err)
		}
	}
	if top > firstPageRows {
		// Many banners: the figures and the charts start a page.
		if err := f.InsertPageBreak(sheetSummary, fmt.Sprintf("A%d", top)); err != nil {
			return err
		}
	}
	if len(charts) > chartsPerPage {
		if err := f.InsertPageBreak(sheetSummary, fmt.Sprintf("A%d", top+chartsPerPage*chartSlotRows)); err != nil {
			return err
		}
	}
	off := false
	if err := f.SetSheetView(sheetSummary, 0, &excelize.ViewOptions{ShowGridLines: &off}); err != nil {
		return err
	}
	fit := true
	if err := f.SetSheetProps(sheetSummary, &excelize.SheetPropsOptions{FitToPage: &fit}); err != nil {
		return err
	}
	landscape, one, tall := "landscape", 1, 0
	if err := f.SetPageLayout(sheetSummary, &excelize.PageLayoutOptions{Orientation: &landscape, FitToWidth: &one, FitToHeight: &tall}); err != nil {
		return err
	}
	edge, band := 0.4, 0.2 // inches: room for two charts below the banner
	return f.SetPageMargins(sheetSummary, &excelize.PageLayoutMarginsOptions{Top: &edge, Bottom: &edge, Left: &edge, Right: &edge, Header: &band, Footer: &band})
}

func summaryColumns(f *excelize.File) error {
	if err := f.SetColWidth(sheetSummary, "A", "A", labelWidth); err != nil {
		return err
	}
	if err := f.SetColWidth(sheetSummary, "B", "B", valueWidth); err != nil {
		return err
	}
	return f.SetColWidth(sheetSummary, "C", summaryLast, chartColWidth)
}

// subtitle names the device, the window and when the report was made.
func subtitle(r *mine.Report) string {
	var parts []string
	if w := r.Window; !w.From.IsZero() {
		parts = append(parts, fmt.Sprintf("Window %s to %s UTC (%s)", minute(w.From), minute(w.To), windowLength(w)))
	}
	d := r.Device
	var dev []string
	for _, v := range []string{d.Model, prefixed("PAN-OS ", d.SWVersion), prefixed("serial ", d.Serial)} {
		if v != "" {
			dev = append(dev, v)
		}
	}
	if len(dev) > 0 {
		parts = append(parts, strings.Join(dev, ", "))
	}
	if !r.Generated.IsZero() {
		parts = append(parts, "generated "+minute(r.Generated)+" UTC")
	}
	if len(parts) == 0 {
		return "No window, device or time in this report"
	}
	return strings.Join(parts, " · ")
}

func prefixed(p, v string) string {
	if v == "" {
		return ""
	}
	return p + v
}

func minute(t time.Time) string { return t.UTC().Format("2006-01-02 15:04") }

// banners writes each readiness verdict as a coloured banner: the verdict
// and what it means, the reasons, the next step.
func (s *summarySheet) banners(r *mine.Report) error {
	bs := banners(r)
	if len(bs) == 0 {
		if err := s.line("No readiness verdict in this report.", s.st.bannerHead[2], 24); err != nil {
			return err
		}
		s.row++
		return nil
	}
	for _, b := range bs {
		k := bannerKind(b.verdict)
		head := b.rule + ": " + b.label + ". " + b.headline
		if err := s.line(head, s.st.bannerHead[k], lineHeightFor(head, bannerLineChar-20, 18)); err != nil {
			return err
		}
		for _, why := range b.reasons {
			text := "•  " + why
			if err := s.line(text, s.st.bannerLine[k], lineHeightFor(text, bannerLineChar, 15)); err != nil {
				return err
			}
		}
		if b.next != "" {
			text := "Next step: " + b.next
			if err := s.line(text, s.st.bannerNext[k], lineHeightFor(text, bannerLineChar, 15)); err != nil {
				return err
			}
		}
		s.row++
	}
	return nil
}

// bannerKind indexes the banner styles: ready, not ready, not enough
// evidence.
func bannerKind(verdict string) int {
	switch verdict {
	case mine.VerdictReady:
		return 0
	case mine.VerdictNotReady:
		return 1
	}
	return 2
}

// figures writes the key figures with their units.
func (s *summarySheet) figures(r *mine.Report, opt Options) error {
	st, t, cov := s.st, r.Totals, r.Coverage
	if err := s.put("A", "Key figures", st.heading); err != nil {
		return err
	}
	s.row++
	type fig struct {
		label string
		v     any
		style int
	}
	var figs []fig
	if opt.Layout == LayoutHandoff {
		figs = []fig{
			{"App team findings", int64(len(r.Findings)), st.figureCount},
			{"Catch-all URLs listed", int64(len(r.CatchAllURLs)), st.figureCount},
			{"Destinations scanners probed", int64(len(r.ScannerTargets)), st.figureCount},
		}
	} else {
		share := func(n int64) any {
			if cov.Total == 0 {
				return nil
			}
			return float64(n) / float64(cov.Total)
		}
		scanners := scannerResidual(cov)
		figs = []fig{
			{"Window", windowLength(r.Window), st.figureText},
			{"Catch-all sessions", t.CatchAllSessions, st.figureCount},
			{"   of them from ordinary clients", t.CatchAllClientSessions, st.figureCount},
			{"Catch-all traffic", t.CatchAllBytes, st.figureBytes},
			{"Catch-all HTTP responses", t.CatchAllResponses, st.figureCount},
			{"   of them to scanners", t.ScannerResponses, st.figureCount},
			{"Distinct URLs on the catch-all", int64(t.DistinctURLs), st.figureCount},
			{"Scanners detected", int64(len(r.Scanners)), st.figureCount},
			{"Suggested App-ID rules", int64(len(r.Suggestions)), st.figureCount},
			{"Carried by App-ID rules (" + basis(cov.Basis) + ")", ratio(cov.Total, cov.CoveredShare), st.figurePercent},
			{"Depends on user or URL category", ratio(cov.Total, cov.DependsShare), st.figurePercent},
			{"Stays on the catch-all", ratio(cov.Total, cov.ResidualShare), st.figurePercent},
			{"   of it scanners", share(scanners), st.figurePercent},
			{"App team findings", int64(len(r.Findings)), st.figureCount},
			{"Custom App-ID candidates", int64(len(r.CustomAppCandidates)), st.figureCount},
		}
		if entriesCounted(r) {
			figs = append(figs, fig{"HTTP status logs (all rules)", t.ThreatLogs, st.figureCount})
		}
		figs = append(figs, fig{"HTTP responses (all rules)", t.Responses, st.figureCount})
	}
	for _, f := range figs {
		if err := s.figure(f.label, f.v, f.style); err != nil {
			return err
		}
	}
	return nil
}

// device writes the device and window block.
func (s *summarySheet) device(r *mine.Report, continued []string) error {
	st, d := s.st, r.Device
	if err := s.put("A", "Device and window", st.heading); err != nil {
		return err
	}
	s.row++
	date := func(t time.Time) any {
		if t.IsZero() {
			return nil
		}
		return t.UTC()
	}
	rows := []struct {
		label string
		v     any
		style int
	}{
		{"Device", d.Hostname, st.figureText},
		{"Serial", d.Serial, st.figureText},
		{"Model", d.Model, st.figureText},
		{"PAN-OS", d.SWVersion, st.figureText},
		{"Panorama", yesNo(d.Panorama), st.figureText},
		{"Time zone of the device", d.TimeZone, st.figureText},
		{"Window from (UTC)", date(r.Window.From), st.figureDate},
		{"Window to (UTC)", date(r.Window.To), st.figureDate},
	}
	for i, x := range rows {
		if err := s.figure(x.label, x.v, x.style); err != nil {
			return err
		}
		if i == 0 {
			if err := s.f.SetRowHeight(sheetSummary, s.row, lineHeightFor(list(r.CatchAll), valueWidth-2, 15)); err != nil {
				return err
			}
			if err := s.figure("Catch-all rules", list(r.CatchAll), st.figureWrap); err != nil {
				return err
			}
		}
	}
	// Values that may be long wrap in B, as high as they need.
	var long []struct{ label, v string }
	if len(continued) > 0 {
		long = append(long, struct{ label, v string }{"Sheets continued (over 1,048,576 rows)", strings.Join(continued, ", ")})
	}
	for _, x := range long {
		if x.v != "" {
			if err := s.f.SetRowHeight(sheetSummary, s.row, lineHeightFor(x.v, valueWidth-2, 15)); err != nil {
				return err
			}
		}
		if err := s.figure(x.label, x.v, st.figureWrap); err != nil {
			return err
		}
	}
	return nil
}

// links lists every sheet with what it shows, each name a link to it.
func (s *summarySheet) links(links []sheetLink) error {
	if err := s.put("A", "Sheets", s.st.heading); err != nil {
		return err
	}
	s.row++
	for _, l := range links {
		if err := s.put("A", l.sheet, s.st.link); err != nil {
			return err
		}
		if err := s.f.SetCellHyperLink(sheetSummary, s.ref("A"), "'"+l.sheet+"'!A1", "Location"); err != nil {
			return err
		}
		if err := s.f.MergeCell(sheetSummary, s.ref("B"), s.ref(summaryLast)); err != nil {
			return err
		}
		if err := s.put("B", l.about, s.st.lines); err != nil {
			return err
		}
		if err := s.f.SetRowHeight(sheetSummary, s.row, lineHeightFor(l.about, linkLineChars, 15)); err != nil {
			return err
		}
		s.row++
	}
	return nil
}

// ratio is a share of the replay, blank when nothing was replayed.
func ratio(total int64, share float64) any {
	if total == 0 {
		return nil
	}
	return share
}
