package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/panos-mine/mine"
	"github.com/panos-mine/mine/report"
)

// handoffReport has findings for two owned subnets, one owned host name,
// one the run already gave a team, and some no one owns.
func handoffReport() *mine.Report {
	at := time.Date(2026, time.November, 20, 10, 0, 0, 0, time.UTC)
	fd := func(kind, dst, host, path string, status int, team string) mine.Finding {
		return mine.Finding{Kind: kind, Team: team, Destination: dst, Host: host, Port: 80, Path: path, Status: status,
			Count: 10, Sources: 2, Examples: []string{path}, Rules: []string{"catch-all"}, FirstSeen: at, LastSeen: at}
	}
	return &mine.Report{
		Generated: at, Window: mine.Window{From: at.Add(-7 * 24 * time.Hour), To: at},
		Device:   mine.DeviceReport{Hostname: "fw1"},
		CatchAll: []string{"catch-all"},
		Findings: []mine.Finding{
			fd(mine.FindingBrokenLink, "10.1.0.5", "", "/a/{id}", 404, ""),
			fd(mine.FindingServerError, "10.1.0.6", "", "/b", 500, ""),
			fd(mine.FindingBrokenLink, "10.2.0.9", "", "/c", 404, ""),
			fd(mine.FindingAuth, "10.9.9.9", "shop.corp.example", "/login", 401, ""),
			fd(mine.FindingServerError, "10.8.0.1", "", "/run-team", 502, "ops"),
			fd(mine.FindingBrokenLink, "10.7.0.1", "", `=HYPERLINK("http://x","y")`, 404, ""),
			fd(mine.FindingBrokenLink, "not-an-ip", "", "/odd", 404, ""),
		},
		CatchAllURLs: []mine.URLStat{
			{URL: "/ok", Status: 200, Destination: "10.1.0.5", Count: 5},
			{URL: "/a/1", Status: 404, Destination: "10.1.0.5", Count: 5},
			{URL: "/z", Status: 503, Destination: "10.7.0.1", Count: 5},
		},
		ScannerTargets: []mine.ScannerTarget{
			{Destination: "10.2.0.9", Scanners: []string{"192.0.2.1"}, ErrorResponses: 9, Recommendation: "block"},
			{Destination: "10.6.0.1", Scanners: []string{"192.0.2.1"}, ErrorResponses: 3, Recommendation: "block"},
		},
		Suggestions: []mine.Suggestion{{
			Name: "allow-web", Destination: []string{"10.1.0.5"},
			URLTemplates: []mine.URLTemplate{{Host: "10.1.0.5", Path: "/a/{id}", Count: 5}, {Host: "shop.corp.example", Path: "/cart", Count: 3}},
		}},
	}
}

const handoffOwners = `owners:
  10.1.0.0/16: web
  10.2.0.9: data
  "*.corp.example": shop
`

// TestReportHandoffSplit runs mine report --handoff and checks that every
// finding, failing URL, scanner target and URL template is in exactly one
// team's workbook, the right one.
func TestReportHandoffSplit(t *testing.T) {
	dir := t.TempDir()
	r := handoffReport()
	from := filepath.Join(dir, "report.json")
	f, err := os.Create(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := report.WriteJSON(f, r); err != nil {
		t.Fatal(err)
	}
	f.Close()
	owners := filepath.Join(dir, "owners.yaml")
	if err := os.WriteFile(owners, []byte(handoffOwners), 0o600); err != nil {
		t.Fatal(err)
	}
	outDir := filepath.Join(dir, "out")
	code, out, errs := runCLI(t, nil, "report", "--from", from, "--handoff", "--owners", owners, "--out-dir", outDir)
	if code != 0 {
		t.Fatalf("mine report --handoff = %d: %s", code, errs)
	}
	wantTeams := map[string]bool{"web": true, "data": true, "shop": true, "ops": true, "unassigned": true}
	files, _ := filepath.Glob(filepath.Join(outDir, "*.xlsx"))
	if len(files) != len(wantTeams) || strings.Count(out, ".xlsx") != len(wantTeams) {
		t.Fatalf("handoff wrote %q (stdout %q); want one workbook for each of %v", files, out, wantTeams)
	}

	// Where each item went: key -> teams of the workbooks that hold it.
	got := map[string][]string{}
	for _, path := range files {
		team := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(path), "handoff-"), ".xlsx")
		if !wantTeams[team] {
			t.Errorf("unexpected workbook %s", path)
		}
		book, err := excelize.OpenFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, sc := range []struct {
			sheet string
			key   func(row []string) string
		}{
			{"App Team Handoff", func(row []string) string {
				if row[0] != team {
					t.Errorf("%s: Team column = %q; want %q", path, row[0], team)
				}
				return "finding " + row[4] + " " + row[7]
			}},
			{"Catch-all URLs", func(row []string) string { return "url " + row[3] + " " + row[0] }},
			{"Scanner Targets", func(row []string) string { return "target " + row[0] }},
			{"URL Templates", func(row []string) string { return "template " + row[1] + " " + row[2] }},
		} {
			rows, err := book.GetRows(sc.sheet)
			if err != nil {
				t.Fatalf("%s: GetRows(%q) = %v", path, sc.sheet, err)
			}
			for _, row := range rows[1:] {
				for len(row) < 8 {
					row = append(row, "")
				}
				k := sc.key(row)
				got[k] = append(got[k], team)
			}
		}
		book.Close()
	}
	want := map[string][]string{
		"finding 10.1.0.5 /a/{id}":                    {"web"},
		"finding 10.1.0.6 /b":                         {"web"},
		"finding 10.2.0.9 /c":                         {"data"},
		"finding 10.9.9.9 /login":                     {"shop"},
		"finding 10.8.0.1 /run-team":                  {"ops"},
		`finding 10.7.0.1 =HYPERLINK("http://x","y")`: {"unassigned"},
		"finding not-an-ip /odd":                      {"unassigned"},
		"url 10.1.0.5 /a/1":                           {"web"},
		"url 10.7.0.1 /z":                             {"unassigned"},
		"target 10.2.0.9":                             {"data"},
		"target 10.6.0.1":                             {"unassigned"},
		"template 10.1.0.5 /a/{id}":                   {"web"},
		"template shop.corp.example /cart":            {"shop"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("items per team workbook:\n got %v\nwant %v", got, want)
	}
	// Every finding of the report, in exactly one workbook.
	n := 0
	for k, teams := range got {
		if strings.HasPrefix(k, "finding ") {
			n += len(teams)
		}
	}
	if n != len(r.Findings) {
		t.Errorf("handoff workbooks hold %d findings; want %d", n, len(r.Findings))
	}
}

func TestReportFullWorkbook(t *testing.T) {
	dir := t.TempDir()
	from := filepath.Join(dir, "report.json")
	f, err := os.Create(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := report.WriteJSON(f, handoffReport()); err != nil {
		t.Fatal(err)
	}
	f.Close()
	xlsx := filepath.Join(dir, "report.xlsx")
	if code, _, errs := runCLI(t, nil, "report", "--from", from, "--out", xlsx); code != 0 {
		t.Fatalf("mine report --out = %d: %s", code, errs)
	}
	book, err := excelize.OpenFile(xlsx)
	if err != nil {
		t.Fatal(err)
	}
	defer book.Close()
	sheets := book.GetSheetList()
	if want := []string{"Summary", "Suggested Rules", "Catch-all URLs", "Status Codes", "Rule Hit Counts"}; !slices.Equal(sheets[:5], want) {
		t.Errorf("sheets = %q; want %q first", sheets, want)
	}
	if !slices.Contains(sheets, "App Team Handoff") || !slices.Contains(sheets, "About") {
		t.Errorf("sheets = %q; want the full workbook", sheets)
	}
}

func TestReportUsage(t *testing.T) {
	for _, args := range [][]string{
		{"report"},
		{"report", "--from", "x.json"},
		{"report", "--from", "x.json", "--handoff", "--out-dir", "d"},
		{"report", "--from", filepath.Join(t.TempDir(), "missing.json"), "--out", "x.xlsx"},
		{"report", "--from", reportFile(t), "--out", filepath.Join(t.TempDir(), "x.xlsx"), "--db", filepath.Join(t.TempDir(), "none.db")},
	} {
		if code, _, errs := runCLI(t, nil, args...); code != exitUsage {
			t.Errorf("mine %v = %d (%s); want %d", args, code, errs, exitUsage)
		}
	}
}

func TestMatchOwner(t *testing.T) {
	owners := []mine.Owner{{Pattern: "10.1.0.0/16", Team: "web"}, {Pattern: "10.2.0.9", Team: "data"}, {Pattern: "*.corp.example", Team: "shop"}}
	for _, tc := range []struct{ dst, host, want string }{
		{"10.1.2.3", "", "web"},
		{"10.2.0.9", "", "data"},
		{"10.2.0.10", "", ""},
		{"", "Shop.Corp.Example:8443", "shop"},
		{"", "10.1.9.9", "web"},
		{"::ffff:10.1.0.1", "", "web"},
		{"", "", ""},
	} {
		if got := matchOwner(owners, tc.dst, tc.host); got != tc.want {
			t.Errorf("matchOwner(%q, %q) = %q; want %q", tc.dst, tc.host, got, tc.want)
		}
	}
}

// TestRenderScriptUsage checks the argument handling of
// scripts/render-report.sh without converting (or installing) anything.
func TestRenderScriptUsage(t *testing.T) {
	script, err := filepath.Abs("../../scripts/render-report.sh")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	for _, tc := range []struct {
		name string
		args []string
		code int
	}{
		{"no workbook", nil, 2},
		{"missing workbook", []string{filepath.Join(t.TempDir(), "none.xlsx")}, 2},
	} {
		cmd := exec.Command("bash", append([]string{script}, tc.args...)...)
		cmd.Env = append(os.Environ(), "MINE_RENDER_NO_INSTALL=1")
		err := cmd.Run()
		var ee *exec.ExitError
		if code := 0; !errors.As(err, &ee) || ee.ExitCode() != tc.code {
			if ee != nil {
				code = ee.ExitCode()
			}
			t.Errorf("%s: render-report.sh %q exit %d (%v); want %d", tc.name, tc.args, code, err, tc.code)
		}
	}
}

// reportFile writes handoffReport as JSON and returns its path.
func reportFile(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "report.json")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := report.WriteJSON(f, handoffReport()); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestReportWithHistory renders a two-week demo's JSON with its history:
// the Catch-all Trend sheet has one row per run, the Summary its charts,
// and Rule Hit Counts the hits since the previous run.
func TestReportWithHistory(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the two-week demo")
	}
	dir := t.TempDir()
	doc, db, xlsx := filepath.Join(dir, "r.json"), filepath.Join(dir, "h.db"), filepath.Join(dir, "r.xlsx")
	if code, _, errs := runCLI(t, nil, "-q", "demo", "--weeks", "2", "--out", "", "--json", doc, "--db", db); code != 0 {
		t.Fatalf("mine demo --weeks 2 = %d: %s", code, errs)
	}
	if code, _, errs := runCLI(t, nil, "-q", "report", "--from", doc, "--db", db, "--out", xlsx); code != 0 {
		t.Fatalf("mine report --db = %d: %s", code, errs)
	}
	book, err := excelize.OpenFile(xlsx)
	if err != nil {
		t.Fatal(err)
	}
	defer book.Close()
	rows, err := book.GetRows("Catch-all Trend")
	if err != nil || len(rows) != 3 {
		t.Errorf("GetRows(Catch-all Trend) = %d rows, %v; want a header and 2 runs", len(rows), err)
	}
	hits, err := book.GetRows("Rule Hit Counts")
	if err != nil || len(hits) < 2 || !slices.Contains(hits[0], "Hits Since Last Run") {
		t.Fatalf("GetRows(Rule Hit Counts) = %q, %v; want a Hits Since Last Run column", hits, err)
	}
	col := slices.Index(hits[0], "Hits Since Last Run")
	filled := 0
	for _, row := range hits[1:] {
		if col < len(row) && row[col] != "" {
			filled++
		}
	}
	if filled == 0 {
		t.Errorf("Rule Hit Counts has no hits since the last run; want them from the history")
	}
}
