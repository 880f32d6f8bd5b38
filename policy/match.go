package policy

import (
	"net/netip"
	"slices"
	"strings"
)

// Verdict is a three-valued answer to "does this rule match this flow".
type Verdict uint8

const (
	// NoMatch: the rule does not match the flow.
	NoMatch Verdict = iota
	// Matches: the rule matches the flow, whatever mine does not know.
	Matches
	// Depends: the rule matches the flow or not depending on something mine
	// does not know (the source user's groups, the URL category, a HIP
	// profile, a schedule, an FQDN's or a dynamic group's addresses, an
	// external list, a reference that resolves nowhere); the reasons say
	// what.
	Depends
)

func (v Verdict) String() string {
	switch v {
	case Matches:
		return "matches"
	case Depends:
		return "depends"
	}
	return "no match"
}

// Flow is one logged connection as the policy sees it.
type Flow struct {
	From, To    string // zones
	Source      netip.Addr
	Destination netip.Addr
	Protocol    string // tcp, udp, sctp, icmp...
	SourcePort  int    // 0 when not known
	Port        int    // destination port
	Application string
	// User is the source user. UserKnown says whether the flow tells who
	// it was: with UserKnown, "" is the unknown user.
	User      string
	UserKnown bool
	// Serial is the firewall that saw the flow ("" when not known), for
	// Panorama rules that target some firewalls.
	Serial string
}

// RuleMatch is one rule's answer for one flow.
type RuleMatch struct {
	Verdict Verdict
	// Reasons say, for Depends, what the match depends on.
	Reasons []string
}

// Match evaluates rule i against f as if it were enabled.
func (m *Model) Match(i int, f Flow) RuleMatch {
	return m.rules[i].match(m, f)
}

// Outcome is where the policy sends a flow.
type Outcome struct {
	// Rule is the first enabled rule that matches the flow for certain,
	// -1 when none does.
	Rule int
	// Depends are the enabled rules above Rule that may match the flow
	// instead, in order, with what each depends on.
	Depends []Dependent
}

// Dependent is a rule whose match depends on what mine does not know.
type Dependent struct {
	Rule    int
	Reasons []string
}

// Evaluate runs f through the enabled rules first match wins, as PAN-OS
// does.
func (m *Model) Evaluate(f Flow) Outcome {
	out := Outcome{Rule: -1}
	for _, i := range m.candidates(f.From, f.To) {
		switch rm := m.rules[i].matchBeyondZones(m, f); rm.Verdict {
		case Matches:
			out.Rule = i
			return out
		case Depends:
			out.Depends = append(out.Depends, Dependent{i, rm.Reasons})
		}
	}
	return out
}

// candidates returns the enabled rules whose zones take traffic from one
// zone to another, in order, computed once per zone pair.
func (m *Model) candidates(from, to string) []int {
	key := from + "\x00" + to
	if v, ok := m.byZones.Load(key); ok {
		return v.([]int)
	}
	var out []int
	for i, c := range m.rules {
		if !c.rule.Disabled && c.zonesMatch(from, to) {
			out = append(out, i)
		}
	}
	m.byZones.Store(key, out)
	return out
}

// verdictSet folds the answers of a rule's conditions: any NoMatch wins,
// then any Depends.
type verdictSet struct {
	no      bool
	reasons []string
}

func (v *verdictSet) add(vd Verdict, reason ...string) {
	switch vd {
	case NoMatch:
		v.no = true
	case Depends:
		v.reasons = append(v.reasons, reason...)
	}
}

func (v *verdictSet) result() RuleMatch {
	switch {
	case v.no:
		return RuleMatch{Verdict: NoMatch}
	case len(v.reasons) > 0:
		r := slices.Clone(v.reasons)
		slices.Sort(r)
		return RuleMatch{Verdict: Depends, Reasons: slices.Compact(r)}
	}
	return RuleMatch{Verdict: Matches}
}

func (c *compiled) match(m *Model, f Flow) RuleMatch {
	if !c.zonesMatch(f.From, f.To) {
		return RuleMatch{Verdict: NoMatch}
	}
	return c.matchBeyondZones(m, f)
}

// matchBeyondZones is match for a flow whose zones the rule takes.
func (c *compiled) matchBeyondZones(m *Model, f Flow) RuleMatch {
	var v verdictSet
	if vd, why := c.src.match(f.Source); vd == NoMatch {
		return RuleMatch{Verdict: NoMatch}
	} else {
		v.add(vd, prefix("source ", why)...)
	}
	if vd, why := c.dst.match(f.Destination); vd == NoMatch {
		return RuleMatch{Verdict: NoMatch}
	} else {
		v.add(vd, prefix("destination ", why)...)
	}
	if vd, why := c.matchApp(m, f.Application); vd == NoMatch {
		return RuleMatch{Verdict: NoMatch}
	} else {
		v.add(vd, why...)
	}
	if vd, why := c.matchService(m, f); vd == NoMatch {
		return RuleMatch{Verdict: NoMatch}
	} else {
		v.add(vd, why...)
	}
	v.add(c.matchUser(f))
	if c.category != nil {
		v.add(Depends, "URL category ("+strings.Join(c.category, ", ")+")")
	}
	if c.srcHIP != nil || c.dstHIP != nil {
		v.add(Depends, "HIP profile")
	}
	if c.schedule != "" {
		v.add(Depends, "schedule "+c.schedule)
	}
	if len(c.target) > 0 {
		switch {
		case f.Serial == "":
			v.add(Depends, "target firewalls")
		case slices.Contains(c.target, f.Serial) == c.negTgt:
			return RuleMatch{Verdict: NoMatch}
		}
	}
	return v.result()
}

func prefix(p string, ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = p + s
	}
	return out
}

// zonesMatch applies the zones with the rule type: a universal rule
// matches its source and destination zones, an intrazone rule traffic
// that stays in one of its zones, an interzone rule traffic that crosses
// from one of its source zones to another of its destination zones.
func (c *compiled) zonesMatch(from, to string) bool {
	inFrom := c.from == nil || slices.Contains(c.from, from)
	inTo := c.to == nil || slices.Contains(c.to, to)
	switch c.ruleType {
	case "intrazone":
		return from == to && inFrom
	case "interzone":
		return from != to && inFrom && inTo
	}
	return inFrom && inTo
}

func (s *addrSpec) contains(a netip.Addr) bool {
	if s.set.contains(a) {
		return true
	}
	for _, w := range s.wild {
		if wildMatch(w.base, w.mask, a) {
			return true
		}
	}
	return false
}

// match answers for one address. Negating any matches nothing.
func (s *addrSpec) match(a netip.Addr) (Verdict, []string) {
	if s.any {
		if s.neg {
			return NoMatch, nil
		}
		return Matches, nil
	}
	if !a.IsValid() {
		return Depends, []string{"address not known"}
	}
	a = a.Unmap()
	in := s.contains(a)
	switch {
	case in && !s.neg:
		return Matches, nil
	case in && s.neg:
		return NoMatch, nil
	case len(s.opaque) > 0:
		return Depends, s.opaque
	case s.neg:
		return Matches, nil
	}
	return NoMatch, nil
}

func (c *compiled) matchApp(m *Model, app string) (Verdict, []string) {
	s := &c.apps
	if s.any || s.names[app] {
		return Matches, nil
	}
	info, known := m.cat.lookup(app, c.chain)
	if known && info.app.Container != "" && s.names[info.app.Container] {
		return Matches, nil
	}
	var why []string
	for _, f := range s.filters {
		switch {
		case !known:
			why = append(why, "application "+app+" is not in the catalog, so filter "+f.Name+" cannot be applied")
		case filterMatches(f, info.app):
			return Matches, nil
		}
	}
	if !known {
		for name := range s.names {
			if m.cat.containers[name] {
				why = append(why, "application "+app+" is not in the catalog, so membership of container "+name+" is not known")
			}
		}
	}
	why = append(why, s.opaque...)
	if len(why) > 0 {
		return Depends, why
	}
	return NoMatch, nil
}

func (c *compiled) matchService(m *Model, f Flow) (Verdict, []string) {
	s := &c.svc
	if s.any {
		return Matches, nil
	}
	proto := strings.ToLower(f.Protocol)
	var why []string
	if s.appDefault {
		info, known := m.cat.lookup(f.Application, c.chain)
		switch {
		case !known || info.ports == nil:
			why = append(why, "default ports of "+f.Application+" not known")
		case info.ports.contains(proto, f.Port):
			return Matches, nil
		}
	}
	if s.ports.contains(proto, f.Port) {
		return Matches, nil
	}
	for _, r := range s.srcRestricted {
		if r.proto != proto || !r.dst.contains(f.Port) {
			continue
		}
		if f.SourcePort == 0 {
			why = append(why, "source port not known")
			continue
		}
		if r.src.contains(f.SourcePort) {
			return Matches, nil
		}
	}
	why = append(why, s.opaque...)
	if len(why) > 0 {
		return Depends, why
	}
	return NoMatch, nil
}

// matchUser applies source-user: any; known-user and unknown against
// what the flow says; user names matched as written (case-insensitive).
// Group membership is not known to mine, so a listed name other than the
// flow's user makes the answer depend on it.
func (c *compiled) matchUser(f Flow) (Verdict, string) {
	if c.users == nil {
		return Matches, ""
	}
	listed := false
	for _, u := range c.users {
		switch strings.ToLower(u) {
		case "known-user":
			if f.UserKnown && f.User != "" {
				return Matches, ""
			}
		case "unknown":
			if f.UserKnown && f.User == "" {
				return Matches, ""
			}
		case "pre-logon":
			listed = true
		default:
			if f.UserKnown && f.User != "" && strings.EqualFold(u, f.User) {
				return Matches, ""
			}
			listed = true
		}
	}
	if f.UserKnown && f.User == "" || !listed && f.UserKnown {
		// The unknown user is in no group; a known user that none of
		// known-user/unknown took is not either.
		return NoMatch, ""
	}
	return Depends, "source user (" + strings.Join(c.users, ", ") + ")"
}
