package correlate

import (
	"fmt"
	"slices"
	"strings"

	"github.com/panos-mine/mine"
	"github.com/panos-mine/mine/policy"
)

// CatchAllChoice is which rules are the catch-all and why.
type CatchAllChoice struct {
	Rules  []mine.Rule
	Reason string
}

// Names returns the chosen rules' names.
func (c CatchAllChoice) Names() []string {
	out := make([]string, len(c.Rules))
	for i, r := range c.Rules {
		out[i] = r.Name
	}
	return out
}

// ChooseCatchAll returns the catch-all rules of a policy context: those
// named (each must be a reachable, enabled allow rule), or the one
// policy.Criterion picks among the reachable port-based rules, hits
// breaking ties between equally broad ones.
//
// A catch-all mine retired (disabled and tagged mine-retired) stays the
// catch-all: named, or when no other rule is one, so the weekly job and
// mine watch keep following it.
func ChooseCatchAll(p *mine.Policy, hits []mine.RuleHits, names []string) (CatchAllChoice, error) {
	m := policy.Compile(p)
	var ca policy.CatchAll
	var err error
	var retired []int
	live := names
	if len(names) > 0 {
		live = nil
		for _, n := range names {
			if i := m.Index(n); i >= 0 && isRetired(m.Rules()[i]) {
				retired = append(retired, i)
			} else {
				live = append(live, n)
			}
		}
	}
	switch {
	case len(names) > 0 && len(live) == 0:
		ca.Reason = "named with --catch-all"
	case len(names) > 0:
		ca, err = m.NamedCatchAll(live)
	default:
		ca, err = m.ChooseCatchAll(hitMap(hits))
		if err != nil {
			for i, r := range m.Rules() {
				if isRetired(r) {
					retired = append(retired, i)
				}
			}
			if len(retired) > 0 {
				err = nil
				ca.Reason = "no enabled catch-all is left"
			}
		}
	}
	if err != nil {
		return CatchAllChoice{}, err
	}
	if len(retired) > 0 {
		ca.Rules = append(ca.Rules, retired...)
		slices.Sort(ca.Rules)
		ca.Rules = slices.Compact(ca.Rules)
		ca.Reason += fmt.Sprintf("; retired by mine (disabled, tagged %s): %s", mine.RetiredTag, quoteNames(m, retired))
	}
	out := CatchAllChoice{Reason: ca.Reason}
	for _, i := range ca.Rules {
		out.Rules = append(out.Rules, m.Rules()[i])
	}
	return out, nil
}

// isRetired reports whether mine retired the rule: disabled, tagged
// mine-retired.
func isRetired(r mine.Rule) bool { return r.Disabled && r.HasTag(mine.RetiredTag) }

func quoteNames(m *policy.Model, idx []int) string {
	out := make([]string, len(idx))
	for k, i := range idx {
		out[k] = fmt.Sprintf("%q", m.Rules()[i].Name)
	}
	return strings.Join(out, ", ")
}

// hitMap sums the hit counts per rule name; nil when there are none.
func hitMap(hits []mine.RuleHits) map[string]uint64 {
	if len(hits) == 0 {
		return nil
	}
	out := map[string]uint64{}
	for _, h := range hits {
		out[h.Rule] += h.HitCount
	}
	return out
}

// Rulebase describes every rule of a policy context as PAN-OS evaluates
// it, with its hit counter where known, and the catch-all choice.
func Rulebase(p *mine.Policy, hits []mine.RuleHits, choice CatchAllChoice) mine.RulebaseReport {
	m := policy.Compile(p)
	isCA := map[string]bool{}
	for _, r := range choice.Rules {
		isCA[r.Name] = true
	}
	// One counter per rule (hits of HA peers or of several firewalls
	// add up; the latest last hit counts).
	byRule := map[string]mine.RuleHits{}
	for _, h := range hits {
		o, ok := byRule[h.Rule]
		if ok {
			h.HitCount += o.HitCount
			if o.LastHit.After(h.LastHit) {
				h.LastHit = o.LastHit
			}
		}
		byRule[h.Rule] = h
	}
	out := mine.RulebaseReport{Context: p.Context, CatchAll: choice.Names(), CatchAllReason: choice.Reason,
		Rules: []mine.RuleInfo{}, Warnings: m.Warnings()}
	if out.CatchAll == nil {
		out.CatchAll = []string{}
	}
	for i, r := range m.Rules() {
		ri := mine.RuleInfo{Name: r.Name, Position: i + 1, Location: r.Location, Action: r.Action, Disabled: r.Disabled,
			PortBased: m.PortBased(i), ShadowedBy: []string{}, CatchAll: isCA[r.Name]}
		for _, j := range m.ShadowedBy(i) {
			ri.ShadowedBy = append(ri.ShadowedBy, m.Rules()[j].Name)
		}
		switch {
		case ri.CatchAll:
			ri.Reason = choice.Reason
		case len(ri.ShadowedBy) > 0:
			ri.Reason = "can never match: rules above cover every flow it allows"
		case ri.PortBased:
			ri.Reason = "port-based: allows any application"
		}
		if h, ok := byRule[r.Name]; ok {
			n := h.HitCount
			ri.HitCount = &n
			ri.LastHit = timePtr(h.LastHit)
		}
		out.Rules = append(out.Rules, ri)
	}
	return out
}

// ApplicationNames returns the applications the policy's rules name and,
// with agg, those seen on the catch-all, sorted: what to read from the
// device's content so application-default and application filters are
// evaluated as the device evaluates them.
func ApplicationNames(p *mine.Policy, agg *Aggregator) []string {
	seen := map[string]bool{}
	for _, n := range policy.Compile(p).ApplicationNames() {
		seen[n] = true
	}
	if agg != nil {
		for k := range agg.resp {
			seen[k.app] = true
		}
		for k := range agg.sessions {
			seen[k.app] = true
		}
	}
	delete(seen, "")
	out := make([]string, 0, len(seen))
	for n := range seen {
		if _, known := p.Applications[n]; !known {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}
