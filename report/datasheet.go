package report

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

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
)

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
	header                 int
	text, lines            int
	count, number, percent int
	date                   int
	// class holds the conditional formats for 2xx, 3xx, 4xx and 5xx.
	class [4]int
	// result holds the conditional formats for pass, fail and unknown.
	result [3]int
}

// dateFormat shows a UTC date to the second and sorts as text does.
const dateFormat = "yyyy-mm-dd hh:mm:ss"

func newStyles(f *excelize.File) (*styles, error) {
	var st styles
	top := &excelize.Alignment{Vertical: "top"}
	dateFmt := dateFormat
	defs := []struct {
		id    *int
		style excelize.Style
	}{
		{&st.title, excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}}},
		{&st.key, excelize.Style{Font: &excelize.Font{Bold: true}, Alignment: top}},
		{&st.link, excelize.Style{Font: &excelize.Font{Color: "0563C1", Underline: "single"}}},
		{&st.header, excelize.Style{Font: &excelize.Font{Bold: true}, Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}}},
		// NumFmt 49 is "@": the cell stays text even when someone edits it.
		{&st.text, excelize.Style{NumFmt: 49, Alignment: top}},
		{&st.lines, excelize.Style{NumFmt: 49, Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}}},
		{&st.count, excelize.Style{NumFmt: 3, Alignment: top}},    // #,##0
		{&st.number, excelize.Style{NumFmt: 1, Alignment: top}},   // 0
		{&st.percent, excelize.Style{NumFmt: 10, Alignment: top}}, // 0.00%
		{&st.date, excelize.Style{CustomNumFmt: &dateFmt, Alignment: &excelize.Alignment{Vertical: "top", Horizontal: "left"}}},
	}
	for _, d := range defs {
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
	default:
		return st.text
	}
}

// write renders ds into its sheet, which must exist and be empty, through a
// stream writer, so memory stays flat however many rows there are. ds must
// fit in a sheet (see parts).
func (ds *dataSheet) write(f *excelize.File, st *styles) error {
	n := ds.n
	sw, err := f.NewStreamWriter(ds.name)
	if err != nil {
		return fmt.Errorf("write sheet %q: %w", ds.name, err)
	}
	// Excel wants the column definitions in ascending order; the stream
	// writer puts each new one first, so they go in from the last.
	widths := ds.widths(n)
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

	header := make([]any, len(ds.cols))
	for i, c := range ds.cols {
		header[i] = excelize.Cell{StyleID: st.header, Value: c.header}
	}
	if err := sw.SetRow("A1", header); err != nil {
		return fmt.Errorf("write sheet %q: header: %w", ds.name, err)
	}
	cells := make([]any, len(ds.cols))
	for i := range n {
		lines := 1
		for j, v := range ds.row(i) {
			if s, ok := v.(string); ok && ds.cols[j].kind == kindLines {
				lines = max(lines, wrappedLines(s, widths[j]))
			}
			style := st.of(ds.cols[j].kind)
			switch v.(type) {
			case time.Time, *time.Time:
				style = st.date // a date in a column of mixed values
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

// widths sizes each column to its header and its widest value, within
// bounds that keep a sheet readable.
func (ds *dataSheet) widths(n int) []float64 {
	const (
		minWidth   = 8
		maxWidth   = 60
		filterIcon = 4 // room for the auto-filter button next to a header
	)
	w := make([]int, len(ds.cols))
	for j, c := range ds.cols {
		w[j] = displayWidth(c.header) + filterIcon
		switch c.kind {
		case kindDate:
			w[j] = max(w[j], len("2006-01-02 15:04:05")+2)
		case kindPercent:
			w[j] = max(w[j], len("100.00%")+2)
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
		out[j] = float64(min(max(w[j], minWidth), maxWidth))
	}
	return out
}

// lineHeight is the height in points of one line of the default font.
const lineHeight = 15

// wrappedLines estimates how many lines s takes in a wrapped cell of the
// given width in characters.
func wrappedLines(s string, width float64) int {
	w := max(int(width)-1, 1)
	n := 0
	for line := range strings.SplitSeq(cellText(s), "\n") {
		n += max(1, (utf8.RuneCountInString(line)+w-1)/w)
	}
	return n
}
