package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/panos-mine/mine"
	"github.com/panos-mine/mine/panosim"
)

// exportTo writes the simulator's logs of [from, to] in format f to a file
// of dir and returns its path.
func exportTo(t *testing.T, sim *panosim.Server, dir, name string, f panosim.ExportFormat, logType string, from, to time.Time) string {
	t.Helper()
	path := filepath.Join(dir, name)
	var b bytes.Buffer
	if err := sim.ExportLogs(&b, f, logType, from, to); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func decodeReport(t *testing.T, what, out string) mine.Report {
	t.Helper()
	var r mine.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%s JSON: %v\n%s", what, err, out)
	}
	return r
}

// The equivalence: the logs the simulator serves over the XML API,
// exported as a syslog server, the web interface and a SIEM would hand
// them over, give the report `mine run` gives against the simulator for
// the same window: the same suggestions and the same counts. The window
// (two days) is shorter than the exports (three), so the import cuts it as
// the device's log queries do. What only the rulebase and the hit counts
// can tell differs, and is checked to differ as it should: the hit counts,
// and the verdict.
func TestImportEquivalentToRun(t *testing.T) {
	const seed, spd, days = 2, 1200, 3
	dev := newSimDevice(t, seed, spd, days, false)
	until := dev.sim.Now()
	code, out, errs := runCLI(t, dev.env, dev.args("run", "--since", "2d", "--out", "", "--json", "-", "--evidence", "full")...)
	if code != 0 {
		t.Fatalf("mine run = %d: %s", code, errs)
	}
	want := decodeReport(t, "run", out)
	if want.Totals.ThreatLogs == 0 || want.Totals.TrafficLogs == 0 || len(want.Suggestions) == 0 {
		t.Fatalf("run found %d threat, %d traffic logs and %d suggestions; the comparison needs some", want.Totals.ThreatLogs, want.Totals.TrafficLogs, len(want.Suggestions))
	}
	dir := t.TempDir()
	from := until.Add(-days * 24 * time.Hour)
	zone := dev.sim.Location().String()
	inputs := map[string][]string{
		"syslog BSD":  {exportTo(t, dev.sim, dir, "fw.log", panosim.ExportSyslogBSD, "", from, until)},
		"syslog IETF": {exportTo(t, dev.sim, dir, "fw-ietf.log", panosim.ExportSyslogIETF, "", from, until)},
		"web CSV export": {exportTo(t, dev.sim, dir, "threat.csv", panosim.ExportCSV, "threat", from, until),
			exportTo(t, dev.sim, dir, "traffic.csv", panosim.ExportCSV, "traffic", from, until)},
		"SIEM NDJSON": {exportTo(t, dev.sim, dir, "siem.ndjson", panosim.ExportNDJSON, "", from, until)},
	}
	for name, files := range inputs {
		for _, tz := range []string{zone, ""} {
			t.Run(fmt.Sprintf("%s tz %q", name, tz), func(t *testing.T) {
				args := []string{"import", "--catch-all", strings.Join(want.CatchAll, ","), "--since", "2d",
					"--until", until.Format(time.RFC3339), "--out", "", "--json", "-", "--progress", "never", "-q"}
				if tz != "" {
					args = append(args, "--device-tz", tz)
				}
				code, out, errs := runCLI(t, nil, append(args, files...)...)
				if code != 0 {
					t.Fatalf("mine import = %d: %s", code, errs)
				}
				got := decodeReport(t, "import", out)
				compareReports(t, got, want)
				im := got.Import
				if im == nil || im.Threat != want.Totals.ThreatLogs || im.Traffic != want.Totals.TrafficLogs || len(im.Bad) != 0 || im.Duplicates != 0 {
					t.Errorf("import object %+v; want %d threat and %d traffic records, nothing bad or duplicated", im, want.Totals.ThreatLogs, want.Totals.TrafficLogs)
				}
				if im != nil && im.Skipped[collectSkipOutside] == 0 {
					t.Errorf("skipped %v; the third day is outside the window", im.Skipped)
				}
			})
		}
	}
}

const collectSkipOutside = "outside_window"

// compareReports checks what the logs decide: the window, the catch-all,
// the totals, the status counts, the suggestions, URLs, scanners,
// findings, applications, days and coverage.
func compareReports(t *testing.T, got, want mine.Report) {
	t.Helper()
	eq := func(what string, g, w any) {
		t.Helper()
		if !reflect.DeepEqual(g, w) {
			gj, _ := json.MarshalIndent(g, "", " ")
			wj, _ := json.MarshalIndent(w, "", " ")
			t.Errorf("%s differs:\nimport %s\nrun    %s", what, clipText(string(gj)), clipText(string(wj)))
		}
	}
	eq("window", got.Window, want.Window)
	eq("catch_all", got.CatchAll, want.CatchAll)
	eq("totals", got.Totals, want.Totals)
	eq("status_counts", got.StatusCounts, want.StatusCounts)
	eq("catch_all_status_counts", got.CatchAllStatusCounts, want.CatchAllStatusCounts)
	// The suggested rules' configuration copies the catch-all's security
	// profile group, which only the rulebase names: without it the set
	// commands and XML lack the profile-setting, and nothing else.
	eq("suggestions", withoutContentPorts(withoutRuleText(got.Suggestions)), withoutContentPorts(withoutRuleText(want.Suggestions)))
	for i := range min(len(got.Suggestions), len(want.Suggestions)) {
		g, w := got.Suggestions[i], want.Suggestions[i]
		if contentPorts(g) {
			continue
		}
		if x := dropProfiles(w.XML); g.XML != x {
			t.Errorf("suggestion %s XML:\nimport %s\nrun without its profile-setting %s", g.Name, g.XML, x)
		}
		for j := range min(len(g.SetCommands), len(w.SetCommands)) {
			if x := dropProfiles(w.SetCommands[j]); g.SetCommands[j] != x {
				t.Errorf("suggestion %s set command %d:\nimport %s\nrun without its profile-setting %s", g.Name, j, g.SetCommands[j], x)
			}
		}
		if len(g.SetCommands) != len(w.SetCommands) {
			t.Errorf("suggestion %s: %d set commands; run has %d", g.Name, len(g.SetCommands), len(w.SetCommands))
		}
	}
	eq("catch_all_urls", got.CatchAllURLs, want.CatchAllURLs)
	eq("scanners", got.Scanners, want.Scanners)
	eq("findings", got.Findings, want.Findings)
	eq("catch_all_apps", got.CatchAllApps, want.CatchAllApps)
	eq("daily_status", got.DailyStatus, want.DailyStatus)
	eq("coverage", got.Coverage, want.Coverage)
	eq("device serial", got.Device.Serial, want.Device.Serial)
	if len(got.HitCounts) != 0 {
		t.Errorf("import reports %d hit counts; logs carry none", len(got.HitCounts))
	}
	if len(got.Readiness) != len(want.Readiness) || len(got.Readiness) > 0 && got.Readiness[0].Verdict == mine.VerdictReady {
		t.Errorf("import readiness %+v; want a verdict per catch-all, never ready without the rulebase", got.Readiness)
	}
}

// withoutRuleText clears what the rulebase decides in the suggestions'
// configuration text.
func withoutRuleText(ss []mine.Suggestion) []mine.Suggestion {
	out := slices.Clone(ss)
	for i := range out {
		out[i].SetCommands, out[i].XML = nil, ""
	}
	return out
}

// contentPorts reports a suggestion whose service follows App-ID content
// that the device (panosim) and mine's built-in public content tell
// differently: grafana (tcp/3000 on the device, unknown to the public
// content) and jira (tcp/8080 on the device, tcp/80 in public content). An
// import without the device's content rightly decides these from public
// content.
func contentPorts(s mine.Suggestion) bool {
	return slices.Contains(s.Application, "grafana") || slices.Contains(s.Application, "jira")
}

// withoutContentPorts clears the service of such suggestions.
func withoutContentPorts(ss []mine.Suggestion) []mine.Suggestion {
	for i := range ss {
		if contentPorts(ss[i]) {
			ss[i].Service, ss[i].Objects = nil, nil
		}
	}
	return ss
}

var profileXML = regexp.MustCompile(`<profile-setting>.*?</profile-setting>`)
var profileSet = regexp.MustCompile(` profile-setting (group|profiles) (\[ [^]]* \]|\S+)`)

func dropProfiles(s string) string {
	return profileSet.ReplaceAllString(profileXML.ReplaceAllString(s, ""), "")
}

func clipText(s string) string {
	if len(s) > 3000 {
		return s[:3000] + "..."
	}
	return s
}

// importSim is a simulator with two days of logs exported as a BSD
// syslog file, and its catch-all.
func importSim(t *testing.T) (dev *simDevice, file, catchAll string, lines []string) {
	t.Helper()
	dev = newSimDevice(t, 4, 600, 2, false)
	file = exportTo(t, dev.sim, t.TempDir(), "fw.log", panosim.ExportSyslogBSD, "", simEpoch, dev.sim.Now())
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return dev, file, dev.sim.Truth().CatchAll[0], strings.Split(strings.TrimSpace(string(b)), "\n")
}

func importDoc(t *testing.T, args ...string) (mine.Report, string) {
	t.Helper()
	code, out, errs := runCLI(t, nil, append([]string{"import", "--out", "", "--json", "-", "--progress", "never"}, args...)...)
	if code != 0 {
		t.Fatalf("mine import %v = %d: %s", args, code, errs)
	}
	return decodeReport(t, "import", out), errs
}

// Two exports that overlap (and a line a forwarder resent) give the totals
// of the one file.
func TestImportOverlappingFiles(t *testing.T) {
	_, file, ca, lines := importSim(t)
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.log"), filepath.Join(dir, "b.log")
	third := len(lines) / 3
	os.WriteFile(a, []byte(strings.Join(lines[:2*third], "\n")+"\n"), 0o644)
	os.WriteFile(b, []byte(strings.Join(append(lines[third:], lines[0]), "\n")+"\n"), 0o644)
	one, _ := importDoc(t, "--catch-all", ca, file)
	two, _ := importDoc(t, "--catch-all", ca, a, b)
	if !reflect.DeepEqual(one.Totals, two.Totals) || !reflect.DeepEqual(one.StatusCounts, two.StatusCounts) || !reflect.DeepEqual(withoutRuleText(one.Suggestions), withoutRuleText(two.Suggestions)) {
		t.Errorf("overlapping files: totals %+v; one file %+v", two.Totals, one.Totals)
	}
	ra, _ := importDoc(t, "--catch-all", ca, a)
	rb, _ := importDoc(t, "--catch-all", ca, b)
	kept := func(r mine.Report) int64 { return r.Import.Threat + r.Import.Traffic }
	if d, want := two.Import.Duplicates, kept(ra)+kept(rb)-kept(one); d != want || d == 0 || two.Import.Files != 2 {
		t.Errorf("duplicates %d of %d files; want %d of 2", d, two.Import.Files, want)
	}
	if one.Import.Threat+one.Import.Traffic == 0 || one.Import.Threat != two.Import.Threat || one.Import.Traffic != two.Import.Traffic {
		t.Errorf("records: one file %+v, two %+v", one.Import, two.Import)
	}
}

// A file of garbage is counted and reported with file and line, and the
// import succeeds; --strict fails at the first such line.
func TestImportGarbage(t *testing.T) {
	_, _, ca, all := importSim(t)
	var lines []string // the catch-all's
	for _, l := range all {
		if strings.Contains(l, ","+ca+",") {
			lines = append(lines, l)
		}
	}
	junk := filepath.Join(t.TempDir(), "junk.log")
	garbage := []string{lines[0], "not a log at all", "<14>Sep  7 00:00:01 fw 1,2026/09/07 00:00:01,0007,BANANA,x,1",
		strings.Replace(lines[1], " 1,2026/09/", " 1,2026/19/", 1), lines[2], `{"message": 7}`}
	os.WriteFile(junk, []byte(strings.Join(garbage, "\n")+"\n"), 0o644)
	code, out, errs := runCLI(t, nil, "import", "--catch-all", ca, "--out", "", "--json", "-", "--progress", "never", junk)
	if code != 0 {
		t.Fatalf("mine import of garbage = %d: %s", code, errs)
	}
	r := decodeReport(t, "import", out)
	want := map[string]int64{"unknown_type": 2, "bad_time": 1, "no_raw_field": 1}
	if !reflect.DeepEqual(r.Import.Bad, want) || r.Import.Lines != 6 {
		t.Errorf("bad = %v of %d lines; want %v of 6", r.Import.Bad, r.Import.Lines, want)
	}
	if !strings.Contains(errs, "junk.log:2") || !strings.Contains(errs, "junk.log:4") {
		t.Errorf("stderr does not show the bad lines with file:line:\n%s", errs)
	}
	code, _, errs = runCLI(t, nil, "import", "--catch-all", ca, "--out", "", "--json", "-", "--strict", "--progress", "never", junk)
	if code != exitFailure || !strings.Contains(errs, "--strict") || !strings.Contains(errs, "junk.log:2") {
		t.Errorf("--strict = %d, %q; want 1 naming junk.log:2", code, errs)
	}
}

// --records writes each record kept as one JSON object with the issue's
// keys; the count matches the import object.
func TestImportRecords(t *testing.T) {
	_, file, ca, _ := importSim(t)
	recs := filepath.Join(t.TempDir(), "records.ndjson")
	r, _ := importDoc(t, "--catch-all", ca, "--records", recs, file)
	b, err := os.ReadFile(recs)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if int64(len(lines)) != r.Import.Threat+r.Import.Traffic {
		t.Fatalf("%d records; the import kept %d threat and %d traffic", len(lines), r.Import.Threat, r.Import.Traffic)
	}
	types := map[string]int64{}
	for _, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("record %q: %v", l, err)
		}
		typ, _ := m["type"].(string)
		types[typ]++
		if _, ok := m["receive_time"].(string); !ok || m["serial"] == "" {
			t.Errorf("record %v", m)
		}
		if typ == "THREAT" && (m["threat_id"] == nil || m["misc"] == nil || m["bytes"] != nil) {
			t.Errorf("threat record %v", m)
		}
		if typ == "TRAFFIC" && (m["bytes"] == nil || m["threat_id"] != nil || m["rule"] != ca) {
			t.Errorf("traffic record %v", m)
		}
	}
	if types["THREAT"] != r.Import.Threat || types["TRAFFIC"] != r.Import.Traffic {
		t.Errorf("records by type %v; import %+v", types, r.Import)
	}
	// records on stdout, the report in a file
	js := filepath.Join(t.TempDir(), "r.json")
	code, out, errs := runCLI(t, nil, "import", "--catch-all", ca, "--records", "-", "--out", "", "--json", js, "-q", "--progress", "never", file)
	if code != 0 || strings.Count(out, "\n") != len(lines) {
		t.Errorf("--records - = %d with %d lines; want %d lines on stdout (%s)", code, strings.Count(out, "\n"), len(lines), errs)
	}
}

// The catch-all comes from the logs when their traffic carries one rule,
// and the run lands in the history under the firewall's name.
func TestImportCatchAllFromLogsAndHistory(t *testing.T) {
	dev, _, ca, lines := importSim(t)
	var kept []string
	for _, l := range lines {
		if !strings.Contains(l, ",TRAFFIC,") || strings.Contains(l, ","+ca+",") {
			kept = append(kept, l)
		}
	}
	file := filepath.Join(t.TempDir(), "filtered.log")
	os.WriteFile(file, []byte(strings.Join(kept, "\n")+"\n"), 0o644)
	db := filepath.Join(t.TempDir(), "h.db")
	r, errs := importDoc(t, "--db", db, file)
	if !slices.Equal(r.CatchAll, []string{ca}) || !strings.Contains(errs, "catch-all taken from the logs") {
		t.Errorf("catch_all %v (%s); want %s from the logs", r.CatchAll, errs, ca)
	}
	code, out, errs := runCLI(t, nil, "history", "--db", db, "--format", "json")
	if code != 0 || !strings.Contains(out, dev.sim.Truth().Hostname) {
		t.Errorf("mine history = %d: %s %s; want the run under the firewall's name", code, out, errs)
	}
	// with the whole feed, the traffic of several rules: name it
	code, _, errs = runCLI(t, nil, "import", "--out", "", "--json", "-", "--progress", "never", exportTo(t, dev.sim, t.TempDir(), "all.log", panosim.ExportSyslogBSD, "", simEpoch, dev.sim.Now()))
	if code != exitUsage || !strings.Contains(errs, "--catch-all") || !strings.Contains(errs, ca) {
		t.Errorf("several rules: exit %d, %q; want a usage error listing %s", code, errs, ca)
	}
}

func TestImportUsage(t *testing.T) {
	f := filepath.Join(t.TempDir(), "x.log")
	os.WriteFile(f, []byte("x\n"), 0o644)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no file", []string{"import"}, "requires at least 1 arg"},
		{"missing file", []string{"import", "--catch-all", "c", "/nonexistent/x.log"}, "no such file"},
		{"directory", []string{"import", "--catch-all", "c", t.TempDir()}, "is a directory"},
		{"bad zone", []string{"import", "--catch-all", "c", "--device-tz", "Mars/Olympus", f}, "--device-tz"},
		{"bad format", []string{"import", "--catch-all", "c", "--format", "xml", f}, "--format"},
		{"until without since", []string{"import", "--catch-all", "c", "--until", "2026-01-01T00:00:00Z", f}, "--until needs --since"},
		{"stdin twice", []string{"import", "--catch-all", "c", "-", "-"}, "read once"},
		{"stdin without catch-all", []string{"import", "-"}, "--catch-all"},
		{"two stdouts", []string{"import", "--catch-all", "c", "--json", "-", "--records", "-", f}, "both write to standard output"},
		{"nothing to write", []string{"import", "--catch-all", "c", "--out", "", f}, "nothing to write"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errs := runCLI(t, nil, tc.args...)
			if code != exitUsage || !strings.Contains(errs, tc.want) {
				t.Errorf("%v = %d, %q; want exit 2 saying %q", tc.args, code, errs, tc.want)
			}
		})
	}
}

// --progress always draws the bar on stderr, for the scan and the import.
func TestImportProgressBar(t *testing.T) {
	_, file, ca, _ := importSim(t)
	code, _, errs := runCLI(t, nil, "import", "--out", "", "--json", "-", "--progress", "always", "--catch-all", ca, file)
	if code != 0 || !strings.Contains(errs, "import [########################] 100%") || !strings.Contains(errs, "lines/s") {
		t.Errorf("exit %d, stderr %q; want a finished progress bar", code, errs)
	}
}

// A catch-all the logs never mention is a mistake to point out, with the
// rules they do carry.
func TestImportUnknownCatchAll(t *testing.T) {
	_, file, ca, _ := importSim(t)
	code, _, errs := runCLI(t, nil, "import", "--out", "", "--json", "-", "--progress", "never", "--catch-all", "Allow-Web-Port", file)
	if code != exitUsage || !strings.Contains(errs, `catch-all rule "Allow-Web-Port"`) || !strings.Contains(errs, `"`+ca+`"`) {
		t.Errorf("exit %d, %q; want a usage error naming the rule and listing %s", code, errs, ca)
	}
}

// simAPI asks the simulator an XML API question directly and writes the
// answer to a file, as a user saves 'show config running' or 'show
// rule-hit-count' for mine import.
func simAPI(t *testing.T, sim *panosim.Server, path string, form url.Values) string {
	t.Helper()
	form.Set("key", sim.APIKey())
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("POST", "/api/", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	sim.ServeHTTP(rec, req)
	if err := os.WriteFile(path, rec.Body.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestImportWithConfigFile: with the saved configuration and the saved hit
// counts, an import of exported logs needs no --catch-all and gives what
// mine run gives: the catch-all, the coverage, the hit-count table, the
// device's time zone, and suggestions whose configuration copies the
// catch-all's security profiles. One difference is right: a saved
// configuration carries no App-ID content, so where the device's content
// and public content disagree on an application's default ports (panosim's
// grafana is tcp/3000, unknown to public content; its jira tcp/8080, public
// content's tcp/80), the service follows the content each one has.
func TestImportWithConfigFile(t *testing.T) {
	const seed, spd, days = 2, 1200, 3
	dev := newSimDevice(t, seed, spd, days, false)
	until := dev.sim.Now()
	code, out, errs := runCLI(t, dev.env, dev.args("run", "--since", "2d", "--out", "", "--json", "-", "--verify-flows", "0", "--evidence", "full")...)
	if code != 0 {
		t.Fatalf("mine run = %d: %s", code, errs)
	}
	want := decodeReport(t, "run", out)
	dir := t.TempDir()
	cfg := simAPI(t, dev.sim, filepath.Join(dir, "running-config.xml"), url.Values{"type": {"config"}, "action": {"show"}, "xpath": {"/config"}})
	hits := simAPI(t, dev.sim, filepath.Join(dir, "hits.xml"), url.Values{"type": {"op"},
		"cmd": {"<show><rule-hit-count><vsys><vsys-name><entry name='vsys1'><rule-base><entry name='security'><rules><all/></rules></entry></rule-base></entry></vsys-name></vsys></rule-hit-count></show>"}})
	logs := exportTo(t, dev.sim, dir, "fw.log", panosim.ExportSyslogBSD, "", until.Add(-days*24*time.Hour), until)
	code, out, errs = runCLI(t, nil, "import", "--config-file", cfg, "--hit-counts", hits, "--since", "2d",
		"--until", until.Format(time.RFC3339), "--out", "", "--json", "-", "--progress", "never", "-q", logs)
	if code != 0 {
		t.Fatalf("mine import = %d: %s", code, errs)
	}
	got := decodeReport(t, "import", out)
	for i := range got.Suggestions {
		for _, c := range got.Suggestions[i].SetCommands {
			if strings.HasPrefix(c, "set rulebase security rules") && !strings.Contains(c, "profile-setting group corp-profiles") {
				t.Errorf("suggestion %s does not copy the catch-all's profiles: %s", got.Suggestions[i].Name, c)
			}
		}
	}
	for what, pair := range map[string][2]any{
		"catch_all":   {got.CatchAll, want.CatchAll},
		"suggestions": {withoutContentPorts(withoutRuleText(got.Suggestions)), withoutContentPorts(withoutRuleText(want.Suggestions))},
		"coverage":    {got.Coverage, want.Coverage},
		"hit_counts":  {got.HitCounts, want.HitCounts},
		"time zone":   {got.Device.TimeZone, want.Device.TimeZone},
	} {
		if !reflect.DeepEqual(pair[0], pair[1]) {
			gj, _ := json.MarshalIndent(pair[0], "", " ")
			wj, _ := json.MarshalIndent(pair[1], "", " ")
			t.Errorf("%s differs:\nimport %s\nrun    %s", what, clipText(string(gj)), clipText(string(wj)))
		}
	}
}
