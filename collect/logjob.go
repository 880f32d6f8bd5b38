package collect

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/panos-mine/mine"
	"github.com/panos-mine/mine/internal/xapi"
)

// Stats counts what one log collection did. Every entry a page carried is
// in exactly one of Entries, Duplicates, OutOfWindow, FilterMismatch,
// Unparseable, or (not counted) the expected overlaps: an entry at the
// second a page ended, asked for again by the next page, and an entry of
// a repeated fall-back hour that the slice next door holds.
type Stats struct {
	Entries int64 // entries handed to the caller
	// Duplicates are entries the slice already had (same serial and
	// seqno), dropped.
	Duplicates int64
	// OutOfWindow are entries received outside the time range their query
	// asked for, dropped.
	OutOfWindow int64
	// FilterMismatch are entries that do not match the query's filter
	// (threat ID, rule), dropped.
	FilterMismatch int64
	// Unparseable are entries that could not be read, skipped; their first
	// bytes are in the debug log.
	Unparseable int64
	// ShortPages counts pages that carried fewer entries than their count
	// attribute announced, asked for again.
	ShortPages int
	// LostJobs counts jobs the device no longer knew when polled (its
	// final answer was lost), StalledJobs jobs abandoned without
	// progress; both were submitted again.
	LostJobs    int
	StalledJobs int
	Jobs        int // log query jobs run
	Retries     int // jobs run again after a transient failure
	Repeats     int // single requests repeated in place after a transient failure
	Slices      int // time slices of the window
	Resumed     int // slices replayed from a checkpoint instead of queried
	Damaged     int // checkpoint slices found cut or corrupt, queried again
}

// Progress is reported after every page delivered and, while the
// collection waits on the device, at least every Client.Heartbeat.
type Progress struct {
	LogType    string
	Entries    int64
	SlicesDone int
	Slices     int
	Jobs       int
	// Waiting is how long nothing has moved (no page, no job progress);
	// JobProgress the progress percentage the last job polled reported.
	Waiting     time.Duration
	JobProgress int
}

// logTimeLayout is how PAN-OS writes and reads log times (device zone).
const logTimeLayout = "2006/01/02 15:04:05"

// ThreatLogs streams the threat log entries with threat IDs in
// [minID, maxID] received in the window w to fn. Entries come oldest first
// within a time slice; slices are collected Jobs at a time, so across
// slices the order is not chronological. fn's argument is reused: copy what
// you keep. Calls to fn never overlap. An error from fn stops the
// collection and is returned.
func (c *Client) ThreatLogs(ctx context.Context, w mine.Window, minID, maxID int, fn func(*mine.ThreatLog) error) (Stats, error) {
	if minID <= 0 || maxID < minID {
		return Stats{}, fmt.Errorf("threat logs: bad threat ID range %d-%d", minID, maxID)
	}
	filter := fmt.Sprintf("(threatid geq %d) and (threatid leq %d)", minID, maxID)
	match := func(l *mine.ThreatLog) bool { return l.ThreatID >= minID && l.ThreatID <= maxID }
	return collectLogs(ctx, c, c.Checkpoints, "threat", filter, w, (*entryDecoder).threatEntries, match, fn)
}

// TrafficLogs streams the traffic log entries of the named rules received
// in the window w to fn, as ThreatLogs does.
func (c *Client) TrafficLogs(ctx context.Context, w mine.Window, rules []string, fn func(*mine.TrafficLog) error) (Stats, error) {
	if len(rules) == 0 {
		return Stats{}, fmt.Errorf("traffic logs: no rule named")
	}
	if err := CheckRuleNames(rules); err != nil {
		return Stats{}, fmt.Errorf("traffic logs: %w", err)
	}
	terms := make([]string, len(rules))
	want := make(map[string]bool, len(rules))
	for i, r := range rules {
		q, _ := quoteValue(r)
		terms[i] = "(rule eq " + q + ")"
		want[r] = true
	}
	filter := strings.Join(terms, " or ")
	if len(terms) > 1 {
		filter = "(" + filter + ")"
	}
	match := func(l *mine.TrafficLog) bool { return want[l.Rule] }
	return collectLogs(ctx, c, c.Checkpoints, "traffic", filter, w, (*entryDecoder).trafficEntries, match, fn)
}

// CheckRuleNames reports a rule name that a log filter cannot express, so
// a caller can refuse it before any collection starts.
func CheckRuleNames(rules []string) error {
	for _, r := range rules {
		if _, err := quoteValue(r); err != nil {
			return fmt.Errorf("rule name %w", err)
		}
	}
	return nil
}

// quoteValue quotes a filter value. PAN-OS filter values cannot escape a
// single quote, so a value holding one is refused.
func quoteValue(v string) (string, error) {
	if strings.ContainsAny(v, "'\n\r") {
		return "", fmt.Errorf("%q holds a quote or a line break, which a log filter cannot express", v)
	}
	return "'" + v + "'", nil
}

type logKey struct {
	serial string
	seq    uint64
}

// collector is the state shared by the workers of one collection.
type collector[T any] struct {
	c       *Client
	logType string
	filter  string
	parse   func(*entryDecoder, []byte, func(*T, *entryMeta) error) (logPage, error)
	match   func(*T) bool

	mu         sync.Mutex // guards fn, st and slicesDone
	fn         func(*T) error
	st         Stats
	slicesDone int

	// moved counts every sign of life (a page, a job's progress); the
	// watchdog compares it between ticks.
	moved       atomic.Int64
	jobProgress atomic.Int64
}

// collectLogs collects one log type over the window. The window is cut into
// slices (SliceLength, and wherever the device's zone changes its offset,
// so each slice's wall clock range is one piece); Jobs workers each collect
// one slice at a time. A slice is paged with a time cursor in the device's
// wall clock: each query asks for dir=forward, nlogs=PageSize and
// receive_time from the cursor to the slice end; a full page moves the
// cursor to the newest time seen, and entries at that second that were
// already delivered are dropped by (serial, seqno). Only when a whole page
// shares one second does it fall back to skip paging. Unlike skip paging
// over the whole window, this neither loses nor repeats entries when new
// logs arrive during the collection.
//
// Every page is checked against its query (see slice); what it drops is
// counted in Stats. With Checkpoints, each finished slice's entries are
// kept on disk, so a collection that was interrupted replays the finished
// slices and queries only the rest; the totals equal an uninterrupted
// run's.
func collectLogs[T any](ctx context.Context, c *Client, cps *Checkpoints, logType, filter string, w mine.Window,
	parse func(*entryDecoder, []byte, func(*T, *entryMeta) error) (logPage, error),
	match func(*T) bool, fn func(*T) error) (st Stats, err error) {
	if err := w.Validate(); err != nil {
		return Stats{}, fmt.Errorf("%s logs: %w", logType, err)
	}
	loc := c.location()
	slices := planSlices(w, c.SliceLength, loc)
	col := &collector[T]{c: c, logType: logType, filter: filter, parse: parse, match: match, fn: fn}
	repeats := c.repeats.Load()
	defer func() { st.Repeats = int(c.repeats.Load() - repeats) }()
	col.st.Slices = len(slices)

	var cp *checkpoint
	if cps != nil {
		cp, err = cps.open(checkpointKey{
			Device: c.dev.Serial, Target: c.s.LogTarget(), DeviceGroup: c.dg, Vsys: c.vsys,
			LogType: logType, Filter: filter, From: w.From.UTC(), To: w.To.UTC(),
			SliceLength: c.SliceLength.String(), Slices: len(slices), Plan: planHash(slices),
		})
		if err != nil {
			return col.st, fmt.Errorf("%s logs: %w", logType, err)
		}
	}
	var todo []int
	for i := range slices {
		if cp != nil {
			ok, why := cp.verify(i)
			if ok {
				n, err := replay(cp, i, col.deliver)
				if err != nil {
					cp.discard(i)
					return col.st, fmt.Errorf("%s logs: resume slice %d: %w (the slice file was removed; run again to query it)", logType, i, err)
				}
				col.mu.Lock()
				col.st.Resumed++
				col.slicesDone++
				col.mu.Unlock()
				c.logger.Debug("slice replayed from checkpoint", "type", logType, "slice", i, "entries", n)
				continue
			}
			if !errors.Is(why, os.ErrNotExist) {
				c.logger.Warn("checkpoint slice damaged; querying it again", "type", logType, "slice", i, "why", why)
				cp.discard(i)
				col.mu.Lock()
				col.st.Damaged++
				col.mu.Unlock()
			}
		}
		todo = append(todo, i)
	}

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stopWatch := col.watch(ctx, cancel)
	defer stopWatch()
	work := make(chan int)
	var wg sync.WaitGroup
	for range max(1, min(c.Jobs, len(todo))) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d := newEntryDecoder(loc)
			for i := range work {
				if err := col.slice(ctx, d, slices[i], i, cp); err != nil {
					cancel(err)
					return
				}
			}
		}()
	}
feed:
	for _, i := range todo {
		select {
		case work <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return col.st, err
	}
	if c.Progress != nil {
		c.Progress(Progress{LogType: logType, Entries: col.st.Entries, SlicesDone: col.st.Slices, Slices: col.st.Slices, Jobs: col.st.Jobs})
	}
	c.logger.Debug("log collection done", "type", logType, "entries", col.st.Entries, "duplicates", col.st.Duplicates,
		"out_of_window", col.st.OutOfWindow, "filter_mismatch", col.st.FilterMismatch, "unparseable", col.st.Unparseable,
		"jobs", col.st.Jobs, "retries", col.st.Retries, "resumed_slices", col.st.Resumed)
	return col.st, nil
}

// location is the zone the client renders queries in; UTC when unknown.
func (c *Client) location() *time.Location {
	if c.dev.Location == nil {
		return time.UTC
	}
	return c.dev.Location
}

// watch reports progress every Heartbeat while the collection waits, and
// stops it (ErrStalled) when nothing moved for RunStall. It returns the
// function that ends the watch.
func (col *collector[T]) watch(ctx context.Context, cancel context.CancelCauseFunc) func() {
	c := col.c
	beat := c.Heartbeat
	if beat <= 0 {
		beat = 10 * time.Second
	}
	tick := beat
	if c.RunStall > 0 {
		tick = min(tick, max(c.RunStall/10, time.Millisecond))
	}
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(tick)
		defer t.Stop()
		last, idle, sinceBeat := col.moved.Load(), time.Duration(0), time.Duration(0)
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
			}
			if m := col.moved.Load(); m != last {
				last, idle = m, 0
			} else {
				idle += tick
			}
			if sinceBeat += tick; sinceBeat >= beat && c.Progress != nil {
				sinceBeat = 0
				col.mu.Lock()
				p := Progress{LogType: col.logType, Entries: col.st.Entries, SlicesDone: col.slicesDone, Slices: col.st.Slices,
					Jobs: col.st.Jobs, Waiting: idle, JobProgress: int(col.jobProgress.Load())}
				col.mu.Unlock()
				c.Progress(p)
			}
			if c.RunStall > 0 && idle >= c.RunStall {
				cancel(fmt.Errorf("%s logs: %w for %s: no log query job moved and no page arrived (last job at %d%%); the device's log queries are not finishing",
					col.logType, ErrStalled, c.RunStall, col.jobProgress.Load()))
				return
			}
		}
	}()
	return func() { close(done) }
}

// deliver hands a batch to the caller's function, one call at a time.
func (col *collector[T]) deliver(batch []T) error {
	col.mu.Lock()
	defer col.mu.Unlock()
	for i := range batch {
		if err := col.fn(&batch[i]); err != nil {
			return err
		}
	}
	col.st.Entries += int64(len(batch))
	col.moved.Add(1)
	if col.c.Progress != nil {
		col.c.Progress(Progress{LogType: col.logType, Entries: col.st.Entries, SlicesDone: col.slicesDone, Slices: col.st.Slices, Jobs: col.st.Jobs})
	}
	return nil
}

func (col *collector[T]) count(f func(*Stats)) {
	col.mu.Lock()
	f(&col.st)
	col.mu.Unlock()
}

// pageEntry is one entry of a fetched page.
type pageEntry[T any] struct {
	rec  T
	meta entryMeta
}

// slice collects one slice with the time cursor described at collectLogs,
// spooling its entries to the checkpoint when there is one. Each entry of
// each page is checked, in this order: it could be read (else Unparseable,
// or an error with Strict); it is not one the slice already has (else a
// Duplicate, unless it is the overlap at the cursor second the query asked
// for again); it was received inside the query's time range (else
// OutOfWindow); it matches the filter (else FilterMismatch); its UTC time
// lies in the slice (else it belongs to the neighbouring slice, which only
// happens in the repeated hour of a fall-back, and is left to it). An
// entry whose own offset (high_res_timestamp) is not the one the query was
// rendered with stops the collection (ErrZoneMismatch): the window's
// edges would be off.
func (col *collector[T]) slice(ctx context.Context, d *entryDecoder, sl slice, idx int, cp *checkpoint) error {
	c := col.c
	loc := d.loc
	pageSize := c.PageSize
	if pageSize <= 0 || pageSize > 5000 {
		pageSize = 5000
	}
	var sp *spool
	if cp != nil {
		var err error
		if sp, err = cp.create(idx); err != nil {
			return fmt.Errorf("%s logs: checkpoint: %w", col.logType, err)
		}
		defer sp.abort()
	}
	endWall := wallOf(sl.to, loc)
	cursor, skip := wallOf(sl.from, loc), 0
	have := map[logKey]struct{}{}     // every key the slice delivered
	atCursor := map[logKey]struct{}{} // keys seen at the cursor second
	var page []pageEntry[T]
	var batch []T
	for {
		q := fmt.Sprintf("%s and (receive_time geq '%s') and (receive_time leq '%s')",
			col.filter, wallText(cursor), wallText(endWall))
		var err error
		page, err = col.fetchPage(ctx, d, q, pageSize, skip, page[:0])
		if err != nil {
			return err
		}
		newest := cursor
		var atNewest []logKey
		inPage := make(map[logKey]struct{}, len(page))
		batch = batch[:0]
		var dups, outside, mismatch, bad int64
		matched := 0 // entries of the query's result set, for skip paging
		for i := range page {
			e := &page[i]
			m := &e.meta
			if m.bad != nil {
				if c.Strict {
					return fmt.Errorf("%s logs: %w (--strict); the entry begins %q", col.logType, m.bad, head(m.raw))
				}
				bad++
				c.logger.Debug("log entry skipped: it cannot be read", "type", col.logType, "query", q, "err", m.bad, "entry", head(m.raw))
				continue
			}
			k := logKey{m.serial, m.seq}
			if _, again := inPage[k]; again {
				dups++
				continue
			}
			inPage[k] = struct{}{}
			if _, had := have[k]; had {
				if _, overlap := atCursor[k]; !overlap || m.wall != cursor {
					dups++
				} else {
					matched++
				}
				continue
			}
			if m.wall < cursor || m.wall > endWall {
				outside++
				continue
			}
			if !col.match(&e.rec) {
				mismatch++
				continue
			}
			if m.hiRes && m.zoneOff != m.genOff && !c.dev.Panorama {
				return fmt.Errorf("%s logs: %w: an entry generated at %s carries UTC%s, but the query was rendered in %s (UTC%s there); give the device's IANA zone with --device-tz",
					col.logType, ErrZoneMismatch, m.gen.Add(m.genOff).Format("2006-01-02T15:04:05"), fmtOffset(m.genOff), loc, fmtOffset(m.zoneOff))
			}
			matched++
			if m.wall > newest {
				newest, atNewest = m.wall, atNewest[:0]
			}
			if m.wall == newest {
				atNewest = append(atNewest, k)
			}
			if t := recvOf(&e.rec); t.Before(sl.from) || t.After(sl.to) {
				continue // the other occurrence of a repeated hour: the next slice's
			}
			have[k] = struct{}{}
			batch = append(batch, e.rec)
		}
		if sp != nil && len(batch) > 0 {
			if err := spoolWrite(sp, batch); err != nil {
				return fmt.Errorf("%s logs: checkpoint: %w", col.logType, err)
			}
		}
		col.count(func(st *Stats) {
			st.Duplicates += dups
			st.OutOfWindow += outside
			st.FilterMismatch += mismatch
			st.Unparseable += bad
		})
		if err := col.deliver(batch); err != nil {
			return err
		}
		if len(page) < pageSize {
			break
		}
		if newest > cursor {
			cursor, skip = newest, 0
			clear(atCursor)
			for _, k := range atNewest {
				atCursor[k] = struct{}{}
			}
		} else {
			skip += matched
			for _, k := range atNewest {
				atCursor[k] = struct{}{}
			}
		}
	}
	if sp != nil {
		if err := sp.commit(); err != nil {
			return fmt.Errorf("%s logs: checkpoint: %w", col.logType, err)
		}
	}
	col.count(func(*Stats) { col.slicesDone++ })
	return nil
}

// recvOf returns a record's receive time (both log types have one).
func recvOf[T any](rec *T) time.Time {
	switch l := any(rec).(type) {
	case *mine.ThreatLog:
		return l.ReceiveTime
	case *mine.TrafficLog:
		return l.ReceiveTime
	}
	return time.Time{}
}

// wallOf is t on the device's wall clock, in seconds as if UTC.
func wallOf(t time.Time, loc *time.Location) int64 {
	l := t.In(loc)
	return civilSeconds(l.Year(), int(l.Month()), l.Day(), l.Hour(), l.Minute(), l.Second())
}

// wallText renders wall clock seconds as a query time literal.
func wallText(wall int64) string { return time.Unix(wall, 0).UTC().Format(logTimeLayout) }

var (
	// errMalformedPage marks a page that could not be parsed: a truncated
	// or garbled answer, worth asking for again.
	errMalformedPage = errors.New("malformed log page")
	// errJobLost: the device no longer knows the job (its final answer
	// was read and lost on the way).
	errJobLost = errors.New("the device no longer knows the log job")
	// errJobStalled: the job made no progress for JobStall.
	errJobStalled = errors.New("the log job made no progress")
)

// fetchPage runs one log query and parses its page into buf, retrying
// transient failures (resets, timeouts, HTTP 5xx, PAN-OS session timeouts
// and internal errors), malformed and short pages, jobs the device lost
// and jobs that stalled, with exponential backoff and jitter. Refused
// credentials and certificate errors are not retried. Nothing is delivered
// until a page parsed whole.
func (col *collector[T]) fetchPage(ctx context.Context, d *entryDecoder, q string, nlogs, skip int, buf []pageEntry[T]) ([]pageEntry[T], error) {
	c := col.c
	for attempt := 0; ; attempt++ {
		col.count(func(st *Stats) { st.Jobs++ })
		page := buf[:0]
		body, err := c.runJob(ctx, col.logType, q, nlogs, skip, &d.page, col.noteProgress)
		switch {
		case errors.Is(err, errJobLost):
			col.count(func(st *Stats) { st.LostJobs++ })
		case errors.Is(err, errJobStalled):
			col.count(func(st *Stats) { st.StalledJobs++ })
		}
		var short bool
		if err == nil {
			var pg logPage
			pg, err = col.parse(d, body, func(l *T, m *entryMeta) error {
				e := pageEntry[T]{rec: *l, meta: *m}
				e.meta.raw = nil
				if m.bad != nil {
					e.meta.raw = append([]byte(nil), m.raw[:min(len(m.raw), 200)]...)
				}
				page = append(page, e)
				return nil
			})
			switch {
			case err != nil:
				err = fmt.Errorf("%s log page (%s): %w: %w", col.logType, q, errMalformedPage, err)
			case !pg.finished():
				err = fmt.Errorf("%s log job for %s ended without finishing: %w", col.logType, q, errMalformedPage)
			case pg.HasLogs && pg.Count > pg.Entries:
				short = true
				col.count(func(st *Stats) { st.ShortPages++ })
				err = fmt.Errorf("%w: %s log page (%s) announced %d entries and carried %d", ErrShortPage, col.logType, q, pg.Count, pg.Entries)
			default:
				return page, nil
			}
		}
		retry := short || xapi.IsTransient(err) || errors.Is(err, ErrLogJobTimeout) || errors.Is(err, errMalformedPage) ||
			errors.Is(err, errJobLost) || errors.Is(err, errJobStalled)
		if attempt >= c.Retries || ctx.Err() != nil || !retry {
			if short {
				return nil, fmt.Errorf("%w after %d tries", err, attempt+1)
			}
			return nil, lost(err)
		}
		col.count(func(st *Stats) { st.Retries++ })
		wait := c.backoff(attempt, 30*time.Second)
		c.logger.Warn("log query failed; retrying", "type", col.logType, "attempt", attempt+1, "wait", wait.Round(time.Millisecond), "err", err)
		if err := c.s.Sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

// runJob submits one log query and polls it until it finishes, returning
// the final answer, read into buf. A job whose status and progress do not
// move for JobStall is abandoned (errJobStalled); one the device no longer
// knows is lost (errJobLost); either way the caller submits it again. A
// job abandoned by cancellation, deadline or error is closed with
// action=finish. The job holds one of the client's job slots from its
// submission to its final answer.
func (c *Client) runJob(ctx context.Context, logType, q string, nlogs, skip int, buf *bytes.Buffer, note func(progress int)) ([]byte, error) {
	return c.awaitJob(ctx, jobOps{
		what:   logType + " log job",
		detail: q,
		timing: &c.logTiming,
		submit: func(ctx context.Context) (uint, error) { return c.s.SubmitLog(ctx, logType, q, "forward", nlogs, skip) },
		get:    func(ctx context.Context, id uint) ([]byte, error) { return c.s.GetLog(ctx, id, buf) },
		state:  readJobState,
		finish: c.abandon,
	}, note)
}

// jobOps are the requests that run one kind of device job.
type jobOps struct {
	what, detail string // "threat log job" and its query, for messages
	timing       *jobTiming
	submit       func(ctx context.Context) (uint, error)
	get          func(ctx context.Context, id uint) ([]byte, error)
	state        func(body []byte) (jobState, error)
	finish       func(id uint) // closes an abandoned job; nil when the device has no way
}

// awaitJob submits a job and polls it on the schedule its kind's timing
// learned (poll.go) until it finishes, returning its final answer.
func (c *Client) awaitJob(ctx context.Context, op jobOps, note func(progress int)) ([]byte, error) {
	deadline := c.JobDeadline
	if deadline <= 0 {
		deadline = 30 * time.Minute
	}
	jctx, cancel := context.WithTimeout(ctx, deadline)
	defer cancel()
	free, ok := c.slot(jctx.Done())
	if !ok {
		return nil, c.jobError(ctx, jctx, op, 0, jctx.Err())
	}
	defer free()
	var id uint
	err := c.retryInPlace(jctx, func() error {
		var err error
		id, err = op.submit(jctx)
		return err
	})
	if err != nil {
		return nil, c.jobError(ctx, jctx, op, 0, err)
	}
	plan := c.newPollPlan(op.timing)
	abandon := func() {
		if op.finish != nil {
			op.finish(id)
		}
	}
	lastStatus, lastProgress := "", -1
	// elapsed is the job's age when a poll is sent, on the caller's
	// clock (Config.Now), or as mine's waits add up without one; lastACT
	// is its age at the last poll that found it running.
	var idle, elapsed, lastACT time.Duration
	var submitted time.Time
	if c.now != nil {
		submitted = c.now()
	}
	for {
		wait := plan.wait()
		if err := c.s.Sleep(jctx, wait); err != nil {
			abandon()
			return nil, c.jobError(ctx, jctx, op, id, err)
		}
		elapsed += wait
		if c.now != nil {
			elapsed = c.now().Sub(submitted)
		}
		var body []byte
		// A poll that fails in passing (a reset, a 5xx page, a session
		// timeout) is repeated on the same job, which is still running on
		// the device; only a job that is gone is submitted anew, by the
		// caller.
		err := c.retryInPlace(jctx, func() error {
			var err error
			body, err = op.get(jctx, id)
			return err
		})
		if err == nil {
			var st jobState
			st, err = op.state(body)
			if err == nil && st.status == "FIN" {
				op.timing.observe(lastACT, elapsed, plan.interval)
				note(100)
				return body, nil
			}
			if err != nil {
				err = fmt.Errorf("%w: %w", errMalformedPage, err)
			} else {
				lastACT = elapsed
				if st.status != lastStatus || st.progress != lastProgress {
					lastStatus, lastProgress, idle = st.status, st.progress, 0
					note(st.progress)
				} else if idle += wait; c.JobStall > 0 && idle >= c.JobStall {
					abandon()
					return nil, fmt.Errorf("%s %d (%s) at %d%% for %s: %w: %w", op.what, id, op.detail, st.progress, idle.Round(time.Millisecond), ErrLogJobTimeout, errJobStalled)
				}
				continue
			}
		} else if isJobGone(err) {
			return nil, fmt.Errorf("%s %d (%s): %w: %w", op.what, id, op.detail, errJobLost, err)
		}
		abandon()
		return nil, c.jobError(ctx, jctx, op, id, err)
	}
}

func (col *collector[T]) noteProgress(p int) {
	col.jobProgress.Store(int64(p))
	col.moved.Add(1)
}

// isJobGone reports PAN-OS saying a log job does not exist: "job N not
// found" or "No such query job" (panos-xmlapi.md 1).
func isJobGone(err error) bool {
	var ae *xapi.APIError
	if !errors.As(err, &ae) {
		return false
	}
	m := strings.ToLower(ae.Msg)
	return strings.Contains(m, "not found") || strings.Contains(m, "no such query job")
}

// jobError names a failed job, telling a deadline from other failures.
func (c *Client) jobError(ctx, jctx context.Context, op jobOps, id uint, err error) error {
	if ctx.Err() == nil && jctx.Err() != nil {
		return fmt.Errorf("%s %d (%s) after %s: %w", op.what, id, op.detail, c.JobDeadline, ErrLogJobTimeout)
	}
	return fmt.Errorf("%s %d: %w", op.what, id, err)
}

// backoff is the wait before retry attempt+1: RetryBase doubled per
// attempt up to ceiling, then spread by jitter over [w/2, 3w/2).
func (c *Client) backoff(attempt int, ceiling time.Duration) time.Duration {
	base := c.RetryBase
	if base <= 0 {
		base = 500 * time.Millisecond
	}
	w := ceiling
	if attempt < 20 { // base<<attempt would overflow sooner or later
		w = min(base<<attempt, ceiling)
	}
	return w/2 + time.Duration(rand.Int64N(int64(w)))
}

// retryInPlace runs one request, repeating it after a short backoff with
// jitter while it fails transiently, at most Retries times.
func (c *Client) retryInPlace(ctx context.Context, f func() error) error {
	for attempt := 0; ; attempt++ {
		err := f()
		if err == nil || attempt >= c.Retries || ctx.Err() != nil || !xapi.IsTransient(err) {
			return err
		}
		wait := c.backoff(attempt, 10*time.Second)
		c.repeats.Add(1)
		c.logger.Debug("request failed in passing; repeating it", "attempt", attempt+1, "wait", wait.Round(time.Millisecond), "err", err)
		if err := c.s.Sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// abandon closes a log job that will not be read, with a short deadline of
// its own (the caller's context may be cancelled already). Failures are
// only logged: the job expires on the device anyway.
func (c *Client) abandon(id uint) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.s.FinishLog(ctx, id); err != nil {
		c.logger.Debug("could not finish abandoned log job", "job", id, "err", err)
	}
}

// jobState is what a poll says of a log job.
type jobState struct {
	status   string
	progress int
}

// readJobState reads the job status and the logs' progress attribute of a
// log answer without parsing entries.
func readJobState(body []byte) (jobState, error) { return readState(body, "log") }

// readState reads a job answer's status (result/job/status) and progress
// without walking what follows: a report job's result/job/percent, read up
// to </job>; a log job's progress attribute of result/log/logs, read up to
// that element, before the entries. kind, "log" or "report", says which.
func readState(body []byte, kind string) (jobState, error) {
	s := scanner{b: body}
	var st jobState
	var inJob, seen bool
	done := func() (jobState, error) {
		if !seen {
			return st, fmt.Errorf("%s job answer has no job status", kind)
		}
		return st, nil
	}
	for {
		k, name, attrs, err := s.nextTag()
		if err != nil {
			return st, fmt.Errorf("%s job answer: %w", kind, err)
		}
		switch {
		case k == tagEOF:
			return done()
		case k == tagOpen && string(name) == "response":
			if v, ok := attr(attrs, "status"); ok && string(v) != "success" {
				return st, fmt.Errorf("%s job answer has status %q", kind, v)
			}
		case k == tagOpen && string(name) == "job":
			inJob = true
		case k == tagClose && string(name) == "job":
			if kind == "report" {
				return done()
			}
			inJob = false
		case k == tagOpen && inJob && (string(name) == "status" || string(name) == "percent"):
			raw, _, err := s.text()
			if err != nil {
				return st, err
			}
			v := strings.TrimSpace(string(raw))
			if string(name) == "status" {
				st.status, seen = v, true
			} else {
				st.progress, _ = strconv.Atoi(v)
			}
		case (k == tagOpen || k == tagEmpty) && string(name) == "logs":
			if v, ok := attr(attrs, "progress"); ok {
				fmt.Sscan(string(v), &st.progress)
			}
			return done()
		}
	}
}

// Collection is the report's account of this collection (mine.Collection).
func (st Stats) Collection() mine.LogCollection {
	return mine.LogCollection{
		Collected: st.Entries, Duplicates: st.Duplicates, OutOfWindow: st.OutOfWindow, FilterMismatch: st.FilterMismatch,
		Unparseable: st.Unparseable, ShortPages: st.ShortPages, LostJobs: st.LostJobs, StalledJobs: st.StalledJobs,
		Queries: st.Jobs, Slices: st.Slices, Resumed: st.Resumed, Damaged: st.Damaged,
	}
}
