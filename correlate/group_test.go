package correlate

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/panos-mine/mine"
)

// groupScene is three days of a busy catch-all and an intranet rule:
// 6 services, 6 clients, 3 URLs per service, one answer in eight an
// error, repeat counts above one; a slow scanner whose 404s come one path
// an hour, and a burst scanner on the other rule, from a second firewall.
func groupScene() ([]*mine.ThreatLog, []*mine.TrafficLog) {
	rng := rand.New(rand.NewPCG(1, 2))
	codes := []int{200, 200, 200, 200, 304, 302, 200, 404, 200, 200, 200, 401, 200, 200, 200, 500}
	var th []*mine.ThreatLog
	for i := range 60_000 {
		rule := "Allow-Web-Ports"
		if rng.IntN(3) == 0 {
			rule = "Allow-Intranet"
		}
		svc := rng.IntN(6)
		th = append(th, &mine.ThreatLog{
			ReceiveTime: t0.Add(time.Duration(i) * 4 * time.Second), Serial: "007900000001", Rule: rule,
			FromZone: "trust", ToZone: "dmz", Src: fmt.Sprintf("10.1.0.%d", 10+rng.IntN(6)), Dst: fmt.Sprintf("10.20.%d.10", svc),
			Proto: "tcp", DstPort: 8080 + svc%3, App: []string{"web-browsing", "jenkins"}[svc%2],
			ThreatName: fmt.Sprintf("HTTP-%d", codes[rng.IntN(len(codes))]), ThreatID: 41003,
			URL:         fmt.Sprintf("app%d.corp.example/api/v1/items/%d?page=1", svc, rng.IntN(3)),
			RepeatCount: 1 + rng.IntN(2),
		})
	}
	for i := range 40 {
		th = append(th, &mine.ThreatLog{
			ReceiveTime: t0.Add(time.Duration(i)*time.Hour + 17*time.Minute), Serial: "007900000001", Rule: "Allow-Web-Ports",
			FromZone: "trust", ToZone: "dmz", Src: "10.1.251.1", Dst: "10.20.3.10", Proto: "tcp", DstPort: 8080, App: "web-browsing",
			ThreatName: "HTTP-404", URL: fmt.Sprintf("10.20.3.10/slow-%d.php", i), RepeatCount: 1,
		})
	}
	for i := range 15 {
		th = append(th, &mine.ThreatLog{
			ReceiveTime: t0.Add(30*time.Hour + time.Duration(i)*time.Minute), Serial: "007900000002", Rule: "Allow-Intranet",
			FromZone: "trust", ToZone: "dmz", Src: "10.1.252.2", Dst: "10.20.4.10", Proto: "tcp", DstPort: 80, App: "web-browsing",
			ThreatName: "HTTP-404", URL: fmt.Sprintf("10.20.4.10/.git/x%d", i), RepeatCount: 1,
		})
	}
	var tr []*mine.TrafficLog
	for i := range 20_000 {
		svc := rng.IntN(6)
		tr = append(tr, &mine.TrafficLog{
			ReceiveTime: t0.Add(time.Duration(i) * 12 * time.Second), Serial: "007900000001", Rule: "Allow-Web-Ports",
			FromZone: "trust", ToZone: "dmz", Src: fmt.Sprintf("10.1.0.%d", 10+rng.IntN(40)), Dst: fmt.Sprintf("10.20.%d.10", svc),
			Proto: "tcp", DstPort: 8080 + svc%3, App: []string{"web-browsing", "jenkins"}[svc%2], Bytes: int64(1000 + rng.IntN(5000)),
			RepeatCount: 1 + rng.IntN(2),
		})
	}
	return th, tr
}

// floorHour is t at the start of its UTC hour.
func floorHour(t time.Time) time.Time { return t.Truncate(time.Hour) }

type threatGroupKey struct {
	serial, rule, from, to, src, dst, app, proto, name, url string
	port, id                                                int
	hour                                                    int64
}

type trafficGroupKey struct {
	serial, rule, from, to, src, dst, app, proto string
	port                                         int
	hour                                         int64
}

// TestGroupsFoldLikeEntries checks AddThreatGroup and AddTrafficGroup
// against the entry-by-entry fold: the same stream, with every receive
// time moved to the start of its hour, folded one entry at a time, must
// give the same report as the stream grouped here by every field and
// hour, as a device's report would group it, and folded one group at a
// time. The URL of an entry on another rule than the catch-all answered
// below 400 is left out of its group, as the report mine asks for leaves
// it out.
func TestGroupsFoldLikeEntries(t *testing.T) {
	th, tr := groupScene()
	catchAll := []string{"Allow-Web-Ports"}

	entries := NewAggregator(catchAll)
	for _, l := range th {
		c := *l
		c.ReceiveTime = floorHour(c.ReceiveTime)
		if c.Rule != "Allow-Web-Ports" && statusOf(&c) < 400 {
			c.URL = "" // the entry's URL is not read there: dropping it changes nothing
		}
		entries.AddThreat(&c)
	}
	for _, l := range tr {
		c := *l
		c.ReceiveTime = floorHour(c.ReceiveTime)
		entries.AddTraffic(&c)
	}

	type tg struct {
		rec     mine.ThreatLog
		entries int64
	}
	tgs := map[threatGroupKey]*tg{}
	var order []threatGroupKey
	for _, l := range th {
		url := l.URL
		if l.Rule != "Allow-Web-Ports" && statusOf(l) < 400 {
			url = ""
		}
		k := threatGroupKey{l.Serial, l.Rule, l.FromZone, l.ToZone, l.Src, l.Dst, l.App, l.Proto, l.ThreatName, url, l.DstPort, l.ThreatID, floorHour(l.ReceiveTime).Unix()}
		g := tgs[k]
		if g == nil {
			g = &tg{rec: *l}
			g.rec.URL, g.rec.ReceiveTime, g.rec.RepeatCount = url, floorHour(l.ReceiveTime), 0
			tgs[k] = g
			order = append(order, k)
		}
		g.rec.RepeatCount += l.Hits()
		g.entries++
	}
	type fg struct {
		rec     mine.TrafficLog
		entries int64
	}
	fgs := map[trafficGroupKey]*fg{}
	var forder []trafficGroupKey
	for _, l := range tr {
		k := trafficGroupKey{l.Serial, l.Rule, l.FromZone, l.ToZone, l.Src, l.Dst, l.App, l.Proto, l.DstPort, floorHour(l.ReceiveTime).Unix()}
		g := fgs[k]
		if g == nil {
			g = &fg{rec: *l}
			g.rec.ReceiveTime, g.rec.RepeatCount, g.rec.Bytes = floorHour(l.ReceiveTime), 0, 0
			fgs[k] = g
			forder = append(forder, k)
		}
		g.rec.RepeatCount += l.Sessions()
		g.rec.Bytes += l.Bytes
		g.entries++
	}
	if len(order) >= len(th)/2 {
		t.Fatalf("the scene has %d groups for %d entries: too few entries share a group to test grouping", len(order), len(th))
	}
	groups := NewAggregator(catchAll)
	for _, k := range order {
		g := tgs[k]
		groups.AddThreatGroup(&g.rec, g.entries, time.Hour)
	}
	for _, k := range forder {
		g := fgs[k]
		groups.AddTrafficGroup(&g.rec, g.entries, time.Hour)
	}

	rules := []mine.Rule{
		{Name: "Allow-Intranet", Position: 0, Action: "allow", Application: []string{"web-browsing"}},
		ruleCA,
	}
	rules[1].Name = "Allow-Web-Ports"
	in := Input{
		Device: mine.Device{Hostname: "fw", Serial: "007900000001"},
		Window: mine.Window{From: t0, To: t0.Add(72 * time.Hour)}, Rules: rules, CatchAll: rules[1:], Generated: t0,
		ExpectedSerials: []string{"007900000001", "007900000002"},
	}
	want, got := entries.Report(in), groups.Report(in)
	var scanners []string
	for _, sc := range want.Scanners {
		scanners = append(scanners, sc.Source)
	}
	if !reflect.DeepEqual(scanners, []string{"10.1.251.1", "10.1.252.2"}) || len(want.Suggestions) == 0 || len(want.Findings) == 0 {
		t.Fatalf("the scene gives scanners %v (want the slow and the burst one), %d suggestions, %d findings: not what it plants", scanners, len(want.Suggestions), len(want.Findings))
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("report from groups differs from the report from entries:\n%s", firstDiff(t, want, got))
	}
	if got.Totals.ThreatLogs != int64(len(th)) || got.Totals.TrafficLogs != int64(len(tr)) {
		t.Errorf("groups count %d threat and %d traffic entries; want %d and %d", got.Totals.ThreatLogs, got.Totals.TrafficLogs, len(th), len(tr))
	}
	if r := groups.Resolution(); r != time.Hour {
		t.Errorf("Resolution() after hour groups = %s; want 1h", r)
	}
	if r := entries.Resolution(); r != time.Second {
		t.Errorf("Resolution() after entries = %s; want 1s", r)
	}
}

// TestBlockThresholdNeedsSeconds: once groups are folded in, the seconds
// of the 404 answers are gone, and BlockThreshold says so instead of
// computing rates from bucket starts.
func TestBlockThresholdNeedsSeconds(t *testing.T) {
	a := NewAggregator([]string{"CA"})
	a.AddThreatGroup(threat("CA", "10.1.0.5", "10.20.0.1", "web-browsing", 80, 404, "x/a", 0, 9), 9, time.Hour)
	if _, err := a.BlockThreshold(time.Minute); err == nil || !strings.Contains(err.Error(), "--evidence full") {
		t.Errorf("BlockThreshold after a group: err = %v; want one that asks for --evidence full", err)
	}
	b := NewAggregator([]string{"CA"})
	b.AddThreat(threat("CA", "10.1.0.5", "10.20.0.1", "web-browsing", 80, 404, "x/a", 0, 1))
	if _, err := b.BlockThreshold(time.Minute); err != nil {
		t.Errorf("BlockThreshold after entries: %v", err)
	}
}

func statusOf(l *mine.ThreatLog) int {
	c, _ := mine.StatusFromThreatName(l.ThreatName)
	return c
}

// firstDiff names the first top-level report key whose JSON differs.
func firstDiff(t *testing.T, want, got *mine.Report) string {
	t.Helper()
	var w, g map[string]json.RawMessage
	wb, _ := json.Marshal(want)
	gb, _ := json.Marshal(got)
	json.Unmarshal(wb, &w)
	json.Unmarshal(gb, &g)
	var out []string
	for k, v := range w {
		if string(g[k]) != string(v) {
			out = append(out, fmt.Sprintf("%s:\n  want %.400s\n  got  %.400s", k, v, g[k]))
		}
	}
	return strings.Join(out, "\n")
}

// TestReset: after Reset, the aggregator reports as a new one does.
func TestReset(t *testing.T) {
	th, tr := groupScene()
	a := NewAggregator([]string{"Allow-Web-Ports"})
	for _, l := range th[:500] {
		a.AddThreat(l)
	}
	for _, l := range tr[:500] {
		a.AddTrafficGroup(l, 1, time.Hour)
	}
	a.Reset()
	in := Input{Window: mine.Window{From: t0, To: t0.Add(72 * time.Hour)}, Rules: []mine.Rule{ruleCA}, CatchAll: []mine.Rule{ruleCA}, Generated: t0}
	in.Rules[0].Name, in.CatchAll[0].Name = "Allow-Web-Ports", "Allow-Web-Ports"
	if got, want := a.Report(in), NewAggregator([]string{"Allow-Web-Ports"}).Report(in); !reflect.DeepEqual(got, want) {
		t.Errorf("report after Reset differs from a new aggregator's:\n%s", firstDiff(t, want, got))
	}
	if a.Resolution() != time.Second {
		t.Errorf("Resolution after Reset = %s; want 1s", a.Resolution())
	}
}
