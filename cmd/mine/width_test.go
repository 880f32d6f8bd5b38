package main

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/olekukonko/tablewriter/pkg/twwidth"

	"github.com/panos-mine/mine/report"
)

// widthFixture is what the list commands run against: a simulated
// firewall with a week of traffic and the signatures deployed, a history
// of two runs of it, and the JSON report of one.
type widthFixture struct {
	dev      *simDevice
	db, json string
}

// listCommands are every command that prints a list or the summary, as a
// user runs them on a terminal. A new list command is one line here.
var listCommands = []struct {
	name string
	args func(f *widthFixture) []string
}{
	{"signatures list", func(f *widthFixture) []string { return []string{"signatures", "list", "--format", "table"} }},
	{"signatures deploy --dry-run", func(f *widthFixture) []string {
		return f.dev.device("signatures", "deploy", "--dry-run", "--format", "table", "--codes", "4xx")
	}},
	{"signatures verify", func(f *widthFixture) []string { return f.dev.device("signatures", "verify", "--format", "table") }},
	{"suggest", func(f *widthFixture) []string { return f.dev.args("suggest", "--format", "table") }},
	{"readiness", func(f *widthFixture) []string { return f.dev.args("readiness", "--format", "table") }},
	{"readiness with history", func(f *widthFixture) []string { return f.dev.args("readiness", "--format", "table", "--db", f.db) }},
	{"history", func(f *widthFixture) []string { return []string{"history", "--db", f.db, "--format", "table"} }},
	{"rules", func(f *widthFixture) []string { return f.dev.device("rules", "--format", "table") }},
	{"rules of a real configuration", func(f *widthFixture) []string {
		return []string{"rules", "--config-file", "../../testdata/real/configs/saute-panorama-10.2.xml", "--device-group", "austin", "--format", "table"}
	}},
	{"summary of mine run", func(f *widthFixture) []string {
		return f.dev.args("run", "--out", filepath.Join(filepath.Dir(f.db), "run.xlsx"))
	}},
	{"summary of mine report", func(f *widthFixture) []string {
		return []string{"report", "--from", f.json, "--out", filepath.Join(filepath.Dir(f.db), "report.xlsx")}
	}},
}

// device is a command line that reaches the device, for the commands that
// take no window.
func (s *simDevice) device(cmd ...string) []string {
	return append(cmd, "--host", s.host.host, "--port", strconv.Itoa(s.host.port), "--ca-file", s.cert, "-q")
}

// Every list command and the summary fit 80 columns, whatever the device
// puts in them; a column left out says so.
func TestListCommandsFit80Columns(t *testing.T) {
	dev := newSimDevice(t, 11, 300, 7, false)
	dir := t.TempDir()
	f := &widthFixture{dev: dev, db: filepath.Join(dir, "history.db"), json: filepath.Join(dir, "report.json")}
	// Two stored runs: the week before and this one.
	for i, until := range []time.Time{dev.sim.Now().Add(-3 * 24 * time.Hour), dev.sim.Now()} {
		args := append(dev.args("run", "--db", f.db, "--out", "", "--json", f.json, "--since", "3d"), "--until", until.Format(time.RFC3339))
		if code, _, errs := runCLI(t, dev.env, args...); code != 0 {
			t.Fatalf("stored run %d = %d: %s", i+1, code, errs)
		}
	}
	for _, c := range listCommands {
		t.Run(c.name, func(t *testing.T) {
			code, out, errs := runCLI(t, dev.env, c.args(f)...)
			if code != exitOK && code != exitNotReady && code != exitNoEvidence && code != exitFailure {
				t.Fatalf("mine %s = %d: %s", c.name, code, errs)
			}
			if strings.Count(out, "\n") < 3 {
				t.Fatalf("mine %s printed %q; want a table", c.name, out)
			}
			for i, line := range strings.Split(out, "\n") {
				if w := twwidth.Width(line); w > report.TerminalWidth {
					t.Errorf("mine %s: line %d is %d columns wide; want at most %d:\n%s", c.name, i+1, w, report.TerminalWidth, line)
				}
			}
		})
	}
}

// Every help text fits 80 columns too: the command list, the long help,
// the examples and the flags.
func TestHelpFits80Columns(t *testing.T) {
	var paths [][]string
	root := newRootCmd(&deps{global: &globalOptions{}})
	for _, c := range root.Commands() {
		paths = append(paths, []string{c.Name()})
		for _, s := range c.Commands() {
			paths = append(paths, []string{c.Name(), s.Name()})
		}
	}
	paths = append(paths, nil)
	for _, p := range paths {
		code, out, errs := runCLI(t, nil, append(p, "--help")...)
		if code != 0 {
			t.Errorf("mine %s --help = %d: %s", strings.Join(p, " "), code, errs)
		}
		for i, line := range strings.Split(out, "\n") {
			if w := twwidth.Width(line); w > report.TerminalWidth {
				t.Errorf("mine %s --help: line %d is %d columns wide:\n%s", strings.Join(p, " "), i+1, w, line)
			}
		}
	}
}
