package report

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/panos-mine/mine"
)

// summarySuggestions is how many suggestions the summary lists; the
// workbook and the JSON have them all.
const summarySuggestions = 10

// WriteSummary writes a compact summary of the report for a terminal, in
// tables that fit in TerminalWidth columns: the verdict on each catch-all
// rule in words with its main reasons and the next step, the device and
// window, the key figures, responses per status class and the first
// suggested rules in the report's order. Strings from the device are
// stripped of control characters, so a crafted rule name or URL cannot
// drive the terminal.
//
// It returns an error when r is nil or the error of w.
func WriteSummary(w io.Writer, r *mine.Report) error {
	if r == nil {
		return errors.New("write summary: nil report")
	}
	sw := &stickyWriter{w: w}
	writeBanners(sw, r)
	writeOverview(sw, r)
	writeCollection(sw, r)
	writeStatusClasses(sw, r)
	writeTopSuggestions(sw, r)
	if sw.err != nil {
		return fmt.Errorf("write summary: %w", sw.err)
	}
	return nil
}

// writeBanners writes each verdict as the Summary sheet's banner says it.
func writeBanners(s *stickyWriter, r *mine.Report) {
	for _, b := range banners(r) {
		fmt.Fprintln(s)
		s.paragraph(term(b.rule)+": "+b.label, "  ")
		s.paragraph(b.headline, "")
		for _, why := range b.reasons {
			s.paragraph("  - "+why, "    ")
		}
		if b.next != "" {
			s.paragraph("  Next: "+b.next, "    ")
		}
	}
}

func writeOverview(s *stickyWriter, r *mine.Report) {
	d, tot := r.Device, r.Totals
	device := term(d.Hostname)
	var about []string
	if d.Model != "" {
		about = append(about, term(d.Model))
	}
	if d.Serial != "" {
		about = append(about, "serial "+term(d.Serial))
	}
	if d.SWVersion != "" {
		about = append(about, "PAN-OS "+term(d.SWVersion))
	}
	if d.Panorama {
		about = append(about, "Panorama")
	}
	if len(about) > 0 {
		device += " (" + strings.Join(about, ", ") + ")"
	}
	catchAll := "none"
	if len(r.CatchAll) > 0 {
		catchAll = termList(r.CatchAll)
	}
	sessions := count(tot.CatchAllSessions)
	if tot.CatchAllSessions > 0 {
		sessions += " (" + count(tot.CatchAllClientSessions) + " from ordinary clients)"
	}
	rows := [][]string{
		{"Device", device},
		{"Time zone", term(d.TimeZone)},
		{"Window (UTC)", window(r.Window)},
		{"Catch-all rules", catchAll},
		{"Catch-all sessions", sessions},
		{"Catch-all traffic", Bytes(tot.CatchAllBytes)},
		{"Catch-all HTTP responses", count(tot.CatchAllResponses) + " (" + count(tot.ScannerResponses) + " to scanners)"},
		{"Catch-all distinct URLs", count(int64(tot.DistinctURLs))},
		{"Scanners", count(int64(len(r.Scanners)))},
		{"Suggested App-ID rules", count(int64(len(r.Suggestions)))},
	}
	if c := r.Coverage; c.Total > 0 {
		v := Percent(c.CoveredShare) + " carried by rules, "
		if c.Depends > 0 {
			v += Percent(c.DependsShare) + " depends on users or URLs, "
		}
		v += Percent(c.ResidualShare) + " stays on the catch-all"
		if sc := scannerResidual(c); sc > 0 && c.Total > 0 {
			v += " (" + Percent(float64(sc)/float64(c.Total)) + " scanners)"
		}
		rows = append(rows, []string{"Coverage (" + term(basis(c.Basis)) + ")", v})
	}
	if len(r.Findings) > 0 {
		rows = append(rows, []string{"App team findings", count(int64(len(r.Findings)))})
	}
	if entriesCounted(r) {
		rows = append(rows, []string{"HTTP status logs", count(tot.ThreatLogs) + " (all rules)"})
	}
	rows = append(rows, []string{"HTTP responses", count(tot.Responses) + " (all rules)"})
	if im := r.Import; im != nil {
		rows = append(rows,
			[]string{"Imported", fmt.Sprintf("%d files, %d lines", im.Files, im.Lines)},
			[]string{"Imported records", fmt.Sprintf("%d threat, %d traffic, %d duplicates", im.Threat, im.Traffic, im.Duplicates)},
			[]string{"Skipped lines", term(reasons(im.Skipped))},
			[]string{"Unreadable lines", term(reasons(im.Bad))},
			[]string{"Log times", term(im.TimeZone)})
	}
	s.title("Catch-all analysis")
	s.table([]Column{{}, {}}, rows)
}

// scannerResidual sums the residual the scanners leave on the catch-all.
func scannerResidual(c mine.Coverage) int64 {
	var n int64
	for _, x := range c.Residual {
		if x.Reason == "scanner" {
			n += x.Count
		}
	}
	return n
}

func window(w mine.Window) string {
	if w.From.IsZero() && w.To.IsZero() {
		return "unknown"
	}
	const layout = "2006-01-02 15:04"
	out := w.From.UTC().Format(layout) + " to " + w.To.UTC().Format(layout)
	if d := w.Duration(); d > 0 {
		out += " (" + windowLength(w) + ")"
	}
	return out
}

func writeStatusClasses(s *stickyWriter, r *mine.Report) {
	all := map[string]int64{}
	catchAll := map[string]int64{}
	var catchAllTotal int64
	for code, n := range r.StatusCounts {
		all[mine.StatusClass(code)] += n
	}
	for code, n := range r.CatchAllStatusCounts {
		catchAll[mine.StatusClass(code)] += n
		catchAllTotal += n
	}
	classes := slices.Sorted(maps.Keys(all))
	for c := range catchAll {
		if _, ok := all[c]; !ok {
			classes = append(classes, c)
		}
	}
	slices.Sort(classes)
	rows := make([][]string, 0, len(classes))
	for _, c := range classes {
		share := ""
		if catchAllTotal > 0 {
			share = strconv.FormatFloat(100*float64(catchAll[c])/float64(catchAllTotal), 'f', 1, 64) + "%"
		}
		rows = append(rows, []string{c, count(all[c]), count(catchAll[c]), share})
	}
	s.title("HTTP responses by status class")
	if len(rows) == 0 {
		fmt.Fprintln(s, "No HTTP responses were logged.")
		return
	}
	s.table([]Column{{Header: "Class"}, {Header: "All rules", Right: true}, {Header: "Catch-all", Right: true},
		{Header: "Of catch-all responses", Right: true}}, rows)
}

func writeTopSuggestions(s *stickyWriter, r *mine.Report) {
	n := min(len(r.Suggestions), summarySuggestions)
	if n < len(r.Suggestions) {
		s.title(fmt.Sprintf("Suggested rules (first %d of %d)", n, len(r.Suggestions)))
	} else {
		s.title("Suggested rules")
	}
	if n == 0 {
		fmt.Fprintln(s, "None: no traffic was found that only the catch-all allows.")
		return
	}
	rows := make([][]string, 0, n)
	for _, sg := range r.Suggestions[:n] {
		rows = append(rows, []string{
			term(sg.Name),
			termList(sg.Destination),
			termList(sg.Application),
			ports(sg.Ports),
			count(sg.Sessions),
			count(int64(sg.URLs)),
		})
	}
	cols := []Column{{Header: "Name"}, {Header: "Destination", Drop: 1}, {Header: "Application"}, {Header: "Ports", Drop: 2},
		{Header: "Sessions", Right: true}, {Header: "URLs", Right: true, Drop: 3}}
	if dropped := s.table(cols, rows); len(dropped) > 0 {
		s.paragraph(fmt.Sprintf("(left out to fit %d columns: %s; the workbook has them)", TerminalWidth, strings.Join(dropped, ", ")), " ")
	}
}

// reasons renders counts by reason, most first: "system 4, url 3".
func reasons(m map[string]int64) string {
	if len(m) == 0 {
		return "none"
	}
	keys := slices.Collect(maps.Keys(m))
	slices.SortFunc(keys, func(a, b string) int {
		if m[a] != m[b] {
			return cmp.Compare(m[b], m[a])
		}
		return cmp.Compare(a, b)
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}
