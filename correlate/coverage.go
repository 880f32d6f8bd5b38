package correlate

import (
	"cmp"
	"math"
	"slices"
	"strconv"

	"github.com/panos-mine/mine"
	"github.com/panos-mine/mine/policy"
)

// Residual reasons.
const (
	reasonScanner   = "scanner"
	reasonNotAppID  = "not an App-ID"
	reasonNoSuccess = "no HTTP success"
	reasonRedirects = "only redirects"
	reasonOutside   = "outside the suggested rule"
	reasonDenied    = "denied by"
)

// replay is the policy as the what-if replay evaluates it: the rulebase
// with the suggestions placed right above their catch-all rules, as if
// enabled.
type replay struct {
	m       *policy.Model
	caIndex map[string]int  // catch-all name -> index in m
	isSug   map[string]bool // suggestion names
	// device is the device's own answer for flows it was asked about;
	// sugOnly the suggestions above the catch-all without the rest of the
	// rulebase, for flows the device says the catch-all takes today.
	device  map[flowKey]string
	sugOnly *policy.Model
	sugCA   map[string]int
}

// suggestedScope names the object scope the suggestions' service objects
// live in for the replay.
const suggestedScope = "mine-suggested"

func (x *analysis) replay(sugs []mine.Suggestion) *replay {
	rp := &replay{caIndex: map[string]int{}, isSug: map[string]bool{}}
	bySugCA := map[string][]mine.Rule{}
	parent := "shared"
	for _, ca := range x.in.CatchAll {
		parent = ca.Scope
		break
	}
	scope := mine.NewObjectScope(suggestedScope, parent)
	for i := range sugs {
		s := &sugs[i]
		rp.isSug[s.Name] = true
		bySugCA[s.CatchAllRule] = append(bySugCA[s.CatchAllRule], mine.Rule{
			Name: s.Name, Location: "suggested", Scope: suggestedScope, RuleType: "universal",
			From: s.From, To: s.To, Source: s.Source, Destination: s.Destination,
			Application: s.Application, Service: s.Service, Action: "allow",
		})
		for _, svc := range s.Service {
			if p, ok := x.svcObjects[svc]; ok {
				scope.Services[svc] = mine.Service{Name: svc, Protocol: p.proto, Port: strconv.Itoa(p.port)}
			}
		}
	}
	var rules []mine.Rule
	for _, r := range x.model.Rules() {
		rules = append(rules, bySugCA[r.Name]...)
		rules = append(rules, r)
	}
	rp.m = x.model.With(rules, scope)
	for _, ca := range x.in.CatchAll {
		rp.caIndex[ca.Name] = rp.m.Index(ca.Name)
	}
	if len(x.device) > 0 {
		rp.device = x.device
		var only []mine.Rule
		for _, ca := range x.in.CatchAll {
			only = append(only, bySugCA[ca.Name]...)
			only = append(only, *x.caRule[ca.Name])
		}
		rp.sugOnly = x.model.With(only, scope)
		rp.sugCA = map[string]int{}
		for _, ca := range x.in.CatchAll {
			rp.sugCA[ca.Name] = rp.sugOnly.Index(ca.Name)
		}
	}
	return rp
}

// whereKey is where for a logged flow: where the device was asked about
// it, its answer decides what the rulebase does today.
func (rp *replay) whereKey(k flowKey) outcome {
	k.proto = protoOr(k.proto)
	dev, asked := rp.device[k]
	if !asked {
		return rp.where(k.rule, flowOf(k))
	}
	switch ci := rp.caIndex[k.rule]; {
	case dev == k.rule:
		if rp.sugOnly == nil {
			return outcome{}
		}
		// The rulebase above does not take it: only the suggestions can.
		return (&replay{m: rp.sugOnly, caIndex: rp.sugCA}).where(k.rule, flowOf(k))
	case dev != "" && rp.m.Index(dev) >= 0 && rp.m.Index(dev) < ci:
		if rp.m.Rules()[rp.m.Index(dev)].Action != "allow" {
			return outcome{denied: dev}
		}
		return outcome{covered: dev}
	case dev != "":
		return outcome{denied: dev}
	}
	return outcome{}
}

// outcome is where a catch-all flow would go in the replay.
type outcome struct {
	covered   string   // the rule above the catch-all that carries it, "" when none
	denied    string   // a rule above that denies it now
	dependsOn string   // the first rule above whose match depends
	reasons   []string // what it depends on
}

// flowOf makes the policy's flow of an aggregated catch-all flow: the
// logs' users are not kept, so a rule for some users depends.
func flowOf(k flowKey) policy.Flow {
	return policy.Flow{From: k.from, To: k.to, Source: parseAddr(k.src), Destination: parseAddr(k.dst),
		Protocol: protoOr(k.proto), Port: k.port, Application: k.app}
}

// where runs a flow of catch-all ca through the replay. It is covered only
// when every rule that may take it before the catch-all allows it: a rule
// whose match depends and that would deny, or that would be the only one
// to carry it, makes the flow depend.
func (rp *replay) where(ca string, f policy.Flow) outcome {
	ci, ok := rp.caIndex[ca]
	if !ok || ci < 0 {
		return outcome{}
	}
	o := rp.m.Evaluate(f)
	rules := rp.m.Rules()
	var out outcome
	for _, d := range o.Depends {
		if d.Rule >= ci {
			break
		}
		if out.dependsOn == "" || rules[d.Rule].Action != "allow" {
			out.dependsOn, out.reasons = rules[d.Rule].Name, d.Reasons
			if rules[d.Rule].Action != "allow" {
				break
			}
		}
	}
	definite := o.Rule >= 0 && o.Rule < ci
	switch {
	case definite && rules[o.Rule].Action != "allow":
		out.denied = rules[o.Rule].Name
	case definite && (out.dependsOn == "" || rules[rp.m.Index(out.dependsOn)].Action == "allow"):
		// Whichever way the condition goes, an allow rule above takes it.
		out.covered = rules[o.Rule].Name
		out.dependsOn, out.reasons = "", nil
	}
	return out
}

// coverage replays the window's catch-all traffic (sessions from traffic
// logs, or responses from threat logs when there are none) against the
// rules above the catch-all and the suggestions, first match wins.
func (x *analysis) coverage(sugs []mine.Suggestion) mine.Coverage {
	a := x.a
	cov := mine.Coverage{Basis: "sessions", ByRule: []mine.RuleCoverage{}, Residual: []mine.Residual{}, Rare: []mine.RareUse{}}
	type item struct {
		k     flowKey
		n     int64
		sp    span
		days  days
		valid bool
	}
	var items []item
	for k, s := range a.sessions {
		items = append(items, item{k, s.sessions, s.span, s.days, true})
	}
	if len(items) == 0 {
		cov.Basis = "responses"
		for k, f := range a.resp {
			items = append(items, item{k, f.okN + f.redirects + f.errs4 + f.errs5, f.span, f.days, true})
		}
	}
	// What each server showed ordinary clients, to explain the residual.
	okSrv, redirSrv := map[serverKey]bool{}, map[serverKey]bool{}
	for k, f := range a.resp {
		if x.isScanner[k.src] {
			continue
		}
		sk := serverKey{k.rule, k.to, k.dst, k.app}
		if f.okN > 0 {
			okSrv[sk] = true
		}
		if f.redirects > 0 {
			redirSrv[sk] = true
		}
	}
	rp := x.replay(sugs)
	byRule := map[string]*mine.RuleCoverage{}
	residual, depends := trafficLines{}, trafficLines{}
	reasonsOf := map[lineKey][]string{}
	type useKey struct {
		app, dst string
		port     int
	}
	type useAgg struct {
		n         int64
		sp        span
		days      map[int32]bool
		coveredBy map[string]int64
	}
	uses := map[useKey]*useAgg{}
	for _, it := range items {
		k := it.k
		cov.Total += it.n
		o := rp.whereKey(k)
		hit := o.covered
		if hit != "" {
			rc := byRule[hit]
			if rc == nil {
				rc = &mine.RuleCoverage{Rule: hit, Existing: !rp.isSug[hit]}
				byRule[hit] = rc
			}
			rc.Count += it.n
			cov.Covered += it.n
		}
		if o.dependsOn != "" {
			cov.Depends += it.n
			dk := lineKey{k.rule, k.app, k.dst, k.port, o.dependsOn}
			depends.add(dk, it.n, k.src, it.sp)
			reasonsOf[dk] = o.reasons
		}
		if !x.isScanner[k.src] {
			uk := useKey{k.app, k.dst, k.port}
			u := uses[uk]
			if u == nil {
				u = &useAgg{days: map[int32]bool{}, coveredBy: map[string]int64{}}
				uses[uk] = u
			}
			u.n += it.n
			u.sp.merge(it.sp)
			for _, d := range it.days {
				u.days[d.day] = true
			}
			u.coveredBy[hit] += it.n
		}
		if hit != "" || o.dependsOn != "" {
			continue
		}
		sk := serverKey{k.rule, k.to, k.dst, k.app}
		reason := reasonNoSuccess
		switch {
		case o.denied != "":
			reason = reasonDenied + " " + o.denied
		case x.isScanner[k.src]:
			reason = reasonScanner
		case !isAppID(k.app):
			reason = reasonNotAppID
		case okSrv[sk]:
			reason = reasonOutside
		case redirSrv[sk]:
			reason = reasonRedirects
		}
		residual.add(lineKey{k.rule, k.app, k.dst, k.port, reason}, it.n, k.src, it.sp)
	}
	cov.CoveredShare = share(cov.Covered, cov.Total)
	cov.DependsShare = share(cov.Depends, cov.Total)
	cov.ResidualShare = share(cov.Total-cov.Covered-cov.Depends, cov.Total)
	cov.DependsOn = []mine.DependentTraffic{}
	for _, k := range depends.sorted() {
		d := depends[k]
		cov.DependsOn = append(cov.DependsOn, mine.DependentTraffic{CatchAllRule: k.rule, Application: k.app, Destination: k.dst,
			Port: k.port, Rule: k.label, Reasons: reasonsOf[k], Count: d.n, Share: share(d.n, cov.Total), Sources: len(d.sources),
			FirstSeen: d.sp.first, LastSeen: d.sp.last})
	}

	windowDays := int(math.Ceil(x.in.Window.Duration().Hours() / 24))
	rare := map[useKey]bool{}
	for uk, u := range uses {
		if windowDays < 4 || len(u.days)*4 > windowDays {
			continue
		}
		rare[uk] = true
		covered, best := "", int64(-1)
		for name, n := range u.coveredBy {
			if n > best || n == best && name < covered {
				covered, best = name, n
			}
		}
		cov.Rare = append(cov.Rare, mine.RareUse{
			Application: uk.app, Destination: uk.dst, Port: uk.port, DaysSeen: len(u.days), WindowDays: windowDays,
			Count: u.n, FirstSeen: u.sp.first, LastSeen: u.sp.last, CoveredBy: covered,
		})
	}
	slices.SortFunc(cov.Rare, func(p, q mine.RareUse) int {
		if c := cmp.Compare(p.DaysSeen, q.DaysSeen); c != 0 {
			return c
		}
		if c := compareAddr(p.Destination, q.Destination); c != 0 {
			return c
		}
		if c := cmp.Compare(p.Application, q.Application); c != 0 {
			return c
		}
		return cmp.Compare(p.Port, q.Port)
	})

	for _, k := range residual.sorted() {
		r := residual[k]
		cov.Residual = append(cov.Residual, mine.Residual{CatchAllRule: k.rule, Application: k.app, Destination: k.dst,
			Port: k.port, Reason: k.label, Count: r.n, Share: share(r.n, cov.Total), Sources: len(r.sources),
			Rare: rare[useKey{k.app, k.dst, k.port}], FirstSeen: r.sp.first, LastSeen: r.sp.last})
	}

	// ByRule in evaluation order: existing rules by position, then the
	// suggestions in their order.
	order := map[string]int{}
	for i, r := range rp.m.Rules() {
		order[r.Name] = i
	}
	for _, rc := range byRule {
		rc.Share = share(rc.Count, cov.Total)
		cov.ByRule = append(cov.ByRule, *rc)
	}
	slices.SortFunc(cov.ByRule, func(p, q mine.RuleCoverage) int {
		if c := cmp.Compare(order[p.Rule], order[q.Rule]); c != 0 {
			return c
		}
		return cmp.Compare(p.Rule, q.Rule)
	})
	return cov
}

// lineKey is one line of the replay's outcome: a catch-all's traffic to a
// destination, application and port, with a label (why it stays, or the
// rule it depends on).
type lineKey struct {
	rule, app, dst string
	port           int
	label          string
}

type lineAgg struct {
	n       int64
	sources map[string]bool
	sp      span
}

// trafficLines sums replayed traffic per line.
type trafficLines map[lineKey]*lineAgg

func (t trafficLines) add(k lineKey, n int64, src string, sp span) {
	l := t[k]
	if l == nil {
		l = &lineAgg{sources: map[string]bool{}}
		t[k] = l
	}
	l.n += n
	l.sources[src] = true
	l.sp.merge(sp)
}

// sorted returns the lines largest first, then by destination,
// application, port, label and catch-all rule.
func (t trafficLines) sorted() []lineKey {
	keys := make([]lineKey, 0, len(t))
	for k := range t {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(p, q lineKey) int {
		if c := cmp.Compare(t[q].n, t[p].n); c != 0 {
			return c
		}
		if c := compareAddr(p.dst, q.dst); c != 0 {
			return c
		}
		if c := cmp.Compare(p.app, q.app); c != 0 {
			return c
		}
		if c := cmp.Compare(p.port, q.port); c != 0 {
			return c
		}
		if c := cmp.Compare(p.label, q.label); c != 0 {
			return c
		}
		return cmp.Compare(p.rule, q.rule)
	})
	return keys
}
