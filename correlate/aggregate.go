package correlate

import (
	"cmp"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/panos-mine/mine"
)

// Aggregator folds log records into the aggregates the analysis needs. Its
// memory grows with the number of distinct keys (services, clients, URLs,
// days), not with the number of records. It is not safe for concurrent use.
type Aggregator struct {
	catchAll map[string]bool

	threatLogs, responses, caResponses int64
	trafficLogs                        int64
	status, caStatus                   map[int]int64
	// every HTTP status log of the device, and those per catch-all rule
	threatSpan span
	ruleThreat map[string]*ruleThreats
	// log entries per firewall serial number; lastSerial caches the entry
	// of the serial of the previous record (logs come device by device)
	serials    map[string]*int64
	lastSerial string
	serialN    *int64
	// applications seen answering HTTP (on any rule)
	httpApps map[string]bool
	lastApp  string

	// catch-all responses per service and client, by status class
	resp map[flowKey]*flowAgg
	// catch-all sessions from traffic logs, per service and client
	sessions map[flowKey]*sessionAgg
	// every catch-all URL per status and service
	urls map[urlKey]*urlAgg
	// error answers (4xx, 5xx) of internal servers on any rule, per URL
	errs map[errKey]*errAgg
	// every source's behaviour (all rules), for scanner detection
	sources map[string]*sourceAgg
	// internal caches whether a destination is an internal address
	internal map[string]bool
	// responses per UTC day, one series per status class 2xx..5xx (all rules)
	daily [4]days
	// the catch-all's responses per source, UTC day and status class
	// 2xx..5xx: the days of ordinary clients once the scanners are known
	caSrcDays map[string]*classDays
	// resolution is the coarsest time bucket of the groups folded in
	// (AddThreatGroup); 0 while only single entries were.
	resolution time.Duration
}

// classDays counts events per UTC day, one series per status class 2xx..5xx.
type classDays [4]days

// flowKey is a service as the catch-all sees it, from one client.
type flowKey struct {
	rule, from, to, dst, app, proto string
	port                            int
	src                             string
}

type span struct{ first, last time.Time }

func (s *span) add(t time.Time) {
	if s.first.IsZero() || t.Before(s.first) {
		s.first = t
	}
	if t.After(s.last) {
		s.last = t
	}
}

func (s *span) merge(o span) {
	if !o.first.IsZero() {
		s.add(o.first)
	}
	if !o.last.IsZero() {
		s.add(o.last)
	}
}

// days counts events per UTC day, sorted by day.
type days []dayCount

type dayCount struct {
	day int32 // days since the Unix epoch
	n   int64
}

func dayOf(t time.Time) int32 { return int32(floorDiv(t.Unix(), 86400)) }

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func (d *days) add(t time.Time, n int64) {
	day := dayOf(t)
	s := *d
	if k := len(s); k > 0 && s[k-1].day == day {
		s[k-1].n += n
		return
	}
	i, found := slices.BinarySearchFunc(s, day, func(e dayCount, t int32) int { return cmp.Compare(e.day, t) })
	if found {
		s[i].n += n
		return
	}
	*d = slices.Insert(s, i, dayCount{day, n})
}

type ruleThreats struct {
	span
	entries int64
}

// flowAgg counts one client's responses from one catch-all service.
type flowAgg struct {
	span                              // every response
	ok                           span // 2xx responses
	okN, redirects, errs4, errs5 int64
	urls                         map[string]int64 // raw URLs answered 2xx
	days                         days             // responses per day
}

type sessionAgg struct {
	span
	sessions int64
	bytes    int64
	days     days // sessions per day
}

type urlKey struct {
	url    string
	status int
	dst    string
	app    string
	port   int
}

type urlAgg struct {
	span
	count   int64
	sources map[string]int64
}

// errKey is one raw URL of an internal server answered with an error.
type errKey struct {
	dst    string
	port   int
	url    string
	status int
}

type errAgg struct {
	span
	count   int64
	sources map[string]int64
	rules   []string
}

// maxPathsPerSource bounds the distinct error paths remembered per source:
// enough to call a sweep a sweep, without letting one scanner grow memory
// without end.
const maxPathsPerSource = 4096

type sourceAgg struct {
	span
	responses  int64
	clientErrs int64 // 4xx
	notFound   int64 // 404
	// errPaths maps each URL (without query) answered 4xx to the first hour
	// (since the epoch) it was.
	errPaths map[string]int32
	// probes are well-known probe paths answered 4xx.
	probes  map[string]struct{}
	targets map[string]struct{}
	// errTargets are the destinations that answered this source 4xx.
	errTargets map[string]*targetErrs
	// notFoundAt counts the source's 404 answers per second (Unix time),
	// for the rate a combination signature would see; at most
	// maxSecondsPerSource seconds are kept (secondsFull says some were
	// not).
	notFoundAt  map[int64]int64
	secondsFull bool
}

// maxSecondsPerSource bounds the seconds with 404 answers remembered per
// source: a day of one 404 every few seconds, far beyond what an ordinary
// client shows, without letting a scanner grow memory without end.
const maxSecondsPerSource = 1 << 15

type targetErrs struct {
	n        int64
	statuses []int
	rules    []string
}

// NewAggregator returns an aggregator for the named catch-all rules.
func NewAggregator(catchAll []string) *Aggregator {
	a := &Aggregator{
		catchAll:   make(map[string]bool, len(catchAll)),
		status:     map[int]int64{},
		caStatus:   map[int]int64{},
		ruleThreat: map[string]*ruleThreats{},
		serials:    map[string]*int64{},
		httpApps:   map[string]bool{},
		resp:       map[flowKey]*flowAgg{},
		sessions:   map[flowKey]*sessionAgg{},
		urls:       map[urlKey]*urlAgg{},
		errs:       map[errKey]*errAgg{},
		sources:    map[string]*sourceAgg{},
		internal:   map[string]bool{},
		caSrcDays:  map[string]*classDays{},
	}
	for _, n := range catchAll {
		a.catchAll[n] = true
	}
	return a
}

// Reset forgets everything folded in: the aggregator is as NewAggregator
// left it, for the same catch-all rules.
func (a *Aggregator) Reset() {
	names := make([]string, 0, len(a.catchAll))
	for n := range a.catchAll {
		names = append(names, n)
	}
	*a = *NewAggregator(names)
}

// AddThreat folds one threat log entry in. Entries that are not one of the
// HTTP status signatures are ignored.
func (a *Aggregator) AddThreat(l *mine.ThreatLog) { a.addThreat(l, 1) }

// AddThreatGroup folds in, at once, entries threat log entries that agree
// on every field the analysis reads (a row of a report the device
// aggregated): l.RepeatCount is their repeat counts summed, and
// l.ReceiveTime the start of the time bucket of length res they were
// received in, which must lie inside one UTC hour. The result is what
// folding the entries one by one with their receive times moved to the
// bucket's start gives: the counts are the same, first and last seen have
// the bucket's resolution. The URL may be empty only for an entry of a
// rule other than the catch-all whose status is below 400: no aggregate
// reads it there. Per-second rates (BlockThreshold) are unknown after it.
func (a *Aggregator) AddThreatGroup(l *mine.ThreatLog, entries int64, res time.Duration) {
	if entries < 1 {
		return
	}
	a.coarsen(res)
	a.addThreat(l, entries)
}

// AddTrafficGroup is AddThreatGroup for traffic log entries of a
// catch-all rule: l.RepeatCount is their sessions summed, l.Bytes their
// bytes.
func (a *Aggregator) AddTrafficGroup(l *mine.TrafficLog, entries int64, res time.Duration) {
	if entries < 1 {
		return
	}
	a.coarsen(res)
	a.addTraffic(l, entries)
}

func (a *Aggregator) coarsen(res time.Duration) { a.resolution = max(a.resolution, res, time.Second) }

// Resolution is the time resolution of the aggregates: a second for log
// entries folded one by one, the bucket length when groups were folded
// (AddThreatGroup).
func (a *Aggregator) Resolution() time.Duration { return max(a.resolution, time.Second) }

func (a *Aggregator) addThreat(l *mine.ThreatLog, entries int64) {
	code, ok := mine.StatusFromThreatName(l.ThreatName)
	if !ok {
		return
	}
	n := int64(l.Hits())
	a.threatLogs += entries
	a.responses += n
	a.status[code] += n
	if code >= 200 && code < 600 {
		a.daily[code/100-2].add(l.ReceiveTime, n)
	}
	a.threatSpan.add(l.ReceiveTime)
	a.countSerial(l.Serial, entries)
	if l.App != a.lastApp {
		a.httpApps[l.App] = true
		a.lastApp = l.App
	}

	s := a.sources[l.Src]
	if s == nil {
		s = &sourceAgg{targets: map[string]struct{}{}}
		a.sources[l.Src] = s
	}
	s.add(l.ReceiveTime)
	s.responses += n
	s.targets[l.Dst] = struct{}{}
	if code >= 400 && code < 500 {
		a.addClientError(s, l, code, n)
	}
	if code >= 400 && a.isInternal(l.Dst) {
		a.addError(l, code, n)
	}

	if !a.catchAll[l.Rule] {
		return
	}
	rt := a.ruleThreat[l.Rule]
	if rt == nil {
		rt = &ruleThreats{}
		a.ruleThreat[l.Rule] = rt
	}
	rt.add(l.ReceiveTime)
	rt.entries += entries
	a.caResponses += n
	a.caStatus[code] += n
	if code >= 200 && code < 600 {
		cd := a.caSrcDays[l.Src]
		if cd == nil {
			cd = &classDays{}
			a.caSrcDays[l.Src] = cd
		}
		cd[code/100-2].add(l.ReceiveTime, n)
	}

	uk := urlKey{url: l.URL, status: code, dst: l.Dst, app: l.App, port: l.DstPort}
	u := a.urls[uk]
	if u == nil {
		u = &urlAgg{sources: map[string]int64{}}
		a.urls[uk] = u
	}
	u.add(l.ReceiveTime)
	u.count += n
	u.sources[l.Src] += n

	fk := flowKey{rule: l.Rule, from: l.FromZone, to: l.ToZone, dst: l.Dst, app: l.App, proto: l.Proto, port: l.DstPort, src: l.Src}
	f := a.resp[fk]
	if f == nil {
		f = &flowAgg{}
		a.resp[fk] = f
	}
	f.add(l.ReceiveTime)
	f.days.add(l.ReceiveTime, n)
	switch {
	case code >= 200 && code < 300:
		f.ok.add(l.ReceiveTime)
		f.okN += n
		if f.urls == nil {
			f.urls = map[string]int64{}
		}
		f.urls[l.URL] += n
	case code >= 300 && code < 400:
		f.redirects += n
	case code >= 400 && code < 500:
		f.errs4 += n
	case code >= 500:
		f.errs5 += n
	}
}

func (a *Aggregator) countSerial(serial string, entries int64) {
	if a.serialN == nil || serial != a.lastSerial {
		n := a.serials[serial]
		if n == nil {
			n = new(int64)
			a.serials[serial] = n
		}
		a.lastSerial, a.serialN = serial, n
	}
	*a.serialN += entries
}

// addClientError remembers what scanner detection needs of a 4xx answer.
func (a *Aggregator) addClientError(s *sourceAgg, l *mine.ThreatLog, code int, n int64) {
	s.clientErrs += n
	if code == 404 {
		s.notFound += n
		if s.notFoundAt == nil {
			s.notFoundAt = map[int64]int64{}
		}
		sec := l.ReceiveTime.Unix()
		if _, ok := s.notFoundAt[sec]; ok || len(s.notFoundAt) < maxSecondsPerSource {
			s.notFoundAt[sec] += n
		} else {
			s.secondsFull = true
		}
	}
	u, _, _ := strings.Cut(l.URL, "?")
	hour := int32(floorDiv(l.ReceiveTime.Unix(), 3600))
	if s.errPaths == nil {
		s.errPaths = map[string]int32{}
	}
	if h, ok := s.errPaths[u]; ok {
		if hour < h {
			s.errPaths[u] = hour
		}
	} else if len(s.errPaths) < maxPathsPerSource {
		s.errPaths[u] = hour
	}
	if p := probePath(u); p != "" {
		if s.probes == nil {
			s.probes = map[string]struct{}{}
		}
		s.probes[p] = struct{}{}
	}
	if s.errTargets == nil {
		s.errTargets = map[string]*targetErrs{}
	}
	t := s.errTargets[l.Dst]
	if t == nil {
		t = &targetErrs{}
		s.errTargets[l.Dst] = t
	}
	t.n += n
	if !slices.Contains(t.statuses, code) {
		t.statuses = append(t.statuses, code)
	}
	if !slices.Contains(t.rules, l.Rule) {
		t.rules = append(t.rules, l.Rule)
	}
}

// addError folds an error answer of an internal server, for the findings.
func (a *Aggregator) addError(l *mine.ThreatLog, code int, n int64) {
	k := errKey{dst: l.Dst, port: l.DstPort, url: l.URL, status: code}
	e := a.errs[k]
	if e == nil {
		e = &errAgg{sources: map[string]int64{}}
		a.errs[k] = e
	}
	e.add(l.ReceiveTime)
	e.count += n
	e.sources[l.Src] += n
	if !slices.Contains(e.rules, l.Rule) {
		e.rules = append(e.rules, l.Rule)
	}
}

// isInternal reports whether a destination is an internal server: a
// private, loopback or link-local address. App teams own those; the
// internet's broken links are nobody's finding.
func (a *Aggregator) isInternal(dst string) bool {
	v, ok := a.internal[dst]
	if !ok {
		ad, err := netip.ParseAddr(dst)
		ad = ad.Unmap()
		v = err == nil && (ad.IsPrivate() || ad.IsLoopback() || ad.IsLinkLocalUnicast())
		a.internal[dst] = v
	}
	return v
}

// AddTraffic folds one traffic log entry of a catch-all rule in; entries of
// other rules are ignored.
func (a *Aggregator) AddTraffic(l *mine.TrafficLog) { a.addTraffic(l, 1) }

func (a *Aggregator) addTraffic(l *mine.TrafficLog, entries int64) {
	if !a.catchAll[l.Rule] {
		return
	}
	a.trafficLogs += entries
	a.countSerial(l.Serial, entries)
	fk := flowKey{rule: l.Rule, from: l.FromZone, to: l.ToZone, dst: l.Dst, app: l.App, proto: l.Proto, port: l.DstPort, src: l.Src}
	s := a.sessions[fk]
	if s == nil {
		s = &sessionAgg{}
		a.sessions[fk] = s
	}
	n := int64(l.Sessions())
	s.add(l.ReceiveTime)
	s.sessions += n
	s.bytes += l.Bytes
	s.days.add(l.ReceiveTime, n)
}
