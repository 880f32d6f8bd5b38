package panosim

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"
)

// maxNesting bounds how deep groups may nest; deeper nesting (or a loop)
// fails the commit.
const maxNesting = 16

// chain is a list of object scopes in lookup order, first match wins: a
// vsys then shared on a firewall; a device group, its ancestors, then
// shared on Panorama. Nil scopes are skipped.
type chain []*node

// lookup returns the first entry called name in the container at path of
// the chain's scopes.
func (ch chain) lookup(name string, path ...string) *node {
	for _, scope := range ch {
		if e := scope.at(path...).entry(name); e != nil {
			return e
		}
	}
	return nil
}

// lookupAddr resolves an address name: addresses and address groups share
// one namespace per scope, so the first scope holding either wins.
func (ch chain) lookupAddr(name string) (e *node, group bool) {
	for _, scope := range ch {
		if e := scope.child("address").entry(name); e != nil {
			return e, false
		}
		if g := scope.child("address-group").entry(name); g != nil {
			return g, true
		}
	}
	return nil, false
}

// lookupService resolves a service or service group name in the chain,
// then among the predefined services.
func (c *compiler) lookupService(ch chain, name string) (e *node, group bool) {
	for _, scope := range ch {
		if e := scope.child("service").entry(name); e != nil {
			return e, false
		}
		if g := scope.child("service-group").entry(name); g != nil {
			return g, true
		}
	}
	return c.predefined.child("service").entry(name), false
}

// addrSet is a compiled list of address members.
type addrSet struct {
	any      bool
	prefixes []netip.Prefix
	ranges   [][2]netip.Addr
	wild     []wildcard
	dyn      []*dynGroup
}

// wildcard is an ip-wildcard object: bits set in mask are "don't care".
type wildcard struct {
	base, mask [16]byte
	is4        bool
}

func (w wildcard) contains(a netip.Addr) bool {
	if a.Is4() != w.is4 {
		return false
	}
	b := a.As16()
	for i := range b {
		if b[i]&^w.mask[i] != w.base[i]&^w.mask[i] {
			return false
		}
	}
	return true
}

// dynGroup is a dynamic address group: its members are the address
// objects whose tags match the filter (resolved when the policy is
// compiled) and the IP addresses registered with matching tags (looked up
// when a flow is matched, so registrations need no commit).
type dynGroup struct {
	name   string
	filter tagExpr
	static addrSet
}

func (s *addrSet) contains(a netip.Addr, reg *ipRegistry, at int64) bool {
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
	for _, w := range s.wild {
		if w.contains(a) {
			return true
		}
	}
	for _, d := range s.dyn {
		if d.static.contains(a, reg, at) {
			return true
		}
		if reg != nil && d.filter.eval(reg.tagSet(a, at)) {
			return true
		}
	}
	return false
}

func (s *addrSet) add(o addrSet) {
	s.prefixes = append(s.prefixes, o.prefixes...)
	s.ranges = append(s.ranges, o.ranges...)
	s.wild = append(s.wild, o.wild...)
	s.dyn = append(s.dyn, o.dyn...)
}

// parseAddrValue compiles one address value: a host or CIDR (ip-netmask),
// a range "a-b" (ip-range), or "addr/mask" with a dotted or colon mask
// (ip-wildcard). It reports false for anything else.
func parseAddrValue(kind, v string, s *addrSet) bool {
	v = strings.TrimSpace(v)
	switch kind {
	case "ip-range":
		lo, hi, ok := strings.Cut(v, "-")
		if !ok {
			return false
		}
		a, err1 := netip.ParseAddr(strings.TrimSpace(lo))
		b, err2 := netip.ParseAddr(strings.TrimSpace(hi))
		if err1 != nil || err2 != nil || a.Is4() != b.Is4() || b.Less(a) {
			return false
		}
		s.ranges = append(s.ranges, [2]netip.Addr{a, b})
		return true
	case "ip-wildcard":
		base, mask, ok := strings.Cut(v, "/")
		if !ok {
			return false
		}
		a, err1 := netip.ParseAddr(base)
		m, err2 := netip.ParseAddr(mask)
		if err1 != nil || err2 != nil || a.Is4() != m.Is4() {
			return false
		}
		s.wild = append(s.wild, wildcard{base: a.As16(), mask: m.As16(), is4: a.Is4()})
		return true
	case "ip-netmask":
		if strings.Contains(v, "/") {
			p, err := netip.ParsePrefix(v)
			if err != nil {
				return false
			}
			s.prefixes = append(s.prefixes, p.Masked())
			return true
		}
		a, err := netip.ParseAddr(v)
		if err != nil {
			return false
		}
		s.prefixes = append(s.prefixes, netip.PrefixFrom(a, a.BitLen()))
		return true
	}
	return false
}

// addLiteral compiles a literal member of a rule or static group: a host,
// a CIDR or a range.
func addLiteral(s *addrSet, v string) bool {
	if strings.Contains(v, "-") {
		return parseAddrValue("ip-range", v, s)
	}
	return parseAddrValue("ip-netmask", v, s)
}

// addrKinds are the value elements of an address object, as the
// configuration names them.
var addrKinds = []string{"ip-netmask", "ip-range", "ip-wildcard", "fqdn"}

// addrs compiles the source or destination members of a rule.
func (c *compiler) addrs(ch chain, ms []string, bad func(string)) addrSet {
	var s addrSet
	if anyList(ms) {
		s.any = true
		return s
	}
	for _, m := range ms {
		if !c.addAddr(ch, &s, m, 0) {
			bad(m)
		}
	}
	return s
}

// addAddr adds the address, group or literal m to s; false when m
// resolves to nothing valid.
func (c *compiler) addAddr(ch chain, s *addrSet, m string, depth int) bool {
	if depth > maxNesting {
		return false
	}
	e, group := ch.lookupAddr(m)
	switch {
	case e == nil:
		return addLiteral(s, m)
	case !group:
		return c.addrObject(e, s)
	case e.child("dynamic") != nil:
		expr, err := parseTagFilter(e.at("dynamic").textOf("filter"))
		if err != nil {
			return false
		}
		d := &dynGroup{name: e.attr("name"), filter: expr}
		for _, scope := range ch {
			for _, a := range scope.child("address").entries() {
				if expr.eval(tagsOf(a)) {
					c.addrObject(a, &d.static)
				}
			}
		}
		s.dyn = append(s.dyn, d)
		return true
	default:
		ok := true
		for _, mm := range e.child("static").members() {
			if !c.addAddr(ch, s, mm, depth+1) {
				ok = false
			}
		}
		return ok
	}
}

// addrObject compiles one address object; an fqdn resolves through the
// device's resolver table (to nothing when it does not resolve, as a
// device whose DNS has no answer).
func (c *compiler) addrObject(e *node, s *addrSet) bool {
	for _, kind := range addrKinds {
		v := e.child(kind)
		if v == nil {
			continue
		}
		if kind == "fqdn" {
			if v.text == "" {
				return false
			}
			if c.env != nil {
				for _, a := range c.env.fqdn[strings.ToLower(v.text)] {
					s.prefixes = append(s.prefixes, netip.PrefixFrom(a, a.BitLen()))
				}
			}
			return true
		}
		return parseAddrValue(kind, v.text, s)
	}
	return false
}

func tagsOf(e *node) func(string) bool {
	tags := e.child("tag").members()
	return func(t string) bool { return slices.Contains(tags, t) }
}

// tagExpr is a parsed dynamic address group filter.
type tagExpr interface {
	eval(has func(string) bool) bool
}

type tagLeaf string

func (t tagLeaf) eval(has func(string) bool) bool { return has(string(t)) }

type tagAnd []tagExpr

func (t tagAnd) eval(has func(string) bool) bool {
	for _, e := range t {
		if !e.eval(has) {
			return false
		}
	}
	return true
}

type tagOr []tagExpr

func (t tagOr) eval(has func(string) bool) bool {
	for _, e := range t {
		if e.eval(has) {
			return true
		}
	}
	return false
}

// errMatchCriteria is the commit error of a filter that does not parse,
// worded as PAN-OS words it.
var errMatchCriteria = errors.New("Invalid match criteria")

// parseTagFilter parses a dynamic address group filter: tags quoted with
// ' or " (or bare words without spaces), joined by and / or (either case),
// with parentheses; and binds tighter than or.
func parseTagFilter(s string) (tagExpr, error) {
	toks, err := tagTokens(s)
	if err != nil {
		return nil, err
	}
	p := &tagParser{toks: toks}
	e, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.i != len(p.toks) {
		return nil, fmt.Errorf("%w: unexpected %q", errMatchCriteria, p.toks[p.i].text)
	}
	return e, nil
}

type tagToken struct {
	text string
	tag  bool // a tag name, not an operator or parenthesis
}

func tagTokens(s string) ([]tagToken, error) {
	var out []tagToken
	for i := 0; i < len(s); {
		switch ch := s[i]; {
		case ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r':
			i++
		case ch == '(' || ch == ')':
			out = append(out, tagToken{text: string(ch)})
			i++
		case ch == '\'' || ch == '"':
			j := strings.IndexByte(s[i+1:], ch)
			if j < 0 {
				return nil, fmt.Errorf("%w: unterminated quote", errMatchCriteria)
			}
			if j == 0 {
				return nil, fmt.Errorf("%w: empty tag", errMatchCriteria)
			}
			out = append(out, tagToken{text: s[i+1 : i+1+j], tag: true})
			i += j + 2
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t\n\r()'\"", rune(s[j])) {
				j++
			}
			w := s[i:j]
			switch strings.ToLower(w) {
			case "and", "or":
				out = append(out, tagToken{text: strings.ToLower(w)})
			default:
				out = append(out, tagToken{text: w, tag: true})
			}
			i = j
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: empty filter", errMatchCriteria)
	}
	return out, nil
}

type tagParser struct {
	toks []tagToken
	i    int
}

func (p *tagParser) peek(op string) bool {
	return p.i < len(p.toks) && !p.toks[p.i].tag && p.toks[p.i].text == op
}

func (p *tagParser) or() (tagExpr, error) {
	var terms tagOr
	for {
		t, err := p.and()
		if err != nil {
			return nil, err
		}
		terms = append(terms, t)
		if !p.peek("or") {
			break
		}
		p.i++
	}
	if len(terms) == 1 {
		return terms[0], nil
	}
	return terms, nil
}

func (p *tagParser) and() (tagExpr, error) {
	var terms tagAnd
	for {
		t, err := p.factor()
		if err != nil {
			return nil, err
		}
		terms = append(terms, t)
		if !p.peek("and") {
			break
		}
		p.i++
	}
	if len(terms) == 1 {
		return terms[0], nil
	}
	return terms, nil
}

func (p *tagParser) factor() (tagExpr, error) {
	if p.i >= len(p.toks) {
		return nil, fmt.Errorf("%w: filter ends early", errMatchCriteria)
	}
	t := p.toks[p.i]
	switch {
	case t.tag:
		p.i++
		return tagLeaf(t.text), nil
	case t.text == "(":
		p.i++
		e, err := p.or()
		if err != nil {
			return nil, err
		}
		if !p.peek(")") {
			return nil, fmt.Errorf("%w: missing )", errMatchCriteria)
		}
		p.i++
		return e, nil
	}
	return nil, fmt.Errorf("%w: unexpected %q", errMatchCriteria, t.text)
}

// portRange is an inclusive port range.
type portRange struct{ lo, hi int }

// svcSpec is one compiled service object: a protocol, its destination
// ports and, when the object sets source-port, the source ports.
type svcSpec struct {
	proto string
	dst   []portRange
	src   []portRange // nil: any source port
}

func inRanges(rs []portRange, p int) bool {
	for _, r := range rs {
		if p >= r.lo && p <= r.hi {
			return true
		}
	}
	return false
}

// parsePortList parses "80,8080,8000-8100"; false on anything else.
func parsePortList(spec string) ([]portRange, bool) {
	if strings.TrimSpace(spec) == "" {
		return nil, false
	}
	var out []portRange
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(strings.TrimSpace(lo))
		if err != nil || a < 0 || a > 65535 {
			return nil, false
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(strings.TrimSpace(hi)); err != nil || b < a || b > 65535 {
				return nil, false
			}
		}
		out = append(out, portRange{a, b})
	}
	return out, true
}

// serviceProtocols are the protocol elements of a service object.
var serviceProtocols = []string{"tcp", "udp", "sctp"}

// services compiles a service member (object, group or predefined);
// false when it resolves to nothing valid.
func (c *compiler) services(ch chain, name string, depth int, out *[]svcSpec) bool {
	if depth > maxNesting {
		return false
	}
	e, group := c.lookupService(ch, name)
	if e == nil {
		return false
	}
	if group {
		ok := true
		for _, m := range e.child("members").members() {
			if !c.services(ch, m, depth+1, out) {
				ok = false
			}
		}
		return ok
	}
	for _, proto := range serviceProtocols {
		p := e.at("protocol", proto)
		if p == nil {
			continue
		}
		dst, ok := parsePortList(p.textOf("port"))
		if !ok {
			return false
		}
		sp := svcSpec{proto: proto, dst: dst}
		if v := p.child("source-port"); v != nil {
			if sp.src, ok = parsePortList(v.text); !ok {
				return false
			}
		}
		*out = append(*out, sp)
		return true
	}
	return false
}

// appAttrs is what application filters select on.
type appAttrs struct {
	name        string
	category    string
	subcategory string
	technology  string
	risk        string
	chars       map[string]bool
	tags        []string
	ports       []string
	ipProto     string
}

func readApp(e *node) *appAttrs {
	a := &appAttrs{
		name: e.attr("name"), category: e.textOf("category"), subcategory: e.textOf("subcategory"),
		technology: e.textOf("technology"), risk: e.textOf("risk"), chars: map[string]bool{},
		tags: e.child("tag").members(), ports: e.at("default", "port").members(),
		ipProto: e.at("default").textOf("ident-by-ip-protocol"),
	}
	for _, ch := range appCharacteristics {
		if e.textOf(ch) == "yes" {
			a.chars[ch] = true
		}
	}
	return a
}

// appFilter is a compiled application filter: every non-empty list must
// contain the application's value, every flag set must be set on the
// application, and excluded applications are left out.
type appFilter struct {
	lists   map[string][]string // category, subcategory, technology, risk
	flags   []string            // characteristic element names
	tags    []string
	exclude []string
}

func compileAppFilter(e *node) appFilter {
	f := appFilter{lists: map[string][]string{}}
	for _, k := range []string{"category", "subcategory", "technology", "risk"} {
		if ms := e.child(k).members(); len(ms) > 0 {
			f.lists[k] = ms
		}
	}
	for flag, char := range filterCharacteristic {
		if e.textOf(flag) == "yes" {
			f.flags = append(f.flags, char)
		}
	}
	f.tags = e.at("tagging", "tag").members()
	f.exclude = e.child("exclude").members()
	return f
}

func (f appFilter) selects(a *appAttrs) bool {
	vals := map[string]string{"category": a.category, "subcategory": a.subcategory, "technology": a.technology, "risk": a.risk}
	for k, list := range f.lists {
		if !slices.Contains(list, vals[k]) {
			return false
		}
	}
	for _, ch := range f.flags {
		if !a.chars[ch] {
			return false
		}
	}
	if len(f.tags) > 0 && !slices.ContainsFunc(f.tags, func(t string) bool { return slices.Contains(a.tags, t) }) {
		return false
	}
	return !slices.Contains(f.exclude, a.name)
}

// appsVisible returns the applications a chain can name: its custom
// applications (first scope wins) and the predefined ones.
func (c *compiler) appsVisible(ch chain) []*appAttrs {
	seen := map[string]bool{}
	var out []*appAttrs
	for _, scope := range ch {
		for _, e := range scope.child("application").entries() {
			if n := e.attr("name"); !seen[n] {
				seen[n] = true
				out = append(out, readApp(e))
			}
		}
	}
	for _, a := range c.predefinedApps() {
		if !seen[a.name] {
			out = append(out, a)
		}
	}
	return out
}

func (c *compiler) predefinedApps() []*appAttrs {
	if c.predApps == nil {
		for _, e := range c.predefined.child("application").entries() {
			c.predApps = append(c.predApps, readApp(e))
		}
	}
	return c.predApps
}

// expandApp adds the applications an application member stands for;
// false when it names nothing.
func (c *compiler) expandApp(ch chain, name string, into map[string]bool, depth int) bool {
	if depth > maxNesting {
		return false
	}
	if g := ch.lookup(name, "application-group"); g != nil {
		ok := true
		for _, m := range g.child("members").members() {
			if !c.expandApp(ch, m, into, depth+1) {
				ok = false
			}
		}
		return ok
	}
	if f := ch.lookup(name, "application-filter"); f != nil {
		af := compileAppFilter(f)
		for _, a := range c.appsVisible(ch) {
			if af.selects(a) {
				into[a.name] = true
			}
		}
		return true
	}
	if ch.lookup(name, "application") != nil || c.predefined.child("application").entry(name) != nil {
		into[name] = true
		return true
	}
	return false
}

// appDefaults returns the default ports of the applications visible to
// the chain, for service application-default.
func (c *compiler) appDefaults(ch chain) map[string]*appAttrs {
	out := map[string]*appAttrs{}
	for _, a := range c.appsVisible(ch) {
		out[a.name] = a
	}
	return out
}

// urlCategories are the predefined URL categories a rule may name.
var urlCategories = strings.Fields(`abortion abused-drugs adult alcohol-and-tobacco artificial-intelligence
	auctions business-and-economy command-and-control computer-and-internet-info content-delivery-networks
	copyright-infringement cryptocurrency dating dynamic-dns educational-institutions entertainment-and-arts
	extremism financial-services gambling games government grayware hacking health-and-medicine
	home-and-garden hunting-and-fishing insufficient-content internet-communications-and-telephony
	internet-portals job-search legal malware military motor-vehicles music newly-registered-domain news
	not-resolved nudity online-storage-and-backup parked peer-to-peer personal-sites-and-blogs
	philosophy-and-political-advocacy phishing private-ip-addresses proxy-avoidance-and-anonymizers
	questionable real-estate real-time-detection recreation-and-hobbies reference-and-research religion
	search-engines sex-education shareware-and-freeware shopping social-networking society sports
	stock-advice-and-tools streaming-media swimsuits-and-intimate-apparel training-and-tools translation
	travel unknown weapons web-advertisements web-based-email web-hosting high-risk medium-risk low-risk`)

// hostMatches reports whether a custom URL category entry ("host",
// "host/path", "*.domain", "domain/") covers a URL host.
func hostMatches(pattern, host string) bool {
	p := strings.ToLower(strings.TrimSpace(pattern))
	p, _, _ = strings.Cut(p, "/")
	host = strings.ToLower(host)
	if rest, ok := strings.CutPrefix(p, "*."); ok {
		return strings.HasSuffix(host, "."+rest)
	}
	return p != "" && p == host
}

// minuteRange is a daily time range, minutes after local midnight,
// inclusive of its last minute ("08:00-17:00" covers 08:00:00 through
// 17:00:59).
type minuteRange struct{ lo, hi int }

// schedule is a compiled schedule object, evaluated on the device's clock
// in its time zone.
type schedule struct {
	daily  []minuteRange
	weekly [7][]minuteRange
	weekOn bool
	once   [][2]int64 // wall-clock seconds (see wallClock), inclusive
}

var weekdays = []string{"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"}

// errScheduleOrder is the commit error of a range that ends before it
// starts, worded as PAN-OS words it.
var errScheduleOrder = errors.New("The end time should be later than start time")

func parseMinuteRange(s string) (minuteRange, error) {
	lo, hi, ok := strings.Cut(strings.TrimSpace(s), "-")
	a, err1 := parseHHMM(lo)
	b, err2 := parseHHMM(hi)
	if !ok || err1 != nil || err2 != nil {
		return minuteRange{}, fmt.Errorf("time range %q is not hh:mm-hh:mm", s)
	}
	if b <= a {
		return minuteRange{}, fmt.Errorf("%w: %s", errScheduleOrder, s)
	}
	return minuteRange{a, b}, nil
}

func parseHHMM(s string) (int, error) {
	h, m, ok := strings.Cut(s, ":")
	if !ok || len(h) != 2 || len(m) != 2 {
		return 0, errors.New("not hh:mm")
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hh > 23 || mm > 59 || hh < 0 || mm < 0 {
		return 0, errors.New("not hh:mm")
	}
	return hh*60 + mm, nil
}

// compileSchedule reads schedule-type/recurring/{daily|weekly/<day>} and
// schedule-type/non-recurring members.
func compileSchedule(e *node) (*schedule, error) {
	st := e.child("schedule-type")
	if st == nil {
		return nil, errors.New("schedule-type is missing")
	}
	s := &schedule{}
	rec := st.child("recurring")
	for _, m := range rec.child("daily").members() {
		r, err := parseMinuteRange(m)
		if err != nil {
			return nil, err
		}
		s.daily = append(s.daily, r)
	}
	if w := rec.child("weekly"); w != nil {
		s.weekOn = true
		for i, day := range weekdays {
			for _, m := range w.child(day).members() {
				r, err := parseMinuteRange(m)
				if err != nil {
					return nil, err
				}
				s.weekly[i] = append(s.weekly[i], r)
			}
		}
	}
	for _, m := range st.child("non-recurring").members() {
		lo, hi, ok := strings.Cut(m, "-")
		a, err1 := time.Parse("2006/01/02@15:04", strings.TrimSpace(lo))
		b, err2 := time.Parse("2006/01/02@15:04", strings.TrimSpace(hi))
		if !ok || err1 != nil || err2 != nil {
			return nil, fmt.Errorf("date range %q is not YYYY/MM/DD@hh:mm-YYYY/MM/DD@hh:mm", m)
		}
		if !b.After(a) {
			return nil, fmt.Errorf("%w: %s", errScheduleOrder, m)
		}
		s.once = append(s.once, [2]int64{a.Unix(), b.Unix() + 59})
	}
	if len(s.daily) == 0 && !s.weekOn && len(s.once) == 0 {
		return nil, errors.New("schedule has no time range")
	}
	return s, nil
}

// active reports whether the schedule covers the instant (unix
// milliseconds) on a device in loc.
func (s *schedule) active(at int64, loc *time.Location) bool {
	t := time.UnixMilli(at).In(loc)
	mins := t.Hour()*60 + t.Minute()
	in := func(rs []minuteRange) bool {
		for _, r := range rs {
			if mins >= r.lo && mins <= r.hi {
				return true
			}
		}
		return false
	}
	if in(s.daily) || (s.weekOn && in(s.weekly[t.Weekday()])) {
		return true
	}
	wall := wallClock(t, loc)
	for _, r := range s.once {
		if wall >= r[0] && wall <= r[1] {
			return true
		}
	}
	return false
}
