package collect

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/panos-mine/mine"
	"github.com/panos-mine/mine/panosim"
	"github.com/panos-mine/mine/signatures"
)

// loggingSim is a simulator with the signatures deployed that has logged d
// of traffic from o.Start.
func loggingSim(t *testing.T, o panosim.Options, d time.Duration) *panosim.Server {
	t.Helper()
	if o.SessionsPerDay == 0 {
		o.SessionsPerDay = 800
	}
	if o.PollsBeforeFinish == 0 {
		o.PollsBeforeFinish = 1
	}
	sim := panosim.New(o)
	srv := httptest.NewTLSServer(sim)
	defer srv.Close()
	dep, err := signatures.Connect(context.Background(), testConfig(t, srv, sim.APIKey()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dep.Deploy(context.Background(), signatures.Default(), signatures.Location{}); err != nil {
		t.Fatal(err)
	}
	sim.Advance(d)
	return sim
}

// connectScope serves h and connects with the simulator's clock as the
// caller's, a scope, and a logger whose output is returned.
func connectScope(t *testing.T, h http.Handler, sim *panosim.Server, sc Scope) (*Client, *bytes.Buffer, error) {
	t.Helper()
	srv := httptest.NewTLSServer(h)
	t.Cleanup(srv.Close)
	cfg := testConfig(t, srv, sim.APIKey())
	cfg.Now = sim.Now
	var logs bytes.Buffer
	cfg.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, err := ConnectScope(context.Background(), cfg, sc)
	if err == nil {
		c.PollStart, c.PollMax, c.RetryBase = time.Millisecond, 5*time.Millisecond, time.Millisecond
	}
	return c, &logs, err
}

// The recorded system info's time field is the wall clock without a zone.
func TestParseInfoTimeRecorded(t *testing.T) {
	b, err := os.ReadFile("../testdata/real/xmlapi/paloaltoapi-system-info-firewall-9.1.xml")
	if err != nil {
		t.Fatal(err)
	}
	d, err := ParseSystemInfo(b)
	if err != nil || d.Model != "PA-5250" {
		t.Fatalf("ParseSystemInfo = %+v, %v", d, err)
	}
	i := bytes.Index(b, []byte("<time>"))
	j := bytes.Index(b, []byte("</time>"))
	got, err := parseInfoTime(string(b[i+6 : j]))
	if want := time.Date(2022, 1, 19, 11, 30, 17, 0, time.UTC); err != nil || !got.Equal(want) {
		t.Errorf("parseInfoTime(recorded) = %v, %v; want %v", got, err, want)
	}
}

// Clock answers as public code reads them: an abbreviation or a bare
// offset as the zone; anything else is an error, never UTC.
func TestParseClock(t *testing.T) {
	tests := []struct {
		body string
		wall time.Time
		zone string
		ok   bool
	}{
		{"<response status=\"success\"><result>Wed Mar  9 05:10:06 PST 2022\n</result></response>", time.Date(2022, 3, 9, 5, 10, 6, 0, time.UTC), "PST", true},
		{"<response status=\"success\"><result>Sun Nov  1 01:30:00 -03 2026</result></response>", time.Date(2026, 11, 1, 1, 30, 0, 0, time.UTC), "-03", true},
		{"<response status=\"success\"><result></result></response>", time.Time{}, "", false},
		{"<response status=\"error\"><msg>no</msg></response>", time.Time{}, "", false},
		{"<response status=\"success\"><result>Wed Mar 32 05:10:06 PST 2022</result></response>", time.Time{}, "", false},
		{"<html>login</html>", time.Time{}, "", false},
	}
	for _, tc := range tests {
		wall, zone, err := ParseClock([]byte(tc.body))
		if (err == nil) != tc.ok || !wall.Equal(tc.wall) || zone != tc.zone {
			t.Errorf("ParseClock(%q) = %v, %q, %v; want %v, %q, ok %v", tc.body, wall, zone, err, tc.wall, tc.zone, tc.ok)
		}
	}
}

// Offsets by hand: a clock reading 2026-11-02 03:00:07 when UTC is
// 08:00:00 is UTC-5 with 7 seconds of skew; 21 hours ahead is no zone.
func TestClockOffset(t *testing.T) {
	now := time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)
	off, skew, ok := clockOffset(time.Date(2026, 11, 2, 3, 0, 7, 0, time.UTC), now)
	if !ok || off != -5*time.Hour || skew != 7*time.Second {
		t.Errorf("clockOffset = %v, %v, %v; want -5h, 7s", off, skew, ok)
	}
	off, _, ok = clockOffset(time.Date(2026, 11, 2, 13, 45, 0, 0, time.UTC), now) // Nepal, +05:45
	if !ok || off != 5*time.Hour+45*time.Minute {
		t.Errorf("clockOffset(+5:45) = %v, %v", off, ok)
	}
	if _, _, ok := clockOffset(now.Add(21*time.Hour), now); ok {
		t.Error("clockOffset(21h ahead) ok; want no zone")
	}
}

// ISO 8601 with an offset, as 10.x writes high_res_timestamp, and the
// forms around it.
func TestParseHiRes(t *testing.T) {
	tests := []struct {
		in  string
		at  time.Time
		off time.Duration
		ok  bool
	}{
		{"2022-07-28T15:09:22.393+01:00", time.Date(2022, 7, 28, 14, 9, 22, 393e6, time.UTC), time.Hour, true},
		{"2026-11-01T01:30:00.000-08:00", time.Date(2026, 11, 1, 9, 30, 0, 0, time.UTC), -8 * time.Hour, true},
		{"2026-11-01T01:30:00-0700", time.Date(2026, 11, 1, 8, 30, 0, 0, time.UTC), -7 * time.Hour, true},
		{"2026-11-01T01:30:00Z", time.Date(2026, 11, 1, 1, 30, 0, 0, time.UTC), 0, true},
		{"2026-11-01T01:30:00.5+05:45", time.Date(2026, 10, 31, 19, 45, 0, 5e8, time.UTC), 5*time.Hour + 45*time.Minute, true},
		{"2026-11-01T01:30:00", time.Time{}, 0, false},
		{"2026-02-30T01:30:00Z", time.Time{}, 0, false},
		{"2026-11-01T01:30:00.+01:00", time.Time{}, 0, false},
		{"2026/11/01 01:30:00", time.Time{}, 0, false},
	}
	for _, tc := range tests {
		at, off, err := parseHiRes([]byte(tc.in))
		if (err == nil) != tc.ok || !at.Equal(tc.at) || off != tc.off {
			t.Errorf("parseHiRes(%q) = %v, %v, %v; want %v, %v, ok %v", tc.in, at, off, err, tc.at, tc.off, tc.ok)
		}
	}
}

// Los Angeles falls back at 2026-11-01 09:00:00 UTC (02:00 PDT becomes
// 01:00 PST) and springs forward at 2026-03-08 10:00:00 UTC: slices end a
// second before each.
func TestPlanSlicesAtTransitions(t *testing.T) {
	la, _ := time.LoadLocation("America/Los_Angeles")
	w := mine.Window{From: time.Date(2026, 10, 31, 12, 0, 0, 0, time.UTC), To: time.Date(2026, 11, 2, 12, 0, 0, 0, time.UTC)}
	s := planSlices(w, 24*time.Hour, la)
	fall := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	if len(s) != 3 || !s[0].to.Equal(fall.Add(-time.Second)) || !s[1].from.Equal(fall) || !s[2].to.Equal(w.To) {
		t.Errorf("planSlices(fall back) = %v", s)
	}
	spring := time.Date(2026, 3, 8, 10, 0, 0, 0, time.UTC)
	got := transitions(spring.Add(-30*time.Hour), spring.Add(30*time.Hour), la)
	if len(got) != 1 || !got[0].Equal(spring) {
		t.Errorf("transitions(spring) = %v; want %v", got, spring)
	}
	if got := transitions(w.From, w.To, time.UTC); len(got) != 0 {
		t.Errorf("transitions(UTC) = %v", got)
	}
}

// A device whose configuration names no time zone: the clock tells the
// offset (with a warning), and the window's entries are exactly those
// the store holds.
func TestDeviceTimeFromClock(t *testing.T) {
	start := time.Date(2026, 11, 9, 0, 0, 0, 0, time.UTC)
	sim := loggingSim(t, panosim.Options{Seed: 11, Start: start, TimeZone: "America/New_York", TimeZoneUnset: true}, 36*time.Hour)
	c, logs, err := connectScope(t, sim, sim, Scope{})
	if err != nil {
		t.Fatal(err)
	}
	if loc := c.Device().Location; offsetAt(loc, sim.Now()) != -5*time.Hour || !strings.HasPrefix(c.TimeSource(), "clock") {
		t.Errorf("zone %v from %q; want UTC-5 from the clock", loc, c.TimeSource())
	}
	if !strings.Contains(logs.String(), "names no time zone") {
		t.Errorf("no warning about the missing zone in %s", logs)
	}
	w := mine.Window{From: start.Add(6 * time.Hour), To: sim.Now()}
	got, _, err := collectThreats(t, c, w, 0)
	if err != nil {
		t.Fatal(err)
	}
	checkExact(t, sim, "threat", w, got)

	// without a clock to compare with, the zone cannot be learned
	srv := httptest.NewTLSServer(sim)
	defer srv.Close()
	if _, err := Connect(context.Background(), testConfig(t, srv, sim.APIKey()), "vsys1"); !errors.Is(err, ErrNoDeviceTime) || !strings.Contains(err.Error(), "--device-tz") {
		t.Errorf("Connect without zone or clock = %v; want ErrNoDeviceTime naming --device-tz", err)
	}
}

// A configured zone the clock contradicts: a warning names both. The
// device stamps its logs in its real zone, so the collection stops and
// asks for --device-tz rather than shift the window; given it, the set is
// exact.
func TestDeviceTimeDisagreement(t *testing.T) {
	start := time.Date(2026, 11, 9, 0, 0, 0, 0, time.UTC)
	sim := loggingSim(t, panosim.Options{Seed: 11, Start: start}, 30*time.Hour) // Los Angeles, UTC-8
	if err := sim.Plant("/config/devices/entry[@name='localhost.localdomain']/deviceconfig/system", "<timezone>Asia/Tokyo</timezone>"); err != nil {
		t.Fatal(err)
	}
	c, logs, err := connectScope(t, sim, sim, Scope{})
	if err != nil {
		t.Fatal(err)
	}
	if l := logs.String(); !strings.Contains(l, "disagree") || !strings.Contains(l, "Asia/Tokyo (UTC+09:00 now)") || !strings.Contains(l, "PST") || !strings.Contains(l, "clock_is_off_by=-17h0m0s") {
		t.Errorf("warning does not name both: %s", l)
	}
	w := mine.Window{From: start.Add(5 * time.Hour), To: sim.Now()}
	if _, _, err := collectThreats(t, c, w, 0); !errors.Is(err, ErrZoneMismatch) || !strings.Contains(err.Error(), "UTC-08:00") {
		t.Errorf("collect with the wrong configured zone = %v; want ErrZoneMismatch naming the logs' UTC-08:00", err)
	}
	c, _, err = connectScope(t, sim, sim, Scope{DeviceTZ: "America/Los_Angeles"})
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := collectThreats(t, c, w, 0)
	if err != nil {
		t.Fatal(err)
	}
	checkExact(t, sim, "threat", w, got)

	// a clock a few hours off its (right) zone: a warning, and the zone
	// holds, because the logs agree with it
	fixed := loggingSim(t, panosim.Options{Seed: 11, Start: start}, 30*time.Hour)
	srv := httptest.NewTLSServer(fixed)
	defer srv.Close()
	cfg := testConfig(t, srv, fixed.APIKey())
	cfg.Now = func() time.Time { return fixed.Now().Add(3 * time.Hour) } // the host's clock is 3h ahead
	var l2 bytes.Buffer
	cfg.Logger = slog.New(slog.NewTextHandler(&l2, nil))
	c, err = Connect(context.Background(), cfg, "vsys1")
	if err != nil {
		t.Fatal(err)
	}
	if c.Device().Location.String() != "America/Los_Angeles" || !strings.Contains(l2.String(), "clock_is_off_by=-3h0m0s") {
		t.Errorf("zone %v, log %s; want the configured zone and a warning of 3h", c.Device().Location, l2.String())
	}
	got, _, err = collectThreats(t, c, w, 0)
	if err != nil {
		t.Fatal(err)
	}
	checkExact(t, fixed, "threat", w, got)
}

// An HTML page instead of the time zone answer is an error that says so,
// never UTC; so is an empty clock answer with no zone configured.
func TestDeviceTimeBadAnswers(t *testing.T) {
	sim := loggingSim(t, panosim.Options{Seed: 11, Start: simStart}, time.Hour)
	html := panosim.WithFaults(sim, panosim.Faults{HTMLOn: "deviceconfig/system/timezone"})
	if _, _, err := connectScope(t, html, sim, Scope{}); err == nil || !strings.Contains(err.Error(), "web page") {
		t.Errorf("Connect with an HTML time zone answer = %v; want an error naming the web page", err)
	}
	unset := loggingSim(t, panosim.Options{Seed: 11, Start: simStart, TimeZoneUnset: true}, time.Hour)
	empty := panosim.WithFaults(unset, panosim.Faults{EmptyOn: "<clock/>", HTMLOn: "<system><info/>"})
	_, _, err := connectScope(t, empty, unset, Scope{})
	if err == nil {
		t.Fatal("Connect with an empty clock and no zone = nil error")
	}
	// system info is read first at connect: its HTML answer fails there
	if !strings.Contains(err.Error(), "system info") {
		t.Errorf("Connect = %v; want the failing read named", err)
	}
	clockOnly := panosim.WithFaults(unset, panosim.Faults{EmptyOn: "<clock/>"})
	c, _, err := connectScope(t, clockOnly, unset, Scope{})
	if err != nil || c.TimeSource() != "clock (system info time)" {
		t.Errorf("Connect with an empty show clock = %v, source %q; want system info's time used", err, c.TimeSource())
	}
}

// A daylight-saving fall-back inside the window: the repeated hour is
// collected once, neither dropped nor doubled, in the configured zone.
func TestCollectAcrossFallBack(t *testing.T) {
	start := time.Date(2026, 10, 31, 12, 0, 0, 0, time.UTC)
	sim := loggingSim(t, panosim.Options{Seed: 11, Start: start, SessionsPerDay: 2000}, 48*time.Hour)
	w := mine.Window{From: start, To: sim.Now()}
	for _, slice := range []time.Duration{6 * time.Hour, 48 * time.Hour} {
		c, _, err := connectScope(t, sim, sim, Scope{})
		if err != nil {
			t.Fatal(err)
		}
		c.SliceLength, c.PageSize = slice, 300
		got, st, err := collectThreats(t, c, w, 0)
		if err != nil {
			t.Fatal(err)
		}
		checkExact(t, sim, "threat", w, got)
		if st.Duplicates != 0 || st.OutOfWindow != 0 {
			t.Errorf("slices of %s: %d duplicates, %d out of window; a correct device serves none", slice, st.Duplicates, st.OutOfWindow)
		}
	}
	// the repeated hour holds entries of both occurrences
	fall := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	if a, b := len(sim.LogKeys("threat", fall.Add(-time.Hour), fall.Add(-time.Second))), len(sim.LogKeys("threat", fall, fall.Add(time.Hour-time.Second))); a == 0 || b == 0 {
		t.Fatalf("the repeated hour has %d and %d entries; the test needs both", a, b)
	}
}

// Spring forward: the skipped hour has no entries, nothing is lost around
// it.
func TestCollectAcrossSpringForward(t *testing.T) {
	start := time.Date(2026, 3, 7, 12, 0, 0, 0, time.UTC)
	sim := loggingSim(t, panosim.Options{Seed: 11, Start: start}, 48*time.Hour)
	w := mine.Window{From: start, To: sim.Now()}
	c, _, err := connectScope(t, sim, sim, Scope{})
	if err != nil {
		t.Fatal(err)
	}
	c.PageSize = 300
	got, _, err := collectThreats(t, c, w, 0)
	if err != nil {
		t.Fatal(err)
	}
	checkExact(t, sim, "threat", w, got)
}

// No zone configured and a daylight-saving change in the window: the
// clock's offset is right for only part of it, the entries say so, and
// the collection stops and asks for --device-tz; given it, the set is
// exact.
func TestCollectUnknownZoneAcrossTransition(t *testing.T) {
	start := time.Date(2026, 10, 31, 12, 0, 0, 0, time.UTC)
	sim := loggingSim(t, panosim.Options{Seed: 11, Start: start, TimeZone: "America/New_York", TimeZoneUnset: true}, 48*time.Hour)
	w := mine.Window{From: start, To: sim.Now()}
	c, _, err := connectScope(t, sim, sim, Scope{})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := collectThreats(t, c, w, 0); !errors.Is(err, ErrZoneMismatch) || !strings.Contains(err.Error(), "--device-tz") {
		t.Errorf("collect across DST with the clock's offset = %v; want ErrZoneMismatch naming --device-tz", err)
	}
	c, _, err = connectScope(t, sim, sim, Scope{DeviceTZ: "America/New_York"})
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := collectThreats(t, c, w, 0)
	if err != nil {
		t.Fatal(err)
	}
	checkExact(t, sim, "threat", w, got)
	if _, _, err := connectScope(t, sim, sim, Scope{DeviceTZ: "Mars/Olympus"}); err == nil || !strings.Contains(err.Error(), "--device-tz") {
		t.Errorf("an unknown --device-tz = %v", err)
	}
}

// Placing receive times at Los Angeles' fall-back (2026-11-01 09:00 UTC):
// the wall clock 01:30 happens twice; the entry's own offset says which,
// and a receipt just after the change takes the new offset. By hand.
func TestReceiveUTCAtFallBack(t *testing.T) {
	la, _ := time.LoadLocation("America/Los_Angeles")
	d := newEntryDecoder(la)
	tests := []struct {
		wall, hiRes string
		want        time.Time
	}{
		{"2026/11/01 01:30:00", "2026-11-01T01:29:59.500-07:00", time.Date(2026, 11, 1, 8, 30, 0, 0, time.UTC)},
		{"2026/11/01 01:30:00", "2026-11-01T01:29:59.500-08:00", time.Date(2026, 11, 1, 9, 30, 0, 0, time.UTC)},
		{"2026/11/01 01:00:00", "2026-11-01T01:59:59.900-07:00", time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)},
		{"2026/11/01 03:00:00", "2026-11-01T02:59:59.000-08:00", time.Date(2026, 11, 1, 11, 0, 0, 0, time.UTC)},
	}
	for _, tc := range tests {
		wall, err := parseWall([]byte(tc.wall))
		if err != nil {
			t.Fatal(err)
		}
		gen, off, err := parseHiRes([]byte(tc.hiRes))
		if err != nil {
			t.Fatal(err)
		}
		m := &entryMeta{wall: wall, hiRes: true, gen: gen, genOff: off}
		if got := d.receiveUTC(m); !got.Equal(tc.want) {
			t.Errorf("receiveUTC(%s, %s) = %v; want %v", tc.wall, tc.hiRes, got, tc.want)
		}
	}
	// an offset the zone does not have falls back to the zone
	wall, _ := parseWall([]byte("2026/11/20 09:00:00"))
	gen, off, _ := parseHiRes([]byte("2026-11-20T09:00:00.000+09:00"))
	m := &entryMeta{wall: wall, hiRes: true, gen: gen, genOff: off}
	if got, want := d.receiveUTC(m), time.Date(2026, 11, 20, 17, 0, 0, 0, time.UTC); !got.Equal(want) || m.zoneOff != -8*time.Hour {
		t.Errorf("receiveUTC with a foreign offset = %v (zone %v); want %v from the zone", got, m.zoneOff, want)
	}
}
