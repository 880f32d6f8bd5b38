package report

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/olekukonko/tablewriter/pkg/twwidth"
	"github.com/xuri/excelize/v2"

	"github.com/panos-mine/mine"
)

func summary(t *testing.T, r *mine.Report) string {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteSummary(&buf, r); err != nil {
		t.Fatalf("WriteSummary() = %v; want nil", err)
	}
	return buf.String()
}

func TestWriteSummaryContents(t *testing.T) {
	r := testReport()
	out := summary(t, r)
	// Figures computed by hand from testReport: 9,876,543,210 bytes are
	// 9.9 GB; 700 of 1,100 catch-all responses are 2xx (63.6%); the
	// replay carries 6,800 of 7,700 sessions (88.3%), 200 depend on a user
	// (2.6%), 700 stay (9.1%), 100 of them the scanner's (1.3%).
	want := []string{
		"legacy-allow-tcp-any: NOT READY",
		"The catch-all is still in use",
		"Ordinary clients still use it: 7,400 sessions in 7 days",
		"Its hit counter could not be read",
		"Next: Move what stays on the catch-all (Coverage sheet) to App-ID rules",
		"mine readiness --host fw-edge-01",
		"fw-edge-01", "PA-3220", "013201001234", "11.1.4-h7", "Europe/Athens",
		"2026-11-16 06:30 to 2026-11-23 06:30 (7 days)",
		"7,700 (7,400 from ordinary clients)",
		"120,345", "9.9 GB",
		"2xx", "4xx", "5xx", "63.6%",
		"allow-intranet-web", "allow-ldap-dc", "dc01.example.net", "5,000",
		"Scanners",
		"88.3% carried by rules, 2.6% depends on users or",
		"9.1% stays on the catch-all (1.3% scanners)",
		"App team findings",
		"(left out to fit 80 columns: Ports, URLs; the workbook has them)",
	}
	for _, s := range want {
		if !strings.Contains(out, s) {
			t.Errorf("WriteSummary(testReport) does not contain %q:\n%s", s, out)
		}
	}
}

func TestWriteSummaryLayout(t *testing.T) {
	many := testReport()
	for range 12 {
		many.Suggestions = append(many.Suggestions, many.Suggestions[1])
	}
	tests := []struct {
		name     string
		r        *mine.Report
		contains []string
		absent   []string
	}{
		{"full", testReport(), nil, nil},
		{"wide", wideReport(), []string{"-forever", "-finance-department-app", "left out to fit 80 columns: Destination, Ports, URLs"}, []string{"\x1b", "\x07", "\u202e"}},
		{"many suggestions", many, []string{"first 10 of 14"}, nil},
		{"empty", &mine.Report{}, []string{"none", "No HTTP responses", "None:"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := summary(t, tc.r)
			for i, line := range strings.Split(out, "\n") {
				if w := twwidth.Width(line); w > TerminalWidth {
					t.Errorf("WriteSummary(%s) line %d is %d columns wide; want <= %d:\n%s", tc.name, i+1, w, TerminalWidth, line)
				}
				for _, r := range line {
					if unicode.IsControl(r) {
						t.Errorf("WriteSummary(%s) line %d contains control character %U; want none", tc.name, i+1, r)
					}
				}
			}
			for _, s := range tc.contains {
				if !strings.Contains(out, s) {
					t.Errorf("WriteSummary(%s) does not contain %q:\n%s", tc.name, s, out)
				}
			}
			for _, s := range tc.absent {
				if strings.Contains(out, s) {
					t.Errorf("WriteSummary(%s) contains %q; want it stripped", tc.name, s)
				}
			}
		})
	}
}

type failingWriter struct{}

var errWrite = errors.New("disk full")

func (failingWriter) Write([]byte) (int, error) { return 0, errWrite }

func TestWriteSummaryErrors(t *testing.T) {
	tests := []struct {
		name string
		w    io.Writer
		r    *mine.Report
		want error
	}{
		{"nil report", io.Discard, nil, nil},
		{"writer fails", failingWriter{}, testReport(), errWrite},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := WriteSummary(tc.w, tc.r)
			if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
				t.Errorf("WriteSummary(%s) = %v; want an error wrapping %v", tc.name, err, tc.want)
			}
		})
	}
}

func TestWrap(t *testing.T) {
	tests := []struct {
		in    string
		width int
		want  string
	}{
		{"short", 10, "short"},
		{"a b c d", 3, "a b\nc d"},
		{"10.1.2.10, 10.1.2.11", 11, "10.1.2.10,\n10.1.2.11"},
		{"abcdefghij", 4, "abcd\nefgh\nij"},
		{"ab abcdefgh", 4, "ab\nabcd\nefgh"},
	}
	for _, tc := range tests {
		if got := wrap(tc.in, tc.width); got != tc.want {
			t.Errorf("wrap(%q, %d) = %q; want %q", tc.in, tc.width, got, tc.want)
		}
	}
}

func TestTerm(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain-rule", "plain-rule"},
		{"red\x1b[31m", "red\uFFFD[31m"},
		{"a\tb\nc\rd", "a b c d"},
		{"rtl\u202eevil", "rtl\uFFFDevil"},
		{"bad\xffutf8", "bad\uFFFDutf8"},
	}
	for _, tc := range tests {
		if got := term(tc.in); got != tc.want {
			t.Errorf("term(%q) = %q; want %q", tc.in, got, tc.want)
		}
	}
}

func TestFitColumns(t *testing.T) {
	long := strings.Repeat("word ", 30) // 150 columns of prose
	tests := []struct {
		name      string
		cols      []Column
		rows      [][]string
		total     int
		keep      []int
		widths    []int
		wantLines []string // lines of the rendered table that must appear
	}{
		{"fits as it is", Columns("a", "b"), [][]string{{"x", "yy"}}, 80, []int{0, 1}, []int{1, 2}, nil},
		// 30+30+10 = 70 content, 6 padding, 4 borders = 80: no drop
		{"exactly 80", Columns("a", "b", "c"), [][]string{{strings.Repeat("a", 30), strings.Repeat("b", 30), strings.Repeat("c", 10)}}, 80,
			[]int{0, 1, 2}, []int{30, 30, 10}, nil},
		// one more column makes 81: the droppable one goes, the highest Drop first
		{"drops the highest Drop first", []Column{{Header: "a"}, {Header: "b", Drop: 1}, {Header: "c", Drop: 2}, {Header: "d"}},
			[][]string{{strings.Repeat("a", 30), strings.Repeat("b", 30), strings.Repeat("c", 10), "d"}}, 80,
			[]int{0, 1, 3}, []int{30, 30, 1}, nil},
		// prose wraps at what is left: 80 - 4 borders - 6 padding - 5 - 2 = 63
		{"wraps prose", []Column{{Header: "rule"}, {Header: "evidence"}, {Header: "n", Right: true}}, [][]string{{"Allow", long, "12"}}, 80,
			[]int{0, 1, 2}, []int{5, 63, 2}, nil},
		// 40 - 3 borders - 4 padding = 33: both cut to 16, the widest
		// common width that fits
		{"cuts with a marker", []Column{{Header: "name", Cut: true}, {Header: "prose"}}, [][]string{{strings.Repeat("n", 70), long}}, 40,
			[]int{0, 1}, []int{16, 16}, []string{"│ " + strings.Repeat("n", 15) + "… │"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			keep, widths := fitColumns(tc.cols, tc.rows, tc.total)
			if !slices.Equal(keep, tc.keep) || !slices.Equal(widths, tc.widths) {
				t.Errorf("fitColumns() = %v, %v; want %v, %v", keep, widths, tc.keep, tc.widths)
			}
			var buf bytes.Buffer
			sw := &stickyWriter{w: &buf, width: tc.total}
			sw.table(tc.cols, tc.rows)
			for _, line := range strings.Split(strings.TrimRight(buf.String(), "\n"), "\n") {
				if w := twwidth.Width(line); w > tc.total {
					t.Errorf("line %q is %d wide; want <= %d", line, w, tc.total)
				}
			}
			for _, want := range tc.wantLines {
				if !strings.Contains(buf.String(), want) {
					t.Errorf("table lacks %q:\n%s", want, buf.String())
				}
			}
		})
	}
}

func TestBanners(t *testing.T) {
	ready := &mine.Report{Device: mine.DeviceReport{Hostname: "fw1"}, Window: mine.Window{From: at(1, 0), To: at(31, 0)},
		Totals:    mine.Totals{CatchAllSessions: 794, CatchAllClientSessions: 0},
		Scanners:  []mine.Scanner{{Source: "a"}, {Source: "b"}},
		Readiness: []mine.Readiness{{Rule: "CA", Verdict: mine.VerdictReady}}}
	noLogs := &mine.Report{Window: mine.Window{From: at(1, 0), To: at(8, 0)},
		Readiness: []mine.Readiness{{Rule: "CA", Verdict: mine.VerdictInsufficientEvidence, Criteria: []mine.Criterion{
			{Name: "window-length", Result: mine.ResultFail}, {Name: "signatures-logging", Result: mine.ResultFail}}}}}
	tests := []struct {
		name   string
		r      *mine.Report
		label  string
		reason []string // the reasons start with these, in order
		next   string
	}{
		{"ready, scanners only", ready, "READY", []string{"Every readiness criterion passes", "What still reaches the catch-all comes from scanners only: 794 sessions, none from ordinary clients (2 scanners detected)"},
			"Re-check first: mine readiness --host fw1"},
		{"no status logs: the signatures first", noLogs, "NOT ENOUGH EVIDENCE",
			[]string{"The firewall logged no HTTP status codes", "The evidence covers 7 days"}, "Deploy the signatures, then check they log: mine signatures deploy --host FIREWALL"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			bs := banners(tc.r)
			if len(bs) != 1 {
				t.Fatalf("banners() = %d; want 1", len(bs))
			}
			b := bs[0]
			if b.label != tc.label || len(b.reasons) != len(tc.reason) || !strings.Contains(b.next, tc.next) {
				t.Fatalf("banner = %+v; want %s with %d reasons and next %q", b, tc.label, len(tc.reason), tc.next)
			}
			for i, want := range tc.reason {
				if !strings.HasPrefix(b.reasons[i], want) {
					t.Errorf("reason %d = %q; want it to start %q", i, b.reasons[i], want)
				}
			}
		})
	}
}

// An import's counts are on the summary and on the About sheet, reasons
// most first.
func TestImportSummaryShown(t *testing.T) {
	r := testReport()
	r.Import = &mine.ImportSummary{Files: 2, Lines: 1234, Threat: 1000, Traffic: 200, Duplicates: 7,
		Skipped: map[string]int64{"system": 3, "url": 20}, Bad: map[string]int64{"bad_time": 2, "unknown_type": 2, "bad_number": 5},
		TimeZone: "Europe/Berlin (--device-tz) for 1200 records"}
	out := summary(t, r)
	for _, s := range []string{"2 files, 1234 lines", "1000 threat, 200 traffic, 7 duplicates", "url 20, system 3",
		"bad_number 5, bad_time 2, unknown_type 2", "Europe/Berlin (--device-tz)"} {
		if !strings.Contains(out, s) {
			t.Errorf("summary does not contain %q:\n%s", s, out)
		}
	}
	rows := aboutRows(t, r)
	got := map[string]string{}
	for _, row := range rows {
		if len(row) >= 2 {
			got[row[0]] = row[1]
		}
	}
	for k, v := range map[string]string{"Imported from": "2 files, 1234 lines (exported logs, not the device)",
		"Imported records": "1000 threat, 200 traffic, 7 duplicates dropped", "Lines skipped": "url 20, system 3",
		"Lines unreadable": "bad_number 5, bad_time 2, unknown_type 2", "Log times": "Europe/Berlin (--device-tz) for 1200 records"} {
		if got[k] != v {
			t.Errorf("About %q = %q; want %q", k, got[k], v)
		}
	}
	for _, row := range aboutRows(t, testReport()) {
		if len(row) > 0 && strings.HasPrefix(row[0], "Import") {
			t.Errorf("a device report's About sheet has %q", row[0])
		}
	}
}

// aboutRows writes the workbook as mine run does and reads its About sheet.
func aboutRows(t *testing.T, r *mine.Report) [][]string {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteWorkbookWith(&buf, r, Options{}); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("About")
	if err != nil {
		t.Fatal(err)
	}
	return rows
}
