package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Each error a user can make gets a message that names what was wrong,
// and a usage error exits 2.
func TestErrorsUsersCanActOn(t *testing.T) {
	dir := t.TempDir()
	file := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	notReport := file("foo.json", `{"foo":1}`)
	notJSON := file("broken.json", "{\n  \"generated\": \"2026-11-23T06:30:15Z\",\n  oops\n}")
	newer := file("newer.json", `{"mine_report_version": 99}`)
	config := file("mine.yaml", "targets:\n  - name: edge\n    host: fw1\n    api_key_env: K\nwindw: 7d\n")
	key := map[string]string{"PANOS_API_KEY": "k"}
	tests := []struct {
		name string
		env  map[string]string
		args []string
		code int
		msg  string
	}{
		{"report of any JSON object", nil, []string{"report", "--from", notReport, "--out", filepath.Join(dir, "x.xlsx")}, exitUsage,
			"read report " + notReport + ": not a mine report: no mine_report_version key, and it lacks the keys generated, device, window"},
		{"report of broken JSON", nil, []string{"report", "--from", notJSON, "--out", filepath.Join(dir, "x.xlsx")}, exitUsage,
			"not JSON: invalid character 'o' looking for beginning of object key string at line 3, column 3"},
		{"report of a newer mine", nil, []string{"report", "--from", newer, "--out", filepath.Join(dir, "x.xlsx")}, exitUsage,
			"written by a newer mine (mine_report_version 99; this mine reads up to 1)"},
		{"suggest --format nonsense", key, []string{"suggest", "--host", "fw", "--format", "nonsense"}, exitUsage,
			`--format "nonsense": want auto, table, tsv, csv, json, set or xml`},
		{"readiness --format yaml", key, []string{"readiness", "--host", "fw", "--format", "yaml"}, exitUsage,
			`--format "yaml": want auto, table, tsv, csv or json`},
		{"history --format xml", nil, []string{"history", "--db", filepath.Join(dir, "none.db"), "--format", "xml"}, exitUsage,
			`--format "xml": want auto, table, tsv, csv or json`},
		{"signatures list --format xml", nil, []string{"signatures", "list", "--format", "xml"}, exitUsage,
			`--format "xml": want auto, table, tsv, csv or json`},
		{"signatures deploy --format csv", key, []string{"signatures", "deploy", "--host", "fw", "--format", "csv"}, exitUsage,
			`--format "csv": want auto, table, tsv or json`},
		{"signatures export --format csv", nil, []string{"signatures", "export", "--format", "csv"}, exitUsage,
			`--format "csv": want xml, set or skillet`},
		{"unknown command", nil, []string{"rport"}, exitUsage, `unknown command "rport" for "mine"`},
		{"unknown subcommand", nil, []string{"signatures", "lsit"}, exitUsage, `unknown command "lsit" for "mine signatures"; did you mean list?`},
		{"unknown sim subcommand", nil, []string{"sim", "start"}, exitUsage, `unknown command "start" for "mine sim"`},
		{"misspelt config key", map[string]string{"K": "k"}, []string{"run", "--config", config}, exitUsage,
			"config " + config + ` line 5: unknown key "windw" (did you mean "window"?)`},
		{"deploy takes no device group", key, []string{"signatures", "deploy", "--host", "fw", "--device-group", "DG"}, exitUsage,
			"unknown flag: --device-group"},
		{"remove takes no vsys", key, []string{"signatures", "remove", "--host", "fw", "--vsys", "vsys2"}, exitUsage, "unknown flag: --vsys"},
		{"verify takes no single firewall", key, []string{"signatures", "verify", "--host", "fw", "--device", "0079"}, exitUsage,
			"unknown flag: --device"},
		{"log format", nil, []string{"signatures", "list", "--log-format", "yaml"}, exitUsage, `--log-format "yaml": want one of auto, human, text, json`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errs := runCLI(t, tc.env, tc.args...)
			if code != tc.code || !strings.Contains(errs, tc.msg) {
				t.Errorf("mine %v = %d, %q; want %d and a message containing %q", tc.args, code, errs, tc.code, tc.msg)
			}
			if tc.code == exitUsage && !strings.Contains(errs, "--help' for usage.") {
				t.Errorf("mine %v: %q; want a pointer to --help", tc.args, errs)
			}
		})
	}
}

// demo --weeks keeps its history next to the workbook --out names, or in a
// new temporary directory, and writes nothing into the working directory.
func TestDemoWeeksHistoryPlace(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadDir(wd)
	dir := t.TempDir()
	out := filepath.Join(dir, "weeks.xlsx")
	code, stdout, errs := runCLI(t, nil, "demo", "--weeks", "2", "--out", out, "-q")
	if code != 0 {
		t.Fatalf("mine demo --weeks 2 --out %s = %d: %s", out, code, errs)
	}
	db := filepath.Join(dir, "mine-demo-history.db")
	if _, err := os.Stat(db); err != nil || !strings.Contains(stdout, "("+db+")") {
		t.Errorf("history not next to the workbook at %s (%v); stdout names %q", db, err, firstLine(stdout, "History of"))
	}
	code, stdout, errs = runCLI(t, nil, "demo", "--weeks", "2", "--out", "", "-q")
	if code != 0 {
		t.Fatalf("mine demo --weeks 2 --out '' = %d: %s", code, errs)
	}
	line := firstLine(stdout, "History of")
	i, j := strings.Index(line, "("), strings.LastIndex(line, ")")
	if i < 0 || j < i {
		t.Fatalf("demo names no history in %q", line)
	}
	tmpDB := line[i+1 : j]
	t.Cleanup(func() { os.RemoveAll(filepath.Dir(tmpDB)) })
	if _, err := os.Stat(tmpDB); err != nil || !strings.HasPrefix(tmpDB, os.TempDir()) {
		t.Errorf("history without --out at %q (%v); want a new directory under %s", tmpDB, err, os.TempDir())
	}
	after, _ := os.ReadDir(wd)
	if len(after) != len(before) {
		t.Errorf("the working directory had %d entries and has %d: the demo left a file there", len(before), len(after))
	}
}

func firstLine(s, prefix string) string {
	for line := range strings.SplitSeq(s, "\n") {
		if strings.HasPrefix(line, prefix) {
			return line
		}
	}
	return ""
}
