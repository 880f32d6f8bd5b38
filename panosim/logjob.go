package panosim

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// MaxLogs is the largest nlogs a log query accepts.
const MaxLogs = 5000

// logJob is a submitted log query. Its result is fixed at submission.
type logJob struct {
	id      int
	logType string
	entries []logRef
	polls   int
	tenq    time.Time
	clock   *JobRecord
}

// logRef is one log record as a query sees it: a stored entry, which of
// its Options.Replicas copies, and the firewall it is on (nil: the server
// itself).
type logRef struct {
	e    *logEntry
	copy uint32
	dev  *device
}

// seqno is the copy's sequence number: copies of an entry are numbered
// one after the other, so the store's order by time and sequence number
// holds for them too.
func (r logRef) seqno(replicas int) uint64 { return r.e.seqno*uint64(replicas) + uint64(r.copy) }

// otherLogTypes are log types the device knows but the simulator keeps
// empty.
var otherLogTypes = map[string]bool{
	"url": true, "wildfire": true, "data": true, "config": true, "system": true,
	"hipmatch": true, "globalprotect": true, "userid": true, "auth": true, "iptag": true,
	"decryption": true, "gtp": true, "tunnel": true, "sctp": true, "external": true,
	"corr": true, "corr-detail": true, "corr-categ": true,
}

func (s *Server) handleLog(r *request) response {
	switch action := r.get("action"); action {
	case "":
		return s.submitLogJob(r)
	case "get", "finish":
		idText := r.get("job-id")
		if idText == "" {
			return errorResp(400, 400, "Missing parameter: job-id")
		}
		id, err := strconv.Atoi(idText)
		if err != nil {
			return apiError(17, "job-id "+idText+" is invalid")
		}
		j := s.logJobs[id]
		if j == nil {
			return apiError(17, fmt.Sprintf("job %d not found", id))
		}
		if action == "finish" {
			delete(s.logJobs, id)
			return success(0, fmt.Sprintf("<result><msg><line>Job %d stopped</line></msg></result>", id))
		}
		return s.pollLogJob(j)
	default:
		return errorResp(400, 400, "Illegal value for parameter \"action\" ["+action+"]")
	}
}

func (s *Server) submitLogJob(r *request) response {
	logType := r.get("log-type")
	var store []*logEntry
	stored := logType == "threat" || logType == "traffic"
	switch {
	case logType == "":
		return errorResp(400, 400, "Missing parameter: log-type")
	case logType == "threat":
		store = s.threat
	case logType == "traffic":
		store = s.traffic
	case otherLogTypes[logType]:
	default:
		return errorResp(400, 400, "Illegal value for parameter \"log-type\" ["+logType+"]")
	}
	nlogs := 20
	if v := r.get("nlogs"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxLogs {
			return apiError(17, fmt.Sprintf("nlogs %q is invalid: must be between 1 and %d", v, MaxLogs))
		}
		nlogs = n
	}
	skip := 0
	if v := r.get("skip"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return apiError(17, fmt.Sprintf("skip %q is invalid", v))
		}
		skip = n
	}
	backward := true
	switch d := r.get("dir"); d {
	case "", "backward":
	case "forward":
		backward = false
	default:
		return apiError(17, "dir "+d+" is invalid: use forward or backward")
	}
	var entries []logRef
	var scanned int64
	if stored {
		f, err := compileQuery(r.get("query"), logType)
		if err != nil {
			return apiError(17, "Invalid query: "+err.Error())
		}
		if s.pano != nil {
			entries, scanned = s.panoramaLogs(logType, f, backward, skip, nlogs)
		} else {
			entries, scanned = s.selectLogs(store, f, backward, skip, nlogs)
		}
	}
	id := s.nextJob
	s.nextJob++
	j := &logJob{id: id, logType: logType, entries: entries, tenq: s.now}
	j.clock = s.clockJob(id, "log", logType, scanned, s.o.Latency.logCost(scanned))
	s.logJobs[id] = j
	if s.queries == nil {
		s.queries = map[string]int{}
	}
	s.queries[logType]++
	return success(19, fmt.Sprintf("<result><msg><line>query job enqueued with jobid %d</line></msg><job>%d</job></result>", id, id))
}

// replicas is how many copies of each stored entry the server presents.
func (s *Server) replicas() int { return max(1, s.o.Replicas) }

// timeRange returns the part of a store (ordered by receive_time, then
// seqno) a filter's receive_time bounds leave.
func (s *Server) timeRange(store []*logEntry, f *filter) (lo, hi int) {
	lo, hi = 0, len(store)
	if f.wallLo != math.MinInt64 {
		ms := s.epochBound(f.wallLo, true)
		lo = sort.Search(len(store), func(i int) bool { return store[i].at >= ms })
	}
	if f.wallHi != math.MaxInt64 {
		ms := s.epochBound(f.wallHi, false)
		hi = sort.Search(len(store), func(i int) bool { return store[i].at > ms })
	}
	return lo, hi
}

// selectLogs filters a store (ordered by receive_time, then seqno), each
// entry standing for its replicas. It returns the matches after skip, at
// most nlogs, and how many records it read to find them (the job's cost).
func (s *Server) selectLogs(store []*logEntry, f *filter, backward bool, skip, nlogs int) ([]logRef, int64) {
	lo, hi := s.timeRange(store, f)
	reps := s.replicas()
	var out []logRef
	var scanned int64
	take := func(e *logEntry) bool {
		scanned += int64(reps)
		if !f.match(e) {
			return true
		}
		if skip >= reps {
			skip -= reps
			return true
		}
		for c := skip; c < reps; c++ {
			cp := uint32(c)
			if backward {
				cp = uint32(reps - 1 - c)
			}
			out = append(out, logRef{e: e, copy: cp})
			if len(out) == nlogs {
				return false
			}
		}
		skip = 0
		return true
	}
	if backward {
		for i := hi - 1; i >= lo; i-- {
			if !take(store[i]) {
				break
			}
		}
	} else {
		for i := lo; i < hi; i++ {
			if !take(store[i]) {
				break
			}
		}
	}
	return out, scanned
}

// epochBound turns a device wall-clock bound into a conservative bound in
// unix milliseconds, whatever offset the zone had around it.
func (s *Server) epochBound(wall int64, lower bool) int64 {
	_, off1 := time.Unix(wall-50400, 0).In(s.dev.loc).Zone()
	_, off2 := time.Unix(wall+50400, 0).In(s.dev.loc).Zone()
	if lower {
		return (wall - int64(max(off1, off2)) - 3600) * 1000
	}
	return (wall - int64(min(off1, off2)) + 3601) * 1000
}

func (s *Server) pollLogJob(j *logJob) response {
	j.polls++
	now, done := j.clock.poll(s.o.Latency)
	loc := s.dev.loc
	var b strings.Builder
	b.Grow(512 + 3300*len(j.entries))
	w := xw{&b}
	b.WriteString("<result><job>")
	w.el("tenq", j.tenq.In(loc).Format("15:04:05"))
	w.el("tdeq", j.tenq.In(loc).Format("15:04:05"))
	w.el("tlast", s.now.In(loc).Format("15:04:05"))
	if j.polls <= s.o.PollsBeforeFinish || !done {
		w.el("status", "ACT")
		w.num("id", int64(j.id))
		fmt.Fprintf(&b, `</job><log><logs count="0" progress="%d"/></log></result>`, jobProgress(j.polls, s.o.PollsBeforeFinish, j.clock, now))
		return success(0, b.String())
	}
	w.el("status", "FIN")
	w.num("id", int64(j.id))
	fmt.Fprintf(&b, `</job><log><logs count="%d" progress="100">`, len(j.entries))
	reps := s.replicas()
	for _, r := range j.entries {
		d := r.dev
		if d == nil {
			d = &s.dev
		}
		r.e.render(&b, d, r.seqno(reps))
	}
	b.WriteString("</logs></log></result>")
	delete(s.logJobs, j.id)
	j.clock.Served = now
	s.recordServed(j.logType, j)
	return success(0, b.String())
}

// jobProgress is the progress percentage of a running job: the share of
// its cost spent, or of its polls before it finishes, below 100.
func jobProgress(polls, before int, r *JobRecord, now time.Time) int {
	p := 100 * polls / (before + 1)
	if cost := r.Finished.Sub(r.Submitted); cost > 0 {
		p = int(100 * now.Sub(r.Submitted) / cost)
	}
	return max(0, min(99, p))
}

// panoramaLogs answers a log query on Panorama from every connected managed
// firewall: each firewall's first skip+nlogs matches, merged by time (then
// serial and seqno, so the order is stable), then skip and nlogs applied to
// the merged stream. Each entry keeps its firewall's serial and name.
func (s *Server) panoramaLogs(logType string, f *filter, backward bool, skip, nlogs int) ([]logRef, int64) {
	var all []logRef
	var scanned int64
	for _, m := range s.pano.firewalls {
		if !m.connected {
			continue
		}
		fw := m.fw
		fw.mu.Lock()
		store := fw.traffic
		if logType == "threat" {
			store = fw.threat
		}
		refs, n := fw.selectLogs(store, f, backward, 0, skip+nlogs)
		for _, r := range refs {
			r.dev = &fw.dev
			all = append(all, r)
		}
		scanned += n
		fw.mu.Unlock()
	}
	reps := s.replicas()
	sort.SliceStable(all, func(i, j int) bool {
		a, b := all[i], all[j]
		if a.e.at != b.e.at {
			return (a.e.at < b.e.at) != backward
		}
		if a.dev.serial != b.dev.serial {
			return a.dev.serial < b.dev.serial
		}
		return (a.seqno(reps) < b.seqno(reps)) != backward
	})
	if skip >= len(all) {
		return nil, scanned
	}
	return all[skip:min(len(all), skip+nlogs)], scanned
}
