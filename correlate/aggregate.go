package correlate

import (
	"time"

	"github.com/panos-mine/mine"
)

// Aggregator folds log records into the aggregates the analysis needs. Its
// memory grows with the number of distinct keys (services, clients, URLs),
// not with the number of records. It is not safe for concurrent use.
type Aggregator struct {
	catchAll map[string]bool

	threatLogs, responses, caResponses int64
	trafficLogs                        int64
	status, caStatus                   map[int]int64

	// successful responses on the catch-all, per service and client
	ok map[flowKey]*flowAgg
	// catch-all sessions from traffic logs, per service and client
	sessions map[flowKey]*sessionAgg
	// every catch-all URL per status and service
	urls map[urlKey]*urlAgg
	// every source's behaviour (all rules), for scanner detection
	sources map[string]*sourceAgg
}

// flowKey is a service as the catch-all sees it, from one client.
type flowKey struct {
	rule, from, to, dst, app string
	port                     int
	src                      string
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

type flowAgg struct {
	span
	responses int64
	urls      map[string]int64
}

type sessionAgg struct {
	span
	sessions int64
	bytes    int64
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

// maxPathsPerSource bounds the distinct error paths remembered per source:
// enough to call a sweep a sweep, without letting one scanner grow memory
// without end.
const maxPathsPerSource = 4096

type sourceAgg struct {
	span
	responses  int64
	clientErrs int64 // 4xx
	notFound   int64 // 404
	errPaths   map[string]struct{}
	targets    map[string]struct{}
}

// NewAggregator returns an aggregator for the named catch-all rules.
func NewAggregator(catchAll []string) *Aggregator {
	a := &Aggregator{
		catchAll: make(map[string]bool, len(catchAll)),
		status:   map[int]int64{},
		caStatus: map[int]int64{},
		ok:       map[flowKey]*flowAgg{},
		sessions: map[flowKey]*sessionAgg{},
		urls:     map[urlKey]*urlAgg{},
		sources:  map[string]*sourceAgg{},
	}
	for _, n := range catchAll {
		a.catchAll[n] = true
	}
	return a
}

// AddThreat folds one threat log entry in. Entries that are not one of the
// HTTP status signatures are ignored.
func (a *Aggregator) AddThreat(l *mine.ThreatLog) {
	code, ok := mine.StatusFromThreatName(l.ThreatName)
	if !ok {
		return
	}
	n := int64(l.Hits())
	a.threatLogs++
	a.responses += n
	a.status[code] += n

	s := a.sources[l.Src]
	if s == nil {
		s = &sourceAgg{errPaths: map[string]struct{}{}, targets: map[string]struct{}{}}
		a.sources[l.Src] = s
	}
	s.add(l.ReceiveTime)
	s.responses += n
	s.targets[l.Dst] = struct{}{}
	if code >= 400 && code < 500 {
		s.clientErrs += n
		if code == 404 {
			s.notFound += n
		}
		if len(s.errPaths) < maxPathsPerSource {
			s.errPaths[l.URL] = struct{}{}
		}
	}

	if !a.catchAll[l.Rule] {
		return
	}
	a.caResponses += n
	a.caStatus[code] += n

	uk := urlKey{url: l.URL, status: code, dst: l.Dst, app: l.App, port: l.DstPort}
	u := a.urls[uk]
	if u == nil {
		u = &urlAgg{sources: map[string]int64{}}
		a.urls[uk] = u
	}
	u.add(l.ReceiveTime)
	u.count += n
	u.sources[l.Src] += n

	if code != 200 {
		return
	}
	fk := flowKey{rule: l.Rule, from: l.FromZone, to: l.ToZone, dst: l.Dst, app: l.App, port: l.DstPort, src: l.Src}
	f := a.ok[fk]
	if f == nil {
		f = &flowAgg{urls: map[string]int64{}}
		a.ok[fk] = f
	}
	f.add(l.ReceiveTime)
	f.responses += n
	f.urls[l.URL] += n
}

// AddTraffic folds one traffic log entry of a catch-all rule in; entries of
// other rules are ignored.
func (a *Aggregator) AddTraffic(l *mine.TrafficLog) {
	if !a.catchAll[l.Rule] {
		return
	}
	a.trafficLogs++
	fk := flowKey{rule: l.Rule, from: l.FromZone, to: l.ToZone, dst: l.Dst, app: l.App, port: l.DstPort, src: l.Src}
	s := a.sessions[fk]
	if s == nil {
		s = &sessionAgg{}
		a.sessions[fk] = s
	}
	s.add(l.ReceiveTime)
	s.sessions += int64(l.Sessions())
	s.bytes += l.Bytes
}
