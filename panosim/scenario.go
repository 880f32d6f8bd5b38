package panosim

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Zone names of the model.
const (
	zoneTrust   = "trust"
	zoneDMZ     = "dmz"
	zoneUntrust = "untrust"
)

// Rule names of the initial rulebase.
const (
	ruleBlock     = "Block-Known-Bad"
	ruleDNS       = "Allow-DNS"
	ruleInternet  = "Allow-Internet-Web"
	ruleWiki      = "Allow-Intranet-Wiki"
	rulePortal    = "Allow-Intranet-Portal"
	ruleLegacyFTP = "Allow-Legacy-FTP"
	ruleCatchAll  = "Allow-Web-Ports"
	ruleIntrazone = "intrazone-default"
	ruleInterzone = "interzone-default"
)

type svcKind int

const (
	kindHTTP svcKind = iota
	kindOpaque
	kindDNS
)

type pathKind int

const (
	pathRoot pathKind = iota
	pathPage
	pathStatic
	pathLogin
	pathAPI
	pathMoved
	pathBroken
	pathErr500
	pathErr503
	pathNotFound // a page that does not exist (internet sites)
)

// pathSpec is a URL template: "{}" is replaced by one of vars.
type pathSpec struct {
	tmpl string
	kind pathKind
	w    float64
	vars []string
}

// svc is one server application of the model.
type svc struct {
	name    string
	host    string
	app     string
	proto   string
	ip      netip.Addr
	zone    string
	port    int
	kind    svcKind
	paths   []pathSpec
	clients []netip.Addr
	weight  float64
	rule    string
	// hostByIP makes requests carry the address as host (nobody knows a
	// name for the server).
	hostByIP bool
	broken   string
	err500   string
	err503   string
	outage   [24]bool // local hours when err503 answers 503
}

type site struct {
	host string
	ip   netip.Addr
}

type scanner struct {
	ip      netip.Addr
	targets []*svc
	hours   []int // local hours of the daily sweeps
	probes  int   // probes per target and sweep
}

// scenario is the static part of the model, fixed by the seed.
type scenario struct {
	seed     int64
	loc      *time.Location
	tzName   string
	hostname string
	serial   string
	spd      int
	bare     bool
	managed  bool
	lineage  []string
	// obj is set with Options.ObjectPolicy.
	obj *objectScenario

	clients  []netip.Addr
	dnsInt   netip.Addr
	dnsExt   netip.Addr
	natIP    netip.Addr
	catchAll []*svc
	opaque   []*svc
	covered  []*svc
	printer  *svc
	sites    []site
	blocked  []netip.Addr
	scanners []*scanner
	probers  []*prober
}

// httpApps are the applications whose responses the firewall decodes as HTTP
// (without decryption).
var httpApps = map[string]bool{
	"web-browsing": true, "jenkins": true, "jira": true, "confluence": true,
	"gitlab": true, "grafana": true,
}

func nums(from, to int) []string {
	var out []string
	for i := from; i <= to; i++ {
		out = append(out, strconv.Itoa(i))
	}
	return out
}

var appPaths = map[string][]pathSpec{
	"web-browsing": {
		{tmpl: "/", kind: pathRoot, w: 3},
		{tmpl: "/index.html", kind: pathPage, w: 2},
		{tmpl: "/items", kind: pathPage, w: 2},
		{tmpl: "/items/{}", kind: pathPage, w: 3, vars: nums(100, 140)},
		{tmpl: "/search?q={}", kind: pathPage, w: 1, vars: []string{"laptop", "monitor", "license", "report"}},
		{tmpl: "/static/css/main.css", kind: pathStatic, w: 3},
		{tmpl: "/static/js/app.js", kind: pathStatic, w: 3},
		{tmpl: "/favicon.ico", kind: pathStatic, w: 1},
		{tmpl: "/login", kind: pathLogin, w: 2},
		{tmpl: "/help", kind: pathMoved, w: 0.5},
		{tmpl: "/api/v1/items?limit=50&page={}", kind: pathAPI, w: 2, vars: nums(1, 6)},
	},
	"jenkins": {
		{tmpl: "/", kind: pathRoot, w: 3},
		{tmpl: "/login", kind: pathLogin, w: 2},
		{tmpl: "/job/{}/", kind: pathPage, w: 3, vars: []string{"build-main", "deploy-prod", "nightly-tests", "release"}},
		{tmpl: "/job/{}/lastBuild/console", kind: pathPage, w: 2, vars: []string{"build-main", "deploy-prod", "nightly-tests"}},
		{tmpl: "/static/e3b0c442/css/style.css", kind: pathStatic, w: 3},
		{tmpl: "/static/e3b0c442/scripts/behavior.js", kind: pathStatic, w: 2},
		{tmpl: "/api/json?tree=jobs[name,color]", kind: pathAPI, w: 2},
		{tmpl: "/queue/api/json", kind: pathAPI, w: 1},
	},
	"jira": {
		{tmpl: "/", kind: pathRoot, w: 2},
		{tmpl: "/login.jsp", kind: pathLogin, w: 2},
		{tmpl: "/secure/Dashboard.jspa", kind: pathPage, w: 3},
		{tmpl: "/browse/OPS-{}", kind: pathPage, w: 4, vars: nums(100, 160)},
		{tmpl: "/rest/api/2/search?jql=project%3DOPS", kind: pathAPI, w: 2},
		{tmpl: "/s/en_US/static/batch.js", kind: pathStatic, w: 3},
		{tmpl: "/s/en_US/static/batch.css", kind: pathStatic, w: 2},
	},
	"confluence": {
		{tmpl: "/", kind: pathRoot, w: 2},
		{tmpl: "/login.action", kind: pathLogin, w: 2},
		{tmpl: "/display/ENG/Home", kind: pathPage, w: 3},
		{tmpl: "/pages/viewpage.action?pageId={}", kind: pathPage, w: 4, vars: nums(4100, 4140)},
		{tmpl: "/s/en/_/download/batch.css", kind: pathStatic, w: 3},
		{tmpl: "/rest/api/content?spaceKey=ENG", kind: pathAPI, w: 2},
	},
	"gitlab": {
		{tmpl: "/", kind: pathRoot, w: 2},
		{tmpl: "/users/sign_in", kind: pathLogin, w: 2},
		{tmpl: "/infra/{}", kind: pathPage, w: 3, vars: []string{"terraform", "ansible", "firewall-rules", "docs"}},
		{tmpl: "/infra/{}/-/merge_requests", kind: pathPage, w: 2, vars: []string{"terraform", "ansible", "firewall-rules"}},
		{tmpl: "/assets/application.js", kind: pathStatic, w: 3},
		{tmpl: "/api/v4/projects?per_page=20", kind: pathAPI, w: 2},
	},
	"grafana": {
		{tmpl: "/", kind: pathRoot, w: 2},
		{tmpl: "/login", kind: pathLogin, w: 2},
		{tmpl: "/d/{}/overview", kind: pathPage, w: 3, vars: []string{"a1b2c3", "net042", "k8s007", "db0001"}},
		{tmpl: "/api/dashboards/uid/{}", kind: pathAPI, w: 3, vars: []string{"a1b2c3", "net042", "k8s007", "db0001"}},
		{tmpl: "/public/build/app.js", kind: pathStatic, w: 3},
		{tmpl: "/api/search?query=", kind: pathAPI, w: 1},
	},
}

var wikiPaths = []pathSpec{
	{tmpl: "/wiki/Main_Page", kind: pathPage, w: 3},
	{tmpl: "/wiki/{}", kind: pathPage, w: 5, vars: []string{"VPN", "Onboarding", "Printers", "Expenses", "Holidays", "IT_Support", "Network", "Security_Policy"}},
	{tmpl: "/w/load.php?modules=site&only=styles", kind: pathStatic, w: 3},
	{tmpl: "/w/resources/assets/logo.png", kind: pathStatic, w: 2},
	{tmpl: "/w/index.php?search={}", kind: pathPage, w: 1, vars: []string{"vpn", "printer", "wifi"}},
	{tmpl: "/w/index.php?title=Special:UserLogin", kind: pathLogin, w: 1},
}

var portalPaths = []pathSpec{
	{tmpl: "/", kind: pathRoot, w: 3},
	{tmpl: "/news/{}", kind: pathPage, w: 3, vars: nums(300, 330)},
	{tmpl: "/static/portal.css", kind: pathStatic, w: 3},
	{tmpl: "/static/portal.js", kind: pathStatic, w: 2},
	{tmpl: "/login", kind: pathLogin, w: 1},
	{tmpl: "/people?dept={}", kind: pathPage, w: 1, vars: []string{"it", "hr", "finance", "sales"}},
}

var sitePaths = []pathSpec{
	{tmpl: "/", kind: pathPage, w: 3},
	{tmpl: "/news/{}", kind: pathPage, w: 3, vars: nums(1000, 1200)},
	{tmpl: "/assets/site.css", kind: pathStatic, w: 3},
	{tmpl: "/assets/site.js", kind: pathStatic, w: 2},
	{tmpl: "/images/{}.jpg", kind: pathStatic, w: 3, vars: nums(1, 80)},
	{tmpl: "/api/feed?since={}", kind: pathAPI, w: 1, vars: nums(1, 9)},
	{tmpl: "/old-page.html", kind: pathMoved, w: 0.3},
	{tmpl: "/missing/{}", kind: pathNotFound, w: 0.2, vars: nums(1, 30)},
}

// scannerProbes are the paths a 404 sweep tries.
var scannerProbes = []string{
	"/.env", "/wp-login.php", "/admin", "/admin/", "/.git/config", "/phpmyadmin/",
	"/server-status", "/config.php", "/backup.zip", "/wp-admin/", "/xmlrpc.php",
	"/.DS_Store", "/actuator/env", "/actuator/health", "/console", "/manager/html",
	"/cgi-bin/luci", "/HNAP1/", "/boaform/admin/formLogin", "/solr/admin/info/system",
	"/.aws/credentials", "/api/v1/pods", "/owa/auth/logon.aspx", "/remote/login",
	"/jenkins/script", "/.svn/entries", "/debug/default/view", "/shell",
	"/robots.txt", "/sitemap.xml", "/.well-known/security.txt", "/api/jsonws/invoke",
	"/Autodiscover/Autodiscover.xml", "/druid/index.html", "/nacos/", "/telescope/requests",
	"/_ignition/execute-solution", "/.htaccess", "/web.config", "/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php",
	"/index.php?s=/Index/think/app/invokefunction", "/cgi-bin/test.cgi", "/login.action", "/.git/HEAD",
}

// forbiddenProbes answer 403 rather than 404 on the catch-all servers.
var forbiddenProbes = map[string]bool{
	"/.git/config": true, "/.htaccess": true, "/server-status": true,
	"/.svn/entries": true, "/web.config": true, "/.git/HEAD": true,
}

type poolEntry struct {
	name  string
	host  string
	app   string
	ports []int
}

var httpPool = []poolEntry{
	{"inventory", "inventory.corp.example", "web-browsing", []int{8080, 80, 8081}},
	{"jenkins", "ci.corp.example", "jenkins", []int{8080, 8081}},
	{"jira", "tickets.corp.example", "jira", []int{8080, 80}},
	{"confluence", "docs.corp.example", "confluence", []int{8090, 8080}},
	{"gitlab", "git.corp.example", "gitlab", []int{80, 8081}},
	{"grafana", "metrics.corp.example", "grafana", []int{3000, 9000}},
	{"reports", "reports.corp.example", "web-browsing", []int{9000, 8080, 80}},
	{"hr", "hr.corp.example", "web-browsing", []int{80, 8081}},
	{"assets", "assets.corp.example", "web-browsing", []int{8081, 9000, 80}},
	{"timesheet", "timesheet.corp.example", "web-browsing", []int{80, 8090}},
	{"quality", "quality.corp.example", "web-browsing", []int{9000, 8080}},
	{"status", "status.corp.example", "grafana", []int{3000, 8080}},
}

var opaquePool = []poolEntry{
	{"vault", "vault.corp.example", "ssl", []int{8443}},
	{"bastion", "bastion.corp.example", "ssh", []int{22}},
	{"sqldb", "sql.corp.example", "mssql-db", []int{1433}},
}

var brokenPaths = []string{
	"/docs/onboarding-guide.pdf", "/reports/2026/q3-summary.html",
	"/downloads/vpn-client.msi", "/old/index.php", "/static/img/logo-2019.png",
}

var err500Paths = []string{"/api/export?format=csv", "/reports/generate", "/api/v1/sync"}

var hostnames = []string{"fw-hq-01", "pa-edge-01", "corp-fw-01", "dc1-fw-a", "branch-fw-02", "pa-vm-lab"}

var siteHosts = []string{
	"www.example.com", "news.example.net", "docs.example.org", "cdn.example.com",
	"api.example.net", "updates.example.org", "weather.example.com", "shop.example.net",
	"maps.example.org", "video.example.com", "mail.example.net", "forum.example.org",
}

// mix64 is splitmix64's finalizer, used to derive independent streams.
func mix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

func newRNG(seed int64, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(mix64(uint64(seed)), mix64(stream^0x5eed)))
}

func ip4(a, b, c, d int) netip.Addr {
	return netip.AddrFrom4([4]byte{byte(a), byte(b), byte(c), byte(d)})
}

// newScenario builds the static model of a seed.
func newScenario(o Options, loc *time.Location) *scenario {
	rng := newRNG(o.Seed, 1)
	sc := &scenario{
		seed:     o.Seed,
		loc:      loc,
		tzName:   o.TimeZone,
		hostname: hostnames[rng.IntN(len(hostnames))],
		spd:      o.SessionsPerDay,
		bare:     o.Bare,
		managed:  o.managed,
		lineage:  o.lineage,
		dnsInt:   ip4(10, 20, 0, 53),
		dnsExt:   ip4(192, 0, 2, 53),
		natIP:    ip4(198, 51, 100, 2),
	}
	var serial strings.Builder
	serial.WriteString("0079")
	for range 11 {
		serial.WriteByte(byte('0' + rng.IntN(10)))
	}
	sc.serial = serial.String()
	if o.hostname != "" {
		sc.hostname = o.hostname
	}
	if o.serial != "" {
		sc.serial = o.serial
	}

	// Clients: 10.1.1.0 - 10.1.20.255.
	used := map[netip.Addr]bool{}
	nClients := 150 + rng.IntN(80)
	for len(sc.clients) < nClients {
		a := ip4(10, 1, 1+rng.IntN(20), 10+rng.IntN(240))
		if !used[a] {
			used[a] = true
			sc.clients = append(sc.clients, a)
		}
	}
	slices.SortFunc(sc.clients, func(a, b netip.Addr) int { return a.Compare(b) })

	pickClients := func(n int) []netip.Addr {
		perm := rng.Perm(len(sc.clients))[:n]
		out := make([]netip.Addr, n)
		for i, p := range perm {
			out[i] = sc.clients[p]
		}
		slices.SortFunc(out, func(a, b netip.Addr) int { return a.Compare(b) })
		return out
	}

	// Servers in the dmz get distinct addresses.
	usedIP := map[netip.Addr]bool{}
	serverIP := func(subnet int) netip.Addr {
		for {
			a := ip4(10, 20, subnet, 10+rng.IntN(240))
			if !usedIP[a] {
				usedIP[a] = true
				return a
			}
		}
	}

	// Catch-all HTTP services.
	n := 5 + rng.IntN(4)
	perm := rng.Perm(len(httpPool))[:n]
	for i, p := range perm {
		e := httpPool[p]
		s := &svc{
			name:    e.name,
			host:    e.host,
			app:     e.app,
			proto:   "tcp",
			ip:      serverIP(2 + i),
			zone:    zoneDMZ,
			port:    e.ports[rng.IntN(len(e.ports))],
			kind:    kindHTTP,
			paths:   appPaths[e.app],
			clients: pickClients(6 + rng.IntN(15)),
			weight:  0.7 + 0.6*rng.Float64(),
			rule:    ruleCatchAll,
		}
		sc.catchAll = append(sc.catchAll, s)
	}
	// Some on a default port of their App-ID, some not.
	var def, nondef []*svc
	for _, s := range sc.catchAll {
		if isDefaultPort(s.app, s.proto, s.port) {
			def = append(def, s)
		} else {
			nondef = append(nondef, s)
		}
	}
	if len(def) == 0 {
		s := sc.catchAll[0]
		s.port = firstDefaultPort(s.app)
	} else if len(nondef) == 0 {
		s := sc.catchAll[0]
		for _, p := range httpPoolPorts(s.name) {
			if !isDefaultPort(s.app, s.proto, p) {
				s.port = p
				break
			}
		}
	}

	// Planted faults on distinct services where possible.
	fp := rng.Perm(len(sc.catchAll))
	sc.catchAll[fp[0]].broken = brokenPaths[rng.IntN(len(brokenPaths))]
	sc.catchAll[fp[1%len(fp)]].err500 = err500Paths[rng.IntN(len(err500Paths))]
	if rng.IntN(2) == 0 {
		s := sc.catchAll[fp[2%len(fp)]]
		s.err503 = "/api/health"
		h := 9 + rng.IntN(3)
		s.outage[h] = true
		s.outage[h+5] = true
	}

	// Opaque catch-all services: always one of ssl/8443 and ssh, maybe more.
	nOpaque := 1 + rng.IntN(3)
	op := []int{rng.IntN(2)}
	for _, i := range rng.Perm(len(opaquePool)) {
		if len(op) >= nOpaque {
			break
		}
		if i != op[0] {
			op = append(op, i)
		}
	}
	for _, i := range op {
		e := opaquePool[i]
		sc.opaque = append(sc.opaque, &svc{
			name: e.name, host: e.host, app: e.app, proto: "tcp",
			ip: serverIP(10), zone: zoneDMZ, port: e.ports[0], kind: kindOpaque,
			clients: pickClients(4 + rng.IntN(8)), weight: 0.6 + 0.8*rng.Float64(),
			rule: ruleCatchAll,
		})
	}

	// Services carried by App-ID rules.
	sc.covered = []*svc{
		{name: "wiki", host: "wiki.corp.example", app: "web-browsing", proto: "tcp",
			ip: ip4(10, 20, 1, 10), zone: zoneDMZ, port: 80, kind: kindHTTP, paths: wikiPaths,
			clients: pickClients(40 + rng.IntN(40)), weight: 0.6, rule: ruleWiki},
		{name: "portal", host: "intranet.corp.example", app: "web-browsing", proto: "tcp",
			ip: ip4(10, 20, 1, 11), zone: zoneDMZ, port: 80, kind: kindHTTP, paths: portalPaths,
			clients: pickClients(40 + rng.IntN(40)), weight: 0.4, rule: rulePortal},
	}
	usedIP[ip4(10, 20, 1, 10)] = true
	usedIP[ip4(10, 20, 1, 11)] = true

	// A printer web interface that only scanners touch.
	pip := serverIP(9)
	sc.printer = &svc{
		name: "printer", host: pip.String(), app: "web-browsing", proto: "tcp",
		ip: pip, zone: zoneDMZ, port: 80, kind: kindHTTP, hostByIP: true, rule: ruleCatchAll,
	}

	for i, h := range siteHosts {
		var a netip.Addr
		if i%2 == 0 {
			a = ip4(198, 51, 100, 20+i*7)
		} else {
			a = ip4(203, 0, 113, 20+i*7)
		}
		sc.sites = append(sc.sites, site{host: h, ip: a})
	}
	sc.blocked = blockedHosts()

	// Scanners: one or two unsanctioned sweepers in the trust zone.
	nScan := 1 + rng.IntN(2)
	for i := range nScan {
		s := &scanner{ip: ip4(10, 1, 250, 10+rng.IntN(200)+i)}
		if i == 0 {
			s.targets = append(slices.Clone(sc.catchAll), sc.printer)
			s.hours = []int{1 + rng.IntN(4), 12 + rng.IntN(5)}
			s.probes = 14 + rng.IntN(6)
		} else {
			for _, j := range rng.Perm(len(sc.catchAll))[:len(sc.catchAll)/2+1] {
				s.targets = append(s.targets, sc.catchAll[j])
			}
			s.targets = append(s.targets, sc.printer)
			s.hours = []int{19 + rng.IntN(4)}
			s.probes = 10 + rng.IntN(6)
		}
		sc.scanners = append(sc.scanners, s)
	}
	if o.ObjectPolicy {
		sc.planObjectPolicy()
	}
	if err := sc.resolveProbers(o.Probers); err != nil {
		panic("panosim: " + err.Error())
	}
	return sc
}

func httpPoolPorts(name string) []int {
	for _, e := range httpPool {
		if e.name == name {
			return e.ports
		}
	}
	return nil
}

// deriveAPIKey returns the default API key of a seed: a long base64 string,
// like a real device's.
func deriveAPIKey(seed int64) string {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(seed))
	h1 := sha256.Sum256(append([]byte("panosim-api-key:"), b[:]...))
	h2 := sha256.Sum256(h1[:])
	return "LUFRPT1" + base64.StdEncoding.EncodeToString(append(h1[:], h2[:16]...))
}

// deriveUUID returns a stable RFC 4122 style UUID for a name.
func deriveUUID(seed int64, name string) string {
	h := sha256.Sum256([]byte(fmt.Sprintf("panosim-uuid:%d:%s", seed, name)))
	h[6] = h[6]&0x0f | 0x40
	h[8] = h[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

// truth returns the planted ground truth: with ObjectPolicy the one
// computed on the initial policy (see setTruth).
func (sc *scenario) truth() Truth {
	if sc.obj != nil && sc.obj.truth != nil {
		return *sc.obj.truth
	}
	return sc.baseTruth()
}

// svcTruth describes a service of the model.
func (sc *scenario) svcTruth(s *svc) Service {
	out := Service{
		Name: s.name, FromZone: zoneTrust, ToZone: s.zone, Destination: s.ip.String(),
		Host: s.host, Application: s.app, Proto: s.proto, Port: s.port,
		DefaultPort: isDefaultPort(s.app, s.proto, s.port), Rule: s.rule,
		Sources: []string{},
	}
	for _, c := range s.clients {
		out.Sources = append(out.Sources, c.String())
	}
	return out
}

// baseTruth is the ground truth of the scenario without ObjectPolicy.
func (sc *scenario) baseTruth() Truth {
	t := Truth{
		Seed:     sc.seed,
		TimeZone: sc.tzName,
		Hostname: sc.hostname,
		Serial:   sc.serial,
		Rulebase: []string{ruleBlock, ruleDNS, ruleInternet, ruleWiki, rulePortal, ruleLegacyFTP, ruleCatchAll},
		CatchAll: []string{ruleCatchAll},
	}
	svcTruth := sc.svcTruth
	for _, s := range sc.catchAll {
		t.CatchAllServices = append(t.CatchAllServices, svcTruth(s))
		if s.broken != "" {
			t.BrokenLinks = append(t.BrokenLinks, PathStatus{s.ip.String(), s.host, s.port, s.broken, 404})
		}
	}
	for _, s := range sc.catchAll {
		if s.err500 != "" {
			t.ServerErrors = append(t.ServerErrors, PathStatus{s.ip.String(), s.host, s.port, s.err500, 500})
		}
	}
	for _, s := range sc.catchAll {
		if s.err503 != "" {
			t.ServerErrors = append(t.ServerErrors, PathStatus{s.ip.String(), s.host, s.port, s.err503, 503})
		}
	}
	for _, s := range sc.covered {
		t.CoveredServices = append(t.CoveredServices, svcTruth(s))
	}
	for _, s := range sc.opaque {
		t.OpaqueServices = append(t.OpaqueServices, svcTruth(s))
	}
	for _, s := range sc.scanners {
		st := Scanner{Source: s.ip.String()}
		for _, tg := range s.targets {
			st.Targets = append(st.Targets, tg.ip.String())
		}
		slices.Sort(st.Targets)
		t.Scanners = append(t.Scanners, st)
	}
	for _, p := range sc.probers {
		if p.Scanner {
			t.Scanners = append(t.Scanners, Scanner{Source: p.ip.String(), Targets: []string{p.svc.ip.String()}})
		}
	}
	t.ScannerOnlyDestinations = []string{sc.printer.ip.String()}
	return t
}
