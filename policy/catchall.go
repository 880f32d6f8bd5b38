package policy

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
)

// PortBased reports whether rule i is a port-based rule (what Policy
// Optimizer calls a rule without App-ID controls): an enabled allow rule
// for application any. The default rules are not counted.
func (m *Model) PortBased(i int) bool {
	r := m.rules[i].rule
	return !r.IsDefault() && r.AllowsAnyApplication()
}

// webPorts are the ports whose traffic the HTTP status signatures see.
var webPorts = []int{80, 443, 8080, 8443}

// Candidate is a port-based rule weighed as the catch-all.
type Candidate struct {
	Rule int
	// Restricted is true when source-user, URL category, HIP or a schedule
	// narrow the rule: a catch-all for some users only.
	Restricted bool
	// Web is true when the rule allows at least one web port.
	Web bool
	// Breadth is log2 of the flows the rule allows, summed over source
	// addresses (IPv4 addresses; any is 32), destination addresses and
	// destination ports (any is 17, application-default 16); each FQDN,
	// dynamic group or external list counts as one address.
	Breadth          float64
	SrcBits, DstBits float64
	PortBits         float64
	Hits             uint64
	HitsKnown        bool
	ShadowedBy       []int
}

// CatchAll is the catch-all choice and why.
type CatchAll struct {
	Rules  []int
	Reason string
	// Candidates are the reachable port-based rules that allow web ports,
	// best first, as ranked.
	Candidates []Candidate
}

// Criterion says how ChooseCatchAll ranks; mine prints it in help texts.
const Criterion = "among reachable port-based rules (enabled allow rules for application any, not shadowed) that allow a web port " +
	"(tcp/80, 443, 8080 or 8443), the catch-all is the one not narrowed by source user, URL category, HIP or schedule, " +
	"then the broadest (source, destination and port breadth in bits), then the one with the most hits, then the first in evaluation order"

func (m *Model) candidate(i int, hits map[string]uint64) Candidate {
	c := m.rules[i]
	r := c.rule
	cand := Candidate{Rule: i, ShadowedBy: m.ShadowedBy(i)}
	cand.Restricted = c.users != nil || c.category != nil || c.srcHIP != nil || c.dstHIP != nil || c.schedule != ""
	cand.SrcBits = addrBits(&c.src)
	cand.DstBits = addrBits(&c.dst)
	switch s := &c.svc; {
	case s.any:
		cand.PortBits, cand.Web = 17, true
	case s.appDefault:
		cand.PortBits, cand.Web = 16, true
	default:
		all := s.ports
		for _, rs := range s.srcRestricted {
			all = all.union(protoPorts{rs.proto: rs.dst})
		}
		cand.PortBits = math.Log2(max(1, float64(all.count())))
		cand.Web = slices.ContainsFunc(webPorts, func(p int) bool { return all.contains("tcp", p) })
	}
	cand.Breadth = cand.SrcBits + cand.DstBits + cand.PortBits
	if hits != nil {
		cand.Hits, cand.HitsKnown = hits[r.Name], true
	}
	return cand
}

func addrBits(s *addrSpec) float64 {
	if s.any && !s.neg {
		return 32
	}
	_, possible, tokens := s.bounds()
	return math.Log2(max(1, possible.count4()+float64(len(tokens))))
}

// ChooseCatchAll picks the catch-all by Criterion. hits are the rules'
// hit counts by name, nil when not known. It fails when no rule
// qualifies, naming the port-based rules it had to pass over and why.
func (m *Model) ChooseCatchAll(hits map[string]uint64) (CatchAll, error) {
	var cands []Candidate
	var passed []string
	for i := range m.rules {
		if !m.PortBased(i) {
			continue
		}
		c := m.candidate(i, hits)
		switch {
		case len(c.ShadowedBy) > 0:
			passed = append(passed, fmt.Sprintf("%q is shadowed by %s", m.rules[i].rule.Name, m.names(c.ShadowedBy)))
		case !c.Web:
			passed = append(passed, fmt.Sprintf("%q allows no web port", m.rules[i].rule.Name))
		default:
			cands = append(cands, c)
		}
	}
	if len(cands) == 0 {
		msg := fmt.Sprintf("no catch-all among %d rules: no reachable port-based rule (enabled allow rule for application any) allows a web port", len(m.rules))
		if len(passed) > 0 {
			msg += " (" + listSome(passed, 5) + ")"
		}
		return CatchAll{}, fmt.Errorf("%s; name the rule with --catch-all", msg)
	}
	slices.SortStableFunc(cands, func(a, b Candidate) int {
		if a.Restricted != b.Restricted {
			if a.Restricted {
				return 1
			}
			return -1
		}
		if c := cmp.Compare(round2(b.Breadth), round2(a.Breadth)); c != 0 {
			return c
		}
		if c := cmp.Compare(b.Hits, a.Hits); c != 0 {
			return c
		}
		return cmp.Compare(a.Rule, b.Rule)
	})
	best := cands[0]
	why := fmt.Sprintf("the broadest of %d reachable port-based rules allowing web ports: breadth %.1f bits (source %.1f, destination %.1f, ports %.1f)",
		len(cands), best.Breadth, best.SrcBits, best.DstBits, best.PortBits)
	if len(cands) == 1 {
		why = fmt.Sprintf("the only reachable port-based rule allowing web ports: breadth %.1f bits (source %.1f, destination %.1f, ports %.1f)",
			best.Breadth, best.SrcBits, best.DstBits, best.PortBits)
	}
	if best.Restricted {
		why += "; it is narrowed by source user, URL category, HIP or schedule, as every candidate is"
	}
	if len(cands) > 1 && round2(cands[1].Breadth) == round2(best.Breadth) && cands[1].Restricted == best.Restricted {
		if best.HitsKnown && best.Hits != cands[1].Hits {
			why += fmt.Sprintf("; as broad as %q, with more hits (%d against %d)", m.rules[cands[1].Rule].rule.Name, best.Hits, cands[1].Hits)
		} else {
			why += fmt.Sprintf("; as broad as %q and evaluated before it", m.rules[cands[1].Rule].rule.Name)
		}
	}
	if len(passed) > 0 {
		why += "; passed over: " + listSome(passed, 3)
	}
	return CatchAll{Rules: []int{best.Rule}, Reason: why, Candidates: cands}, nil
}

func round2(f float64) float64 { return math.Round(f*100) / 100 }

// NamedCatchAll checks rules the user named as the catch-all: each must
// exist, be an enabled allow rule and be reachable.
func (m *Model) NamedCatchAll(names []string) (CatchAll, error) {
	var out CatchAll
	var problems []string
	for _, n := range names {
		i := m.Index(n)
		if i < 0 {
			problems = append(problems, fmt.Sprintf("%q is not in the rulebase (%d rules)", n, len(m.rules)))
			continue
		}
		r := m.rules[i].rule
		switch sh := m.ShadowedBy(i); {
		case r.Action != "allow":
			problems = append(problems, fmt.Sprintf("%q is a %s rule, not an allow rule", n, r.Action))
		case r.Disabled:
			problems = append(problems, fmt.Sprintf("%q is disabled: it carries no traffic", n))
		case len(sh) > 0:
			problems = append(problems, fmt.Sprintf("%q can never match: %s above it cover every flow it allows", n, m.names(sh)))
		default:
			out.Rules = append(out.Rules, i)
		}
	}
	if len(problems) > 0 {
		return CatchAll{}, fmt.Errorf("--catch-all: %s", strings.Join(problems, "; "))
	}
	slices.Sort(out.Rules)
	out.Rules = slices.Compact(out.Rules)
	out.Reason = "named with --catch-all"
	return out, nil
}

// names quotes the names of rules for messages.
func (m *Model) names(idx []int) string {
	q := make([]string, len(idx))
	for k, i := range idx {
		q[k] = fmt.Sprintf("%q", m.rules[i].rule.Name)
	}
	return strings.Join(q, ", ")
}

// listSome joins the first n items and says how many more there are.
func listSome(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, "; ")
	}
	return strings.Join(items[:n], "; ") + fmt.Sprintf("; and %d more", len(items)-n)
}
