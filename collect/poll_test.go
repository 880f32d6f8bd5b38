package collect

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/panos-mine/mine"
	"github.com/panos-mine/mine/panosim"
)

// simClock is the job clock shared by the simulator's latency model and
// the client's waits: a wait moves it, so the test runs in no time and
// every instant is exact.
type simClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *simClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *simClock) sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
	return ctx.Err()
}

// TestPollSchedule checks the learned poll schedule against the
// simulator's job clock: jobs that each take 2s, polled by a client that
// starts knowing nothing. No job is polled sooner than PollFloor after
// its submission or its previous poll; once a first job has finished,
// every job is read at most one interval (the floor here: a twentieth of
// 2s is shorter) after it finished, in at most three polls; before that,
// every PollStart.
func TestPollSchedule(t *testing.T) {
	clk := &simClock{t: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	lat := &panosim.Latency{LogJob: 2 * time.Second, Report: 2 * time.Second, Now: clk.now}
	sim := simWithLogsOpts(t, panosim.Options{Seed: 11, Start: simStart, SessionsPerDay: 800, PollsBeforeFinish: -1, Latency: lat}, 0)
	sim.Advance(12 * time.Hour)
	c := connectTo(t, sim, sim.APIKey(), func(c *Client) {
		c.Jobs, c.PageSize = 1, 20
		c.PollStart, c.PollFloor, c.PollMax = 250*time.Millisecond, 250*time.Millisecond, 2*time.Second
	})
	c.SetSleep(clk.sleep)
	w := mine.Window{From: simStart, To: simStart.Add(12 * time.Hour)}
	if _, err := c.ThreatLogs(context.Background(), w, 41000, 41059, func(*mine.ThreatLog) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ReportEvidence(context.Background(), w, reportQuery(),
		func(*mine.ThreatLog, int64, time.Duration) error { return nil },
		func(*mine.TrafficLog, int64, time.Duration) error { return nil }); err != nil {
		t.Fatal(err)
	}
	recs := sim.JobRecords()
	var logs, reports int
	learned := map[string]bool{}
	for _, r := range recs {
		if r.Served.IsZero() {
			t.Errorf("job %d (%s) was never read", r.ID, r.Kind)
			continue
		}
		prev := r.Submitted
		for _, p := range r.Polls {
			if gap := p.Sub(prev); gap < c.PollFloor {
				t.Errorf("job %d (%s) polled %s after the previous poll; the floor is %s", r.ID, r.Kind, gap, c.PollFloor)
			}
			prev = p
		}
		late := r.Served.Sub(r.Finished)
		if learned[r.Kind] && (late > c.PollFloor || len(r.Polls) > 3) {
			t.Errorf("%s job %d read %s after it finished, in %d polls; want at most %s, 3 polls", r.Kind, r.ID, late, len(r.Polls), c.PollFloor)
		}
		learned[r.Kind] = true
		if r.Kind == "log" {
			logs++
		} else {
			reports++
		}
	}
	if logs < 10 || reports < 3 {
		t.Fatalf("%d log and %d report jobs; want enough to learn from", logs, reports)
	}
	// the first job, polled before anything was learned: every 250ms
	// (an eighth of 2s is no longer), so the poll at 2s finds it done:
	// 8 polls
	if first := recs[0]; len(first.Polls) != 8 || first.Served.Sub(first.Submitted) != 2*time.Second {
		t.Errorf("first job: %d polls, read %s after submission; want 8 polls, 2s", len(first.Polls), first.Served.Sub(first.Submitted))
	}
}

// Before a first job finished, a job is polled every PollStart and then
// every eighth of the time it ran, up to the ceiling: read at most that
// late after it finished, however long it takes.
func TestUnlearnedPolls(t *testing.T) {
	start, ceiling := 250*time.Millisecond, 2*time.Second
	for _, c := range []struct {
		d        time.Duration // how long the job runs
		maxPolls int           // worked out from the waits below
	}{
		// 250ms waits up to 2s: read at the 1st, 8th, 9th poll
		{100 * time.Millisecond, 1}, {2 * time.Second, 8}, {2100 * time.Millisecond, 9},
		// then waits of elapsed/8, so the time polled grows by 1/8 a
		// poll: 2s*1.125^k, 16.65s at k=18, where the waits reach the 2s
		// ceiling; 20s is 2 polls on (8+18+2), 10min 292 (8+18+292)
		{20 * time.Second, 28}, {10 * time.Minute, 318},
	} {
		var jt jobTiming
		first, _, learned, _ := jt.plan(start, 25*time.Millisecond, ceiling)
		p := &pollPlan{next: first, interval: first, ceiling: ceiling, learned: learned, start: first}
		var at time.Duration
		polls := 0
		for at < c.d {
			w := p.wait()
			if w < start || w > ceiling {
				t.Fatalf("%s job: wait %s outside [%s, %s]", c.d, w, start, ceiling)
			}
			at += w
			polls++
		}
		if late, most := at-c.d, max(start, min(ceiling, c.d/8)); late > most {
			t.Errorf("%s job read %s after it finished; want at most %s", c.d, late, most)
		}
		if polls > c.maxPolls {
			t.Errorf("%s job polled %d times; want at most %d", c.d, polls, c.maxPolls)
		}
	}
}

// TestJobTimingPlan: after jobs of about the same length, the first poll
// comes half an interval after the typical time jobs ran for sure, the
// next ones every twentieth of the typical duration, within the floor and
// the ceiling. After jobs of very different lengths, the first poll comes
// when the quickest surely ran, the next ones an eighth of the time run
// apart.
func TestJobTimingPlan(t *testing.T) {
	var jt jobTiming
	if f, i, learned, _ := jt.plan(300*time.Millisecond, 100*time.Millisecond, 2*time.Second); learned || f != 300*time.Millisecond || i != 300*time.Millisecond {
		t.Errorf("plan before any job = %s, %s, %v; want PollStart, unlearned", f, i, learned)
	}
	// jobs last seen running at 1.9s, 2.0s, 2.1s and done by 2.1s, 2.2s,
	// 2.3s: 2.3s is 1.21 times 1.9s, within the spread
	for _, d := range []time.Duration{2000, 2100, 2200} {
		jt.observe((d-100)*time.Millisecond, (d+100)*time.Millisecond, 200*time.Millisecond)
	}
	f, i, learned, grow := jt.plan(300*time.Millisecond, 100*time.Millisecond, 2*time.Second)
	if !learned || grow || i != 110*time.Millisecond || f != 2000*time.Millisecond+i/2 {
		t.Errorf("plan = %s, %s, grow %v; want 2.0s (the median for sure) + 55ms, 110ms (2.2s/20), not growing", f, i, grow)
	}
	if _, i, _, _ := jt.plan(300*time.Millisecond, 250*time.Millisecond, 2*time.Second); i != 250*time.Millisecond {
		t.Errorf("interval below the floor = %s; want the floor, 250ms", i)
	}
	if _, i, _, _ := jt.plan(300*time.Millisecond, 50*time.Millisecond, 100*time.Millisecond); i != 100*time.Millisecond {
		t.Errorf("interval above the ceiling = %s; want the ceiling, 100ms", i)
	}
	if _, i, _, _ := jt.plan(300*time.Millisecond, 100*time.Millisecond, 50*time.Millisecond); i != 100*time.Millisecond {
		t.Errorf("interval with a ceiling below the floor = %s; want the floor, 100ms", i)
	}
	// a job found done at its first poll (4s, polled every 250ms after)
	// ran at least 3.75s: it was read at most an interval after it finished
	var jt2 jobTiming
	jt2.observe(0, 4*time.Second, 250*time.Millisecond)
	if f, _, _, _ := jt2.plan(0, 250*time.Millisecond, time.Minute); f != 3750*time.Millisecond+125*time.Millisecond {
		t.Errorf("after a job found done at its first poll: first poll %s; want 3.875s", f)
	}
	// jobs of 2s, 4s and 10s (seen running at 1.9s, 3.9s, 9.9s, done by
	// 2.1s, 4.1s, 10.1s): 10.1s is 5.3 times 1.9s
	var jt3 jobTiming
	for _, d := range []time.Duration{2, 4, 10} {
		jt3.observe(d*time.Second-100*time.Millisecond, d*time.Second+100*time.Millisecond, 200*time.Millisecond)
	}
	f, i, learned, grow = jt3.plan(300*time.Millisecond, 100*time.Millisecond, 2*time.Second)
	if !learned || !grow || f != 1900*time.Millisecond || i != 205*time.Millisecond {
		t.Errorf("plan after jobs of 2-10s = %s, %s, grow %v; want 1.9s (the quickest for sure), 205ms (4.1s/20), growing", f, i, grow)
	}
	// its waits: 1.9s, then 237.5ms (1.9s/8), 267ms (2.1375s/8), ...: a
	// job of each length is read at most an eighth of its time, and at
	// most PollMax, late
	for _, d := range []time.Duration{2 * time.Second, 4 * time.Second, 10 * time.Second, time.Minute} {
		p := &pollPlan{next: f, interval: i, ceiling: 2 * time.Second, learned: true, grow: true}
		var at time.Duration
		for at < d {
			at += p.wait()
		}
		if late := at - d; late > min(2*time.Second, max(i, d/8)) {
			t.Errorf("%s job read %s after it finished; want at most %s", d, late, min(2*time.Second, max(i, d/8)))
		}
	}
	p := &pollPlan{next: f, interval: i, ceiling: 2 * time.Second, learned: true, grow: true}
	if w0, w1, w2 := p.wait(), p.wait(), p.wait(); w0 != 1900*time.Millisecond || w1 != 237500*time.Microsecond || w2 != 267187500 {
		t.Errorf("waits %s, %s, %s; want 1.9s, 237.5ms, 267.1875ms", w0, w1, w2)
	}
}
