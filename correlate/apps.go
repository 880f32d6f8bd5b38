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
		seen       span
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
	for k, s := range x.a.sessions {
		if x.isScanner[k.src] {
			continue
		}
		g := get(k.app)
		g.st.Sessions += s.sessions
		g.st.Bytes += s.bytes
		g.dsts[k.dst], g.srcs[k.src], g.ports[k.port] = true, true, true
		g.seen.add(s.first)
		g.seen.add(s.last)
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
		g.seen.add(f.first)
		g.seen.add(f.last)
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
		st.FirstSeen, st.LastSeen = g.seen.first, g.seen.last
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
	byDay := map[int32]*mine.DayStatus{}
	for class, series := range a.daily {
		for _, dc := range series {
			ds := byDay[dc.day]
			if ds == nil {
				ds = &mine.DayStatus{Day: time.Unix(int64(dc.day)*86400, 0).UTC()}
				byDay[dc.day] = ds
			}
			switch class {
			case 0:
				ds.Success += dc.n
			case 1:
				ds.Redirects += dc.n
			case 2:
				ds.ClientErrors += dc.n
			case 3:
				ds.ServerErrors += dc.n
			}
		}
	}
	out := make([]mine.DayStatus, 0, len(byDay))
	for _, ds := range byDay {
		out = append(out, *ds)
	}
	slices.SortFunc(out, func(x, y mine.DayStatus) int { return x.Day.Compare(y.Day) })
	return out
}
