package report

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/pkg/twwidth"
	"github.com/olekukonko/tablewriter/tw"
	"github.com/panos-mine/mine"
)

// summaryWidth is the terminal width the summary fits in.
const summaryWidth = 100

// summarySuggestions is how many suggestions the summary lists; the
// workbook and the JSON have them all.
const summarySuggestions = 10

// WriteSummary writes a compact summary of the report for a terminal, in
// tables that fit in 100 columns: the device and window, the catch-all rules
// and totals, responses per status class, the first suggested rules in the
// report's order and the number of scanners. Strings from the device are
// stripped of control characters, so a crafted rule name or URL cannot drive
// the terminal.
//
// It returns an error when r is nil or the error of w.
func WriteSummary(w io.Writer, r *mine.Report) error {
	if r == nil {
		return errors.New("write summary: nil report")
	}
	sw := &stickyWriter{w: w}
	writeOverview(sw, r)
	writeCollection(sw, r)
	writeStatusClasses(sw, r)
	writeTopSuggestions(sw, r)
	if sw.err != nil {
		return fmt.Errorf("write summary: %w", sw.err)
	}
	return nil
}

// stickyWriter keeps the first write error so that a sequence of writes is
// checked once.
type stickyWriter struct {
	w   io.Writer
	err error
}

func (s *stickyWriter) Write(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	n, err := s.w.Write(p)
	s.err = err
	return n, err
}

func (s *stickyWriter) title(t string) {
	fmt.Fprintf(s, "\n%s\n", t)
}

func (s *stickyWriter) table(header []string, rows [][]string, align []tw.Align) {
	if s.err != nil {
		return
	}
	// The cells are wrapped here rather than by tablewriter, which drops
	// the end of a word longer than its column.
	if widths := fitWidths(header, rows, summaryWidth); widths != nil {
		header = wrapRow(header, widths)
		wrapped := make([][]string, len(rows))
		for i, r := range rows {
			wrapped[i] = wrapRow(r, widths)
		}
		rows = wrapped
	}
	opts := []tablewriter.Option{
		tablewriter.WithRowAutoWrap(tw.WrapNone),
		tablewriter.WithHeaderAutoWrap(tw.WrapNone),
		tablewriter.WithHeaderAutoFormat(tw.Off),
	}
	if align != nil {
		opts = append(opts, tablewriter.WithRowAlignmentConfig(tw.CellAlignment{PerColumn: align}))
	}
	t := tablewriter.NewTable(s, opts...)
	if header != nil {
		t.Header(header)
	}
	if err := t.Bulk(rows); err != nil {
		s.err = err
		return
	}
	if err := t.Render(); err != nil && s.err == nil {
		s.err = err
	}
}

// cellPadding is the space tablewriter puts on either side of a cell.
const cellPadding = 2

// fitWidths returns the content widths that fit a table of header and rows
// into total columns, or nil when it fits as it is. Narrow columns keep
// their width; the widest are cut to a common width, so long values wrap
// instead of pushing the table past the edge.
func fitWidths(header []string, rows [][]string, total int) []int {
	const padding = cellPadding
	var natural []int
	grow := func(cells []string) {
		for i, c := range cells {
			if i == len(natural) {
				natural = append(natural, 0)
			}
			for line := range strings.SplitSeq(c, "\n") {
				natural[i] = max(natural[i], twwidth.Width(line)+padding)
			}
		}
	}
	grow(header)
	for _, r := range rows {
		grow(r)
	}
	budget := total - (len(natural) + 1) // the borders between and around columns
	sum := func(limit int) int {
		n := 0
		for _, w := range natural {
			n += min(w, limit)
		}
		return n
	}
	widest := slices.Max(append([]int{0}, natural...))
	if sum(widest) <= budget {
		return nil
	}
	limit := widest
	for limit > padding+1 && sum(limit) > budget {
		limit--
	}
	widths := make([]int, len(natural))
	for i, w := range natural {
		widths[i] = min(w, limit) - padding
	}
	return widths
}

// wrapRow wraps each cell of row to its width in widths.
func wrapRow(row []string, widths []int) []string {
	out := make([]string, len(row))
	for i, c := range row {
		out[i] = wrap(c, widths[i])
	}
	return out
}

// wrap breaks s into lines of at most width columns, at spaces where it
// can and inside a word only when the word alone is wider than a line.
// Nothing is dropped.
func wrap(s string, width int) string {
	if width < 1 || twwidth.Width(s) <= width {
		return s
	}
	var lines []string
	var line strings.Builder
	lineWidth := 0
	flush := func() {
		lines = append(lines, line.String())
		line.Reset()
		lineWidth = 0
	}
	for word := range strings.FieldsSeq(s) {
		w := twwidth.Width(word)
		if lineWidth > 0 && lineWidth+1+w <= width {
			line.WriteByte(' ')
			line.WriteString(word)
			lineWidth += 1 + w
			continue
		}
		if lineWidth > 0 {
			flush()
		}
		for _, r := range word {
			rw := twwidth.Width(string(r))
			if lineWidth > 0 && lineWidth+rw > width {
				flush()
			}
			line.WriteRune(r)
			lineWidth += rw
		}
	}
	if lineWidth > 0 {
		flush()
	}
	return strings.Join(lines, "\n")
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
		names := make([]string, len(r.CatchAll))
		for i, n := range r.CatchAll {
			names[i] = term(n)
		}
		catchAll = strings.Join(names, ", ")
	}
	rows := [][]string{
		{"Device", device},
		{"Time zone", term(d.TimeZone)},
		{"Window (UTC)", window(r.Window)},
		{"Catch-all rules", catchAll},
		{"HTTP status logs", count(tot.ThreatLogs)},
		{"HTTP responses", count(tot.Responses)},
		{"Catch-all responses", count(tot.CatchAllResponses)},
		{"Catch-all traffic logs", count(tot.TrafficLogs)},
		{"Catch-all sessions", count(tot.CatchAllSessions)},
		{"Catch-all bytes", count(tot.CatchAllBytes)},
		{"Catch-all distinct URLs", count(int64(tot.DistinctURLs))},
		{"Responses to scanners", count(tot.ScannerResponses)},
		{"Suggested rules", count(int64(len(r.Suggestions)))},
		{"Scanners", count(int64(len(r.Scanners)))},
	}
	if c := r.Coverage; c.Total > 0 {
		rows = append(rows, []string{"Coverage (" + term(basis(c.Basis)) + ")",
			fmt.Sprintf("%.1f%% carried by rules, %.1f%% stays on the catch-all", c.CoveredShare*100, c.ResidualShare*100)})
	}
	if len(r.Findings) > 0 {
		rows = append(rows, []string{"App team findings", count(int64(len(r.Findings)))})
	}
	if len(r.Readiness) > 0 {
		lines := strings.Split(verdict(r.Readiness), "\n")
		for i, l := range lines {
			lines[i] = term(l)
		}
		rows = append(rows, []string{"Verdict", strings.Join(lines, "\n")})
	}
	s.title("Catch-all analysis")
	s.table(nil, rows, nil)
}

func window(w mine.Window) string {
	if w.From.IsZero() && w.To.IsZero() {
		return "unknown"
	}
	const layout = "2006-01-02 15:04:05"
	out := w.From.UTC().Format(layout) + " to " + w.To.UTC().Format(layout)
	if d := w.Duration(); d > 0 {
		out += " (" + days(d) + ")"
	}
	return out
}

// days renders a window length the way users give it to --since.
func days(d time.Duration) string {
	const day = 24 * time.Hour
	if d%day == 0 {
		return strconv.FormatInt(int64(d/day), 10) + "d"
	}
	return d.String()
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
	right := []tw.Align{tw.AlignLeft, tw.AlignRight, tw.AlignRight, tw.AlignRight}
	s.table([]string{"Class", "All rules", "Catch-all", "Share of catch-all"}, rows, right)
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
	align := []tw.Align{tw.AlignLeft, tw.AlignLeft, tw.AlignLeft, tw.AlignLeft, tw.AlignRight, tw.AlignRight}
	s.table([]string{"Name", "Destination", "Application", "Ports", "Sessions", "URLs"}, rows, align)
}

// term makes a string from a log or a device safe to print on a terminal:
// control characters (escape sequences, carriage returns, newlines) and
// bidirectional overrides become U+FFFD or a space, and invalid UTF-8 becomes
// U+FFFD.
func term(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			return ' '
		case unicode.IsControl(r), unicode.Is(unicode.Bidi_Control, r):
			return unicode.ReplacementChar
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
}

func termList(members []string) string {
	out := make([]string, len(members))
	for i, m := range members {
		out[i] = term(m)
	}
	return strings.Join(out, ", ")
}

// count renders a number with thousands separators.
func count(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
