package collect

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/panos-mine/mine"
	"github.com/panos-mine/mine/internal/xapi"
)

// Report-based evidence: the device aggregates, mine reads rows (see
// docs/scale.md). The window's threat and traffic logs are asked for as
// custom reports whose rows group the entries by every field the analysis
// reads and by their hour of receipt (a quarter hour in a zone whose UTC
// offset is not whole hours), with their repeat counts summed (and bytes
// on traffic). A report on the detailed logs does not count entries (the
// schema offers no such value there): a row stands for as many entries as
// its repeat counts add up to, an upper bound of them (exact for traffic
// logs, whose repeat count is 1). Three reports partition the logs:
//
//   - counts: HTTP status logs answered below 400 on rules other than the
//     catch-all, without the URL (no aggregate reads it there);
//   - evidence: every HTTP status log of the catch-all, and the answers of
//     400 and above on every rule, with the URL (misc);
//   - traffic: the catch-all's traffic logs, with bytes.
//
// Each is cut into parts of a few hours, as many rows as fit a report.
// A part whose report comes back with the row limit may have been cut,
// so it is split (at an hour, then by threat ID range) and asked again;
// its rows are not used. A part that cannot be split further, whose report
// fails time and again, or whose wall clock is ambiguous (the repeated
// hour of a daylight-saving change) is collected as raw log entries,
// folded the same way. No count is ever a part of a cut report: every count
// is exact; first and last seen have the bucket's resolution.

// ErrReportsUnsupported: the device cannot run the reports report-based
// evidence needs (it refused them, or answered them without rows or
// columns mine asked for although the logs exist). The caller can collect
// raw log entries instead.
var ErrReportsUnsupported = errors.New("the device cannot run the reports mine needs")

// ReportQuery says what report-based evidence to collect.
type ReportQuery struct {
	// MinID and MaxID bound the HTTP status signatures' threat IDs;
	// ErrorFrom is the first of them whose status is 400 or above (the
	// IDs are in status order).
	MinID, MaxID, ErrorFrom int
	// CatchAll names the catch-all rules.
	CatchAll []string
	// Names maps threat IDs to signature names, for a device whose rows
	// carry the ID instead of the name.
	Names map[int]string
}

// ReportStats counts what a report-based collection did.
type ReportStats struct {
	// Bucket is the time resolution of the rows.
	Bucket time.Duration
	// Jobs counts report jobs run; Rows the rows used; Splits the reports
	// that came back with the row limit and were asked again in parts;
	// Retries the report jobs run again after a failure.
	Jobs, Splits, Retries int
	Rows                  int64
	// ThreatEntries and TrafficEntries are the log entries the rows and
	// raw parts stand for, counted by their repeat counts.
	ThreatEntries, TrafficEntries int64
	// RawParts counts the parts collected as raw log entries; Threat and
	// Traffic what their collection did.
	RawParts        int
	Threat, Traffic Stats
}

// reportKind is one of the three reports of report-based evidence.
type reportKind struct {
	name    string // counts, evidence, traffic
	logType string
	columns []string
	values  []string
	// lo and hi bound the threat IDs (0 for traffic)
	lo, hi int
	// filter is the query of the kind for threat IDs [lo, hi].
	filter func(lo, hi int) string
	// match says whether a raw entry belongs to the kind (raw parts).
	matchThreat  func(l *mine.ThreatLog, lo, hi int) bool
	matchTraffic func(l *mine.TrafficLog) bool
}

// segment is a part of the window with one UTC offset; raw when its wall
// clock is also another part's (a fall-back's repeated hour).
type segment struct {
	from, to time.Time // both included, whole seconds
	off      time.Duration
	raw      bool
}

// reportPart is a report to run: a kind over [from, to] (UTC, both
// included) and threat IDs [lo, hi], within one segment.
type reportPart struct {
	kind     *reportKind
	seg      *segment
	from, to time.Time
	lo, hi   int
	raw      bool
}

// ReportEvidence collects the window's evidence as report rows (see the
// top of this file) and hands each group to onThreat or onTraffic with
// the number of entries it stands for (its repeat counts: see above) and
// the bucket length; the group's
// ReceiveTime is its bucket's start, or the window's start for the first.
// Calls never overlap; an error from one stops the collection. It returns
// ErrReportsUnsupported (wrapped) when the device cannot run the reports.
func (c *Client) ReportEvidence(ctx context.Context, w mine.Window, q ReportQuery,
	onThreat func(l *mine.ThreatLog, entries int64, bucket time.Duration) error,
	onTraffic func(l *mine.TrafficLog, entries int64, bucket time.Duration) error) (ReportStats, error) {
	var st ReportStats
	if err := w.Validate(); err != nil {
		return st, fmt.Errorf("report evidence: %w", err)
	}
	if len(q.CatchAll) == 0 || q.MinID <= 0 || q.MaxID < q.MinID || q.ErrorFrom < q.MinID || q.ErrorFrom > q.MaxID+1 {
		return st, fmt.Errorf("report evidence: bad query (IDs %d-%d, errors from %d, catch-all %v)", q.MinID, q.MaxID, q.ErrorFrom, q.CatchAll)
	}
	if err := CheckRuleNames(q.CatchAll); err != nil {
		return st, fmt.Errorf("report evidence: %w", err)
	}
	if !versionAtLeast(c.dev.SWVersion, 7, 1) {
		return st, fmt.Errorf("%w: custom reports through the API need PAN-OS 7.1 or later, %s runs %s", ErrReportsUnsupported, c.dev.Hostname, c.dev.SWVersion)
	}
	loc := c.location()
	segs, bucket, err := reportSegments(w, loc)
	if err != nil {
		return st, err
	}
	st.Bucket = bucket
	r := &reportRun{c: c, w: w, q: q, bucket: bucket, onThreat: onThreat, onTraffic: onTraffic, st: &st, start: c.s.BytesReceived()}
	r.kinds = r.makeKinds()
	r.cond = sync.NewCond(&r.mu)
	r.density, r.rows, r.reported, r.rawEntries = map[string]float64{}, map[string]int64{}, map[string]int64{}, map[string]int64{}
	for i := range segs {
		for _, k := range r.kinds {
			r.cursors = append(r.cursors, &cursor{kind: k, seg: &segs[i], next: segs[i].from})
		}
	}
	topN := c.ReportRows
	if topN <= 0 || topN > maxReportRows {
		topN = maxReportRows
	}
	r.topN = topN
	var wg sync.WaitGroup
	for range max(1, c.Jobs) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf bytes.Buffer
			for {
				p, ok := r.next()
				if !ok {
					return
				}
				sub, rows, err := r.run(ctx, p, &buf)
				r.finish(p, sub, rows, err)
			}
		}()
	}
	wg.Wait()
	if r.err != nil {
		return st, r.err
	}
	if err := r.checkEmpty(ctx); err != nil {
		return st, err
	}
	c.logger.Debug("report evidence collected", "jobs", st.Jobs, "rows", st.Rows, "splits", st.Splits, "raw_parts", st.RawParts,
		"threat_entries", st.ThreatEntries, "traffic_entries", st.TrafficEntries, "bytes", c.s.BytesReceived()-r.start)
	return st, nil
}

// BytesReceived is how many bytes of log and report answers the client
// has read from the device.
func (c *Client) BytesReceived() int64 { return c.s.BytesReceived() }

// reportSegments cuts the window where the zone's offset changes and
// marks the parts whose wall clock repeats; it returns the bucket: an hour
// when every offset is whole hours, a quarter hour when they are whole
// quarter hours.
func reportSegments(w mine.Window, loc *time.Location) ([]segment, time.Duration, error) {
	var segs []segment
	bucket := time.Hour
	for _, sl := range planSlices(w, 0, loc) {
		off := offsetAt(loc, sl.from)
		switch {
		case off%time.Hour == 0:
		case off%(15*time.Minute) == 0:
			bucket = 15 * time.Minute
		default:
			return nil, 0, fmt.Errorf("%w: the device's UTC offset %s is not whole quarter hours, which report time buckets need", ErrReportsUnsupported, fmtOffset(off))
		}
		if n := len(segs); n > 0 {
			prev := &segs[n-1]
			wallEnd := wallOf(prev.to, loc)
			if over := wallEnd - wallOf(sl.from, loc); over >= 0 {
				// a fall back: [sl.from, sl.from+over] shows the wall clock
				// of [prev.to-over, prev.to]
				d := time.Duration(over) * time.Second
				if cut := prev.to.Add(-d); cut.After(prev.from) {
					tail := segment{from: cut, to: prev.to, off: prev.off, raw: true}
					prev.to = cut.Add(-time.Second)
					segs = append(segs, tail)
				} else {
					prev.raw = true
				}
				end := sl.from.Add(d)
				if !end.Before(sl.to) {
					segs = append(segs, segment{from: sl.from, to: sl.to, off: off, raw: true})
					continue
				}
				segs = append(segs, segment{from: sl.from, to: end, off: off, raw: true})
				sl.from = end.Add(time.Second)
			}
		}
		segs = append(segs, segment{from: sl.from, to: sl.to, off: off})
	}
	return segs, bucket, nil
}

// reportRun is the state of one ReportEvidence call.
type reportRun struct {
	c         *Client
	w         mine.Window
	q         ReportQuery
	bucket    time.Duration
	topN      int
	kinds     []*reportKind
	onThreat  func(*mine.ThreatLog, int64, time.Duration) error
	onTraffic func(*mine.TrafficLog, int64, time.Duration) error
	start     int64 // bytes received before the run

	mu       sync.Mutex // guards what follows, and the callbacks
	cond     *sync.Cond
	st       *ReportStats
	cursors  []*cursor
	queue    []reportPart
	inflight int
	done     int
	err      error
	// rows counts the rows each kind returned, density its rows per
	// bucket (the largest seen).
	rows    map[string]int64
	density map[string]float64
	// reported counts each kind's report parts that ran, rawEntries the
	// entries its raw parts held.
	reported, rawEntries map[string]int64
}

// cursor is how far one kind's parts of one segment have been planned.
type cursor struct {
	kind *reportKind
	seg  *segment
	next time.Time
}

func quoteRules(rules []string, op, join string) string {
	terms := make([]string, len(rules))
	for i, r := range rules {
		v, _ := quoteValue(r)
		terms[i] = "(rule " + op + " " + v + ")"
	}
	return strings.Join(terms, join)
}

func (r *reportRun) makeKinds() []*reportKind {
	q := r.q
	isCA := map[string]bool{}
	for _, n := range q.CatchAll {
		isCA[n] = true
	}
	ruleIn := quoteRules(q.CatchAll, "eq", " or ")
	ruleOut := quoteRules(q.CatchAll, "neq", " and ")
	ids := func(lo, hi int) string {
		if lo == hi {
			return fmt.Sprintf("(threatid eq %d)", lo)
		}
		return fmt.Sprintf("(threatid geq %d) and (threatid leq %d)", lo, hi)
	}
	db := func(logType string) string {
		if r.c.dev.Panorama && !r.c.s.HasLogTarget() {
			return "panorama-" + logType
		}
		return logType
	}
	bucketCol := "hour-of-receive_time"
	if r.bucket < time.Hour {
		bucketCol = "quarter-hour-of-receive_time"
	}
	flow := []string{"serial", "rule", "from", "to", "src", "dst", "app", "proto", "dport"}
	var out []*reportKind
	if q.ErrorFrom > q.MinID {
		out = append(out, &reportKind{
			name: "counts", logType: db("threat"), lo: q.MinID, hi: q.ErrorFrom - 1,
			columns: append(append([]string(nil), flow...), "threatid", bucketCol), values: []string{"repeatcnt"},
			filter: func(lo, hi int) string { return ids(lo, hi) + " and " + ruleOut },
			matchThreat: func(l *mine.ThreatLog, lo, hi int) bool {
				return l.ThreatID >= lo && l.ThreatID <= hi && !isCA[l.Rule]
			},
		})
	}
	out = append(out, &reportKind{
		name: "evidence", logType: db("threat"), lo: q.MinID, hi: q.MaxID,
		columns: append(append([]string(nil), flow...), "threatid", "misc", bucketCol), values: []string{"repeatcnt"},
		filter: func(lo, hi int) string {
			return ids(lo, hi) + " and (" + ruleIn + " or (threatid geq " + strconv.Itoa(q.ErrorFrom) + "))"
		},
		matchThreat: func(l *mine.ThreatLog, lo, hi int) bool {
			return l.ThreatID >= lo && l.ThreatID <= hi && (isCA[l.Rule] || l.ThreatID >= q.ErrorFrom)
		},
	}, &reportKind{
		name: "traffic", logType: db("traffic"),
		columns: append(append([]string(nil), flow...), bucketCol), values: []string{"repeatcnt", "bytes"},
		filter: func(int, int) string {
			if len(q.CatchAll) == 1 {
				return ruleIn
			}
			return "(" + ruleIn + ")"
		},
		matchTraffic: func(l *mine.TrafficLog) bool { return isCA[l.Rule] },
	})
	return out
}

// next returns the next part to run, waiting while parts in flight may
// still split; false when all is done or the run failed.
func (r *reportRun) next() (reportPart, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for {
		if r.err != nil {
			return reportPart{}, false
		}
		if n := len(r.queue); n > 0 {
			p := r.queue[n-1]
			r.queue = r.queue[:n-1]
			r.inflight++
			return p, true
		}
		if p, ok := r.carve(); ok {
			r.inflight++
			return p, true
		}
		if r.inflight == 0 {
			return reportPart{}, false
		}
		r.cond.Wait()
	}
}

// carve plans the next part of the kind whose parts lag most, as long as
// its density says fits one report.
func (r *reportRun) carve() (reportPart, bool) {
	var best *cursor
	for _, cu := range r.cursors {
		if cu.next.After(cu.seg.to) {
			continue
		}
		if best == nil || cu.next.Before(best.next) {
			best = cu
		}
	}
	if best == nil {
		return reportPart{}, false
	}
	seg := best.seg
	from := best.next
	if seg.raw {
		best.next = seg.to.Add(time.Second)
		return reportPart{kind: best.kind, seg: seg, from: from, to: seg.to, lo: best.kind.lo, hi: best.kind.hi, raw: true}, true
	}
	buckets := int64(r.c.reportSlice() / r.bucket)
	if d := r.density[best.kind.name]; d > 0 {
		buckets = max(1, min(int64(float64(r.topN)*0.7/d), 31*24*int64(time.Hour/r.bucket)))
	}
	end := from.Truncate(r.bucket).Add(time.Duration(buckets) * r.bucket).Add(-time.Second)
	if end.After(seg.to) {
		end = seg.to
	}
	best.next = end.Add(time.Second)
	return reportPart{kind: best.kind, seg: seg, from: from, to: end, lo: best.kind.lo, hi: best.kind.hi}, true
}

// reportSlice is the first guess of a report part's length.
func (c *Client) reportSlice() time.Duration {
	if c.ReportSlice >= time.Hour {
		return c.ReportSlice
	}
	return 6 * time.Hour
}

// finish records a part's outcome: its rows, the parts it was split into,
// or the error that stops the run.
func (r *reportRun) finish(p reportPart, sub []reportPart, rows int, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.inflight--
	r.done++
	switch {
	case err != nil:
		if r.err == nil {
			r.err = err
		}
	case len(sub) > 0:
		r.st.Splits++
		r.queue = append(r.queue, sub...)
	case !p.raw:
		r.reported[p.kind.name]++
		r.rows[p.kind.name] += int64(rows)
		n := float64(p.to.Sub(p.from.Truncate(r.bucket))/r.bucket) + 1
		r.density[p.kind.name] = max(r.density[p.kind.name], float64(rows)/n)
	}
	if r.c.Progress != nil {
		r.c.Progress(Progress{LogType: "report", Entries: r.st.ThreatEntries + r.st.TrafficEntries, SlicesDone: r.done,
			Slices: r.done + r.inflight + len(r.queue) + r.pending(), Jobs: r.st.Jobs})
	}
	r.cond.Broadcast()
}

// pending estimates the parts still to carve.
func (r *reportRun) pending() int {
	n := 0
	for _, cu := range r.cursors {
		if !cu.next.After(cu.seg.to) {
			n++
		}
	}
	return n
}

// run runs one part: its report, or its raw entries. It returns the parts
// to run instead when the report came back with the row limit.
func (r *reportRun) run(ctx context.Context, p reportPart, buf *bytes.Buffer) ([]reportPart, int, error) {
	if p.raw {
		return nil, 0, r.runRaw(ctx, p)
	}
	def := reportDef{
		db: p.kind.logType, columns: p.kind.columns, values: p.kind.values, sortBy: "repeatcnt",
		query: p.kind.filter(p.lo, p.hi), from: wallOf(p.from, r.c.location()), to: wallOf(p.to, r.c.location()), topN: r.topN,
	}
	c := r.c
	for attempt := 0; ; attempt++ {
		r.count(func(st *ReportStats) { st.Jobs++ })
		groups, err := r.rowsOf(ctx, def, p, buf)
		if err == nil {
			if len(groups.threat)+len(groups.traffic) >= r.topN {
				if sub := r.split(p); sub != nil {
					return sub, 0, nil
				}
				c.logger.Debug("report part at the row limit cannot be split: collecting its raw entries", "kind", p.kind.name, "from", p.from, "to", p.to)
				return nil, 0, r.runRaw(ctx, reportPart{kind: p.kind, seg: p.seg, from: p.from, to: p.to, lo: p.lo, hi: p.hi, raw: true})
			}
			return nil, len(groups.threat) + len(groups.traffic), r.deliver(groups)
		}
		if errors.Is(err, ErrReportsUnsupported) || ctx.Err() != nil || errors.Is(err, ErrUnauthorized) {
			return nil, 0, err
		}
		if !reportRetryable(err) {
			return nil, 0, fmt.Errorf("%w: %s report (%s): %w", ErrReportsUnsupported, p.kind.name, def.query, lost(err))
		}
		if attempt >= c.Retries {
			c.logger.Warn("report keeps failing: collecting its raw entries", "kind", p.kind.name, "from", p.from, "to", p.to, "err", err)
			return nil, 0, r.runRaw(ctx, reportPart{kind: p.kind, seg: p.seg, from: p.from, to: p.to, lo: p.lo, hi: p.hi, raw: true})
		}
		r.count(func(st *ReportStats) { st.Retries++ })
		wait := c.backoff(attempt, 30*time.Second)
		c.logger.Warn("report failed; running it again", "kind", p.kind.name, "attempt", attempt+1, "wait", wait.Round(time.Millisecond), "err", err)
		if err := c.s.Sleep(ctx, wait); err != nil {
			return nil, 0, err
		}
	}
}

// reportRetryable tells a report failure worth another try (a reset, a
// timeout, a 5xx page, an answer cut short, a job lost or stalled) from a
// device that cannot run the report: one that refuses it or answers
// something else than a report job.
func reportRetryable(err error) bool {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.IsTransient() || isJobGone(err)
	}
	return xapi.IsTransient(err) || errors.Is(err, errMalformedPage) || errors.Is(err, errReportAnswer) ||
		errors.Is(err, errJobLost) || errors.Is(err, errJobStalled) || errors.Is(err, ErrLogJobTimeout)
}

// split cuts a part that filled a report: at the hour in its middle, or
// its threat IDs in two; nil when it is one bucket of one ID.
func (r *reportRun) split(p reportPart) []reportPart {
	first := p.from.Truncate(r.bucket)
	if n := int64(p.to.Sub(first) / r.bucket); n >= 1 {
		mid := first.Add(time.Duration((n+1)/2) * r.bucket)
		a, b := p, p
		a.to, b.from = mid.Add(-time.Second), mid
		return []reportPart{b, a}
	}
	if p.kind.matchThreat != nil && p.lo < p.hi {
		mid := p.lo + (p.hi-p.lo)/2
		a, b := p, p
		a.hi, b.lo = mid, mid+1
		return []reportPart{b, a}
	}
	return nil
}

func (r *reportRun) count(f func(*ReportStats)) {
	r.mu.Lock()
	f(r.st)
	r.mu.Unlock()
}

// partGroups are one report's rows, read and checked before any is used.
type partGroups struct {
	threat  []threatGroup
	traffic []trafficGroup
}

type threatGroup struct {
	l       mine.ThreatLog
	entries int64
}

type trafficGroup struct {
	l       mine.TrafficLog
	entries int64
}

// rowsOf runs a part's report and reads its rows into groups.
func (r *reportRun) rowsOf(ctx context.Context, def reportDef, p reportPart, buf *bytes.Buffer) (partGroups, error) {
	var g partGroups
	d := newEntryDecoder(r.c.location())
	threat := p.kind.matchThreat != nil
	ncol := len(def.columns)
	_, err := r.c.runReport(ctx, def, buf, func(int) {}, func(cells [][]byte, esc []bool) error {
		for i, cell := range cells {
			if cell == nil {
				col := ""
				if i < ncol {
					col = def.columns[i]
				} else {
					col = def.values[i-ncol]
				}
				return fmt.Errorf("%w: a %s report row has no %s", ErrReportsUnsupported, p.kind.name, col)
			}
		}
		at, err := r.bucketTime(cells[ncol-1], p)
		if err != nil {
			return fmt.Errorf("%w: %s report row: %w", errReportAnswer, p.kind.name, err)
		}
		vals := make([]int64, len(def.values))
		for i := range def.values {
			n, err := parseUint([]byte(def.values[i]), cells[ncol+i])
			if err != nil {
				return fmt.Errorf("%w: %s report row: %w", errReportAnswer, p.kind.name, err)
			}
			vals[i] = int64(min(n, 1<<62))
		}
		str := func(i int) (string, error) { return d.str(cells[i], esc[i]) }
		var f [9]string
		for i := range 9 { // the flow columns
			if f[i], err = str(i); err != nil {
				return fmt.Errorf("%w: %s report row: %w", errReportAnswer, p.kind.name, err)
			}
		}
		port, err := strconv.Atoi(strings.TrimSpace(f[8]))
		if err != nil || port < 0 || port > 65535 {
			return fmt.Errorf("%w: %s report row: port %q", errReportAnswer, p.kind.name, f[8])
		}
		if !threat {
			g.traffic = append(g.traffic, trafficGroup{mine.TrafficLog{
				ReceiveTime: at, Serial: f[0], Rule: f[1], FromZone: f[2], ToZone: f[3], Src: f[4], Dst: f[5],
				App: f[6], Proto: f[7], DstPort: port, RepeatCount: int(vals[0]), Bytes: vals[1],
			}, vals[0]})
			return nil
		}
		name, err := str(9)
		if err != nil {
			return fmt.Errorf("%w: %s report row: %w", errReportAnswer, p.kind.name, err)
		}
		name, id := r.threatOf(name)
		l := mine.ThreatLog{
			ReceiveTime: at, Serial: f[0], Rule: f[1], FromZone: f[2], ToZone: f[3], Src: f[4], Dst: f[5],
			App: f[6], Proto: f[7], DstPort: port, ThreatName: name, ThreatID: id, RepeatCount: int(vals[0]),
		}
		if p.kind.name == "evidence" {
			raw := cells[10]
			var u string
			if esc[10] || bytes.IndexByte(raw, '&') >= 0 {
				if u, err = unescape(raw); err != nil {
					return fmt.Errorf("%w: %s report row: %w", errReportAnswer, p.kind.name, err)
				}
			} else {
				u = string(raw)
			}
			l.URL = trimQuotes(u)
		}
		g.threat = append(g.threat, threatGroup{l, vals[0]})
		return nil
	})
	return g, err
}

// threatOf reads a row's threat: "HTTP-200", "HTTP-200(41003)" or, from a
// device that answers the ID, "41003".
func (r *reportRun) threatOf(s string) (string, int) {
	name, id := threatName(s)
	if n, err := strconv.Atoi(strings.TrimSpace(s)); err == nil {
		id = n
		if r.q.Names[n] != "" {
			name = r.q.Names[n]
		}
	}
	if id == 0 {
		for n, v := range r.q.Names {
			if v == name {
				id = n
				break
			}
		}
	}
	return name, id
}

// bucketTime places a row's time bucket (the device's wall clock) in UTC,
// within the part (so never before the window's start).
func (r *reportRun) bucketTime(raw []byte, p reportPart) (time.Time, error) {
	wall, err := wallBucket(raw)
	if err != nil {
		return time.Time{}, err
	}
	t := wallToUTC(wall, p.seg.off)
	if t.After(p.to) || t.Add(r.bucket).Before(p.from) || t.Add(r.bucket) == p.from {
		return time.Time{}, fmt.Errorf("time bucket %s lies outside the report's window %s to %s", raw, p.from.Format(time.RFC3339), p.to.Format(time.RFC3339))
	}
	if t.Before(r.w.From) {
		t = r.w.From
	}
	return t, nil
}

// deliver hands a part's groups to the callbacks, one at a time.
func (r *reportRun) deliver(g partGroups) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := range g.threat {
		if err := r.onThreat(&g.threat[i].l, g.threat[i].entries, r.bucket); err != nil {
			return err
		}
		r.st.ThreatEntries += g.threat[i].entries
	}
	for i := range g.traffic {
		if err := r.onTraffic(&g.traffic[i].l, g.traffic[i].entries, r.bucket); err != nil {
			return err
		}
		r.st.TrafficEntries += g.traffic[i].entries
	}
	r.st.Rows += int64(len(g.threat) + len(g.traffic))
	return nil
}

// runRaw collects a part's raw log entries and hands each over as a group
// in its bucket, folded as report rows are: standing for as many entries
// as its repeat count says.
func (r *reportRun) runRaw(ctx context.Context, p reportPart) error {
	c := r.c
	r.count(func(st *ReportStats) { st.RawParts++ })
	pw := mine.Window{From: p.from, To: p.to}
	filter := p.kind.filter(p.lo, p.hi)
	at := func(t time.Time) time.Time {
		t = t.Truncate(r.bucket)
		if t.Before(r.w.From) {
			t = r.w.From
		}
		return t
	}
	if p.kind.matchThreat != nil {
		st, err := collectLogs(ctx, c, nil, "threat", filter, pw, (*entryDecoder).threatEntries,
			func(l *mine.ThreatLog) bool { return p.kind.matchThreat(l, p.lo, p.hi) },
			func(l *mine.ThreatLog) error {
				g := *l
				g.ReceiveTime = at(g.ReceiveTime)
				if p.kind.name == "counts" {
					g.URL = ""
				}
				// counted as report rows count: by repeat counts
				n := int64(g.Hits())
				r.mu.Lock()
				defer r.mu.Unlock()
				r.st.ThreatEntries += n
				r.rawEntries[p.kind.name]++
				return r.onThreat(&g, n, r.bucket)
			})
		r.count(func(s *ReportStats) { s.Threat = addStats(s.Threat, st) })
		return err
	}
	st, err := collectLogs(ctx, c, nil, "traffic", filter, pw, (*entryDecoder).trafficEntries, p.kind.matchTraffic,
		func(l *mine.TrafficLog) error {
			g := *l
			g.ReceiveTime = at(g.ReceiveTime)
			n := int64(g.Sessions())
			r.mu.Lock()
			defer r.mu.Unlock()
			r.st.TrafficEntries += n
			r.rawEntries[p.kind.name]++
			return r.onTraffic(&g, n, r.bucket)
		})
	r.count(func(s *ReportStats) { s.Traffic = addStats(s.Traffic, st) })
	return err
}

// checkEmpty: a kind whose reports returned no row at all, while the
// window has logs it would count, means the device answered without
// running it (as devices do for a column or value they do not know).
func (r *reportRun) checkEmpty(ctx context.Context) error {
	for _, k := range r.kinds {
		if r.rows[k.name] > 0 || r.reported[k.name] == 0 || r.rawEntries[k.name] > 0 {
			continue
		}
		q := k.filter(k.lo, k.hi) + fmt.Sprintf(" and (receive_time geq '%s') and (receive_time leq '%s')",
			wallText(wallOf(r.w.From, r.c.location())), wallText(wallOf(r.w.To, r.c.location())))
		logType := strings.TrimPrefix(k.logType, "panorama-")
		var buf bytes.Buffer
		body, err := r.c.runJob(ctx, logType, q, 1, 0, &buf, func(int) {})
		if err != nil {
			return fmt.Errorf("check the %s report's empty answer: %w", k.name, lost(err))
		}
		pg, err := parseLogPage(body, nil, func() error { return nil }, func([]byte, []byte, bool) error { return nil }, func([]byte) error { return nil })
		if err != nil {
			return fmt.Errorf("check the %s report's empty answer: %w", k.name, err)
		}
		if pg.Entries > 0 {
			return fmt.Errorf("%w: its %s reports came back without rows, but log entries match them (%s)", ErrReportsUnsupported, k.name, q)
		}
	}
	return nil
}

// addStats sums two collections' counts.
func addStats(a, b Stats) Stats {
	a.Entries += b.Entries
	a.Duplicates += b.Duplicates
	a.OutOfWindow += b.OutOfWindow
	a.FilterMismatch += b.FilterMismatch
	a.Unparseable += b.Unparseable
	a.ShortPages += b.ShortPages
	a.LostJobs += b.LostJobs
	a.StalledJobs += b.StalledJobs
	a.Jobs += b.Jobs
	a.Retries += b.Retries
	a.Repeats += b.Repeats
	a.Slices += b.Slices
	return a
}
