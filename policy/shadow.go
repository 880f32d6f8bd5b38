package policy

import (
	"reflect"
	"slices"
	"strings"

	"github.com/panos-mine/mine"
)

// Shadowing: a rule that the enabled rules above it match every flow of
// can never match. PAN-OS warns of a rule one rule above it covers; mine
// also finds rules that several rules above cover together when they
// differ in one condition only (two halves of an address range, two
// service lists).

// ShadowedBy returns the rules above rule i that leave it nothing to
// match, nil when it can match some flow. Rules above that alone cover it
// are listed when there are any; otherwise the rules whose union covers
// it. Rule i is judged as if enabled.
func (m *Model) ShadowedBy(i int) []int {
	m.shadowOnce.Do(m.computeShadows)
	return m.shadows[i]
}

// dims are the conditions of a rule, as bits of a cover mask.
type dims uint16

const (
	dimZone dims = 1 << iota
	dimSrc
	dimDst
	dimApp
	dimSvc
	dimUser
	dimCategory
	dimHIP
	dimSchedule
	dimTarget
)

func (m *Model) computeShadows() {
	m.shadows = make([][]int, len(m.rules))
	for i, low := range m.rules {
		var single, bySrc, byDst, bySvc, byZone []int
		for j := range i {
			up := m.rules[j]
			if up.rule.Disabled {
				continue
			}
			switch m.uncovered(up, low) {
			case 0:
				single = append(single, j)
			case dimSrc:
				bySrc = append(bySrc, j)
			case dimDst:
				byDst = append(byDst, j)
			case dimSvc:
				bySvc = append(bySvc, j)
			case dimZone:
				byZone = append(byZone, j)
			}
		}
		switch {
		case len(single) > 0:
			m.shadows[i] = single
		case len(bySrc) > 1:
			m.shadows[i] = m.unionCover(low, bySrc, func(c *compiled) *addrSpec { return &c.src })
		}
		if m.shadows[i] == nil && len(byDst) > 1 {
			m.shadows[i] = m.unionCover(low, byDst, func(c *compiled) *addrSpec { return &c.dst })
		}
		if m.shadows[i] == nil && len(bySvc) > 1 {
			m.shadows[i] = m.unionPorts(low, bySvc)
		}
		if m.shadows[i] == nil && len(byZone) > 1 {
			m.shadows[i] = m.unionZones(low, byZone)
		}
	}
}

// uncovered returns the conditions of low that up does not cover; it
// stops counting at two, since only a single failing condition can be
// made up by other rules.
func (m *Model) uncovered(up, low *compiled) dims {
	var d dims
	n := 0
	fail := func(x dims) bool {
		d |= x
		n++
		return n == 2
	}
	// Cheap conditions first; the address and service proofs cost most.
	switch {
	case !coversList(up.category, low.category) && fail(dimCategory),
		!(coversList(up.srcHIP, low.srcHIP) && coversList(up.dstHIP, low.dstHIP)) && fail(dimHIP),
		!(up.schedule == "" || up.schedule == low.schedule) && fail(dimSchedule),
		!coversTarget(up, low) && fail(dimTarget),
		!coversUsers(up.users, low.users) && fail(dimUser),
		!coversZones(up, low) && fail(dimZone),
		!coversAddr(&up.src, &low.src) && fail(dimSrc),
		!coversAddr(&up.dst, &low.dst) && fail(dimDst),
		!m.coversApps(up, low) && fail(dimApp),
		!m.coversService(up, low) && fail(dimSvc):
	}
	return d
}

// bounds returns the addresses a spec matches for certain, those it may
// match, and the opaque members (FQDNs, dynamic groups, lists) that may
// add to the latter.
func (s *addrSpec) bounds() (definite, possible ipSet, tokens []string) { return s.def, s.poss, s.toks }

func (s *addrSpec) computeBounds() (definite, possible ipSet, tokens []string) {
	switch {
	case s.any && s.neg:
		return nil, nil, nil
	case s.any:
		return universe(), universe(), nil
	}
	excluded := s.set
	for _, w := range s.wild {
		excluded = excluded.union(w.bounds)
	}
	if !s.neg {
		return s.set, excluded, s.opaque
	}
	possible = s.set.complement()
	if len(s.opaque) == 0 {
		definite = excluded.complement()
	}
	return definite, possible, nil
}

// coversAddr reports whether every address low may match, up matches for
// certain. An opaque member of low is covered by the same member of up.
func coversAddr(up, low *addrSpec) bool {
	ud, _, ut := up.bounds()
	_, lp, lt := low.bounds()
	return coversAddrSets(ud, ut, up.any && !up.neg, lp, lt)
}

func coversAddrSets(ud ipSet, ut []string, upAny bool, lp ipSet, lt []string) bool {
	if !lp.subsetOf(ud) {
		return false
	}
	for _, t := range lt {
		if !upAny && !slices.Contains(ut, t) {
			return false
		}
	}
	return true
}

// unionCover returns the rules (a minimal subset of cands, in order) whose
// addresses together cover low's, or nil.
func (m *Model) unionCover(low *compiled, cands []int, spec func(*compiled) *addrSpec) []int {
	covers := func(set []int) bool {
		var ud ipSet
		var ut []string
		for _, j := range set {
			d, _, t := spec(m.rules[j]).bounds()
			ud = ud.union(d)
			if !spec(m.rules[j]).neg {
				ut = append(ut, t...)
			}
		}
		_, lp, lt := spec(low).bounds()
		return coversAddrSets(ud, ut, false, lp, lt)
	}
	return minimalCover(cands, covers)
}

// unionPorts is unionCover for service ports.
func (m *Model) unionPorts(low *compiled, cands []int) []int {
	if low.svc.any || low.svc.appDefault || len(low.svc.opaque) > 0 {
		return nil
	}
	covers := func(set []int) bool {
		ports := protoPorts{}
		for _, j := range set {
			s := m.rules[j].svc
			if s.any {
				return true
			}
			ports = ports.union(s.ports)
		}
		if !low.svc.ports.subsetOf(ports) {
			return false
		}
		for _, r := range low.svc.srcRestricted {
			if !r.dst.subsetOf(ports[r.proto]) {
				return false
			}
		}
		return true
	}
	return minimalCover(cands, covers)
}

// minimalCover returns cands without the members covers does not need,
// or nil when all of them do not cover.
func minimalCover(cands []int, covers func([]int) bool) []int {
	if !covers(cands) {
		return nil
	}
	set := slices.Clone(cands)
	for k := 0; k < len(set); {
		without := slices.Delete(slices.Clone(set), k, k+1)
		if len(without) > 0 && covers(without) {
			set = without
			continue
		}
		k++
	}
	return set
}

// coversZones reports whether up matches every zone pair low matches.
func coversZones(up, low *compiled) bool {
	if up.ruleType == "universal" && up.from == nil && up.to == nil {
		return true
	}
	if up.ruleType == "universal" && low.ruleType == "universal" {
		// pairs from x to: contained when both lists are
		return zoneListCovers(up.from, low.from) && zoneListCovers(up.to, low.to)
	}
	return zonePairsCovered(low, []*compiled{up})
}

// zoneListCovers is set inclusion for zone lists, nil meaning any.
func zoneListCovers(up, low []string) bool {
	if up == nil {
		return true
	}
	if low == nil {
		return false
	}
	for _, z := range low {
		if !slices.Contains(up, z) {
			return false
		}
	}
	return true
}

// zonePairsCovered reports whether every zone pair low matches is matched
// by one of ups. Zones are compared by name only, so two zones named by
// none of the rules stand for all others: one pair of them equal, one
// pair different.
func zonePairsCovered(low *compiled, ups []*compiled) bool {
	var z []string
	for _, c := range append([]*compiled{low}, ups...) {
		for _, l := range [][]string{c.from, c.to} {
			for _, n := range l {
				if !slices.Contains(z, n) {
					z = append(z, n)
				}
			}
		}
	}
	z = append(z, "\x00other-1", "\x00other-2")
	for _, f := range z {
		for _, t := range z {
			if low.zonesMatch(f, t) && !slices.ContainsFunc(ups, func(u *compiled) bool { return u.zonesMatch(f, t) }) {
				return false
			}
		}
	}
	return true
}

// unionZones is unionCover for zones and rule types.
func (m *Model) unionZones(low *compiled, cands []int) []int {
	return minimalCover(cands, func(set []int) bool {
		ups := make([]*compiled, len(set))
		for k, j := range set {
			ups[k] = m.rules[j]
		}
		return zonePairsCovered(low, ups)
	})
}

// coversList is set inclusion for condition lists where nil means any.
func coversList(up, low []string) bool {
	if up == nil {
		return true
	}
	if low == nil {
		return false
	}
	for _, v := range low {
		if !containsFold(up, v) {
			return false
		}
	}
	return true
}

func containsFold(list []string, v string) bool {
	return slices.ContainsFunc(list, func(s string) bool { return strings.EqualFold(s, v) })
}

// coversUsers is coversList where known-user also covers every named user
// or group (a named user is a known one).
func coversUsers(up, low []string) bool {
	if coversList(up, low) {
		return true
	}
	if low == nil || !containsFold(up, "known-user") {
		return false
	}
	for _, u := range low {
		if !containsFold(up, u) && (strings.EqualFold(u, "unknown") || strings.EqualFold(u, "pre-logon")) {
			return false
		}
	}
	return true
}

func coversTarget(up, low *compiled) bool {
	switch {
	case len(up.target) == 0:
		return true
	case len(low.target) == 0:
		return false
	case !up.negTgt && !low.negTgt:
		return coversList(up.target, low.target)
	case up.negTgt && !low.negTgt:
		for _, t := range low.target {
			if slices.Contains(up.target, t) {
				return false
			}
		}
		return true
	case up.negTgt && low.negTgt:
		return coversList(low.target, up.target)
	}
	return false
}

// coversApps reports whether up matches every application low does.
func (m *Model) coversApps(up, low *compiled) bool {
	if up.apps.any {
		return true
	}
	if low.apps.any || len(low.apps.opaque) > 0 {
		return false
	}
	for name := range low.apps.names {
		if up.apps.names[name] {
			continue
		}
		info, known := m.cat.lookup(name, low.chain)
		if !known || !(info.app.Container != "" && up.apps.names[info.app.Container] ||
			slices.ContainsFunc(up.apps.filters, func(f *mine.ApplicationFilter) bool { return filterMatches(f, info.app) })) {
			return false
		}
	}
	for _, f := range low.apps.filters {
		if !slices.ContainsFunc(up.apps.filters, func(g *mine.ApplicationFilter) bool { return reflect.DeepEqual(f, g) }) {
			return false
		}
	}
	return true
}

// coversService reports whether up's services take every flow low's do,
// for the applications low allows (application-default depends on them).
func (m *Model) coversService(up, low *compiled) bool {
	us, ls := &up.svc, &low.svc
	if us.any {
		return true
	}
	if ls.any || len(ls.opaque) > 0 {
		return false
	}
	// lowApps are low's applications when they are a known, finite list.
	var lowApps []appInfo
	finite := !low.apps.any && len(low.apps.filters) == 0
	if finite {
		for name := range low.apps.names {
			info, known := m.cat.lookup(name, low.chain)
			if !known || info.ports == nil {
				finite = false
				break
			}
			lowApps = append(lowApps, info)
		}
	}
	// portsCovered: up takes proto/ports for every application of low.
	portsCovered := func(proto string, ports portSet) bool {
		if ports.subsetOf(us.ports[proto]) {
			return true
		}
		if !us.appDefault || !finite {
			return false
		}
		for _, a := range lowApps {
			if !ports.subsetOf(us.ports[proto].union(a.ports[proto])) {
				return false
			}
		}
		return true
	}
	if ls.appDefault {
		switch {
		case us.appDefault:
		case !finite:
			return false
		default:
			for _, a := range lowApps {
				for proto, ports := range a.ports {
					if !ports.subsetOf(us.ports[proto]) {
						return false
					}
				}
			}
		}
	}
	for proto, ports := range ls.ports {
		if !portsCovered(proto, ports) {
			return false
		}
	}
	for _, r := range ls.srcRestricted {
		if !portsCovered(r.proto, r.dst) {
			return false
		}
	}
	return true
}
