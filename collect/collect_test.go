package collect

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"crypto/x509"

	"github.com/panos-mine/mine"
	"github.com/panos-mine/mine/panosim"
	"github.com/panos-mine/mine/signatures"
)

var simStart = time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)

// simWithLogs returns a simulator that has logged days of traffic with the
// signatures deployed. Deployment goes straight through the XML API.
func simWithLogs(t *testing.T, days int) *panosim.Server {
	t.Helper()
	return simWithLogsOpts(t, panosim.Options{Seed: 11, Start: simStart, SessionsPerDay: 800, PollsBeforeFinish: 1}, days)
}

// simWithLogsOpts is simWithLogs for other options.
func simWithLogsOpts(t *testing.T, o panosim.Options, days int) *panosim.Server {
	t.Helper()
	sim := panosim.New(o)
	srv := httptest.NewTLSServer(sim)
	defer srv.Close()
	cfg := testConfig(t, srv, sim.APIKey())
	dep, err := signatures.Connect(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dep.Deploy(context.Background(), signatures.Default(), signatures.Location{}); err != nil {
		t.Fatal(err)
	}
	sim.Advance(time.Duration(days) * 24 * time.Hour)
	return sim
}

func testConfig(t *testing.T, srv *httptest.Server, key string) Config {
	t.Helper()
	host, port := splitHostPort(t, srv.Listener.Addr().String())
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	return Config{Host: host, Port: port, APIKey: key, RootCAs: pool, Timeout: 10 * time.Second}
}

func splitHostPort(t *testing.T, addr string) (string, int) {
	t.Helper()
	for i := len(addr) - 1; i >= 0; i-- {
		if addr[i] == ':' {
			p, err := strconv.Atoi(addr[i+1:])
			if err != nil {
				t.Fatal(err)
			}
			return addr[:i], p
		}
	}
	t.Fatalf("no port in %q", addr)
	return "", 0
}

// connectTo serves h over TLS and connects a client tuned for tests.
func connectTo(t *testing.T, h http.Handler, key string, tune func(*Client)) *Client {
	t.Helper()
	srv := httptest.NewTLSServer(h)
	t.Cleanup(srv.Close)
	c, err := Connect(context.Background(), testConfig(t, srv, key), "vsys1")
	if err != nil {
		t.Fatal(err)
	}
	c.PollStart, c.PollMax, c.RetryBase = time.Millisecond, 5*time.Millisecond, time.Millisecond
	if tune != nil {
		tune(c)
	}
	return c
}

type collected struct {
	keys    map[logKey]int
	entries int
	hits    int
}

func collectThreats(t *testing.T, c *Client, w mine.Window, stopAfter int) (collected, Stats, error) {
	t.Helper()
	got := collected{keys: map[logKey]int{}}
	st, err := c.ThreatLogs(context.Background(), w, 41000, 41059, func(l *mine.ThreatLog) error {
		if stopAfter > 0 && got.entries >= stopAfter {
			return errStop
		}
		got.keys[logKey{l.Serial, l.SeqNo}]++
		got.entries++
		got.hits += l.Hits()
		if !w.Contains(l.ReceiveTime) {
			t.Errorf("entry at %v outside the window %v", l.ReceiveTime, w)
		}
		return nil
	})
	return got, st, err
}

var errStop = errors.New("stop here")

func checkComplete(t *testing.T, got collected, want int) {
	t.Helper()
	if got.entries != want || len(got.keys) != want {
		t.Errorf("collected %d entries (%d distinct); the simulator served %d", got.entries, len(got.keys), want)
	}
	for k, n := range got.keys {
		if n != 1 {
			t.Errorf("entry %v delivered %d times", k, n)
		}
	}
}

// Small pages force the time cursor (and, where a second holds more than a
// page, skip paging); every entry the simulator holds arrives exactly once,
// whether one job runs at a time or several.
func TestCollectEveryEntryOnce(t *testing.T) {
	sim := simWithLogs(t, 2)
	threat, _ := sim.LogCounts()
	w := mine.Window{From: simStart, To: sim.Now()}
	for _, tc := range []struct {
		name  string
		page  int
		jobs  int
		slice time.Duration
	}{
		{"one job, big pages", 5000, 1, 24 * time.Hour},
		{"two jobs, small pages", 50, 2, 6 * time.Hour},
		{"three jobs, tiny pages, one slice", 7, 3, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := connectTo(t, sim, sim.APIKey(), func(c *Client) { c.PageSize, c.Jobs, c.SliceLength = tc.page, tc.jobs, tc.slice })
			got, st, err := collectThreats(t, c, w, 0)
			if err != nil {
				t.Fatal(err)
			}
			checkComplete(t, got, threat)
			if tc.page < 100 && st.Jobs <= threat/tc.page {
				t.Errorf("%d jobs for %d entries in pages of %d; paging did not happen", st.Jobs, threat, tc.page)
			}
		})
	}
}

// Resets, HTTP 503 pages, session timeouts and truncated pages are retried;
// the collected set still equals the served set.
func TestCollectThroughFaults(t *testing.T) {
	sim := simWithLogs(t, 1)
	threat, _ := sim.LogCounts()
	faulty := panosim.WithFaults(sim, panosim.Faults{ResetEvery: 29, HTTP503Every: 31, SessionTimeoutEvery: 37, TruncateEvery: 5})
	c := connectTo(t, faulty, sim.APIKey(), func(c *Client) { c.PageSize, c.Retries = 60, 10 })
	got, st, err := collectThreats(t, c, mine.Window{From: simStart, To: sim.Now()}, 0)
	if err != nil {
		t.Fatal(err)
	}
	checkComplete(t, got, threat)
	fst := faulty.Stats()
	if fst.Resets == 0 || fst.HTTP503 == 0 || fst.SessionTimeouts == 0 || fst.Truncated == 0 || st.Retries == 0 || st.Repeats == 0 {
		t.Errorf("faults injected %+v, jobs retried %d, requests repeated %d; want every kind injected, pages retried and requests repeated", fst, st.Retries, st.Repeats)
	}
}

// Refused credentials are not retried.
func TestCollectNoRetryOnAuth(t *testing.T) {
	sim := simWithLogs(t, 1)
	c := connectTo(t, sim, sim.APIKey(), nil)
	c.s.SetAPIKeyForTest("not-the-key")
	_, st, err := collectThreats(t, c, mine.Window{From: simStart, To: sim.Now()}, 0)
	if !errors.Is(err, ErrUnauthorized) || st.Retries != 0 {
		t.Errorf("collect with a wrong key = %v after %d retries; want ErrUnauthorized, no retry", err, st.Retries)
	}
}

// A collection interrupted half-way resumes from its checkpoint: finished
// slices are replayed, the rest queried, and the totals equal an
// uninterrupted run's.
func TestCollectResume(t *testing.T) {
	sim := simWithLogs(t, 2)
	threat, _ := sim.LogCounts()
	w := mine.Window{From: simStart, To: sim.Now()}
	cps := &Checkpoints{Root: t.TempDir()}
	tune := func(c *Client) { c.PageSize, c.Jobs, c.SliceLength, c.Checkpoints = 500, 1, 6*time.Hour, cps }

	c := connectTo(t, sim, sim.APIKey(), tune)
	first, _, err := collectThreats(t, c, w, threat/2)
	if !errors.Is(err, errStop) {
		t.Fatalf("interrupted collection = %v; want the interruption", err)
	}
	cps.Release() // the interrupted run ends
	if first.entries == 0 || first.entries >= threat {
		t.Fatalf("interrupted after %d of %d entries", first.entries, threat)
	}

	c = connectTo(t, sim, sim.APIKey(), tune)
	second, st, err := collectThreats(t, c, w, 0)
	if err != nil {
		t.Fatal(err)
	}
	if st.Resumed == 0 {
		t.Errorf("resumed %d slices; want some replayed from the checkpoint", st.Resumed)
	}
	checkComplete(t, second, threat)
	if err := cps.Finish(); err != nil { // the run's report is written
		t.Fatal(err)
	}

	// the finished run cleaned its checkpoint up: a third run queries all
	c = connectTo(t, sim, sim.APIKey(), tune)
	third, st, err := collectThreats(t, c, w, 0)
	if err != nil || st.Resumed != 0 {
		t.Fatalf("third collection = %v, resumed %d; want a fresh run", err, st.Resumed)
	}
	checkComplete(t, third, threat)
}

// A job that never finishes hits its deadline, is retried, and the error
// says so; cancellation stops at once.
func TestCollectJobDeadlineAndCancel(t *testing.T) {
	sim := simWithLogs(t, 1)
	slow := panosim.WithFaults(sim, panosim.Faults{JobLatency: time.Hour})
	c := connectTo(t, slow, sim.APIKey(), func(c *Client) { c.JobDeadline, c.Retries, c.Jobs = 30*time.Millisecond, 1, 1 })
	_, st, err := collectThreats(t, c, mine.Window{From: simStart, To: sim.Now()}, 0)
	if !errors.Is(err, ErrLogJobTimeout) || st.Retries != 1 {
		t.Errorf("collect from a device whose jobs never finish = %v after %d retries; want ErrLogJobTimeout after 1", err, st.Retries)
	}

	c = connectTo(t, slow, sim.APIKey(), nil)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	_, err = c.ThreatLogs(ctx, mine.Window{From: simStart, To: sim.Now()}, 41000, 41059, func(*mine.ThreatLog) error { return nil })
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled collection = %v; want context.Canceled", err)
	}
}

func TestPlanSlices(t *testing.T) {
	w := mine.Window{From: simStart, To: simStart.Add(25 * time.Hour)}
	s := planSlices(w, 12*time.Hour, time.UTC)
	if len(s) != 3 || !s[0].from.Equal(w.From) || !s[2].to.Equal(w.To) {
		t.Fatalf("planSlices = %v", s)
	}
	for i := 1; i < len(s); i++ {
		if !s[i].from.Equal(s[i-1].to.Add(time.Second)) {
			t.Errorf("slice %d starts %v; previous ends %v: gap or overlap", i, s[i].from, s[i-1].to)
		}
	}
	if one := planSlices(w, 0, time.UTC); len(one) != 1 {
		t.Errorf("planSlices(w, 0) = %d slices; want 1", len(one))
	}
}

var _ = slog.LevelInfo
