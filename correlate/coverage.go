package correlate

import (
	"cmp"
	"math"
	"slices"

	"github.com/panos-mine/mine"
)

// Residual reasons.
const (
	reasonScanner   = "scanner"
	reasonNotAppID  = "not an App-ID"
	reasonNoSuccess = "no HTTP success"
	reasonRedirects = "only redirects"
	reasonOutside   = "outside the suggested rule"
)

type namedMatcher struct {
	name     string
	existing bool
	m        *matcher
}

// matchers returns, per catch-all rule, what the replay evaluates in order:
// the enabled allow rules above it that mine can evaluate, then the
// suggestions (as if enabled).
func (x *analysis) matchers(sugs []mine.Suggestion) map[string][]namedMatcher {
	out := map[string][]namedMatcher{}
	for ca, above := range x.above {
		for _, r := range above {
			if r.Disabled || r.Action != "allow" {
				continue
			}
			if m, ok := compileRule(r, x.defaults); ok {
				out[ca] = append(out[ca], namedMatcher{r.Name, true, m})
			}
		}
	}
	for i := range sugs {
		s := &sugs[i]
		r := mine.Rule{Name: s.Name, From: s.From, To: s.To, Source: s.Source, Destination: s.Destination,
			Application: s.Application, Service: s.Service, Action: "allow"}
		if m, ok := compileRule(&r, x.defaults); ok {
			out[s.CatchAllRule] = append(out[s.CatchAllRule], namedMatcher{s.Name, false, m})
		}
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
	ms := x.matchers(sugs)
	byRule := map[string]*mine.RuleCoverage{}
	type resKey struct {
		rule, app, dst string
		port           int
		reason         string
	}
	type resAgg struct {
		mine.Residual
		sources map[string]bool
	}
	residual := map[resKey]*resAgg{}
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
		f := flow{from: k.from, to: k.to, src: parseAddr(k.src), dst: parseAddr(k.dst), app: k.app, proto: k.proto, port: k.port}
		hit := ""
		for _, nm := range ms[k.rule] {
			if nm.m.matches(f) {
				hit = nm.name
				rc := byRule[nm.name]
				if rc == nil {
					rc = &mine.RuleCoverage{Rule: nm.name, Existing: nm.existing}
					byRule[nm.name] = rc
				}
				rc.Count += it.n
				cov.Covered += it.n
				break
			}
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
		if hit != "" {
			continue
		}
		sk := serverKey{k.rule, k.to, k.dst, k.app}
		reason := reasonNoSuccess
		switch {
		case x.isScanner[k.src]:
			reason = reasonScanner
		case !isAppID(k.app):
			reason = reasonNotAppID
		case okSrv[sk]:
			reason = reasonOutside
		case redirSrv[sk]:
			reason = reasonRedirects
		}
		rk := resKey{k.rule, k.app, k.dst, k.port, reason}
		r := residual[rk]
		if r == nil {
			r = &resAgg{Residual: mine.Residual{CatchAllRule: k.rule, Application: k.app, Destination: k.dst, Port: k.port, Reason: reason},
				sources: map[string]bool{}}
			residual[rk] = r
		}
		r.Count += it.n
		r.sources[k.src] = true
		sp := span{r.FirstSeen, r.LastSeen}
		sp.merge(it.sp)
		r.FirstSeen, r.LastSeen = sp.first, sp.last
	}
	cov.CoveredShare = share(cov.Covered, cov.Total)
	cov.ResidualShare = share(cov.Total-cov.Covered, cov.Total)

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

	for _, r := range residual {
		r.Sources = len(r.sources)
		r.Share = share(r.Count, cov.Total)
		r.Rare = rare[useKey{r.Application, r.Destination, r.Port}]
		cov.Residual = append(cov.Residual, r.Residual)
	}
	slices.SortFunc(cov.Residual, func(p, q mine.Residual) int {
		if c := cmp.Compare(q.Count, p.Count); c != 0 {
			return c
		}
		if c := compareAddr(p.Destination, q.Destination); c != 0 {
			return c
		}
		if c := cmp.Compare(p.Application, q.Application); c != 0 {
			return c
		}
		if c := cmp.Compare(p.Port, q.Port); c != 0 {
			return c
		}
		if c := cmp.Compare(p.Reason, q.Reason); c != 0 {
			return c
		}
		return cmp.Compare(p.CatchAllRule, q.CatchAllRule)
	})

	// ByRule in evaluation order: existing rules by position, then the
	// suggestions in their order.
	order := map[string]int{}
	for i := range x.in.Rules {
		order[x.in.Rules[i].Name] = x.in.Rules[i].Position
	}
	for i, s := range sugs {
		if _, ok := order[s.Name]; !ok {
			order[s.Name] = math.MaxInt32/2 + i
		}
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
