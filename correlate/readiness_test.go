package correlate

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/panos-mine/mine"
)

// The readiness scenes span a 30-day window ending at wEnd.
var (
	wEnd   = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	window = mine.NewWindow(wEnd, 30*day)
)

// onDay returns the time h hours into day d of the window (day 0 starts at
// its beginning).
func onDay(d int, h int) time.Duration {
	return window.From.Sub(t0) + time.Duration(d)*day + time.Duration(h)*time.Hour
}

type readyScene struct {
	*scene
	rules []mine.Rule
	hits  []mine.RuleHits
	in    Input
}

var (
	rCA      = mine.Rule{Name: "CA", Position: 3, Action: "allow", Application: []string{"any"}, ProfileGroup: []string{"corp-profiles"}, Location: "vsys1"}
	rJenkins = mine.Rule{Name: "mine-jenkins-10-20-5-11", Position: 2, Action: "allow", From: []string{"trust"}, To: []string{"dmz"},
		Source: []string{"10.1.0.0/24"}, Destination: []string{"10.20.5.11"}, Application: []string{"jenkins"}, Service: []string{"application-default"},
		Tags: []string{mine.SuggestedTag}}
)

// newReady builds a catch-all whose jenkins service carried ordinary
// traffic on the days [0, until), scanners sweeping it every day, and an
// unrelated rule logging HTTP every day (the signatures work).
func newReady(until int) *readyScene {
	s := &readyScene{scene: newScene("CA"), rules: []mine.Rule{ruleApp, rCA}}
	for d := 0; d < 30; d++ {
		s.http("App", "10.1.0.9", "10.20.1.10", "web-browsing", 80, 200, "wiki/", onDay(d, 9))
		s.sweep("CA", "10.66.6.6", "10.20.5.11", "jenkins", 8080, onDay(d, 3))
		s.sessions("CA", "10.66.6.6", "10.20.5.11", "jenkins", 8080, 5, onDay(d, 3))
		if d < until {
			s.http("CA", "10.1.0.5", "10.20.5.11", "jenkins", 8080, 200, "ci/job/a", onDay(d, 10))
			s.sessions("CA", "10.1.0.5", "10.20.5.11", "jenkins", 8080, 3, onDay(d, 10))
		}
	}
	s.hits = []mine.RuleHits{{Rule: "CA", Serial: "007900000001", HitCount: 900, FirstHit: window.From.Add(-50 * day),
		LastHit: wEnd.Add(-time.Hour), Created: window.From.Add(-60 * day), Modified: window.From.Add(-60 * day)}}
	return s
}

// deploy puts the jenkins rule above the catch-all, last changed on day d.
func (s *readyScene) deploy(d int, disabled bool) {
	r := rJenkins
	r.Disabled = disabled
	s.rules = []mine.Rule{ruleApp, r, rCA}
	at := window.From.Add(time.Duration(d) * day)
	s.hits = append(s.hits, mine.RuleHits{Rule: r.Name, Serial: "007900000001", HitCount: 10, Created: at, Modified: at})
}

func (s *readyScene) judge(t *testing.T, edit func(*Input)) mine.Readiness {
	t.Helper()
	in := Input{Device: mine.Device{Serial: "007900000001"}, Window: window, Rules: s.rules, Hits: s.hits, CatchAll: []mine.Rule{rCA}}
	if edit != nil {
		edit(&in)
	}
	r := s.a.Report(in)
	if len(r.Readiness) != 1 || r.Readiness[0].Rule != "CA" {
		t.Fatalf("readiness = %+v; want one verdict for CA", r.Readiness)
	}
	return r.Readiness[0]
}

func results(r mine.Readiness) map[string]string {
	m := map[string]string{}
	for _, c := range r.Criteria {
		m[c.Name] = c.Result
	}
	return m
}

func TestReadiness(t *testing.T) {
	const (
		P = mine.ResultPass
		F = mine.ResultFail
		U = mine.ResultUnknown
	)
	type want struct {
		verdict                                              string
		signatures, window, hits, success, counters, devices string
		evidence                                             string // in the criterion that decides
	}
	tests := []struct {
		name  string
		build func() *readyScene
		edit  func(*Input)
		want  want
	}{
		{"planted service still on the catch-all", func() *readyScene { return newReady(30) }, nil,
			want{mine.VerdictNotReady, P, P, F, F, P, P, "mine-jenkins-10-20-5-11 (10.20.5.11 jenkins tcp-8080"}},
		{"drained after the suggested rule went in", func() *readyScene { s := newReady(15); s.deploy(15, false); return s }, nil,
			want{mine.VerdictReady, P, P, P, P, P, P, ""}},
		{"rule deployed but disabled", func() *readyScene { s := newReady(30); s.deploy(15, true); return s }, nil,
			want{mine.VerdictNotReady, P, P, F, F, P, P, "in place but disabled"}},
		{"traffic keeps coming after the rule", func() *readyScene { s := newReady(30); s.deploy(15, false); return s }, nil,
			want{mine.VerdictNotReady, P, P, F, F, P, P, "still after mine-jenkins-10-20-5-11 changed"}},
		{"recently covered, traffic before the rule", func() *readyScene { s := newReady(28); s.deploy(28, false); return s },
			func(in *Input) { in.Readiness.MaxWeeklySessions = 100 },
			want{mine.VerdictReady, P, P, P, P, P, P, "carried by enabled rules above it: mine-jenkins-10-20-5-11"}},
		{"no threat logs at all", func() *readyScene {
			s := &readyScene{scene: newScene("CA"), rules: []mine.Rule{ruleApp, rCA}}
			for d := 0; d < 30; d++ {
				s.sessions("CA", "10.1.0.5", "10.20.5.11", "jenkins", 8080, 3, onDay(d, 10))
			}
			return s
		}, nil, want{mine.VerdictInsufficientEvidence, F, F, F, P, U, P, "no HTTP status threat logs"}},
		{"catch-all carries HTTP but logs none", func() *readyScene {
			s := newReady(0)
			s.sessions("CA", "10.1.0.5", "10.20.5.12", "web-browsing", 80, 3, onDay(29, 10))
			s.a.ruleThreat = map[string]*ruleThreats{} // as if its profile did not log
			return s
		}, nil, want{mine.VerdictInsufficientEvidence, F, P, F, P, P, P, "logged no HTTP status"}},
		{"window too short", func() *readyScene { s := newReady(15); s.deploy(15, false); return s },
			func(in *Input) { in.Readiness.MinWindow = 45 * day },
			want{mine.VerdictInsufficientEvidence, P, F, P, P, P, P, "the verdict needs 45d"}},
		{"signatures deployed late", func() *readyScene {
			s := newReady(0)
			s.a.threatSpan.first = window.From.Add(20 * day)
			return s
		}, nil, want{mine.VerdictInsufficientEvidence, P, F, P, P, P, P, "reach back only to"}},
		{"counter reset inside the window", func() *readyScene { s := newReady(0); s.hits[0].LastReset = window.From.Add(3 * day); return s }, nil,
			want{mine.VerdictInsufficientEvidence, P, P, P, P, F, P, "was reset at"}},
		{"catch-all created inside the window", func() *readyScene { s := newReady(0); s.hits[0].Created = window.From.Add(3 * day); return s }, nil,
			want{mine.VerdictInsufficientEvidence, P, P, P, P, F, P, "created at"}},
		{"no hit counts", func() *readyScene { s := newReady(0); s.hits = nil; return s }, nil,
			want{mine.VerdictInsufficientEvidence, P, P, P, P, U, P, "no hit counts"}},
		{"HA peer silent", func() *readyScene { return newReady(0) },
			func(in *Input) { in.ExpectedSerials = []string{"007900000001", "007900000002"} },
			want{mine.VerdictInsufficientEvidence, P, P, P, P, P, F, "007900000002"}},
		{"stale signatures", func() *readyScene { return newReady(0) },
			func(in *Input) { in.Readiness.Freshness = time.Hour },
			want{mine.VerdictInsufficientEvidence, F, P, P, P, P, P, "the newest HTTP status log"}},
		{"history shows rising use under the threshold", func() *readyScene { return newReady(0) },
			func(in *Input) {
				in.Readiness.MaxWeeklySessions = 100
				for i, n := range []int64{0, 2, 1, 40} {
					in.History = append(in.History, mine.WeeklyHits{Rule: "CA", Week: window.From.Add(time.Duration(i*7) * day), Sessions: n})
				}
			},
			want{mine.VerdictNotReady, P, P, F, P, P, P, "rising: 40 in the latest week"}},
		{"history shows a counter reset", func() *readyScene { return newReady(0) },
			func(in *Input) {
				in.History = []mine.WeeklyHits{{Rule: "CA", Week: window.From.Add(7 * day)}, {Rule: "CA", Week: window.From.Add(14 * day), Reset: true}}
			},
			want{mine.VerdictInsufficientEvidence, P, P, P, P, F, P, "going down"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.build().judge(t, tc.edit)
			res := results(got)
			w := tc.want
			wantRes := map[string]string{CriterionSignatures: w.signatures, CriterionWindow: w.window, CriterionHits: w.hits,
				CriterionSuccess: w.success, CriterionCounters: w.counters, CriterionDevices: w.devices}
			if got.Verdict != w.verdict || !reflect.DeepEqual(res, wantRes) {
				t.Errorf("verdict %s %v; want %s %v\n%s", got.Verdict, res, w.verdict, wantRes, dump(got))
			}
			if w.evidence != "" && !strings.Contains(dump(got), w.evidence) {
				t.Errorf("no criterion's evidence mentions %q:\n%s", w.evidence, dump(got))
			}
		})
	}
}

func dump(r mine.Readiness) string {
	var b strings.Builder
	for _, c := range r.Criteria {
		fmt.Fprintf(&b, "  %-20s %-7s %s\n", c.Name, c.Result, c.Evidence)
	}
	return b.String()
}

func TestVerdict(t *testing.T) {
	c := func(sig, hits, success, other string) []mine.Criterion {
		return []mine.Criterion{{Name: CriterionSignatures, Result: sig}, {Name: CriterionHits, Result: hits},
			{Name: CriterionSuccess, Result: success}, {Name: CriterionWindow, Result: other}}
	}
	P, F, U := mine.ResultPass, mine.ResultFail, mine.ResultUnknown
	tests := []struct {
		cs   []mine.Criterion
		want string
	}{
		{c(P, P, P, P), mine.VerdictReady},
		{c(F, F, F, P), mine.VerdictInsufficientEvidence}, // no status codes: nothing can be told
		{c(U, P, P, P), mine.VerdictInsufficientEvidence},
		{c(P, F, P, F), mine.VerdictNotReady}, // traffic is conclusive, even in a short window
		{c(P, P, F, U), mine.VerdictNotReady},
		{c(P, P, P, F), mine.VerdictInsufficientEvidence},
		{c(P, U, P, P), mine.VerdictInsufficientEvidence},
	}
	for _, tc := range tests {
		if got := verdict(tc.cs); got != tc.want {
			t.Errorf("verdict(%+v) = %s; want %s", tc.cs, got, tc.want)
		}
	}
}

// Without the rulebase (an import of log files) a catch-all that would be
// ready is not called ready: the verdict names the rulebase, and the hit
// counts an import lacks, as missing. Traffic it still carries makes it
// not ready all the same.
func TestReadinessWithoutRulebase(t *testing.T) {
	offline := func(in *Input) {
		in.NoRulebase, in.Hits = true, nil
		in.Rules = []mine.Rule{{Name: "CA"}}
		in.CatchAll = in.Rules
	}
	s := newReady(15)
	s.deploy(15, false)
	r := s.judge(t, offline)
	if r.Verdict != mine.VerdictInsufficientEvidence {
		t.Errorf("verdict = %s; want insufficient-evidence\n%s", r.Verdict, dump(r))
	}
	got := results(r)
	if got[CriterionRulebase] != mine.ResultUnknown || got[CriterionCounters] != mine.ResultUnknown {
		t.Errorf("criteria = %v; want rulebase-read and counters-intact unknown", got)
	}
	for _, c := range r.Criteria {
		if c.Name == CriterionRulebase && !strings.Contains(c.Evidence, "rulebase was not read") {
			t.Errorf("rulebase-read evidence %q", c.Evidence)
		}
		if c.Name == CriterionCounters && !strings.Contains(c.Evidence, "imported logs carry none") {
			t.Errorf("counters-intact evidence %q", c.Evidence)
		}
	}
	if r := newReady(30).judge(t, offline); r.Verdict != mine.VerdictNotReady {
		t.Errorf("still carrying traffic, verdict = %s; want not-ready\n%s", r.Verdict, dump(r))
	}
}
