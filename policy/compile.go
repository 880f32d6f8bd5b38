package policy

import (
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strings"
	"sync"

	"github.com/panos-mine/mine"
)

// Model is a compiled policy: every rule's members resolved to what they
// match. It is safe for concurrent reads.
type Model struct {
	policy   *mine.Policy
	rules    []*compiled
	cat      *catalog
	zones    []string
	warnings []string
	byName   map[string]int

	shadowOnce sync.Once
	shadows    [][]int
	byZones    sync.Map // "from\x00to" -> []int, see candidates
}

// compiled is one rule with its members resolved.
type compiled struct {
	rule     *mine.Rule
	index    int
	chain    []*mine.ObjectScope
	ruleType string // universal, intrazone, interzone
	from, to []string
	src, dst addrSpec
	apps     appSpec
	svc      svcSpec
	users    []string // nil: any
	category []string // nil: any
	srcHIP   []string
	dstHIP   []string
	schedule string
	target   []string
	negTgt   bool
}

// addrSpec is a compiled source or destination list.
type addrSpec struct {
	any  bool
	neg  bool
	set  ipSet        // members known exactly
	wild []wildMember // wildcard masks too scattered to expand
	// opaque are members whose addresses mine cannot know: FQDN objects,
	// dynamic groups without registered IPs, EDLs, regions, unresolved
	// names. Each is a short phrase naming it.
	opaque []string
	// def, poss and toks are bounds() computed once, for shadowing.
	def, poss ipSet
	toks      []string
}

// wildMember is a wildcard address matched bit by bit; bounds is the
// range from its lowest to its highest member.
type wildMember struct {
	base, mask netip.Addr
	bounds     ipSet
}

// appSpec is a compiled application list.
type appSpec struct {
	any     bool
	names   map[string]bool // applications and containers
	filters []*mine.ApplicationFilter
	opaque  []string // unresolved names
}

// svcSpec is a compiled service list.
type svcSpec struct {
	any        bool
	appDefault bool
	ports      protoPorts // services without a source-port restriction
	// srcRestricted are services that also restrict the source port.
	srcRestricted []restrictedService
	opaque        []string
}

type restrictedService struct {
	proto    string
	dst, src portSet
}

// Compile resolves every rule of p against its scopes. References that
// resolve nowhere become warnings (Warnings) and make the rule's answer
// depend on them; Compile itself does not fail.
func Compile(p *mine.Policy) *Model {
	m := &Model{policy: p, byName: map[string]int{}, zones: slices.Clone(p.Zones)}
	var cw []string
	m.cat, cw = newCatalog(p)
	m.warnings = append(slices.Clone(p.Warnings), cw...)
	for i := range p.Rules {
		r := &p.Rules[i]
		m.byName[r.Name] = i
		m.rules = append(m.rules, m.compile(r, i))
	}
	return m
}

// Policy returns the policy the model was compiled from.
func (m *Model) Policy() *mine.Policy { return m.policy }

// Rules returns the rules in evaluation order.
func (m *Model) Rules() []mine.Rule { return m.policy.Rules }

// Index returns the position of the rule named name, or -1.
func (m *Model) Index(name string) int {
	if i, ok := m.byName[name]; ok {
		return i
	}
	return -1
}

// Warnings returns what could not be resolved, each naming the rule and
// the object, sorted and without repeats.
func (m *Model) Warnings() []string {
	w := slices.Clone(m.warnings)
	slices.Sort(w)
	return slices.Compact(w)
}

// chain returns the scopes a rule's names resolve in, in lookup order.
func (m *Model) chain(scope string) []*mine.ObjectScope {
	var out []*mine.ObjectScope
	seen := map[string]bool{}
	for name := scope; name != "" && !seen[name]; {
		seen[name] = true
		s := m.policy.Scopes[name]
		if s == nil {
			break
		}
		out = append(out, s)
		name = s.Parent
	}
	if len(out) == 0 || out[len(out)-1].Name != "shared" {
		if s := m.policy.Scopes["shared"]; s != nil && !seen["shared"] {
			out = append(out, s)
		}
	}
	return out
}

func (m *Model) warn(r *mine.Rule, format string, args ...any) {
	m.warnings = append(m.warnings, fmt.Sprintf("rule %q: ", r.Name)+fmt.Sprintf(format, args...))
}

func (m *Model) compile(r *mine.Rule, i int) *compiled {
	c := &compiled{rule: r, index: i, chain: m.chain(r.Scope), schedule: r.Schedule,
		target: r.Target, negTgt: r.NegateTarget}
	c.ruleType = strings.ToLower(r.RuleType)
	if c.ruleType == "" {
		c.ruleType = "universal"
	}
	if !mine.IsAny(r.From) {
		c.from = r.From
	}
	if !mine.IsAny(r.To) {
		c.to = r.To
	}
	c.src = m.addresses(r, c.chain, r.Source, r.NegateSource)
	c.dst = m.addresses(r, c.chain, r.Destination, r.NegateDestination)
	c.src.def, c.src.poss, c.src.toks = c.src.computeBounds()
	c.dst.def, c.dst.poss, c.dst.toks = c.dst.computeBounds()
	c.apps = m.applications(r, c.chain)
	c.svc = m.services(r, c.chain)
	if !mine.IsAny(r.SourceUser) {
		c.users = r.SourceUser
	}
	if !mine.IsAny(r.Category) {
		c.category = r.Category
	}
	if !mine.IsAny(r.SourceHIP) {
		c.srcHIP = r.SourceHIP
	}
	if !mine.IsAny(r.DestinationHIP) {
		c.dstHIP = r.DestinationHIP
	}
	return c
}

// findScope returns the first scope of chain for which has is true.
func findScope(chain []*mine.ObjectScope, has func(*mine.ObjectScope) bool) *mine.ObjectScope {
	for _, s := range chain {
		if has(s) {
			return s
		}
	}
	return nil
}

// addresses resolves a source or destination list. Names are looked up as
// objects first (an address object may be named like an address), then
// read as literal values.
func (m *Model) addresses(r *mine.Rule, chain []*mine.ObjectScope, members []string, neg bool) addrSpec {
	spec := addrSpec{neg: neg}
	if mine.IsAny(members) {
		spec.any = true
		return spec
	}
	var ranges []ipRange
	var visit func(name string, depth int)
	visit = func(name string, depth int) {
		if depth > 32 {
			m.warn(r, "address group nesting deeper than 32 at %q (a loop?)", name)
			spec.opaque = append(spec.opaque, "address group "+name+" (loop)")
			return
		}
		if s := findScope(chain, func(s *mine.ObjectScope) bool { _, ok := s.Addresses[name]; return ok }); s != nil {
			a := s.Addresses[name]
			if a.Kind == mine.AddressFQDN {
				spec.opaque = append(spec.opaque, "FQDN "+a.Value)
				return
			}
			lit, ok, err := parseIPValue(a.Value)
			if !ok || err != nil {
				m.warn(r, "address object %q has an unreadable value %q", name, a.Value)
				spec.opaque = append(spec.opaque, "address "+name+" (unreadable)")
				return
			}
			addLiteral(&ranges, &spec, lit)
			return
		}
		if s := findScope(chain, func(s *mine.ObjectScope) bool { _, ok := s.AddressGroups[name]; return ok }); s != nil {
			g := s.AddressGroups[name]
			if !g.Dynamic {
				for _, mem := range g.Static {
					visit(mem, depth+1)
				}
				return
			}
			m.dynamicMembers(r, chain, g, &ranges, &spec)
			return
		}
		if s := findScope(chain, func(s *mine.ObjectScope) bool { _, ok := s.ExternalLists[name]; return ok }); s != nil {
			spec.opaque = append(spec.opaque, "external dynamic list "+name)
			return
		}
		if s := findScope(chain, func(s *mine.ObjectScope) bool { return s.Regions[name] }); s != nil {
			spec.opaque = append(spec.opaque, "region "+name)
			return
		}
		lit, ok, err := parseIPValue(name)
		switch {
		case ok && err == nil:
			addLiteral(&ranges, &spec, lit)
		case ok:
			m.warn(r, "address %q: %v", name, err)
			spec.opaque = append(spec.opaque, "address "+name+" (malformed)")
		case isRegionCode(name):
			spec.opaque = append(spec.opaque, "region "+name)
		case predefinedEDL(name):
			spec.opaque = append(spec.opaque, "external dynamic list "+name)
		default:
			m.warn(r, "address %q is not defined in %s", name, scopeNames(chain))
			spec.opaque = append(spec.opaque, "unresolved address "+name)
		}
	}
	for _, mem := range members {
		visit(mem, 0)
	}
	spec.set = normalize(ranges)
	return spec
}

// dynamicMembers adds a dynamic address group's members: the address
// objects whose tags match its filter, and the registered IPs whose tags
// do. Without registered IPs (a saved configuration) membership beyond
// the tagged objects is not known.
func (m *Model) dynamicMembers(r *mine.Rule, chain []*mine.ObjectScope, g mine.AddressGroup, ranges *[]ipRange, spec *addrSpec) {
	expr, err := parseTagFilter(g.Filter)
	if err != nil {
		m.warn(r, "dynamic address group %q: %v", g.Name, err)
		spec.opaque = append(spec.opaque, "dynamic group "+g.Name+" (unreadable filter)")
		return
	}
	seen := map[string]bool{}
	for _, s := range chain {
		for name, a := range s.Addresses {
			if seen[name] {
				continue // a nearer scope's object of that name wins
			}
			seen[name] = true
			if !expr.eval(a.Tags) {
				continue
			}
			if a.Kind == mine.AddressFQDN {
				spec.opaque = append(spec.opaque, "FQDN "+a.Value)
				continue
			}
			if lit, ok, err := parseIPValue(a.Value); ok && err == nil {
				addLiteral(ranges, spec, lit)
			}
		}
	}
	if m.policy.RegisteredIPs == nil {
		spec.opaque = append(spec.opaque, "dynamic group "+g.Name+" (registered IPs not known)")
		return
	}
	for ip, tags := range m.policy.RegisteredIPs {
		if !expr.eval(tags) {
			continue
		}
		if lit, ok, err := parseIPValue(ip); ok && err == nil {
			*ranges = append(*ranges, lit.set...)
		}
	}
}

// addLiteral adds a literal's addresses: exact ranges to ranges, a
// wildcard too scattered to expand to spec.wild.
func addLiteral(ranges *[]ipRange, spec *addrSpec, lit literal) {
	if lit.wild != nil {
		spec.wild = append(spec.wild, wildMember{base: lit.wild[0], mask: lit.wild[1], bounds: lit.set})
		return
	}
	*ranges = append(*ranges, lit.set...)
}

// predefinedEDL reports whether name is one of Palo Alto Networks'
// predefined external dynamic lists (panw-highrisk-ip-list,
// panw-known-ip-list, panw-bulletproof-ip-list, panw-torexit-ip-list...),
// which no configuration defines.
func predefinedEDL(name string) bool {
	return strings.HasPrefix(name, "panw-") && strings.HasSuffix(name, "-list")
}

// isRegionCode reports whether s looks like a predefined region: a
// two-letter country code, or one of PAN-OS's special codes.
func isRegionCode(s string) bool {
	if len(s) == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z' {
		return true
	}
	return false
}

func scopeNames(chain []*mine.ObjectScope) string {
	names := make([]string, len(chain))
	for i, s := range chain {
		names[i] = s.Name
	}
	if len(names) == 0 {
		return "any scope"
	}
	return strings.Join(names, ", ")
}

// applications resolves the application list: groups (nested), filters,
// custom and predefined applications.
func (m *Model) applications(r *mine.Rule, chain []*mine.ObjectScope) appSpec {
	spec := appSpec{names: map[string]bool{}}
	if mine.IsAny(r.Application) {
		spec.any = true
		return spec
	}
	var visit func(name string, depth int)
	visit = func(name string, depth int) {
		if depth > 32 {
			m.warn(r, "application group nesting deeper than 32 at %q (a loop?)", name)
			spec.opaque = append(spec.opaque, "application group "+name+" (loop)")
			return
		}
		if s := findScope(chain, func(s *mine.ObjectScope) bool { _, ok := s.ApplicationGroups[name]; return ok }); s != nil {
			for _, mem := range s.ApplicationGroups[name] {
				visit(mem, depth+1)
			}
			return
		}
		if s := findScope(chain, func(s *mine.ObjectScope) bool { _, ok := s.ApplicationFilters[name]; return ok }); s != nil {
			f := s.ApplicationFilters[name]
			spec.filters = append(spec.filters, &f)
			return
		}
		if len(m.policy.Applications) > 0 {
			if _, ok := m.cat.lookup(name, chain); !ok && !m.cat.containers[name] {
				m.warn(r, "application %q is neither a group, a filter, a custom application nor in the device's content", name)
			}
		}
		spec.names[name] = true
	}
	for _, a := range r.Application {
		visit(a, 0)
	}
	return spec
}

// predefinedServices are PAN-OS's predefined service objects.
var predefinedServices = map[string]protoPorts{
	"service-http":  {"tcp": {{80, 80}, {8080, 8080}}},
	"service-https": {"tcp": {{443, 443}}},
}

// services resolves the service list: any, application-default, service
// objects and groups (nested), the predefined services.
func (m *Model) services(r *mine.Rule, chain []*mine.ObjectScope) svcSpec {
	spec := svcSpec{ports: protoPorts{}}
	if len(r.Service) == 0 {
		spec.any = true
		return spec
	}
	var visit func(name string, depth int)
	visit = func(name string, depth int) {
		switch name {
		case "any":
			spec.any = true
			return
		case "application-default":
			spec.appDefault = true
			return
		}
		if depth > 32 {
			m.warn(r, "service group nesting deeper than 32 at %q (a loop?)", name)
			spec.opaque = append(spec.opaque, "service group "+name+" (loop)")
			return
		}
		if s := findScope(chain, func(s *mine.ObjectScope) bool { _, ok := s.Services[name]; return ok }); s != nil {
			svc := s.Services[name]
			proto := strings.ToLower(svc.Protocol)
			dst, err := parsePorts(svc.Port)
			if err != nil {
				m.warn(r, "service %q: %v", name, err)
				spec.opaque = append(spec.opaque, "service "+name+" (unreadable)")
				return
			}
			if strings.TrimSpace(svc.SourcePort) != "" {
				src, err := parsePorts(svc.SourcePort)
				if err != nil {
					m.warn(r, "service %q source port: %v", name, err)
					spec.opaque = append(spec.opaque, "service "+name+" (unreadable)")
					return
				}
				spec.srcRestricted = append(spec.srcRestricted, restrictedService{proto, dst, src})
				return
			}
			spec.ports.add(proto, dst)
			return
		}
		if s := findScope(chain, func(s *mine.ObjectScope) bool { _, ok := s.ServiceGroups[name]; return ok }); s != nil {
			for _, mem := range s.ServiceGroups[name] {
				visit(mem, depth+1)
			}
			return
		}
		if p, ok := predefinedServices[name]; ok {
			spec.ports = spec.ports.union(p)
			return
		}
		m.warn(r, "service %q is not defined in %s", name, scopeNames(chain))
		spec.opaque = append(spec.opaque, "unresolved service "+name)
	}
	for _, s := range r.Service {
		visit(s, 0)
	}
	return spec
}

// With returns a model of the same policy with rules in place of its
// rules, in that order (for example with suggested rules above the
// catch-all). Names of rules whose Scope is scope.Name resolve first in
// scope, when it is not nil; its Parent names the scope to continue in.
func (m *Model) With(rules []mine.Rule, scope *mine.ObjectScope) *Model {
	p := *m.policy
	p.Rules = slices.Clone(rules)
	for i := range p.Rules {
		p.Rules[i].Position = i
	}
	if scope != nil {
		p.Scopes = maps.Clone(p.Scopes)
		p.Scopes[scope.Name] = scope
	}
	return Compile(&p)
}

// Service returns the service object a name means to a rule resolving in
// scope: the nearest scope's object of that name.
func (m *Model) Service(scope, name string) (mine.Service, bool) {
	for _, s := range m.chain(scope) {
		if svc, ok := s.Services[name]; ok {
			return svc, true
		}
	}
	return mine.Service{}, false
}

// IsDefaultPort reports whether port is one of app's default ports;
// known is false when mine does not know them.
func (m *Model) IsDefaultPort(scope, app, proto string, port int) (isDefault, known bool) {
	info, ok := m.cat.lookup(app, m.chain(scope))
	if !ok || info.ports == nil {
		return false, false
	}
	return info.ports.contains(strings.ToLower(proto), port), true
}

// ApplicationNames returns the applications the rules name, groups
// expanded (filters and any left out), sorted: those whose attributes and
// default ports the device's content should provide.
func (m *Model) ApplicationNames() []string {
	seen := map[string]bool{}
	for _, c := range m.rules {
		for n := range c.apps.names {
			seen[n] = true
		}
	}
	return slices.Sorted(maps.Keys(seen))
}
