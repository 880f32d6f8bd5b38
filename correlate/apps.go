package correlate

import (
	"cmp"
	"slices"
	"time"

	"github.com/panos-mine/mine"
)

// catchAllApps sums the catch-all's traffic per application, leaving the
// scanners' out: what the catch-all carries, seen by App-ID, including
// what no HTTP response shows (ssl without decryption, ssh, databases).
func (x *analysis) catchAllApps(sugs []mine.Suggestion) []mine.AppStat {
	type agg struct {
		st         mine.AppStat
		dsts, srcs map[string]bool
		ports      map[int]bool
	}
	apps := map[string]*agg{}
	get := func(app string) *agg {
		g := apps[app]
		if g == nil {
			g = &agg{st: mine.AppStat{Application: app}, dsts: map[string]bool{}, srcs: map[string]bool{}, ports: map[int]bool{}}
			apps[app] = g
		}
		return g
	}
	seen := func(g *agg, first, last time.Time) {
		if !first.IsZero() && (g.st.FirstSeen.IsZero() || first.Before(g.st.FirstSeen)) {
			g.st.FirstSeen = first
		}
		if last.After(g.st.LastSeen) {
			g.st.LastSeen = last
		}
	}
	for k, s := range x.a.sessions {
		if x.isScanner[k.src] {
			continue
		}
		g := get(k.app)
		g.st.Sessions += s.sessions
		g.st.Bytes += s.bytes
		g.dsts[k.dst], g.srcs[k.src], g.ports[k.port] = true, true, true
		seen(g, s.first, s.last)
	}
	for k, f := range x.a.resp {
		if x.isScanner[k.src] {
			continue
		}
		g := get(k.app)
		g.st.Success += f.okN
		g.st.Redirects += f.redirects
		g.st.ClientErrors += f.errs4
		g.st.ServerErrors += f.errs5
		g.dsts[k.dst], g.srcs[k.src], g.ports[k.port] = true, true, true
		seen(g, f.first, f.last)
	}
	suggested := map[string]bool{}
	for _, s := range sugs {
		for _, app := range s.Application {
			suggested[app] = true
		}
	}
	out := make([]mine.AppStat, 0, len(apps))
	for app, g := range apps {
		st := g.st
		st.Destinations, st.Sources = len(g.dsts), len(g.srcs)
		for p := range g.ports {
			st.Ports = append(st.Ports, p)
		}
		slices.Sort(st.Ports)
		st.HTTPVisible = st.Success+st.Redirects+st.ClientErrors+st.ServerErrors > 0
		st.Suggested = suggested[app]
		out = append(out, st)
	}
	slices.SortFunc(out, func(a, b mine.AppStat) int {
		if c := cmp.Compare(b.Sessions, a.Sessions); c != 0 {
			return c
		}
		return cmp.Compare(a.Application, b.Application)
	})
	return out
}

// dailyStatus lists the responses per UTC day and status class, oldest day
// first.
func (a *Aggregator) dailyStatus() []mine.DayStatus {
	out := make([]mine.DayStatus, 0, len(a.daily))
	for day, c := range a.daily {
		out = append(out, mine.DayStatus{Day: time.Unix(day*86400, 0).UTC(),
			Success: c[0], Redirects: c[1], ClientErrors: c[2], ServerErrors: c[3]})
	}
	slices.SortFunc(out, func(x, y mine.DayStatus) int { return x.Day.Compare(y.Day) })
	return out
}
