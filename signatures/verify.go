package signatures

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/panos-mine/mine"
)

// PolicyScope says whose security rules to check: a firewall vsys (default
// vsys1) or a Panorama device group.
type PolicyScope struct {
	Vsys        string
	DeviceGroup string
}

func (s PolicyScope) String() string {
	if s.DeviceGroup != "" {
		return "device-group:" + s.DeviceGroup
	}
	return "vsys:" + s.vsys()
}

func (s PolicyScope) vsys() string {
	if s.Vsys == "" {
		return "vsys1"
	}
	return s.Vsys
}

// attachRuleName names what --attach-profile adds: the cloned profile and
// the alert rule inside it.
const attachRuleName = "mine-http-status"

// profileMarker is carried in the description of a profile mine cloned.
const profileMarker = "Managed by mine"

// RuleCheck is the verdict for one security rule.
type RuleCheck struct {
	Rule  string
	Where string // vsys1, DG pre-rulebase, shared post-rulebase, pushed post-rulebase...
	// Profile is the vulnerability profile the rule applies ("" when none),
	// Group the profile group it comes through.
	Profile string
	Group   string
	// Logs reports whether every signature of the catalog would be logged
	// on the rule's traffic.
	Logs     bool
	Problems []string
	// Silent lists the IDs whose threats would not be logged (or would be
	// blocked).
	Silent []int
}

// Verification is the verdict for the rules checked.
type Verification struct {
	Scope PolicyScope
	Rules []RuleCheck
	// Missing are the catalog's IDs absent from the running configuration
	// the rules see (shared, their vsys or device group, what Panorama
	// pushed): not deployed, or not committed.
	Missing []int
}

// OK reports whether the signatures are all in the running configuration
// and every rule checked logs them.
func (v *Verification) OK() bool {
	for _, r := range v.Rules {
		if !r.Logs {
			return false
		}
	}
	return len(v.Rules) > 0 && len(v.Missing) == 0
}

// visibleIDs returns the custom vulnerability IDs of the configuration the
// scope's rules see: shared, the vsys or device group, and on a firewall
// what Panorama pushed.
func (d *Deployer) visibleIDs(ctx context.Context, scope PolicyScope, candidate bool) (map[int]bool, error) {
	ids := map[int]bool{}
	locs := []Location{{}}
	if d.dev.Panorama {
		locs = append(locs, Location{DeviceGroup: scope.DeviceGroup})
	} else {
		locs = append(locs, Location{Vsys: scope.vsys()})
	}
	for _, loc := range locs {
		n, err := d.read(ctx, loc.Xpath(), candidate)
		if err != nil {
			return nil, err
		}
		for _, e := range n.entries() {
			ids[atoi(e.attr("name"))] = true
		}
	}
	if !d.dev.Panorama {
		inv := &Inventory{}
		if err := d.readPushed(ctx, inv, scope.vsys()); err != nil {
			return nil, err
		}
		for _, e := range inv.Entries {
			ids[e.ID] = true
		}
	}
	return ids, nil
}

// ruleRef is a security rule with where it lives.
type ruleRef struct {
	node      *xnode
	where     string
	container string   // xpath of its rules container; "" for pushed rules
	base      string   // xpath of the scope whose profiles it should use
	scopes    []*xnode // where its profile names resolve, in order
	dg        string   // Panorama device group of the rule ("" for shared)
	pushed    bool
	position  int
	candidate bool
}

// policy is a scope's rules in evaluation order and the predefined
// profiles.
type policy struct {
	rules      []ruleRef
	predefined *xnode
}

// scopeData is what a scope contributes to resolving profile names.
func (d *Deployer) scopeData(ctx context.Context, base string, candidate bool) (*xnode, error) {
	s := &xnode{name: "scope"}
	for _, part := range []string{"profiles", "profile-group"} {
		n, err := d.read(ctx, base+"/"+part, candidate)
		if err != nil {
			return nil, err
		}
		if n != nil {
			s.children = append(s.children, n)
		}
	}
	return s, nil
}

// readPolicy reads the rules of a scope in evaluation order (the running
// configuration, or the candidate) with the objects their profiles resolve
// against.
func (d *Deployer) readPolicy(ctx context.Context, scope PolicyScope, candidate bool) (*policy, error) {
	pol := &policy{}
	pre, err := d.read(ctx, "/config/predefined/profiles/vulnerability", false)
	if err != nil {
		return nil, fmt.Errorf("read predefined vulnerability profiles: %w", err)
	}
	pol.predefined = pre
	shared, err := d.scopeData(ctx, "/config/shared", candidate)
	if err != nil {
		return nil, err
	}
	add := func(container, where, base string, scopes []*xnode, dg string) error {
		rules, err := d.read(ctx, container, candidate)
		if err != nil {
			return fmt.Errorf("read security rules (%s): %w", where, err)
		}
		for _, e := range rules.entries() {
			pol.rules = append(pol.rules, ruleRef{node: e, where: where, container: container, base: base,
				scopes: scopes, dg: dg, position: len(pol.rules), candidate: candidate})
		}
		return nil
	}
	if d.dev.Panorama {
		if scope.DeviceGroup == "" {
			return nil, fmt.Errorf("%s is a Panorama: name the device group whose rules to check", d.dev.Hostname)
		}
		// The group and its ancestors, nearest first: their pre-rules run
		// root first, their post-rules nearest first, and names resolve
		// from the group up to shared.
		chain, err := d.deviceGroupChain(ctx, scope.DeviceGroup, candidate)
		if err != nil {
			return nil, err
		}
		var dgScopes []*xnode
		for _, g := range chain {
			sd, err := d.scopeData(ctx, Location{DeviceGroup: g}.Base(), candidate)
			if err != nil {
				return nil, err
			}
			dgScopes = append(dgScopes, sd)
		}
		dgScopes = append(dgScopes, shared)
		type step struct{ container, where, base, dg string }
		steps := []step{{"/config/shared/pre-rulebase/security/rules", "shared pre-rulebase", "/config/shared", ""}}
		for i := len(chain) - 1; i >= 0; i-- {
			b := Location{DeviceGroup: chain[i]}.Base()
			steps = append(steps, step{b + "/pre-rulebase/security/rules", chain[i] + " pre-rulebase", b, chain[i]})
		}
		for _, g := range chain {
			b := Location{DeviceGroup: g}.Base()
			steps = append(steps, step{b + "/post-rulebase/security/rules", g + " post-rulebase", b, g})
		}
		steps = append(steps, step{"/config/shared/post-rulebase/security/rules", "shared post-rulebase", "/config/shared", ""})
		for _, st := range steps {
			if err := add(st.container, st.where, st.base, dgScopes, st.dg); err != nil {
				return nil, err
			}
		}
		return pol, nil
	}
	if scope.DeviceGroup != "" {
		return nil, fmt.Errorf("%s is a firewall: name a vsys, not a device group", d.dev.Hostname)
	}
	vsys := scope.vsys()
	base := Location{Vsys: vsys}.Base()
	local, err := d.scopeData(ctx, base, candidate)
	if err != nil {
		return nil, err
	}
	var pushed *xnode
	if d.file != nil {
		// a saved configuration holds no pushed policy
	} else if body, err := d.s.Op(ctx, "<show><config><pushed-shared-policy><vsys>"+escapeText(vsys)+"</vsys></pushed-shared-policy></config></show>"); err == nil {
		if res, err := parseResponse(body); err == nil {
			pushed = res.at("policy", "panorama")
		}
	}
	pushedScopes := []*xnode{pushed, local, shared}
	for _, pos := range []string{"pre-rulebase", "post-rulebase"} {
		if pos == "post-rulebase" {
			if err := add(base+"/rulebase/security/rules", vsys, base, []*xnode{local, shared, pushed}, ""); err != nil {
				return nil, err
			}
		}
		for _, e := range pushed.at(pos, "security", "rules").entries() {
			pol.rules = append(pol.rules, ruleRef{node: e, where: "pushed " + pos, scopes: pushedScopes,
				pushed: true, position: len(pol.rules)})
		}
	}
	return pol, nil
}

// selectRules picks the rules to check by name (each must exist). The
// caller names the catch-all: mine chooses it once, with its policy model,
// for every command.
func (pol *policy) selectRules(names []string) ([]ruleRef, error) {
	if len(names) == 0 {
		return nil, fmt.Errorf("no rule to check: name the rules (the catch-all by default)")
	}
	var out []ruleRef
	for _, n := range names {
		i := slices.IndexFunc(pol.rules, func(r ruleRef) bool { return r.node.attr("name") == n })
		if i < 0 {
			return nil, fmt.Errorf("rule %q not found among %d rules", n, len(pol.rules))
		}
		out = append(out, pol.rules[i])
	}
	return out, nil
}

// deviceGroupChain returns a device group and its ancestors, nearest
// first, from the hierarchy Panorama keeps under /config/readonly.
func (d *Deployer) deviceGroupChain(ctx context.Context, dg string, candidate bool) ([]string, error) {
	h, err := d.read(ctx, "/config/readonly/devices/entry[@name='localhost.localdomain']/device-group", false)
	if err != nil {
		return nil, fmt.Errorf("read the device-group hierarchy: %w", err)
	}
	var chain []string
	for g := dg; g != "" && g != "shared"; g = h.entry(g).textOf("parent-dg") {
		if slices.Contains(chain, g) {
			return nil, fmt.Errorf("device-group hierarchy loops at %q", g)
		}
		chain = append(chain, g)
	}
	return chain, nil
}

// toRule reads the fields of a rule the checks need into the domain type.
func toRule(e *xnode) mine.Rule {
	action := e.textOf("action")
	if action == "" {
		action = "allow"
	}
	return mine.Rule{
		Name:                            e.attr("name"),
		Application:                     e.child("application").members(),
		Action:                          action,
		Disabled:                        e.textOf("disabled") == "yes",
		ProfileGroup:                    e.at("profile-setting", "group").members(),
		VulnerabilityProfiles:           e.at("profile-setting", "profiles", "vulnerability").members(),
		DisableServerResponseInspection: e.at("option", "disable-server-response-inspection") != nil && e.at("option", "disable-server-response-inspection").text == "yes",
	}
}

// lookup finds an entry by name in the scopes' container at path.
func lookup(scopes []*xnode, name string, path ...string) *xnode {
	for _, s := range scopes {
		if e := s.at(path...).entry(name); e != nil {
			return e
		}
	}
	return nil
}

// resolved is the vulnerability profile a rule applies.
type resolved struct {
	name, group string
	node        *xnode
	predefined  bool
	problem     string
}

func (pol *policy) resolve(r ruleRef) resolved {
	rule := toRule(r.node)
	var out resolved
	switch {
	case len(rule.VulnerabilityProfiles) > 0:
		out.name = rule.VulnerabilityProfiles[0]
	case len(rule.ProfileGroup) > 0:
		out.group = rule.ProfileGroup[0]
		g := lookup(r.scopes, out.group, "profile-group")
		if g == nil {
			out.problem = fmt.Sprintf("profile group %s not found", out.group)
			return out
		}
		ms := g.child("vulnerability").members()
		if len(ms) == 0 {
			out.problem = fmt.Sprintf("profile group %s has no vulnerability profile", out.group)
			return out
		}
		out.name = ms[0]
	default:
		out.problem = "no vulnerability profile, directly or through a profile group"
		return out
	}
	if p := lookup(r.scopes, out.name, "profiles", "vulnerability"); p != nil {
		out.node = p
		return out
	}
	if p := pol.predefined.entry(out.name); p != nil {
		out.node, out.predefined = p, true
		return out
	}
	out.problem = fmt.Sprintf("vulnerability profile %s not found", out.name)
	return out
}

// profileAction returns what a vulnerability profile does with one of the
// signatures (informational, client-side, default action alert): the
// resolved action ("" when nothing matches) and which part of the profile
// decides it. A threat exception for the ID wins; otherwise the first
// profile rule that matches.
func profileAction(p *xnode, s Signature) (action, by string) {
	resolve := func(a string) string {
		if a == "" || a == "default" {
			return "alert"
		}
		return a
	}
	if x := p.child("threat-exception").entry(strconv.Itoa(s.ID)); x != nil {
		return resolve(x.child("action").choice()), "threat exception " + strconv.Itoa(s.ID)
	}
	for _, r := range p.child("rules").entries() {
		if why := ruleMisses(r, s); why == "" {
			return resolve(r.child("action").choice()), "rule " + r.attr("name")
		}
	}
	return "", ""
}

// ruleMisses says why a profile rule does not match the signature, or ""
// when it does.
func ruleMisses(r *xnode, s Signature) string {
	anyOf := func(ms []string) bool { return len(ms) == 0 || slices.Contains(ms, "any") }
	if sev := r.child("severity").members(); !anyOf(sev) && !slices.Contains(sev, "informational") {
		return "severity " + strings.Join(sev, ",")
	}
	switch h := r.textOf("host"); h {
	case "", "any", "client":
	default:
		return "host " + h
	}
	if tn := r.textOf("threat-name"); tn != "" && tn != "any" && !strings.Contains(strings.ToLower(s.Name), strings.ToLower(tn)) {
		return "threat-name " + tn
	}
	if c := r.textOf("category"); c != "" && c != "any" {
		return "category " + c
	}
	if !anyOf(r.child("cve").members()) {
		return "CVE " + strings.Join(r.child("cve").members(), ",")
	}
	if !anyOf(r.child("vendor-id").members()) {
		return "vendor ID " + strings.Join(r.child("vendor-id").members(), ",")
	}
	return ""
}

// check evaluates one rule against the catalog.
func (pol *policy) check(r ruleRef, c Catalog) RuleCheck {
	rule := toRule(r.node)
	rc := RuleCheck{Rule: rule.Name, Where: r.where}
	if rule.Disabled {
		rc.Problems = append(rc.Problems, "the rule is disabled")
	}
	if rule.Action != "allow" {
		rc.Problems = append(rc.Problems, fmt.Sprintf("the rule's action is %s: its traffic is never inspected", rule.Action))
	}
	if rule.DisableServerResponseInspection {
		rc.Problems = append(rc.Problems, "the rule sets option disable-server-response-inspection: HTTP responses are not inspected")
	}
	allSilent := func() {
		rc.Silent = rc.Silent[:0]
		for _, s := range c.Signatures {
			rc.Silent = append(rc.Silent, s.ID)
		}
	}
	res := pol.resolve(r)
	rc.Profile, rc.Group = res.name, res.group
	if res.problem != "" {
		rc.Problems = append(rc.Problems, res.problem)
		allSilent()
		return rc
	}
	ruleLevel := len(rc.Problems) > 0
	pname := "vulnerability profile " + res.name
	if res.predefined {
		pname += " (predefined)"
	}
	type outcome struct {
		action, by string
		ids        []string
	}
	var outcomes []*outcome
	for _, s := range c.Signatures {
		a, by := profileAction(res.node, s)
		if a == "alert" {
			continue
		}
		rc.Silent = append(rc.Silent, s.ID)
		i := slices.IndexFunc(outcomes, func(o *outcome) bool { return o.action == a && o.by == by })
		if i < 0 || strings.HasPrefix(by, "threat exception") {
			outcomes = append(outcomes, &outcome{action: a, by: by})
			i = len(outcomes) - 1
		}
		outcomes[i].ids = append(outcomes[i].ids, fmt.Sprintf("%d (%s)", s.ID, s.Name))
	}
	for _, o := range outcomes {
		var msg string
		switch {
		case o.action == "":
			var why []string
			for _, pr := range res.node.child("rules").entries() {
				why = append(why, pr.attr("name")+": "+ruleMisses(pr, c.Signatures[0]))
			}
			msg = fmt.Sprintf("%s: no rule covers severity informational on host client (%s)", pname, strings.Join(why, "; "))
		case strings.HasPrefix(o.by, "threat exception"):
			msg = fmt.Sprintf("%s: %s sets action %s, which silences %s", pname, o.by, o.action, strings.Join(o.ids, ", "))
			if o.action != "allow" {
				msg = fmt.Sprintf("%s: %s sets action %s, which blocks the traffic of %s", pname, o.by, o.action, strings.Join(o.ids, ", "))
			}
		case o.action == "allow":
			msg = fmt.Sprintf("%s: %s matches with action allow, so nothing is logged", pname, o.by)
		default:
			msg = fmt.Sprintf("%s: %s matches with action %s: the signatures would block the traffic, not just log it", pname, o.by, o.action)
		}
		if o.action == "" || !strings.HasPrefix(o.by, "threat exception") {
			if n := len(o.ids); n < len(c.Signatures) {
				msg += fmt.Sprintf(" (%d of %d signatures)", n, len(c.Signatures))
			}
		}
		rc.Problems = append(rc.Problems, msg)
	}
	if ruleLevel {
		allSilent()
	}
	rc.Logs = len(rc.Problems) == 0
	return rc
}

// Verify reports for each rule in scope (the named ones, or the
// catch-all) whether the catalog's signatures would be logged on its
// traffic: a vulnerability profile reached directly or through a profile
// group, whose first rule matching informational client threats alerts
// (action default or alert), no threat exception silencing one of the IDs,
// the rule enabled and allowing, and server response inspection on. It
// reads the running configuration and changes nothing.
func (d *Deployer) Verify(ctx context.Context, c Catalog, scope PolicyScope, rules []string) (*Verification, error) {
	pol, err := d.readPolicy(ctx, scope, false)
	if err != nil {
		return nil, err
	}
	sel, err := pol.selectRules(rules)
	if err != nil {
		return nil, err
	}
	v := &Verification{Scope: scope}
	for _, r := range sel {
		v.Rules = append(v.Rules, pol.check(r, c))
	}
	ids, err := d.visibleIDs(ctx, scope, false)
	if err != nil {
		return nil, err
	}
	for _, s := range c.Signatures {
		if !ids[s.ID] {
			v.Missing = append(v.Missing, s.ID)
		}
	}
	return v, nil
}

// Attachment is what --attach-profile would change, with the diffs to
// show.
type Attachment struct {
	Plan  *Plan
	Diffs []Diff
}

// Diff is a before/after pair of one configuration element.
type Diff struct {
	Title         string
	Before, After string // indented XML; "" for none
}

// PlanAttach computes the changes that make the signatures log on each
// rule in scope that does not log them yet, without weakening protection:
// the rule's current vulnerability profile (or the predefined default one
// when it has none) is cloned into mine-http-status in the rule's scope,
// with every existing rule and exception kept and an informational alert
// rule for client threats appended; exceptions set action alert for the
// IDs an earlier profile rule would still decide otherwise. A rule that
// used a profile group gets the group's other profiles directly, so only
// the vulnerability profile changes. Rules pushed by Panorama cannot be
// changed on the firewall and are reported. It reads the candidate
// configuration and changes nothing.
func (d *Deployer) PlanAttach(ctx context.Context, c Catalog, scope PolicyScope, rules []string) (*Attachment, error) {
	pol, err := d.readPolicy(ctx, scope, true)
	if err != nil {
		return nil, err
	}
	sel, err := pol.selectRules(rules)
	if err != nil {
		return nil, err
	}
	p := &Plan{Device: d.dev}
	if d.dev.Panorama {
		devs, err := d.names(ctx, Location{DeviceGroup: scope.DeviceGroup}.Base()+"/devices/entry/@name")
		if err != nil {
			return nil, fmt.Errorf("list the firewalls of device group %s: %w", scope.DeviceGroup, err)
		}
		if len(devs) > 0 {
			p.PushGroups = []string{scope.DeviceGroup}
		}
	}
	ids, err := d.visibleIDs(ctx, scope, true)
	if err != nil {
		return nil, err
	}
	att := &Attachment{Plan: p}
	clones := map[string]string{} // xpath of a clone -> its source
	for _, r := range sel {
		rc := pol.check(r, c)
		name := r.node.attr("name")
		if rc.Logs {
			p.Notes = append(p.Notes, fmt.Sprintf("rule %s (%s) already logs the signatures: unchanged", name, r.where))
			continue
		}
		if r.pushed {
			p.Notes = append(p.Notes, fmt.Sprintf("rule %s is pushed by Panorama: attach the profile on Panorama", name))
			continue
		}
		res := pol.resolve(r)
		rule := toRule(r.node)
		if rule.Disabled || rule.Action != "allow" || rule.DisableServerResponseInspection {
			p.Notes = append(p.Notes, fmt.Sprintf("rule %s (%s): a profile cannot fix the rule itself (disabled, not allow, or server response inspection off)", name, r.where))
		}
		if res.node != nil && profileLogs(res.node, c) {
			continue // the profile is fine; the rule is not
		}
		src, srcName := res.node, res.name
		if src == nil {
			src, srcName = pol.predefined.entry("default"), "default"
			if src == nil {
				return nil, fmt.Errorf("rule %s has no usable vulnerability profile and the device has no predefined default profile to start from", name)
			}
			p.Notes = append(p.Notes, fmt.Sprintf("rule %s: %s; starting from the predefined default profile, which also applies the default actions to critical, high and medium threats", name, res.problem))
		}
		cloneName := attachRuleName
		if isClone(src) && lookup(r.scopes[:1], srcName, "profiles", "vulnerability") != nil {
			cloneName = srcName // fix mine's own clone in place
		}
		xp := fmt.Sprintf("%s/profiles/vulnerability/entry[@name='%s']", r.base, cloneName)
		if prev, ok := clones[xp]; ok && prev != srcName {
			cloneName = truncate(attachRuleName+"-"+srcName, 31)
			xp = fmt.Sprintf("%s/profiles/vulnerability/entry[@name='%s']", r.base, cloneName)
		}
		if existing := lookup(r.scopes[:1], cloneName, "profiles", "vulnerability"); existing != nil && !isClone(existing) {
			return nil, fmt.Errorf("a vulnerability profile %s that mine did not make exists in %s: rename it, or attach a logging profile yourself", cloneName, scopeName(r.base))
		}
		clone, missing := cloneProfile(src, srcName, cloneName, c, ids)
		if len(missing) > 0 {
			return nil, fmt.Errorf("rule %s: profile %s decides signatures %s before any alert rule can, so they need threat exceptions, and a device accepts those only for signatures it has: deploy them first (mine signatures deploy)",
				name, srcName, joinInts(missing))
		}
		if _, done := clones[xp]; !done {
			clones[xp] = srcName
			p.Changes = append(p.Changes, Change{Op: "edit", Xpath: xp, Element: clone.String(),
				Summary: fmt.Sprintf("write vulnerability profile %s in %s", cloneName, scopeName(r.base)), sets: 1})
			before := ""
			if src != nil && cloneName == srcName {
				before = src.indent()
			}
			title := fmt.Sprintf("vulnerability profile %s (%s), cloned from %s", cloneName, scopeName(r.base), srcName)
			if cloneName == srcName {
				title = fmt.Sprintf("vulnerability profile %s (%s)", cloneName, scopeName(r.base))
			}
			att.Diffs = append(att.Diffs, Diff{Title: title, Before: before, After: clone.indent()})
		}
		ps := profileSetting(r, cloneName)
		oldPS := r.node.child("profile-setting")
		if oldPS == nil || oldPS.canonical() != ps.canonical() {
			p.Changes = append(p.Changes, Change{Op: "edit", Xpath: fmt.Sprintf("%s/entry[@name='%s']/profile-setting", r.container, name),
				Element: ps.String(), Summary: fmt.Sprintf("attach %s to rule %s", cloneName, name), sets: 1})
			before := ""
			if oldPS != nil {
				before = oldPS.indent()
			}
			att.Diffs = append(att.Diffs, Diff{Title: fmt.Sprintf("rule %s (%s) profile-setting", name, r.where), Before: before, After: ps.indent()})
		}
	}
	p.Commit = len(p.Changes) > 0
	if err := d.noteLocks(ctx, p); err != nil {
		return nil, err
	}
	return att, nil
}

// profileLogs reports whether a vulnerability profile alerts on every
// signature of the catalog.
func profileLogs(p *xnode, c Catalog) bool {
	for _, s := range c.Signatures {
		if a, _ := profileAction(p, s); a != "alert" {
			return false
		}
	}
	return true
}

func isClone(p *xnode) bool {
	return p != nil && strings.Contains(p.textOf("description"), profileMarker)
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// cloneProfile copies the source profile (nil: an empty one) under a new
// name, appends the alert rule, and adds alert exceptions for the IDs an
// earlier rule or exception still decides otherwise. It returns the IDs
// that need an exception but do not exist on the device (exists).
func cloneProfile(src *xnode, srcName, name string, c Catalog, exists map[int]bool) (*xnode, []int) {
	var p *xnode
	if src != nil {
		p = src.clone()
	} else {
		p = &xnode{name: "entry"}
	}
	p.setAttr("name", name)
	desc := fmt.Sprintf("Clone of %s with an alert rule for the HTTP status signatures. %s", srcName, profileMarker)
	if isClone(src) {
		desc = src.textOf("description")
	}
	setChild(p, &xnode{name: "description", text: desc})
	rules := p.child("rules")
	if rules == nil {
		rules = &xnode{name: "rules"}
		p.children = append(p.children, rules)
	}
	if rules.entry(attachRuleName) == nil {
		rules.children = append(rules.children, mustParseEntry(`<entry name="`+attachRuleName+`">`+
			`<action><alert/></action><vendor-id><member>any</member></vendor-id><severity><member>informational</member></severity>`+
			`<cve><member>any</member></cve><threat-name>any</threat-name><host>client</host><category>any</category>`+
			`<packet-capture>disable</packet-capture></entry>`))
	}
	var missing []int
	for _, s := range c.Signatures {
		if a, _ := profileAction(p, s); a == "alert" {
			continue
		}
		if !exists[s.ID] {
			missing = append(missing, s.ID)
			continue
		}
		x := p.child("threat-exception")
		if x == nil {
			x = &xnode{name: "threat-exception"}
			p.children = append(p.children, x)
		}
		e := mustParseEntry(fmt.Sprintf(`<entry name="%d"><action><alert/></action><packet-capture>disable</packet-capture></entry>`, s.ID))
		if i := slices.IndexFunc(x.children, func(n *xnode) bool { return n.attr("name") == strconv.Itoa(s.ID) }); i >= 0 {
			x.children[i] = e
		} else {
			x.children = append(x.children, e)
		}
	}
	return p, missing
}

func joinInts(ns []int) string {
	parts := make([]string, len(ns))
	for i, n := range ns {
		parts[i] = strconv.Itoa(n)
	}
	return strings.Join(parts, ", ")
}

func setChild(p, c *xnode) {
	for i, ch := range p.children {
		if ch.name == c.name {
			p.children[i] = c
			return
		}
	}
	p.children = append([]*xnode{c}, p.children...)
}

// profileSetting is the rule's profile-setting with the vulnerability
// profile replaced; a profile group is unrolled into its profiles.
func profileSetting(r ruleRef, vuln string) *xnode {
	profiles := &xnode{name: "profiles"}
	ps := r.node.child("profile-setting")
	var from *xnode
	switch {
	case ps.child("profiles") != nil:
		from = ps.child("profiles")
	case len(ps.child("group").members()) > 0:
		from = lookup(r.scopes, ps.child("group").members()[0], "profile-group")
	}
	for _, kind := range []string{"virus", "spyware", "vulnerability", "url-filtering", "file-blocking", "wildfire-analysis", "data-filtering"} {
		if kind == "vulnerability" {
			profiles.children = append(profiles.children, &xnode{name: kind, children: []*xnode{{name: "member", text: vuln}}})
			continue
		}
		if ms := from.child(kind).members(); len(ms) > 0 {
			profiles.children = append(profiles.children, &xnode{name: kind, children: []*xnode{{name: "member", text: ms[0]}}})
		}
	}
	return &xnode{name: "profile-setting", children: []*xnode{profiles}}
}

// Attach applies PlanAttach's changes, commits and (Panorama) pushes.
func (d *Deployer) Attach(ctx context.Context, c Catalog, scope PolicyScope, rules []string) (*Attachment, Result, error) {
	att, err := d.PlanAttach(ctx, c, scope, rules)
	if err != nil {
		return nil, Result{}, err
	}
	res, err := d.Apply(ctx, att.Plan, "mine: vulnerability profile that logs the HTTP status signatures")
	return att, res, err
}
