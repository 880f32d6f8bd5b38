package correlate

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/panos-mine/mine"
)

// Input is what the analysis needs besides the aggregates.
type Input struct {
	Device    mine.Device
	Window    mine.Window
	Rules     []mine.Rule
	Hits      []mine.RuleHits
	CatchAll  []mine.Rule
	Generated time.Time // when the report is made; the caller's clock
}

// Thresholds for calling a source a scanner: a sweep leaves many distinct
// paths answered with client errors, and most of its answers are errors.
const (
	scannerMinErrorPaths = 20
	scannerMinErrorShare = 0.5
)

// notAppIDs are App-ID verdicts that are not applications: a rule cannot
// be written for them.
var notAppIDs = map[string]bool{
	"incomplete": true, "insufficient-data": true, "unknown-tcp": true,
	"unknown-udp": true, "non-syn-tcp": true, "unknown-p2p": true, "not-applicable": true,
}

// defaultPorts are the TCP default ports of HTTP-carried applications that
// suggestions commonly name; an application whose observed ports all match
// gets service application-default.
var defaultPorts = map[string][]int{
	"web-browsing": {80},
	"ssl":          {443},
}

// maxListedSources is how many client addresses a suggestion names before
// it says any.
const maxListedSources = 5

// topURLs is how many URLs a suggestion lists as evidence.
const topURLs = 5

// Report turns the aggregates into the report.
func (a *Aggregator) Report(in Input) *mine.Report {
	r := &mine.Report{
		Generated: in.Generated.UTC(),
		Device: mine.DeviceReport{
			Hostname: in.Device.Hostname, Serial: in.Device.Serial, Model: in.Device.Model,
			SWVersion: in.Device.SWVersion, Panorama: in.Device.Panorama,
		},
		Window:               in.Window,
		StatusCounts:         maps(a.status),
		CatchAllStatusCounts: maps(a.caStatus),
	}
	if in.Device.Location != nil {
		r.Device.TimeZone = in.Device.Location.String()
	}
	for _, c := range in.CatchAll {
		r.CatchAll = append(r.CatchAll, c.Name)
	}
	scanners := a.scanners()
	isScanner := make(map[string]bool, len(scanners))
	for _, s := range scanners {
		isScanner[s.Source] = true
	}
	r.Scanners = scanners
	r.Suggestions = a.suggestions(isScanner)
	r.CatchAllURLs = a.catchAllURLs(isScanner)
	r.HitCounts = hitCounts(in.Rules, in.Hits, in.CatchAll)

	r.Totals = mine.Totals{
		ThreatLogs:        a.threatLogs,
		Responses:         a.responses,
		CatchAllResponses: a.caResponses,
		TrafficLogs:       a.trafficLogs,
	}
	distinct := map[string]bool{}
	for k, u := range a.urls {
		distinct[k.url] = true
		for src, n := range u.sources {
			if isScanner[src] {
				r.Totals.ScannerResponses += n
			}
		}
	}
	r.Totals.DistinctURLs = len(distinct)
	for _, s := range a.sessions {
		r.Totals.CatchAllSessions += s.sessions
		r.Totals.CatchAllBytes += s.bytes
	}
	return r
}

func maps(m map[int]int64) map[int]int64 {
	out := make(map[int]int64, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func (a *Aggregator) scanners() []mine.Scanner {
	var out []mine.Scanner
	for src, s := range a.sources {
		if len(s.errPaths) < scannerMinErrorPaths || float64(s.clientErrs) < scannerMinErrorShare*float64(s.responses) {
			continue
		}
		sc := mine.Scanner{
			Source: src, DistinctPaths: len(s.errPaths), Responses: s.responses,
			NotFound: s.notFound, FirstSeen: s.first, LastSeen: s.last,
		}
		for t := range s.targets {
			sc.Targets = append(sc.Targets, t)
		}
		sortAddrs(sc.Targets)
		out = append(out, sc)
	}
	slices.SortFunc(out, func(x, y mine.Scanner) int {
		if c := cmp.Compare(y.DistinctPaths, x.DistinctPaths); c != 0 {
			return c
		}
		return compareAddr(x.Source, y.Source)
	})
	return out
}

// serviceKey groups a suggestion: one destination server and application
// behind one catch-all rule and destination zone.
type serviceKey struct{ rule, to, dst, app string }

type serviceAgg struct {
	span
	responses int64
	from      map[string]bool
	ports     map[int]bool
	sources   map[string]bool
	urls      map[string]int64
}

func (a *Aggregator) suggestions(isScanner map[string]bool) []mine.Suggestion {
	groups := map[serviceKey]*serviceAgg{}
	for k, f := range a.ok {
		if isScanner[k.src] || notAppIDs[k.app] || k.app == "" {
			continue
		}
		sk := serviceKey{k.rule, k.to, k.dst, k.app}
		g := groups[sk]
		if g == nil {
			g = &serviceAgg{from: map[string]bool{}, ports: map[int]bool{}, sources: map[string]bool{}, urls: map[string]int64{}}
			groups[sk] = g
		}
		g.add(f.first)
		g.add(f.last)
		g.responses += f.responses
		g.from[k.from] = true
		g.ports[k.port] = true
		g.sources[k.src] = true
		for u, n := range f.urls {
			g.urls[u] += n
		}
	}
	out := make([]mine.Suggestion, 0, len(groups))
	for sk, g := range groups {
		s := mine.Suggestion{
			From:            sortedKeys(g.from),
			To:              []string{sk.to},
			Destination:     []string{sk.dst},
			Application:     []string{sk.app},
			Responses:       g.responses,
			URLs:            len(g.urls),
			DistinctSources: len(g.sources),
			FirstSeen:       g.first,
			LastSeen:        g.last,
			CatchAllRule:    sk.rule,
		}
		for p := range g.ports {
			s.Ports = append(s.Ports, p)
		}
		slices.Sort(s.Ports)
		s.Service = service(sk.app, s.Ports)
		if len(g.sources) <= maxListedSources {
			s.Source = sortedKeys(g.sources)
			sortAddrs(s.Source)
		} else {
			s.Source = []string{"any"}
		}
		// sessions and bytes from the catch-all's traffic logs for the
		// same service, clients and ports
		for k, t := range a.sessions {
			if k.rule == sk.rule && k.to == sk.to && k.dst == sk.dst && k.app == sk.app && g.ports[k.port] && !isScanner[k.src] {
				s.Sessions += t.sessions
				s.Bytes += t.bytes
			}
		}
		if s.Sessions == 0 {
			s.Sessions = s.Responses // no traffic logs: each response stands for at most one session
		}
		s.TopURLs = top(g.urls, topURLs)
		out = append(out, s)
	}
	slices.SortFunc(out, func(x, y mine.Suggestion) int {
		if c := cmp.Compare(y.Responses, x.Responses); c != 0 {
			return c
		}
		if c := compareAddr(x.Destination[0], y.Destination[0]); c != 0 {
			return c
		}
		return cmp.Compare(x.Application[0], y.Application[0])
	})
	names := map[string]int{}
	for i := range out {
		base := ruleName(out[i].Application[0], out[i].Destination[0])
		names[base]++
		out[i].Name = base
		if n := names[base]; n > 1 {
			out[i].Name = fmt.Sprintf("%s-%d", base, n)
		}
	}
	return out
}

// ruleName is a stable, valid PAN-OS rule name (at most 63 characters).
func ruleName(app, dst string) string {
	n := "mine-" + app + "-" + strings.NewReplacer(".", "-", ":", "-", "/", "-").Replace(dst)
	if len(n) > 60 {
		n = n[:60]
	}
	return n
}

func service(app string, ports []int) []string {
	if def, ok := defaultPorts[app]; ok && len(ports) > 0 {
		all := true
		for _, p := range ports {
			if !slices.Contains(def, p) {
				all = false
			}
		}
		if all {
			return []string{"application-default"}
		}
	}
	out := make([]string, len(ports))
	for i, p := range ports {
		out[i] = "tcp-" + strconv.Itoa(p)
	}
	return out
}

func top(m map[string]int64, n int) []mine.URLCount {
	out := make([]mine.URLCount, 0, len(m))
	for u, c := range m {
		out = append(out, mine.URLCount{URL: u, Count: c})
	}
	slices.SortFunc(out, func(x, y mine.URLCount) int {
		if c := cmp.Compare(y.Count, x.Count); c != 0 {
			return c
		}
		return cmp.Compare(x.URL, y.URL)
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}

func (a *Aggregator) catchAllURLs(isScanner map[string]bool) []mine.URLStat {
	out := make([]mine.URLStat, 0, len(a.urls))
	for k, u := range a.urls {
		onlyScanners := true
		for src := range u.sources {
			if !isScanner[src] {
				onlyScanners = false
				break
			}
		}
		out = append(out, mine.URLStat{
			URL: k.url, Status: k.status, Destination: k.dst, Application: k.app, Port: k.port,
			Count: u.count, Sources: len(u.sources), FirstSeen: u.first, LastSeen: u.last,
			Scanner: onlyScanners,
		})
	}
	slices.SortFunc(out, func(x, y mine.URLStat) int {
		if c := cmp.Compare(y.Count, x.Count); c != 0 {
			return c
		}
		if c := cmp.Compare(x.URL, y.URL); c != 0 {
			return c
		}
		if c := cmp.Compare(x.Status, y.Status); c != 0 {
			return c
		}
		if c := compareAddr(x.Destination, y.Destination); c != 0 {
			return c
		}
		if c := cmp.Compare(x.Application, y.Application); c != 0 {
			return c
		}
		return cmp.Compare(x.Port, y.Port)
	})
	return out
}

// hitCounts joins the counters with the rulebase: rules in order, then
// counters for rules the rulebase does not list (the default rules).
func hitCounts(rules []mine.Rule, hits []mine.RuleHits, catchAll []mine.Rule) []mine.HitCount {
	isCA := map[string]bool{}
	for _, c := range catchAll {
		isCA[c.Name] = true
	}
	byRule := map[string]mine.RuleHits{}
	for _, h := range hits {
		byRule[h.Rule] = h
	}
	out := make([]mine.HitCount, 0, len(hits))
	listed := map[string]bool{}
	for _, r := range rules {
		listed[r.Name] = true
		hc := mine.HitCount{Rule: r.Name, Position: r.Position + 1, Action: r.Action, CatchAll: isCA[r.Name]}
		if h, ok := byRule[r.Name]; ok {
			fillHits(&hc, h)
		}
		out = append(out, hc)
	}
	pos := len(rules)
	for _, h := range hits {
		if listed[h.Rule] {
			continue
		}
		pos++
		hc := mine.HitCount{Rule: h.Rule, Position: pos, Action: defaultRuleAction(h.Rule)}
		fillHits(&hc, h)
		out = append(out, hc)
	}
	return out
}

func defaultRuleAction(name string) string {
	switch name {
	case "intrazone-default":
		return "allow"
	case "interzone-default":
		return "deny"
	}
	return ""
}

func fillHits(hc *mine.HitCount, h mine.RuleHits) {
	hc.HitCount = h.HitCount
	hc.FirstHit = timePtr(h.FirstHit)
	hc.LastHit = timePtr(h.LastHit)
	hc.LastReset = timePtr(h.LastReset)
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
