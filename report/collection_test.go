package report

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/panos-mine/mine"
)

func withCollection() *mine.Report {
	r := testReport()
	r.Collection = &mine.Collection{
		Threat:          mine.LogCollection{Collected: 23352, Queries: 12, Duplicates: 2, OutOfWindow: 1, Unparseable: 1, ShortPages: 1, Slices: 8, Resumed: 3},
		Traffic:         mine.LogCollection{Collected: 4210, Queries: 4, Slices: 8},
		UnknownRuleHits: []string{"Old-Rule"},
		TimeZone:        "clock (show clock)",
		HA: []mine.HAMember{{Serial: "0079001", Hostname: "fw-a", State: "active", Reported: true},
			{Serial: "", Hostname: "", Address: "10.0.0.2", State: "passive", Error: "device unreachable"}},
	}
	return r
}

// The collection's account in words, as the summary and the About sheet
// print it; the figures are the ones put in.
func TestCollectionLines(t *testing.T) {
	got := collectionLines(withCollection().Collection)
	want := [][2]string{
		{"Threat logs", "23,352 collected with 12 queries; dropped 2 duplicates, 1 outside the window; skipped 1 unreadable (see --debug); asked again: 1 short pages; 3 of 8 slices from the checkpoint of an interrupted run"},
		{"Traffic logs", "4,210 collected with 4 queries"},
		{"Hit counts left out", "1 rules the rulebase does not have: Old-Rule"},
		{"Time zone learned", "clock (show clock)"},
		{"HA pair", "fw-a 0079001 (active); 10.0.0.2  (passive, not read: device unreachable)"},
	}
	if len(got) != len(want) {
		t.Fatalf("collectionLines = %q", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("line %d = %q; want %q", i, got[i], want[i])
		}
	}
	if collectionLines(nil) != nil {
		t.Error("collectionLines(nil) is not nil")
	}
	// with the device's reports, the log types' queries are only those of
	// parts read as entries: none, or some
	rep := &mine.Collection{
		Threat:   mine.LogCollection{Collected: 27935},
		Traffic:  mine.LogCollection{Collected: 4988, Queries: 3},
		Evidence: &mine.Evidence{Mode: mine.EvidenceReport, CountsExact: true, TimeResolution: "1h", ReportJobs: 9, ReportRows: 21927},
	}
	got = collectionLines(rep)
	for i, w := range []string{"27,935 counted by the device's reports", "4,988 counted by the device's reports, 3 log queries for the parts read entry by entry"} {
		if got[i][1] != w {
			t.Errorf("report evidence, line %d = %q; want %q", i, got[i][1], w)
		}
	}
}

// The account reaches the terminal summary (as wide as its other tables),
// the JSON under new keys, and the About sheet.
func TestCollectionEverywhere(t *testing.T) {
	r := withCollection()
	var sum bytes.Buffer
	if err := WriteSummary(&sum, r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(sum.String(), "23,352 collected with 12 queries") {
		t.Errorf("summary lacks the collection:\n%s", sum.String())
	}
	for _, l := range strings.Split(sum.String(), "\n") {
		if n := len([]rune(l)); n > TerminalWidth {
			t.Errorf("summary line of %d columns: %q", n, l)
		}
	}
	var js bytes.Buffer
	if err := WriteJSON(&js, r); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Collection struct {
			Threat struct {
				Dup   int64 `json:"duplicates_dropped"`
				Out   int64 `json:"out_of_window_dropped"`
				Unp   int64 `json:"unparseable_skipped"`
				Short int   `json:"short_pages_retried"`
			} `json:"threat"`
			Unknown []string `json:"unknown_rule_hits"`
		} `json:"collection"`
	}
	if err := json.Unmarshal(js.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if c := doc.Collection; c.Threat.Dup != 2 || c.Threat.Out != 1 || c.Threat.Unp != 1 || c.Threat.Short != 1 || len(c.Unknown) != 1 {
		t.Errorf("JSON collection = %+v", c)
	}
	var book bytes.Buffer
	if err := WriteWorkbookWith(&book, r, Options{}); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&book)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.GetRows("About")
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, row := range rows {
		if len(row) > 1 && row[0] == "Collection: Threat logs" && strings.Contains(row[1], "1 outside the window") {
			found = true
		}
	}
	if !found {
		t.Errorf("About sheet has no collection rows: %q", rows)
	}
}

// A workbook write leaves no temporary file, and removes the ones runs
// killed long before left; a recent one (a run writing now) stays.
func TestWorkbookTempFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "report.xlsx")
	old := filepath.Join(dir, ".report.xlsx.111.tmp")
	recent := filepath.Join(dir, ".report.xlsx.222.tmp")
	other := filepath.Join(dir, ".other.xlsx.333.tmp")
	for _, p := range []string{old, recent, other} {
		if err := os.WriteFile(p, nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	long := time.Now().Add(-time.Hour)
	os.Chtimes(old, long, long)
	os.Chtimes(other, long, long)
	if err := WriteWorkbookFile(path, testReport()); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]bool{old: false, recent: true, other: true, path: true} {
		_, err := os.Stat(p)
		if (err == nil) != want {
			t.Errorf("%s exists = %v; want %v", filepath.Base(p), err == nil, want)
		}
	}
	if m, _ := filepath.Glob(filepath.Join(dir, ".report.xlsx.*.tmp")); len(m) != 1 {
		t.Errorf("temporary files left: %v; want only the recent one", m)
	}
}

// Counted by the device's reports, the threat logs are repeat counts, the
// same figure as the responses: the summary and the Summary sheet show
// the responses only. Pulled entry by entry, both.
func TestLogCountOnlyWhereEntriesCounted(t *testing.T) {
	for _, c := range []struct {
		ev   *mine.Evidence
		want bool
	}{
		{nil, true},
		{&mine.Evidence{Mode: mine.EvidenceFull, CountsExact: true, EntriesCounted: true}, true},
		{&mine.Evidence{Mode: mine.EvidenceReport, CountsExact: true}, false},
	} {
		r := withCollection()
		r.Collection.Evidence = c.ev
		var sum bytes.Buffer
		if err := WriteSummary(&sum, r); err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(sum.String(), "HTTP status logs"); got != c.want {
			t.Errorf("evidence %+v: summary shows the log count %v; want %v", c.ev, got, c.want)
		}
		if !strings.Contains(sum.String(), "HTTP responses") {
			t.Errorf("evidence %+v: summary lacks the responses", c.ev)
		}
		path := filepath.Join(t.TempDir(), "r.xlsx")
		if err := WriteWorkbookFile(path, r); err != nil {
			t.Fatal(err)
		}
		f, err := excelize.OpenFile(path)
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := f.GetRows("Summary")
		f.Close()
		found := false
		for _, row := range rows {
			for _, cell := range row {
				found = found || cell == "HTTP status logs (all rules)"
			}
		}
		if found != c.want {
			t.Errorf("evidence %+v: Summary sheet shows the log count %v; want %v", c.ev, found, c.want)
		}
	}
}
