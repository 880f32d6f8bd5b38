package collect

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/panos-mine/mine"
)

// Stats counts what one log collection did.
type Stats struct {
	Entries    int64 // entries handed to the caller
	Duplicates int64 // entries seen twice (same serial and seqno) and dropped
	Jobs       int   // log query jobs run
}

// logTimeLayout is how PAN-OS writes and reads log times (device zone).
const logTimeLayout = "2006/01/02 15:04:05"

// ThreatLogs streams the threat log entries with threat IDs in
// [minID, maxID] received in the window w to fn, oldest first. fn's
// argument is reused: copy what you keep. An error from fn stops the
// collection and is returned.
func (c *Client) ThreatLogs(ctx context.Context, w mine.Window, minID, maxID int, fn func(*mine.ThreatLog) error) (Stats, error) {
	if minID <= 0 || maxID < minID {
		return Stats{}, fmt.Errorf("threat logs: bad threat ID range %d-%d", minID, maxID)
	}
	filter := fmt.Sprintf("(threatid geq %d) and (threatid leq %d)", minID, maxID)
	d := newEntryDecoder(c.dev.Location)
	return c.query(ctx, "threat", filter, w, func(body []byte, emit emitFunc) (int, bool, error) {
		return d.threatPage(body, func(l *mine.ThreatLog) error {
			if !emit(l.Serial, l.SeqNo, l.ReceiveTime) {
				return nil
			}
			return fn(l)
		})
	})
}

// TrafficLogs streams the traffic log entries of the named rules received
// in the window w to fn, oldest first. fn's argument is reused.
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
	d := newEntryDecoder(c.dev.Location)
	return c.query(ctx, "traffic", filter, w, func(body []byte, emit emitFunc) (int, bool, error) {
		return d.trafficPage(body, func(l *mine.TrafficLog) error {
			if !emit(l.Serial, l.SeqNo, l.ReceiveTime) {
				return nil
			}
			return fn(l)
		})
	})
}

// quoteValue quotes a filter value. PAN-OS filter values cannot escape a
// single quote, so a value holding one is refused.
func quoteValue(v string) (string, error) {
	if strings.ContainsAny(v, "'\n\r") {
		return "", fmt.Errorf("%q holds a quote or a line break, which a log filter cannot express", v)
	}
	return "'" + v + "'", nil
}

// emitFunc is called for each parsed entry with its identity; it returns
// false for an entry already delivered.
type emitFunc func(serial string, seq uint64, t time.Time) bool

type pageFunc func(body []byte, emit emitFunc) (count int, finished bool, err error)

type logKey struct {
	serial string
	seq    uint64
}

// query collects one log type over the window, slice by slice. Within a
// slice it pages with a time cursor: each query asks for dir=forward,
// nlogs=PageSize, receive_time from the cursor to the slice end; a full page
// moves the cursor to the newest time seen, and entries at that second which
// were already delivered are dropped by (serial, seqno). Only when a whole
// page shares one second does it fall back to skip paging. Unlike skip
// paging over the whole window, this neither loses nor repeats entries when
// new logs arrive during the collection.
func (c *Client) query(ctx context.Context, logType, filter string, w mine.Window, page pageFunc) (Stats, error) {
	var st Stats
	if err := w.Validate(); err != nil {
		return st, fmt.Errorf("%s logs: %w", logType, err)
	}
	pageSize := c.PageSize
	if pageSize <= 0 || pageSize > 5000 {
		pageSize = 5000
	}
	slice := c.SliceLength
	if slice <= 0 {
		slice = w.Duration()
	}
	from, to := w.From.Truncate(time.Second), w.To.Truncate(time.Second)
	for start := from; !start.After(to); {
		end := start.Add(slice).Add(-time.Second)
		if end.After(to) {
			end = to
		}
		if err := c.querySlice(ctx, logType, filter, start, end, pageSize, page, &st); err != nil {
			return st, err
		}
		start = end.Add(time.Second)
	}
	c.logger.Debug("log collection done", "type", logType, "entries", st.Entries, "duplicates", st.Duplicates, "jobs", st.Jobs)
	return st, nil
}

func (c *Client) querySlice(ctx context.Context, logType, filter string, from, to time.Time, pageSize int, page pageFunc, st *Stats) error {
	loc := c.dev.Location
	if loc == nil {
		loc = time.UTC
	}
	cursor, skip := from, 0
	seen := map[logKey]struct{}{} // keys delivered at the cursor second
	for {
		q := fmt.Sprintf("%s and (receive_time geq '%s') and (receive_time leq '%s')",
			filter, cursor.In(loc).Format(logTimeLayout), to.In(loc).Format(logTimeLayout))
		body, err := c.runJob(ctx, logType, q, pageSize, skip)
		st.Jobs++
		if err != nil {
			return err
		}
		newest := cursor
		var atNewest []logKey
		n, finished, err := page(body, func(serial string, seq uint64, t time.Time) bool {
			k := logKey{serial, seq}
			if t.After(newest) {
				newest, atNewest = t, atNewest[:0]
			}
			if t.Equal(newest) {
				atNewest = append(atNewest, k)
			}
			if t.Equal(cursor) {
				if _, dup := seen[k]; dup {
					st.Duplicates++
					return false
				}
				seen[k] = struct{}{}
			}
			st.Entries++
			return true
		})
		if err != nil {
			return fmt.Errorf("%s log page (%s): %w", logType, q, err)
		}
		if !finished {
			return fmt.Errorf("%s log job for %s ended without finishing", logType, q)
		}
		if n < pageSize {
			return nil
		}
		if newest.After(cursor) {
			cursor, skip = newest, 0
			clear(seen)
			for _, k := range atNewest {
				seen[k] = struct{}{}
			}
		} else {
			skip += n
		}
	}
}

// runJob submits one log query and polls it until it finishes, returning
// the final answer. A job abandoned by cancellation, deadline or error is
// closed with action=finish.
func (c *Client) runJob(ctx context.Context, logType, q string, nlogs, skip int) ([]byte, error) {
	id, err := c.s.SubmitLog(ctx, logType, q, "forward", nlogs, skip)
	if err != nil {
		return nil, err
	}
	jctx, cancel := context.WithTimeout(ctx, c.JobDeadline)
	defer cancel()
	wait := c.PollStart
	if wait <= 0 {
		wait = 100 * time.Millisecond
	}
	for {
		body, err := c.s.GetLog(jctx, id)
		if err == nil {
			var status string
			status, err = jobStatus(body)
			if err == nil && status == "FIN" {
				return body, nil
			}
		}
		if err == nil {
			err = c.s.Sleep(jctx, wait)
			wait = min(wait*2, max(c.PollMax, c.PollStart))
		}
		if err != nil {
			c.abandon(id)
			if ctx.Err() == nil && jctx.Err() != nil {
				return nil, fmt.Errorf("%s log job %d (%s) after %s: %w", logType, id, q, c.JobDeadline, ErrLogJobTimeout)
			}
			return nil, fmt.Errorf("%s log job %d: %w", logType, id, err)
		}
	}
}

// abandon closes a log job that will not be read; failures are only
// logged, since the job expires on the device anyway.
func (c *Client) abandon(id uint) {
	if err := c.s.FinishLog(id); err != nil {
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
