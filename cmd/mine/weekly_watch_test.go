package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/panos-mine/mine"
)

// The weekly job watches a retired catch-all: after a forced retirement
// of a catch-all that still carried traffic, the next weekly run reports
// the denied flows with the rollback command and exits 4, and its JSON
// report lists the change.
func TestRunConfigWatchesRetired(t *testing.T) {
	dev := newWeeklyDevice(t, 48, nil)
	if err := dev.sim.Plant(vsysXpath+"/rulebase/default-security-rules/rules", interzoneLogs); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cfg := dev.writeConfig(t, dir, "")
	env := map[string]string{"EDGE_KEY": dev.sim.APIKey(), "PANOS_API_KEY": dev.sim.APIKey(), "USER": "alice"}
	dev.sim.Advance(7 * 24 * time.Hour)
	conn := []string{"--host", dev.host.host, "--port", strconv.Itoa(dev.host.port), "--ca-file", dev.cert, "-q", "--no-resume", "--progress", "never"}
	code, out, errs := runAt(t, dev.sim.Now(), env, append([]string{"retire", "--force", "--reason", "CHG-48", "--since", "7d", "--min-window", "7d",
		"--until", dev.sim.Now().Format(time.RFC3339), "--db", filepath.Join(dir, "history.db"), "--target", "edge"}, conn...)...)
	if code != 0 {
		t.Fatalf("forced retire = %d:\n%s%s", code, out, errs)
	}
	dev.sim.Advance(7 * 24 * time.Hour)
	code, out, errs = runAt(t, dev.sim.Now(), env, "run", "--config", cfg, "-q")
	if code != exitNotReady {
		t.Fatalf("weekly run after the retirement = %d; want %d\n%s%s", code, exitNotReady, out, errs)
	}
	for _, want := range []string{"edge: retired Allow-Web-Ports (since ", "flow(s) it carried are denied",
		"roll back: mine retire --undo Allow-Web-Ports --host " + dev.host.host} {
		if !strings.Contains(out, want) {
			t.Errorf("weekly summary lacks %q:\n%s", want, out)
		}
	}
	matches, _ := filepath.Glob(filepath.Join(dir, "reports", "*.json"))
	if len(matches) != 1 {
		t.Fatalf("reports: %v", matches)
	}
	b, err := os.ReadFile(matches[0])
	if err != nil {
		t.Fatal(err)
	}
	var r mine.Report
	if err := json.Unmarshal(b, &r); err != nil || len(r.Changes) != 1 || r.Changes[0].Kind != mine.ChangeRetire || !r.Changes[0].Forced {
		t.Errorf("weekly report changes = %+v, %v; want the forced retirement", r.Changes, err)
	}
	if len(r.CatchAll) != 1 || r.CatchAll[0] != "Allow-Web-Ports" {
		t.Errorf("weekly report catch-all = %v; want the retired rule still followed", r.CatchAll)
	}
}
