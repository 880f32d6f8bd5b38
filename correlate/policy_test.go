package correlate

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/panos-mine/mine"
)

// objectRulebase is vsys1 with rules above the catch-all that use
// objects. Every expected answer below follows from these objects, worked
// out by hand:
//
//   - web-farm (group) = web1 10.20.1.10 + web2 10.20.1.11; "Web-Farm"
//     allows them web-browsing on service-http (tcp/80, 8080);
//   - "Lying" allows 10.20.2.10 on service tcp-8080, which is really tcp/8443;
//   - "Finance-Only" allows 10.20.3.10 to corp\finance only;
//   - "No-Social" denies URL category social-networking to 10.20.4.10,
//     above "Allow-Social", which allows it to everyone.
func objectRulebase() *mine.Policy {
	shared := mine.NewObjectScope("shared", "")
	v := mine.NewObjectScope("vsys1", "shared")
	v.Addresses["web1"] = mine.Address{Name: "web1", Kind: mine.AddressNetmask, Value: "10.20.1.10"}
	v.Addresses["web2"] = mine.Address{Name: "web2", Kind: mine.AddressNetmask, Value: "10.20.1.11/32"}
	v.AddressGroups["web-farm"] = mine.AddressGroup{Name: "web-farm", Static: []string{"web1", "web2"}}
	v.Services["tcp-8080"] = mine.Service{Name: "tcp-8080", Protocol: "tcp", Port: "8443"}
	any := []string{"any"}
	rules := []mine.Rule{
		{Name: "Web-Farm", From: []string{"trust"}, To: []string{"dmz"}, Source: any, Destination: []string{"web-farm"}, Application: []string{"web-browsing"}, Service: []string{"service-http"}, Action: "allow"},
		{Name: "Lying", From: []string{"trust"}, To: []string{"dmz"}, Source: any, Destination: []string{"10.20.2.10"}, Application: any, Service: []string{"tcp-8080"}, Action: "allow"},
		{Name: "Finance-Only", From: []string{"trust"}, To: []string{"dmz"}, Source: any, Destination: []string{"10.20.3.10"}, SourceUser: []string{"corp\\finance"}, Application: any, Service: any, Action: "allow"},
		{Name: "No-Social", From: []string{"trust"}, To: []string{"dmz"}, Source: any, Destination: []string{"10.20.4.10"}, Category: []string{"social-networking"}, Application: any, Service: any, Action: "deny"},
		{Name: "Allow-Social", From: []string{"trust"}, To: []string{"dmz"}, Source: any, Destination: []string{"10.20.4.10"}, Application: any, Service: any, Action: "allow"},
		{Name: "CA", From: any, To: any, Source: any, Destination: any, Application: any, Service: any, Action: "allow"},
	}
	for i := range rules {
		rules[i].Position, rules[i].Scope, rules[i].Location = i, "vsys1", "vsys1"
	}
	return &mine.Policy{Context: "vsys1", Rules: rules, Scopes: map[string]*mine.ObjectScope{"shared": shared, "vsys1": v}}
}

func policyScene() (*scene, *mine.Policy) {
	s := newScene("CA")
	// Two clients each: 10.1.0.5 and 10.1.0.6, 3 sessions per flow.
	for _, c := range []string{"10.1.0.5", "10.1.0.6"} {
		for _, f := range []struct {
			dst, app string
			port     int
		}{
			{"10.20.1.10", "web-browsing", 8080}, // Web-Farm: group member, service-http
			{"10.20.1.11", "web-browsing", 80},   // Web-Farm
			{"10.20.2.10", "web-browsing", 8080}, // Lying does not take 8080
			{"10.20.3.10", "web-browsing", 80},   // Finance-Only: depends on the user
			{"10.20.4.10", "web-browsing", 80},   // No-Social may deny it: depends
		} {
			s.sessions("CA", c, f.dst, f.app, f.port, 3, time.Hour)
			s.http("CA", c, f.dst, f.app, f.port, 200, strings.ReplaceAll(f.dst, ".", "-")+".corp/x", time.Hour)
		}
	}
	return s, objectRulebase()
}

// reportWith analyses the scene. Web-Farm's hit counter says it was
// created two hours before the traffic, so the traffic still on the
// catch-all after it is open evidence in the readiness verdict.
func reportWith(s *scene, p *mine.Policy, checks []FlowCheck) *mine.Report {
	ca := []mine.Rule{p.Rules[len(p.Rules)-1]}
	return s.a.Report(Input{
		Device: mine.Device{Hostname: "fw", Serial: "007900000001"},
		Window: mine.Window{From: t0.Add(-time.Hour), To: t0.Add(24*time.Hour - time.Hour)},
		Policy: p, CatchAll: ca, Generated: t0, FlowChecks: checks,
		Hits: []mine.RuleHits{{Rule: "Web-Farm", HitCount: 5, Created: t0.Add(-2 * time.Hour)}},
	})
}

// TestCoverageWithObjects: 30 catch-all sessions (5 services x 2 clients x
// 3). Web-Farm carries 12 (both farm servers, through a group and
// service-http). Lying carries none: its tcp-8080 is 8443, so its server
// gets a suggestion, which carries its 6. Finance-Only depends on the
// user, but the suggestion for its server sits below it and allows the
// same flows: carried whichever way, so covered (6, by the suggestion).
// No-Social may deny its server's 6 by URL category: they depend, and are
// never counted as covered, whatever the suggestion below. The Web-Farm
// servers get no suggestion (already covered).
func TestCoverageWithObjects(t *testing.T) {
	s, p := policyScene()
	r := reportWith(s, p, nil)
	cov := r.Coverage
	if cov.Total != 30 || cov.Depends != 6 || cov.Covered != 24 {
		t.Fatalf("coverage total %d covered %d depends %d; want 30, 24 and 6", cov.Total, cov.Covered, cov.Depends)
	}
	var web int64
	for _, rc := range cov.ByRule {
		if rc.Rule == "Web-Farm" {
			web = rc.Count
		}
		if rc.Rule == "Lying" || rc.Rule == "Finance-Only" || rc.Rule == "Allow-Social" {
			t.Errorf("rule %s carries %d; want nothing", rc.Rule, rc.Count)
		}
	}
	if web != 12 {
		t.Errorf("Web-Farm carries %d; want 12", web)
	}
	deps := map[string]string{}
	for _, d := range cov.DependsOn {
		deps[d.Destination] = d.Rule + ": " + strings.Join(d.Reasons, ", ")
	}
	if len(deps) != 1 || !strings.HasPrefix(deps["10.20.4.10"], "No-Social: URL category") {
		t.Errorf("depends lines = %q; want one: No-Social on the URL category", deps)
	}
	var sugDst []string
	for _, sg := range r.Suggestions {
		sugDst = append(sugDst, sg.Destination...)
	}
	slices.Sort(sugDst)
	// Lying's server, and the two whose rules depend (a suggestion makes
	// them certain).
	if want := []string{"10.20.2.10", "10.20.3.10", "10.20.4.10"}; !slices.Equal(sugDst, want) {
		t.Errorf("suggestions for %v; want %v", sugDst, want)
	}
	for _, sg := range r.Suggestions {
		if sg.Destination[0] == "10.20.2.10" && !slices.Equal(sg.Service, []string{"mine-tcp-8080"}) {
			t.Errorf("suggestion for 10.20.2.10 service %v; want mine-tcp-8080 (the device's tcp-8080 is 8443)", sg.Service)
		}
	}
	open := false
	for _, rd := range r.Readiness {
		for _, c := range rd.Criteria {
			if c.Name == CriterionSuccess && strings.Contains(c.Evidence, "traffic to 10.20.1.1") && strings.Contains(c.Evidence, "still after Web-Farm changed") {
				open = true
			}
			for _, bad := range []string{"mine-web-browsing-10-20-1-10", "mine-web-browsing-10-20-1-11"} {
				if strings.Contains(c.Evidence, bad) {
					t.Errorf("criterion %s names %s, which is not a suggestion: %s", c.Name, bad, c.Evidence)
				}
			}
		}
	}
	if !open {
		t.Errorf("readiness does not list the farm traffic still on the catch-all after Web-Farm was created: %+v", r.Readiness)
	}
}

// TestDeviceAnswersWin: the device says Web-Farm does not take 10.20.1.10
// (the catch-all does), and that Finance-Only takes 10.20.3.10 for a
// client; mine reports the first as a disagreement and trusts the device
// for both.
func TestDeviceAnswersWin(t *testing.T) {
	s, p := policyScene()
	checks := s.a.FlowChecks(Input{Policy: p, CatchAll: []mine.Rule{p.Rules[len(p.Rules)-1]}}, 100)
	if len(checks) != 10 {
		t.Fatalf("%d flow checks; want the 10 distinct flows", len(checks))
	}
	// The largest services come first, every service before a second flow
	// of any: the first five checks are five different destinations.
	first := map[string]bool{}
	for _, c := range checks[:5] {
		first[c.Destination] = true
	}
	if len(first) != 5 {
		t.Errorf("first five checks cover %d destinations; want 5", len(first))
	}
	for i := range checks {
		c := &checks[i]
		c.Answered = true
		switch c.Destination {
		case "10.20.1.10":
			if c.Mine != "Web-Farm" {
				t.Errorf("mine's rule for %s = %q; want Web-Farm", c.Destination, c.Mine)
			}
			c.Device = "CA"
		case "10.20.3.10":
			if c.Mine != "" || len(c.MineDepends) == 0 {
				t.Errorf("mine's answer for %s = %q %v; want depends", c.Destination, c.Mine, c.MineDepends)
			}
			c.Device = "Finance-Only"
		default:
			c.Device = c.Mine
			if c.Mine == "" {
				c.Device = "CA"
			}
		}
	}
	r := reportWith(s, p, checks)
	pc := r.PolicyChecks
	if pc == nil || pc.Checked != 10 || len(pc.Disagreements) != 2 || pc.Resolved != 4 || pc.Agreed != 4 {
		t.Fatalf("policy checks = %+v; want 10 checked, 2 disagreements (10.20.1.10 x2), 4 resolved, 4 agreed", pc)
	}
	for _, d := range pc.Disagreements {
		if d.Destination != "10.20.1.10" || d.Mine != "Web-Farm" || d.Device != "CA" {
			t.Errorf("disagreement %+v; want 10.20.1.10 Web-Farm vs CA", d)
		}
	}
	var web, fin int64
	for _, rc := range r.Coverage.ByRule {
		switch rc.Rule {
		case "Web-Farm":
			web = rc.Count
		case "Finance-Only":
			fin = rc.Count
		}
	}
	// Web-Farm keeps only 10.20.1.11 (6); Finance-Only carries 10.20.3.10 (6).
	if web != 6 || fin != 6 {
		t.Errorf("Web-Farm carries %d, Finance-Only %d; want 6 and 6 as the device says", web, fin)
	}
}
