package signatures

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/panos-mine/mine"
)

// ResetActions are the actions protect may give the HTTP status
// signatures: each ends the response in a TCP reset instead of letting it
// reach the client (docs/act.md).
var ResetActions = []string{"reset-both", "reset-client", "reset-server"}

// PlanProtect plans making the responses of the catalog's signatures
// (the status codes chosen) end in a reset on each rule: the rule's
// vulnerability profile is cloned (or mine's own clone edited), every
// rule and exception kept, with a threat exception per status ID setting
// action; the clone is attached to the rule. The user's profiles are never
// changed. A threat exception is used rather than a profile rule because
// an exception decides for its threat ID before any rule does, and names
// exactly the signatures meant (docs/act.md). The signatures must be
// deployed; rules pushed by Panorama, disabled or not allowing are left
// out with a note. It reads the candidate configuration and changes
// nothing.
func (d *Deployer) PlanProtect(ctx context.Context, c Catalog, scope PolicyScope, rules []string, action string) (*ActPlan, error) {
	if !slices.Contains(ResetActions, action) {
		return nil, fmt.Errorf("action %q: want %s", action, strings.Join(ResetActions, ", "))
	}
	ids, err := d.visibleIDs(ctx, scope, true)
	if err != nil {
		return nil, err
	}
	var missing []int
	exceptions := map[int]string{}
	for _, s := range c.Signatures {
		if !ids[s.ID] {
			missing = append(missing, s.ID)
		}
		exceptions[s.ID] = fmt.Sprintf(`<entry name="%d"><action><%s/></action><packet-capture>disable</packet-capture></entry>`, s.ID, action)
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("signatures %s are not in the candidate configuration: deploy them first (mine signatures deploy)", joinInts(missing))
	}
	what := fmt.Sprintf("HTTP %s answered with %s", codeList(c), action)
	return d.planExceptions(ctx, scope, rules, mine.ChangeProtect, exceptions, what)
}

// codeList names the catalog's status codes briefly.
func codeList(c Catalog) string {
	var parts []string
	for _, s := range c.Signatures {
		if s.Code == 0 {
			parts = append(parts, "other")
			continue
		}
		parts = append(parts, strconv.Itoa(s.Code))
	}
	if len(parts) > 8 {
		return fmt.Sprintf("%s ... %s (%d codes)", parts[0], parts[len(parts)-1], len(parts))
	}
	return strings.Join(parts, ", ")
}

// planExceptions plans, for each rule, a clone of its vulnerability
// profile holding the given threat exceptions (by threat ID, as XML), and
// the rule's profile-setting pointing at it. Rules sharing a profile share
// the clone. The exceptions replace any the source profile had for the
// same IDs, with a note.
func (d *Deployer) planExceptions(ctx context.Context, scope PolicyScope, rules []string, kind string, exceptions map[int]string, what string) (*ActPlan, error) {
	pol, err := d.readPolicy(ctx, scope, true)
	if err != nil {
		return nil, err
	}
	sel, err := pol.selectRules(rules)
	if err != nil {
		return nil, err
	}
	p := &ActPlan{Device: d.dev, Kind: kind}
	clones := map[string]*xnode{} // xpath -> clone being built
	var order []string
	before := map[string]string{}
	sources := map[string]string{}
	var settings []ElementChange
	for _, r := range sel {
		name := r.node.attr("name")
		rule := toRule(r.node)
		switch {
		case r.pushed:
			p.Notes = append(p.Notes, fmt.Sprintf("rule %s is pushed by Panorama: change it on Panorama", name))
			continue
		case rule.Disabled:
			p.Notes = append(p.Notes, fmt.Sprintf("rule %s is disabled: it carries nothing, left alone", name))
			continue
		case rule.Action != "allow":
			p.Notes = append(p.Notes, fmt.Sprintf("rule %s does not allow (%s): its traffic is never inspected, left alone", name, rule.Action))
			continue
		}
		if rule.DisableServerResponseInspection {
			p.Notes = append(p.Notes, fmt.Sprintf("rule %s disables server response inspection: HTTP responses are not inspected there, so the change cannot take effect until it does", name))
		}
		res := pol.resolve(r)
		src, srcName := res.node, res.name
		if src == nil {
			src, srcName = pol.predefined.entry("default"), "default"
			if src == nil {
				return nil, fmt.Errorf("rule %s has no usable vulnerability profile (%s) and the device has no predefined default profile to start from", name, res.problem)
			}
			p.Notes = append(p.Notes, fmt.Sprintf("rule %s: %s; the clone starts from the predefined default profile, which also blocks critical, high and medium threats by their default actions", name, res.problem))
		}
		cloneName := truncate("mine-"+srcName, 31)
		if isClone(src) && lookup(r.scopes[:1], srcName, "profiles", "vulnerability") != nil {
			cloneName = srcName // mine's own clone: edited in place
		}
		xp := fmt.Sprintf("%s/profiles/vulnerability/entry[@name='%s']", r.base, cloneName)
		if prev, ok := sources[xp]; ok && prev != srcName {
			return nil, fmt.Errorf("rules using profiles %s and %s would share the clone %s: give them one profile first, or protect them one at a time", prev, srcName, cloneName)
		}
		clone := clones[xp]
		if clone == nil {
			cur, err := d.settled(ctx, xp)
			if err != nil {
				return nil, err
			}
			existing := mustParseEntryAny(cur)
			switch {
			case existing != nil && !isClone(existing):
				return nil, fmt.Errorf("a vulnerability profile %s that mine did not make exists in %s: rename it first", cloneName, scopeName(r.base))
			case existing != nil:
				clone = existing // mine's clone of this source, from an earlier change
			default:
				clone = src.clone()
				clone.setAttr("name", cloneName)
				setChild(clone, &xnode{name: "description", text: truncateRunes(fmt.Sprintf("Clone of %s by mine. %s", srcName, profileMarker), 255)})
			}
			before[xp], sources[xp] = cur, srcName
			clones[xp] = clone
			order = append(order, xp)
		}
		ps := profileSetting(r, cloneName)
		psXP := fmt.Sprintf("%s/entry[@name='%s']/profile-setting", r.container, name)
		cur, err := d.settled(ctx, psXP)
		if err != nil {
			return nil, err
		}
		if cur != ps.String() {
			settings = append(settings, ElementChange{XPath: psXP, Before: cur, After: ps.String(),
				Summary: fmt.Sprintf("attach vulnerability profile %s to rule %s", cloneName, name)})
		}
		p.Rules = append(p.Rules, name)
	}
	ids := make([]int, 0, len(exceptions))
	for id := range exceptions {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, xp := range order {
		clone := clones[xp]
		x := clone.child("threat-exception")
		if x == nil {
			x = &xnode{name: "threat-exception"}
			clone.children = append(clone.children, x)
		}
		for _, id := range ids {
			e := mustParseEntry(exceptions[id])
			i := slices.IndexFunc(x.children, func(n *xnode) bool { return n.attr("name") == strconv.Itoa(id) })
			switch {
			case i < 0:
				x.children = append(x.children, e)
			case x.children[i].canonical() != e.canonical():
				if !isClone(mustParseEntryAny(before[xp])) {
					p.Notes = append(p.Notes, fmt.Sprintf("profile %s had a threat exception for %d (action %s): the clone replaces it", sources[xp], id, x.children[i].child("action").choice()))
				}
				x.children[i] = e
			}
		}
		after := clone.String()
		if after == before[xp] {
			continue
		}
		summary := fmt.Sprintf("write vulnerability profile %s (%s), cloned from %s: %s", lastName(xp), scopeName(xp[:strings.Index(xp, "/profiles/")]), sources[xp], what)
		p.Elements = append(p.Elements, ElementChange{XPath: xp, Before: before[xp], After: after, Summary: summary})
	}
	p.Elements = append(p.Elements, settings...)
	if len(p.Elements) == 0 && len(p.Rules) > 0 {
		p.Notes = append(p.Notes, "the rules already do this: nothing to change")
	}
	if d.dev.Panorama {
		if err := d.setPushGroups(ctx, scope, p); err != nil {
			return nil, err
		}
	}
	if err := d.liftCreations(ctx, p); err != nil {
		return nil, err
	}
	if err := d.noteActLocks(ctx, p); err != nil {
		return nil, err
	}
	return p, nil
}

func truncateRunes(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n])
	}
	return s
}
