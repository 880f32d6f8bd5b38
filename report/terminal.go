package report

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/pkg/twwidth"
	"github.com/olekukonko/tablewriter/tw"
)

// TerminalWidth is the width, in columns, every table and paragraph mine
// prints on a terminal fits in.
const TerminalWidth = 80

// cellPadding is the space tablewriter puts on either side of a cell.
const cellPadding = 2

// cutMarker ends a terminal cell that was shortened to fit its column.
const cutMarker = "…"

// Column is one column of a terminal table.
type Column struct {
	Header string
	// Right aligns the column, header included, to the right, as numbers
	// are.
	Right bool
	// Drop ranks the column for leaving out when the table is wider than
	// the terminal: the column with the highest Drop goes first; a column
	// with Drop 0 is always shown.
	Drop int
	// Cut shortens a value too long for the column with "…" instead of
	// wrapping it onto more lines.
	Cut bool
}

// Columns returns left-aligned columns that wrap and are never dropped,
// one per header.
func Columns(header ...string) []Column {
	cols := make([]Column, len(header))
	for i, h := range header {
		cols[i] = Column{Header: h}
	}
	return cols
}

// stickyWriter keeps the first write error so that a sequence of writes is
// checked once.
type stickyWriter struct {
	w   io.Writer
	err error
	// width is what tables fit in; 0 is TerminalWidth.
	width int
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

// paragraph writes text wrapped to the terminal, each line after the first
// indented by indent.
func (s *stickyWriter) paragraph(text, indent string) {
	fmt.Fprintln(s, Wrap(text, TerminalWidth, indent))
}

// Wrap breaks text into lines of at most width columns at spaces (inside
// a word only when the word alone is wider than a line), and starts every
// line after the first with indent. Nothing is dropped.
func Wrap(text string, width int, indent string) string {
	// A line's own leading spaces stay in front of it.
	lead := text[:len(text)-len(strings.TrimLeft(text, " "))]
	if lead != "" {
		inner := Wrap(text[len(lead):], width-len(lead), strings.TrimPrefix(indent, lead))
		return lead + strings.ReplaceAll(inner, "\n", "\n"+lead)
	}
	first := wrap(text, width)
	lines := strings.Split(first, "\n")
	if len(lines) == 1 || indent == "" {
		return first
	}
	rest := wrap(strings.Join(lines[1:], " "), width-twwidth.Width(indent))
	out := []string{lines[0]}
	for line := range strings.SplitSeq(rest, "\n") {
		out = append(out, indent+line)
	}
	return strings.Join(out, "\n")
}

// table writes a table that fits in TerminalWidth columns, leaving out the
// columns with the highest Drop first when it would not fit otherwise, and
// wrapping or cutting the widest cells. It returns the headers of the
// columns it left out. A table whose headers are all empty has no header
// row.
func (s *stickyWriter) table(cols []Column, rows [][]string) []string {
	if s.err != nil {
		return nil
	}
	width := s.width
	if width == 0 {
		width = TerminalWidth
	}
	keep, widths := fitColumns(cols, rows, width)
	var dropped []string
	for i, c := range cols {
		if !slices.Contains(keep, i) {
			dropped = append(dropped, c.Header)
		}
	}
	header := make([]string, len(keep))
	align := make([]tw.Align, len(keep))
	named := false
	for j, i := range keep {
		header[j] = wrap(cols[i].Header, widths[j])
		named = named || cols[i].Header != ""
		align[j] = tw.AlignLeft
		if cols[i].Right {
			align[j] = tw.AlignRight
		}
	}
	body := make([][]string, len(rows))
	for r, row := range rows {
		body[r] = make([]string, len(keep))
		for j, i := range keep {
			if i >= len(row) {
				continue
			}
			if cols[i].Cut {
				body[r][j] = cut(row[i], widths[j])
			} else {
				body[r][j] = wrap(row[i], widths[j])
			}
		}
	}
	// The cells are wrapped here rather than by tablewriter, which drops
	// the end of a word longer than its column.
	t := tablewriter.NewTable(s,
		tablewriter.WithRowAutoWrap(tw.WrapNone),
		tablewriter.WithHeaderAutoWrap(tw.WrapNone),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithRowAlignmentConfig(tw.CellAlignment{PerColumn: align}),
		tablewriter.WithHeaderAlignmentConfig(tw.CellAlignment{PerColumn: align}),
	)
	if named {
		t.Header(header)
	}
	if err := t.Bulk(body); err != nil {
		s.err = err
		return dropped
	}
	if err := t.Render(); err != nil && s.err == nil {
		s.err = err
	}
	return dropped
}

// fitColumns chooses the columns of a table and the content width of each
// so that the table, borders and padding included, fits in total columns.
// Droppable columns are left out, highest Drop first, until the others
// fit at a comfortable width; then the columns narrower than their share
// keep their width and the widest are cut to a common width, not below a
// readable minimum (the header's longest word, and 12 columns for wrapped
// text, 6 for cut text) unless nothing else fits.
func fitColumns(cols []Column, rows [][]string, total int) (keep, widths []int) {
	natural := make([]int, len(cols))
	minimum := make([]int, len(cols))
	for i, c := range cols {
		// A header of several words may take two lines rather than
		// widen a column of narrow values.
		natural[i] = max(1, headerWidth(c.Header))
		word := 1
		for w := range strings.FieldsSeq(c.Header) {
			word = max(word, twwidth.Width(w))
		}
		for _, r := range rows {
			if i < len(r) {
				for line := range strings.SplitSeq(r[i], "\n") {
					natural[i] = max(natural[i], twwidth.Width(line))
				}
			}
		}
		floor := 12
		if c.Cut {
			floor = 6
		}
		minimum[i] = min(natural[i], max(word, floor))
	}
	keep = make([]int, len(cols))
	for i := range keep {
		keep[i] = i
	}
	// comfortable is the width a column reads well at: its whole width,
	// up to 40 for text that wraps. Columns are left out until the
	// comfortable widths fit; only then are cells wrapped or cut.
	comfortable := func(i int) int {
		if cols[i].Cut || natural[i] <= 40 {
			return natural[i]
		}
		return max(40, minimum[i])
	}
	wants := func() int {
		n := len(keep) + 1
		for _, i := range keep {
			n += comfortable(i) + cellPadding
		}
		return n
	}
	need := func(limit int, floors bool) int {
		n := len(keep) + 1 // borders
		for _, i := range keep {
			w := min(natural[i], limit)
			if floors {
				w = max(w, minimum[i])
			}
			n += max(w, 1) + cellPadding
		}
		return n
	}
	for wants() > total {
		drop := -1
		for k, i := range keep {
			if cols[i].Drop > 0 && (drop < 0 || cols[i].Drop >= cols[keep[drop]].Drop) {
				drop = k
			}
		}
		if drop < 0 {
			break
		}
		keep = slices.Delete(keep, drop, drop+1)
	}
	widest := 1
	for _, i := range keep {
		widest = max(widest, natural[i])
	}
	limit, floors := widest, true
	for need(limit, floors) > total {
		if limit > 1 {
			limit--
			continue
		}
		if !floors {
			break // too many columns for the width: as narrow as it gets
		}
		limit, floors = widest, false
	}
	widths = make([]int, len(keep))
	for j, i := range keep {
		w := min(natural[i], limit)
		if floors {
			w = max(w, minimum[i])
		}
		widths[j] = max(w, 1)
	}
	return keep, widths
}

// cut shortens each line of s to width columns, ending a shortened line
// with cutMarker.
func cut(s string, width int) string {
	lines := strings.Split(s, "\n")
	for i, line := range lines {
		if twwidth.Width(line) <= width {
			continue
		}
		var b strings.Builder
		w := 0
		for _, r := range line {
			rw := twwidth.Width(string(r))
			if w+rw > width-1 {
				break
			}
			b.WriteRune(r)
			w += rw
		}
		lines[i] = b.String() + cutMarker
	}
	return strings.Join(lines, "\n")
}

// wrap breaks s into lines of at most width columns, at spaces where it
// can and inside a word only when the word alone is wider than a line.
// Line breaks in s are kept. Nothing is dropped.
func wrap(s string, width int) string {
	if width < 1 {
		return s
	}
	var out []string
	for para := range strings.SplitSeq(s, "\n") {
		out = append(out, wrapLine(para, width))
	}
	return strings.Join(out, "\n")
}

func wrapLine(s string, width int) string {
	if twwidth.Width(s) <= width {
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

// Term is term for the commands' own tables: it makes a string from a log
// or a device safe to print on a terminal.
func Term(s string) string { return term(s) }

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

// Count renders a number with thousands separators, as the summary does.
func Count(n int64) string { return count(n) }

// Bytes renders a byte count in decimal units (B, KB, MB, GB, TB), as the
// workbook's byte format shows it.
func Bytes(n int64) string {
	units := []string{"KB", "MB", "GB", "TB"}
	if n < 1000 && n > -1000 {
		return strconv.FormatInt(n, 10) + " B"
	}
	v := float64(n) / 1000
	u := 0
	for (v >= 1000 || v <= -1000) && u < len(units)-1 {
		v /= 1000
		u++
	}
	return strconv.FormatFloat(v, 'f', 1, 64) + " " + units[u]
}

// Percent renders a fraction as a percentage with one decimal.
func Percent(f float64) string {
	return strconv.FormatFloat(100*f, 'f', 1, 64) + "%"
}
