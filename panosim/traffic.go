package panosim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"
	"time"
)

// httpReq is one HTTP request/response pair of a session, or several
// identical consecutive ones folded together (count > 1).
type httpReq struct {
	at      int64 // unix milliseconds of the response
	host    string
	path    string
	status  int
	count   int
	size    int // response bytes, per response
	reqSize int
}

// session is one simulated connection.
type session struct {
	id        uint64
	start     int64 // unix milliseconds
	end       int64
	from, to  string
	src, dst  netip.Addr
	sport     int
	dport     int
	proto     string
	app       string
	reqs      []httpReq
	bytesSent int64 // client to server
	bytesRecv int64 // server to client
	endReason string
	// host is the URL host of an HTTP session, or the server name of a TLS
	// one; "" for traffic without a URL.
	host string

	// Decided at the session's start against the running configuration.
	user   string // the User-ID mapping of src, "" when unknown
	rule   *cRule
	pol    *policy
	cfgVer int
	denied bool
	// cut is set when a threat action ended the session early.
	cut bool
}

// flow returns what the policy matches a session on at its start.
func (s *session) flow(at int64) flow {
	return flow{
		from: s.from, to: s.to, src: s.src, dst: s.dst,
		proto: s.proto, protoNum: ipProtoNumber[s.proto], sport: s.sport, dport: s.dport,
		app: s.app, user: s.user, category: urlCategoryOf(s.host, s.dst), host: s.host, at: at,
	}
}

// ipProtoNumber maps protocol names to IP protocol numbers.
var ipProtoNumber = map[string]int{"icmp": 1, "tcp": 6, "udp": 17, "ipv6-icmp": 58, "sctp": 132}

// siteCategories are the URL categories of the internet sites of the
// model.
var siteCategories = map[string]string{
	"www.example.com": "computer-and-internet-info", "news.example.net": "news",
	"docs.example.org": "reference-and-research", "cdn.example.com": "content-delivery-networks",
	"api.example.net": "computer-and-internet-info", "updates.example.org": "computer-and-internet-info",
	"weather.example.com": "reference-and-research", "shop.example.net": "shopping",
	"maps.example.org": "travel", "video.example.com": "streaming-media",
	"mail.example.net": "web-based-email", "forum.example.org": "personal-sites-and-blogs",
}

// urlCategoryOf returns the predefined URL category of a URL host: a
// server with a private address is private-ip-addresses, a known site has
// its category, anything else is unknown; "" when there is no URL.
func urlCategoryOf(host string, dst netip.Addr) string {
	switch {
	case host == "":
		return ""
	case dst.IsPrivate():
		return "private-ip-addresses"
	}
	if c, ok := siteCategories[host]; ok {
		return c
	}
	return "unknown"
}

type evKind uint8

const (
	evStart evKind = iota
	evResponse
	evEnd
)

type event struct {
	at   int64
	s    *session
	kind evKind
	idx  int
}

func eventLess(a, b event) int {
	switch {
	case a.at != b.at:
		return cmpInt64(a.at, b.at)
	case a.s.id != b.s.id:
		return cmpInt64(int64(a.s.id), int64(b.s.id))
	case a.kind != b.kind:
		return int(a.kind) - int(b.kind)
	default:
		return a.idx - b.idx
	}
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// hourWeights is the relative session volume per local hour of a working day.
var hourWeights = [24]float64{
	0.15, 0.1, 0.1, 0.1, 0.1, 0.15, 0.3, 0.7, 1.4, 1.7, 1.7, 1.6,
	1.2, 1.5, 1.7, 1.6, 1.4, 1.0, 0.6, 0.4, 0.3, 0.25, 0.2, 0.15,
}

var hourWeightSum = func() float64 {
	var s float64
	for _, w := range hourWeights {
		s += w
	}
	return s
}()

// Shares of the normal clients' sessions per kind of traffic.
const (
	shareDNS      = 0.28
	shareWeb      = 0.17
	shareTLS      = 0.20
	shareCovered  = 0.10
	shareCatchAll = 0.20
	shareOpaque   = 0.045
	shareBlocked  = 0.005
	weekendFactor = 0.35
)

// gen generates the sessions of one scenario hour.
type gen struct {
	sc        *scenario
	rng       *rand.Rand
	hourStart int64
	localHour int
	out       []*session
}

// count draws how many events of expected number lambda happen.
func (g *gen) count(lambda float64) int {
	n := int(lambda)
	if g.rng.Float64() < lambda-float64(n) {
		n++
	}
	return n
}

func (g *gen) startInHour() int64 {
	return g.hourStart + g.rng.Int64N(3600_000)
}

func (g *gen) sport() int { return 1024 + g.rng.IntN(64000) }

func pickSkewed(rng *rand.Rand, n int) int {
	return int(float64(n) * math.Pow(rng.Float64(), 1.6))
}

// genHour returns the sessions that start in scenario hour h, sorted by
// start. The RNG is seeded from the seed and the hour index only, so the
// traffic does not depend on how the clock was advanced.
func (sc *scenario) genHour(h int64, hourStart time.Time) []*session {
	local := hourStart.In(sc.loc)
	g := &gen{
		sc:        sc,
		rng:       newRNG(sc.seed, 0x10000+uint64(h)),
		hourStart: hourStart.UnixMilli(),
		localHour: local.Hour(),
	}
	total := float64(sc.spd) * hourWeights[local.Hour()] / hourWeightSum
	if wd := local.Weekday(); wd == time.Saturday || wd == time.Sunday {
		total *= weekendFactor
	}

	for range g.count(total * shareDNS) {
		g.dns()
	}
	for range g.count(total * shareWeb) {
		g.internetWeb()
	}
	for range g.count(total * shareTLS) {
		g.internetTLS()
	}
	var coveredW float64
	for _, s := range sc.covered {
		coveredW += s.weight
	}
	for _, s := range sc.covered {
		for range g.count(total * shareCovered * s.weight / coveredW) {
			g.httpService(s, s.clients[pickSkewed(g.rng, len(s.clients))])
		}
	}
	var caW float64
	for _, s := range sc.catchAll {
		caW += s.weight
	}
	for _, s := range sc.catchAll {
		for range g.count(total * shareCatchAll * s.weight / caW) {
			g.httpService(s, s.clients[pickSkewed(g.rng, len(s.clients))])
		}
	}
	var opW float64
	for _, s := range sc.opaque {
		opW += s.weight
	}
	for _, s := range sc.opaque {
		for range g.count(total * shareOpaque * s.weight / opW) {
			g.opaqueService(s)
		}
	}
	for range g.count(total * shareBlocked) {
		g.blocked()
	}
	for _, s := range sc.scanners {
		if slices.Contains(s.hours, g.localHour) {
			g.sweep(s)
		}
	}
	for _, p := range sc.probers {
		if slices.Contains(p.Hours, g.localHour) {
			g.probe(p)
		}
	}
	slices.SortStableFunc(g.out, func(a, b *session) int { return cmpInt64(a.start, b.start) })
	return g.out
}

func (g *gen) client() netip.Addr {
	return g.sc.clients[g.rng.IntN(len(g.sc.clients))]
}

func (g *gen) newSession(src, dst netip.Addr, from, to, proto, app string, dport int) *session {
	s := &session{
		start: g.startInHour(),
		from:  from, to: to, src: src, dst: dst,
		sport: g.sport(), dport: dport, proto: proto, app: app,
		endReason: "tcp-fin",
	}
	g.out = append(g.out, s)
	return s
}

func (g *gen) dns() {
	dst, to := g.sc.dnsInt, zoneDMZ
	if g.rng.IntN(10) == 0 {
		dst, to = g.sc.dnsExt, zoneUntrust
	}
	s := g.newSession(g.client(), dst, zoneTrust, to, "udp", "dns", 53)
	s.end = s.start + 20 + g.rng.Int64N(900)
	s.bytesSent = 60 + g.rng.Int64N(60)
	s.bytesRecv = 90 + g.rng.Int64N(300)
	s.endReason = "aged-out"
}

func (g *gen) internetWeb() {
	st := g.sc.sites[pickSkewed(g.rng, len(g.sc.sites))]
	s := g.newSession(g.client(), st.ip, zoneTrust, zoneUntrust, "tcp", "web-browsing", 80)
	g.fillRequests(s, st.host, sitePaths, nil, 1+g.rng.IntN(5))
}

func (g *gen) internetTLS() {
	st := g.sc.sites[pickSkewed(g.rng, len(g.sc.sites))]
	s := g.newSession(g.client(), st.ip, zoneTrust, zoneUntrust, "tcp", "ssl", 443)
	s.host = st.host
	g.opaqueTail(s, 200, 30_000, 2_000, 400_000)
}

func (g *gen) blocked() {
	dst := g.sc.blocked[g.rng.IntN(len(g.sc.blocked))]
	s := g.newSession(g.client(), dst, zoneTrust, zoneUntrust, "tcp", "web-browsing", 80)
	s.end = s.start + 1
	s.bytesSent = 74
	s.endReason = "policy-deny"
}

func (g *gen) httpService(sv *svc, client netip.Addr) {
	s := g.newSession(client, sv.ip, zoneTrust, sv.zone, sv.proto, sv.app, sv.port)
	g.fillRequests(s, sv.host, sv.paths, sv, 1+g.rng.IntN(5))
}

func (g *gen) opaqueService(sv *svc) {
	c := sv.clients[pickSkewed(g.rng, len(sv.clients))]
	s := g.newSession(c, sv.ip, zoneTrust, sv.zone, sv.proto, sv.app, sv.port)
	if sv.app == "ssl" {
		s.host = sv.host
	}
	switch sv.app {
	case "ssh":
		g.opaqueTail(s, 5_000, 1_800_000, 4_000, 2_000_000)
	default:
		g.opaqueTail(s, 300, 120_000, 3_000, 800_000)
	}
}

// opaqueTail gives a session without visible requests a duration and volume.
func (g *gen) opaqueTail(s *session, minMs, maxMs, minBytes, maxBytes int64) {
	s.end = s.start + minMs + g.rng.Int64N(maxMs-minMs)
	recv := minBytes + g.rng.Int64N(maxBytes-minBytes)
	s.bytesRecv = recv
	s.bytesSent = 800 + recv/(4+g.rng.Int64N(12))
	if g.rng.IntN(12) == 0 {
		s.endReason = "tcp-rst-from-server"
	}
}

func (g *gen) pick(paths []pathSpec, first bool) pathSpec {
	var total float64
	for _, p := range paths {
		if first == (p.kind == pathRoot || p.kind == pathPage || p.kind == pathLogin) {
			total += p.w
		}
	}
	x := g.rng.Float64() * total
	for _, p := range paths {
		if first != (p.kind == pathRoot || p.kind == pathPage || p.kind == pathLogin) {
			continue
		}
		if x < p.w {
			return p
		}
		x -= p.w
	}
	return paths[0]
}

func (g *gen) expand(p pathSpec) string {
	if len(p.vars) == 0 {
		return p.tmpl
	}
	return strings.Replace(p.tmpl, "{}", p.vars[g.rng.IntN(len(p.vars))], 1)
}

func (g *gen) statusFor(k pathKind, sv *svc) int {
	r := g.rng.Float64()
	switch k {
	case pathRoot:
		if r < 0.6 {
			return 302
		}
		return 200
	case pathPage:
		if r < 0.9 {
			return 200
		}
		return 304
	case pathStatic:
		if r < 0.55 {
			return 200
		}
		return 304
	case pathLogin:
		switch {
		case r < 0.75:
			return 200
		case r < 0.93:
			return 401
		}
		return 403
	case pathAPI:
		if r < 0.97 {
			return 200
		}
		return 304
	case pathMoved:
		return 301
	case pathBroken, pathNotFound:
		return 404
	case pathErr500:
		return 500
	case pathErr503:
		if sv != nil && sv.outage[g.localHour] {
			return 503
		}
		return 200
	}
	return 200
}

func (g *gen) sizeFor(status int, k pathKind) int {
	switch {
	case status == 304:
		return 180 + g.rng.IntN(120)
	case status >= 300 && status < 400:
		return 300 + g.rng.IntN(300)
	case status >= 400:
		return 400 + g.rng.IntN(1600)
	case k == pathStatic:
		return 5_000 + g.rng.IntN(75_000)
	case k == pathAPI:
		return 800 + g.rng.IntN(20_000)
	}
	return 6_000 + g.rng.IntN(55_000)
}

// fillRequests gives an HTTP session n requests (plus planted paths on sv).
func (g *gen) fillRequests(s *session, host string, paths []pathSpec, sv *svc, n int) {
	s.host = host
	t := s.start + 20 + g.rng.Int64N(200)
	add := func(path string, k pathKind) {
		status := g.statusFor(k, sv)
		cnt := 1
		if k == pathAPI && g.rng.IntN(4) == 0 {
			cnt = 2 + g.rng.IntN(2)
		}
		last := len(s.reqs) - 1
		if last >= 0 && s.reqs[last].path == path && s.reqs[last].status == status {
			s.reqs[last].count += cnt
		} else {
			s.reqs = append(s.reqs, httpReq{
				at: t, host: host, path: path, status: status, count: cnt,
				size: g.sizeFor(status, k), reqSize: 350 + g.rng.IntN(600),
			})
		}
		t += int64(cnt) * (80 + g.rng.Int64N(3000))
	}
	for i := range n {
		p := g.pick(paths, i == 0)
		add(g.expand(p), p.kind)
	}
	if sv != nil {
		if sv.broken != "" && g.rng.Float64() < 0.22 {
			add(sv.broken, pathBroken)
		}
		if sv.err500 != "" && g.rng.Float64() < 0.12 {
			add(sv.err500, pathErr500)
		}
		if sv.err503 != "" && g.rng.Float64() < 0.3 {
			add(sv.err503, pathErr503)
		}
	}
	g.finishHTTP(s, t)
}

func (g *gen) finishHTTP(s *session, t int64) {
	s.end = t + 200 + g.rng.Int64N(15_000)
	for _, r := range s.reqs {
		s.bytesSent += int64(r.count * r.reqSize)
		s.bytesRecv += int64(r.count * r.size)
	}
	s.bytesSent += 200
	s.bytesRecv += 120
}

// sweep generates a scanner's probes of all its targets in this hour.
func (g *gen) sweep(sc *scanner) {
	for _, tg := range sc.targets {
		probes := []string{"/"}
		for _, i := range g.rng.Perm(len(scannerProbes))[:sc.probes-1] {
			probes = append(probes, scannerProbes[i])
		}
		g.rng.Shuffle(len(probes), func(i, j int) { probes[i], probes[j] = probes[j], probes[i] })
		for len(probes) > 0 {
			k := min(len(probes), 1+g.rng.IntN(5))
			s := g.newSession(sc.ip, tg.ip, zoneTrust, tg.zone, tg.proto, tg.app, tg.port)
			s.host = tg.ip.String()
			t := s.start + 5 + g.rng.Int64N(50)
			for _, p := range probes[:k] {
				status := 404
				switch {
				case p == "/":
					status = 200
				case tg != g.sc.printer && forbiddenProbes[p]:
					status = 403
				}
				s.reqs = append(s.reqs, httpReq{
					at: t, host: tg.ip.String(), path: p, status: status, count: 1,
					size: g.sizeFor(status, pathPage), reqSize: 180 + g.rng.IntN(120),
				})
				t += 10 + g.rng.Int64N(400)
			}
			probes = probes[k:]
			s.end = t + 50 + g.rng.Int64N(2000)
			for _, r := range s.reqs {
				s.bytesSent += int64(r.reqSize)
				s.bytesRecv += int64(r.size)
			}
			if g.rng.IntN(3) == 0 {
				s.endReason = "tcp-rst-from-client"
			}
		}
	}
}

// Prober is a source that asks one server of the model for pages that do
// not exist (answered 404), one request per session, every Every from
// minute Minute of each hour in Hours (local time) for Minutes minutes.
// With Paths > 1 it asks for that many distinct paths in turn (a slow
// scanner's sweep); with Paths <= 1 for the same URL every time (a
// monitoring script polling a broken health check).
type Prober struct {
	Source string // the prober's address, in the trust zone
	// Target is the address of a server of the model (see Truth); its
	// application, port and host name are used.
	Target  string
	Every   time.Duration
	Hours   []int
	Minute  int
	Minutes int
	Paths   int
	// Scanner says the prober is planted as a scanner: Truth lists it
	// among the scanners.
	Scanner bool
}

// prober is a Prober resolved against the scenario.
type prober struct {
	Prober
	ip  netip.Addr
	svc *svc
}

// resolveProbers finds each prober's source address and target server.
func (sc *scenario) resolveProbers(ps []Prober) error {
	for _, p := range ps {
		ip, err := netip.ParseAddr(p.Source)
		if err != nil {
			return fmt.Errorf("prober source %q: %v", p.Source, err)
		}
		if p.Every < time.Second {
			return fmt.Errorf("prober %s: Every %s is shorter than a second", p.Source, p.Every)
		}
		var target *svc
		for _, list := range [][]*svc{sc.catchAll, sc.covered, sc.opaque, {sc.printer}} {
			for _, v := range list {
				if v.ip.String() == p.Target && v.kind == kindHTTP {
					target = v
				}
			}
		}
		if target == nil {
			return fmt.Errorf("prober %s: target %q is not an HTTP server of the model (see Truth)", p.Source, p.Target)
		}
		sc.probers = append(sc.probers, &prober{Prober: p, ip: ip, svc: target})
	}
	return nil
}

// probe generates a prober's requests of this hour.
func (g *gen) probe(p *prober) {
	start := g.hourStart + int64(p.Minute)*60_000
	end := min(start+int64(p.Minutes)*60_000, g.hourStart+3600_000)
	step := p.Every.Milliseconds()
	host := p.svc.host
	if p.svc.hostByIP {
		host = p.svc.ip.String()
	}
	for i, t := 0, start; t < end; i, t = i+1, t+step {
		path := "/healthz"
		if p.Paths > 1 {
			path = fmt.Sprintf("/probe-%d.php", (int(g.hourStart/3600_000)*7+i)%p.Paths)
		}
		s := &session{start: t, from: zoneTrust, to: p.svc.zone, src: p.ip, dst: p.svc.ip,
			sport: g.sport(), dport: p.svc.port, proto: p.svc.proto, app: p.svc.app, endReason: "tcp-fin", host: host}
		s.reqs = []httpReq{{at: t + 40, host: host, path: path, status: 404, count: 1, size: 420, reqSize: 210}}
		s.end = t + 120
		s.bytesSent, s.bytesRecv = 410, 540
		g.out = append(g.out, s)
	}
}
