package correlate

import (
	"cmp"
	"slices"
	"time"

	"github.com/panos-mine/mine"
)

// catchAllDaily lists every UTC day the window touches, oldest first, with
// the catch-all's sessions and its responses to ordinary clients per
// status class; the scanners' responses are counted apart. A day without
// traffic is listed with zeros, so a chart of the days shows the gap.
func (x *analysis) catchAllDaily() []mine.CatchAllDay {
	w := x.in.Window
	if w.Validate() != nil {
		return nil
	}
	first, last := dayOf(w.From), dayOf(w.To)
	if last > first && w.To.Unix()%86400 == 0 {
		last-- // the window ends at midnight: the next day has no second of it
	}
	out := make([]mine.CatchAllDay, last-first+1)
	for i := range out {
		start := time.Unix(int64(first+int32(i))*86400, 0).UTC()
		out[i].Day = start
		out[i].Partial = start.Before(w.From) || start.Add(day).After(w.To)
	}
	at := func(d int32) *mine.CatchAllDay {
		if d < first || d > last {
			return nil // a record outside the window
		}
		return &out[d-first]
	}
	for k, s := range x.a.sessions {
		client := !x.isScanner[k.src]
		for _, dc := range s.days {
			if p := at(dc.day); p != nil {
				p.Sessions += dc.n
				if client {
					p.ClientSessions += dc.n
				}
			}
		}
	}
	for src, cd := range x.a.caSrcDays {
		scanner := x.isScanner[src]
		for class, series := range cd {
			for _, dc := range series {
				p := at(dc.day)
				switch {
				case p == nil:
				case scanner:
					p.ScannerResponses += dc.n
				case class == 0:
					p.Success += dc.n
				case class == 1:
					p.Redirects += dc.n
				case class == 2:
					p.ClientErrors += dc.n
				default:
					p.ServerErrors += dc.n
				}
			}
		}
	}
	return out
}

// catchAllWeeks sums the whole days into weeks of seven, the last week
// ending with the last whole day, oldest first: the weeks the readiness
// verdict counts when there is no history. Days before the first whole
// week are left out.
func catchAllWeeks(days []mine.CatchAllDay) []mine.CatchAllWeek {
	var whole []mine.CatchAllDay
	for _, d := range days {
		if !d.Partial {
			whole = append(whole, d)
		}
	}
	n := len(whole) / 7
	out := make([]mine.CatchAllWeek, n)
	for i := range n {
		week := whole[len(whole)-7*(n-i) : len(whole)-7*(n-i-1)]
		wk := mine.CatchAllWeek{From: week[0].Day, To: week[6].Day.Add(day)}
		for _, d := range week {
			wk.Sessions += d.Sessions
			wk.ClientSessions += d.ClientSessions
		}
		out[i] = wk
	}
	return out
}

// catchAllDestinations sums the catch-all's traffic of ordinary clients per
// destination and application, most sessions first, then most responses
// (the order when there are no traffic logs), then by destination and
// application.
func (x *analysis) catchAllDestinations() []mine.DestinationUse {
	type key struct{ dst, app string }
	type agg struct {
		u     mine.DestinationUse
		ports map[int]bool
		srcs  map[string]bool
	}
	byKey := map[key]*agg{}
	get := func(k flowKey) *agg {
		g := byKey[key{k.dst, k.app}]
		if g == nil {
			g = &agg{u: mine.DestinationUse{Destination: k.dst, Application: k.app}, ports: map[int]bool{}, srcs: map[string]bool{}}
			byKey[key{k.dst, k.app}] = g
		}
		g.ports[k.port], g.srcs[k.src] = true, true
		return g
	}
	for k, s := range x.a.sessions {
		if !x.isScanner[k.src] {
			g := get(k)
			g.u.Sessions += s.sessions
			g.u.Bytes += s.bytes
		}
	}
	for k, f := range x.a.resp {
		if !x.isScanner[k.src] {
			get(k).u.Responses += f.okN + f.redirects + f.errs4 + f.errs5
		}
	}
	out := make([]mine.DestinationUse, 0, len(byKey))
	for _, g := range byKey {
		u := g.u
		for p := range g.ports {
			u.Ports = append(u.Ports, p)
		}
		slices.Sort(u.Ports)
		u.Sources = len(g.srcs)
		out = append(out, u)
	}
	slices.SortFunc(out, func(a, b mine.DestinationUse) int {
		if c := cmp.Compare(b.Sessions, a.Sessions); c != 0 {
			return c
		}
		if c := cmp.Compare(b.Responses, a.Responses); c != 0 {
			return c
		}
		if c := compareAddr(a.Destination, b.Destination); c != 0 {
			return c
		}
		return cmp.Compare(a.Application, b.Application)
	})
	return out
}
