package correlate

import (
	"cmp"
	"fmt"
	"hash/fnv"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/panos-mine/mine"
	"github.com/panos-mine/mine/policy"
)

// Suggestion evidence limits.
const (
	// dominantHostShare is the share of a server's successful responses one
	// host name must carry for servers answering it to share a rule, and
	// for the name to back a custom App-ID.
	dominantHostShare = 0.9
	maxTemplates      = 10 // URL templates listed per suggestion
	maxExamples       = 3  // raw URLs per template
	maxRuleName       = 63 // PAN-OS security rule names
)

type portKey struct {
	proto string
	port  int
}

// svcGroup is one suggestion in the making: a catch-all rule's successful
// (2xx) traffic from ordinary clients to one or more servers of one
// application in one destination zone.
type svcGroup struct {
	rule, to, app string
	dsts          []string
	host          string // dominant host name, "" when none
	from          map[string]bool
	sources       map[string]bool
	ports         map[portKey]bool
	ok            span
	responses     int64
	redirects     int64
	urls          map[string]int64 // raw URLs answered 2xx
	sessions      int64
	bytes         int64

	name string
	// coveredBy is an enabled rule above the catch-all that already
	// matches all of the group's traffic; coveredAt when it last changed.
	coveredBy string
	coveredAt time.Time
	// existing is a disabled rule above the catch-all that matches, or a
	// rule that already has the group's name.
	existing string
}

type serverKey struct{ rule, to, dst, app string }

// serviceGroups gathers the catch-all's successful traffic from
// non-scanners into groups, one per server and application, then merges
// servers that answer the same host name on the same ports.
func (x *analysis) serviceGroups() []*svcGroup {
	a := x.a
	byServer := map[serverKey]*svcGroup{}
	for k, f := range a.resp {
		if f.okN == 0 || x.isScanner[k.src] || !isAppID(k.app) {
			continue
		}
		sk := serverKey{k.rule, k.to, k.dst, k.app}
		g := byServer[sk]
		if g == nil {
			g = &svcGroup{rule: k.rule, to: k.to, app: k.app, dsts: []string{k.dst},
				from: map[string]bool{}, sources: map[string]bool{}, ports: map[portKey]bool{}, urls: map[string]int64{}}
			byServer[sk] = g
		}
		g.ok.merge(f.ok)
		g.responses += f.okN
		g.redirects += f.redirects
		g.from[k.from] = true
		g.sources[k.src] = true
		g.ports[portKey{protoOr(k.proto), k.port}] = true
		for u, n := range f.urls {
			g.urls[u] += n
		}
	}
	// Redirects of clients that never got a 2xx from the server count too.
	for k, f := range a.resp {
		if f.okN > 0 || f.redirects == 0 || x.isScanner[k.src] {
			continue
		}
		if g := byServer[serverKey{k.rule, k.to, k.dst, k.app}]; g != nil {
			g.redirects += f.redirects
		}
	}
	for k, s := range a.sessions {
		if x.isScanner[k.src] {
			continue
		}
		if g := byServer[serverKey{k.rule, k.to, k.dst, k.app}]; g != nil && g.ports[portKey{protoOr(k.proto), k.port}] {
			g.sessions += s.sessions
			g.bytes += s.bytes
		}
	}
	for _, g := range byServer {
		g.host = x.dominantHost(g.urls)
	}

	// Servers answering one host name for one application on the same
	// ports and zones are one service (a farm behind a name).
	type farmKey struct{ rule, to, app, host, from, ports string }
	farms := map[farmKey]*svcGroup{}
	var out []*svcGroup
	for _, sk := range sortedServerKeys(byServer) {
		g := byServer[sk]
		if g.host == "" {
			out = append(out, g)
			continue
		}
		fk := farmKey{g.rule, g.to, g.app, g.host, strings.Join(sortedKeys(g.from), ","), portsSig(g.ports)}
		f := farms[fk]
		if f == nil {
			farms[fk] = g
			out = append(out, g)
			continue
		}
		f.dsts = append(f.dsts, g.dsts...)
		f.ok.merge(g.ok)
		f.responses += g.responses
		f.redirects += g.redirects
		f.sessions += g.sessions
		f.bytes += g.bytes
		for s := range g.sources {
			f.sources[s] = true
		}
		for u, n := range g.urls {
			f.urls[u] += n
		}
	}
	for _, g := range out {
		sortAddrs(g.dsts)
	}
	slices.SortFunc(out, func(p, q *svcGroup) int {
		if c := cmp.Compare(q.responses, p.responses); c != 0 {
			return c
		}
		if c := compareAddr(p.dsts[0], q.dsts[0]); c != 0 {
			return c
		}
		if c := cmp.Compare(p.app, q.app); c != 0 {
			return c
		}
		if c := cmp.Compare(p.rule, q.rule); c != 0 {
			return c
		}
		return cmp.Compare(p.to, q.to)
	})
	x.nameGroups(out)
	for _, g := range out {
		x.existingCover(g)
	}
	return out
}

func sortedServerKeys(m map[serverKey]*svcGroup) []serverKey {
	out := make([]serverKey, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.SortFunc(out, func(p, q serverKey) int {
		if c := cmp.Compare(p.rule, q.rule); c != 0 {
			return c
		}
		if c := cmp.Compare(p.to, q.to); c != 0 {
			return c
		}
		if c := cmp.Compare(p.app, q.app); c != 0 {
			return c
		}
		return compareAddr(p.dst, q.dst)
	})
	return out
}

func portsSig(ports map[portKey]bool) string {
	var s []string
	for _, p := range sortedPorts(ports) {
		s = append(s, p.proto+"/"+strconv.Itoa(p.port))
	}
	return strings.Join(s, ",")
}

func sortedPorts(ports map[portKey]bool) []portKey {
	out := make([]portKey, 0, len(ports))
	for p := range ports {
		out = append(out, p)
	}
	slices.SortFunc(out, func(p, q portKey) int {
		if c := cmp.Compare(p.port, q.port); c != 0 {
			return c
		}
		return cmp.Compare(p.proto, q.proto)
	})
	return out
}

// dominantHost returns the host name that carries at least
// dominantHostShare of the responses, or "" (an address is not a name).
func (x *analysis) dominantHost(urls map[string]int64) string {
	var total int64
	hosts := map[string]int64{}
	for u, n := range urls {
		hosts[x.tp.get(u).host] += n
		total += n
	}
	for h, n := range hosts {
		if h == "" || float64(n) < dominantHostShare*float64(total) {
			continue
		}
		if _, err := netip.ParseAddr(strings.Trim(hostOnly(h), "[]")); err == nil {
			return ""
		}
		return h
	}
	return ""
}

// hostOnly strips a port from host[:port].
func hostOnly(h string) string {
	if strings.HasPrefix(h, "[") {
		if i := strings.IndexByte(h, ']'); i >= 0 {
			return h[:i+1]
		}
	}
	if i := strings.LastIndexByte(h, ':'); i >= 0 && strings.Count(h, ":") == 1 {
		return h[:i]
	}
	return h
}

// nameGroups gives every group a stable rule name: mine-<app>-<server>,
// where the server is the address (or the host name of a farm), within
// PAN-OS's 63 characters. Names that would collide get a suffix derived
// from what distinguishes them, never from their order.
func (x *analysis) nameGroups(gs []*svcGroup) {
	seen := map[string]int{}
	for _, g := range gs {
		server := g.dsts[0]
		if len(g.dsts) > 1 {
			server = hostOnly(g.host)
		}
		g.name = ruleName("mine-"+g.app+"-"+server, "")
		seen[g.name]++
	}
	for _, g := range gs {
		if seen[g.name] > 1 {
			g.name = ruleName(g.name, g.rule+"|"+g.to+"|"+strings.Join(g.dsts, ","))
		}
	}
}

// ruleName makes a valid rule name of base: characters PAN-OS accepts,
// dots as dashes, at most maxRuleName long. With salt, or when base is too
// long, a short hash keeps names apart.
func ruleName(base, salt string) string {
	var b strings.Builder
	for _, c := range base {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_':
			b.WriteRune(c)
		default:
			b.WriteByte('-')
		}
	}
	n := b.String()
	if salt == "" && len(n) <= maxRuleName {
		return n
	}
	h := fnv.New32a()
	h.Write([]byte(base + "\x00" + salt))
	suffix := fmt.Sprintf("-%08x", h.Sum32())
	if len(n) > maxRuleName-len(suffix) {
		n = n[:maxRuleName-len(suffix)]
	}
	return n + suffix
}

// existingCover looks for rules above the catch-all that already carry
// all of the group's traffic, first match wins: enabled ones carry it from
// now on (the logged traffic predates them), a disabled one that would is
// waiting to be enabled.
func (x *analysis) existingCover(g *svcGroup) {
	if r := x.byName[g.name]; r != nil {
		g.existing = r.Name
	}
	keys := x.groupFlows(g)
	base := &replay{m: x.model, caIndex: x.caIndex, device: x.device}
	coveredBy := ""
	for _, k := range keys {
		o := base.whereKey(k)
		if o.covered == "" {
			coveredBy = ""
			break
		}
		if coveredBy == "" {
			coveredBy = o.covered
		}
	}
	if coveredBy != "" {
		g.coveredBy = coveredBy
		if h, ok := x.hits[coveredBy]; ok {
			g.coveredAt = h.Modified
			if h.Created.After(g.coveredAt) {
				g.coveredAt = h.Created
			}
		}
		return
	}
	if g.existing != "" {
		return
	}
	for _, r := range x.above[g.rule] {
		if !r.Disabled || r.Action != "allow" {
			continue
		}
		i := x.model.Index(r.Name)
		if !slices.ContainsFunc(keys, func(k flowKey) bool { return x.model.Match(i, flowOf(k)).Verdict != policy.Matches }) {
			g.existing = r.Name
			return
		}
	}
}

// groupFlows are the flows a group stands for: every zone, source,
// destination and port seen.
func (x *analysis) groupFlows(g *svcGroup) []flowKey {
	var out []flowKey
	for _, from := range sortedKeys(g.from) {
		for src := range g.sources {
			for _, dst := range g.dsts {
				for p := range g.ports {
					out = append(out, flowKey{rule: g.rule, from: from, to: g.to, dst: dst, app: g.app, proto: p.proto, port: p.port, src: src})
				}
			}
		}
	}
	return out
}

// suggestions turns the groups no enabled rule covers yet into suggested
// rules with their evidence and configuration.
func (x *analysis) suggestions(gs []*svcGroup, totals mine.Totals) []mine.Suggestion {
	out := make([]mine.Suggestion, 0, len(gs))
	for _, g := range gs {
		if g.coveredBy != "" {
			continue
		}
		s := mine.Suggestion{
			Name:            g.name,
			From:            sortedKeys(g.from),
			To:              []string{g.to},
			Destination:     slices.Clone(g.dsts),
			Application:     []string{g.app},
			Responses:       g.responses,
			Redirects:       g.redirects,
			URLs:            len(g.urls),
			DistinctSources: len(g.sources),
			FirstSeen:       g.ok.first,
			LastSeen:        g.ok.last,
			CatchAllRule:    g.rule,
			Sessions:        g.sessions,
			Bytes:           g.bytes,
			ExistingRule:    g.existing,
		}
		ports := sortedPorts(g.ports)
		for _, p := range ports {
			s.Ports = append(s.Ports, p.port)
		}
		s.Service = x.service(g, ports)
		srcs := sortedKeys(g.sources)
		sortAddrs(srcs)
		if s.Source = summarizeSources(srcs, maxSourceCIDRs); s.Source == nil {
			s.Source = []string{"any"}
		}
		if s.Sessions == 0 {
			s.Sessions = s.Responses // no traffic logs: each response stands for at most one session
		}
		switch {
		case totals.CatchAllSessions > 0:
			s.Share = share(g.sessions, totals.CatchAllSessions)
		case totals.CatchAllResponses > 0:
			s.Share = share(g.responses, totals.CatchAllResponses)
		}
		s.TopURLs = top(g.urls, topURLs)
		s.URLTemplates = x.templates(g.urls, maxTemplates)
		x.render(&s)
		out = append(out, s)
	}
	return out
}

func share(n, total int64) float64 {
	if total <= 0 {
		return 0
	}
	return float64(n) / float64(total)
}

// service is application-default when the application's default ports
// (from the device's content, or mine's built-in table) include every
// observed port, otherwise the explicit ports as service objects.
func (x *analysis) service(g *svcGroup, ports []portKey) []string {
	scope := x.scopeOf(g.rule)
	if len(ports) > 0 {
		all := true
		for _, p := range ports {
			if def, known := x.model.IsDefaultPort(scope, g.app, p.proto, p.port); !def || !known {
				all = false
			}
		}
		if all {
			return []string{"application-default"}
		}
	}
	out := make([]string, len(ports))
	for i, p := range ports {
		out[i] = x.serviceObject(scope, p)
	}
	return out
}

// scopeOf is where a catch-all rule's names resolve.
func (x *analysis) scopeOf(caName string) string {
	if ca := x.caRule[caName]; ca != nil && ca.Scope != "" {
		return ca.Scope
	}
	return "shared"
}

// serviceObject names the service object for one port: tcp-8080, unless
// the catch-all's scopes already hold a service of that name that means
// something else (say tcp-8080 on port 8443): then mine-tcp-8080, or
// mine-tcp-8080-2 and so on. The set commands never change an object the
// administrator made.
func (x *analysis) serviceObject(scope string, p portKey) string {
	base := serviceName(p)
	for n := 0; ; n++ {
		name := base
		switch {
		case n == 1:
			name = "mine-" + base
		case n > 1:
			name = fmt.Sprintf("mine-%s-%d", base, n)
		}
		if svc, exists := x.model.Service(scope, name); exists &&
			(svc.Protocol != p.proto || svc.Port != strconv.Itoa(p.port) || svc.SourcePort != "") {
			continue
		}
		if prior, taken := x.svcObjects[name]; taken && prior != p {
			continue
		}
		x.svcObjects[name] = p
		return name
	}
}

func serviceName(p portKey) string { return protoOr(p.proto) + "-" + strconv.Itoa(p.port) }

// templates groups raw URLs by host and templated path, largest first.
func (x *analysis) templates(urls map[string]int64, n int) []mine.URLTemplate {
	type key struct{ host, path string }
	byKey := map[key]*mine.URLTemplate{}
	examples := map[key]map[string]int64{}
	for u, c := range urls {
		t := x.tp.get(u)
		k := key{t.host, t.tmpl}
		e := byKey[k]
		if e == nil {
			e = &mine.URLTemplate{Host: t.host, Path: t.tmpl}
			byKey[k] = e
			examples[k] = map[string]int64{}
		}
		e.Count += c
		examples[k][u] += c
	}
	out := make([]mine.URLTemplate, 0, len(byKey))
	for k, e := range byKey {
		e.Examples = []string{}
		for _, uc := range top(examples[k], maxExamples) {
			e.Examples = append(e.Examples, uc.URL)
		}
		out = append(out, *e)
	}
	slices.SortFunc(out, func(p, q mine.URLTemplate) int {
		if c := cmp.Compare(q.Count, p.Count); c != 0 {
			return c
		}
		if c := cmp.Compare(p.Host, q.Host); c != 0 {
			return c
		}
		return cmp.Compare(p.Path, q.Path)
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}
