package correlate

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/panos-mine/mine"
)

// The catch-all's flows come out one per client and service, scanners
// marked, from the traffic logs (sessions summed, first and last seen).
func TestCatchAllFlows(t *testing.T) {
	s := newScene("CA")
	s.sessions("CA", "10.1.0.5", "10.20.5.11", "jenkins", 8080, 3, 0)
	s.sessions("CA", "10.1.0.5", "10.20.5.11", "jenkins", 8080, 2, 2*time.Hour)
	s.sessions("CA", "10.1.0.7", "10.20.5.11", "jenkins", 8080, 1, time.Hour)
	s.sessions("CA", "10.1.0.7", "10.20.10.22", "ssh", 22, 4, time.Hour)
	s.sessions("Other", "10.1.0.7", "10.20.1.10", "web-browsing", 80, 9, time.Hour)
	s.sweep("CA", "10.66.0.1", "10.20.5.11", "jenkins", 8080, 3*time.Hour)
	s.sessions("CA", "10.66.0.1", "10.20.5.11", "jenkins", 8080, 5, 3*time.Hour)
	got := s.a.CatchAllFlows()
	want := []mine.CarriedFlow{
		{CatchAllRule: "CA", From: "trust", To: "dmz", Source: "10.1.0.5", Destination: "10.20.5.11", Application: "jenkins", Protocol: "tcp", Port: 8080,
			Sessions: 5, FirstSeen: t0, LastSeen: t0.Add(2 * time.Hour)},
		{CatchAllRule: "CA", From: "trust", To: "dmz", Source: "10.1.0.7", Destination: "10.20.5.11", Application: "jenkins", Protocol: "tcp", Port: 8080,
			Sessions: 1, FirstSeen: t0.Add(time.Hour), LastSeen: t0.Add(time.Hour)},
		{CatchAllRule: "CA", From: "trust", To: "dmz", Source: "10.66.0.1", Destination: "10.20.5.11", Application: "jenkins", Protocol: "tcp", Port: 8080,
			Sessions: 5, FirstSeen: t0.Add(3 * time.Hour), LastSeen: t0.Add(3 * time.Hour), Scanner: true},
		{CatchAllRule: "CA", From: "trust", To: "dmz", Source: "10.1.0.7", Destination: "10.20.10.22", Application: "ssh", Protocol: "tcp", Port: 22,
			Sessions: 4, FirstSeen: t0.Add(time.Hour), LastSeen: t0.Add(time.Hour)},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("CatchAllFlows =\n%+v\nwant\n%+v", got, want)
	}
}

// The watch sorts what deny rules denied after the retirement: a known
// client of a carried service, a new client of it (the cleanup rule says
// not-applicable: the catch-all's application stands in), a scanner, and
// traffic the catch-all never carried.
func TestWatch(t *testing.T) {
	carried := []mine.CarriedFlow{
		{CatchAllRule: "CA", Source: "10.1.0.5", Destination: "10.20.5.11", Application: "jenkins", Protocol: "tcp", Port: 8080, Sessions: 5},
		{CatchAllRule: "CA", Source: "10.1.0.7", Destination: "10.20.5.11", Application: "jenkins", Protocol: "tcp", Port: 8080, Sessions: 1},
		{CatchAllRule: "CA", Source: "10.66.0.1", Destination: "10.20.5.11", Application: "jenkins", Protocol: "tcp", Port: 8080, Sessions: 5, Scanner: true},
		{CatchAllRule: "CA", Source: "10.1.0.7", Destination: "10.20.10.22", Application: "ssh", Protocol: "tcp", Port: 22, Sessions: 4},
		{CatchAllRule: "Other-CA", Source: "10.1.0.9", Destination: "10.20.9.9", Application: "web-browsing", Protocol: "tcp", Port: 80, Sessions: 2},
	}
	w := NewWatch("CA", carried)
	deny := func(rule, src, dst, app string, port, n int, at time.Duration) {
		w.AddDenied(&mine.TrafficLog{ReceiveTime: t0.Add(at), Rule: rule, Src: src, Dst: dst, App: app, Proto: "tcp", DstPort: port,
			Action: "deny", Subtype: "deny", RepeatCount: n})
	}
	deny("interzone-default", "10.1.0.7", "10.20.10.22", "ssh", 22, 1, time.Hour)
	deny("interzone-default", "10.1.0.7", "10.20.10.22", "ssh", 22, 2, 3*time.Hour)
	deny("Deny-All", "10.1.0.42", "10.20.5.11", "not-applicable", 8080, 1, 2*time.Hour)
	deny("interzone-default", "10.66.0.1", "10.20.5.11", "jenkins", 8080, 7, time.Hour)
	deny("interzone-default", "10.1.0.5", "10.20.9.9", "web-browsing", 80, 4, time.Hour) // only Other-CA carried it
	w.AddDenied(&mine.TrafficLog{ReceiveTime: t0, Rule: "Allowed", Src: "10.1.0.5", Dst: "10.20.5.11", Proto: "tcp", DstPort: 8080, Action: "allow"})
	win := mine.Window{From: t0, To: t0.Add(24 * time.Hour)}
	got := w.Report(win, []string{"Deny-All", "interzone-default"})
	wantBroken := []mine.DeniedFlow{
		{Rule: "interzone-default", Source: "10.1.0.7", Destination: "10.20.10.22", Application: "ssh", Protocol: "tcp", Port: 22,
			Count: 3, FirstSeen: t0.Add(time.Hour), LastSeen: t0.Add(3 * time.Hour), Known: true, Carried: 4},
		{Rule: "Deny-All", Source: "10.1.0.42", Destination: "10.20.5.11", Application: "jenkins", Protocol: "tcp", Port: 8080,
			Count: 1, FirstSeen: t0.Add(2 * time.Hour), LastSeen: t0.Add(2 * time.Hour), Known: false, Carried: 11},
	}
	if !reflect.DeepEqual(got.Broken, wantBroken) {
		t.Errorf("broken =\n%+v\nwant\n%+v", got.Broken, wantBroken)
	}
	if len(got.Scanners) != 1 || got.Scanners[0].Source != "10.66.0.1" || got.Scanners[0].Count != 7 {
		t.Errorf("scanners = %+v; want 10.66.0.1 with 7", got.Scanners)
	}
	if got.Unrelated != 4 || got.Rule != "CA" || !reflect.DeepEqual(got.DenyRules, []string{"Deny-All", "interzone-default"}) {
		t.Errorf("unrelated %d, rule %s, deny rules %v; want 4, CA, both rules", got.Unrelated, got.Rule, got.DenyRules)
	}
}

func TestDenyRulesBelow(t *testing.T) {
	p := policyOf([]mine.Rule{
		{Name: "Allow-DNS", Action: "allow", Application: []string{"dns"}},
		{Name: "CA", Action: "allow", Application: []string{"any"}, Disabled: true},
		{Name: "Allow-Late", Action: "allow", Application: []string{"ssh"}},
		{Name: "Old-Deny", Action: "deny", Disabled: true},
		{Name: "Deny-All", Action: "drop"},
		{Name: "intrazone-default", Action: "allow", Location: mine.LocationDefault},
		{Name: "interzone-default", Action: "deny", Location: mine.LocationDefault},
	})
	if got := DenyRulesBelow(p, "CA"); !reflect.DeepEqual(got, []string{"Deny-All", "interzone-default"}) {
		t.Errorf("DenyRulesBelow = %v; want Deny-All and interzone-default", got)
	}
	if got := DenyRulesBelow(p, "Nope"); got != nil {
		t.Errorf("DenyRulesBelow(unknown) = %v; want nil", got)
	}
}

// A catch-all mine retired stays the catch-all, named or chosen when no
// enabled one is left; a rule disabled by someone else is still refused.
func TestChooseRetiredCatchAll(t *testing.T) {
	rules := []mine.Rule{
		{Name: "Allow-DNS", Action: "allow", Application: []string{"dns"}},
		{Name: "CA", Action: "allow", Application: []string{"any"}, Service: []string{"any"}, Disabled: true, Tags: []string{"legacy", mine.RetiredTag}},
		{Name: "Old", Action: "allow", Application: []string{"any"}, Disabled: true},
	}
	for _, names := range [][]string{nil, {"CA"}} {
		got, err := ChooseCatchAll(policyOf(rules), nil, names)
		if err != nil || !reflect.DeepEqual(got.Names(), []string{"CA"}) || !strings.Contains(got.Reason, "retired by mine") {
			t.Errorf("ChooseCatchAll(%v) = %v (%s), %v; want the retired CA", names, got.Names(), got.Reason, err)
		}
	}
	if _, err := ChooseCatchAll(policyOf(rules), nil, []string{"Old"}); err == nil || !strings.Contains(err.Error(), "disabled") {
		t.Errorf("ChooseCatchAll(Old) = %v; want refused as disabled", err)
	}
}

// A deny rule whose counter grew but that logged nothing is named.
func TestWatchSilentRules(t *testing.T) {
	w := NewWatch("CA", nil)
	w.AddDenied(&mine.TrafficLog{Rule: "Deny-All", Src: "10.1.0.5", Dst: "10.20.9.9", DstPort: 80, Action: "deny"})
	then := []mine.RuleHits{{Rule: "interzone-default", HitCount: 100}, {Rule: "Deny-All", HitCount: 5}}
	now := []mine.RuleHits{{Rule: "interzone-default", HitCount: 160}, {Rule: "Deny-All", HitCount: 9}, {Rule: "Quiet", HitCount: 3}}
	rules, got := w.Silent([]string{"Deny-All", "interzone-default", "Quiet", "Idle"}, then, now)
	if !reflect.DeepEqual(rules, []string{"interzone-default", "Quiet"}) || len(got) != 2 || !strings.HasPrefix(got[0], "interzone-default took 60 hits") ||
		!strings.HasPrefix(got[1], "Quiet took 3 hits") {
		t.Errorf("Silent = %v, %q; want interzone-default (60) and Quiet (3)", rules, got)
	}
}
