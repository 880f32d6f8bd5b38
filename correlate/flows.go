package correlate

import (
	"cmp"
	"slices"

	"github.com/panos-mine/mine"
)

// CatchAllFlows returns every flow the catch-all rules carried in the
// window, one per rule, client and service, with its sessions and when it
// was seen: from the traffic logs, or from the threat logs (responses)
// when the catch-all sent none. Flows of sources called scanners are
// marked. Sorted by rule, destination, port, application and source. This
// is what a retirement is watched against: mine watch reports the flows of
// this list that a rule below the catch-all denies afterwards.
func (a *Aggregator) CatchAllFlows() []mine.CarriedFlow {
	isScanner := map[string]bool{}
	for _, sc := range a.scanners() {
		isScanner[sc.Source] = true
	}
	out := []mine.CarriedFlow{}
	add := func(k flowKey, n int64, sp span) {
		out = append(out, mine.CarriedFlow{
			CatchAllRule: k.rule, From: k.from, To: k.to, Source: k.src, Destination: k.dst,
			Application: k.app, Protocol: protoOr(k.proto), Port: k.port, Sessions: n,
			FirstSeen: sp.first.UTC(), LastSeen: sp.last.UTC(), Scanner: isScanner[k.src],
		})
	}
	if len(a.sessions) > 0 {
		for k, s := range a.sessions {
			add(k, s.sessions, s.span)
		}
	} else {
		for k, f := range a.resp {
			add(k, f.okN+f.redirects+f.errs4+f.errs5, f.span)
		}
	}
	slices.SortFunc(out, func(p, q mine.CarriedFlow) int {
		if c := cmp.Compare(p.CatchAllRule, q.CatchAllRule); c != 0 {
			return c
		}
		if c := compareAddr(p.Destination, q.Destination); c != 0 {
			return c
		}
		if c := cmp.Compare(p.Port, q.Port); c != 0 {
			return c
		}
		if c := cmp.Compare(p.Protocol, q.Protocol); c != 0 {
			return c
		}
		if c := cmp.Compare(p.Application, q.Application); c != 0 {
			return c
		}
		if c := compareAddr(p.Source, q.Source); c != 0 {
			return c
		}
		return cmp.Compare(p.From+"\x00"+p.To, q.From+"\x00"+q.To)
	})
	return out
}
