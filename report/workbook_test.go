package report

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/panos-mine/mine"
	"github.com/xuri/excelize/v2"
)

// writeBook renders r and returns the workbook bytes, opened for reading.
func writeBook(t *testing.T, r *mine.Report) (*excelize.File, []byte) {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteWorkbook(&buf, r); err != nil {
		t.Fatalf("WriteWorkbook() = %v; want nil", err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatalf("excelize.OpenReader(workbook) = %v; want nil", err)
	}
	t.Cleanup(func() { _ = f.Close() })
	return f, buf.Bytes()
}

var wantSheets = []string{"Summary", "Suggested Rules", "Catch-all URLs", "Status Codes", "Rule Hit Counts"}

func TestWorkbookSheets(t *testing.T) {
	for _, tc := range []struct {
		name string
		r    *mine.Report
	}{
		{"full", testReport()},
		{"empty", &mine.Report{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, _ := writeBook(t, tc.r)
			if got := f.GetSheetList(); !slices.Equal(got, wantSheets) {
				t.Errorf("GetSheetList() = %q; want %q", got, wantSheets)
			}
			if got := f.GetActiveSheetIndex(); got != 0 {
				t.Errorf("GetActiveSheetIndex() = %d; want 0 (Summary)", got)
			}
		})
	}
}

// wantHeaders are the header rows of the data sheets.
var wantHeaders = map[string][]string{
	"Suggested Rules": {"Name", "Destination", "Application", "Service", "Sessions", "Share of Catch-all Sessions",
		"First Seen (UTC)", "Last Seen (UTC)", "From", "To", "Source", "Ports", "Responses (2xx)", "Redirects (3xx)",
		"Bytes", "Distinct URLs", "Distinct Sources", "Catch-all Rule", "Existing Disabled Rule", "Top URLs", "Set Commands", "XML"},
	"Catch-all URLs": {"URL", "Status", "Class", "Destination", "Application", "Port", "Count", "Sources",
		"First Seen (UTC)", "Last Seen (UTC)", "Scanner"},
	"Status Codes":    {"Status", "Class", "Name", "All Rules", "Catch-all", "Share of Catch-all Responses"},
	"Rule Hit Counts": {"Position", "Rule", "Action", "Catch-all", "Hit Count", "First Hit (UTC)", "Last Hit (UTC)", "Last Reset (UTC)"},
}

func TestWorkbookHeaders(t *testing.T) {
	for _, tc := range []struct {
		name string
		r    *mine.Report
	}{
		{"full", testReport()},
		{"empty", &mine.Report{}},
	} {
		f, _ := writeBook(t, tc.r)
		for _, sheet := range wantSheets[1:] {
			t.Run(tc.name+"/"+sheet, func(t *testing.T) {
				rows, err := f.GetRows(sheet)
				if err != nil || len(rows) == 0 {
					t.Fatalf("GetRows(%q) = %d rows, %v; want a header", sheet, len(rows), err)
				}
				if got, want := rows[0], wantHeaders[sheet]; !slices.Equal(got, want) {
					t.Errorf("GetRows(%q)[0] = %q; want %q", sheet, got, want)
				}
				for i := range wantHeaders[sheet] {
					ref, _ := excelize.CoordinatesToCellName(i+1, 1)
					if typ, _ := f.GetCellType(sheet, ref); typ != excelize.CellTypeInlineString {
						t.Errorf("GetCellType(%q, %s) = %v; want inline string", sheet, ref, typ)
					}
				}
			})
		}
	}
}

// longURLCut is longURL as a cell holds it.
var longURLCut = longURL[:32767-utf16Len("…[truncated]")] + "…[truncated]"

// blank marks a cell that must be empty.
type blank struct{}

func TestWorkbookRows(t *testing.T) {
	r := testReport()
	f, _ := writeBook(t, r)
	topURLs := "/index.html\n" + `=HYPERLINK("http://x","y")` + "\n/a_x0041_b"
	tests := []struct {
		sheet string
		rows  [][]any
	}{
		{"Suggested Rules", [][]any{
			{"allow-intranet-web", "10.1.2.10, 10.1.2.11", "web-browsing, ssl", "application-default", 5000, 5000.0 / 7700,
				at(16, 7), at(22, 23), "trust", "dmz", "any", "80, 443", 600, 0, 123456789, 3, 42,
				"legacy-allow-tcp-any", blank{}, topURLs},
			{"allow-ldap-dc", "dc01.example.net", "ldap", "service-ldap-389", 2700, 2700.0 / 7700,
				at(17, 1), at(23, 5), "trust", "servers", "10.0.0.0/8", "389", 0, 0, 98765, 0, 0,
				"legacy-allow-tcp-any", blank{}, blank{}},
		}},
		{"Catch-all URLs", [][]any{
			{"/index.html", 200, "2xx", "10.1.2.10", "web-browsing", 80, 400, 30, at(16, 7), at(22, 23), "no"},
			{`=HYPERLINK("http://x","y")`, 200, "2xx", "10.1.2.10", "web-browsing", 80, 150, 3, at(17, 8), at(21, 9), "no"},
			{`+cmd|' /C calc'!A0`, 404, "4xx", "10.1.2.11", "ssl", 443, 120, 1, at(18, 2), at(18, 3), "yes"},
			{`-1+1`, 404, "4xx", "10.1.2.11", "ssl", 443, 100, 1, at(18, 2), at(18, 3), "yes"},
			{`@SUM(A1)`, 503, "5xx", `@SUM(A1)`, "web-browsing", 8080, 100, 5, at(19, 4), at(20, 4), "no"},
			{longURLCut, 404, "4xx", "10.1.2.11", "web-browsing", 80, 80, 1, at(20, 1), at(20, 1), "yes"},
			{"/a_x0041_b", 301, "3xx", "10.1.2.10", "web-browsing", 80, 50, 2, at(21, 1), at(22, 1), "no"},
		}},
		{"Status Codes", [][]any{
			{200, "2xx", "OK", 240000, 700, 700.0 / 1100},
			{299, "2xx", blank{}, 0, 0, 0.0},
			{301, "3xx", "Moved Permanently", 5000, 0, 0.0},
			{404, "4xx", "Not Found", 4000, 300, 300.0 / 1100},
			{503, "5xx", "Service Unavailable", 1000, 100, 100.0 / 1100},
		}},
		{"Rule Hit Counts", [][]any{
			{0, "allow-dns", "allow", "no", uint64(18446744073709), at(1, 0), at(23, 5), at(1, 0)},
			{1, "block-old-app", "deny", "no", 0, blank{}, blank{}, blank{}},
			{2, "legacy-allow-tcp-any", "allow", "yes", 7700, at(16, 6), at(23, 5), blank{}},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.sheet, func(t *testing.T) {
			rows, err := f.GetRows(tc.sheet)
			if err != nil {
				t.Fatalf("GetRows(%q) = %v", err, err)
			}
			if got, want := len(rows), len(tc.rows)+1; got != want {
				t.Errorf("len(GetRows(%q)) = %d; want %d", tc.sheet, got, want)
			}
			for i, row := range tc.rows {
				for j, want := range row {
					ref, _ := excelize.CoordinatesToCellName(j+1, i+2)
					checkCell(t, f, tc.sheet, ref, want)
				}
			}
		})
	}
}

// checkCell checks that a cell holds want, with the cell type want calls
// for: text for strings, numbers for integers and fractions, dates with a
// date-time format for times.
func checkCell(t *testing.T, f *excelize.File, sheet, ref string, want any) {
	t.Helper()
	typ, err := f.GetCellType(sheet, ref)
	if err != nil {
		t.Fatalf("GetCellType(%q, %s) = %v", sheet, ref, err)
	}
	raw, err := f.GetCellValue(sheet, ref, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatalf("GetCellValue(%q, %s) = %v", sheet, ref, err)
	}
	if formula, _ := f.GetCellFormula(sheet, ref); formula != "" {
		t.Errorf("GetCellFormula(%q, %s) = %q; want no formula", sheet, ref, formula)
	}
	// A number has no type attribute, which excelize reports as unset.
	isNumber := (typ == excelize.CellTypeUnset || typ == excelize.CellTypeNumber) && raw != ""
	switch want := want.(type) {
	case blank:
		if raw != "" {
			t.Errorf("%s!%s = %q; want blank", sheet, ref, raw)
		}
	case string:
		if typ != excelize.CellTypeInlineString && typ != excelize.CellTypeSharedString {
			t.Errorf("GetCellType(%q, %s) = %v; want a string cell", sheet, ref, typ)
		}
		if raw != want {
			t.Errorf("%s!%s = %q; want %q", sheet, ref, abbrev(raw), abbrev(want))
		}
	case int, int64, uint64:
		if !isNumber || raw != fmt.Sprint(want) {
			t.Errorf("%s!%s = %q (type %v); want number %v", sheet, ref, raw, typ, want)
		}
	case float64:
		got, err := strconv.ParseFloat(raw, 64)
		if !isNumber || err != nil || math.Abs(got-want) > 1e-9 {
			t.Errorf("%s!%s = %q (type %v); want number %v", sheet, ref, raw, typ, want)
		}
	case time.Time:
		serial, err := strconv.ParseFloat(raw, 64)
		if !isNumber || err != nil {
			t.Fatalf("%s!%s = %q (type %v); want a date serial number", sheet, ref, raw, typ)
		}
		got, err := excelize.ExcelDateToTime(serial, false)
		if err != nil || got.Sub(want.UTC()).Abs() > time.Millisecond {
			t.Errorf("%s!%s = %v (%v); want %v", sheet, ref, got, err, want.UTC())
		}
		if got := numFmt(t, f, sheet, ref); got != "yyyy-mm-dd hh:mm" {
			t.Errorf("number format of %s!%s = %q; want \"yyyy-mm-dd hh:mm\"", sheet, ref, got)
		}
	default:
		t.Fatalf("checkCell: unexpected want type %T", want)
	}
}

func numFmt(t *testing.T, f *excelize.File, sheet, ref string) string {
	t.Helper()
	id, err := f.GetCellStyle(sheet, ref)
	if err != nil {
		t.Fatalf("GetCellStyle(%q, %s) = %v", sheet, ref, err)
	}
	st, err := f.GetStyle(id)
	if err != nil {
		t.Fatalf("GetStyle(%d) = %v", id, err)
	}
	if st.CustomNumFmt == nil {
		return fmt.Sprintf("builtin %d", st.NumFmt)
	}
	return *st.CustomNumFmt
}

func abbrev(s string) string {
	if len(s) > 80 {
		return fmt.Sprintf("%s…(%d bytes)…%s", s[:40], len(s), s[len(s)-20:])
	}
	return s
}

func TestWorkbookLongURL(t *testing.T) {
	f, _ := writeBook(t, testReport())
	got, err := f.GetCellValue("Catch-all URLs", "A7")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(utf16.Encode([]rune(got))); n != 32767 {
		t.Errorf("len(Catch-all URLs!A7) = %d; want 32767", n)
	}
	if !strings.HasSuffix(got, "…[truncated]") || !strings.HasPrefix(got, longURL[:32000]) {
		t.Errorf("Catch-all URLs!A7 = %q; want the URL's start ending with …[truncated]", abbrev(got))
	}
}

func TestWorkbookNoFormulas(t *testing.T) {
	_, book := writeBook(t, testReport())
	zr, err := zip.NewReader(bytes.NewReader(book), int64(len(book)))
	if err != nil {
		t.Fatalf("zip.NewReader(workbook) = %v", err)
	}
	texts := map[string]bool{} // the inline string values of every sheet
	sheets := 0
	for _, zf := range zr.File {
		if !strings.HasPrefix(zf.Name, "xl/worksheets/sheet") || !strings.HasSuffix(zf.Name, ".xml") {
			continue
		}
		sheets++
		formulas, inline := scanSheetXML(t, zf)
		if len(formulas) > 0 {
			t.Errorf("%s has <f> elements %q; want none", zf.Name, formulas)
		}
		for _, s := range inline {
			texts[s] = true
		}
	}
	if sheets != len(wantSheets) {
		t.Errorf("workbook has %d worksheet parts; want %d", sheets, len(wantSheets))
	}
	for _, s := range injections {
		if !texts[s] {
			t.Errorf("no inline string cell holds %q verbatim", s)
		}
	}
}

// scanSheetXML returns the contents of the <f> elements of a worksheet part
// and the text of its inline string cells.
func scanSheetXML(t *testing.T, zf *zip.File) (formulas, inline []string) {
	t.Helper()
	rc, err := zf.Open()
	if err != nil {
		t.Fatalf("open %s: %v", zf.Name, err)
	}
	defer rc.Close()
	type cell struct {
		T string `xml:"t,attr"`
		F *struct {
			Text string `xml:",chardata"`
		} `xml:"f"`
		IS *struct {
			T string `xml:"t"`
		} `xml:"is"`
	}
	dec := xml.NewDecoder(rc)
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return formulas, inline
		}
		if err != nil {
			t.Fatalf("parse %s: %v", zf.Name, err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch se.Name.Local {
		case "f":
			formulas = append(formulas, "<f> outside a cell")
		case "c":
			var c cell
			if err := dec.DecodeElement(&c, &se); err != nil {
				t.Fatalf("parse %s: %v", zf.Name, err)
			}
			if c.F != nil {
				formulas = append(formulas, c.F.Text)
			}
			if c.T == "inlineStr" && c.IS != nil {
				inline = append(inline, c.IS.T)
			}
		}
	}
}

func TestWorkbookTablesAndPanes(t *testing.T) {
	tests := []struct {
		sheet, table, fullRange, emptyRange string
		colours                             bool
	}{
		{"Suggested Rules", "SuggestedRules", "A1:V3", "A1:V2", false},
		{"Catch-all URLs", "CatchAllURLs", "A1:K8", "A1:K2", true},
		{"Status Codes", "StatusCodes", "A1:F6", "A1:F2", true},
		{"Rule Hit Counts", "RuleHitCounts", "A1:H4", "A1:H2", false},
	}
	full, _ := writeBook(t, testReport())
	empty, _ := writeBook(t, &mine.Report{})
	for _, tc := range tests {
		for _, book := range []struct {
			name  string
			f     *excelize.File
			rng   string
			rules bool
		}{
			{"full", full, tc.fullRange, tc.colours},
			{"empty", empty, tc.emptyRange, false},
		} {
			t.Run(book.name+"/"+tc.sheet, func(t *testing.T) {
				f := book.f
				tables, err := f.GetTables(tc.sheet)
				if err != nil || len(tables) != 1 {
					t.Fatalf("GetTables(%q) = %d tables, %v; want 1", tc.sheet, len(tables), err)
				}
				if got := tables[0]; got.Name != tc.table || got.Range != book.rng {
					t.Errorf("GetTables(%q) = %s %s; want %s %s", tc.sheet, got.Name, got.Range, tc.table, book.rng)
				}
				panes, err := f.GetPanes(tc.sheet)
				if err != nil || !panes.Freeze || panes.YSplit != 1 || panes.XSplit != 0 || panes.TopLeftCell != "A2" {
					t.Errorf("GetPanes(%q) = %+v, %v; want the header row frozen", tc.sheet, panes, err)
				}
				cf, err := f.GetConditionalFormats(tc.sheet)
				if err != nil {
					t.Fatalf("GetConditionalFormats(%q) = %v", tc.sheet, err)
				}
				if got := len(cf) > 0; got != book.rules {
					t.Errorf("GetConditionalFormats(%q) = %v; want status colours: %v", tc.sheet, cf, book.rules)
				}
			})
		}
	}
}

func TestWorkbookEmptyRows(t *testing.T) {
	f, _ := writeBook(t, &mine.Report{})
	for _, sheet := range wantSheets[1:] {
		rows, err := f.GetRows(sheet)
		if err != nil || len(rows) != 1 {
			t.Errorf("GetRows(%q) = %d rows, %v; want the header only", sheet, len(rows), err)
		}
	}
}

// The Summary of testReport: a title naming the device, a red banner
// with the verdict in words, its reasons with figures of the report and the
// next step, then the key figures, each a number with the format that
// gives its unit, and a link to every sheet.
func TestWorkbookSummary(t *testing.T) {
	f, _ := writeBook(t, testReport())
	const sheet = "Summary"
	if title, _ := f.GetCellValue(sheet, "A1"); title != "mine catch-all report: fw-edge-01" {
		t.Errorf("Summary!A1 = %q; want the title naming the device", title)
	}
	if st, err := f.GetStyle(mustStyle(t, f, sheet, "A1")); err != nil || st.Font == nil || !st.Font.Bold {
		t.Errorf("style of Summary!A1 = %+v, %v; want bold", st, err)
	}
	if sub, _ := f.GetCellValue(sheet, "A2"); !strings.Contains(sub, "Window 2026-11-16 06:30 to 2026-11-23 06:30 UTC (7 days)") {
		t.Errorf("Summary!A2 = %q; want the window", sub)
	}
	// The banner: row 4 the verdict, on red, across A to J; then the
	// reasons and the next step.
	banner := []struct{ ref, prefix string }{
		{"A4", "legacy-allow-tcp-any: NOT READY. The catch-all is still in use"},
		{"A5", "•  Ordinary clients still use it: 7,400 sessions in 7 days"},
		{"A6", "•  Its hit counter could not be read"},
		{"A7", "Next step: Move what stays on the catch-all"},
	}
	for _, b := range banner {
		if v, _ := f.GetCellValue(sheet, b.ref); !strings.HasPrefix(v, b.prefix) {
			t.Errorf("Summary!%s = %q; want it to start %q", b.ref, v, b.prefix)
		}
	}
	if st, err := f.GetStyle(mustStyle(t, f, sheet, "A4")); err != nil || len(st.Fill.Color) == 0 || st.Fill.Color[0] != "C00000" {
		t.Errorf("style of the NOT READY banner = %+v, %v; want a red fill", st.Fill, err)
	}
	merged, err := f.GetMergeCells(sheet)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, m := range merged {
		found = found || m.GetStartAxis() == "A4" && m.GetEndAxis() == "J4"
	}
	if !found {
		t.Errorf("the banner is not merged across A4:J4; merged %v", merged)
	}
	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	refs := map[string]string{} // key -> value cell
	for i, row := range rows {
		if len(row) > 0 && row[0] != "" {
			refs[row[0]] = fmt.Sprintf("B%d", i+1)
		}
	}
	tests := []struct {
		key    string
		want   any
		format string // the number format, "" for a text
	}{
		{"Window", "7 days", ""},
		{"Catch-all sessions", 7700, "builtin 3"},
		{"   of them from ordinary clients", 7400, "builtin 3"},
		{"Catch-all traffic", int64(9876543210), bytesFormat},
		{"Catch-all HTTP responses", 1100, "builtin 3"},
		{"   of them to scanners", 300, "builtin 3"},
		{"Distinct URLs on the catch-all", 7, "builtin 3"},
		{"Scanners detected", 1, "builtin 3"},
		{"Suggested App-ID rules", 2, "builtin 3"},
		{"Carried by App-ID rules (sessions)", 6800.0 / 7700, "0.0%"},
		{"Depends on user or URL category", 200.0 / 7700, "0.0%"},
		{"Stays on the catch-all", 700.0 / 7700, "0.0%"},
		{"   of it scanners", 100.0 / 7700, "0.0%"},
		{"HTTP status logs (all rules)", 120345, "builtin 3"},
		{"HTTP responses (all rules)", 250000, "builtin 3"},
		{"Device", "fw-edge-01", ""},
		{"Catch-all rules", "legacy-allow-tcp-any", ""},
		{"Serial", "013201001234", ""},
		{"Model", "PA-3220", ""},
		{"PAN-OS", "11.1.4-h7", ""},
		{"Panorama", "no", ""},
		{"Time zone of the device", "Europe/Athens", ""},
		{"Window from (UTC)", at(16, 6), "yyyy-mm-dd hh:mm"},
		{"Window to (UTC)", at(23, 6), "yyyy-mm-dd hh:mm"},
	}
	for _, tc := range tests {
		ref, ok := refs[tc.key]
		if !ok {
			t.Errorf("Summary has no key %q", tc.key)
			continue
		}
		checkCell(t, f, sheet, ref, tc.want)
		if tc.format != "" {
			if got := numFmt(t, f, sheet, ref); got != tc.format {
				t.Errorf("number format of %s (%s) = %q; want %q", tc.key, ref, got, tc.format)
			}
		}
	}
	for _, target := range wantSheets[1:] {
		ref, ok := refs[target]
		if !ok {
			t.Errorf("Summary has no link to %q", target)
			continue
		}
		ref = "A" + ref[1:]
		link, got, err := f.GetCellHyperLink(sheet, ref)
		if want := "'" + target + "'!A1"; err != nil || !link || got != want {
			t.Errorf("GetCellHyperLink(Summary, %s) = %v, %q, %v; want %q", ref, link, got, err, want)
		}
	}
}

func mustStyle(t *testing.T, f *excelize.File, sheet, ref string) int {
	t.Helper()
	id, err := f.GetCellStyle(sheet, ref)
	if err != nil {
		t.Fatalf("GetCellStyle(%q, %s) = %v", sheet, ref, err)
	}
	return id
}

func TestWriteWorkbookNil(t *testing.T) {
	if err := WriteWorkbook(io.Discard, nil); err == nil {
		t.Errorf("WriteWorkbook(nil) = nil; want an error")
	}
}

func TestWriteWorkbookFile(t *testing.T) {
	tests := []struct {
		name     string
		existing []byte // content at path before the write; nil for none
		r        *mine.Report
		wantErr  bool
	}{
		{"new file", nil, testReport(), false},
		{"replaces existing", []byte("old content"), testReport(), false},
		{"error keeps existing", []byte("old content"), nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "report.xlsx")
			if tc.existing != nil {
				if err := os.WriteFile(path, tc.existing, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			err := WriteWorkbookFile(path, tc.r)
			if gotErr := err != nil; gotErr != tc.wantErr {
				t.Fatalf("WriteWorkbookFile(%s) = %v; want error: %v", path, err, tc.wantErr)
			}
			entries, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, e := range entries {
				names = append(names, e.Name())
			}
			if want := []string{"report.xlsx"}; !slices.Equal(names, want) {
				t.Errorf("files after WriteWorkbookFile = %q; want %q", names, want)
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if tc.wantErr {
				if !bytes.Equal(got, tc.existing) {
					t.Errorf("content after failed WriteWorkbookFile = %q; want %q", got, tc.existing)
				}
				return
			}
			f, err := excelize.OpenReader(bytes.NewReader(got))
			if err != nil {
				t.Fatalf("excelize.OpenReader(%s) = %v; want a workbook", path, err)
			}
			defer f.Close()
			if sheets := f.GetSheetList(); !slices.Equal(sheets, wantSheets) {
				t.Errorf("GetSheetList(%s) = %q; want %q", path, sheets, wantSheets)
			}
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			wantMode := os.FileMode(0o644)
			if tc.existing != nil {
				wantMode = 0o600 // an existing file keeps its permissions
			}
			if fi.Mode().Perm() != wantMode {
				t.Errorf("mode of %s = %v; want %v", path, fi.Mode().Perm(), wantMode)
			}
		})
	}
}

func TestWriteWorkbookFileMissingDir(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing", "report.xlsx")
	if err := WriteWorkbookFile(path, testReport()); err == nil {
		t.Errorf("WriteWorkbookFile(%s) = nil; want an error", path)
	}
}

func TestCellText(t *testing.T) {
	const marker = "…[truncated]"
	keep := utf16Len(marker)
	emoji := "😀" // two UTF-16 units
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"empty", "", ""},
		{"short", "/index.html", "/index.html"},
		{"formula-like kept", `=HYPERLINK("http://x","y")`, `=HYPERLINK("http://x","y")`},
		{"at the limit", strings.Repeat("a", 32767), strings.Repeat("a", 32767)},
		{"one over", strings.Repeat("a", 32768), strings.Repeat("a", 32767-keep) + marker},
		{"multi-byte at the limit", strings.Repeat("é", 32767), strings.Repeat("é", 32767)},
		{"surrogate pairs not split", "a" + strings.Repeat(emoji, 20000), "a" + strings.Repeat(emoji, (32767-keep-1)/2) + marker},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := cellText(tc.in)
			if got != tc.want {
				t.Errorf("cellText(%q) = %q; want %q", abbrev(tc.in), abbrev(got), abbrev(tc.want))
			}
			if n := utf16Len(got); n > 32767 {
				t.Errorf("utf16Len(cellText(%q)) = %d; want <= 32767", abbrev(tc.in), n)
			}
		})
	}
}
