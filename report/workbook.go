package report

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/panos-mine/mine"
	"github.com/xuri/excelize/v2"
)

// WriteWorkbook writes the analysis as an .xlsx workbook to w. The workbook
// has the sheets Summary, Suggested Rules, Catch-all URLs, Status Codes and
// Rule Hit Counts, in that order; each data sheet is one Excel table with a
// frozen header row. Strings from the report are stored as text, never as
// formulas, and cut to Excel's cell limit with a visible marker; times are
// date cells in UTC.
//
// It returns an error when r is nil, when the workbook cannot be built, or
// the error of w.
func WriteWorkbook(w io.Writer, r *mine.Report) (err error) {
	if r == nil {
		return errors.New("write workbook: nil report")
	}
	f := excelize.NewFile()
	defer func() {
		// Close removes the stream writers' temporary files.
		if cerr := f.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("write workbook: %w", cerr)
		}
	}()
	if err := build(f, r); err != nil {
		return fmt.Errorf("write workbook: %w", err)
	}
	if _, err := f.WriteTo(w); err != nil {
		return fmt.Errorf("write workbook: %w", err)
	}
	return nil
}

// WriteWorkbookFile writes the workbook to path atomically: it writes a
// temporary file in the same directory and renames it over path, so path
// holds either its previous content or the whole new workbook, never a part
// of it. A file that already exists at path keeps its permissions; a new one
// gets 0644.
//
// It returns an error when the workbook cannot be built, or the file cannot
// be written or renamed; the temporary file is removed in every case.
func WriteWorkbookFile(path string, r *mine.Report) (err error) {
	mode := fs.FileMode(0o644)
	if fi, err := os.Stat(path); err == nil {
		if !fi.Mode().IsRegular() {
			return fmt.Errorf("write workbook %s: not a regular file", path)
		}
		mode = fi.Mode().Perm()
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".*.tmp")
	if err != nil {
		return fmt.Errorf("write workbook %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			_ = tmp.Close() // already failed; the first error is the one to report
			_ = os.Remove(tmp.Name())
		}
	}()
	if err := WriteWorkbook(tmp, r); err != nil {
		return fmt.Errorf("%w (to %s)", err, path)
	}
	if err := tmp.Chmod(mode); err != nil {
		return fmt.Errorf("write workbook %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("write workbook %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write workbook %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write workbook %s: %w", path, err)
	}
	return nil
}

// build fills the new file f with the sheets of r.
func build(f *excelize.File, r *mine.Report) error {
	props := &excelize.DocProperties{
		Title:   "mine catch-all report",
		Creator: "mine",
	}
	if !r.Generated.IsZero() {
		// A fixed time, not the excelize template's, and not the clock.
		props.Created = r.Generated.UTC().Format(time.RFC3339)
		props.Modified = props.Created
	}
	if err := f.SetDocProps(props); err != nil {
		return fmt.Errorf("set document properties: %w", err)
	}
	// NewFile starts with "Sheet1": it becomes the Summary, so no default
	// sheet is left behind.
	if err := f.SetSheetName(f.GetSheetName(0), sheetSummary); err != nil {
		return fmt.Errorf("name summary sheet: %w", err)
	}
	st, err := newStyles(f)
	if err != nil {
		return err
	}
	sheets := dataSheets(r)
	var cut []string
	for _, ds := range sheets {
		if _, err := f.NewSheet(ds.name); err != nil {
			return fmt.Errorf("add sheet %q: %w", ds.name, err)
		}
		n, err := ds.write(f, st)
		if err != nil {
			return err
		}
		if n < ds.n {
			cut = append(cut, fmt.Sprintf("%s: first %d of %d rows", ds.name, n, ds.n))
		}
	}
	if err := writeSummarySheet(f, st, r, cut); err != nil {
		return fmt.Errorf("write sheet %q: %w", sheetSummary, err)
	}
	f.SetActiveSheet(0)
	return nil
}

// sheetLinks describes the data sheets on the Summary sheet.
var sheetLinks = []struct{ sheet, about string }{
	{sheetSuggestions, "App-ID rules that would carry, above the catch-all, traffic only the catch-all allows today"},
	{sheetCatchAllURLs, "URLs answered through the catch-all, per status code"},
	{sheetStatusCodes, "HTTP responses per status code, all rules and catch-all"},
	{sheetHitCounts, "security rule hit counters, in rulebase order"},
}

// writeSummarySheet writes the key/value block of the Summary sheet. It is
// small, so it uses the cell API, which also allows hyperlinks.
func writeSummarySheet(f *excelize.File, st *styles, r *mine.Report, cut []string) error {
	const sh = sheetSummary
	row := 1
	cell := func(col string) string { return fmt.Sprintf("%s%d", col, row) }

	if err := f.SetCellStr(sh, cell("A"), "mine catch-all report"); err != nil {
		return err
	}
	if err := f.SetCellStyle(sh, cell("A"), cell("A"), st.title); err != nil {
		return err
	}
	row += 2

	// key writes a key in column A and returns the value cell of its row.
	key := func(k string) (string, error) {
		defer func() { row++ }()
		if err := f.SetCellStr(sh, cell("A"), k); err != nil {
			return "", err
		}
		return cell("B"), f.SetCellStyle(sh, cell("A"), cell("A"), st.key)
	}
	text := func(k, v string) error {
		c, err := key(k)
		if err != nil || v == "" {
			return err
		}
		if err := f.SetCellStr(sh, c, cellText(v)); err != nil {
			return err
		}
		return f.SetCellStyle(sh, c, c, st.text)
	}
	count := func(k string, v int64) error {
		c, err := key(k)
		if err != nil {
			return err
		}
		if err := f.SetCellInt(sh, c, v); err != nil {
			return err
		}
		return f.SetCellStyle(sh, c, c, st.count)
	}
	date := func(k string, t time.Time) error {
		c, err := key(k)
		if err != nil || t.IsZero() {
			return err
		}
		if err := f.SetCellValue(sh, c, t.UTC()); err != nil {
			return err
		}
		return f.SetCellStyle(sh, c, c, st.date)
	}

	d, tot := r.Device, r.Totals
	steps := []func() error{
		func() error { return date("Generated (UTC)", r.Generated) },
		func() error { return text("Device", d.Hostname) },
		func() error { return text("Serial", d.Serial) },
		func() error { return text("Model", d.Model) },
		func() error { return text("PAN-OS", d.SWVersion) },
		func() error { return text("Panorama", yesNo(d.Panorama)) },
		func() error { return text("Time zone", d.TimeZone) },
		func() error { return date("Window from (UTC)", r.Window.From) },
		func() error { return date("Window to (UTC)", r.Window.To) },
		func() error { return text("Catch-all rules", list(r.CatchAll)) },
		func() error { return count("HTTP status logs", tot.ThreatLogs) },
		func() error { return count("HTTP responses", tot.Responses) },
		func() error { return count("Catch-all HTTP responses", tot.CatchAllResponses) },
		func() error { return count("Catch-all traffic logs", tot.TrafficLogs) },
		func() error { return count("Catch-all sessions", tot.CatchAllSessions) },
		func() error { return count("Catch-all bytes", tot.CatchAllBytes) },
		func() error { return count("Catch-all distinct URLs", int64(tot.DistinctURLs)) },
		func() error { return count("Catch-all responses to scanners", tot.ScannerResponses) },
		func() error { return count("Suggested rules", int64(len(r.Suggestions))) },
		func() error { return count("Scanners", int64(len(r.Scanners))) },
	}
	if len(cut) > 0 {
		steps = append(steps, func() error {
			return text("Rows left out (sheet full)", strings.Join(cut, "; "))
		})
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}

	row++
	if _, err := key("Sheets"); err != nil {
		return err
	}
	for _, l := range sheetLinks {
		if err := f.SetCellStr(sh, cell("A"), l.sheet); err != nil {
			return err
		}
		target := "'" + l.sheet + "'!A1"
		if err := f.SetCellHyperLink(sh, cell("A"), target, "Location"); err != nil {
			return err
		}
		if err := f.SetCellStyle(sh, cell("A"), cell("A"), st.link); err != nil {
			return err
		}
		if err := f.SetCellStr(sh, cell("B"), l.about); err != nil {
			return err
		}
		row++
	}

	if err := f.SetColWidth(sh, "A", "A", 32); err != nil {
		return err
	}
	return f.SetColWidth(sh, "B", "B", 60)
}
