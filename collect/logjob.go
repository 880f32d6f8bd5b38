package collect

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/panos-mine/mine"
	"github.com/panos-mine/mine/internal/xapi"
)

// Stats counts what one log collection did.
type Stats struct {
	Entries    int64 // entries handed to the caller
	Duplicates int64 // entries seen twice (same serial and seqno) and dropped
	Jobs       int   // log query jobs run
	Retries    int   // jobs run again after a transient failure
	Repeats    int   // single requests repeated in place after a transient failure
	Slices     int   // time slices of the window
	Resumed    int   // slices replayed from a checkpoint instead of queried
}

// Progress is reported after every page delivered.
type Progress struct {
	LogType    string
	Entries    int64
	SlicesDone int
	Slices     int
	Jobs       int
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
	return collectLogs(ctx, c, "threat", filter, w, (*entryDecoder).threatPage,
		func(l *mine.ThreatLog) (time.Time, string, uint64) { return l.ReceiveTime, l.Serial, l.SeqNo }, fn)
}

// TrafficLogs streams the traffic log entries of the named rules received
// in the window w to fn, as ThreatLogs does.
func (c *Client) TrafficLogs(ctx context.Context, w mine.Window, rules []string, fn func(*mine.TrafficLog) error) (Stats, error) {
	if len(rules) == 0 {
		return Stats{}, fmt.Errorf("traffic logs: no rule named")
	}
	terms := make([]string, len(rules))
	for i, r := range rules {
		q, err := quoteValue(r)
		if err != nil {
			return Stats{}, fmt.Errorf("traffic logs: rule name: %w", err)
		}
		terms[i] = "(rule eq " + q + ")"
	}
	filter := strings.Join(terms, " or ")
	if len(terms) > 1 {
		filter = "(" + filter + ")"
	}
	return collectLogs(ctx, c, "traffic", filter, w, (*entryDecoder).trafficPage,
		func(l *mine.TrafficLog) (time.Time, string, uint64) { return l.ReceiveTime, l.Serial, l.SeqNo }, fn)
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

// slice is one closed time slice [from, to] of a window, whole seconds.
type slice struct{ from, to time.Time }

// planSlices cuts the window into back-to-back slices of length n; the
// last may be shorter. Slices do not overlap: each ends a second before
// the next starts, since log times have one-second resolution.
func planSlices(w mine.Window, n time.Duration) []slice {
	from, to := w.From.Truncate(time.Second), w.To.Truncate(time.Second)
	if n < time.Second {
		n = to.Sub(from) + time.Second
	}
	var out []slice
	for start := from; !start.After(to); {
		end := start.Add(n).Add(-time.Second)
		if end.After(to) {
			end = to
		}
		out = append(out, slice{start, end})
		start = end.Add(time.Second)
	}
	return out
}

// collector is the state shared by the workers of one collection.
type collector[T any] struct {
	c       *Client
	logType string
	filter  string
	parse   func(*entryDecoder, []byte, func(*T) error) (int, bool, error)
	ident   func(*T) (time.Time, string, uint64)

	mu         sync.Mutex // guards fn, st and progress
	fn         func(*T) error
	st         Stats
	slicesDone int
}

// collectLogs collects one log type over the window. The window is cut into
// slices (SliceLength); Jobs workers each collect one slice at a time. A
// slice is paged with a time cursor: each query asks for dir=forward,
// nlogs=PageSize and receive_time from the cursor to the slice end; a full
// page moves the cursor to the newest time seen, and entries at that second
// that were already delivered are dropped by (serial, seqno). Only when a
// whole page shares one second does it fall back to skip paging. Unlike skip
// paging over the whole window, this neither loses nor repeats entries when
// new logs arrive during the collection, and no full page is thrown away to
// be re-queried in halves.
//
// With a Checkpoint directory, each finished slice's entries are kept on
// disk, so a collection that was interrupted replays the finished slices
// and queries only the rest; the totals equal an uninterrupted run's.
func collectLogs[T any](ctx context.Context, c *Client, logType, filter string, w mine.Window,
	parse func(*entryDecoder, []byte, func(*T) error) (int, bool, error),
	ident func(*T) (time.Time, string, uint64), fn func(*T) error) (st Stats, err error) {
	if err := w.Validate(); err != nil {
		return Stats{}, fmt.Errorf("%s logs: %w", logType, err)
	}
	slices := planSlices(w, c.SliceLength)
	col := &collector[T]{c: c, logType: logType, filter: filter, parse: parse, ident: ident, fn: fn}
	repeats := c.repeats.Load()
	defer func() { st.Repeats = int(c.repeats.Load() - repeats) }()
	col.st.Slices = len(slices)

	var cp *checkpoint
	if c.Checkpoint != "" {
		var err error
		cp, err = openCheckpoint(c.Checkpoint, checkpointKey{
			Serial: c.dev.Serial, Vsys: c.vsys, LogType: logType, Filter: filter,
			From: w.From.UTC(), To: w.To.UTC(), SliceLength: c.SliceLength,
		})
		if err != nil {
			return col.st, fmt.Errorf("%s logs: %w", logType, err)
		}
	}
	var todo []int
	for i := range slices {
		if cp != nil && cp.done(i) {
			n, err := replay(cp, i, col.deliver)
			if err != nil {
				return col.st, fmt.Errorf("%s logs: resume slice %d: %w", logType, i, err)
			}
			col.mu.Lock()
			col.st.Resumed++
			col.slicesDone++
			col.mu.Unlock()
			c.logger.Debug("slice replayed from checkpoint", "type", logType, "slice", i, "entries", n)
			continue
		}
		todo = append(todo, i)
	}

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	work := make(chan int)
	var wg sync.WaitGroup
	for range max(1, min(c.Jobs, len(todo))) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d := newEntryDecoder(c.dev.Location)
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
	if cp != nil {
		if err := cp.remove(); err != nil {
			c.logger.Warn("could not remove the finished checkpoint", "err", err)
		}
	}
	c.logger.Debug("log collection done", "type", logType, "entries", col.st.Entries, "duplicates", col.st.Duplicates,
		"jobs", col.st.Jobs, "retries", col.st.Retries, "resumed_slices", col.st.Resumed)
	return col.st, nil
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

// slice collects one slice with the time cursor described at collectLogs,
// spooling its entries to the checkpoint when there is one.
func (col *collector[T]) slice(ctx context.Context, d *entryDecoder, sl slice, idx int, cp *checkpoint) error {
	c := col.c
	loc := c.dev.Location
	if loc == nil {
		loc = time.UTC
	}
	pageSize := c.PageSize
	if pageSize <= 0 || pageSize > 5000 {
		pageSize = 5000
	}
	var sp *spool
	if cp != nil {
		var err error
		if sp, err = cp.create(idx); err != nil {
			return fmt.Errorf("%s logs: %w", col.logType, err)
		}
		defer sp.abort()
	}
	cursor, skip := sl.from, 0
	seen := map[logKey]struct{}{} // keys delivered at the cursor second
	var page, batch []T
	for {
		q := fmt.Sprintf("%s and (receive_time geq '%s') and (receive_time leq '%s')",
			col.filter, cursor.In(loc).Format(logTimeLayout), sl.to.In(loc).Format(logTimeLayout))
		var err error
		page, err = col.fetchPage(ctx, d, q, pageSize, skip, page[:0])
		if err != nil {
			return err
		}
		// drop what was already delivered at the cursor second, and find
		// where the next query starts
		newest := cursor
		var atNewest []logKey
		batch = batch[:0]
		dups := 0
		for i := range page {
			t, serial, seq := col.ident(&page[i])
			k := logKey{serial, seq}
			if t.After(newest) {
				newest, atNewest = t, atNewest[:0]
			}
			if t.Equal(newest) {
				atNewest = append(atNewest, k)
			}
			if t.Equal(cursor) {
				if _, dup := seen[k]; dup {
					dups++
					continue
				}
				seen[k] = struct{}{}
			}
			batch = append(batch, page[i])
		}
		if sp != nil && len(batch) > 0 {
			if err := sp.write(batch); err != nil {
				return fmt.Errorf("%s logs: checkpoint: %w", col.logType, err)
			}
		}
		col.count(func(st *Stats) { st.Duplicates += int64(dups) })
		if err := col.deliver(batch); err != nil {
			return err
		}
		if len(page) < pageSize {
			break
		}
		if newest.After(cursor) {
			cursor, skip = newest, 0
			clear(seen)
			for _, k := range atNewest {
				seen[k] = struct{}{}
			}
		} else {
			skip += len(page)
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

// errMalformedPage marks a page that could not be parsed: a truncated or
// garbled answer, worth asking for again.
var errMalformedPage = errors.New("malformed log page")

// fetchPage runs one log query and parses its page into buf, retrying
// transient failures (resets, timeouts, HTTP 5xx, PAN-OS session timeouts
// and internal errors, malformed pages) with exponential backoff and
// jitter. Refused credentials and certificate errors are not retried.
// Nothing is delivered until a page parsed whole.
func (col *collector[T]) fetchPage(ctx context.Context, d *entryDecoder, q string, nlogs, skip int, buf []T) ([]T, error) {
	c := col.c
	for attempt := 0; ; attempt++ {
		col.count(func(st *Stats) { st.Jobs++ })
		page := buf[:0]
		body, err := c.runJob(ctx, col.logType, q, nlogs, skip)
		if err == nil {
			var finished bool
			_, finished, err = col.parse(d, body, func(l *T) error { page = append(page, *l); return nil })
			switch {
			case err != nil:
				err = fmt.Errorf("%s log page (%s): %w: %w", col.logType, q, errMalformedPage, err)
			case !finished:
				err = fmt.Errorf("%s log job for %s ended without finishing: %w", col.logType, q, errMalformedPage)
			default:
				return page, nil
			}
		}
		retry := xapi.IsTransient(err) || errors.Is(err, ErrLogJobTimeout) || errors.Is(err, errMalformedPage)
		if attempt >= c.Retries || ctx.Err() != nil || !retry {
			return nil, err
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
// the final answer. A job abandoned by cancellation, deadline or error is
// closed with action=finish.
func (c *Client) runJob(ctx context.Context, logType, q string, nlogs, skip int) ([]byte, error) {
	jctx, cancel := context.WithTimeout(ctx, c.JobDeadline)
	defer cancel()
	var id uint
	err := c.retryInPlace(jctx, func() error {
		var err error
		id, err = c.s.SubmitLog(jctx, logType, q, "forward", nlogs, skip)
		return err
	})
	if err != nil {
		return nil, c.jobError(ctx, jctx, logType, 0, q, err)
	}
	wait := c.PollStart
	if wait <= 0 {
		wait = 100 * time.Millisecond
	}
	for {
		var body []byte
		// A poll that fails in passing (a reset, a 5xx page, a session
		// timeout) is repeated on the same job, which is still running on
		// the device; only a job that is gone is submitted anew, by the
		// caller.
		err := c.retryInPlace(jctx, func() error {
			var err error
			body, err = c.s.GetLog(jctx, id)
			return err
		})
		if err == nil {
			var status string
			status, err = jobStatus(body)
			if err == nil && status == "FIN" {
				return body, nil
			}
			if err != nil {
				err = fmt.Errorf("%w: %w", errMalformedPage, err)
			}
		}
		if err == nil {
			err = c.s.Sleep(jctx, wait)
			wait = min(wait*3/2, max(c.PollMax, c.PollStart))
		}
		if err != nil {
			c.abandon(id)
			return nil, c.jobError(ctx, jctx, logType, id, q, err)
		}
	}
}

// jobError names a failed job, telling a deadline from other failures.
func (c *Client) jobError(ctx, jctx context.Context, logType string, id uint, q string, err error) error {
	if ctx.Err() == nil && jctx.Err() != nil {
		return fmt.Errorf("%s log job %d (%s) after %s: %w", logType, id, q, c.JobDeadline, ErrLogJobTimeout)
	}
	return fmt.Errorf("%s log job %d: %w", logType, id, err)
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

// jobStatus reads the job status of a log answer without parsing entries.
func jobStatus(body []byte) (string, error) {
	s := scanner{b: body}
	var inJob bool
	for {
		k, name, attrs, err := s.nextTag()
		if err != nil {
			return "", fmt.Errorf("log job answer: %w", err)
		}
		switch {
		case k == tagEOF:
			return "", errors.New("log job answer has no job status")
		case k == tagOpen && string(name) == "response":
			if st, ok := attr(attrs, "status"); ok && string(st) != "success" {
				return "", fmt.Errorf("log job answer has status %q", st)
			}
		case k == tagOpen && string(name) == "job":
			inJob = true
		case k == tagClose && string(name) == "job":
			inJob = false
		case k == tagOpen && inJob && string(name) == "status":
			raw, _, err := s.text()
			if err != nil {
				return "", err
			}
			return strings.TrimSpace(string(raw)), nil
		case k == tagOpen && string(name) == "log":
			return "", errors.New("log job answer has no job status")
		}
	}
}
