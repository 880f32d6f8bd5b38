package correlate

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/panos-mine/mine"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// scene builds aggregates by hand, one log record at a time.
type scene struct {
	a    *Aggregator
	from string
	to   string
}

func newScene(catchAll ...string) *scene {
	return &scene{a: NewAggregator(catchAll), from: "trust", to: "dmz"}
}

// http folds one HTTP response seen on rule.
func (s *scene) http(rule, src, dst, app string, port, code int, url string, at time.Duration) {
	s.a.AddThreat(&mine.ThreatLog{
		ReceiveTime: t0.Add(at), Serial: "007900000001", Rule: rule, FromZone: s.from, ToZone: s.to,
		Src: src, Dst: dst, App: app, Proto: "tcp", DstPort: port, ThreatName: fmt.Sprintf("HTTP-%d", code), URL: url,
	})
}

// sessions folds a traffic log standing for n sessions.
func (s *scene) sessions(rule, src, dst, app string, port, n int, at time.Duration) {
	s.a.AddTraffic(&mine.TrafficLog{
		ReceiveTime: t0.Add(at), Serial: "007900000001", Rule: rule, FromZone: s.from, ToZone: s.to,
		Src: src, Dst: dst, App: app, Proto: "tcp", DstPort: port, RepeatCount: n, Bytes: int64(100 * n),
	})
}

// sweep makes src a scanner: 25 distinct paths answered 404 by dst.
func (s *scene) sweep(rule, src, dst, app string, port int, at time.Duration) {
	for i := 0; i < 25; i++ {
		s.http(rule, src, dst, app, port, 404, fmt.Sprintf("%s/probe%d", dst, i), at)
	}
}

var (
	ruleApp = mine.Rule{Name: "App", Position: 0, Action: "allow", Application: []string{"web-browsing"}}
	ruleCA  = mine.Rule{Name: "CA", Position: 5, Action: "allow", Application: []string{"any"}, Service: []string{"any"},
		Location: "vsys1", ProfileGroup: []string{"corp-profiles"}}
)

func (s *scene) report(rules []mine.Rule, days int) *mine.Report {
	var ca []mine.Rule
	for _, r := range rules {
		if s.a.catchAll[r.Name] {
			ca = append(ca, r)
		}
	}
	return s.a.Report(Input{
		Device: mine.Device{Hostname: "fw", Serial: "007900000001"},
		Window: mine.Window{From: t0.Add(-time.Hour), To: t0.Add(time.Duration(days)*24*time.Hour - time.Hour)},
		Rules:  rules, CatchAll: ca, Generated: t0,
	})
}

func names(sugs []mine.Suggestion) []string {
	var out []string
	for _, s := range sugs {
		out = append(out, s.Name)
	}
	return out
}

// A suggestion an existing rule above the catch-all already carries is not
// repeated; a disabled one is named; a rule mine cannot evaluate (address
// objects) covers nothing as far as mine can tell.
func TestExistingRuleCovers(t *testing.T) {
	lit := mine.Rule{Name: "Allow-Jenkins", Position: 1, Action: "allow", From: []string{"trust"}, To: []string{"dmz"},
		Source: []string{"10.1.0.0/24"}, Destination: []string{"10.20.5.11"}, Application: []string{"jenkins"},
		Service: []string{"application-default"}}
	disabled := lit
	disabled.Disabled = true
	object := lit
	object.Destination = []string{"srv-jenkins"}
	otherPort := lit
	otherPort.Service = []string{"tcp-8081"}
	narrow := lit
	narrow.Source = []string{"10.1.0.5"} // 10.1.0.7 also uses the service
	tests := []struct {
		name         string
		above        mine.Rule
		wantSugs     []string
		wantExisting string
		// wantCoverBy is what the replay says carries each client's session,
		// first match wins.
		wantCoverBy []string
	}{
		{"enabled rule covers", lit, nil, "", []string{"Allow-Jenkins"}},
		{"disabled rule is named", disabled, []string{"mine-jenkins-10-20-5-11"}, "Allow-Jenkins", []string{"mine-jenkins-10-20-5-11"}},
		{"address object cannot be evaluated", object, []string{"mine-jenkins-10-20-5-11"}, "", []string{"mine-jenkins-10-20-5-11"}},
		{"other port", otherPort, []string{"mine-jenkins-10-20-5-11"}, "", []string{"mine-jenkins-10-20-5-11"}},
		{"not every client", narrow, []string{"mine-jenkins-10-20-5-11"}, "", []string{"Allow-Jenkins", "mine-jenkins-10-20-5-11"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newScene("CA")
			for _, src := range []string{"10.1.0.5", "10.1.0.7"} {
				s.http("CA", src, "10.20.5.11", "jenkins", 8080, 200, "ci.corp.example/job/a", time.Hour)
				s.sessions("CA", src, "10.20.5.11", "jenkins", 8080, 1, time.Hour)
			}
			r := s.report([]mine.Rule{ruleApp, tc.above, ruleCA}, 1)
			if got := names(r.Suggestions); !reflect.DeepEqual(got, tc.wantSugs) {
				t.Fatalf("suggestions = %v; want %v", got, tc.wantSugs)
			}
			if len(r.Suggestions) > 0 && r.Suggestions[0].ExistingRule != tc.wantExisting {
				t.Errorf("existing_rule = %q; want %q", r.Suggestions[0].ExistingRule, tc.wantExisting)
			}
			var by []string
			for _, rc := range r.Coverage.ByRule {
				by = append(by, rc.Rule)
			}
			if !reflect.DeepEqual(by, tc.wantCoverBy) || r.Coverage.CoveredShare != 1 {
				t.Errorf("coverage = %+v; want all carried by %v", r.Coverage, tc.wantCoverBy)
			}
		})
	}
}

// The what-if replay, computed by hand: 10 catch-all sessions (jenkins 3+1,
// ssh 2, incomplete 1, redirects 1, scanner 2), of which the jenkins
// suggestion carries its two clients' 4; the scanner's 2 sessions to
// jenkins come from outside the suggested sources. Equal counts sort by
// address.
func TestCoverage(t *testing.T) {
	s := newScene("CA")
	for d, n := range []int{1, 1, 1} { // jenkins on three days
		at := time.Duration(d) * 24 * time.Hour
		s.http("CA", "10.1.0.5", "10.20.5.11", "jenkins", 8080, 200, "ci.corp.example/job/a", at)
		s.sessions("CA", "10.1.0.5", "10.20.5.11", "jenkins", 8080, n, at)
	}
	s.http("CA", "10.1.0.7", "10.20.5.11", "jenkins", 8080, 200, "ci.corp.example/", 0)
	s.sessions("CA", "10.1.0.7", "10.20.5.11", "jenkins", 8080, 1, 0)
	s.sessions("CA", "10.1.0.5", "10.20.10.5", "ssh", 22, 2, 0)             // opaque, one day
	s.sessions("CA", "10.1.0.8", "10.20.5.99", "incomplete", 8080, 1, 0)    // not an App-ID
	s.http("CA", "10.1.0.9", "10.20.7.7", "web-browsing", 80, 302, "h/", 0) // only redirects
	s.sessions("CA", "10.1.0.9", "10.20.7.7", "web-browsing", 80, 1, 0)
	s.sweep("CA", "10.66.6.6", "10.20.5.11", "jenkins", 8080, 0)
	s.sessions("CA", "10.66.6.6", "10.20.5.11", "jenkins", 8080, 2, 0)
	r := s.report([]mine.Rule{ruleCA}, 8)

	c := r.Coverage
	if c.Basis != "sessions" || c.Total != 10 || c.Covered != 4 || c.CoveredShare != 0.4 || c.ResidualShare != 0.6 {
		t.Errorf("coverage totals = %s %d/%d (%.2f, residual %.2f); want sessions 4/10 (0.40, 0.60)", c.Basis, c.Covered, c.Total, c.CoveredShare, c.ResidualShare)
	}
	wantBy := []mine.RuleCoverage{{Rule: "mine-jenkins-10-20-5-11", Count: 4, Share: 0.4}}
	if !reflect.DeepEqual(c.ByRule, wantBy) {
		t.Errorf("by_rule = %+v; want %+v", c.ByRule, wantBy)
	}
	type res struct {
		app, dst, reason string
		n                int64
		rare             bool
	}
	var got []res
	for _, x := range c.Residual {
		got = append(got, res{x.Application, x.Destination, x.Reason, x.Count, x.Rare})
	}
	want := []res{
		{"jenkins", "10.20.5.11", reasonScanner, 2, false},
		{"ssh", "10.20.10.5", reasonNoSuccess, 2, true},
		{"incomplete", "10.20.5.99", reasonNotAppID, 1, true},
		{"web-browsing", "10.20.7.7", reasonRedirects, 1, true},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("residual = %+v; want %+v", got, want)
	}
	// 8-day window: seen on at most 2 days is rare; jenkins ran on 3.
	var rare []string
	for _, u := range c.Rare {
		rare = append(rare, fmt.Sprintf("%s@%s:%d days=%d/%d", u.Application, u.Destination, u.DaysSeen, u.DaysSeen, u.WindowDays))
	}
	wantRare := []string{"incomplete@10.20.5.99:1 days=1/8", "web-browsing@10.20.7.7:1 days=1/8", "ssh@10.20.10.5:1 days=1/8"}
	if !reflect.DeepEqual(rare, wantRare) {
		t.Errorf("rare = %v; want %v", rare, wantRare)
	}
	if len(r.Suggestions) != 1 || r.Suggestions[0].Redirects != 0 {
		t.Errorf("suggestions = %+v; want jenkins only", r.Suggestions)
	}
}

// Without traffic logs, the replay counts responses.
func TestCoverageFromResponses(t *testing.T) {
	s := newScene("CA")
	s.http("CA", "10.1.0.5", "10.20.5.11", "jenkins", 8080, 200, "ci/", 0)
	s.http("CA", "10.1.0.5", "10.20.5.11", "jenkins", 8080, 304, "ci/", 0)
	s.http("CA", "10.1.0.5", "10.20.5.12", "jenkins", 8080, 500, "ci2/", 0)
	r := s.report([]mine.Rule{ruleCA}, 1)
	c := r.Coverage
	if c.Basis != "responses" || c.Total != 3 || c.Covered != 2 {
		t.Errorf("coverage = %s %d/%d; want responses 2/3", c.Basis, c.Covered, c.Total)
	}
	// the share is of the catch-all's responses: one 200 of three answers
	if s := r.Suggestions[0]; s.Sessions != 1 || s.Share != 1.0/3 || s.Redirects != 1 {
		t.Errorf("suggestion evidence = sessions %d share %.3f redirects %d; want 1, 0.333, 1", s.Sessions, s.Share, s.Redirects)
	}
}

// Servers answering one host name for one application are one rule; the
// suggestion never holds scanners or non-App-IDs, and sources spread over
// more than a /16 become any.
func TestSuggestionGrouping(t *testing.T) {
	s := newScene("CA")
	for _, dst := range []string{"10.20.6.2", "10.20.6.1"} {
		s.http("CA", "10.1.0.5", dst, "web-browsing", 80, 200, "shop.corp.example/catalog/17", 0)
	}
	s.http("CA", "10.1.0.5", "10.20.6.3", "web-browsing", 80, 200, "other.corp.example/", 0)
	for _, src := range []string{"10.1.0.1", "10.60.0.1", "10.120.0.1", "10.180.0.1", "10.240.0.1"} {
		s.http("CA", src, "10.20.5.11", "jenkins", 8081, 200, "ci/", 0)
	}
	s.http("CA", "10.1.0.8", "10.20.5.99", "unknown-tcp", 8080, 200, "x/", 0)
	s.sweep("CA", "10.66.6.6", "10.20.9.9", "web-browsing", 80, 0)
	s.http("CA", "10.66.6.6", "10.20.9.9", "web-browsing", 80, 200, "10.20.9.9/", 0)
	r := s.report([]mine.Rule{ruleCA}, 1)
	got := map[string]string{}
	for _, sg := range r.Suggestions {
		got[sg.Name] = fmt.Sprintf("%v %v %v", sg.Destination, sg.Source, sg.Service)
	}
	want := map[string]string{
		"mine-web-browsing-shop-corp-example": "[10.20.6.1 10.20.6.2] [10.1.0.5] [application-default]",
		"mine-web-browsing-10-20-6-3":         "[10.20.6.3] [10.1.0.5] [application-default]",
		// App-ID content gives jenkins tcp/dynamic: any port is its default
		"mine-jenkins-10-20-5-11": "[10.20.5.11] [any] [application-default]",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("suggestions = %v; want %v", got, want)
	}
}

func TestRuleName(t *testing.T) {
	if got := ruleName("mine-jenkins-10.20.5.11", ""); got != "mine-jenkins-10-20-5-11" {
		t.Errorf("ruleName = %q; want dots as dashes", got)
	}
	long := ruleName("mine-ms-office365-sharepoint-online-2001:db8:ffff:ffff:ffff:ffff:ffff:1234", "")
	long2 := ruleName("mine-ms-office365-sharepoint-online-2001:db8:ffff:ffff:ffff:ffff:ffff:1235", "")
	if len(long) != maxRuleName || long == long2 || !strings.HasPrefix(long, "mine-ms-office365-sharepoint-online-2001-db8-") {
		t.Errorf("ruleName(long) = %q, %q; want two different %d-character names", long, long2, maxRuleName)
	}
	if a, b := ruleName("mine-x", "trust|dmz"), ruleName("mine-x", "trust|dmz2"); a == b || a != ruleName("mine-x", "trust|dmz") {
		t.Errorf("salted names %q, %q; want stable and distinct", a, b)
	}
}

// The custom App-ID candidates: a web-browsing server with a stable host
// name; not a jenkins server (a real App-ID) nor a server known only by
// its address without a stable prefix.
func TestCustomApps(t *testing.T) {
	s := newScene("CA")
	for i := 0; i < 10; i++ {
		s.http("CA", "10.1.0.5", "10.20.6.1", "web-browsing", 80, 200, fmt.Sprintf("erp.corp.example/orders/api/%d", i), 0)
		s.http("CA", "10.1.0.5", "10.20.6.9", "web-browsing", 8080, 200, fmt.Sprintf("10.20.6.9:8080/%d", i), 0)
		s.http("CA", "10.1.0.6", "10.20.6.7", "web-browsing", 8080, 200, fmt.Sprintf("10.20.6.7:8080/reports-portal/%d", i), 0)
		s.http("CA", "10.1.0.5", "10.20.5.11", "jenkins", 8080, 200, "ci.corp.example/", 0)
	}
	r := s.report([]mine.Rule{ruleCA}, 1)
	var got []string
	for _, c := range r.CustomAppCandidates {
		got = append(got, fmt.Sprintf("%s %v host=%q %.1f prefix=%q %v %v", c.Name, c.Destination, c.Host, c.HostShare, c.PathPrefix, c.PathPatterns, c.Ports))
	}
	want := []string{
		`custom-erp [10.20.6.1] host="erp.corp.example" 1.0 prefix="/orders/" [/orders/] [80]`,
		`custom-reports-portal [10.20.6.7] host="" 0.0 prefix="/reports-portal/" [/reports-portal/] [8080]`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("custom apps =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// The golden files pin the configuration of the suggestions and custom
// App-ID candidates: set commands, XML elements and their xpaths.
func TestConfigGolden(t *testing.T) {
	tests := []struct {
		name string
		dev  mine.Device
		ca   mine.Rule
	}{
		{"vsys1-group", mine.Device{Serial: "007900000001"}, ruleCA},
		{"multi-vsys-profile", mine.Device{Serial: "007900000001", MultiVsys: true},
			mine.Rule{Name: "Allow Web Ports", Position: 3, Action: "allow", Application: []string{"any"}, Location: "vsys2",
				VulnerabilityProfiles: []string{"log-http"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newScene(tc.ca.Name)
			ca := tc.ca.Name
			for i := 1; i <= 6; i++ {
				src := fmt.Sprintf("10.1.%d.%d", i*3, 10+i)
				s.http(ca, src, "10.20.5.11", "jenkins", 8080, 200, fmt.Sprintf("ci.corp.example/job/%d/", i), time.Duration(i)*time.Hour)
				s.http(ca, src, "10.20.5.11", "jenkins", 8081, 200, "ci.corp.example:8081/api/json", time.Duration(i)*time.Hour)
				s.sessions(ca, src, "10.20.5.11", "jenkins", 8080, 2, time.Duration(i)*time.Hour)
			}
			for _, dst := range []string{"10.20.6.1", "10.20.6.2"} {
				s.http(ca, "10.1.0.5", dst, "web-browsing", 80, 200, "Shop.corp.example/catalog/items/17?sort=asc", 0)
				s.http(ca, "10.1.0.6", dst, "web-browsing", 80, 200, "shop.corp.example/catalog/items/18", 0)
			}
			r := s.a.Report(Input{Device: tc.dev, Window: mine.NewWindow(t0.Add(24*time.Hour), 48*time.Hour),
				Rules: []mine.Rule{tc.ca}, CatchAll: []mine.Rule{tc.ca}, Generated: t0})
			var b strings.Builder
			for _, sg := range r.Suggestions {
				fmt.Fprintf(&b, "## suggestion %s\n", sg.Name)
				for _, o := range sg.Objects {
					fmt.Fprintf(&b, "object %s %s\n  xpath: %s\n  xml:   %s\n", o.Kind, o.Name, o.XPath, o.XML)
				}
				fmt.Fprintf(&b, "rule\n  xpath: %s\n  xml:   %s\nset commands\n", sg.XPath, sg.XML)
				for _, c := range sg.SetCommands {
					fmt.Fprintf(&b, "  %s\n", c)
				}
			}
			for _, c := range r.CustomAppCandidates {
				fmt.Fprintf(&b, "## custom application %s\n  xpath: %s\n  xml:   %s\nset commands\n", c.Name, c.XPath, c.XML)
				for _, sc := range c.SetCommands {
					fmt.Fprintf(&b, "  %s\n", sc)
				}
			}
			golden(t, filepath.Join("testdata", "config-"+tc.name+".golden"), b.String())
		})
	}
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./correlate -run %s -update to create it)", err, t.Name())
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file; got:\n%s\nwant:\n%s\n(if the change is intended: go test ./correlate -run %s -update)", path, got, want, t.Name())
	}
}

// The same aggregates always give the same bytes, and the new parts of the
// document are lists and objects, never null, even when empty.
func TestReportJSONStable(t *testing.T) {
	build := func() *mine.Report {
		s := newScene("CA")
		for i := 0; i < 3; i++ {
			s.http("CA", fmt.Sprintf("10.1.0.%d", i), "10.20.5.11", "jenkins", 8080, 200, fmt.Sprintf("ci/job/%d", i), 0)
			s.http("CA", fmt.Sprintf("10.1.0.%d", i), "10.20.6.1", "web-browsing", 80, 200, "shop.corp.example/", 0)
			s.http("CA", fmt.Sprintf("10.1.0.%d", i), "10.20.6.1", "web-browsing", 80, 404, "shop.corp.example/old", 0)
			s.sessions("CA", fmt.Sprintf("10.1.0.%d", i), "10.20.5.11", "jenkins", 8080, 1, 0)
		}
		s.sweep("CA", "10.66.6.6", "10.20.5.11", "jenkins", 8080, 0)
		return s.report([]mine.Rule{ruleApp, ruleCA}, 1)
	}
	a, err := json.Marshal(build())
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		b, _ := json.Marshal(build())
		if string(a) != string(b) {
			t.Fatalf("two reports of the same logs differ:\n%s\n%s", a, b)
		}
	}
	er := NewAggregator([]string{"CA"}).Report(Input{CatchAll: []mine.Rule{ruleCA}, Rules: []mine.Rule{ruleCA}})
	er.Scanners = []mine.Scanner{} // report.WriteJSON writes an absent list as []
	empty, _ := json.Marshal(er)
	for _, doc := range [][]byte{a, empty} {
		var m map[string]any
		if err := json.Unmarshal(doc, &m); err != nil {
			t.Fatal(err)
		}
		for _, key := range []string{"custom_app_candidates", "scanner_targets", "findings", "readiness"} {
			if _, ok := m[key].([]any); !ok {
				t.Errorf("%s = %v; want a list", key, m[key])
			}
		}
		cov, _ := m["coverage"].(map[string]any)
		for _, key := range []string{"by_rule", "residual", "rare"} {
			if _, ok := cov[key].([]any); !ok {
				t.Errorf("coverage.%s = %v; want a list", key, cov[key])
			}
		}
		parts := []any{m["coverage"], m["custom_app_candidates"], m["scanner_targets"], m["findings"], m["readiness"]}
		for _, s := range m["suggestions"].([]any) {
			sg := s.(map[string]any)
			parts = append(parts, sg["url_templates"], sg["set_commands"], sg["objects"])
		}
		for _, s := range m["scanners"].([]any) {
			sc := s.(map[string]any)
			parts = append(parts, sc["reasons"], sc["probe_paths"])
		}
		for _, p := range parts {
			if b, _ := json.Marshal(p); strings.Contains(string(b), "null") {
				t.Errorf("a new part of the report holds null: %s", b)
			}
		}
	}
}
