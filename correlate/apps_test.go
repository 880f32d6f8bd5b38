package correlate

import (
	"reflect"
	"testing"
	"time"

	"github.com/panos-mine/mine"
)

// Figures from the hand-made scene of analyzed: the jenkins server used by
// two clients (traffic: 1 + 2 sessions, 100 + 200 bytes; responses: 2+1+1
// 2xx, one 404, a 500 repeated 3 times), one 200 of an "incomplete" App-ID,
// and the scanner's printer traffic, which is left out.
func TestCatchAllApps(t *testing.T) {
	r := analyzed(t)
	want := []mine.AppStat{
		{Application: "jenkins", Sessions: 3, Bytes: 300, Destinations: 1, Sources: 2, Ports: []int{8080},
			Success: 4, ClientErrors: 1, ServerErrors: 3, HTTPVisible: true, Suggested: true,
			FirstSeen: t0, LastSeen: t0.Add(5 * time.Hour)},
		{Application: "incomplete", Destinations: 1, Sources: 1, Ports: []int{8080},
			Success: 1, HTTPVisible: true, FirstSeen: t0.Add(time.Hour), LastSeen: t0.Add(time.Hour)},
	}
	if !reflect.DeepEqual(r.CatchAllApps, want) {
		t.Errorf("CatchAllApps =\n%+v\nwant\n%+v", r.CatchAllApps, want)
	}
}

// Every response of the scene falls on 2026-11-20 (UTC): 10 2xx, 26 4xx,
// 3 5xx, as the status counts say.
func TestDailyStatus(t *testing.T) {
	r := analyzed(t)
	want := []mine.DayStatus{{Day: time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC), Success: 10, ClientErrors: 26, ServerErrors: 3}}
	if !reflect.DeepEqual(r.DailyStatus, want) {
		t.Errorf("DailyStatus = %+v; want %+v", r.DailyStatus, want)
	}
}
