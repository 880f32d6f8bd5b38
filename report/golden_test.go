package report

import (
	"archive/zip"
	"bytes"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/panos-mine/mine"
	"github.com/xuri/excelize/v2"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// wantFullSheets are the sheets of LayoutFull, the classic five first.
var wantFullSheets = append(slices.Clone(wantSheets),
	"Coverage", "Catch-all Apps", "App Team Handoff", "Scanners", "Scanner Targets", "URL Templates",
	"Readiness", "Custom App-ID Candidates", "Catch-all Trend", "Per Day", "About")

var wantHandoffSheets = []string{"Summary", "Catch-all URLs", "App Team Handoff", "Scanner Targets", "URL Templates", "About"}

// writeBookWith renders r with opt and returns the workbook bytes, opened
// for reading.
func writeBookWith(t *testing.T, r *mine.Report, opt Options) (*excelize.File, []byte) {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteWorkbookWith(&buf, r, opt); err != nil {
		t.Fatalf("WriteWorkbookWith() = %v; want nil", err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatalf("excelize.OpenReader(workbook) = %v; want nil", err)
	}
	t.Cleanup(func() { _ = f.Close() })
	return f, buf.Bytes()
}

// testDeltas are hit deltas for testReport's rules, as a history gives them.
func testDeltas() []mine.HitDelta {
	return []mine.HitDelta{
		{Rule: "legacy-allow-tcp-any", Serial: "013201001234", Kind: mine.DeltaCounted, Hits: 700},
		{Rule: "legacy-allow-tcp-any", Serial: "013201001235", Kind: mine.DeltaCounted, Hits: 50},
		{Rule: "allow-dns", Serial: "013201001234", Kind: mine.DeltaBaseline},
	}
}

// testTrend is three weekly runs of a history.
func testTrend() []mine.TrendPoint {
	week := func(i int, hits int64, known bool, verdict string) mine.TrendPoint {
		to := at(2+7*i, 6)
		return mine.TrendPoint{RunID: int64(i + 1), Target: "edge", Serial: "013201001234",
			Window: mine.Window{From: to.AddDate(0, 0, -7), To: to}, Collected: to.Add(time.Minute),
			CatchAllHits: hits, HitsKnown: known, CatchAllSessions: hits, CatchAllResponses: hits / 7,
			DistinctURLs: 7, StatusClasses: [6]int64{0, 0, hits / 10, 5, 20, 3}, ClientSessions: hits * 9 / 10,
			Suggestions: 2, Verdict: verdict}
	}
	return []mine.TrendPoint{week(0, 0, false, mine.VerdictInsufficientEvidence), week(1, 9000, true, mine.VerdictNotReady), week(2, 7700, true, mine.VerdictNotReady)}
}

var layouts = []struct {
	name   string
	opt    Options
	sheets []string
}{
	{"classic", Options{Layout: LayoutClassic}, wantSheets},
	{"full", Options{Layout: LayoutFull, Deltas: testDeltas(), Trend: testTrend()}, wantFullSheets},
	{"handoff", Options{Layout: LayoutHandoff, Title: "Handoff for team web"}, wantHandoffSheets},
}

func TestWorkbookLayouts(t *testing.T) {
	for _, l := range layouts {
		for _, r := range []struct {
			name string
			r    *mine.Report
		}{{"full", testReport()}, {"empty", &mine.Report{}}} {
			t.Run(l.name+"/"+r.name, func(t *testing.T) {
				f, _ := writeBookWith(t, r.r, l.opt)
				if got := f.GetSheetList(); !slices.Equal(got, l.sheets) {
					t.Fatalf("GetSheetList() = %q; want %q", got, l.sheets)
				}
				// Every sheet but the Summary is one table with a frozen
				// header, and the Summary links to each.
				summary, err := f.GetRows("Summary")
				if err != nil {
					t.Fatal(err)
				}
				for _, sheet := range l.sheets[1:] {
					tables, err := f.GetTables(sheet)
					if err != nil || len(tables) != 1 || tables[0].ShowHeaderRow != nil && !*tables[0].ShowHeaderRow {
						t.Errorf("GetTables(%q) = %+v, %v; want one table with a header", sheet, tables, err)
					}
					panes, err := f.GetPanes(sheet)
					if err != nil || !panes.Freeze || panes.YSplit != 1 || panes.TopLeftCell != "A2" {
						t.Errorf("GetPanes(%q) = %+v, %v; want the header row frozen", sheet, panes, err)
					}
					// The links follow the "Sheets" key; a key may have a
					// sheet's name too ("Scanners").
					start := slices.IndexFunc(summary, func(r []string) bool { return len(r) > 0 && r[0] == "Sheets" })
					row := slices.IndexFunc(summary[start+1:], func(r []string) bool { return len(r) > 0 && r[0] == sheet })
					if start < 0 || row < 0 {
						t.Errorf("Summary has no link to %q", sheet)
						continue
					}
					ref := fmt.Sprintf("A%d", start+row+2)
					if ok, target, err := f.GetCellHyperLink("Summary", ref); !ok || err != nil || target != "'"+sheet+"'!A1" {
						t.Errorf("GetCellHyperLink(Summary, %s) = %v, %q, %v; want %q", ref, ok, target, err, "'"+sheet+"'!A1")
					}
				}
			})
		}
	}
}

// TestWorkbookNoFormulasAnyLayout opens the sheet XML of every layout and
// checks that no cell is a formula and that every hostile string from the
// logs is an inline string, verbatim, on each sheet that shows it.
func TestWorkbookNoFormulasAnyLayout(t *testing.T) {
	for _, l := range layouts {
		t.Run(l.name, func(t *testing.T) {
			_, book := writeBookWith(t, testReport(), l.opt)
			zr, err := zip.NewReader(bytes.NewReader(book), int64(len(book)))
			if err != nil {
				t.Fatalf("zip.NewReader(workbook) = %v", err)
			}
			texts := map[string]bool{}
			parts := 0
			for _, zf := range zr.File {
				if !strings.HasPrefix(zf.Name, "xl/worksheets/sheet") || !strings.HasSuffix(zf.Name, ".xml") {
					continue
				}
				parts++
				formulas, inline := scanSheetXML(t, zf)
				if len(formulas) > 0 {
					t.Errorf("%s has <f> elements %q; want none", zf.Name, formulas)
				}
				for _, s := range inline {
					for line := range strings.SplitSeq(s, "\n") {
						texts[line] = true
					}
					texts[s] = true
				}
			}
			// Each table part carries an autoFilter: the header's filter
			// buttons.
			filters := 0
			for _, zf := range zr.File {
				if !strings.HasPrefix(zf.Name, "xl/tables/table") {
					continue
				}
				rc, err := zf.Open()
				if err != nil {
					t.Fatal(err)
				}
				x, err := io.ReadAll(rc)
				rc.Close()
				if err != nil {
					t.Fatal(err)
				}
				if bytes.Contains(x, []byte("<autoFilter ")) {
					filters++
				}
			}
			charts := 0
			for _, zf := range zr.File {
				if strings.HasPrefix(zf.Name, "xl/charts/chart") {
					charts++
				}
			}
			// the Summary's: the weekly trend, the days, the top
			// destinations, the coverage
			if want := map[string]int{"full": 4}[l.name]; charts != want {
				t.Errorf("workbook has %d charts; want %d", charts, want)
			}
			if filters != len(l.sheets)-1 {
				t.Errorf("workbook has %d tables with an autoFilter; want %d", filters, len(l.sheets)-1)
			}
			if parts != len(l.sheets) {
				t.Errorf("workbook has %d worksheet parts; want %d", parts, len(l.sheets))
			}
			for _, s := range injections {
				if !texts[s] {
					t.Errorf("no inline string cell (or line of one) holds %q verbatim", s)
				}
			}
		})
	}
}

// TestWorkbookNewSheetsInjections checks, cell by cell, that the hostile
// strings on the new sheets read back as text.
func TestWorkbookNewSheetsInjections(t *testing.T) {
	f, _ := writeBookWith(t, testReport(), Options{Deltas: testDeltas()})
	tests := []struct {
		sheet, ref string
		want       any
	}{
		{"Coverage", "F5", injections[3]}, // after the two rules and the depends row
		{"Coverage", "H4", int64(200)},
		{"App Team Handoff", "E3", injections[3]},
		{"App Team Handoff", "F3", injections[0]},
		{"App Team Handoff", "H3", injections[1]},
		{"App Team Handoff", "K2", "/img/1.png\n" + injections[2]},
		{"URL Templates", "C3", injections[3]},
		{"Readiness", "E4", injections[0]},
		{"Custom App-ID Candidates", "N2", injections[0] + "\nset application intranet-portal category business-systems"},
		{"Scanner Targets", "F2", "block the scanner; " + injections[1]},
		{"App Team Handoff", "C2", 404},
		{"App Team Handoff", "M2", at(16, 8)},
		{"Coverage", "I2", 4500.0 / 7700},
		{"Rule Hit Counts", "L4", int64(750)},
		{"Rule Hit Counts", "M4", int64(0)},
		{"Rule Hit Counts", "N3", "never hit"},
		{"About", "B10", at(23, 6)}, {"About", "B8", at(16, 6)},
	}
	for _, tc := range tests {
		checkCell(t, f, tc.sheet, tc.ref, tc.want)
	}
}

// TestWorkbookGolden compares a text dump of every sheet (cells with their
// types and number formats, tables, panes, column widths, conditional
// formats) with testdata/workbook-*.golden; -update rewrites them.
func TestWorkbookGolden(t *testing.T) {
	for _, l := range layouts {
		for _, r := range []struct {
			name string
			r    *mine.Report
		}{{"full", testReport()}, {"empty", &mine.Report{}}} {
			t.Run(l.name+"/"+r.name, func(t *testing.T) {
				f, book := writeBookWith(t, r.r, l.opt)
				got := dumpWorkbook(t, f) + dumpCharts(t, book)
				path := filepath.Join("testdata", "workbook-"+l.name+"-"+r.name+".golden")
				if *update {
					if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("read golden file (run go test -update): %v", err)
				}
				if got != string(want) {
					t.Errorf("workbook dump differs from %s (run go test ./report -update and review the diff):\n%s", path, lineDiff(string(want), got))
				}
			})
		}
	}
}

// dumpCharts lists where each chart of the workbook sits.
func dumpCharts(t *testing.T, book []byte) string {
	t.Helper()
	places, problems, err := CheckCharts(book)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, p := range places {
		fmt.Fprintf(&b, "chart: %s\n", p)
	}
	for _, p := range problems {
		fmt.Fprintf(&b, "chart problem: %s\n", p)
	}
	return b.String()
}

// lineDiff shows the first lines that differ.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	shown := 0
	for i := 0; i < max(len(w), len(g)) && shown < 10; i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			fmt.Fprintf(&b, "line %d:\n  want %s\n  got  %s\n", i+1, wl, gl)
			shown++
		}
	}
	return b.String()
}

// dumpWorkbook renders f as text: per sheet its panes, tables, column
// widths, conditional formats and every non-empty cell with its type and
// number format, and row heights other than the default.
func dumpWorkbook(t *testing.T, f *excelize.File) string {
	t.Helper()
	var b strings.Builder
	for _, sheet := range f.GetSheetList() {
		fmt.Fprintf(&b, "== sheet %q\n", sheet)
		panes, err := f.GetPanes(sheet)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "panes: freeze=%v xsplit=%d ysplit=%d topleft=%q\n", panes.Freeze, panes.XSplit, panes.YSplit, panes.TopLeftCell)
		tables, err := f.GetTables(sheet)
		if err != nil {
			t.Fatal(err)
		}
		for _, tb := range tables {
			fmt.Fprintf(&b, "table: %s %s style=%s\n", tb.Name, tb.Range, tb.StyleName)
		}
		cfs, err := f.GetConditionalFormats(sheet)
		if err != nil {
			t.Fatal(err)
		}
		for _, rng := range slices.Sorted(maps.Keys(cfs)) {
			for _, o := range cfs[rng] {
				fmt.Fprintf(&b, "conditional: %s %s %s %s\n", rng, o.Type, o.Criteria, o.Value)
			}
		}
		merged, err := f.GetMergeCells(sheet)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range merged {
			fmt.Fprintf(&b, "merged: %s:%s\n", m.GetStartAxis(), m.GetEndAxis())
		}
		rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		width := 0
		for _, row := range rows {
			width = max(width, len(row))
		}
		var ws []string
		for c := 1; c <= width; c++ {
			name, _ := excelize.ColumnNumberToName(c)
			w, err := f.GetColWidth(sheet, name)
			if err != nil {
				t.Fatal(err)
			}
			ws = append(ws, fmt.Sprintf("%s=%g", name, w))
		}
		fmt.Fprintf(&b, "widths: %s\n", strings.Join(ws, " "))
		for i, row := range rows {
			if h, err := f.GetRowHeight(sheet, i+1); err == nil && h != 15 {
				fmt.Fprintf(&b, "row %d height %g\n", i+1, h)
			}
			for j, raw := range row {
				if raw == "" {
					continue
				}
				ref, _ := excelize.CoordinatesToCellName(j+1, i+1)
				typ, _ := f.GetCellType(sheet, ref)
				switch typ {
				case excelize.CellTypeInlineString, excelize.CellTypeSharedString:
					fmt.Fprintf(&b, "%s text %s %q\n", ref, dumpFmt(t, f, sheet, ref), dumpText(raw))
				default:
					fmt.Fprintf(&b, "%s %s %s %s\n", ref, dumpType(typ), dumpFmt(t, f, sheet, ref), raw)
				}
				if link, target, _ := f.GetCellHyperLink(sheet, ref); link {
					fmt.Fprintf(&b, "%s link %s\n", ref, target)
				}
			}
		}
	}
	return b.String()
}

func dumpType(typ excelize.CellType) string {
	switch typ {
	case excelize.CellTypeUnset, excelize.CellTypeNumber:
		return "number"
	case excelize.CellTypeDate:
		return "date"
	case excelize.CellTypeBool:
		return "bool"
	case excelize.CellTypeFormula:
		return "FORMULA"
	}
	return fmt.Sprintf("type%d", typ)
}

func dumpFmt(t *testing.T, f *excelize.File, sheet, ref string) string {
	t.Helper()
	id := mustStyle(t, f, sheet, ref)
	st, err := f.GetStyle(id)
	if err != nil {
		t.Fatal(err)
	}
	s := fmt.Sprintf("fmt=%d", st.NumFmt)
	if st.CustomNumFmt != nil {
		s = "fmt=" + *st.CustomNumFmt
	}
	if st.Alignment != nil && st.Alignment.WrapText {
		s += ",wrap"
	}
	if st.Alignment != nil && st.Alignment.Horizontal != "" && st.Alignment.Horizontal != "left" {
		s += "," + st.Alignment.Horizontal
	}
	if len(st.Fill.Color) > 0 {
		s += ",fill=" + st.Fill.Color[0]
	}
	if st.Font != nil && st.Font.Bold {
		s += ",bold"
	}
	return s
}

// dumpText keeps a cell's text whole unless it is too long to review.
func dumpText(s string) string {
	if len(s) > 300 {
		return fmt.Sprintf("%s…(%d UTF-16 units)…%s", s[:40], utf16Len(s), s[len(s)-20:])
	}
	return s
}

// TestWorkbookContinuesFullSheet lowers the row limit to check that a sheet
// with more rows than fit continues on "Name (2)", "Name (3)", each with its
// own table and frozen header, that no row is lost or repeated, and that
// the Summary says so.
func TestWorkbookContinuesFullSheet(t *testing.T) {
	r := testReport() // 7 catch-all URLs
	f, _ := writeBookWith(t, r, Options{Layout: LayoutClassic, rowLimit: 3})
	want := []string{"Summary", "Suggested Rules", "Catch-all URLs", "Catch-all URLs (2)", "Catch-all URLs (3)", "Status Codes", "Status Codes (2)", "Rule Hit Counts"}
	if got := f.GetSheetList(); !slices.Equal(got, want) {
		t.Fatalf("GetSheetList() = %q; want %q", got, want)
	}
	var urls []string
	for i, sheet := range []string{"Catch-all URLs", "Catch-all URLs (2)", "Catch-all URLs (3)"} {
		rows, err := f.GetRows(sheet)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(rows[0], wantHeaders["Catch-all URLs"]) {
			t.Errorf("GetRows(%q)[0] = %q; want the header", sheet, rows[0])
		}
		for _, row := range rows[1:] {
			urls = append(urls, row[0])
		}
		tables, err := f.GetTables(sheet)
		wantTable := []string{"CatchAllURLs", "CatchAllURLs_2", "CatchAllURLs_3"}[i]
		if err != nil || len(tables) != 1 || tables[0].Name != wantTable {
			t.Errorf("GetTables(%q) = %+v, %v; want table %s", sheet, tables, err, wantTable)
		}
		if p, err := f.GetPanes(sheet); err != nil || !p.Freeze || p.YSplit != 1 {
			t.Errorf("GetPanes(%q) = %+v, %v; want a frozen header", sheet, p, err)
		}
	}
	var wantURLs []string
	for _, u := range r.CatchAllURLs {
		wantURLs = append(wantURLs, cellText(u.URL))
	}
	if !slices.Equal(urls, wantURLs) {
		t.Errorf("URLs over the three sheets = %q; want %q", urls, wantURLs)
	}
	rows, err := f.GetRows("Summary")
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, row := range rows {
		if len(row) > 1 && strings.HasPrefix(row[0], "Sheets continued") {
			found = row[1] == "Catch-all URLs (2), Catch-all URLs (3), Status Codes (2)"
			if !found {
				t.Errorf("Summary %q = %q; want the continued sheets", row[0], row[1])
			}
			found = true
		}
	}
	if !found {
		t.Errorf("Summary does not name the continued sheets")
	}
}
