package correlate

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/panos-mine/mine"
)

func TestScanners(t *testing.T) {
	s := newScene("CA")
	// a sweep: 25 distinct 404s over five hours, nothing else
	for i := 0; i < 25; i++ {
		s.http("App", "10.66.0.1", "10.20.1.1", "web-browsing", 80, 404, fmt.Sprintf("h/p%d", i), time.Duration(i/5)*time.Hour)
	}
	// a burst: 12 distinct 404s in one hour among 20 successes
	for i := 0; i < 12; i++ {
		s.http("App", "10.66.0.2", "10.20.1.1", "web-browsing", 80, 404, fmt.Sprintf("h/b%d", i), 2*time.Hour+time.Duration(i)*time.Minute)
	}
	// probes: two well-known probe paths, answered 404 and 403
	s.http("CA", "10.66.0.3", "10.20.1.2", "jenkins", 8080, 404, "10.20.1.2/.env", 0)
	s.http("CA", "10.66.0.3", "10.20.1.2", "jenkins", 8080, 403, "10.20.1.2/.git/config", 0)
	for i := 0; i < 20; i++ {
		for _, src := range []string{"10.66.0.2", "10.66.0.3", "10.1.0.1", "10.1.0.2", "10.1.0.3"} {
			s.http("App", src, "10.20.1.1", "web-browsing", 80, 200, "h/", 0)
		}
	}
	// ordinary clients: a few broken links; 12 distinct 404s over twelve
	// hours; a single probe-like path
	for i := 0; i < 5; i++ {
		s.http("App", "10.1.0.1", "10.20.1.1", "web-browsing", 80, 404, fmt.Sprintf("h/old%d", i), 0)
	}
	for i := 0; i < 12; i++ {
		s.http("App", "10.1.0.2", "10.20.1.1", "web-browsing", 80, 404, fmt.Sprintf("h/x%d", i), time.Duration(i)*time.Hour)
	}
	s.http("App", "10.1.0.3", "10.20.1.1", "web-browsing", 80, 404, "h/.env", 0)
	r := s.report([]mine.Rule{ruleApp, ruleCA}, 1)

	got := map[string]string{}
	for _, sc := range r.Scanners {
		var kinds []string
		for _, why := range sc.Reasons {
			switch {
			case strings.Contains(why, "within one hour"):
				kinds = append(kinds, "burst")
			case strings.Contains(why, "probe paths"):
				kinds = append(kinds, "probes")
			default:
				kinds = append(kinds, "sweep")
			}
		}
		got[sc.Source] = fmt.Sprintf("%v paths=%d burst=%d probes=%v", kinds, sc.DistinctPaths, sc.BurstPaths, sc.ProbePaths)
	}
	want := map[string]string{
		"10.66.0.1": "[sweep] paths=25 burst=5 probes=[]",
		"10.66.0.2": "[burst] paths=12 burst=12 probes=[]",
		"10.66.0.3": "[probes] paths=2 burst=2 probes=[/.env /.git/config]",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("scanners = %v; want %v", got, want)
	}

	// The probed destination of the CA rule gets the advice to reset.
	var tgt *mine.ScannerTarget
	for i := range r.ScannerTargets {
		if r.ScannerTargets[i].Destination == "10.20.1.2" {
			tgt = &r.ScannerTargets[i]
		}
	}
	if tgt == nil || !reflect.DeepEqual(tgt.Statuses, []int{403, 404}) || !reflect.DeepEqual(tgt.Rules, []string{"CA"}) ||
		tgt.ErrorResponses != 2 || !strings.Contains(tgt.Recommendation, "HTTP-403, HTTP-404 with action reset-server") {
		t.Errorf("scanner target 10.20.1.2 = %+v; want 403 and 404 on CA with a reset recommendation", tgt)
	}
}

func TestFindings(t *testing.T) {
	s := newScene("CA")
	for _, src := range []string{"10.1.0.1", "10.1.0.2", "10.1.0.3"} {
		s.http("CA", src, "10.20.3.4", "web-browsing", 80, 404, "docs.corp.example/docs/old.pdf", time.Hour)
		s.http("App", src, "198.51.100.7", "web-browsing", 80, 404, "www.example.com/missing/1", 0) // internet
	}
	s.http("CA", "10.1.0.1", "10.20.3.4", "web-browsing", 80, 404, "docs.corp.example/typo", 0) // one client
	s.http("CA", "10.1.0.1", "10.20.3.4", "web-browsing", 80, 404, "docs.corp.example/items/17", 0)
	s.http("CA", "10.1.0.2", "10.20.3.4", "web-browsing", 80, 404, "docs.corp.example/items/18", 2*time.Hour)
	s.http("CA", "10.1.0.1", "10.20.7.7", "jenkins", 8080, 500, "x.corp.example/api/export?format=csv", 0)
	s.http("CA", "10.1.0.2", "10.20.7.7", "jenkins", 8080, 503, "x.corp.example/api/health", 0)
	s.http("CA", "10.1.0.1", "10.20.9.9", "web-browsing", 80, 401, "10.20.9.9/login", 0)
	s.http("CA", "10.1.0.2", "10.20.9.9", "web-browsing", 80, 401, "10.20.9.9/login", 0)
	s.http("CA", "10.1.0.3", "10.20.9.9", "web-browsing", 80, 400, "10.20.9.9/bad", 0) // not a finding
	s.sweep("CA", "10.66.6.6", "10.20.3.4", "web-browsing", 80, 0)
	s.http("CA", "10.66.6.6", "10.20.3.4", "web-browsing", 80, 404, "docs.corp.example/typo", 0) // scanner + 1 client
	r := s.a.Report(Input{
		Window: mine.NewWindow(t0.Add(24*time.Hour), 48*time.Hour), Rules: []mine.Rule{ruleApp, ruleCA}, CatchAll: []mine.Rule{ruleCA},
		Owners: []mine.Owner{{Pattern: "10.20.3.0/24", Team: "docs-team"}, {Pattern: "*.corp.example", Team: "platform"}, {Pattern: "10.20.9.9", Team: "facilities"}},
	})
	var got []string
	for _, f := range r.Findings {
		got = append(got, fmt.Sprintf("%s %s %s %s%s %d n=%d src=%d ex=%v", f.Team, f.Kind, f.Destination, f.Host, f.Path, f.Status, f.Count, f.Sources, f.Examples))
	}
	want := []string{
		"docs-team broken-link 10.20.3.4 docs.corp.example/docs/old.pdf 404 n=3 src=3 ex=[docs.corp.example/docs/old.pdf]",
		"docs-team broken-link 10.20.3.4 docs.corp.example/items/{id} 404 n=2 src=2 ex=[docs.corp.example/items/17 docs.corp.example/items/18]",
		"facilities auth 10.20.9.9 10.20.9.9/login 401 n=2 src=2 ex=[10.20.9.9/login]",
		"platform server-error 10.20.7.7 x.corp.example/api/export 500 n=1 src=1 ex=[x.corp.example/api/export?format=csv]",
		"platform server-error 10.20.7.7 x.corp.example/api/health 503 n=1 src=1 ex=[x.corp.example/api/health]",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("findings =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if f := r.Findings[1]; !f.FirstSeen.Equal(t0) || !f.LastSeen.Equal(t0.Add(2*time.Hour)) || !reflect.DeepEqual(f.Rules, []string{"CA"}) {
		t.Errorf("finding %s seen %s..%s on %v; want %s..%s on [CA]", f.Path, f.FirstSeen, f.LastSeen, f.Rules, t0, t0.Add(2*time.Hour))
	}
}

func TestOwner(t *testing.T) {
	owners := []mine.Owner{{Pattern: "10.20.0.0/16", Team: "dmz"}, {Pattern: "CI.corp.example", Team: "ci"}, {Pattern: "*.corp.example", Team: "corp"}}
	tests := []struct{ dst, host, want string }{
		{"10.20.1.1", "ci.corp.example", "dmz"},
		{"10.30.1.1", "ci.corp.example:8080", "ci"},
		{"10.30.1.1", "wiki.corp.example", "corp"},
		{"10.30.1.1", "corp.example", ""},
		{"not-an-ip", "", ""},
	}
	for _, tc := range tests {
		if got := owner(owners, tc.dst, tc.host); got != tc.want {
			t.Errorf("owner(%s, %s) = %q; want %q", tc.dst, tc.host, got, tc.want)
		}
	}
}
