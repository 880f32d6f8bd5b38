package report

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/olekukonko/tablewriter/pkg/twwidth"
	"github.com/xuri/excelize/v2"
)

// kind says how a column's values are stored and shown.
type kind int

const (
	kindText    kind = iota // a string, always a text cell
	kindLines               // a string of several lines, wrapped
	kindCount               // an integer quantity, with thousands separators
	kindNumber              // an integer identifier: status code, position
	kindDate                // a time.Time, as an Excel date in UTC
	kindPercent             // a float64 fraction, shown as a percentage
	kindBytes               // an integer byte count, shown in KB, MB, GB
	kindDay                 // a time.Time at midnight UTC, shown as a date only
)

// right reports whether the kind is a quantity, right-aligned with its
// header.
func (k kind) right() bool { return k == kindCount || k == kindPercent || k == kindBytes }

// column is one column of a data sheet.
type column struct {
	header string
	kind   kind
}

// dataSheet is a sheet holding one Excel table: a header row and one row per
// item.
type dataSheet struct {
	name  string // sheet name
	table string // Excel table name, unique in the workbook
	cols  []column
	n     int               // number of items
	row   func(i int) []any // the values of item i, one per column
	// statusCol is the 0-based index of a status code column whose cells,
	// and the class column right after it, are coloured by status class;
	// -1 for none.
	statusCol int
	// resultCol is the 0-based index of a readiness result column (pass,
	// fail, unknown) coloured by result; 0 for none (no sheet starts with
	// one).
	resultCol int
	// limit is the most items the sheet holds before it continues on the
	// next; 0 is maxDataRows. Tests lower it.
	limit int
	// maxLines caps, per column index, the lines a row grows to for the
	// column's value: the cell holds it whole, the row shows its start.
	maxLines map[int]int
	// wide marks the text columns whose values are wider than a column
	// may be: they wrap. widths sets it.
	wide []bool
}

// parts splits ds into sheets of at most limit items: the first keeps the
// name, the next are "Name (2)", "Name (3)"... with their own tables.
func (ds *dataSheet) parts() []*dataSheet {
	limit := ds.limit
	if limit <= 0 {
		limit = maxDataRows
	}
	if ds.n <= limit {
		return []*dataSheet{ds}
	}
	var out []*dataSheet
	for off, k := 0, 1; off < ds.n; off, k = off+limit, k+1 {
		p := *ds
		p.n = min(limit, ds.n-off)
		if k > 1 {
			p.name = fmt.Sprintf("%s (%d)", ds.name, k)
			p.table = fmt.Sprintf("%s_%d", ds.table, k)
		}
		row, base := ds.row, off
		p.row = func(i int) []any { return row(base + i) }
		out = append(out, &p)
	}
	return out
}

// widthSample is how many rows size the columns.
const widthSample = 1000

// maxDataRows is the number of items a sheet can hold under its header.
const maxDataRows = excelize.TotalRows - 1

// styles are the cell styles of a workbook, created once.
type styles struct {
	title, key, link       int
	header, headerRight    int
	headerCenter           int
	text, lines            int
	count, number, percent int
	bytes                  int
	date, day              int
	dateFlush              int // a date without the indent, among text
	// the Summary's
	subtitle, heading                 int
	figureKey, figureText, figureWrap int
	figureCount, figureBytes          int
	figurePercent, figureDate         int
	// banner styles per verdict: ready, not ready, not enough evidence
	bannerHead, bannerLine, bannerNext [3]int
	// class holds the conditional formats for 2xx, 3xx, 4xx and 5xx.
	class [4]int
	// result holds the conditional formats for pass, fail and unknown.
	result [3]int
}

// Number formats. A date shows to the minute (the cell keeps the second)
// and sorts as text does; a day is a date without a time. Bytes show in
// decimal units, the cell keeping the count: Excel allows two conditions.
const (
	dateFormat    = "yyyy-mm-dd hh:mm"
	dayFormat     = "yyyy-mm-dd"
	bytesFormat   = `[<1000000]#,##0.0," KB";[<1000000000]#,##0.0,," MB";#,##0.0,,," GB"`
	percentFormat = "0.0%"
)

func newStyles(f *excelize.File) (*styles, error) {
	var st styles
	top := &excelize.Alignment{Vertical: "top"}
	right := &excelize.Alignment{Vertical: "top", Horizontal: "right"}
	// A quantity on a data sheet keeps an indent's gap from a text that
	// follows it ("1Block-Known-Bad" otherwise); its header lines up.
	quantity := &excelize.Alignment{Vertical: "top", Horizontal: "right", Indent: 1}
	center := &excelize.Alignment{Vertical: "top", Horizontal: "center"}
	dateFmt, dayFmt, bytesFmt, pctFmt := dateFormat, dayFormat, bytesFormat, percentFormat
	middle := func(h string) *excelize.Alignment { return &excelize.Alignment{Vertical: "center", Horizontal: h} }
	type styleDef struct {
		id    *int
		style excelize.Style
	}
	defs := []styleDef{
		{&st.title, excelize.Style{Font: &excelize.Font{Bold: true, Size: 16, Color: "1F3864"}, Alignment: middle("left")}},
		{&st.key, excelize.Style{Font: &excelize.Font{Bold: true}, Alignment: top}},
		{&st.link, excelize.Style{Font: &excelize.Font{Color: "0563C1", Underline: "single"}, Alignment: top}},
		{&st.header, excelize.Style{Font: &excelize.Font{Bold: true}, Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}}},
		{&st.headerRight, excelize.Style{Font: &excelize.Font{Bold: true}, Alignment: &excelize.Alignment{Vertical: "top", Horizontal: "right", WrapText: true, Indent: 1}}},
		{&st.headerCenter, excelize.Style{Font: &excelize.Font{Bold: true}, Alignment: &excelize.Alignment{Vertical: "top", Horizontal: "center", WrapText: true}}},
		// NumFmt 49 is "@": the cell stays text even when someone edits it.
		{&st.text, excelize.Style{NumFmt: 49, Alignment: top}},
		{&st.lines, excelize.Style{NumFmt: 49, Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}}},
		{&st.count, excelize.Style{NumFmt: 3, Alignment: quantity}}, // #,##0
		{&st.number, excelize.Style{NumFmt: 1, Alignment: center}},  // 0: codes, ports, positions
		{&st.percent, excelize.Style{CustomNumFmt: &pctFmt, Alignment: quantity}},
		{&st.bytes, excelize.Style{CustomNumFmt: &bytesFmt, Alignment: quantity}},
		{&st.date, excelize.Style{CustomNumFmt: &dateFmt, Alignment: &excelize.Alignment{Vertical: "top", Horizontal: "left", Indent: 1}}},
		{&st.dateFlush, excelize.Style{CustomNumFmt: &dateFmt, Alignment: &excelize.Alignment{Vertical: "top", Horizontal: "left"}}},
		{&st.day, excelize.Style{CustomNumFmt: &dayFmt, Alignment: &excelize.Alignment{Vertical: "top", Horizontal: "left", Indent: 1}}},

		{&st.subtitle, excelize.Style{Font: &excelize.Font{Size: 10, Color: "595959"}, Alignment: middle("left")}},
		{&st.heading, excelize.Style{Font: &excelize.Font{Bold: true, Size: 12, Color: "1F3864"}, Alignment: &excelize.Alignment{Vertical: "bottom"}}},
		{&st.figureKey, excelize.Style{Font: &excelize.Font{Color: "262626"}, Alignment: top}},
		{&st.figureText, excelize.Style{NumFmt: 49, Alignment: right}},
		{&st.figureWrap, excelize.Style{NumFmt: 49, Alignment: &excelize.Alignment{Vertical: "top", Horizontal: "right", WrapText: true}}},
		{&st.figureCount, excelize.Style{NumFmt: 3, Alignment: right}},
		{&st.figureBytes, excelize.Style{CustomNumFmt: &bytesFmt, Alignment: right}},
		{&st.figurePercent, excelize.Style{CustomNumFmt: &pctFmt, Alignment: right}},
		{&st.figureDate, excelize.Style{CustomNumFmt: &dateFmt, Alignment: right}},
	}
	// Banners: a strong headline, light lines below, per verdict.
	banner := [3][3]string{ // strong fill, light fill, dark text
		{"1E7B34", "E2F0D9", "1E4620"},
		{"C00000", "FBE5E5", "7A0000"},
		{"BF8F00", "FFF2CC", "5C4500"},
	}
	for i, c := range banner {
		wrapMid := &excelize.Alignment{Vertical: "center", Horizontal: "left", WrapText: true, Indent: 1}
		defs = append(defs,
			styleDef{&st.bannerHead[i], excelize.Style{Font: &excelize.Font{Bold: true, Size: 13, Color: "FFFFFF"},
				Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{c[0]}}, Alignment: wrapMid}},
			styleDef{&st.bannerLine[i], excelize.Style{Font: &excelize.Font{Size: 11, Color: c[2]},
				Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{c[1]}}, Alignment: wrapMid}},
			styleDef{&st.bannerNext[i], excelize.Style{Font: &excelize.Font{Bold: true, Size: 11, Color: c[2]},
				Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{c[1]}}, Alignment: wrapMid}},
		)
	}
	for _, d := range defs {
		// Every font names the workbook's: without a name LibreOffice
		// falls back to a serif face.
		if d.style.Font == nil {
			d.style.Font = &excelize.Font{}
		}
		if d.style.Font.Family == "" {
			d.style.Font.Family = "Calibri"
		}
		if d.style.Font.Size == 0 {
			d.style.Font.Size = 11
		}
		id, err := f.NewStyle(&d.style)
		if err != nil {
			return nil, fmt.Errorf("create cell style: %w", err)
		}
		*d.id = id
	}
	// 2xx green, 3xx blue, 4xx amber, 5xx red: Excel's own "good", "neutral"
	// and "bad" palettes.
	classes := [4][2]string{
		{"C6EFCE", "006100"},
		{"DDEBF7", "1F4E78"},
		{"FFEB9C", "9C5700"},
		{"FFC7CE", "9C0006"},
	}
	for i, c := range classes {
		id, err := f.NewConditionalStyle(&excelize.Style{
			Font: &excelize.Font{Color: c[1]},
			Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{c[0]}},
		})
		if err != nil {
			return nil, fmt.Errorf("create conditional style: %w", err)
		}
		st.class[i] = id
	}
	results := [3][2]string{classes[0], classes[3], classes[2]} // pass, fail, unknown
	for i, c := range results {
		id, err := f.NewConditionalStyle(&excelize.Style{
			Font: &excelize.Font{Color: c[1]},
			Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{c[0]}},
		})
		if err != nil {
			return nil, fmt.Errorf("create conditional style: %w", err)
		}
		st.result[i] = id
	}
	return &st, nil
}

func (st *styles) of(k kind) int {
	switch k {
	case kindLines:
		return st.lines
	case kindCount:
		return st.count
	case kindNumber:
		return st.number
	case kindDate:
		return st.date
	case kindPercent:
		return st.percent
	case kindBytes:
		return st.bytes
	case kindDay:
		return st.day
	default:
		return st.text
	}
}

// write renders ds into its sheet, which must exist and be empty, through a
// stream writer, so memory stays flat however many rows there are. ds must
// fit in a sheet (see parts).
func (ds *dataSheet) write(f *excelize.File, st *styles) error {
	n := ds.n
	widths := ds.widths(n)
	// Before the stream writer, which writes out what the sheet holds
	// when it starts.
	if err := printSetup(f, ds.name, widths); err != nil {
		return fmt.Errorf("page setup of %q: %w", ds.name, err)
	}
	sw, err := f.NewStreamWriter(ds.name)
	if err != nil {
		return fmt.Errorf("write sheet %q: %w", ds.name, err)
	}
	// Excel wants the column definitions in ascending order; the stream
	// writer puts each new one first, so they go in from the last.
	for i := len(widths) - 1; i >= 0; i-- {
		if err := sw.SetColWidth(i+1, i+1, widths[i]); err != nil {
			return fmt.Errorf("write sheet %q: %w", ds.name, err)
		}
	}
	if err := sw.SetPanes(&excelize.Panes{
		Freeze:      true,
		YSplit:      1,
		TopLeftCell: "A2",
		ActivePane:  "bottomLeft",
		Selection:   []excelize.Selection{{SQRef: "A2", ActiveCell: "A2", Pane: "bottomLeft"}},
	}); err != nil {
		return fmt.Errorf("write sheet %q: freeze header: %w", ds.name, err)
	}

	// The header aligns with its column: quantities right, codes
	// centred, text and dates left.
	header := make([]any, len(ds.cols))
	for i, c := range ds.cols {
		style := st.header
		switch {
		case c.kind.right():
			style = st.headerRight
		case c.kind == kindNumber:
			style = st.headerCenter
		}
		header[i] = excelize.Cell{StyleID: style, Value: c.header}
	}
	// Text wider than its column wraps, in a row as high as it needs.
	wraps := make([]bool, len(ds.cols))
	for j, c := range ds.cols {
		wraps[j] = c.kind == kindLines || c.kind == kindText && ds.wide[j]
	}
	headerLines := 1
	for j, c := range ds.cols {
		headerLines = max(headerLines, strings.Count(wrap(c.header, int(widths[j])-filterIcon), "\n")+1)
	}
	if err := sw.SetRow("A1", header, excelize.RowOpts{Height: float64(headerLines) * lineHeight}); err != nil {
		return fmt.Errorf("write sheet %q: header: %w", ds.name, err)
	}
	cells := make([]any, len(ds.cols))
	for i := range n {
		lines := 1
		for j, v := range ds.row(i) {
			style := st.of(ds.cols[j].kind)
			if s, ok := v.(string); ok && wraps[j] {
				n := wrappedLines(s, widths[j])
				switch limit := ds.maxLines[j]; {
				case limit > 0:
					n = min(n, limit)
				case ds.cols[j].kind == kindText:
					// A long single value (a URL) shows its start; the
					// cell holds it whole.
					n = min(n, maxWrappedText)
				}
				lines = max(lines, n)
				style = st.lines
			}
			switch v.(type) {
			case time.Time, *time.Time:
				if k := ds.cols[j].kind; k != kindDay && k != kindDate {
					style = st.dateFlush // a date in a column of mixed values, aligned with the text
				}
			}
			cells[j] = cellValue(v, style)
		}
		ref, _ := excelize.CoordinatesToCellName(1, i+2)
		var opts []excelize.RowOpts
		if lines > 1 {
			// The stream writer leaves row heights to the reader, and
			// neither Excel nor LibreOffice grows a row for wrapped text
			// on opening.
			opts = append(opts, excelize.RowOpts{Height: min(float64(lines)*lineHeight, excelize.MaxRowHeight)})
		}
		if err := sw.SetRow(ref, cells, opts...); err != nil {
			return fmt.Errorf("write sheet %q: row %d: %w", ds.name, i+2, err)
		}
	}

	// A table needs a data row; with no items it spans the header and one
	// empty row, as Excel's own empty tables do.
	last, _ := excelize.CoordinatesToCellName(len(ds.cols), max(n, 1)+1)
	stripes := true
	if err := sw.AddTable(&excelize.Table{
		Range:          "A1:" + last,
		Name:           ds.table,
		StyleName:      "TableStyleMedium2",
		ShowRowStripes: &stripes,
	}); err != nil {
		return fmt.Errorf("write sheet %q: add table: %w", ds.name, err)
	}
	if ds.statusCol >= 0 && n > 0 {
		if err := ds.colourClasses(f, st, n); err != nil {
			return fmt.Errorf("write sheet %q: colour status classes: %w", ds.name, err)
		}
	}
	if ds.resultCol > 0 && n > 0 {
		if err := ds.colourResults(f, st, n); err != nil {
			return fmt.Errorf("write sheet %q: colour results: %w", ds.name, err)
		}
	}
	if err := sw.Flush(); err != nil {
		return fmt.Errorf("write sheet %q: %w", ds.name, err)
	}
	return nil
}

// colourResults colours the readiness result cells of n rows.
func (ds *dataSheet) colourResults(f *excelize.File, st *styles, n int) error {
	col, err := excelize.ColumnNumberToName(ds.resultCol + 1)
	if err != nil {
		return err
	}
	values := [3]string{"pass", "fail", "unknown"}
	opts := make([]excelize.ConditionalFormatOptions, len(values))
	for i, v := range values {
		opts[i] = excelize.ConditionalFormatOptions{
			Type:     "cell",
			Criteria: "==",
			Value:    `"` + v + `"`,
			Format:   &st.result[i],
		}
	}
	return f.SetConditionalFormat(ds.name, fmt.Sprintf("%s2:%s%d", col, col, n+1), opts)
}

// colourClasses colours the status and class cells of n rows by status
// class. The stream writer emits the sheet's conditional formats on Flush.
func (ds *dataSheet) colourClasses(f *excelize.File, st *styles, n int) error {
	col, err := excelize.ColumnNumberToName(ds.statusCol + 1)
	if err != nil {
		return err
	}
	next, err := excelize.ColumnNumberToName(ds.statusCol + 2)
	if err != nil {
		return err
	}
	opts := make([]excelize.ConditionalFormatOptions, len(st.class))
	for i := range st.class {
		lo := (i + 2) * 100
		opts[i] = excelize.ConditionalFormatOptions{
			Type:     "formula",
			Criteria: fmt.Sprintf("AND($%s2>=%d,$%s2<%d)", col, lo, col, lo+100),
			Format:   &st.class[i],
		}
	}
	return f.SetConditionalFormat(ds.name, fmt.Sprintf("%s2:%s%d", col, next, n+1), opts)
}

// cellValue turns a row value into what the stream writer stores. Strings
// are passed as Go strings, which the stream writer always writes as inline
// text, never as a formula, whatever they start with.
func cellValue(v any, style int) any {
	switch v := v.(type) {
	case nil:
		return nil
	case string:
		if v == "" {
			return nil
		}
		return excelize.Cell{StyleID: style, Value: cellText(v)}
	case time.Time:
		if v.IsZero() {
			return nil
		}
		return excelize.Cell{StyleID: style, Value: v.UTC()}
	case *time.Time:
		if v == nil || v.IsZero() {
			return nil
		}
		return excelize.Cell{StyleID: style, Value: v.UTC()}
	case int, int64, uint64, float64:
		return excelize.Cell{StyleID: style, Value: v}
	default:
		// Every row function returns the types above; anything else is a
		// programming error, shown rather than hidden.
		return excelize.Cell{StyleID: style, Value: fmt.Sprintf("%v", v)}
	}
}

// widths sizes each column to its widest value and its header, within
// bounds that keep a sheet readable: a header wraps onto two lines before
// it widens a column of short values, and a text wider than the cap wraps
// (ds.wide records which).
func (ds *dataSheet) widths(n int) []float64 {
	const (
		minWidth = 8
		maxWidth = 50
	)
	w := make([]int, len(ds.cols))
	ds.wide = make([]bool, len(ds.cols))
	for j, c := range ds.cols {
		w[j] = headerWidth(c.header) + filterIcon
		switch c.kind {
		case kindDate:
			w[j] = max(w[j], len("2006-01-02 15:04")+2)
		case kindDay:
			w[j] = max(w[j], len("2006-01-02")+2)
		case kindPercent:
			w[j] = max(w[j], len("100.0%")+2)
		case kindBytes:
			w[j] = max(w[j], len("1,234.5 MB")+2)
		}
	}
	// The first rows are enough to size a column; reading a million would
	// double the work of a big sheet.
	for i := range min(n, widthSample) {
		for j, v := range ds.row(i) {
			var s int
			switch v := v.(type) {
			case string:
				s = displayWidth(v)
			case int, int64, uint64:
				s = len(fmt.Sprint(v)) * 4 / 3 // digits and separators
			}
			w[j] = max(w[j], s+2)
		}
	}
	out := make([]float64, len(w))
	for j := range w {
		ds.wide[j] = w[j] > maxWidth
		out[j] = float64(min(max(w[j], minWidth), maxWidth))
	}
	return out
}

// headerWidth is the width a header needs wrapped onto at most two lines.
func headerWidth(h string) int {
	words := strings.Fields(h)
	best := twwidth.Width(h)
	for i := 1; i < len(words); i++ {
		a, b := strings.Join(words[:i], " "), strings.Join(words[i:], " ")
		best = min(best, max(twwidth.Width(a), twwidth.Width(b)))
	}
	return best
}

// maxWrappedText is the most lines a row grows to for a long text value;
// a cell of several lines (kindLines) shows all of them.
const maxWrappedText = 4

// filterIcon is the room, in characters, the auto-filter button takes next
// to a header.
const filterIcon = 4

// lineHeight is the height in points of one line of the default font.
const lineHeight = 15

// wrappedLines estimates how many lines s takes in a wrapped cell of the
// given width in characters.
func wrappedLines(s string, width float64) int {
	// A column's width counts digits; text of the default font averages
	// about a tenth narrower.
	w := max(int(width*1.1)-1, 1)
	n := 0
	for line := range strings.SplitSeq(cellText(s), "\n") {
		n += max(1, (utf8.RuneCountInString(line)+w-1)/w)
	}
	return n
}
