package main

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/panos-mine/mine"
	"github.com/panos-mine/mine/history"
	"github.com/panos-mine/mine/panosim"
)

const (
	vsysXpath     = "/config/devices/entry[@name='localhost.localdomain']/vsys/entry[@name='vsys1']"
	catchAllRule  = "Allow-Web-Ports"
	catchAllEntry = rulesXpath + "/entry[@name='" + catchAllRule + "']"
	// interzoneLogs overrides interzone-default to log what it denies, as
	// best practice has it: without it a watch sees nothing.
	interzoneLogs = `<entry name="interzone-default"><action>deny</action><log-end>yes</log-end></entry>`
)

// api calls the simulator's XML API directly (the test's hands and eyes,
// not mine's code) and returns the answer.
func (s *simDevice) api(t *testing.T, kv ...string) string {
	t.Helper()
	return apiOf(t, s.sim, kv...)
}

// apiOf calls a simulator's XML API directly.
func apiOf(t *testing.T, sim *panosim.Server, kv ...string) string {
	t.Helper()
	form := url.Values{"key": {sim.APIKey()}}
	for i := 0; i+1 < len(kv); i += 2 {
		form.Set(kv[i], kv[i+1])
	}
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("POST", "/api/", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	sim.ServeHTTP(rec, req)
	return rec.Body.String()
}

// dump returns the simulator's whole running and candidate
// configurations, compared byte for byte.
func (s *simDevice) dump(t *testing.T) (running, candidate string) {
	t.Helper()
	return s.api(t, "type", "config", "action", "show", "xpath", "/config"), s.api(t, "type", "config", "action", "get", "xpath", "/config")
}

// actEnv is the environment of a change: the key, the administrator
// (for partial commits and the record) and the local user.
func (s *simDevice) actEnv() map[string]string {
	return map[string]string{"PANOS_API_KEY": s.sim.APIKey(), "PANOS_USERNAME": demoUser, "USER": "alice"}
}

// trafficLogs runs a traffic log query on the simulator and returns the
// entries (source, destination, port, repeat count).
func (s *simDevice) trafficLogs(t *testing.T, q string) []simLog {
	t.Helper()
	var sub struct {
		Job int `xml:"result>job"`
	}
	if err := xml.Unmarshal([]byte(s.api(t, "type", "log", "log-type", "traffic", "query", q, "nlogs", "5000")), &sub); err != nil {
		t.Fatal(err)
	}
	for range 10 {
		var ans struct {
			Status  string   `xml:"result>job>status"`
			Entries []simLog `xml:"result>log>logs>entry"`
		}
		if err := xml.Unmarshal([]byte(s.api(t, "type", "log", "action", "get", "job-id", strconv.Itoa(sub.Job))), &ans); err != nil {
			t.Fatal(err)
		}
		if ans.Status == "FIN" {
			if len(ans.Entries) == 5000 {
				t.Fatal("query hit 5000 entries: narrow it")
			}
			return ans.Entries
		}
	}
	t.Fatalf("log job %d never finished", sub.Job)
	return nil
}

type simLog struct {
	Src    string `xml:"src"`
	Dst    string `xml:"dst"`
	Dport  int    `xml:"dport"`
	Repeat int    `xml:"repeatcnt"`
	Rule   string `xml:"rule"`
	Action string `xml:"action"`
	TID    int    `xml:"tid"`
}

func devTime(sim *panosim.Server, t time.Time) string {
	return t.In(sim.Location()).Format("2006/01/02 15:04:05")
}

// A retirement the verdict does not allow is refused with exit 4, naming
// the failing criteria, and changes nothing; a forced dry run prints the
// plan and the exact XML and changes nothing either.
func TestRetireRefusedWhenNotReady(t *testing.T) {
	dev := newSimDevice(t, 41, 1500, 2, false)
	db := filepath.Join(t.TempDir(), "h.db")
	run0, cand0 := dev.dump(t)
	code, out, errs := runCLI(t, dev.actEnv(), dev.args("retire", "--since", "2d", "--min-window", "2d", "--db", db)...)
	if code != exitNotReady {
		t.Fatalf("mine retire on a busy catch-all = %d; want %d\n%s%s", code, exitNotReady, out, errs)
	}
	for _, want := range []string{"NOT READY", "catch-all-hits fail", "successful-traffic fail", "not retired"} {
		if !strings.Contains(out+errs, want) {
			t.Errorf("output lacks %q:\n%s%s", want, out, errs)
		}
	}
	if run, cand := dev.dump(t); run != run0 || cand != cand0 {
		t.Fatal("a refused retirement changed the configuration")
	}
	code, out, errs = runCLI(t, dev.actEnv(), dev.args("retire", "--force", "--reason", "CHG-1", "--dry-run", "--since", "2d", "--min-window", "2d", "--db", db)...)
	if code != 0 || !strings.Contains(out, "# dry run: 4 request(s) would be sent") || !strings.Contains(out, "element=<disabled>yes</disabled>") ||
		!strings.Contains(out, "xpath="+catchAllEntry+"/disabled") {
		t.Fatalf("forced dry run = %d:\n%s%s", code, out, errs)
	}
	if run, cand := dev.dump(t); run != run0 || cand != cand0 {
		t.Fatal("a dry run changed the configuration")
	}
	if code, _, errs := runCLI(t, dev.actEnv(), dev.args("retire", "--force", "--since", "2d", "--db", db)...); code != exitUsage || !strings.Contains(errs, "--reason") {
		t.Errorf("--force without --reason = %d (%s); want a usage error", code, errs)
	}
	if code, _, errs := runCLI(t, dev.actEnv(), dev.args("watch", "--db", db)...); code != exitFailure || !strings.Contains(errs, "nothing to watch") {
		t.Errorf("watch without a retirement = %d (%s); want it refused", code, errs)
	}
	if store, err := history.Open(context.Background(), db); err == nil {
		if cs, _ := store.Changes(context.Background(), ""); len(cs) != 0 {
			t.Errorf("the history records %d changes; want none", len(cs))
		}
		store.Close()
	}
}

// A forced retirement of a catch-all that still carries traffic: the
// simulator's configuration has the rule disabled, tagged and annotated;
// the change record says who, when, what and why. A day later the watch
// finds what the rule below denies of the old traffic, exactly as the
// simulator logged it, and exits 4 with the rollback command; that
// command puts back every byte.
func TestRetireWatchFindsResidualAndRollsBack(t *testing.T) {
	dev := newSimDevice(t, 42, 1500, 2, false)
	tr := plantedTruthOf(t, 42)
	if err := dev.sim.Plant(vsysXpath+"/rulebase/default-security-rules/rules", interzoneLogs); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(t.TempDir(), "h.db")
	rec := filepath.Join(t.TempDir(), "CHG-42.json")
	run0, cand0 := dev.dump(t)
	code, out, errs := runCLI(t, dev.actEnv(), dev.args("retire", "--force", "--reason", "CHG-42: residual accepted",
		"--since", "2d", "--min-window", "2d", "--db", db, "--record", rec, "--format", "json")...)
	if code != 0 {
		t.Fatalf("forced retire = %d:\n%s%s", code, out, errs)
	}
	var c mine.Change
	if err := json.Unmarshal([]byte(out), &c); err != nil {
		t.Fatalf("change record on stdout: %v\n%s", err, out)
	}
	b, err := os.ReadFile(rec)
	if err != nil || !strings.Contains(string(b), `"kind": "retire"`) {
		t.Fatalf("--record file: %v\n%s", err, b)
	}
	retiredAt := dev.sim.Now()
	if c.Kind != mine.ChangeRetire || !c.Forced || c.Reason != "CHG-42: residual accepted" || c.Verdict != mine.VerdictNotReady ||
		c.Admin != demoUser || c.Operator != "alice" || c.Status != mine.ChangeCommitted || !c.Commit.Committed || c.Commit.JobID == 0 ||
		!c.Time.Equal(retiredAt) || c.Device.Serial != tr.serial(t, dev) || len(c.Criteria) != 6 || len(c.Diff) == 0 || c.CarriedFlows == 0 ||
		!strings.Contains(c.RuleBefore, "Temporary: open web ports") {
		t.Errorf("change record = %+v", c)
	}
	// The simulator's commit job, and its running configuration.
	job := dev.api(t, "type", "op", "cmd", "<show><jobs><id>"+strconv.FormatUint(uint64(c.Commit.JobID), 10)+"</id></jobs></show>")
	for _, want := range []string{"<type>Commit</type>", "<status>FIN</status>", "<result>OK</result>", "<user>" + demoUser + "</user>",
		"<description>mine: retire " + catchAllRule + "</description>"} {
		if !strings.Contains(job, want) {
			t.Errorf("commit job %d lacks %s:\n%s", c.Commit.JobID, want, job)
		}
	}
	rule := dev.api(t, "type", "config", "action", "show", "xpath", catchAllEntry)
	for _, want := range []string{"<disabled>yes</disabled>", "<member>mine-retired</member>",
		"mine-retired " + retiredAt.UTC().Format("2006-01-02") + ": FORCED against verdict not-ready", "CHG-42: residual accepted"} {
		if !strings.Contains(rule, want) {
			t.Errorf("running rule lacks %q:\n%s", want, rule)
		}
	}

	dev.sim.Advance(24 * time.Hour)
	code, out, errs = runCLI(t, dev.actEnv(), dev.args("watch", "--db", db, "--format", "json")...)
	if code != exitNotReady || !strings.Contains(errs, "roll back: mine retire --undo "+catchAllRule+" --host ") {
		t.Fatalf("watch after retiring a busy catch-all = %d; want %d with the rollback\n%s", code, exitNotReady, errs)
	}
	var rep mine.WatchReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rep.DenyRules, []string{"interzone-default"}) || len(rep.Broken) == 0 || rep.ChangeID != c.ID {
		t.Fatalf("watch = deny rules %v, %d broken flows, change %d", rep.DenyRules, len(rep.Broken), rep.ChangeID)
	}
	// The simulator's own deny logs since the retirement, of ordinary
	// clients to the planted services, flow by flow.
	services := map[string]bool{}
	for _, s := range append(tr.CatchAllServices, tr.OpaqueServices...) {
		services[s.Destination+":"+strconv.Itoa(s.Port)] = true
	}
	scanners := map[string]bool{}
	for _, s := range tr.Scanners {
		scanners[s.Source] = true
	}
	want := map[string]int64{}
	q := fmt.Sprintf("(rule eq interzone-default) and (receive_time geq '%s') and (receive_time leq '%s')",
		devTime(dev.sim, retiredAt), devTime(dev.sim, dev.sim.Now()))
	for _, l := range dev.trafficLogs(t, q) {
		if services[l.Dst+":"+strconv.Itoa(l.Dport)] && !scanners[l.Src] {
			want[l.Src+">"+l.Dst+":"+strconv.Itoa(l.Dport)] += int64(max(l.Repeat, 1))
		}
	}
	got := map[string]int64{}
	dsts := map[string]bool{}
	for _, f := range rep.Broken {
		got[f.Source+">"+f.Destination+":"+strconv.Itoa(f.Port)] += f.Count
		dsts[f.Destination] = true
		if scanners[f.Source] {
			t.Errorf("scanner %s reported as a broken flow", f.Source)
		}
	}
	if len(want) == 0 || !mapsEqual(got, want) {
		t.Errorf("broken flows (%d) differ from the simulator's deny logs of the planted services (%d)", len(got), len(want))
	}
	for _, s := range tr.OpaqueServices {
		if !dsts[s.Destination] {
			t.Errorf("opaque service %s %s/%d not among the denied flows", s.Application, s.Destination, s.Port)
		}
	}

	// The printed rollback: its dry run first changes nothing.
	runR, candR := dev.dump(t)
	code, out, errs = runCLI(t, dev.actEnv(), dev.args("retire", "--undo", catchAllRule, "--db", db, "--dry-run")...)
	if code != 0 || !strings.Contains(out, "# undo of change "+strconv.FormatInt(c.ID, 10)) || !strings.Contains(out, "type=config action=delete") {
		t.Fatalf("rollback --dry-run = %d:\n%s%s", code, out, errs)
	}
	if run, cand := dev.dump(t); run != runR || cand != candR {
		t.Fatal("the rollback's dry run changed the configuration")
	}
	code, _, errs = runCLI(t, dev.actEnv(), dev.args("retire", "--undo", catchAllRule, "--db", db)...)
	if code != 0 {
		t.Fatalf("rollback = %d: %s", code, errs)
	}
	if run, cand := dev.dump(t); run != run0 || cand != cand0 {
		t.Error("the configuration after the rollback differs from before the retirement")
	}
	if code, _, errs := runCLI(t, dev.actEnv(), dev.args("retire", "--undo", catchAllRule, "--db", db)...); code != exitFailure || !strings.Contains(errs, "nothing to undo") {
		t.Errorf("second rollback = %d (%s); want nothing to undo", code, errs)
	}
}

// Without an override that logs interzone-default, the retired
// catch-all's flows are denied without a trace: the watch does not claim
// all is well, it names the silent rule and exits 5.
func TestWatchSilentDenyRule(t *testing.T) {
	dev := newSimDevice(t, 49, 1500, 2, false)
	db := filepath.Join(t.TempDir(), "h.db")
	if code, out, errs := runCLI(t, dev.actEnv(), dev.args("retire", "--force", "--reason", "test", "--since", "2d", "--min-window", "2d", "--db", db)...); code != 0 {
		t.Fatalf("forced retire = %d:\n%s%s", code, out, errs)
	}
	dev.sim.Advance(12 * time.Hour)
	code, out, errs := runCLI(t, dev.actEnv(), dev.args("watch", "--db", db)...)
	if code != exitNoEvidence || !strings.Contains(out, "interzone-default took ") || !strings.Contains(errs, "cannot tell") {
		t.Errorf("watch with a silent interzone-default = %d; want %d naming it\n%s%s", code, exitNoEvidence, out, errs)
	}
}

func mapsEqual(a, b map[string]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// serial is the simulated firewall's serial, as its system info says.
func (tr plantedTruth) serial(t *testing.T, dev *simDevice) string {
	t.Helper()
	var info struct {
		Serial string `xml:"result>system>serial"`
	}
	xml.Unmarshal([]byte(dev.api(t, "type", "op", "cmd", "<show><system><info/></system></show>")), &info)
	return info.Serial
}

// The suggested rules in place and enabled (and one for the opaque
// services): the drained catch-all is READY and retired without force; a
// day later the watch finds nothing it carried denied (only scanners,
// listed apart), exit 0; the undo puts the rule back byte for byte.
func TestRetireReadyAndWatchFindsNothing(t *testing.T) {
	dev := newSimDevice(t, 43, 2000, 3, false)
	tr := plantedTruthOf(t, 43)
	code, out, errs := runCLI(t, dev.env, dev.args("suggest", "--since", "3d", "--format", "json")...)
	if code != 0 {
		t.Fatalf("mine suggest = %d: %s", code, errs)
	}
	var doc analysisDoc
	if err := json.Unmarshal([]byte(out), &doc); err != nil || len(doc.Suggestions) == 0 {
		t.Fatalf("suggest JSON: %v, %d suggestions", err, len(doc.Suggestions))
	}
	for _, s := range doc.Suggestions {
		for _, o := range s.Objects {
			dev.config(t, url.Values{"type": {"config"}, "action": {"set"}, "xpath": {o.XPath}, "element": {o.XML}})
		}
		dev.config(t, url.Values{"type": {"config"}, "action": {"set"}, "xpath": {s.XPath}, "element": {s.XML}})
		dev.config(t, url.Values{"type": {"config"}, "action": {"move"}, "xpath": {s.XPath + "/entry[@name='" + s.Name + "']"}, "where": {"before"}, "dst": {catchAllRule}})
		dev.config(t, url.Values{"type": {"config"}, "action": {"edit"}, "xpath": {s.XPath + "/entry[@name='" + s.Name + "']/disabled"}, "element": {"<disabled>no</disabled>"}})
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
	dev.config(t, url.Values{"type": {"config"}, "action": {"move"}, "xpath": {rulesXpath + "/entry[@name='Allow-Opaque']"}, "where": {"before"}, "dst": {catchAllRule}})
	dev.config(t, url.Values{"type": {"config"}, "action": {"set"}, "xpath": {vsysXpath + "/rulebase/default-security-rules/rules"}, "element": {interzoneLogs}})
	dev.config(t, url.Values{"type": {"commit"}, "cmd": {"<commit></commit>"}})
	dev.sim.Advance(2*24*time.Hour + 2*time.Hour)

	rule0 := dev.api(t, "type", "config", "action", "show", "xpath", catchAllEntry)
	db := filepath.Join(t.TempDir(), "h.db")
	code, out, errs = runCLI(t, dev.actEnv(), dev.args("retire", catchAllRule, "--since", "2d", "--min-window", "2d", "--recent", "2d", "--db", db)...)
	if code != 0 || !strings.Contains(out, catchAllRule+": READY") || !strings.Contains(out, "committed") {
		t.Fatalf("retire of the drained catch-all = %d:\n%s%s", code, out, errs)
	}
	rule := dev.api(t, "type", "config", "action", "show", "xpath", catchAllEntry)
	if !strings.Contains(rule, "<disabled>yes</disabled>") || !strings.Contains(rule, ": verdict ready over ") || strings.Contains(rule, "FORCED") {
		t.Errorf("running rule after a ready retirement:\n%s", rule)
	}
	dev.sim.Advance(24 * time.Hour)
	code, out, errs = runCLI(t, dev.actEnv(), dev.args("watch", "--db", db, "--format", "json")...)
	if code != 0 {
		t.Fatalf("watch after the ready retirement = %d:\n%s%s", code, out, errs)
	}
	var rep mine.WatchReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Broken) != 0 {
		t.Errorf("broken flows after the suggested rules took over: %+v", rep.Broken)
	}
	scanners := map[string]bool{}
	for _, s := range tr.Scanners {
		scanners[s.Source] = true
	}
	for _, f := range rep.Scanners {
		if !scanners[f.Source] {
			t.Errorf("%s listed as a scanner; the planted ones are %v", f.Source, tr.Scanners)
		}
	}
	if len(rep.Scanners) == 0 {
		t.Error("the scanners' probes, denied now, are not listed")
	}
	code, out, _ = runCLI(t, dev.actEnv(), dev.args("watch", "--db", db)...)
	if code != 0 || !strings.Contains(out, "nothing the catch-all carried is denied") {
		t.Errorf("watch table = %d:\n%s", code, out)
	}
	if code, _, errs := runCLI(t, dev.actEnv(), dev.args("retire", "--undo", catchAllRule, "--db", db)...); code != 0 {
		t.Fatalf("undo = %d: %s", code, errs)
	}
	if got := dev.api(t, "type", "config", "action", "show", "xpath", catchAllEntry); got != rule0 {
		t.Errorf("rule after undo:\n%s\nwant\n%s", got, rule0)
	}
}
