package correlate

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/panos-mine/mine"
)

// Watch matches the deny logs read after a catch-all was retired against
// the flows it carried before: a denied session to a service the catch-all
// used to carry is what the retirement broke. It folds logs as they stream
// (memory grows with the distinct denied flows, not with the logs) and is
// not safe for concurrent use.
type Watch struct {
	rule     string
	services map[svcKey]*carriedSvc
	scanners map[string]bool
	denied   map[deniedKey]*deniedAgg
	// unrelated counts denied sessions to services the catch-all did not
	// carry; logged every session each deny rule logged.
	unrelated int64
	logged    map[string]int64
}

// svcKey is a service as a deny log shows it: the application may read
// not-applicable there (a rule for any application denies before App-ID
// decides), so it is not part of the key.
type svcKey struct {
	dst, proto string
	port       int
}

type carriedSvc struct {
	sessions int64
	clients  map[string]bool
	apps     map[string]int64
}

type deniedKey struct {
	rule, src, dst, app, proto string
	port                       int
}

type deniedAgg struct {
	span
	n int64
}

// NewWatch returns a watch of the catch-all rule over the flows it
// carried (CatchAllFlows, as the history kept them); flows of other rules
// are ignored.
func NewWatch(rule string, carried []mine.CarriedFlow) *Watch {
	w := &Watch{rule: rule, services: map[svcKey]*carriedSvc{}, scanners: map[string]bool{}, denied: map[deniedKey]*deniedAgg{},
		logged: map[string]int64{}}
	for _, f := range carried {
		if f.CatchAllRule != rule {
			continue
		}
		if f.Scanner {
			w.scanners[f.Source] = true
		}
		k := svcKey{f.Destination, protoOr(f.Protocol), f.Port}
		s := w.services[k]
		if s == nil {
			s = &carriedSvc{clients: map[string]bool{}, apps: map[string]int64{}}
			w.services[k] = s
		}
		s.sessions += f.Sessions
		s.apps[f.Application] += f.Sessions
		if !f.Scanner {
			s.clients[f.Source] = true
		}
	}
	return w
}

// AddDenied folds one traffic log entry of a deny rule in. Entries that
// allowed the session are ignored.
func (w *Watch) AddDenied(l *mine.TrafficLog) {
	if l.Action == "allow" {
		return
	}
	n := int64(l.Sessions())
	w.logged[l.Rule] += n
	k := svcKey{l.Dst, protoOr(l.Proto), l.DstPort}
	if w.services[k] == nil {
		w.unrelated += n
		return
	}
	dk := deniedKey{l.Rule, l.Src, l.Dst, l.App, protoOr(l.Proto), l.DstPort}
	d := w.denied[dk]
	if d == nil {
		d = &deniedAgg{}
		w.denied[dk] = d
	}
	d.add(l.ReceiveTime)
	d.n += n
}

// Report lists what the deny rules denied of the catch-all's old traffic:
// ordinary clients' flows (Broken) and scanners' (Scanners), each with
// the application the catch-all saw on the service when the deny log does
// not name one. Sorted by count, then destination, port and source.
func (w *Watch) Report(window mine.Window, denyRules []string) mine.WatchReport {
	rep := mine.WatchReport{Rule: w.rule, Window: window, DenyRules: slices.Clone(denyRules),
		Broken: []mine.DeniedFlow{}, Scanners: []mine.DeniedFlow{}, Unrelated: w.unrelated, Silent: []string{}, Notes: []string{}}
	if rep.DenyRules == nil {
		rep.DenyRules = []string{}
	}
	for k, d := range w.denied {
		svc := w.services[svcKey{k.dst, k.proto, k.port}]
		app := k.app
		if !isAppID(app) {
			app = dominantApp(svc.apps)
		}
		f := mine.DeniedFlow{Rule: k.rule, Source: k.src, Destination: k.dst, Application: app, Protocol: k.proto, Port: k.port,
			Count: d.n, FirstSeen: d.first.UTC(), LastSeen: d.last.UTC(), Known: svc.clients[k.src], Carried: svc.sessions}
		if w.scanners[k.src] {
			rep.Scanners = append(rep.Scanners, f)
		} else {
			rep.Broken = append(rep.Broken, f)
		}
	}
	for _, l := range [][]mine.DeniedFlow{rep.Broken, rep.Scanners} {
		slices.SortFunc(l, func(p, q mine.DeniedFlow) int {
			if c := cmp.Compare(q.Count, p.Count); c != 0 {
				return c
			}
			if c := compareAddr(p.Destination, q.Destination); c != 0 {
				return c
			}
			if c := cmp.Compare(p.Port, q.Port); c != 0 {
				return c
			}
			if c := compareAddr(p.Source, q.Source); c != 0 {
				return c
			}
			if c := cmp.Compare(p.Rule, q.Rule); c != 0 {
				return c
			}
			return cmp.Compare(p.Application, q.Application)
		})
	}
	return rep
}

// Silent returns the deny rules whose hit counter grew between the
// retirement (then) and now but that logged nothing the watch read (what
// they denied is invisible), and a note for each.
func (w *Watch) Silent(denyRules []string, then, now []mine.RuleHits) (rules, notes []string) {
	sum := func(hs []mine.RuleHits) map[string]uint64 {
		m := map[string]uint64{}
		for _, h := range hs {
			m[h.Rule] += h.HitCount
		}
		return m
	}
	before, after := sum(then), sum(now)
	for _, r := range denyRules {
		if after[r] > before[r] && w.logged[r] == 0 {
			rules = append(rules, r)
			notes = append(notes, fmt.Sprintf("%s took %d hits since the retirement but logged none: what it denied is invisible (for interzone-default, override it with log at session end)",
				r, after[r]-before[r]))
		}
	}
	return rules, notes
}

// dominantApp returns the application with the most sessions, the first
// by name on a tie.
func dominantApp(apps map[string]int64) string {
	best, n := "", int64(-1)
	for a, c := range apps {
		if c > n || c == n && a < best {
			best, n = a, c
		}
	}
	return best
}

// DenyRulesBelow returns the rules below the catch-all rule in evaluation
// order that deny, drop or reset (a cleanup rule, interzone-default, or
// any other): with the catch-all disabled, they take the flows it carried
// that no rule above allows. Disabled rules are left out. It returns nil
// when the rule is not in the policy.
func DenyRulesBelow(p *mine.Policy, catchAll string) []string {
	i := slices.IndexFunc(p.Rules, func(r mine.Rule) bool { return r.Name == catchAll })
	if i < 0 {
		return nil
	}
	var out []string
	for _, r := range p.Rules[i+1:] {
		if r.Disabled || r.Action == "allow" || r.Action == "" {
			continue
		}
		out = append(out, r.Name)
	}
	return out
}
