package report

import (
	"bytes"
	"errors"
	"io"
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
	want := []string{
		"fw-edge-01", "PA-3220", "013201001234", "11.1.4-h7", "Europe/Athens",
		"2026-11-16 06:30:15 to 2026-11-23 06:30:15 (7d)",
		"legacy-allow-tcp-any",
		"120,345", "9,876,543,210",
		"2xx", "4xx", "5xx", "63.6%",
		"allow-intranet-web", "allow-ldap-dc", "dc01.example.net", "80, 443", "5,000",
		"Scanners",
		"90.9% carried by rules, 9.1% stays on the catch-all",
		"App team findings",
		"legacy-allow-tcp-any: not-ready; open: residual below 1% (fail)",
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
		{"wide", wideReport(), []string{"-forever", "app.finance.example.ne"}, []string{"\x1b", "\x07", "\u202e"}},
		{"many suggestions", many, []string{"first 10 of 14"}, nil},
		{"empty", &mine.Report{}, []string{"none", "No HTTP responses", "None:"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := summary(t, tc.r)
			for i, line := range strings.Split(out, "\n") {
				if w := twwidth.Width(line); w > 100 {
					t.Errorf("WriteSummary(%s) line %d is %d columns wide; want <= 100:\n%s", tc.name, i+1, w, line)
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

// An import's counts are on the summary and on the About sheet, reasons
// most first.
func TestImportSummaryShown(t *testing.T) {
	r := testReport()
	r.Import = &mine.ImportSummary{Files: 2, Lines: 1234, Threat: 1000, Traffic: 200, Duplicates: 7,
		Skipped: map[string]int64{"system": 3, "url": 20}, Bad: map[string]int64{"bad_time": 2, "unknown_type": 2, "bad_number": 5},
		TimeZone: "Europe/Berlin (--device-tz) for 1200 records"}
	out := summary(t, r)
	for _, s := range []string{"2 files, 1234 lines: 1000 threat, 200 traffic, 7 duplicates", "url 20, system 3",
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
