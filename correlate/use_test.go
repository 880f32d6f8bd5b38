package correlate

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/panos-mine/mine"
)

func utcDay(month time.Month, d int) time.Time {
	return time.Date(2026, month, d, 0, 0, 0, 0, time.UTC)
}

// The scene of analyzed has all its catch-all traffic on 2026-11-20 inside
// a window from 11-14 10:00 to 11-21 10:00: eight days touched, the first
// and last in part, no whole week. On 11-20: 4 sessions, 3 of them from
// ordinary clients (jenkins 1 + 2); ordinary clients got 5 2xx (jenkins
// 2+1+1, incomplete 1), one 404 and a 500 repeated 3 times; the scanner got
// 26 responses (one 200, 25 404s).
func TestCatchAllDailyOfScene(t *testing.T) {
	r := analyzed(t)
	var want []mine.CatchAllDay
	for d := 14; d <= 21; d++ {
		day := mine.CatchAllDay{Day: utcDay(11, d), Partial: d == 14 || d == 21}
		if d == 20 {
			day.Sessions, day.ClientSessions = 4, 3
			day.Success, day.ClientErrors, day.ServerErrors, day.ScannerResponses = 5, 1, 3, 26
		}
		want = append(want, day)
	}
	if !reflect.DeepEqual(r.CatchAllDaily, want) {
		t.Errorf("CatchAllDaily =\n%+v\nwant\n%+v", r.CatchAllDaily, want)
	}
	if len(r.CatchAllWeeks) != 0 {
		t.Errorf("CatchAllWeeks = %+v; want none: six whole days make no week", r.CatchAllWeeks)
	}
	if r.Totals.CatchAllClientSessions != 3 {
		t.Errorf("Totals.CatchAllClientSessions = %d; want 3 (4 sessions, 1 the scanner's)", r.Totals.CatchAllClientSessions)
	}
}

// A window of 15 days from 11-01 12:00 to 11-16 12:00 has 14 whole days,
// 11-02 to 11-15: two weeks. A client opens one session at 11:00 on each
// day from 11-02 to 11-16 (the last in the partial day), and a scanner one
// on 11-10 while it sweeps 25 paths: the first week holds 7 sessions, the
// second 8, each 7 of ordinary clients.
func TestCatchAllWeeks(t *testing.T) {
	a := NewAggregator([]string{"CA"})
	traffic := func(src, dst string, at time.Time) *mine.TrafficLog {
		return &mine.TrafficLog{ReceiveTime: at, Rule: "CA", FromZone: "trust", ToZone: "dmz", Src: src, Dst: dst, App: "web-browsing", DstPort: 80, Bytes: 10}
	}
	for d := 2; d <= 16; d++ {
		a.AddTraffic(traffic("10.1.0.5", "10.20.5.11", utcDay(11, d).Add(11*time.Hour)))
	}
	sweep := utcDay(11, 10).Add(3 * time.Hour)
	a.AddTraffic(traffic("10.66.6.6", "10.20.9.9", sweep))
	for i := range 25 {
		a.AddThreat(&mine.ThreatLog{ReceiveTime: sweep, Rule: "CA", FromZone: "trust", ToZone: "dmz", Src: "10.66.6.6", Dst: "10.20.9.9",
			App: "web-browsing", DstPort: 80, ThreatName: "HTTP-404", URL: fmt.Sprintf("printer.corp.example/probe%d", i)})
	}
	ca := mine.Rule{Name: "CA", Action: "allow", Application: []string{"any"}}
	w := mine.Window{From: utcDay(11, 1).Add(12 * time.Hour), To: utcDay(11, 16).Add(12 * time.Hour)}
	r := a.Report(Input{Window: w, Rules: []mine.Rule{ca}, CatchAll: []mine.Rule{ca}, Generated: w.To})
	if len(r.Scanners) != 1 {
		t.Fatalf("scanners = %+v; want the sweeping source", r.Scanners)
	}
	want := []mine.CatchAllWeek{
		{From: utcDay(11, 2), To: utcDay(11, 9), Sessions: 7, ClientSessions: 7},
		{From: utcDay(11, 9), To: utcDay(11, 16), Sessions: 8, ClientSessions: 7},
	}
	if !reflect.DeepEqual(r.CatchAllWeeks, want) {
		t.Errorf("CatchAllWeeks = %+v; want %+v", r.CatchAllWeeks, want)
	}
	days := r.CatchAllDaily
	if len(days) != 16 || !days[0].Partial || !days[15].Partial || days[1].Partial || days[14].Partial {
		t.Errorf("CatchAllDaily has %d days, partial first %v, last %v; want 16 days, 11-01 and 11-16 partial", len(days), days[0].Partial, days[len(days)-1].Partial)
	}
	if d := days[9]; d.Day != utcDay(11, 10) || d.Sessions != 2 || d.ClientSessions != 1 || d.ScannerResponses != 25 || d.ClientErrors != 0 {
		t.Errorf("CatchAllDaily[11-10] = %+v; want 2 sessions, 1 of a client, 25 scanner responses and no client 4xx", d)
	}
	// A window that ends at midnight touches no second of the next day.
	w = mine.Window{From: utcDay(11, 2), To: utcDay(11, 16)}
	r = a.Report(Input{Window: w, Rules: []mine.Rule{ca}, CatchAll: []mine.Rule{ca}, Generated: w.To})
	if n := len(r.CatchAllDaily); n != 14 || r.CatchAllDaily[0].Partial || r.CatchAllDaily[13].Partial {
		t.Errorf("midnight window: %d days (partial ends %v, %v); want 14 whole days", n, r.CatchAllDaily[0].Partial, r.CatchAllDaily[n-1].Partial)
	}
}

// The scene's ordinary clients used two destinations through the catch-all:
// jenkins on 10.20.5.11 (3 sessions, 300 bytes, responses 2+1+1 2xx, one
// 404 and a 500 repeated 3 times: 8, from 10.1.0.5 and 10.1.0.7) and an
// "incomplete" App-ID on 10.20.5.99 (one 200, no session). The scanner's
// printer is left out.
func TestCatchAllDestinations(t *testing.T) {
	r := analyzed(t)
	want := []mine.DestinationUse{
		{Destination: "10.20.5.11", Application: "jenkins", Ports: []int{8080}, Sessions: 3, Bytes: 300, Responses: 8, Sources: 2},
		{Destination: "10.20.5.99", Application: "incomplete", Ports: []int{8080}, Responses: 1, Sources: 1},
	}
	if !reflect.DeepEqual(r.CatchAllDestinations, want) {
		t.Errorf("CatchAllDestinations =\n%+v\nwant\n%+v", r.CatchAllDestinations, want)
	}
}
