package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/panos-mine/mine/report"
)

// demoBook is a workbook the demo wrote, with the JSON of the same report.
type demoBook struct {
	name, xlsx string
	doc        struct {
		Totals struct {
			TrafficLogs int64 `json:"traffic_logs"`
		} `json:"totals"`
		Daily []struct {
			Partial bool  `json:"partial"`
			OK      int64 `json:"responses_2xx"`
			Redir   int64 `json:"responses_3xx"`
			Client  int64 `json:"responses_4xx"`
			Server  int64 `json:"responses_5xx"`
			Scanner int64 `json:"scanner_responses"`
		} `json:"catch_all_daily"`
		Destinations []struct {
			Sessions int64 `json:"sessions"`
		} `json:"catch_all_destinations"`
		Coverage struct {
			Total int64 `json:"total"`
		} `json:"coverage"`
		Readiness []struct {
			Rule    string `json:"rule"`
			Verdict string `json:"verdict"`
		} `json:"readiness"`
	}
	history bool // the workbook has the history's trend
}

// wantCharts counts the charts the Summary must draw for this report,
// from its JSON: the weekly trend (from the history, or the window's
// sessions when there are traffic logs), the responses of the whole days
// when there are any, the destinations of ordinary clients when there
// are any, and the coverage when something was replayed.
func (b *demoBook) wantCharts() int {
	n := 0
	if b.history || b.doc.Totals.TrafficLogs > 0 {
		n++
	}
	var responses int64
	for _, d := range b.doc.Daily {
		if !d.Partial {
			responses += d.OK + d.Redir + d.Client + d.Server + d.Scanner
		}
	}
	if responses > 0 {
		n++
	}
	for _, d := range b.doc.Destinations {
		if d.Sessions > 0 {
			n++
			break
		}
	}
	if b.doc.Coverage.Total > 0 {
		n++
	}
	return n
}

// demoBooks runs the demo and the four-week demo and returns their
// workbooks.
func demoBooks(t *testing.T) []*demoBook {
	t.Helper()
	dir := t.TempDir()
	books := []*demoBook{
		{name: "demo", xlsx: filepath.Join(dir, "demo.xlsx")},
		{name: "demo --weeks 4", xlsx: filepath.Join(dir, "weeks.xlsx"), history: true},
	}
	for _, b := range books {
		args := []string{"demo", "--out", b.xlsx, "--json", strings.TrimSuffix(b.xlsx, ".xlsx") + ".json", "-q"}
		if b.history {
			args = append(args, "--weeks", "4")
		}
		if code, _, errs := runCLI(t, nil, args...); code != 0 {
			t.Fatalf("mine %v = %d: %s", args, code, errs)
		}
		raw, err := os.ReadFile(strings.TrimSuffix(b.xlsx, ".xlsx") + ".json")
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, &b.doc); err != nil {
			t.Fatal(err)
		}
	}
	return books
}

// checkPlacement checks the charts of a workbook, as mine wrote it or as
// LibreOffice saved it again: as many as the report calls for, all on the
// Summary, none over a cell with text.
func checkPlacement(t *testing.T, what, path string, want int) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	places, problems, err := report.CheckCharts(raw)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if len(places) != want {
		t.Errorf("%s has %d charts %v; want %d", what, len(places), places, want)
	}
	for _, p := range places {
		if p.Sheet != "Summary" {
			t.Errorf("%s: a chart at %s, not on the Summary", what, p)
		}
	}
	for _, p := range problems {
		t.Errorf("%s: %s", what, p)
	}
}

// The demo and four-week workbooks as mine writes them: the charts the
// report calls for, none covering text. This runs everywhere, CI included.
func TestDemoWorkbookCharts(t *testing.T) {
	for _, b := range demoBooks(t) {
		checkPlacement(t, b.name, b.xlsx, b.wantCharts())
	}
}

// The same workbooks as LibreOffice lays them out: saved again by it (its
// own anchors, from its own row heights and column widths) they keep every
// chart clear of text, and rendered to pages with scripts/render-report.sh
// the Summary's first pages show each chart's title and the verdict.
func TestDemoWorkbookRendered(t *testing.T) {
	soffice, err := exec.LookPath("soffice")
	if err != nil {
		soffice, err = exec.LookPath("libreoffice")
	}
	_, perr := exec.LookPath("pdftotext")
	if err != nil || perr != nil {
		t.Skip("LibreOffice (soffice) or poppler-utils (pdftotext) is not installed: the rendering is not checked; " +
			"apt-get install libreoffice-calc poppler-utils to check it")
	}
	script, err := filepath.Abs(filepath.Join("..", "..", "scripts", "render-report.sh"))
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range demoBooks(t) {
		t.Run(b.name, func(t *testing.T) {
			out := t.TempDir()
			// LibreOffice's own save of the workbook.
			profile := t.TempDir()
			conv := exec.Command(soffice, "-env:UserInstallation=file://"+profile, "--headless", "--norestore",
				"--convert-to", "xlsx", "--outdir", out, b.xlsx)
			if msg, err := conv.CombinedOutput(); err != nil {
				t.Fatalf("soffice --convert-to xlsx: %v\n%s", err, msg)
			}
			checkPlacement(t, b.name+" saved by LibreOffice", filepath.Join(out, filepath.Base(b.xlsx)), b.wantCharts())

			// The pages, as scripts/render-report.sh draws them.
			render := exec.Command(script, b.xlsx, out)
			render.Env = append(os.Environ(), "MINE_RENDER_NO_INSTALL=1")
			msg, err := render.CombinedOutput()
			if err != nil {
				t.Fatalf("render-report.sh: %v\n%s", err, msg)
			}
			pdf := strings.TrimSuffix(filepath.Join(out, filepath.Base(b.xlsx)), ".xlsx") + ".pdf"
			pngs, _ := filepath.Glob(strings.TrimSuffix(pdf, ".pdf") + "-*.png")
			if len(pngs) < 2 {
				t.Errorf("render-report.sh wrote %d pages; want the Summary's and the sheets'", len(pngs))
			}
			text, err := exec.Command("pdftotext", "-f", "1", "-l", "2", "-layout", pdf, "-").Output()
			if err != nil {
				t.Fatal(err)
			}
			summary := string(text)
			for _, rd := range b.doc.Readiness {
				if want := rd.Rule + ": " + report.VerdictLabel(rd.Verdict) + "."; !strings.Contains(summary, want) {
					t.Errorf("the Summary's pages lack the banner %q:\n%s", want, summary)
				}
			}
			titles := 0
			for _, title := range []string{"Catch-all use per week, from the history", "Catch-all sessions per",
				"Catch-all HTTP responses per whole day (UTC)", "of ordinary clients (", "What App-ID rules would carry"} {
				if strings.Contains(summary, title) {
					titles++
				}
			}
			if titles != b.wantCharts() {
				t.Errorf("the Summary's first two pages show %d chart titles; want %d:\n%s", titles, b.wantCharts(), summary)
			}
		})
	}
}
