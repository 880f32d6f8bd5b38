package report

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/panos-mine/mine"
	"github.com/xuri/excelize/v2"
)

// Layout chooses the sheets of a workbook.
type Layout int

const (
	// LayoutFull is every sheet: Summary, Suggested Rules, Catch-all URLs,
	// Status Codes, Rule Hit Counts, Coverage, App Team Handoff, Scanners,
	// Scanner Targets, URL Templates, Readiness, Custom App-ID Candidates,
	// Catch-all Trend and About, in that order.
	LayoutFull Layout = iota
	// LayoutClassic is the first five sheets of LayoutFull, the layout
	// WriteWorkbook has always written.
	LayoutClassic
	// LayoutHandoff is the workbook an application team gets: Summary,
	// Catch-all URLs, App Team Handoff, Scanner Targets, URL Templates and
	// About.
	LayoutHandoff
)

// Options say what a workbook holds beyond the report.
type Options struct {
	Layout Layout
	// Title replaces the Summary's title; a handoff workbook names its
	// team.
	Title string
	// Deltas are the rule hit deltas of the run against the previous
	// snapshot, from the history; they fill the Weekly Hits column of Rule
	// Hit Counts, which stays blank without them.
	Deltas []mine.HitDelta
	// Trend is the target's runs from the history, oldest first: the
	// Catch-all Trend sheet and the Summary's charts. Without it the sheet
	// is empty and the Summary has no charts.
	Trend []mine.TrendPoint

	// rowLimit, when above 0, replaces Excel's row limit so tests can
	// make a sheet continue without writing a million rows.
	rowLimit int
}

// WriteWorkbook writes the analysis as an .xlsx workbook to w, in
// LayoutClassic. It is WriteWorkbookWith with that layout.
func WriteWorkbook(w io.Writer, r *mine.Report) error {
	return WriteWorkbookWith(w, r, Options{Layout: LayoutClassic})
}

// WriteWorkbookWith writes the analysis as an .xlsx workbook to w, with the
// sheets opt.Layout names. Each data sheet is one Excel table with filters
// and a frozen header row; a sheet with more rows than Excel allows
// continues on "Name (2)". Strings from the report are stored as text,
// never as formulas, and cut to Excel's cell limit with a visible marker;
// times are date cells in UTC.
//
// It returns an error when r is nil, when the workbook cannot be built, or
// the error of w.
func WriteWorkbookWith(w io.Writer, r *mine.Report, opt Options) (err error) {
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
	if err := build(f, r, opt); err != nil {
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
func WriteWorkbookFile(path string, r *mine.Report) error {
	return WriteWorkbookFileWith(path, r, Options{Layout: LayoutClassic})
}

// WriteWorkbookFileWith is WriteWorkbookFile with the sheets and extras of
// opt, as WriteWorkbookWith has them.
func WriteWorkbookFileWith(path string, r *mine.Report, opt Options) (err error) {
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
	// Build in memory first: the temporary file exists only while bytes go
	// to disk, so a run killed while building leaves nothing behind.
	var buf bytes.Buffer
	if err := WriteWorkbookWith(&buf, r, opt); err != nil {
		return fmt.Errorf("%w (to %s)", err, path)
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
	if _, err := tmp.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("write workbook %s: %w", path, err)
	}
	removeStaleTemps(dir, base, tmp.Name())
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

// removeStaleTemps removes the temporary files that earlier runs, killed
// while writing this workbook, left: those older than ours by staleTemp
// (file times, no clock read), so a run writing it now keeps its own.
func removeStaleTemps(dir, base, ours string) {
	me, err := os.Stat(ours)
	if err != nil {
		return
	}
	m, _ := filepath.Glob(filepath.Join(dir, "."+globEscape(base)+".*.tmp"))
	for _, f := range m {
		if fi, err := os.Stat(f); err == nil && f != ours && fi.Mode().IsRegular() && me.ModTime().Sub(fi.ModTime()) > staleTemp {
			_ = os.Remove(f)
		}
	}
}

// staleTemp is how old a temporary workbook must be to count as left by a
// killed run.
const staleTemp = 10 * time.Minute

func globEscape(s string) string {
	r := strings.NewReplacer("*", "\\*", "?", "\\?", "[", "\\[", "\\", "\\\\")
	return r.Replace(s)
}

// build fills the new file f with the sheets of r.
func build(f *excelize.File, r *mine.Report, opt Options) error {
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
	var links []sheetLink
	var continued []string
	for _, ds := range dataSheets(r, opt) {
		ds.limit = opt.rowLimit
		parts := ds.parts()
		for i, p := range parts {
			if _, err := f.NewSheet(p.name); err != nil {
				return fmt.Errorf("add sheet %q: %w", p.name, err)
			}
			if err := p.write(f, st); err != nil {
				return err
			}
			about := describeSheet(ds.name)
			if i > 0 {
				about = fmt.Sprintf("continuation %d of %s", i+1, ds.name)
				continued = append(continued, p.name)
			}
			links = append(links, sheetLink{p.name, about})
		}
	}
	if err := writeSummarySheet(f, st, r, opt, links, continued); err != nil {
		return fmt.Errorf("write sheet %q: %w", sheetSummary, err)
	}
	f.SetActiveSheet(0)
	return nil
}

// pageWidth is how many characters of column width a landscape page
// prints at a readable scale (about 70%).
const pageWidth = 200

// printSetup prints a data sheet landscape, scaled to as many pages across
// as its columns need at a readable size (one for most sheets), the header
// row on every page and, when the sheet spans pages across, its first
// column too, so each page says what its rows are.
func printSetup(f *excelize.File, sheet string, widths []float64) error {
	total := 0.0
	for _, w := range widths {
		total += w
	}
	across := max(1, int(math.Ceil(total/pageWidth)))
	fit := true
	if err := f.SetSheetProps(sheet, &excelize.SheetPropsOptions{FitToPage: &fit}); err != nil {
		return err
	}
	landscape, tall := "landscape", 0
	if err := f.SetPageLayout(sheet, &excelize.PageLayoutOptions{Orientation: &landscape, FitToWidth: &across, FitToHeight: &tall}); err != nil {
		return err
	}
	quoted := "'" + strings.ReplaceAll(sheet, "'", "''") + "'"
	titles := quoted + "!$1:$1"
	if across > 1 {
		titles = quoted + "!$A:$A," + titles
	}
	return f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", RefersTo: titles, Scope: sheet})
}

// sheetLink is a sheet the Summary links to, with what it shows.
type sheetLink struct{ sheet, about string }

// sheetDescriptions say what each sheet shows and how to read it.
var sheetDescriptions = map[string]string{
	sheetSuggestions:    "App-ID rules that would carry, above the catch-all, traffic only the catch-all allows today; what to decide on first, the evidence after; Set Commands and XML create them disabled",
	sheetCatchAllURLs:   "URLs answered through the catch-all, per status code; filter Class for 4xx/5xx, Scanner for probes",
	sheetStatusCodes:    "HTTP responses per status code, all rules and catch-all, with each code's share of the catch-all's responses",
	sheetHitCounts:      "security rule hit counters, in rulebase order, with the week's hits (from history) and days since the last hit",
	sheetCoverage:       "what-if replay: what each rule would carry (carried), what depends on a user or URL category the logs do not tell, and what would stay on the catch-all (residual), with why",
	sheetHandoff:        "items for application teams: URL templates answering errors to ordinary clients; filter Team",
	sheetScanners:       "sources that swept servers for paths that do not exist, and why they were called scanners",
	sheetScannerTargets: "destinations scanners probed, with what to do about each",
	sheetURLTemplates:   "the routes behind each suggested rule: URL paths with variable parts as placeholders",
	sheetReadiness:      "the verdict on retiring each catch-all rule: every criterion with its result and evidence",
	sheetCustomApps:     "internal applications seen as generic web traffic that a custom App-ID could name",
	sheetAbout:          "where the report comes from and how to read each sheet",
	sheetApps:           "the catch-all's traffic per application (scanners left out): sessions and bytes from traffic logs, responses per status class; not HTTP-visible means no response was ever seen (ssl without decryption, ssh, databases)",
	sheetDaily:          "every UTC day: HTTP responses of all rules per status class, and the catch-all's sessions and responses of ordinary clients and scanners; the Summary charts the catch-all's whole days",
	sheetTrend:          "the catch-all's use per run from the history, oldest first: hits, client sessions, responses per status class, verdict",
}

func describeSheet(name string) string { return sheetDescriptions[name] }
