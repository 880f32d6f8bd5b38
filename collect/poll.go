package collect

import (
	"slices"
	"sync"
	"time"
)

// Polling jobs without waiting for nothing. A device's log query and
// report jobs take about as long as the ones before them, so each kind of
// job keeps what the last jobs of its kind showed: how long each ran for
// sure (its last poll that found it running, or, when the first poll
// found it done, that poll less the interval, since the schedule reads a
// job at most an interval after it finished) and when it was seen done.
// A new job is polled first half an interval after the typical of those
// lower bounds, then every interval, a twentieth of the typical duration
// (never shorter than PollFloor, 25ms by default, never longer than
// PollMax). A job as long as the ones before is read at most one interval
// after it finished, in one or two polls. Where the recent jobs took
// times too different for that (the longest more than 1.5 times the
// quickest: report parts over busy and quiet hours), a job is polled first
// when the quickest surely still ran, then every eighth of the time it has
// run (at least an interval, at most PollMax): read at most that late,
// however long it takes. Until a first job of the kind finished, a job is
// polled every PollStart, then every eighth of the time it has run (up to
// PollMax): read at most that late after it finished, whatever it takes.

// jobTiming learns how long one kind of job takes on the device.
type jobTiming struct {
	mu sync.Mutex
	// lo and hi are recent jobs' durations for sure and when they were
	// seen done, the newest last.
	lo, hi []time.Duration
}

const timingSamples = 16

// observe records a finished job: it was submitted at the zero of its own
// clock, last seen running at lastACT (0 when the first poll found it
// done), seen finished at fin, polled every interval after the first
// poll.
func (t *jobTiming) observe(lastACT, fin, interval time.Duration) {
	lo := lastACT
	if lo <= 0 {
		lo = max(0, fin-interval)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.lo) == timingSamples {
		t.lo, t.hi = t.lo[1:], t.hi[1:]
	}
	t.lo, t.hi = append(t.lo, lo), append(t.hi, fin)
}

// spread is how much longer the longest recent job may take than the
// quickest before their median is no guide to a new job's duration.
const spread = 1.5

// plan returns the wait before a new job's first poll and the interval
// of the polls after it, within [floor, ceiling]; learned reports whether
// they come from finished jobs, grow that the jobs took times too
// different for their median to tell (spread): the first poll comes when
// the quickest of them surely still ran, and the waits then grow with the
// time the job ran (pollPlan.wait).
func (t *jobTiming) plan(start, floor, ceiling time.Duration) (first, interval time.Duration, learned, grow bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	ceiling = max(floor, ceiling)
	if len(t.lo) == 0 {
		first = min(max(floor, start), ceiling)
		return first, first, false, false
	}
	median := func(d []time.Duration) time.Duration {
		s := slices.Clone(d)
		slices.Sort(s)
		return s[len(s)/2]
	}
	interval = min(max(floor, median(t.hi)/20), ceiling)
	if quick, long := slices.Min(t.lo), slices.Max(t.hi); float64(long) > spread*float64(quick) {
		return max(floor, quick), interval, true, true
	}
	first = max(floor, median(t.lo)+interval/2)
	return first, interval, true, false
}

// pollPlan is the schedule of one job's polls.
type pollPlan struct {
	next, interval, ceiling time.Duration
	learned, grow           bool
	// start is the unlearned schedule's shortest wait, elapsed the time
	// waited so far.
	start, elapsed time.Duration
}

// newPollPlan plans the polls of a job of the kind timing learns.
func (c *Client) newPollPlan(t *jobTiming) *pollPlan {
	floor := c.pollFloor()
	ceiling := max(c.PollMax, floor)
	first, interval, learned, grow := t.plan(c.PollStart, floor, ceiling)
	return &pollPlan{next: first, interval: interval, ceiling: ceiling, learned: learned, grow: grow, start: first}
}

// wait returns how long to wait before the next poll, and moves on.
func (p *pollPlan) wait() time.Duration {
	w := p.next
	p.elapsed += w
	switch {
	case p.learned && p.grow:
		p.next = min(max(p.interval, p.elapsed/8), p.ceiling)
	case p.learned:
		p.next = p.interval
	default:
		p.interval, p.next = w, min(max(p.start, p.elapsed/8), p.ceiling)
	}
	return w
}

// DefaultPollFloor is the shortest wait between two polls of one job:
// short enough that a device whose jobs finish at once costs little
// waiting, and a job of seconds is polled once or twice anyway.
const DefaultPollFloor = 25 * time.Millisecond

// pollFloor is the shortest wait between two polls of a job: PollFloor,
// but never above PollStart (a client tuned to start polling sooner
// polls that often).
func (c *Client) pollFloor() time.Duration {
	f := c.PollFloor
	if f <= 0 {
		f = DefaultPollFloor
	}
	if c.PollStart > 0 {
		f = min(f, c.PollStart)
	}
	return f
}

// slot waits for one of the Jobs job slots: no more jobs than that run on
// the device at once, whatever collections run side by side. It returns
// the function that frees the slot, or the context's error.
func (c *Client) slot(done <-chan struct{}) (func(), bool) {
	c.slotsOnce.Do(func() { c.slots = make(chan struct{}, max(1, c.Jobs)) })
	select {
	case c.slots <- struct{}{}:
		return func() { <-c.slots }, true
	case <-done:
		return nil, false
	}
}
