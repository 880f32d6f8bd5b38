package main

import (
	"encoding/json"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/panos-mine/mine"
)

const rulesXpath = "/config/devices/entry[@name='localhost.localdomain']/vsys/entry[@name='vsys1']/rulebase/security/rules"

// readiness runs mine readiness against the device and returns its exit
// code and verdict.
func (s *simDevice) readiness(t *testing.T, extra ...string) (int, mine.Readiness, string) {
	t.Helper()
	args := s.args(append([]string{"readiness", "--format", "json"}, extra...)...)
	code, out, errs := runCLI(t, s.env, args...)
	var doc struct {
		Readiness []mine.Readiness `json:"readiness"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || len(doc.Readiness) != 1 {
		t.Fatalf("mine readiness = %d, JSON %v, %d verdicts; stdout:\n%s\nstderr:\n%s", code, err, len(doc.Readiness), out, errs)
	}
	return code, doc.Readiness[0], errs
}

func criterion(r mine.Readiness, name string) mine.Criterion {
	for _, c := range r.Criteria {
		if c.Name == name {
			return c
		}
	}
	return mine.Criterion{}
}

// A catch-all still carrying the planted services is NOT READY (exit 4),
// and says which.
func TestReadinessNotReady(t *testing.T) {
	dev := newSimDevice(t, 1, 1500, 2, false)
	tr := plantedTruthOf(t, 1)
	code, r, errs := dev.readiness(t, "--since", "2d", "--min-window", "2d")
	if code != exitNotReady || r.Verdict != mine.VerdictNotReady || r.Rule != tr.CatchAll[0] {
		t.Fatalf("mine readiness = %d, %s %s; want %d, not-ready for %s\n%s", code, r.Rule, r.Verdict, exitNotReady, tr.CatchAll[0], errs)
	}
	if c := criterion(r, "catch-all-hits"); c.Result != mine.ResultFail {
		t.Errorf("catch-all-hits = %+v; want fail", c)
	}
	c := criterion(r, "successful-traffic")
	if c.Result != mine.ResultFail || !strings.Contains(c.Evidence, "answered 2xx") {
		t.Errorf("successful-traffic = %+v; want fail naming the services", c)
	}
	if !strings.Contains(c.Evidence, strconv.Itoa(len(tr.CatchAllServices))+" services") {
		t.Errorf("successful-traffic evidence does not count the %d planted services: %s", len(tr.CatchAllServices), c.Evidence)
	}
	if !strings.Contains(errs, "not ready") {
		t.Errorf("stderr does not say not ready: %s", errs)
	}

	// With two earlier runs in the history, the weeks come from there.
	db := filepath.Join(t.TempDir(), "history.db")
	for _, until := range []time.Time{dev.sim.Now().Add(-24 * time.Hour), dev.sim.Now()} {
		args := dev.args("run", "--since", "1d", "--out", "", "--json", "-", "--db", db)
		args = append(args, "--until", until.Format(time.RFC3339)) // the last --until wins
		if code, _, errs := runCLI(t, dev.env, args...); code != 0 {
			t.Fatalf("mine run --db = %d: %s", code, errs)
		}
	}
	code, r, errs = dev.readiness(t, "--since", "2d", "--min-window", "2d", "--db", db)
	if c := criterion(r, "catch-all-hits"); code != exitNotReady || c.Result != mine.ResultFail || !strings.Contains(c.Evidence, "per week from history") {
		t.Errorf("with history: mine readiness = %d, catch-all-hits %+v; want not ready from the history's weeks\n%s", code, c, errs)
	}
}

// A window without threat logs (signatures never deployed) is
// INSUFFICIENT EVIDENCE (exit 5), whatever the traffic.
func TestReadinessNoThreatLogs(t *testing.T) {
	dev := newSimDevice(t, 2, 800, 1, true)
	code, r, _ := dev.readiness(t, "--since", "1d", "--min-window", "1d")
	if code != exitNoEvidence || r.Verdict != mine.VerdictInsufficientEvidence {
		t.Fatalf("mine readiness = %d, %s; want %d, insufficient-evidence", code, r.Verdict, exitNoEvidence)
	}
	if c := criterion(r, "signatures-logging"); c.Result != mine.ResultFail || !strings.Contains(c.Evidence, "no HTTP status threat logs") {
		t.Errorf("signatures-logging = %+v; want fail for the missing logs", c)
	}
}

// The suggested rules, put in place on the device as mine prints them:
// disabled, the catch-all is NOT READY and the verdict names them; enabled
// (with a rule for the opaque services mine cannot see into), the drained
// catch-all is READY and nothing is left to suggest.
func TestReadinessAfterSuggestedRules(t *testing.T) {
	dev := newSimDevice(t, 3, 3000, 3, false)
	tr := plantedTruthOf(t, 3)
	ca := tr.CatchAll[0]
	code, out, errs := runCLI(t, dev.env, dev.args("suggest", "--since", "3d", "--format", "json")...)
	if code != 0 {
		t.Fatalf("mine suggest = %d: %s", code, errs)
	}
	var doc analysisDoc
	if err := json.Unmarshal([]byte(out), &doc); err != nil || len(doc.Suggestions) != len(tr.CatchAllServices) {
		t.Fatalf("suggest JSON: %v, %d suggestions for %d planted services", err, len(doc.Suggestions), len(tr.CatchAllServices))
	}

	// The administrator applies them as printed (the XML elements), commits.
	for _, s := range doc.Suggestions {
		for _, o := range s.Objects {
			dev.config(t, url.Values{"type": {"config"}, "action": {"set"}, "xpath": {o.XPath}, "element": {o.XML}})
		}
		dev.config(t, url.Values{"type": {"config"}, "action": {"set"}, "xpath": {s.XPath}, "element": {s.XML}})
		dev.config(t, url.Values{"type": {"config"}, "action": {"move"}, "xpath": {s.XPath + "/entry[@name='" + s.Name + "']"},
			"where": {"before"}, "dst": {s.CatchAllRule}})
	}
	dev.config(t, url.Values{"type": {"commit"}, "cmd": {"<commit></commit>"}})
	dev.sim.Advance(24 * time.Hour)
	code, r, _ := dev.readiness(t, "--since", "1d", "--min-window", "1d")
	c := criterion(r, "successful-traffic")
	if code != exitNotReady || c.Result != mine.ResultFail || !strings.Contains(c.Evidence, "in place but disabled") {
		t.Errorf("with the rules disabled: mine readiness = %d, %s; successful-traffic %+v; want not ready, rules in place but disabled", code, r.Verdict, c)
	}

	// Enabled after review, plus the administrator's own rule for what
	// carries no HTTP (ssh, ssl, databases).
	for _, s := range doc.Suggestions {
		dev.config(t, url.Values{"type": {"config"}, "action": {"edit"}, "xpath": {s.XPath + "/entry[@name='" + s.Name + "']/disabled"},
			"element": {"<disabled>no</disabled>"}})
	}
	var dsts, apps strings.Builder
	seen := map[string]bool{}
	for _, o := range tr.OpaqueServices {
		dsts.WriteString("<member>" + o.Destination + "</member>")
		if !seen[o.Application] {
			seen[o.Application] = true
			apps.WriteString("<member>" + o.Application + "</member>")
		}
	}
	dev.config(t, url.Values{"type": {"config"}, "action": {"set"}, "xpath": {rulesXpath}, "element": {`<entry name="Allow-Opaque">` +
		`<from><member>trust</member></from><to><member>dmz</member></to><source><member>any</member></source>` +
		`<destination>` + dsts.String() + `</destination><source-user><member>any</member></source-user><category><member>any</member></category>` +
		`<application>` + apps.String() + `</application><service><member>any</member></service><action>allow</action></entry>`}})
	dev.config(t, url.Values{"type": {"config"}, "action": {"move"}, "xpath": {rulesXpath + "/entry[@name='Allow-Opaque']"}, "where": {"before"}, "dst": {ca}})
	dev.config(t, url.Values{"type": {"commit"}, "cmd": {"<commit></commit>"}})
	dev.sim.Advance(2*24*time.Hour + 2*time.Hour)

	code, r, errs = dev.readiness(t, "--since", "2d", "--min-window", "2d", "--recent", "2d")
	var b strings.Builder
	for _, c := range r.Criteria {
		b.WriteString("  " + c.Name + " " + c.Result + ": " + c.Evidence + "\n")
	}
	t.Logf("drained catch-all: %s\n%s", r.Verdict, b.String())
	if code != exitOK || r.Verdict != mine.VerdictReady {
		t.Fatalf("drained catch-all: mine readiness = %d, %s; want 0, ready\n%s%s", code, r.Verdict, b.String(), errs)
	}
	code, out, errs = runCLI(t, dev.env, dev.args("suggest", "--since", "2d", "--format", "json")...)
	doc = analysisDoc{}
	if err := json.Unmarshal([]byte(out), &doc); code != 0 || err != nil || len(doc.Suggestions) != 0 {
		t.Errorf("mine suggest on the drained catch-all = %d, %v, suggestions %v; want none\n%s", code, err, doc.Suggestions, errs)
	}
	for _, res := range doc.Coverage.Residual {
		if res.Reason != "scanner" {
			t.Errorf("drained catch-all still carries %+v", res)
		}
	}
}

func TestReadinessTableAndUsage(t *testing.T) {
	rs := []mine.Readiness{{Rule: "Allow\x1b[2J-Web", Verdict: mine.VerdictNotReady, Criteria: []mine.Criterion{
		{Name: "catch-all-hits", Result: mine.ResultFail, Evidence: "12 in the latest week\tand more"}}}}
	var b strings.Builder
	if err := writeReadiness(&b, "table", rs); err != nil {
		t.Fatal(err)
	}
	if got := b.String(); !strings.Contains(got, "NOT READY") || strings.Contains(got, "\x1b") || !strings.Contains(got, "│ fail   │ catch-all-hits │ 12 in the latest week and more │") {
		t.Errorf("table =\n%q; want the verdict, the criterion, no control characters", got)
	}
	b.Reset()
	if err := writeReadiness(&b, "tsv", rs); err != nil || strings.Count(b.String(), "\t") != 8 {
		t.Errorf("tsv = %q, %v; want a header and one line of five fields", b.String(), err)
	}
	for _, tc := range []struct {
		rs   []mine.Readiness
		code int
	}{
		{[]mine.Readiness{{Verdict: mine.VerdictReady}}, exitOK},
		{[]mine.Readiness{{Verdict: mine.VerdictReady}, {Verdict: mine.VerdictInsufficientEvidence}}, exitNoEvidence},
		{[]mine.Readiness{{Verdict: mine.VerdictInsufficientEvidence}, {Verdict: mine.VerdictNotReady}}, exitNotReady},
		{nil, exitNoEvidence},
	} {
		if got := exitCode(t.Context(), verdictExit(tc.rs)); got != tc.code {
			t.Errorf("exit code for %+v = %d; want %d", tc.rs, got, tc.code)
		}
	}
	env := map[string]string{"PANOS_API_KEY": "k"}
	for _, args := range [][]string{
		{"readiness", "--host", "fw", "--format", "yaml"},
		{"readiness", "--host", "fw", "--min-window", "soon"},
		{"readiness", "--host", "fw", "--max-weekly-sessions", "-1"},
		{"suggest", "--host", "fw", "--format", "pdf"},
	} {
		if code, _, errs := runCLI(t, env, args...); code != exitUsage {
			t.Errorf("mine %v = %d (%s); want %d", args, code, errs, exitUsage)
		}
	}
}
