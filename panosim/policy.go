package panosim

import (
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// portRange is a protocol and an inclusive port range.
type portRange struct {
	proto  string
	lo, hi int
}

// addrSet is a compiled list of address members.
type addrSet struct {
	any      bool
	prefixes []netip.Prefix
	ranges   [][2]netip.Addr
}

func (s *addrSet) contains(a netip.Addr) bool {
	if s.any {
		return true
	}
	for _, p := range s.prefixes {
		if p.Contains(a) {
			return true
		}
	}
	for _, r := range s.ranges {
		if a.Compare(r[0]) >= 0 && a.Compare(r[1]) <= 0 {
			return true
		}
	}
	return false
}

// cRule is a security rule compiled from the running configuration.
type cRule struct {
	name        string
	uuid        string
	isDefault   bool
	disabled    bool
	ruleType    string
	from, to    []string // nil means any
	src, dst    addrSet
	negSrc      bool
	negDst      bool
	apps        map[string]bool // nil means any
	svcAny      bool
	svcAppDef   bool
	ports       []portRange
	otherMatch  bool // source-user and URL category are any
	action      string
	logEnd      bool
	inspect     bool // server responses are inspected
	vuln        *vulnProfile
	mu          sync.Mutex
	sigsByState map[int][]*signature
}

// signature is a custom vulnerability signature.
type signature struct {
	tid           int
	name          string
	severity      string
	direction     string
	defaultAction string
	client        bool
	server        bool
	and           [][]sigCond // every and-condition needs one matching or-condition
}

type sigCond struct {
	op     string // equal-to, less-than, greater-than; "" never matches
	value  int
	negate bool
}

func (s *signature) matchesStatus(code int) bool {
	if s.direction != "server2client" && s.direction != "both" {
		return false
	}
	if len(s.and) == 0 {
		return false
	}
	for _, ors := range s.and {
		ok := false
		for _, c := range ors {
			var m bool
			switch c.op {
			case "equal-to":
				m = code == c.value
			case "less-than":
				m = code < c.value
			case "greater-than":
				m = code > c.value
			default:
				continue
			}
			if c.negate {
				m = !m
			}
			if m {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

type vulnRule struct {
	severities map[string]bool // nil means any
	host       string
	action     string
	threatName string
	otherAny   bool // category, cve and vendor-id are any
}

type vulnProfile struct {
	name       string
	rules      []vulnRule
	exceptions map[int]string
}

// actionFor returns the action the profile takes on a signature: "" when no
// rule covers it, otherwise the resolved action (default -> the signature's).
func (p *vulnProfile) actionFor(s *signature) string {
	resolve := func(a string) string {
		if a == "default" {
			return s.defaultAction
		}
		return a
	}
	if a, ok := p.exceptions[s.tid]; ok {
		return resolve(a)
	}
	for _, r := range p.rules {
		if r.severities != nil && !r.severities[s.severity] {
			continue
		}
		switch r.host {
		case "", "any":
		case "client":
			if !s.client {
				continue
			}
		case "server":
			if !s.server {
				continue
			}
		default:
			continue
		}
		if r.threatName != "" && r.threatName != "any" &&
			!strings.Contains(strings.ToLower(s.name), strings.ToLower(r.threatName)) {
			continue
		}
		if !r.otherAny {
			continue
		}
		return resolve(r.action)
	}
	return ""
}

// policy is the compiled running configuration.
type policy struct {
	rules []*cRule // in evaluation order, the two default rules last
	sigs  []*signature
}

// compilePolicy compiles the security policy of vsys1 from a configuration
// tree and, on a firewall managed by Panorama, the shared policy pushed to
// it: pushed pre-rules, local rules, pushed post-rules, default rules. It is
// lenient: parts it does not understand match nothing.
func compilePolicy(root, pushed *node, seed int64) *policy {
	c := newCompiler(root, pushed)
	p := &policy{}
	for _, e := range c.ruleNodes() {
		p.rules = append(p.rules, c.rule(e))
	}
	defaults := c.vsys.at("rulebase", "default-security-rules", "rules")
	for _, d := range []struct{ name, action, typ string }{
		{ruleIntrazone, "allow", "intrazone"},
		{ruleInterzone, "deny", "interzone"},
	} {
		r := &cRule{
			name: d.name, uuid: deriveUUID(seed, "rule:"+d.name), isDefault: true,
			ruleType: d.typ, src: addrSet{any: true}, dst: addrSet{any: true},
			svcAny: true, otherMatch: true, action: d.action, inspect: true,
		}
		if o := defaults.entry(d.name); o != nil {
			if a := o.textOf("action"); a != "" {
				r.action = a
			}
			r.logEnd = o.textOf("log-end") == "yes"
			r.vuln = c.ruleProfile(o)
		}
		p.rules = append(p.rules, r)
	}
	for _, scope := range c.scopes {
		for _, e := range scope.at("threats", "vulnerability").entries() {
			if s := compileSignature(e); s != nil {
				p.sigs = append(p.sigs, s)
			}
		}
	}
	sort.SliceStable(p.sigs, func(i, j int) bool { return p.sigs[i].tid < p.sigs[j].tid })
	return p
}

// match returns the first rule that carries a session.
func (p *policy) match(s *session) *cRule {
	for _, r := range p.rules {
		if r.matches(s) {
			return r
		}
	}
	return p.rules[len(p.rules)-1]
}

// sigsFor returns the signatures that write a threat log for an HTTP
// response with the status code on a session carried by r.
func (p *policy) sigsFor(r *cRule, code int) []*signature {
	if r.action != "allow" || !r.inspect || r.vuln == nil || len(p.sigs) == 0 {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if out, ok := r.sigsByState[code]; ok {
		return out
	}
	var out []*signature
	for _, s := range p.sigs {
		if s.matchesStatus(code) && r.vuln.actionFor(s) == "alert" {
			out = append(out, s)
		}
	}
	if r.sigsByState == nil {
		r.sigsByState = map[int][]*signature{}
	}
	r.sigsByState[code] = out
	return out
}

func (r *cRule) matches(s *session) bool {
	if r.disabled {
		return false
	}
	switch r.ruleType {
	case "intrazone":
		if s.from != s.to || !zoneIn(r.from, s.from) {
			return false
		}
	case "interzone":
		if s.from == s.to || !zoneIn(r.from, s.from) || !zoneIn(r.to, s.to) {
			return false
		}
	default:
		if !zoneIn(r.from, s.from) || !zoneIn(r.to, s.to) {
			return false
		}
	}
	if r.src.contains(s.src) == r.negSrc || r.dst.contains(s.dst) == r.negDst || !r.otherMatch {
		return false
	}
	if r.apps != nil && !r.apps[s.app] {
		return false
	}
	switch {
	case r.svcAny:
		return true
	case r.svcAppDef && isDefaultPort(s.app, s.proto, s.dport):
		return true
	}
	for _, pr := range r.ports {
		if pr.proto == s.proto && s.dport >= pr.lo && s.dport <= pr.hi {
			return true
		}
	}
	return false
}

func zoneIn(zones []string, z string) bool {
	return zones == nil || slices.Contains(zones, z)
}

// compiler resolves names in a list of scopes, first match wins: vsys1,
// shared, then the policy pushed by Panorama (on Panorama itself: the
// device group, then shared).
type compiler struct {
	vsys       *node // where zones and default rules live; nil on Panorama
	scopes     []*node
	predefined *node
	pushed     *node
}

func newCompiler(root, pushed *node) *compiler {
	c := &compiler{
		vsys:       root.at("devices").entry("localhost.localdomain").child("vsys").entry("vsys1"),
		predefined: root.at("predefined", "profiles", "vulnerability"),
		pushed:     pushed,
	}
	c.scopes = []*node{c.vsys, root.child("shared")}
	if pushed != nil {
		c.scopes = append(c.scopes, pushed)
	}
	return c
}

// ruleNodes returns the security rule entries in evaluation order, without
// the default rules.
func (c *compiler) ruleNodes() []*node {
	var out []*node
	out = append(out, c.pushed.at("pre-rulebase", "security", "rules").entries()...)
	out = append(out, c.vsys.at("rulebase", "security", "rules").entries()...)
	out = append(out, c.pushed.at("post-rulebase", "security", "rules").entries()...)
	return out
}

// lookup returns the first entry called name in the container at path of
// the scopes.
func (c *compiler) lookup(name string, path ...string) *node {
	for _, scope := range c.scopes {
		if e := scope.at(path...).entry(name); e != nil {
			return e
		}
	}
	return nil
}

// vulnProfile resolves a vulnerability profile by name: configured, then
// predefined.
func (c *compiler) vulnProfile(name string) *node {
	if p := c.lookup(name, "profiles", "vulnerability"); p != nil {
		return p
	}
	return c.predefined.entry(name)
}

func anyList(ms []string) bool {
	return len(ms) == 0 || slices.Contains(ms, "any")
}

func (c *compiler) rule(e *node) *cRule {
	r := &cRule{
		name:     e.attr("name"),
		uuid:     e.attr("uuid"),
		disabled: e.textOf("disabled") == "yes",
		ruleType: e.textOf("rule-type"),
		negSrc:   e.textOf("negate-source") == "yes",
		negDst:   e.textOf("negate-destination") == "yes",
		action:   e.textOf("action"),
		logEnd:   e.textOf("log-end") != "no",
		inspect:  e.at("option", "disable-server-response-inspection") == nil || e.at("option", "disable-server-response-inspection").text != "yes",
	}
	if r.action == "" {
		r.action = "allow"
	}
	if ms := e.child("from").members(); !anyList(ms) {
		r.from = ms
	}
	if ms := e.child("to").members(); !anyList(ms) {
		r.to = ms
	}
	r.src = c.addrs(e.child("source").members())
	r.dst = c.addrs(e.child("destination").members())
	r.otherMatch = anyList(e.child("source-user").members()) && anyList(e.child("category").members())
	if apps := e.child("application").members(); !anyList(apps) {
		r.apps = map[string]bool{}
		for _, a := range apps {
			c.expandApp(a, r.apps, 0)
		}
	}
	for _, m := range e.child("service").members() {
		switch m {
		case "any":
			r.svcAny = true
		case "application-default":
			r.svcAppDef = true
		default:
			r.ports = append(r.ports, c.service(m, 0)...)
		}
	}
	if len(e.child("service").members()) == 0 {
		r.svcAny = true
	}
	r.vuln = c.ruleProfile(e)
	return r
}

func (c *compiler) expandApp(name string, into map[string]bool, depth int) {
	if g := c.lookup(name, "application-group"); g != nil && depth < 8 {
		for _, m := range g.child("members").members() {
			c.expandApp(m, into, depth+1)
		}
		return
	}
	into[name] = true
}

func (c *compiler) addrs(ms []string) addrSet {
	var s addrSet
	if anyList(ms) {
		s.any = true
		return s
	}
	for _, m := range ms {
		c.addAddr(&s, m, 0)
	}
	return s
}

func (c *compiler) addAddr(s *addrSet, m string, depth int) {
	if depth > 8 {
		return
	}
	for _, scope := range c.scopes {
		if a := scope.child("address").entry(m); a != nil {
			if v := a.textOf("ip-netmask"); v != "" {
				addLiteral(s, v)
			} else if v := a.textOf("ip-range"); v != "" {
				addLiteral(s, v)
			}
			return
		}
		if g := scope.child("address-group").entry(m); g != nil {
			for _, mm := range g.child("static").members() {
				c.addAddr(s, mm, depth+1)
			}
			return
		}
	}
	addLiteral(s, m)
}

func addLiteral(s *addrSet, v string) {
	if lo, hi, ok := strings.Cut(v, "-"); ok {
		a, err1 := netip.ParseAddr(strings.TrimSpace(lo))
		b, err2 := netip.ParseAddr(strings.TrimSpace(hi))
		if err1 == nil && err2 == nil {
			s.ranges = append(s.ranges, [2]netip.Addr{a, b})
		}
		return
	}
	if strings.Contains(v, "/") {
		if p, err := netip.ParsePrefix(v); err == nil {
			s.prefixes = append(s.prefixes, p.Masked())
		}
		return
	}
	if a, err := netip.ParseAddr(v); err == nil {
		s.prefixes = append(s.prefixes, netip.PrefixFrom(a, a.BitLen()))
	}
}

func (c *compiler) service(name string, depth int) []portRange {
	switch name {
	case "service-http":
		return []portRange{{"tcp", 80, 80}, {"tcp", 8080, 8080}}
	case "service-https":
		return []portRange{{"tcp", 443, 443}}
	}
	if depth > 8 {
		return nil
	}
	for _, scope := range c.scopes {
		if e := scope.child("service").entry(name); e != nil {
			var out []portRange
			for _, proto := range []string{"tcp", "udp"} {
				if p := e.at("protocol", proto); p != nil {
					out = append(out, parsePorts(proto, p.textOf("port"))...)
				}
			}
			return out
		}
		if g := scope.child("service-group").entry(name); g != nil {
			var out []portRange
			for _, m := range g.child("members").members() {
				out = append(out, c.service(m, depth+1)...)
			}
			return out
		}
	}
	return nil
}

func parsePorts(proto, spec string) []portRange {
	var out []portRange
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		if err != nil {
			continue
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil {
				continue
			}
		}
		out = append(out, portRange{proto, a, b})
	}
	return out
}

// ruleProfile resolves the vulnerability profile a rule (or default rule
// override) applies, directly or through a profile group.
func (c *compiler) ruleProfile(e *node) *vulnProfile {
	ps := e.child("profile-setting")
	if ps == nil {
		return nil
	}
	var name string
	if ms := ps.at("profiles", "vulnerability").members(); len(ms) > 0 {
		name = ms[0]
	} else if gs := ps.child("group").members(); len(gs) > 0 {
		if g := c.lookup(gs[0], "profile-group"); g != nil {
			if ms := g.child("vulnerability").members(); len(ms) > 0 {
				name = ms[0]
			}
		}
	}
	if name == "" {
		return nil
	}
	if p := c.vulnProfile(name); p != nil {
		return compileVulnProfile(p)
	}
	return nil
}

func compileVulnProfile(e *node) *vulnProfile {
	p := &vulnProfile{name: e.attr("name"), exceptions: map[int]string{}}
	for _, r := range e.child("rules").entries() {
		vr := vulnRule{
			host:       r.textOf("host"),
			action:     choice(r.child("action")),
			threatName: r.textOf("threat-name"),
			otherAny: (r.textOf("category") == "" || r.textOf("category") == "any") &&
				anyList(r.child("cve").members()) && anyList(r.child("vendor-id").members()),
		}
		if vr.action == "" {
			vr.action = "default"
		}
		if sev := r.child("severity").members(); !anyList(sev) {
			vr.severities = map[string]bool{}
			for _, s := range sev {
				vr.severities[s] = true
			}
		}
		p.rules = append(p.rules, vr)
	}
	for _, x := range e.child("threat-exception").entries() {
		id, err := strconv.Atoi(x.attr("name"))
		if err != nil {
			continue
		}
		a := choice(x.child("action"))
		if a == "" {
			a = "default"
		}
		p.exceptions[id] = a
	}
	return p
}

// choice returns the name of the first child element (<action><alert/>) or
// the text of n.
func choice(n *node) string {
	if n == nil {
		return ""
	}
	if len(n.children) > 0 {
		return n.children[0].name
	}
	return n.text
}

func compileSignature(e *node) *signature {
	id, err := strconv.Atoi(e.attr("name"))
	if err != nil {
		return nil
	}
	s := &signature{
		tid:           id,
		name:          e.textOf("threatname"),
		severity:      e.textOf("severity"),
		direction:     e.textOf("direction"),
		defaultAction: choice(e.child("default-action")),
		client:        e.at("affected-host", "client") != nil && e.at("affected-host", "client").text == "yes",
		server:        e.at("affected-host", "server") != nil && e.at("affected-host", "server").text == "yes",
	}
	if s.name == "" {
		s.name = e.attr("name")
	}
	if s.defaultAction == "" {
		s.defaultAction = "alert"
	}
	if !s.client && !s.server {
		s.client = true
	}
	std := e.at("signature", "standard").entries()
	if len(std) == 0 {
		return nil
	}
	// A signature fires when one of its standard entries matches.
	for _, st := range std {
		var and [][]sigCond
		for _, ac := range st.child("and-condition").entries() {
			var ors []sigCond
			for _, oc := range ac.child("or-condition").entries() {
				op := oc.child("operator")
				if op == nil || len(op.children) == 0 {
					continue
				}
				o := op.children[0]
				cd := sigCond{negate: o.textOf("negate") == "yes"}
				v, err := strconv.Atoi(o.textOf("value"))
				if err == nil && o.textOf("context") == "http-rsp-code" &&
					(o.name == "equal-to" || o.name == "less-than" || o.name == "greater-than") {
					cd.op = o.name
					cd.value = v
				}
				ors = append(ors, cd)
			}
			and = append(and, ors)
		}
		if len(s.and) == 0 {
			s.and = and
		}
	}
	return s
}
