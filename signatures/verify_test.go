package signatures

import (
	"context"
	"encoding/xml"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/panos-mine/mine/panosim"
)

const catchAll = "Allow-Web-Ports"

var catchAllXP = vsys1 + "/rulebase/security/rules/entry[@name='" + catchAll + "']"

// threatCount runs a log query on the simulator and counts the entries.
func (d *device) threatCount(q string) int {
	d.t.Helper()
	var sub struct {
		Job int `xml:"result>job"`
	}
	if err := xml.Unmarshal(d.call("type", "log", "log-type", "threat", "query", q, "nlogs", "5000"), &sub); err != nil {
		d.t.Fatal(err)
	}
	for range 10 {
		var ans struct {
			Status string `xml:"result>job>status"`
			Logs   struct {
				Count int `xml:"count,attr"`
			} `xml:"result>log>logs"`
		}
		if err := xml.Unmarshal(d.call("type", "log", "action", "get", "job-id", itoa(sub.Job)), &ans); err != nil {
			d.t.Fatal(err)
		}
		if ans.Status == "FIN" {
			return ans.Logs.Count
		}
	}
	d.t.Fatalf("log job %d never finished", sub.Job)
	return 0
}

func itoa(n int) string { return strconv.Itoa(n) }

// catchAllLogs200 lets six hours of traffic flow and reports whether the
// simulator wrote HTTP-200 (41003) threat logs with action alert for the
// catch-all (a blocking action logs too, but the response never reaches
// the client): the simulator's own, independent verdict.
func (d *device) catchAllLogs200() bool {
	d.t.Helper()
	d.sim.Advance(6 * time.Hour)
	return d.threatCount("(rule eq '"+catchAll+"') and (threatid eq 41003) and (action eq alert)") > 0
}

// vulnProfile renders a vulnerability profile whose rules r1, r2… are
// given as {action, severities (comma-separated), host}.
func vulnProfile(name string, rules ...[3]string) string {
	var b strings.Builder
	b.WriteString(`<entry name="` + name + `"><rules>`)
	for i, r := range rules {
		sev := ""
		for _, s := range strings.Split(r[1], ",") {
			sev += "<member>" + s + "</member>"
		}
		fmt.Fprintf(&b, `<entry name="r%d"><action><%s/></action><vendor-id><member>any</member></vendor-id><severity>%s</severity>`+
			`<cve><member>any</member></cve><threat-name>any</threat-name><host>%s</host><category>any</category>`+
			`<packet-capture>disable</packet-capture></entry>`, i+1, r[0], sev, r[2])
	}
	b.WriteString(`</rules></entry>`)
	return b.String()
}

// Verify detects every condition that keeps the signatures silent, and
// agrees with the simulator's own evaluation of the traffic.
func TestVerifyConditions(t *testing.T) {
	profiles := vsys1 + "/profiles/vulnerability"
	tests := []struct {
		name    string
		bare    bool
		plant   [][2]string // xpath, element planted into the committed config
		rule    string      // --rule; "" = detect the catch-all
		logs    bool
		problem string // substring of a problem
	}{
		{"corp profile group logs", false, nil, "", true, ""},
		{"predefined default profile", true, nil, "", false, "vulnerability profile default (predefined): no rule covers severity informational"},
		{"predefined strict profile", true, [][2]string{{catchAllXP + "/profile-setting/profiles/vulnerability", "<member>strict</member>"}}, "", true, ""},
		{"no profile", false, [][2]string{{catchAllXP + "/profile-setting", "<profiles><virus><member>default</member></virus></profiles>"}}, "", false, "no vulnerability profile"},
		{"profile group without vulnerability", false, [][2]string{
			{vsys1 + "/profile-group", `<entry name="av-only"><virus><member>default</member></virus></entry>`},
			{catchAllXP + "/profile-setting", "<group><member>av-only</member></group>"}}, "", false, "profile group av-only has no vulnerability profile"},
		{"severity not covered", false, [][2]string{
			{profiles, vulnProfile("p", [3]string{"default", "critical,high,medium,low", "any"})},
			{catchAllXP + "/profile-setting", "<profiles><vulnerability><member>p</member></vulnerability></profiles>"}}, "", false, "r1: severity critical,high,medium,low"},
		{"host server only", false, [][2]string{
			{profiles, vulnProfile("p", [3]string{"alert", "any", "server"})},
			{catchAllXP + "/profile-setting", "<profiles><vulnerability><member>p</member></vulnerability></profiles>"}}, "", false, "r1: host server"},
		{"action allow", false, [][2]string{
			{profiles, vulnProfile("p", [3]string{"allow", "informational", "any"})},
			{catchAllXP + "/profile-setting", "<profiles><vulnerability><member>p</member></vulnerability></profiles>"}}, "", false, "rule r1 matches with action allow"},
		{"first match allows", false, [][2]string{
			{profiles, vulnProfile("p", [3]string{"allow", "informational", "client"}, [3]string{"alert", "any", "any"})},
			{catchAllXP + "/profile-setting", "<profiles><vulnerability><member>p</member></vulnerability></profiles>"}}, "", false, "rule r1 matches with action allow"},
		{"action blocks", false, [][2]string{
			{profiles, vulnProfile("p", [3]string{"reset-both", "any", "client"})},
			{catchAllXP + "/profile-setting", "<profiles><vulnerability><member>p</member></vulnerability></profiles>"}}, "", false, "rule r1 matches with action reset-both: the signatures would block the traffic"},
		{"any severity alert", false, [][2]string{
			{profiles, vulnProfile("p", [3]string{"alert", "any", "client"})},
			{catchAllXP + "/profile-setting", "<profiles><vulnerability><member>p</member></vulnerability></profiles>"}}, "", true, ""},
		{"threat exception silences 41003", false, [][2]string{
			{vsys1 + "/profiles/vulnerability/entry[@name='corp-vuln']/threat-exception", `<entry name="41003"><action><allow/></action></entry>`}},
			"", false, "threat exception 41003 sets action allow, which silences 41003 (HTTP-200)"},
		{"server response inspection off", false, [][2]string{{catchAllXP + "/option", "<disable-server-response-inspection>yes</disable-server-response-inspection>"}},
			"", false, "disable-server-response-inspection"},
		{"rule disabled", false, [][2]string{{catchAllXP, "<disabled>yes</disabled>"}}, catchAll, false, "the rule is disabled"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d := newFirewall(t, panosim.Options{Seed: 11, Bare: tc.bare, SessionsPerDay: 400})
			for _, p := range tc.plant {
				must(t, d.sim.Plant(p[0], p[1]))
			}
			dep := d.connect()
			if _, err := dep.Deploy(context.Background(), Default(), Location{}); err != nil {
				t.Fatal(err)
			}
			rules := []string{"Allow-Web-Ports"}
			if tc.rule != "" {
				rules = []string{tc.rule}
			}
			v, err := dep.Verify(context.Background(), Default(), PolicyScope{}, rules)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if len(v.Rules) != 1 || v.Rules[0].Rule != catchAll {
				t.Fatalf("Verify checked %+v; want the catch-all %s", v.Rules, []string{catchAll})
			}
			rc := v.Rules[0]
			if rc.Logs != tc.logs || v.OK() != tc.logs {
				t.Errorf("Logs = %v (problems %q); want %v", rc.Logs, rc.Problems, tc.logs)
			}
			if tc.problem != "" && !slices.ContainsFunc(rc.Problems, func(p string) bool { return strings.Contains(p, tc.problem) }) {
				t.Errorf("problems = %q; want one containing %q", rc.Problems, tc.problem)
			}
			if sim, says := d.catchAllLogs200(), !slices.Contains(rc.Silent, 41003); sim != says {
				t.Errorf("the simulator logs HTTP-200 on the catch-all: %v; Verify says %v", sim, says)
			}
		})
	}
}

// readProfile reads a vulnerability profile of vsys1's running config.
func (d *device) readProfile(name string) *xnode {
	d.t.Helper()
	root, err := parseXML(d.call("type", "config", "action", "show", "xpath", vsys1+"/profiles/vulnerability/entry[@name='"+name+"']"))
	if err != nil {
		d.t.Fatal(err)
	}
	return root.at("response", "result", "entry")
}

// Attach makes the catch-all log without weakening it: the clone keeps
// every rule of the profile the rule had (here through a group, whose other
// profiles stay on the rule), and the traffic then logs.
func TestAttachPreservesProfileRules(t *testing.T) {
	d := newFirewall(t, panosim.Options{Seed: 12, SessionsPerDay: 400})
	// The corp profile stops short of informational.
	must(t, d.sim.Plant(vsys1+"/profiles/vulnerability/entry[@name='corp-vuln']/rules/entry[@name='alert-medium-low-info']/severity",
		"<member>medium</member>"))
	d.call("type", "config", "action", "edit", "xpath", vsys1+"/profiles/vulnerability/entry[@name='corp-vuln']/rules/entry[@name='alert-medium-low-info']/severity",
		"element", "<severity><member>medium</member><member>low</member></severity>")
	d.call("type", "commit", "cmd", "<commit/>")
	d.sim.Advance(time.Second)
	corp := d.readProfile("corp-vuln")
	dep := d.connect()
	ctx := context.Background()
	if _, err := dep.Deploy(ctx, Default(), Location{}); err != nil {
		t.Fatal(err)
	}
	if v, err := dep.Verify(ctx, Default(), PolicyScope{}, []string{catchAll}); err != nil || v.OK() {
		t.Fatalf("Verify before attach = %+v, %v; want a failing catch-all", v, err)
	}
	d.requests()
	att, err := dep.PlanAttach(ctx, Default(), PolicyScope{}, []string{catchAll})
	if err != nil {
		t.Fatal(err)
	}
	if w := writes(d.requests()); len(w) != 0 {
		t.Errorf("PlanAttach sent %v; want nothing", w)
	}
	if len(att.Diffs) != 2 || att.Diffs[0].Before != "" || !strings.Contains(att.Diffs[1].Before, "corp-profiles") {
		t.Errorf("diffs = %+v; want a new profile and the rule's profile-setting before/after", att.Diffs)
	}
	if _, _, err := dep.Attach(ctx, Default(), PolicyScope{}, []string{catchAll}); err != nil {
		t.Fatalf("Attach: %v", err)
	}
	clone := d.readProfile("mine-http-status")
	if clone == nil {
		t.Fatal("no mine-http-status profile in the running config")
	}
	var names []string
	for _, r := range clone.child("rules").entries() {
		names = append(names, r.attr("name"))
		if orig := corp.child("rules").entry(r.attr("name")); orig != nil && canon(orig) != canon(r) {
			t.Errorf("clone rule %s = %s; want the original %s", r.attr("name"), canon(r), canon(orig))
		}
	}
	if !slices.Equal(names, []string{"block-critical-high", "alert-medium-low-info", "mine-http-status"}) {
		t.Errorf("clone rules = %v; want the corp rules then mine's", names)
	}
	root, err := parseXML(d.call("type", "config", "action", "show", "xpath", catchAllXP+"/profile-setting"))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, c := range root.at("response", "result", "profile-setting", "profiles").children {
		got[c.name] = strings.Join(c.members(), ",")
	}
	want := map[string]string{"virus": "default", "spyware": "strict", "vulnerability": "mine-http-status", "url-filtering": "default", "wildfire-analysis": "default"}
	if len(got) != len(want) {
		t.Errorf("catch-all profiles = %v; want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("catch-all %s profile = %q; want %q (the group's)", k, got[k], v)
		}
	}
	if g := string(d.call("type", "config", "action", "show", "xpath", vsys1+"/profile-group/entry[@name='corp-profiles']/vulnerability")); !strings.Contains(g, "corp-vuln") {
		t.Errorf("the shared profile group changed: %s", g)
	}
	v, err := dep.Verify(ctx, Default(), PolicyScope{}, []string{catchAll})
	if err != nil || !v.OK() {
		t.Errorf("Verify after attach = %+v, %v; want OK", v, err)
	}
	if !d.catchAllLogs200() {
		t.Errorf("after attach the simulator writes no HTTP-200 logs for the catch-all")
	}
	// Attaching again changes nothing.
	d.requests()
	if _, _, err := dep.Attach(ctx, Default(), PolicyScope{}, []string{catchAll}); err != nil {
		t.Fatal(err)
	}
	if w := writes(d.requests()); len(w) != 0 {
		t.Errorf("second attach sent %v; want nothing", w)
	}
}

// A shadowing rule or exception is not weakened: the clone keeps it and
// adds alert exceptions for the signatures' IDs only.
func TestAttachAddsExceptionsWhenShadowed(t *testing.T) {
	d := newFirewall(t, panosim.Options{Seed: 13, SessionsPerDay: 400, Bare: true})
	must(t, d.sim.Plant(vsys1+"/profiles/vulnerability", vulnProfile("quiet", [3]string{"allow", "informational", "any"}, [3]string{"reset-both", "critical", "any"})))
	must(t, d.sim.Plant(catchAllXP+"/profile-setting/profiles/vulnerability", "<member>quiet</member>"))
	dep := d.connect()
	c, err := Build(Options{Codes: "200,404"})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = dep.Attach(context.Background(), c, PolicyScope{}, []string{catchAll})
	if err == nil || !strings.Contains(err.Error(), "deploy them first") {
		t.Fatalf("Attach before the signatures exist = %v; want an error asking to deploy first", err)
	}
	if _, err := dep.Deploy(context.Background(), c, Location{}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := dep.Attach(context.Background(), c, PolicyScope{}, []string{catchAll}); err != nil {
		t.Fatal(err)
	}
	clone := d.readProfile("mine-http-status")
	var rules, exc []string
	for _, r := range clone.child("rules").entries() {
		rules = append(rules, r.attr("name")+":"+r.child("action").choice())
	}
	for _, x := range clone.child("threat-exception").entries() {
		exc = append(exc, x.attr("name")+":"+x.child("action").choice())
	}
	if !slices.Equal(rules, []string{"r1:allow", "r2:reset-both", "mine-http-status:alert"}) {
		t.Errorf("clone rules = %v; want the originals kept in order, then mine's", rules)
	}
	if !slices.Equal(exc, []string{"41003:alert", "41026:alert"}) {
		t.Errorf("clone exceptions = %v; want alert for 41003 and 41026 only", exc)
	}
	v, err := dep.Verify(context.Background(), c, PolicyScope{}, []string{catchAll})
	if err != nil || !v.OK() {
		t.Errorf("Verify after attach = %+v, %v; want OK", v, err)
	}
}

// On Panorama, verify reads the device group's rules (the catch-all is in
// its post-rulebase), and attach clones the profile into the group, commits
// and pushes: the managed firewalls then log through the pushed rule.
func TestPanoramaVerifyAndAttach(t *testing.T) {
	sim := panosim.New(panosim.Options{Seed: 16, SessionsPerDay: 400, Bare: true,
		Panorama: &panosim.PanoramaOptions{DeviceGroups: []panosim.DeviceGroupOptions{{Name: "DG-Edge", Firewalls: 2}}}})
	d := serve(t, sim)
	dep := d.connect()
	ctx := context.Background()
	scope := PolicyScope{DeviceGroup: "DG-Edge"}
	if _, err := dep.Verify(ctx, Default(), PolicyScope{}, []string{catchAll}); err == nil {
		t.Error("Verify on Panorama without a device group succeeded; want an error")
	}
	if _, err := dep.Deploy(ctx, Default(), Location{}); err != nil {
		t.Fatal(err)
	}
	v, err := dep.Verify(ctx, Default(), scope, []string{catchAll})
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Rules) != 1 || v.Rules[0].Rule != catchAll || v.Rules[0].Where != "DG-Edge post-rulebase" || v.OK() || len(v.Missing) != 0 {
		t.Fatalf("Verify = %+v; want the DG-Edge post-rulebase catch-all, failing, signatures present", v)
	}
	att, res, err := dep.Attach(ctx, Default(), scope, []string{catchAll})
	if err != nil {
		t.Fatalf("Attach: %v", err)
	}
	if !res.Committed || len(res.Pushes) != 1 || len(res.Pushes[0].Devices) != 2 {
		t.Errorf("Attach result = %+v; want a commit and a push to both firewalls", res)
	}
	if !strings.Contains(att.Plan.Changes[0].Xpath, "device-group/entry[@name='DG-Edge']/profiles/vulnerability/entry[@name='mine-http-status']") {
		t.Errorf("clone written at %s; want the device group", att.Plan.Changes[0].Xpath)
	}
	if v, err := dep.Verify(ctx, Default(), scope, []string{catchAll}); err != nil || !v.OK() {
		t.Errorf("Verify after attach = %+v, %v; want OK", v, err)
	}
	sim.Advance(6 * time.Hour)
	for _, fw := range sim.Firewalls() {
		f := serve(t, fw)
		if n := f.threatCount("(rule eq '" + catchAll + "') and (threatid eq 41003)"); n == 0 {
			t.Errorf("firewall %s writes no HTTP-200 logs for the pushed catch-all", fw.Serial())
		}
	}
}

// A rule whose profile logs but which turns off server response inspection
// is not changed by attach: a profile cannot fix it, and the plan says so.
func TestAttachLeavesRuleLevelProblems(t *testing.T) {
	d := newFirewall(t, panosim.Options{Seed: 17})
	must(t, d.sim.Plant(catchAllXP+"/option", "<disable-server-response-inspection>yes</disable-server-response-inspection>"))
	dep := d.connect()
	if _, err := dep.Deploy(context.Background(), Default(), Location{}); err != nil {
		t.Fatal(err)
	}
	att, err := dep.PlanAttach(context.Background(), Default(), PolicyScope{}, []string{catchAll})
	if err != nil {
		t.Fatal(err)
	}
	if len(att.Plan.Changes) != 0 || !slices.ContainsFunc(att.Plan.Notes, func(n string) bool { return strings.Contains(n, "a profile cannot fix the rule itself") }) {
		t.Errorf("attach plan = %d changes, notes %q; want none and a note", len(att.Plan.Changes), att.Plan.Notes)
	}
}
