package correlate

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/panos-mine/mine"
)

var t0 = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

func threat(rule, src, dst, app string, port, code int, url string, at time.Duration, repeat int) *mine.ThreatLog {
	return &mine.ThreatLog{
		ReceiveTime: t0.Add(at), Rule: rule, FromZone: "trust", ToZone: "dmz", Src: src, Dst: dst, App: app,
		DstPort: port, ThreatName: fmt.Sprintf("HTTP-%d", code), ThreatID: 41000, URL: url, RepeatCount: repeat,
	}
}

// TestChooseCatchAll: Old-Any (any everything) sits above Allow-Web-Ports
// (the same), so Allow-Web-Ports can never match: Old-Any is the
// catch-all, and naming Allow-Web-Ports is refused.
func TestChooseCatchAll(t *testing.T) {
	rules := []mine.Rule{
		{Name: "Allow-DNS", Position: 0, Action: "allow", Application: []string{"dns"}},
		{Name: "Old-Any", Position: 1, Action: "allow", Application: []string{"any"}},
		{Name: "Allow-Web-Ports", Position: 2, Action: "allow", Application: []string{"any"}},
		{Name: "Disabled-Any", Position: 3, Action: "allow", Application: []string{"any"}, Disabled: true},
		{Name: "Deny-All", Position: 4, Action: "deny", Application: []string{"any"}},
	}
	tests := []struct {
		name    string
		names   []string
		want    []string
		wantErr string
	}{
		{"broadest reachable", nil, []string{"Old-Any"}, ""},
		{"named", []string{"Old-Any"}, []string{"Old-Any"}, ""},
		{"named shadowed", []string{"Allow-Web-Ports", "Old-Any"}, nil, `"Allow-Web-Ports" can never match: "Old-Any"`},
		{"named disabled", []string{"Disabled-Any"}, nil, `"Disabled-Any" is disabled`},
		{"unknown name", []string{"Nope"}, nil, `"Nope" is not in the rulebase`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ChooseCatchAll(policyOf(rules), nil, tc.names)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("ChooseCatchAll(%v) error = %v; want %q", tc.names, err, tc.wantErr)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got.Names(), tc.want) {
				t.Errorf("ChooseCatchAll(%v) = %v, %v; want %v", tc.names, got.Names(), err, tc.want)
			}
		})
	}
	if _, err := ChooseCatchAll(policyOf(rules[:1]), nil, nil); err == nil {
		t.Error("ChooseCatchAll(no any rule) = nil error; want an error")
	}
}

// analyzed builds a small scene by hand: one service behind the catch-all
// used by two clients, a scanner sweeping a printer, an App-ID verdict that
// is not an application, and traffic on another rule.
func analyzed(t *testing.T) *mine.Report {
	t.Helper()
	a := NewAggregator([]string{"CA"})
	const svc, printer = "10.20.5.11", "10.20.9.9"
	feed := []*mine.ThreatLog{
		threat("CA", "10.1.0.5", svc, "jenkins", 8080, 200, "build.corp.example/job/a", 0, 2),
		threat("CA", "10.1.0.5", svc, "jenkins", 8080, 200, "build.corp.example/job/b", time.Hour, 1),
		threat("CA", "10.1.0.7", svc, "jenkins", 8080, 200, "build.corp.example/job/a", 3*time.Hour, 1),
		threat("CA", "10.1.0.7", svc, "jenkins", 8080, 404, "build.corp.example/old", 4*time.Hour, 1),
		threat("CA", "10.1.0.7", svc, "jenkins", 8080, 500, "build.corp.example/api", 5*time.Hour, 3),
		threat("CA", "10.1.0.8", "10.20.5.99", "incomplete", 8080, 200, "x.corp.example/", time.Hour, 1),
		threat("App", "10.1.0.5", "10.20.1.10", "web-browsing", 80, 200, "wiki.corp.example/", time.Hour, 4),
		threat("CA", "10.66.6.6", printer, "web-browsing", 80, 200, "printer.corp.example/", 2*time.Hour, 1),
	}
	for i := 0; i < 25; i++ {
		feed = append(feed, threat("CA", "10.66.6.6", printer, "web-browsing", 80, 404, fmt.Sprintf("printer.corp.example/probe%d", i), 2*time.Hour, 1))
	}
	for _, l := range feed {
		a.AddThreat(l)
	}
	a.AddThreat(&mine.ThreatLog{ReceiveTime: t0, Rule: "CA", ThreatName: "Some-Other-Threat"}) // ignored
	for _, l := range []*mine.TrafficLog{
		{ReceiveTime: t0, Rule: "CA", FromZone: "trust", ToZone: "dmz", Src: "10.1.0.5", Dst: svc, App: "jenkins", DstPort: 8080, Bytes: 100},
		{ReceiveTime: t0.Add(time.Hour), Rule: "CA", FromZone: "trust", ToZone: "dmz", Src: "10.1.0.7", Dst: svc, App: "jenkins", DstPort: 8080, Bytes: 200, RepeatCount: 2},
		{ReceiveTime: t0, Rule: "CA", FromZone: "trust", ToZone: "dmz", Src: "10.66.6.6", Dst: printer, App: "web-browsing", DstPort: 80, Bytes: 50},
		{ReceiveTime: t0, Rule: "App", Src: "10.1.0.5", Dst: "10.20.1.10", Bytes: 999}, // not the catch-all
	} {
		a.AddTraffic(l)
	}
	rules := []mine.Rule{
		{Name: "App", Position: 0, Action: "allow", Application: []string{"web-browsing"}},
		{Name: "CA", Position: 1, Action: "allow", Application: []string{"any"}},
	}
	hits := []mine.RuleHits{
		{Rule: "CA", HitCount: 4, FirstHit: t0, LastHit: t0.Add(time.Hour)},
		{Rule: "App", HitCount: 0},
		{Rule: "interzone-default", HitCount: 9, LastHit: t0},
	}
	return a.Report(Input{Window: mine.NewWindow(t0.Add(24*time.Hour), 7*24*time.Hour), Rules: rules, Hits: hits, CatchAll: rules[1:], Generated: t0})
}

func TestReportSuggestions(t *testing.T) {
	r := analyzed(t)
	if len(r.Suggestions) != 1 {
		t.Fatalf("suggestions = %+v; want exactly one (the jenkins server)", r.Suggestions)
	}
	s := r.Suggestions[0]
	// Hand-computed: 2xx from 10.1.0.5 (2+1) and 10.1.0.7 (1); sessions and
	// bytes from the two non-scanner traffic logs (1 + 2 sessions, 100 +
	// 200 bytes) out of 4 catch-all sessions; jenkins' default port is
	// tcp/8080.
	want := mine.Suggestion{
		Name: "mine-jenkins-10-20-5-11", From: []string{"trust"}, To: []string{"dmz"},
		Source: []string{"10.1.0.5", "10.1.0.7"}, Destination: []string{"10.20.5.11"}, Application: []string{"jenkins"},
		Service: []string{"application-default"}, Ports: []int{8080},
		Sessions: 3, Responses: 4, Bytes: 300, URLs: 2, DistinctSources: 2,
		TopURLs:   []mine.URLCount{{URL: "build.corp.example/job/a", Count: 3}, {URL: "build.corp.example/job/b", Count: 1}},
		FirstSeen: t0, LastSeen: t0.Add(3 * time.Hour), CatchAllRule: "CA",
		Share: 0.75,
		URLTemplates: []mine.URLTemplate{
			{Host: "build.corp.example", Path: "/job/a", Count: 3, Examples: []string{"build.corp.example/job/a"}},
			{Host: "build.corp.example", Path: "/job/b", Count: 1, Examples: []string{"build.corp.example/job/b"}},
		},
	}
	// The configuration is pinned by the golden test; here only its shape.
	if len(s.SetCommands) == 0 || s.XML == "" || s.XPath == "" || len(s.Objects) == 0 {
		t.Errorf("suggestion lacks its configuration: %+v", s)
	}
	s.SetCommands, s.XML, s.XPath, s.Objects = nil, "", "", nil
	if !reflect.DeepEqual(s, want) {
		t.Errorf("suggestion =\n%+v\nwant\n%+v", s, want)
	}
}

func TestReportScannersAndCounts(t *testing.T) {
	r := analyzed(t)
	if len(r.Scanners) != 1 || r.Scanners[0].Source != "10.66.6.6" || r.Scanners[0].DistinctPaths != 25 ||
		!reflect.DeepEqual(r.Scanners[0].Targets, []string{"10.20.9.9"}) || r.Scanners[0].NotFound != 25 || r.Scanners[0].Responses != 26 {
		t.Errorf("scanners = %+v; want 10.66.6.6 with 25 paths on 10.20.9.9, 25 of 26 answers 404", r.Scanners)
	}
	// 200: 2+1+1 jenkins, 1 incomplete, 4 wiki, 1 printer = 10; 404: 1 + 25; 500: 3
	wantAll := map[int]int64{200: 10, 404: 26, 500: 3}
	wantCA := map[int]int64{200: 6, 404: 26, 500: 3}
	if !reflect.DeepEqual(r.StatusCounts, wantAll) || !reflect.DeepEqual(r.CatchAllStatusCounts, wantCA) {
		t.Errorf("status counts = %v / %v; want %v / %v", r.StatusCounts, r.CatchAllStatusCounts, wantAll, wantCA)
	}
	wantTotals := mine.Totals{ThreatLogs: 33, Responses: 39, CatchAllResponses: 35, TrafficLogs: 3,
		CatchAllSessions: 4, CatchAllClientSessions: 3, CatchAllBytes: 350, DistinctURLs: 31, ScannerResponses: 26}
	if r.Totals != wantTotals {
		t.Errorf("totals = %+v; want %+v", r.Totals, wantTotals)
	}
	// the printer's "/" is answered only to the scanner
	for _, u := range r.CatchAllURLs {
		if u.URL == "printer.corp.example/" && !u.Scanner {
			t.Errorf("URL %s marked as not scanner-only", u.URL)
		}
		if u.URL == "build.corp.example/job/a" && (u.Scanner || u.Count != 3 || u.Sources != 2) {
			t.Errorf("URL %+v; want count 3 from 2 sources, not scanner", u)
		}
	}
	if got := r.CatchAllURLs[0]; got.Count != 3 || got.Status != 500 && got.Status != 200 {
		t.Errorf("first URL = %+v; want the most frequent first", got)
	}
}

func TestReportHitCounts(t *testing.T) {
	r := analyzed(t)
	if len(r.HitCounts) != 3 {
		t.Fatalf("hit counts = %+v; want 3 rows", r.HitCounts)
	}
	ca := r.HitCounts[1]
	if ca.Rule != "CA" || !ca.CatchAll || ca.Position != 2 || ca.HitCount != 4 || ca.FirstHit == nil || !ca.FirstHit.Equal(t0) || ca.LastReset != nil {
		t.Errorf("catch-all hit count = %+v", ca)
	}
	if app := r.HitCounts[0]; app.FirstHit != nil || app.LastHit != nil || app.CatchAll {
		t.Errorf("never-hit rule = %+v; want nil times", app)
	}
	if d := r.HitCounts[2]; d.Rule != "interzone-default" || d.Action != "deny" || d.Position != 3 || d.HitCount != 9 {
		t.Errorf("default rule row = %+v", d)
	}
}

// Two analyses of the same input give equal reports, whatever the map
// iteration order inside.
func TestReportDeterministic(t *testing.T) {
	a, b := analyzed(t), analyzed(t)
	if !reflect.DeepEqual(a, b) {
		t.Error("two analyses of the same input differ")
	}
}

// TestService: application-default when the application's default ports
// (the built-in table from public App-ID content, or a custom application
// of the rule's scope) hold every port seen; otherwise service objects
// that never reuse a name the configuration gives another meaning.
func TestService(t *testing.T) {
	vsys := mine.NewObjectScope("vsys1", "shared")
	vsys.Applications["custom-erp"] = mine.Application{Name: "custom-erp", DefaultPorts: []string{"tcp/8443"}}
	vsys.Services["tcp-8080"] = mine.Service{Name: "tcp-8080", Protocol: "tcp", Port: "8443"} // a name that lies
	vsys.Services["tcp-80"] = mine.Service{Name: "tcp-80", Protocol: "tcp", Port: "80"}       // one that does not
	ca := mine.Rule{Name: "CA", Scope: "vsys1", Location: "vsys1", Application: []string{"any"}, Service: []string{"any"}, Action: "allow"}
	p := &mine.Policy{Rules: []mine.Rule{ca}, Scopes: map[string]*mine.ObjectScope{"shared": mine.NewObjectScope("shared", ""), "vsys1": vsys}}
	tests := []struct {
		app   string
		ports []portKey
		want  []string
	}{
		{"web-browsing", []portKey{{"tcp", 80}}, []string{"application-default"}},                    // tcp/80
		{"web-browsing", []portKey{{"tcp", 80}, {"tcp", 8080}}, []string{"tcp-80", "mine-tcp-8080"}}, // tcp-8080 is 8443 here
		{"jenkins", []portKey{{"tcp", 8081}}, []string{"application-default"}},                       // tcp/dynamic
		{"confluence", []portKey{{"tcp", 80}, {"tcp", 443}}, []string{"application-default"}},        // tcp/80,443
		{"dns", []portKey{{"udp", 53}}, []string{"application-default"}},                             // udp/53,5353
		{"ssh", []portKey{{"tcp", 2222}}, []string{"tcp-2222"}},                                      // tcp/22
		{"custom-erp", []portKey{{"tcp", 8443}}, []string{"application-default"}},
		{"unknown-app", []portKey{{"tcp", 80}}, []string{"tcp-80"}},
	}
	for _, tc := range tests {
		x := newAnalysis(NewAggregator([]string{"CA"}), Input{Policy: p, CatchAll: []mine.Rule{ca}}, nil)
		if got := x.service(&svcGroup{rule: "CA", app: tc.app}, tc.ports); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("service(%s, %v) = %v; want %v", tc.app, tc.ports, got, tc.want)
		}
	}
}

// TestClientSessions: in the hand-built scene, CA carries 1 session from
// 10.1.0.5, 2 from 10.1.0.7 (repeat count 2) and 1 from the scanner
// 10.66.6.6; the traffic on App is not the catch-all's. Ordinary clients:
// 3.
func TestClientSessions(t *testing.T) {
	a := NewAggregator([]string{"CA"})
	if got := a.ClientSessions(); got != nil {
		t.Errorf("ClientSessions() without traffic logs = %v; want nil", got)
	}
	for i := 0; i < 25; i++ {
		a.AddThreat(threat("CA", "10.66.6.6", "10.20.9.9", "web-browsing", 80, 404, fmt.Sprintf("printer.corp.example/probe%d", i), 2*time.Hour, 1))
	}
	for _, l := range []*mine.TrafficLog{
		{ReceiveTime: t0, Rule: "CA", Src: "10.1.0.5", Dst: "10.20.5.11", DstPort: 8080},
		{ReceiveTime: t0, Rule: "CA", Src: "10.1.0.7", Dst: "10.20.5.11", DstPort: 8080, RepeatCount: 2},
		{ReceiveTime: t0, Rule: "CA", Src: "10.66.6.6", Dst: "10.20.9.9", DstPort: 80},
		{ReceiveTime: t0, Rule: "App", Src: "10.1.0.5", Dst: "10.20.1.10"},
	} {
		a.AddTraffic(l)
	}
	if got := a.ClientSessions(); !reflect.DeepEqual(got, map[string]int64{"CA": 3}) {
		t.Errorf("ClientSessions() = %v; want CA 3", got)
	}
}
