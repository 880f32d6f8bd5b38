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
	entries []*logEntry
	devs    []*device // on Panorama: the firewall of each entry
	polls   int
	tenq    time.Time
}

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
	var entries []*logEntry
	var devs []*device
	if stored {
		f, err := compileQuery(r.get("query"), logType)
		if err != nil {
			return apiError(17, "Invalid query: "+err.Error())
		}
		if s.pano != nil {
			entries, devs = s.panoramaLogs(logType, f, backward, skip, nlogs)
		} else {
			entries = s.selectLogs(store, f, backward, skip, nlogs)
		}
	}
	id := s.nextJob
	s.nextJob++
	s.logJobs[id] = &logJob{id: id, logType: logType, entries: entries, devs: devs, tenq: s.now}
	if s.queries == nil {
		s.queries = map[string]int{}
	}
	s.queries[logType]++
	return success(19, fmt.Sprintf("<result><msg><line>query job enqueued with jobid %d</line></msg><job>%d</job></result>", id, id))
}

// selectLogs filters a store (ordered by receive_time, then seqno).
func (s *Server) selectLogs(store []*logEntry, f *filter, backward bool, skip, nlogs int) []*logEntry {
	lo, hi := 0, len(store)
	if f.wallLo != math.MinInt64 {
		ms := s.epochBound(f.wallLo, true)
		lo = sort.Search(len(store), func(i int) bool { return store[i].at >= ms })
	}
	if f.wallHi != math.MaxInt64 {
		ms := s.epochBound(f.wallHi, false)
		hi = sort.Search(len(store), func(i int) bool { return store[i].at > ms })
	}
	var out []*logEntry
	take := func(e *logEntry) bool {
		if !f.match(e) {
			return true
		}
		if skip > 0 {
			skip--
			return true
		}
		out = append(out, e)
		return len(out) < nlogs
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
	return out
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
	loc := s.dev.loc
	var b strings.Builder
	b.Grow(512 + 3300*len(j.entries))
	w := xw{&b}
	b.WriteString("<result><job>")
	w.el("tenq", j.tenq.In(loc).Format("15:04:05"))
	w.el("tdeq", j.tenq.In(loc).Format("15:04:05"))
	w.el("tlast", s.now.In(loc).Format("15:04:05"))
	if j.polls <= s.o.PollsBeforeFinish {
		w.el("status", "ACT")
		w.num("id", int64(j.id))
		fmt.Fprintf(&b, `</job><log><logs count="0" progress="%d"/></log></result>`,
			min(99, 100*j.polls/(s.o.PollsBeforeFinish+1)))
		return success(0, b.String())
	}
	w.el("status", "FIN")
	w.num("id", int64(j.id))
	fmt.Fprintf(&b, `</job><log><logs count="%d" progress="100">`, len(j.entries))
	for i, e := range j.entries {
		d := &s.dev
		if j.devs != nil {
			d = j.devs[i]
		}
		e.render(&b, d)
	}
	b.WriteString("</logs></log></result>")
	delete(s.logJobs, j.id)
	s.recordServed(j.logType, j)
	return success(0, b.String())
}

// panoramaLogs answers a log query on Panorama from every connected managed
// firewall: each firewall's first skip+nlogs matches, merged by time (then
// serial and seqno, so the order is stable), then skip and nlogs applied to
// the merged stream. Each entry keeps its firewall's serial and name.
func (s *Server) panoramaLogs(logType string, f *filter, backward bool, skip, nlogs int) ([]*logEntry, []*device) {
	type hit struct {
		e *logEntry
		d *device
	}
	var all []hit
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
		for _, e := range fw.selectLogs(store, f, backward, 0, skip+nlogs) {
			all = append(all, hit{e, &fw.dev})
		}
		fw.mu.Unlock()
	}
	sort.SliceStable(all, func(i, j int) bool {
		a, b := all[i], all[j]
		if a.e.at != b.e.at {
			return (a.e.at < b.e.at) != backward
		}
		if a.d.serial != b.d.serial {
			return a.d.serial < b.d.serial
		}
		return (a.e.seqno < b.e.seqno) != backward
	})
	if skip >= len(all) {
		return nil, nil
	}
	all = all[skip:min(len(all), skip+nlogs)]
	es, ds := make([]*logEntry, len(all)), make([]*device, len(all))
	for i, h := range all {
		es[i], ds[i] = h.e, h.d
	}
	return es, ds
}
