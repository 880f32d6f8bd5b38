package correlate

import (
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/panos-mine/mine"
)

// builtinAppDefaults are the default ports of the applications mine meets
// most on catch-all rules ("tcp/8080"), as App-ID content declares them. A
// rule with service application-default allows an application on these
// ports only. Input.AppDefaults extends or overrides the table, for
// example with the device's /config/predefined/application.
var builtinAppDefaults = map[string][]string{
	"web-browsing": {"tcp/80"},
	"ssl":          {"tcp/443"},
	"ssh":          {"tcp/22"},
	"dns":          {"tcp/53", "udp/53"},
	"jenkins":      {"tcp/8080"},
	"jira":         {"tcp/8080"},
	"confluence":   {"tcp/8090"},
	"gitlab":       {"tcp/80", "tcp/443"},
	"grafana":      {"tcp/3000"},
	"mssql-db":     {"tcp/1433"},
	"ftp":          {"tcp/21"},
	"ntp":          {"udp/123"},
	"ms-rdp":       {"tcp/3389"},
	"smtp":         {"tcp/25"},
	"ldap":         {"tcp/389"},
}

// appDefaults answers whether a port is one of an application's defaults.
type appDefaults map[string][]string

func newAppDefaults(extra map[string][]string) appDefaults {
	d := make(appDefaults, len(builtinAppDefaults)+len(extra))
	for k, v := range builtinAppDefaults {
		d[k] = v
	}
	for k, v := range extra {
		d[k] = v
	}
	return d
}

// known reports whether the table knows the application's defaults.
func (d appDefaults) known(app string) bool { _, ok := d[app]; return ok }

func (d appDefaults) isDefault(app, proto string, port int) bool {
	return slices.Contains(d[app], protoOr(proto)+"/"+strconv.Itoa(port))
}

func protoOr(p string) string {
	if p == "" {
		return "tcp"
	}
	return strings.ToLower(p)
}

// portRange is a protocol and an inclusive port range.
type portRange struct {
	proto  string
	lo, hi int
}

// addrMatch is a compiled address list.
type addrMatch struct {
	any      bool
	prefixes []netip.Prefix
	ranges   [][2]netip.Addr
}

func (m *addrMatch) contains(s string) bool {
	if m.any {
		return true
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return false
	}
	return m.containsAddr(a.Unmap())
}

// containsAddr is contains for a parsed address (the zero Addr for a
// source or destination that is not an address).
func (m *addrMatch) containsAddr(a netip.Addr) bool {
	if m.any {
		return true
	}
	if !a.IsValid() {
		return false
	}
	for _, p := range m.prefixes {
		if p.Contains(a) {
			return true
		}
	}
	for _, r := range m.ranges {
		if a.Compare(r[0]) >= 0 && a.Compare(r[1]) <= 0 {
			return true
		}
	}
	return false
}

// compileAddrs compiles members that are any, addresses, prefixes or
// ranges; ok is false when a member is an object name mine cannot resolve.
func compileAddrs(ms []string) (addrMatch, bool) {
	if mine.IsAny(ms) {
		return addrMatch{any: true}, true
	}
	var m addrMatch
	for _, v := range ms {
		if lo, hi, isRange := strings.Cut(v, "-"); isRange {
			a, err1 := netip.ParseAddr(strings.TrimSpace(lo))
			b, err2 := netip.ParseAddr(strings.TrimSpace(hi))
			if err1 != nil || err2 != nil {
				return m, false
			}
			m.ranges = append(m.ranges, [2]netip.Addr{a.Unmap(), b.Unmap()})
			continue
		}
		if strings.Contains(v, "/") {
			p, err := netip.ParsePrefix(v)
			if err != nil {
				return m, false
			}
			m.prefixes = append(m.prefixes, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(v)
		if err != nil {
			return m, false
		}
		a = a.Unmap()
		m.prefixes = append(m.prefixes, netip.PrefixFrom(a, a.BitLen()))
	}
	return m, true
}

// matcher is a security rule compiled for replaying logged flows: what mine
// can tell from the rule's members. Rules with members mine cannot resolve
// (address or service objects, application groups) do not compile.
type matcher struct {
	name             string
	from, to         []string // nil means any
	src, dst         addrMatch
	negSrc, negDst   bool
	apps             []string // nil means any
	svcAny, svcAppDf bool
	ports            []portRange
	defaults         appDefaults
}

// compileRule compiles a rule; ok is false when a member cannot be
// resolved.
func compileRule(r *mine.Rule, defaults appDefaults) (*matcher, bool) {
	m := &matcher{name: r.Name, negSrc: r.NegateSource, negDst: r.NegateDestination, defaults: defaults}
	if !mine.IsAny(r.From) {
		m.from = r.From
	}
	if !mine.IsAny(r.To) {
		m.to = r.To
	}
	var ok bool
	if m.src, ok = compileAddrs(r.Source); !ok {
		return nil, false
	}
	if m.dst, ok = compileAddrs(r.Destination); !ok {
		return nil, false
	}
	if !mine.IsAny(r.Application) {
		m.apps = r.Application
	}
	if len(r.Service) == 0 {
		m.svcAny = true
	}
	for _, s := range r.Service {
		switch s {
		case "any":
			m.svcAny = true
		case "application-default":
			m.svcAppDf = true
		case "service-http":
			m.ports = append(m.ports, portRange{"tcp", 80, 80}, portRange{"tcp", 8080, 8080})
		case "service-https":
			m.ports = append(m.ports, portRange{"tcp", 443, 443})
		default:
			pr, ok := parseServiceName(s)
			if !ok {
				return nil, false
			}
			m.ports = append(m.ports, pr)
		}
	}
	return m, true
}

// parseServiceName reads the service object names mine creates
// (tcp-8080, udp-53).
func parseServiceName(s string) (portRange, bool) {
	proto, port, ok := strings.Cut(s, "-")
	if !ok || (proto != "tcp" && proto != "udp") {
		return portRange{}, false
	}
	p, err := strconv.Atoi(port)
	if err != nil || p < 1 || p > 65535 {
		return portRange{}, false
	}
	return portRange{proto, p, p}, true
}

// flow is one logged flow to replay.
type flow struct {
	from, to, app, proto string
	src, dst             netip.Addr // zero when the log's field is not an address
	port                 int
}

// parseAddr parses a log's address field; the zero Addr when it is none.
func parseAddr(s string) netip.Addr {
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap()
}

func (m *matcher) matches(f flow) bool {
	if m.from != nil && !slices.Contains(m.from, f.from) || m.to != nil && !slices.Contains(m.to, f.to) {
		return false
	}
	if m.src.containsAddr(f.src) == m.negSrc || m.dst.containsAddr(f.dst) == m.negDst {
		return false
	}
	if m.apps != nil && !slices.Contains(m.apps, f.app) {
		return false
	}
	if m.svcAny || m.svcAppDf && m.defaults.isDefault(f.app, f.proto, f.port) {
		return true
	}
	for _, pr := range m.ports {
		if pr.proto == protoOr(f.proto) && f.port >= pr.lo && f.port <= pr.hi {
			return true
		}
	}
	return false
}
