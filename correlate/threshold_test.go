package correlate

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/panos-mine/mine"
)

// blockScene plants, by hand, the sources a 404 threshold must tell
// apart, with their busiest minute worked out below:
//
//   - slow scanner 10.66.0.1: 30 distinct probe paths answered 404, one
//     every 4 s from t0: seconds 0, 4, ... 116; a 60 s stretch holds 15
//     (0..56);
//   - fast scanner 10.66.0.2: 40 distinct paths, 3 answers a second over
//     20 s (each second a log with repeat count 2 and a single one): all
//     60 in one minute;
//   - client 10.1.0.5: mostly 200s, and a broken link answered 404 at
//     t0+100s, +110s, +130s: all three fall in [100 s, 160 s): 3;
//   - client 10.1.0.7: one 404 an hour: 1.
//
// So the busiest client has 3, the slowest scanner 15, and the middle
// threshold is 3 + ceil((15-3)/2) = 9.
func blockScene() *scene {
	s := newScene("CA")
	const svc = "10.20.5.11"
	for i := 0; i < 30; i++ {
		s.http("CA", "10.66.0.1", svc, "web-browsing", 80, 404, fmt.Sprintf("inv.corp.example/probe/%d", i), time.Duration(4*i)*time.Second)
	}
	for i := 0; i < 20; i++ {
		s.a.AddThreat(&mine.ThreatLog{ReceiveTime: t0.Add(time.Duration(i) * time.Second), Rule: "CA", Src: "10.66.0.2", Dst: svc,
			App: "web-browsing", DstPort: 80, ThreatName: "HTTP-404", URL: fmt.Sprintf("inv.corp.example/x%d", i), RepeatCount: 2})
		s.http("CA", "10.66.0.2", svc, "web-browsing", 80, 404, fmt.Sprintf("inv.corp.example/y%d", i), time.Duration(i)*time.Second)
	}
	for i := 0; i < 40; i++ {
		s.http("CA", "10.1.0.5", svc, "web-browsing", 80, 200, "inv.corp.example/items", time.Duration(i)*time.Minute)
	}
	for _, sec := range []int{100, 110, 130} {
		s.http("CA", "10.1.0.5", svc, "web-browsing", 80, 404, "inv.corp.example/old.pdf", time.Duration(sec)*time.Second)
	}
	for h := 0; h < 5; h++ {
		s.http("CA", "10.1.0.7", svc, "web-browsing", 80, 404, "inv.corp.example/favicon.png", time.Duration(h)*time.Hour)
		s.http("CA", "10.1.0.7", svc, "web-browsing", 80, 200, "inv.corp.example/", time.Duration(h)*time.Hour)
	}
	return s
}

func TestBlockThreshold(t *testing.T) {
	s := blockScene()
	bt, err := s.a.BlockThreshold(time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if !bt.Separable || bt.Threshold != 9 || bt.Interval != 60 {
		t.Fatalf("BlockThreshold(60s) = separable %v, threshold %d, interval %d (%s); want separable, 9, 60", bt.Separable, bt.Threshold, bt.Interval, bt.Reason)
	}
	if bt.Busiest == nil || bt.Busiest.Source != "10.1.0.5" || bt.Busiest.Peak != 3 || !bt.Busiest.At.Equal(t0.Add(100*time.Second)) {
		t.Errorf("busiest client = %+v; want 10.1.0.5 with 3 from t0+100s", bt.Busiest)
	}
	if bt.Slowest == nil || bt.Slowest.Source != "10.66.0.1" || bt.Slowest.Peak != 15 || !bt.Slowest.At.Equal(t0) {
		t.Errorf("slowest scanner = %+v; want 10.66.0.1 with 15 from t0", bt.Slowest)
	}
	if len(bt.Scanners) != 2 || bt.Scanners[0].Source != "10.66.0.2" || bt.Scanners[0].Peak != 60 || bt.Scanners[0].NotFound != 60 {
		t.Errorf("scanners = %+v; want the fast one first with all of its 60 404s", bt.Scanners)
	}
	// Every scanner would have been blocked, no client would.
	for _, sc := range bt.Scanners {
		if sc.Peak < int64(bt.Threshold) {
			t.Errorf("scanner %s peaks at %d, below the threshold %d", sc.Source, sc.Peak, bt.Threshold)
		}
	}
	if bt.Busiest.Peak >= int64(bt.Threshold) {
		t.Errorf("client %s peaks at %d, at or above the threshold %d", bt.Busiest.Source, bt.Busiest.Peak, bt.Threshold)
	}

	// Over 10 s: the slow scanner has 3 (0, 4, 8); the client's 404s at
	// 100, 110 and 130 s are at least 10 s apart, so no 10 s stretch
	// holds two of them: 1. Threshold max(1 + ceil((3-1)/2), 2) = 2.
	bt, err = s.a.BlockThreshold(10 * time.Second)
	if err != nil || !bt.Separable || bt.Threshold != 2 || bt.Busiest.Peak != 1 || bt.Slowest.Peak != 3 {
		t.Errorf("BlockThreshold(10s) = %+v, %v; want threshold 2 between 1 and 3", bt, err)
	}
}

// A client faster than the slowest scanner: a broken health check
// polling a missing URL every 2 s for ten minutes, 30 within a minute
// (0, 2, ... 58), above the slow scanner's 15. It is not a scanner (one
// distinct path), so no threshold blocks every scanner and spares it.
func TestBlockThresholdRefusesBusyClient(t *testing.T) {
	s := blockScene()
	for i := 0; i < 300; i++ {
		s.http("CA", "10.1.0.9", "10.20.5.11", "web-browsing", 80, 404, "inv.corp.example/health", time.Duration(2*i)*time.Second+time.Hour)
	}
	bt, err := s.a.BlockThreshold(time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if bt.Separable || bt.Threshold != 0 {
		t.Fatalf("BlockThreshold with a busy client = separable %v, threshold %d; want refused", bt.Separable, bt.Threshold)
	}
	if bt.Busiest == nil || bt.Busiest.Source != "10.1.0.9" || bt.Busiest.Peak != 30 || bt.Slowest.Peak != 15 {
		t.Errorf("busiest %+v, slowest %+v; want 10.1.0.9 with 30 against 15", bt.Busiest, bt.Slowest)
	}
	for _, want := range []string{"10.1.0.9, got 30 within 60s", "10.66.0.1, got 15 within 60s", "no threshold"} {
		if !strings.Contains(bt.Reason, want) {
			t.Errorf("reason %q does not say %q", bt.Reason, want)
		}
	}
}

func TestBlockThresholdNothingToBlock(t *testing.T) {
	s := newScene("CA")
	s.http("CA", "10.1.0.5", "10.20.5.11", "web-browsing", 80, 404, "a/b", 0)
	bt, err := s.a.BlockThreshold(time.Minute)
	if err != nil || bt.Separable || !strings.Contains(bt.Reason, "nothing to block") {
		t.Errorf("no scanner: %+v, %v; want refused, nothing to block", bt, err)
	}
	// A scanner answered only 403 (probe paths): a 404 count cannot see it.
	s = newScene("CA")
	for _, p := range []string{"/.env", "/.git/config", "/wp-login.php"} {
		s.http("CA", "10.66.0.3", "10.20.5.11", "web-browsing", 80, 403, "inv"+p, 0)
	}
	bt, err = s.a.BlockThreshold(time.Minute)
	if err != nil || bt.Separable || !strings.Contains(bt.Reason, "got no HTTP-404") || len(bt.Scanners) != 1 {
		t.Errorf("403-only scanner: %+v, %v; want refused naming the missing 404s", bt, err)
	}
	for _, d := range []time.Duration{0, 500 * time.Millisecond, 1500 * time.Millisecond, 3601 * time.Second} {
		if _, err := s.a.BlockThreshold(d); err == nil {
			t.Errorf("BlockThreshold(%s) = nil error; want the interval refused", d)
		}
	}
}

func TestPeak(t *testing.T) {
	tests := []struct {
		name   string
		counts map[int64]int64
		width  int64
		best   int64
		at     int64
	}{
		{"empty", nil, 60, 0, 0},
		{"one", map[int64]int64{5: 2}, 60, 2, 5},
		{"edge excluded", map[int64]int64{0: 1, 60: 1}, 60, 1, 0},
		{"edge included", map[int64]int64{0: 1, 59: 1}, 60, 2, 0},
		{"later busier", map[int64]int64{0: 1, 100: 2, 101: 2, 200: 1}, 10, 4, 100},
		{"width one", map[int64]int64{3: 1, 4: 5, 5: 1}, 1, 5, 4},
	}
	for _, tc := range tests {
		if best, at := peak(tc.counts, tc.width); best != tc.best || at != tc.at {
			t.Errorf("peak(%s) = %d at %d; want %d at %d", tc.name, best, at, tc.best, tc.at)
		}
	}
}
