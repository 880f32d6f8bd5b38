package correlate

import (
	"cmp"
	"slices"
	"time"

	"github.com/panos-mine/mine"
	"github.com/panos-mine/mine/policy"
)

// Input is what the analysis needs besides the aggregates.
type Input struct {
	Device mine.Device
	Window mine.Window
	// Policy is the policy context the catch-all lives in: its rules in
	// evaluation order with every object they use. When it is nil, Rules
	// alone stand for it (a rulebase without objects).
	Policy *mine.Policy
	Rules  []mine.Rule
	Hits   []mine.RuleHits
	// CatchAll are the catch-all rules (ChooseCatchAll), CatchAllReason
	// why they were chosen.
	CatchAll       []mine.Rule
	CatchAllReason string
	Generated      time.Time // when the report is made; the caller's clock
	// FlowChecks are the device's answers for flows Aggregator.FlowChecks
	// picked: where the device's rule differs from mine's model, the
	// analysis trusts the device.
	FlowChecks []FlowCheck

	// Owners maps servers to teams for the findings; the first match wins.
	Owners []mine.Owner
	// History is the weekly use of the catch-all rules over past runs, when
	// a history is kept. Without it, readiness uses the weeks inside the
	// window.
	History []mine.WeeklyHits
	// ExpectedSerials are the firewalls, HA peers included, whose logs the
	// verdict needs; default the connected device.
	ExpectedSerials []string
	// NoRulebase says the rulebase was not read (logs imported from
	// files): Rules holds only the catch-all rules, by name, without their
	// settings. The verdict then says what is missing.
	NoRulebase bool
	// MemberHits are the hit counters read from the other members of the
	// device's HA pair: they show which members reported, and stay out of
	// the hit count table (which is the connected device's).
	MemberHits []mine.RuleHits
	Readiness  ReadinessOptions
}

// ReadinessOptions are the thresholds of the readiness verdict. Zero values
// take the defaults.
type ReadinessOptions struct {
	// MinWindow is how long the evidence must reach back; default 30 days.
	MinWindow time.Duration
	// Recent is how far back successful traffic on the catch-all must be
	// absent (or covered by deployed rules); default 7 days.
	Recent time.Duration
	// MaxWeeklySessions is the most sessions per week from non-scanners the
	// catch-all may still carry; default 0.
	MaxWeeklySessions int64
	// Freshness is how old the newest HTTP status log may be for the
	// signatures to count as logging; default 48 hours.
	Freshness time.Duration
}

const day = 24 * time.Hour

func (o ReadinessOptions) withDefaults() ReadinessOptions {
	if o.MinWindow <= 0 {
		o.MinWindow = 30 * day
	}
	if o.Recent <= 0 {
		o.Recent = 7 * day
	}
	if o.MaxWeeklySessions < 0 {
		o.MaxWeeklySessions = 0
	}
	if o.Freshness <= 0 {
		o.Freshness = 48 * time.Hour
	}
	return o
}

// notAppIDs are App-ID verdicts that are not applications: a rule cannot
// be written for them.
var notAppIDs = map[string]bool{
	"incomplete": true, "insufficient-data": true, "unknown-tcp": true,
	"unknown-udp": true, "non-syn-tcp": true, "unknown-p2p": true, "not-applicable": true,
}

func isAppID(app string) bool { return app != "" && !notAppIDs[app] }

// topURLs is how many URLs a suggestion lists as evidence.
const topURLs = 5

// analysis is the shared state of one Report call.
type analysis struct {
	a         *Aggregator
	in        Input
	opts      ReadinessOptions
	isScanner map[string]bool
	tp        *templater
	// model is the policy compiled; caIndex the catch-all rules' indexes
	// in it.
	model   *policy.Model
	caIndex map[string]int
	// catch-all rules by name, the rules above each, and hit counts by rule
	caRule map[string]*mine.Rule
	above  map[string][]*mine.Rule
	byName map[string]*mine.Rule
	hits   map[string]mine.RuleHits
	// svcObjects are the service objects the suggestions use, by name.
	svcObjects map[string]portKey
	// device is the device's rule for flows it was asked about.
	device map[flowKey]string
}

func newAnalysis(a *Aggregator, in Input, scanners []mine.Scanner) *analysis {
	p := in.Policy
	if p == nil {
		p = policyOf(in.Rules)
	}
	in.Rules = p.Rules
	x := &analysis{
		a: a, in: in, opts: in.Readiness.withDefaults(),
		isScanner:  make(map[string]bool, len(scanners)),
		tp:         newTemplater(),
		model:      policy.Compile(p),
		caIndex:    map[string]int{},
		caRule:     map[string]*mine.Rule{},
		above:      map[string][]*mine.Rule{},
		byName:     map[string]*mine.Rule{},
		hits:       map[string]mine.RuleHits{},
		svcObjects: map[string]portKey{},
		device:     map[flowKey]string{},
	}
	x.in.CatchAll = slices.Clone(in.CatchAll)
	for _, s := range scanners {
		x.isScanner[s.Source] = true
	}
	for i := range in.Rules {
		x.byName[in.Rules[i].Name] = &in.Rules[i]
	}
	for i := range x.in.CatchAll {
		ci := x.model.Index(x.in.CatchAll[i].Name)
		if ci >= 0 {
			// the rule as the policy has it (scope, location)
			x.in.CatchAll[i] = in.Rules[ci]
		}
		ca := &x.in.CatchAll[i]
		x.caRule[ca.Name] = ca
		x.caIndex[ca.Name] = ci
		for j := 0; j < ci; j++ {
			x.above[ca.Name] = append(x.above[ca.Name], &in.Rules[j])
		}
	}
	for _, h := range in.Hits {
		x.hits[h.Rule] = h
	}
	return x
}

// policyOf makes a policy context of rules that use no objects.
func policyOf(rules []mine.Rule) *mine.Policy {
	p := &mine.Policy{Rules: slices.Clone(rules), Scopes: map[string]*mine.ObjectScope{"shared": mine.NewObjectScope("shared", "")}}
	slices.SortStableFunc(p.Rules, func(a, b mine.Rule) int { return cmp.Compare(a.Position, b.Position) })
	for i := range p.Rules {
		p.Rules[i].Position = i
		if p.Rules[i].Scope == "" {
			p.Rules[i].Scope = "shared"
		}
	}
	return p
}

// Report turns the aggregates into the report.
func (a *Aggregator) Report(in Input) *mine.Report {
	r := &mine.Report{
		Generated: in.Generated.UTC(),
		Device: mine.DeviceReport{
			Hostname: in.Device.Hostname, Serial: in.Device.Serial, Model: in.Device.Model,
			SWVersion: in.Device.SWVersion, Panorama: in.Device.Panorama,
		},
		Window:               in.Window,
		StatusCounts:         maps(a.status),
		CatchAllStatusCounts: maps(a.caStatus),
	}
	if in.Device.Location != nil {
		r.Device.TimeZone = in.Device.Location.String()
	}
	for _, c := range in.CatchAll {
		r.CatchAll = append(r.CatchAll, c.Name)
	}
	r.CatchAllReason = in.CatchAllReason
	scanners := a.scanners()
	x := newAnalysis(a, in, scanners)
	r.PolicyChecks = x.policyChecks()
	r.PolicyWarnings = x.model.Warnings()
	if r.PolicyWarnings == nil {
		r.PolicyWarnings = []string{}
	}
	r.Scanners = scanners

	r.Totals = mine.Totals{
		ThreatLogs:        a.threatLogs,
		Responses:         a.responses,
		CatchAllResponses: a.caResponses,
		TrafficLogs:       a.trafficLogs,
	}
	distinct := map[string]bool{}
	for k, u := range a.urls {
		distinct[k.url] = true
		for src, n := range u.sources {
			if x.isScanner[src] {
				r.Totals.ScannerResponses += n
			}
		}
	}
	r.Totals.DistinctURLs = len(distinct)
	for k, s := range a.sessions {
		r.Totals.CatchAllSessions += s.sessions
		r.Totals.CatchAllBytes += s.bytes
		if !x.isScanner[k.src] {
			r.Totals.CatchAllClientSessions += s.sessions
		}
	}

	groups := x.serviceGroups()
	r.Suggestions = x.suggestions(groups, r.Totals)
	r.CatchAllURLs = a.catchAllURLs(x.isScanner)
	r.HitCounts = []mine.HitCount{}
	if !in.NoRulebase || len(in.Hits) > 0 {
		// without the rulebase or counters, a table of rules would show
		// counters of 0 that nobody read
		r.HitCounts = x.hitCounts()
	}
	r.Coverage = x.coverage(r.Suggestions)
	r.CustomAppCandidates = x.customApps(groups)
	r.ScannerTargets = a.scannerTargets(scanners)
	r.Findings = x.findings()
	r.Readiness = x.readiness(groups)
	r.CatchAllApps = x.catchAllApps(r.Suggestions)
	r.DailyStatus = a.dailyStatus()
	r.CatchAllDaily = x.catchAllDaily()
	r.CatchAllWeeks = catchAllWeeks(r.CatchAllDaily)
	r.CatchAllDestinations = x.catchAllDestinations()
	return r
}

func maps(m map[int]int64) map[int]int64 {
	out := make(map[int]int64, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func top(m map[string]int64, n int) []mine.URLCount {
	out := make([]mine.URLCount, 0, len(m))
	for u, c := range m {
		out = append(out, mine.URLCount{URL: u, Count: c})
	}
	slices.SortFunc(out, func(x, y mine.URLCount) int {
		if c := cmp.Compare(y.Count, x.Count); c != 0 {
			return c
		}
		return cmp.Compare(x.URL, y.URL)
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}

func (a *Aggregator) catchAllURLs(isScanner map[string]bool) []mine.URLStat {
	out := make([]mine.URLStat, 0, len(a.urls))
	for k, u := range a.urls {
		onlyScanners := true
		for src := range u.sources {
			if !isScanner[src] {
				onlyScanners = false
				break
			}
		}
		out = append(out, mine.URLStat{
			URL: k.url, Status: k.status, Destination: k.dst, Application: k.app, Port: k.port,
			Count: u.count, Sources: len(u.sources), FirstSeen: u.first, LastSeen: u.last,
			Scanner: onlyScanners,
		})
	}
	slices.SortFunc(out, func(x, y mine.URLStat) int {
		if c := cmp.Compare(y.Count, x.Count); c != 0 {
			return c
		}
		if c := cmp.Compare(x.URL, y.URL); c != 0 {
			return c
		}
		if c := cmp.Compare(x.Status, y.Status); c != 0 {
			return c
		}
		if c := compareAddr(x.Destination, y.Destination); c != 0 {
			return c
		}
		if c := cmp.Compare(x.Application, y.Application); c != 0 {
			return c
		}
		return cmp.Compare(x.Port, y.Port)
	})
	return out
}

// hitCounts joins the counters with the rulebase: rules in evaluation
// order with where they live, whether they are port-based and what shadows
// them, then counters for rules the rulebase does not list.
func (x *analysis) hitCounts() []mine.HitCount {
	rules, hits := x.model.Rules(), x.in.Hits
	byRule := map[string]mine.RuleHits{}
	for _, h := range hits {
		byRule[h.Rule] = h
	}
	out := make([]mine.HitCount, 0, len(hits))
	listed := map[string]bool{}
	for i, r := range rules {
		listed[r.Name] = true
		hc := mine.HitCount{Rule: r.Name, Position: i + 1, Location: r.Location, Action: r.Action,
			CatchAll: x.caRule[r.Name] != nil, PortBased: x.model.PortBased(i), ShadowedBy: []string{}}
		for _, j := range x.model.ShadowedBy(i) {
			hc.ShadowedBy = append(hc.ShadowedBy, rules[j].Name)
		}
		if h, ok := byRule[r.Name]; ok {
			fillHits(&hc, h)
		}
		out = append(out, hc)
	}
	pos := len(rules)
	for _, h := range hits {
		if listed[h.Rule] {
			continue
		}
		pos++
		hc := mine.HitCount{Rule: h.Rule, Position: pos, Action: defaultRuleAction(h.Rule), ShadowedBy: []string{}}
		fillHits(&hc, h)
		out = append(out, hc)
	}
	return out
}

func defaultRuleAction(name string) string {
	switch name {
	case "intrazone-default":
		return "allow"
	case "interzone-default":
		return "deny"
	}
	return ""
}

func fillHits(hc *mine.HitCount, h mine.RuleHits) {
	hc.HitCount = h.HitCount
	hc.FirstHit = timePtr(h.FirstHit)
	hc.LastHit = timePtr(h.LastHit)
	hc.LastReset = timePtr(h.LastReset)
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// RulesInOrder returns the rules of the input's policy context (Policy
// when set, otherwise Rules), in evaluation order.
func (in *Input) RulesInOrder() []mine.Rule {
	if in.Policy != nil {
		return in.Policy.Rules
	}
	return in.Rules
}
