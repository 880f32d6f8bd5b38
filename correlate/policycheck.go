package correlate

import (
	"cmp"
	"slices"
	"strings"

	"github.com/panos-mine/mine"
	"github.com/panos-mine/mine/policy"
)

// FlowCheck is one catch-all flow to ask the device about (test
// security-policy-match), with mine's own answer. The caller fills Device
// and Answered and hands the checks back in Input.FlowChecks.
type FlowCheck struct {
	CatchAllRule string
	From, To     string
	Source       string
	Destination  string
	Protocol     string
	Port         int
	Application  string
	// Mine is the rule mine's model sends the flow to, "" when its answer
	// depends on what it cannot know (MineDepends says what).
	Mine        string
	MineDepends []string
	// Device is the device's answer ("" for no rule) once Answered.
	Device   string
	Answered bool
}

func (fc FlowCheck) key() flowKey {
	return flowKey{rule: fc.CatchAllRule, from: fc.From, to: fc.To, dst: fc.Destination, app: fc.Application,
		proto: fc.Protocol, port: fc.Port, src: fc.Source}
}

// FlowChecks picks at most n distinct catch-all flows to check against the
// device: round after round, the largest remaining flow of each service
// (catch-all, destination, application, port), services largest first, so
// every suggestion and residual line is checked before any gets a second
// flow. Each carries mine's own answer on the current rulebase.
func (a *Aggregator) FlowChecks(in Input, n int) []FlowCheck {
	if n <= 0 {
		return nil
	}
	x := newAnalysis(a, in, nil)
	type svcKey struct {
		rule, dst, app, proto string
		port                  int
	}
	type flowN struct {
		k flowKey
		n int64
	}
	groups := map[svcKey][]flowN{}
	totals := map[svcKey]int64{}
	add := func(k flowKey, c int64) {
		if _, ok := x.caIndex[k.rule]; !ok {
			return
		}
		sk := svcKey{k.rule, k.dst, k.app, protoOr(k.proto), k.port}
		groups[sk] = append(groups[sk], flowN{k, c})
		totals[sk] += c
	}
	if len(a.sessions) > 0 {
		for k, s := range a.sessions {
			add(k, s.sessions)
		}
	} else {
		for k, f := range a.resp {
			add(k, f.okN+f.redirects+f.errs4+f.errs5)
		}
	}
	keys := make([]svcKey, 0, len(groups))
	for sk, fs := range groups {
		keys = append(keys, sk)
		slices.SortFunc(fs, func(p, q flowN) int {
			if c := cmp.Compare(q.n, p.n); c != 0 {
				return c
			}
			return compareFlowKey(p.k, q.k)
		})
	}
	slices.SortFunc(keys, func(p, q svcKey) int {
		if c := cmp.Compare(totals[q], totals[p]); c != 0 {
			return c
		}
		if c := compareAddr(p.dst, q.dst); c != 0 {
			return c
		}
		if c := cmp.Compare(p.app, q.app); c != 0 {
			return c
		}
		if c := cmp.Compare(p.port, q.port); c != 0 {
			return c
		}
		return cmp.Compare(p.rule, q.rule)
	})
	base := &replay{m: x.model, caIndex: x.caIndex}
	var out []FlowCheck
	for round := 0; len(out) < n; round++ {
		added := false
		for _, sk := range keys {
			if round >= len(groups[sk]) || len(out) >= n {
				continue
			}
			k := groups[sk][round].k
			fc := FlowCheck{CatchAllRule: k.rule, From: k.from, To: k.to, Source: k.src, Destination: k.dst,
				Protocol: protoOr(k.proto), Port: k.port, Application: k.app}
			fc.Mine, fc.MineDepends = base.modelRule(flowOf(k))
			out = append(out, fc)
			added = true
		}
		if !added {
			break
		}
	}
	return out
}

func compareFlowKey(p, q flowKey) int {
	for _, c := range []int{
		cmp.Compare(p.rule, q.rule), cmp.Compare(p.from, q.from), cmp.Compare(p.to, q.to), compareAddr(p.src, q.src),
		compareAddr(p.dst, q.dst), cmp.Compare(p.app, q.app), cmp.Compare(p.proto, q.proto), cmp.Compare(p.port, q.port),
	} {
		if c != 0 {
			return c
		}
	}
	return 0
}

// modelRule is the rule the replay's model sends f to, or "" with the
// reasons when a rule above it may take f instead.
func (rp *replay) modelRule(f policy.Flow) (string, []string) {
	o := rp.m.Evaluate(f)
	if len(o.Depends) > 0 {
		var why []string
		for _, d := range o.Depends {
			why = append(why, rp.m.Rules()[d.Rule].Name+": "+strings.Join(d.Reasons, ", "))
		}
		return "", why
	}
	if o.Rule < 0 {
		return "", nil
	}
	return rp.m.Rules()[o.Rule].Name, nil
}

// policyChecks compares the device's answers with mine's and keeps them
// for the replay: where they differ, the device is right.
func (x *analysis) policyChecks() *mine.PolicyChecks {
	if len(x.in.FlowChecks) == 0 {
		return nil
	}
	pc := &mine.PolicyChecks{Disagreements: []mine.PolicyDisagreement{}}
	for _, fc := range x.in.FlowChecks {
		if !fc.Answered {
			continue
		}
		pc.Checked++
		x.device[fc.key()] = fc.Device
		switch {
		case fc.Mine == "":
			pc.Resolved++
		case fc.Mine == fc.Device:
			pc.Agreed++
		default:
			pc.Disagreements = append(pc.Disagreements, mine.PolicyDisagreement{
				CatchAllRule: fc.CatchAllRule, From: fc.From, To: fc.To, Source: fc.Source, Destination: fc.Destination,
				Protocol: fc.Protocol, Port: fc.Port, Application: fc.Application, Mine: fc.Mine, Device: fc.Device,
			})
		}
	}
	return pc
}
