package panosim

import (
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// policyEnv is what a device keeps outside its configuration that its
// policy reads: the answers of its DNS for fqdn objects, the IP addresses
// registered for dynamic groups, the time zone schedules run in.
type policyEnv struct {
	seed int64
	loc  *time.Location
	fqdn map[string][]netip.Addr // lower-case name -> addresses
	reg  *ipRegistry
}

// flow is what a rule matches on: a session at its start, or the tuple of
// a test security-policy-match command. Empty strings and zero ports mean
// unknown (see matches).
type flow struct {
	from, to string
	src, dst netip.Addr
	proto    string // tcp, udp, sctp, icmp, or the IP protocol number
	protoNum int
	sport    int
	dport    int
	app      string
	user     string
	category string // predefined URL category; "" for traffic without a URL
	host     string // URL host, for custom URL categories
	at       int64  // unix milliseconds: schedules, registration timeouts
}

// cRule is a security rule compiled from the running configuration.
type cRule struct {
	name      string
	uuid      string
	index     int    // 1-based position in evaluation order
	loc       string // where the rule lives: vsys1, a device group, shared
	isDefault bool
	disabled  bool
	ruleType  string
	from, to  []string // nil means any
	src, dst  addrSet
	negSrc    bool
	negDst    bool
	srcText   []string // members as configured, for answers
	dstText   []string
	users     []string        // nil means any
	cats      map[string]bool // nil means any
	catHosts  []string        // host patterns of the custom categories named
	apps      map[string]bool // nil means any
	appInfo   map[string]*appAttrs
	svcAny    bool
	svcAppDef bool
	svcs      []svcSpec
	sched     *schedule
	action    string
	logEnd    bool
	inspect   bool // server responses are inspected
	vuln      *vulnProfile

	mu          sync.Mutex
	sigsByState map[int]responseHits
}

// policy is the compiled running configuration.
type policy struct {
	rules []*cRule // in evaluation order, the two default rules last
	sigs  []*signature
	// combos are the combination signatures.
	combos []*signature
	reg    *ipRegistry
	loc    *time.Location
}

// ruleRef is a rule entry with where its names resolve.
type ruleRef struct {
	node  *node
	ch    chain
	loc   string
	where string // the container, for commit errors
}

// compilePolicy compiles the security policy of vsys1 from a configuration
// tree and, on a firewall managed by Panorama, the shared policy pushed to
// it (a <panorama> element): pushed pre-rules, local rules, pushed
// post-rules, default rules. It returns the reasons the configuration would
// not commit (references that resolve nowhere, values that do not parse);
// the parts in error match nothing.
func compilePolicy(root, pushed *node, env *policyEnv) (*policy, []string) {
	c := newCompiler(root, pushed, env)
	p := &policy{}
	var seed int64
	if env != nil {
		p.reg, p.loc, seed = env.reg, env.loc, env.seed
	}
	if p.loc == nil {
		p.loc = time.UTC
	}
	for i, rr := range c.ruleRefs() {
		r := c.rule(rr)
		r.index = i + 1
		p.rules = append(p.rules, r)
	}
	for _, d := range []struct{ name, action, typ string }{
		{ruleIntrazone, "allow", "intrazone"},
		{ruleInterzone, "deny", "interzone"},
	} {
		r := &cRule{
			name: d.name, uuid: deriveUUID(seed, "rule:"+d.name), isDefault: true, loc: "default",
			ruleType: d.typ, src: addrSet{any: true}, dst: addrSet{any: true},
			svcAny: true, action: d.action, inspect: true, index: len(p.rules) + 1,
		}
		// A pushed override wins over the firewall's own.
		for _, o := range []struct {
			e  *node
			ch chain
		}{
			{c.vsys.at("rulebase", "default-security-rules", "rules").entry(d.name), c.localChain()},
			{c.pushed.at("post-rulebase", "default-security-rules", "rules").entry(d.name), c.pushedChain()},
		} {
			if o.e == nil {
				continue
			}
			if a := o.e.textOf("action"); a != "" {
				r.action = a
			}
			r.logEnd = o.e.textOf("log-end") != "no"
			r.vuln = c.ruleProfile(o.ch, o.e)
		}
		p.rules = append(p.rules, r)
	}
	for _, scope := range c.localChain() {
		for _, e := range scope.at("threats", "vulnerability").entries() {
			switch s := compileSignature(e); {
			case s == nil:
			case s.combo != nil:
				p.combos = append(p.combos, s)
			default:
				p.sigs = append(p.sigs, s)
			}
		}
	}
	sort.SliceStable(p.sigs, func(i, j int) bool { return p.sigs[i].tid < p.sigs[j].tid })
	sort.SliceStable(p.combos, func(i, j int) bool { return p.combos[i].tid < p.combos[j].tid })
	return p, c.errs
}

// match returns the first rule that carries a flow.
func (p *policy) match(f *flow) *cRule {
	for _, r := range p.rules {
		if p.matches(r, f) {
			return r
		}
	}
	return p.rules[len(p.rules)-1]
}

// matchAll returns every rule a flow matches, in evaluation order.
func (p *policy) matchAll(f *flow) []*cRule {
	var out []*cRule
	for _, r := range p.rules {
		if p.matches(r, f) {
			out = append(out, r)
		}
	}
	return out
}

// sigHit is a signature that matched a response, with what the carrying
// rule's vulnerability profile does with it.
type sigHit struct {
	sig *signature
	act sigAction
}

// responseHits is what the threat engine makes of one HTTP response
// status on a rule: the signatures whose action writes a threat log
// (every action but allow), and the IDs it detects whatever the action,
// which combination signatures count.
type responseHits struct {
	logged   []sigHit
	detected []int
}

// sigsFor returns the signatures that write a threat log for an HTTP
// response with the status code on a session carried by r, with their
// actions, and the IDs detected. Nothing is inspected on a rule that does
// not allow, disables server response inspection, or has no
// vulnerability profile.
func (p *policy) sigsFor(r *cRule, code int) responseHits {
	if r.action != "allow" || !r.inspect || r.vuln == nil || len(p.sigs) == 0 {
		return responseHits{}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if out, ok := r.sigsByState[code]; ok {
		return out
	}
	var out responseHits
	for _, s := range p.sigs {
		if !s.matchesStatus(code) {
			continue
		}
		a := r.vuln.decide(s)
		if a.name == "" {
			continue
		}
		out.detected = append(out.detected, s.tid)
		if a.name != "allow" {
			out.logged = append(out.logged, sigHit{s, a})
		}
	}
	if r.sigsByState == nil {
		r.sigsByState = map[int]responseHits{}
	}
	r.sigsByState[code] = out
	return out
}

// combosFor returns the combination signatures counting a detected
// threat ID on a session carried by r, with the action r's profile gives
// each when it fires (combinations the profile leaves out, or allows, do
// nothing).
func (p *policy) combosFor(r *cRule, tid int) []sigHit {
	if r.vuln == nil {
		return nil
	}
	var out []sigHit
	for _, c := range p.combos {
		if !c.combo.children[tid] {
			continue
		}
		if a := r.vuln.decide(c); a.name != "" && a.name != "allow" {
			out = append(out, sigHit{c, a})
		}
	}
	return out
}

// matches reports whether r carries f. An unknown value matches only a
// rule that does not restrict it: an unknown user matches source-user any
// or unknown, an unknown application matches application any (and never
// application-default), a flow without a URL matches category any, an
// unknown destination port matches service any.
func (p *policy) matches(r *cRule, f *flow) bool {
	if r.disabled {
		return false
	}
	switch r.ruleType {
	case "intrazone":
		if f.from != f.to || !zoneIn(r.from, f.from) {
			return false
		}
	case "interzone":
		if f.from == f.to || !zoneIn(r.from, f.from) || !zoneIn(r.to, f.to) {
			return false
		}
	default:
		if !zoneIn(r.from, f.from) || !zoneIn(r.to, f.to) {
			return false
		}
	}
	if r.src.contains(f.src, p.reg, f.at) == r.negSrc || r.dst.contains(f.dst, p.reg, f.at) == r.negDst {
		return false
	}
	if r.users != nil && !userMatches(r.users, f.user) {
		return false
	}
	if r.cats != nil && !(f.category != "" && r.cats[f.category]) &&
		!(f.host != "" && slices.ContainsFunc(r.catHosts, func(h string) bool { return hostMatches(h, f.host) })) {
		return false
	}
	if r.apps != nil && (f.app == "" || !r.apps[f.app]) {
		return false
	}
	if r.sched != nil && !r.sched.active(f.at, p.loc) {
		return false
	}
	if r.svcAny {
		return true
	}
	if r.svcAppDef && f.app != "" {
		if a := r.appInfo[f.app]; a != nil {
			if (f.dport > 0 && portsAllow(a.ports, f.proto, f.dport)) || (a.ipProto != "" && a.ipProto == strconv.Itoa(f.protoNum)) {
				return true
			}
		}
	}
	if f.dport <= 0 {
		return false
	}
	for _, s := range r.svcs {
		if s.proto == f.proto && inRanges(s.dst, f.dport) && (s.src == nil || (f.sport > 0 && inRanges(s.src, f.sport))) {
			return true
		}
	}
	return false
}

// userMatches reports whether a source-user list covers a user ("" when
// the flow's user is unknown). Groups are not modelled: a member matches
// the user of that name (case-insensitive), known-user any known user,
// unknown the unknown user; pre-logon matches nothing.
func userMatches(list []string, user string) bool {
	for _, u := range list {
		switch u {
		case "any":
			return true
		case "known-user":
			if user != "" {
				return true
			}
		case "unknown":
			if user == "" {
				return true
			}
		case "pre-logon":
		default:
			if user != "" && strings.EqualFold(u, user) {
				return true
			}
		}
	}
	return false
}

func zoneIn(zones []string, z string) bool {
	return zones == nil || slices.Contains(zones, z)
}

func anyList(ms []string) bool {
	return len(ms) == 0 || slices.Contains(ms, "any")
}

// compiler resolves names in scope chains: on a firewall vsys1, shared and
// the policy pushed by Panorama; on Panorama a device group, its ancestors
// and shared.
type compiler struct {
	root       *node
	vsys       *node // nil on Panorama
	shared     *node
	pushed     *node // the <panorama> element pushed to a firewall, or nil
	predefined *node
	env        *policyEnv
	errs       []string
	predApps   []*appAttrs
	appInfos   map[string]map[string]*appAttrs
}

func newCompiler(root, pushed *node, env *policyEnv) *compiler {
	return &compiler{
		root:       root,
		vsys:       root.at("devices").entry("localhost.localdomain").child("vsys").entry("vsys1"),
		shared:     root.child("shared"),
		pushed:     pushed,
		predefined: root.child("predefined"),
		env:        env,
		appInfos:   map[string]map[string]*appAttrs{},
	}
}

// localChain is where the names of vsys1's own rules resolve: vsys1,
// shared, then what Panorama pushed.
func (c *compiler) localChain() chain { return chain{c.vsys, c.shared, c.pushed} }

// pushedChain is where the names of pushed rules resolve: the pushed
// objects first, then vsys1 and shared.
func (c *compiler) pushedChain() chain { return chain{c.pushed, c.vsys, c.shared} }

// ruleRefs returns the security rule entries of a firewall in evaluation
// order, without the default rules.
func (c *compiler) ruleRefs() []ruleRef {
	var out []ruleRef
	add := func(es []*node, ch chain, where string, pushed bool) {
		for _, e := range es {
			loc := "vsys1"
			if pushed {
				loc = e.attr("loc")
			}
			out = append(out, ruleRef{node: e, ch: ch, loc: loc, where: where})
		}
	}
	add(c.pushed.at("pre-rulebase", "security", "rules").entries(), c.pushedChain(), "panorama -> pre-rulebase -> security -> rules", true)
	add(c.vsys.at("rulebase", "security", "rules").entries(), c.localChain(), "rulebase -> security -> rules", false)
	add(c.pushed.at("post-rulebase", "security", "rules").entries(), c.pushedChain(), "panorama -> post-rulebase -> security -> rules", true)
	return out
}

// ruleNodes returns the security rule entries of a firewall in evaluation
// order, without the default rules.
func ruleNodes(root, pushed *node) []*node {
	var out []*node
	for _, rr := range newCompiler(root, pushed, nil).ruleRefs() {
		out = append(out, rr.node)
	}
	return out
}

// vulnProfile resolves a vulnerability profile by name: configured, then
// predefined.
func (c *compiler) vulnProfile(ch chain, name string) *node {
	if p := ch.lookup(name, "profiles", "vulnerability"); p != nil {
		return p
	}
	return c.predefined.at("profiles", "vulnerability").entry(name)
}

// appInfo returns the applications a chain sees, by name, computed once
// per chain.
func (c *compiler) appInfo(ch chain) map[string]*appAttrs {
	var key strings.Builder
	for _, s := range ch {
		fmt.Fprintf(&key, "%p,", s)
	}
	if m, ok := c.appInfos[key.String()]; ok {
		return m
	}
	m := c.appDefaults(ch)
	c.appInfos[key.String()] = m
	return m
}

// rule compiles one rule entry; unresolved references are recorded as
// commit errors and match nothing.
func (c *compiler) rule(rr ruleRef) *cRule {
	e, ch := rr.node, rr.ch
	r := &cRule{
		name:     e.attr("name"),
		uuid:     e.attr("uuid"),
		loc:      rr.loc,
		disabled: e.textOf("disabled") == "yes",
		ruleType: e.textOf("rule-type"),
		negSrc:   e.textOf("negate-source") == "yes",
		negDst:   e.textOf("negate-destination") == "yes",
		action:   e.textOf("action"),
		logEnd:   e.textOf("log-end") != "no",
		inspect:  e.at("option", "disable-server-response-inspection") == nil || e.at("option", "disable-server-response-inspection").text != "yes",
		srcText:  e.child("source").members(),
		dstText:  e.child("destination").members(),
		appInfo:  c.appInfo(ch),
	}
	bad := func(field string) func(string) {
		return func(m string) {
			c.errs = append(c.errs, fmt.Sprintf("%s -> %s -> %s '%s' is not a valid reference", rr.where, r.name, field, m))
		}
	}
	invalid := func(field, value string, err error) {
		c.errs = append(c.errs, fmt.Sprintf("%s -> %s -> %s '%s' is not a valid value: %v", rr.where, r.name, field, value, err))
	}
	switch r.action {
	case "":
		r.action = "allow"
	case "allow", "deny", "drop", "reset-client", "reset-server", "reset-both":
	default:
		c.errs = append(c.errs, fmt.Sprintf("%s -> %s -> action '%s' is not a valid value", rr.where, r.name, r.action))
	}
	switch r.ruleType {
	case "", "universal", "intrazone", "interzone":
	default:
		c.errs = append(c.errs, fmt.Sprintf("%s -> %s -> rule-type '%s' is not a valid value", rr.where, r.name, r.ruleType))
	}
	if ms := e.child("from").members(); !anyList(ms) {
		r.from = ms
	}
	if ms := e.child("to").members(); !anyList(ms) {
		r.to = ms
	}
	r.src = c.addrs(ch, r.srcText, bad("source"))
	r.dst = c.addrs(ch, r.dstText, bad("destination"))
	if us := e.child("source-user").members(); !anyList(us) {
		r.users = us
	}
	if cs := e.child("category").members(); !anyList(cs) {
		r.cats = map[string]bool{}
		for _, m := range cs {
			r.cats[m] = true
			if cu := ch.lookup(m, "profiles", "custom-url-category"); cu != nil {
				r.catHosts = append(r.catHosts, cu.child("list").members()...)
			} else if !slices.Contains(urlCategories, m) {
				bad("category")(m)
			}
		}
	}
	if apps := e.child("application").members(); !anyList(apps) {
		r.apps = map[string]bool{}
		for _, a := range apps {
			if !c.expandApp(ch, a, r.apps, 0) {
				bad("application")(a)
			}
		}
	}
	svcMembers := e.child("service").members()
	if len(svcMembers) == 0 {
		r.svcAny = true
	}
	for _, m := range svcMembers {
		switch m {
		case "any":
			r.svcAny = true
		case "application-default":
			r.svcAppDef = true
		default:
			if !c.services(ch, m, 0, &r.svcs) {
				bad("service")(m)
			}
		}
	}
	if name := e.textOf("schedule"); name != "" {
		if se := ch.lookup(name, "schedule"); se == nil {
			bad("schedule")(name)
			r.disabled = true
		} else if s, err := compileSchedule(se); err != nil {
			invalid("schedule", name, err)
			r.disabled = true
		} else {
			r.sched = s
		}
	}
	ps := e.child("profile-setting")
	for _, g := range ps.child("group").members() {
		if ch.lookup(g, "profile-group") == nil {
			bad("profile-setting -> group")(g)
		}
	}
	for _, v := range ps.at("profiles", "vulnerability").members() {
		if c.vulnProfile(ch, v) == nil {
			bad("profile-setting -> profiles -> vulnerability")(v)
		}
	}
	r.vuln = c.ruleProfile(ch, e)
	return r
}
