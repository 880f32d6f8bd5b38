package correlate

import (
	"fmt"
	"testing"
	"time"

	"github.com/panos-mine/mine"
)

// benchThreats is a stream shaped like a busy catch-all: 10 services, 2000
// clients, 300 URLs per service (numeric IDs, query strings), one answer in
// eight an error, a scanner, and a third of the logs on other rules.
func benchThreats(n int) []*mine.ThreatLog {
	codes := []int{200, 200, 200, 200, 304, 302, 200, 404, 200, 200, 200, 401, 200, 200, 200, 500}
	out := make([]*mine.ThreatLog, n)
	for i := range out {
		rule := "Allow-Web-Ports"
		if i%3 == 0 {
			rule = "Allow-Intranet"
		}
		svc := i % 10
		src := fmt.Sprintf("10.1.%d.%d", i%8, i%250)
		url := fmt.Sprintf("app%d.corp.example/api/v1/items/%d?page=%d", svc, i%300, i%7)
		code := codes[i%len(codes)]
		if i%50 == 0 {
			src, code, url = "10.1.250.9", 404, fmt.Sprintf("10.20.%d.10/probe/%d", svc, i%500)
		}
		out[i] = &mine.ThreatLog{
			ReceiveTime: t0.Add(time.Duration(i) * time.Second), Serial: "007900000001", Rule: rule,
			FromZone: "trust", ToZone: "dmz", Src: src, Dst: fmt.Sprintf("10.20.%d.10", svc), Proto: "tcp",
			DstPort: 8080 + svc%3, App: "web-browsing", ThreatName: fmt.Sprintf("HTTP-%d", code), URL: url, RepeatCount: 1,
		}
	}
	return out
}

func benchTraffic(n int) []*mine.TrafficLog {
	out := make([]*mine.TrafficLog, n)
	for i := range out {
		svc := i % 10
		out[i] = &mine.TrafficLog{
			ReceiveTime: t0.Add(time.Duration(i) * time.Second), Serial: "007900000001", Rule: "Allow-Web-Ports",
			FromZone: "trust", ToZone: "dmz", Src: fmt.Sprintf("10.1.%d.%d", i%8, i%250), Dst: fmt.Sprintf("10.20.%d.10", svc),
			Proto: "tcp", DstPort: 8080 + svc%3, App: "web-browsing", Bytes: 4000, RepeatCount: 1,
		}
	}
	return out
}

// BenchmarkAddThreat measures folding one HTTP status log. floor is what
// any fold pays (the status parse and one counter); skeleton is the
// walking skeleton's aggregator, kept below as the baseline; aggregator is
// today's, which also keeps every response class per flow, days, error
// URLs of internal servers and what scanner detection needs.
func BenchmarkAddThreat(b *testing.B) {
	logs := benchThreats(200_000)
	b.Run("floor", func(b *testing.B) {
		status := map[int]int64{}
		i := 0
		for b.Loop() {
			l := logs[i%len(logs)]
			if code, ok := mine.StatusFromThreatName(l.ThreatName); ok {
				status[code] += int64(l.Hits())
			}
			i++
		}
	})
	b.Run("skeleton", func(b *testing.B) {
		b.ReportAllocs()
		a := newSkeleton([]string{"Allow-Web-Ports"})
		i := 0
		for b.Loop() {
			a.addThreat(logs[i%len(logs)])
			i++
		}
	})
	b.Run("aggregator", func(b *testing.B) {
		b.ReportAllocs()
		a := NewAggregator([]string{"Allow-Web-Ports"})
		i := 0
		for b.Loop() {
			a.AddThreat(logs[i%len(logs)])
			i++
		}
	})
}

// BenchmarkAddTraffic measures folding one catch-all traffic log, against
// the skeleton's fold (no per-day counts).
func BenchmarkAddTraffic(b *testing.B) {
	logs := benchTraffic(200_000)
	b.Run("skeleton", func(b *testing.B) {
		b.ReportAllocs()
		a := newSkeleton([]string{"Allow-Web-Ports"})
		i := 0
		for b.Loop() {
			a.addTraffic(logs[i%len(logs)])
			i++
		}
	})
	b.Run("aggregator", func(b *testing.B) {
		b.ReportAllocs()
		a := NewAggregator([]string{"Allow-Web-Ports"})
		i := 0
		for b.Loop() {
			a.AddTraffic(logs[i%len(logs)])
			i++
		}
	})
}

// BenchmarkReport measures the analysis of the aggregates of 200k threat
// and 100k traffic logs: templating, grouping, the replay, findings and
// readiness.
func BenchmarkReport(b *testing.B) {
	a := NewAggregator([]string{"Allow-Web-Ports"})
	for _, l := range benchThreats(200_000) {
		a.AddThreat(l)
	}
	for _, l := range benchTraffic(100_000) {
		a.AddTraffic(l)
	}
	ca := mine.Rule{Name: "Allow-Web-Ports", Position: 1, Action: "allow", Application: []string{"any"}}
	in := Input{Window: mine.NewWindow(t0.Add(3*day), 7*day), Rules: []mine.Rule{ruleApp, ca}, CatchAll: []mine.Rule{ca}}
	b.ReportAllocs()
	for b.Loop() {
		a.Report(in)
	}
}

// skeleton is the walking skeleton's fold, verbatim but for names: the
// baseline of the benchmarks above.
type skeleton struct {
	catchAll                           map[string]bool
	threatLogs, responses, caResponses int64
	trafficLogs                        int64
	status, caStatus                   map[int]int64
	ok                                 map[flowKey]*skelFlow
	sessions                           map[flowKey]*skelSession
	urls                               map[urlKey]*urlAgg
	sources                            map[string]*skelSource
}

type skelFlow struct {
	span
	responses int64
	urls      map[string]int64
}

type skelSession struct {
	span
	sessions, bytes int64
}

type skelSource struct {
	span
	responses, clientErrs, notFound int64
	errPaths, targets               map[string]struct{}
}

func newSkeleton(catchAll []string) *skeleton {
	a := &skeleton{catchAll: map[string]bool{}, status: map[int]int64{}, caStatus: map[int]int64{},
		ok: map[flowKey]*skelFlow{}, sessions: map[flowKey]*skelSession{}, urls: map[urlKey]*urlAgg{}, sources: map[string]*skelSource{}}
	for _, n := range catchAll {
		a.catchAll[n] = true
	}
	return a
}

func (a *skeleton) addThreat(l *mine.ThreatLog) {
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
		s = &skelSource{errPaths: map[string]struct{}{}, targets: map[string]struct{}{}}
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
		f = &skelFlow{urls: map[string]int64{}}
		a.ok[fk] = f
	}
	f.add(l.ReceiveTime)
	f.responses += n
	f.urls[l.URL] += n
}

func (a *skeleton) addTraffic(l *mine.TrafficLog) {
	if !a.catchAll[l.Rule] {
		return
	}
	a.trafficLogs++
	fk := flowKey{rule: l.Rule, from: l.FromZone, to: l.ToZone, dst: l.Dst, app: l.App, port: l.DstPort, src: l.Src}
	s := a.sessions[fk]
	if s == nil {
		s = &skelSession{}
		a.sessions[fk] = s
	}
	s.add(l.ReceiveTime)
	s.sessions += int64(l.Sessions())
	s.bytes += l.Bytes
}

// BenchmarkBlockThreshold measures deriving the scanner-blocking threshold
// from 200,000 folded logs, against scanner detection alone (which it
// runs first) as the baseline.
func BenchmarkBlockThreshold(b *testing.B) {
	a := NewAggregator([]string{"Allow-Web-Ports"})
	for _, l := range benchThreats(200_000) {
		a.AddThreat(l)
	}
	b.Run("scanners", func(b *testing.B) {
		for b.Loop() {
			a.scanners()
		}
	})
	b.Run("threshold", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := a.BlockThreshold(time.Minute); err != nil {
				b.Fatal(err)
			}
		}
	})
}
