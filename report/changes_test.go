package report

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/panos-mine/mine"
)

// The changes mine made show on the Readiness sheet (one row each, under
// their rules) and on the About sheet, read back from the workbook.
func TestWorkbookShowsChanges(t *testing.T) {
	at := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	r := &mine.Report{Generated: at, Window: mine.Window{From: at.Add(-7 * 24 * time.Hour), To: at},
		Readiness: []mine.Readiness{{Rule: "Allow-Web-Ports", Verdict: mine.VerdictReady, Criteria: []mine.Criterion{{Name: "catch-all-hits", Result: mine.ResultPass, Evidence: "0"}}}},
		Changes: []mine.Change{
			{ID: 2, Kind: mine.ChangeUndo, Undoes: 1, Time: at.Add(time.Hour), Admin: "api-admin", Rules: []string{"Allow-Web-Ports"}, Summary: "undo change 1", Status: mine.ChangeCommitted},
			{ID: 1, Kind: mine.ChangeRetire, UndoneBy: 2, Time: at, Admin: "api-admin", Operator: "alice", Rules: []string{"Allow-Web-Ports"},
				Verdict: mine.VerdictNotReady, Forced: true, Reason: "CHG-7", Summary: "retire Allow-Web-Ports", Status: mine.ChangeCommitted},
		}}
	var b bytes.Buffer
	if err := WriteWorkbookWith(&b, r, Options{Layout: LayoutFull}); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&b)
	if err != nil {
		t.Fatal(err)
	}
	find := func(sheet string, want ...string) {
		t.Helper()
		rows, err := f.GetRows(sheet)
		if err != nil {
			t.Fatal(err)
		}
		for _, row := range rows {
			line := strings.Join(row, " | ")
			ok := true
			for _, w := range want {
				ok = ok && strings.Contains(line, w)
			}
			if ok {
				return
			}
		}
		t.Errorf("sheet %s has no row with %q", sheet, want)
	}
	find("Readiness", "Allow-Web-Ports", "not-ready (forced)", "change 1: retire", "committed",
		"2026-11-30 09:00 UTC retire by api-admin (run by alice): retire Allow-Web-Ports; committed, undone by change 2; forced: CHG-7")
	find("Readiness", "change 2: undo", "undid change 1")
	find("About", "Change 1 (retire)", "undone by change 2")
	find("About", "Change 2 (undo)", "2026-11-30 10:00 UTC undo by api-admin")
}
