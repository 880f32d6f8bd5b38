package panosim

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Reports (type=report). The simulator runs ad-hoc custom reports over its
// detailed logs, as a device runs reporttype=dynamic&reportname=custom-
// dynamic-report with the report's definition in cmd:
//
//	<type><threat|traffic (panorama-threat|panorama-traffic on Panorama)>
//	  <aggregate-by><member>rule</member>...</aggregate-by>
//	  <values><member>repeatcnt</member>...</values>
//	  <sortby>repeatcnt</sortby> <group-by>field</group-by> (optional)
//	</threat></type>
//	<start-time>2026/11/02 00:00:00</start-time><end-time>2026/11/02 05:59:59</end-time>
//	  (device wall clock, both ends included) or <period>last-24-hrs</period>
//	<topn>N</topn><topm>M</topm><query>filter</query><caption>..</caption>
//
// The answer is a job (ACT, then FIN with result/job/percent 100 and
// result/report[@reportname,@logtype,@name,@start,@end,...]/entry rows).
// Rows aggregate the entries that agree on every aggregate-by column and
// sum the values: repeatcnt (repeat counts), and on traffic bytes,
// bytes_sent, bytes_received, packets, pkts_sent, pkts_received and
// elapsed; nunique-of-users counts the distinct source users. With sortby
// the rows are the topn with the largest sortby value; without it, the
// first topn matching entries one row each, unaggregated (the documented
// "first N number of results without any aggregation"). With group-by,
// the topm groups with the largest sortby sums, topn rows each. The
// columns and values a report may name are the recorded schema's
// (reportschema.go); the simulator fills serial, device_name, vsys,
// vsys_name, rule, rule_uuid, from, to, src, dst, srcuser, app, proto,
// sport, dport, action, subtype, category, threatid and threat_name (the
// threat's name), misc, severity and direction on threat logs,
// session_end_reason on traffic logs, the time buckets
// day-of-receive_time ("Mon, Jan 2, 2006"), hour-of-receive_time and
// quarter-hour-of-receive_time ("2006/01/02 15:04:05", device wall
// clock); the other columns are empty.
//
// Limits, from the schema: topn 1-10000, topm 1-50, and with group-by
// topn times topm at most 25000, else an error. A value or aggregate-by
// column the schema does not list for the database answers success with
// no rows, as a device was seen to do for a value column its database
// lacks; so does a definition without start-time/end-time or period (a
// window given only as URL parameters is ignored), its window echoed as
// 1970/01/01. Summary databases (thsum, trsum...) are not simulated: an
// error says so.

// reportJob is a submitted report. Its rows are fixed at submission.
type reportJob struct {
	id        int
	logType   string // threat, traffic, or another log type kept empty
	caption   string
	wallFrom  int64 // the window on the device wall clock, both ends included
	wallTo    int64
	cols      []string
	rows      [][]string
	polls     int
	tenq      time.Time
	clock     *JobRecord
	generated time.Time
}

// maxReportRows and maxReportGroups are the largest topn and topm a
// report accepts: the web interface's choices (5...10000 rows, 5...50
// groups).
const (
	maxReportRows   = 10000
	maxReportGroups = 50
)

// reportDatabases maps a report's database to its log type: detailed logs
// the simulator keeps (threat, traffic) or keeps empty.
var reportDatabases = map[string]string{
	"threat": "threat", "traffic": "traffic",
	"url": "url", "wildfire": "wildfire", "data": "data", "hipmatch": "hipmatch", "userid": "userid",
	"auth": "auth", "tunnel": "tunnel", "decryption": "decryption", "gtp": "gtp", "sctp": "sctp",
}

// summaryDatabases are the summary databases a device keeps and the
// simulator does not.
var summaryDatabases = map[string]bool{"thsum": true, "trsum": true, "appstat": true, "urlsum": true, "tunnelsum": true}

// reportCols are the columns the simulator fills, for the log types the
// schema names them in (reportschema.go); a column the schema lists and
// this map does not is rendered empty.
var reportCols = map[string]func(e *logEntry, d *device) string{
	"serial":      func(_ *logEntry, d *device) string { return d.serial },
	"device_name": func(_ *logEntry, d *device) string { return d.hostname },
	"vsys":        func(*logEntry, *device) string { return "vsys1" },
	"vsys_name":   func(*logEntry, *device) string { return "vsys1" },
	"rule":        func(e *logEntry, _ *device) string { return e.rule.name },
	"rule_uuid":   func(e *logEntry, _ *device) string { return e.rule.uuid },
	"from":        func(e *logEntry, _ *device) string { return e.s.from },
	"to":          func(e *logEntry, _ *device) string { return e.s.to },
	"src":         func(e *logEntry, _ *device) string { return e.s.src.String() },
	"dst":         func(e *logEntry, _ *device) string { return e.s.dst.String() },
	"srcuser":     func(e *logEntry, _ *device) string { return e.s.user },
	"app":         func(e *logEntry, _ *device) string { return logApp(e) },
	"proto":       func(e *logEntry, _ *device) string { return e.s.proto },
	"sport":       func(e *logEntry, _ *device) string { return strconv.Itoa(e.s.sport) },
	"dport":       func(e *logEntry, _ *device) string { return strconv.Itoa(e.s.dport) },
	"action":      func(e *logEntry, _ *device) string { return e.actionName() },
	"subtype":     func(e *logEntry, _ *device) string { return e.subtypeName() },
	"category":    func(*logEntry, *device) string { return "any" },
	"threatid":    func(e *logEntry, _ *device) string { return e.name },
	"threat_name": func(e *logEntry, _ *device) string { return e.name },
	"misc":        func(e *logEntry, _ *device) string { return e.misc },
	"severity":    func(e *logEntry, _ *device) string { return e.severity },
	"direction":   func(*logEntry, *device) string { return "server-to-client" },
	"session_end_reason": func(e *logEntry, _ *device) string {
		return e.endReason()
	},
	"day-of-receive_time": func(e *logEntry, _ *device) string {
		return time.Unix(e.wall, 0).UTC().Format("Mon, Jan 2, 2006")
	},
	"hour-of-receive_time": func(e *logEntry, _ *device) string {
		return time.Unix(e.wall-e.wall%3600, 0).UTC().Format(queryTimeFmt)
	},
	"quarter-hour-of-receive_time": func(e *logEntry, _ *device) string {
		return time.Unix(e.wall-e.wall%900, 0).UTC().Format(queryTimeFmt)
	},
}

// reportValues are what one stored entry adds to a row's sums; a value
// the schema lists and this map does not sums to 0. nunique-of-users is
// counted apart.
var reportValues = map[string]func(e *logEntry) int64{
	"repeatcnt":      func(e *logEntry) int64 { return int64(max(e.repeat, 1)) },
	"bytes":          func(e *logEntry) int64 { v := e.volume(); return v.sent + v.recv },
	"bytes_sent":     func(e *logEntry) int64 { return e.volume().sent },
	"bytes_received": func(e *logEntry) int64 { return e.volume().recv },
	"packets":        func(e *logEntry) int64 { v := e.volume(); return v.pktsSent + v.pktsRecv },
	"pkts_sent":      func(e *logEntry) int64 { return e.volume().pktsSent },
	"pkts_received":  func(e *logEntry) int64 { return e.volume().pktsRecv },
	"elapsed": func(e *logEntry) int64 {
		if e.subtype != "end" {
			return 0
		}
		return (e.s.end - e.s.start) / 1000
	},
}

const uniqueUsers = "nunique-of-users"

// reportDef is a parsed report definition.
type reportDef struct {
	db, logType    string
	aggregate      []string
	values         []string
	sortBy         string
	groupBy        string
	topN, topM     int
	query, caption string
	hasWindow      bool
	wallFrom       int64
	wallTo         int64
	// silent says the device would answer no rows: a column or value it
	// does not know.
	silent bool
}

func (s *Server) handleReport(r *request) response {
	switch action := r.get("action"); action {
	case "":
		return s.submitReport(r)
	case "get":
		idText := r.get("job-id")
		if idText == "" {
			return errorResp(400, 400, "Missing parameter: job-id")
		}
		id, err := strconv.Atoi(idText)
		if err != nil {
			return apiError(17, "job-id "+idText+" is invalid")
		}
		j := s.reportJobs[id]
		if j == nil {
			return apiError(17, fmt.Sprintf("job %d not found", id))
		}
		return s.pollReport(j)
	default:
		return errorResp(400, 400, "Illegal value for parameter \"action\" ["+action+"]")
	}
}

func (s *Server) submitReport(r *request) response {
	typ, name := r.get("reporttype"), r.get("reportname")
	switch {
	case typ == "":
		return errorResp(400, 400, "Missing parameter: reporttype")
	case typ != "dynamic" && typ != "predefined" && typ != "custom":
		return errorResp(400, 400, "Illegal value for parameter \"reporttype\" ["+typ+"]")
	case name == "":
		return errorResp(400, 400, "Missing parameter: reportname")
	case typ != "dynamic" || name != "custom-dynamic-report":
		return apiError(17, fmt.Sprintf("%s report %q is not one the simulator has: it runs reporttype=dynamic&reportname=custom-dynamic-report with the definition in cmd", typ, name))
	}
	def, err := s.parseReport(r.get("cmd"))
	if err != nil {
		return apiError(17, "Invalid report definition: "+err.Error())
	}
	j := &reportJob{id: s.nextJob, logType: def.logType, caption: def.caption, wallFrom: def.wallFrom, wallTo: def.wallTo,
		tenq: s.now, generated: s.now}
	s.nextJob++
	var scanned int64
	j.cols, j.rows, scanned = s.runReport(def)
	j.clock = s.clockJob(j.id, "report", def.logType, scanned, s.o.Latency.reportCost(scanned))
	if s.reportJobs == nil {
		s.reportJobs = map[int]*reportJob{}
	}
	s.reportJobs[j.id] = j
	return success(19, fmt.Sprintf("<result><msg><line>Report job enqueued with jobid %d</line></msg><job>%d</job></result>", j.id, j.id))
}

// parseReport reads a custom report's definition (the cmd parameter).
func (s *Server) parseReport(cmd string) (*reportDef, error) {
	if strings.TrimSpace(cmd) == "" {
		return nil, fmt.Errorf("missing cmd: a custom-dynamic-report needs its definition")
	}
	nodes, err := parseFragments(cmd)
	if err != nil {
		return nil, err
	}
	def := &reportDef{topN: 10, topM: 10}
	var typ *node
	var start, end, period string
	for _, n := range nodes {
		switch n.name {
		case "type":
			typ = n
		case "topn":
			if def.topN, err = strconv.Atoi(strings.TrimSpace(n.text)); err != nil || def.topN < 1 || def.topN > maxReportRows {
				return nil, fmt.Errorf("topn %q: want 1 to %d", n.text, maxReportRows)
			}
		case "topm":
			if def.topM, err = strconv.Atoi(strings.TrimSpace(n.text)); err != nil || def.topM < 1 || def.topM > maxReportGroups {
				return nil, fmt.Errorf("topm %q: want 1 to %d", n.text, maxReportGroups)
			}
		case "start-time":
			start = strings.TrimSpace(n.text)
		case "end-time":
			end = strings.TrimSpace(n.text)
		case "period":
			period = strings.TrimSpace(n.text)
		case "query":
			def.query = n.text
		case "caption":
			def.caption = n.text
		case "runnow", "frequency", "description", "start-date", "end-date":
		default:
			return nil, fmt.Errorf("unexpected element <%s>", n.name)
		}
	}
	if typ == nil || len(typ.children) != 1 {
		return nil, fmt.Errorf("want one database element in <type>")
	}
	db := typ.children[0]
	def.db = db.name
	logType, ok := strings.CutPrefix(def.db, "panorama-")
	if ok != (s.pano != nil) {
		if s.pano != nil {
			return nil, fmt.Errorf("database %q: Panorama's are panorama-threat, panorama-traffic...", def.db)
		}
		return nil, fmt.Errorf("database %q: a firewall's are threat, traffic...", def.db)
	}
	if summaryDatabases[logType] {
		return nil, fmt.Errorf("database %q: the simulator keeps no summary databases; use the detailed logs (threat, traffic)", def.db)
	}
	if def.logType, ok = reportDatabases[logType]; !ok {
		return nil, fmt.Errorf("unknown database %q", def.db)
	}
	for _, c := range db.children {
		switch c.name {
		case "aggregate-by":
			def.aggregate = c.members()
		case "values":
			def.values = c.members()
		case "sortby":
			def.sortBy = strings.TrimSpace(c.text)
		case "group-by":
			def.groupBy = strings.TrimSpace(c.text)
		default:
			return nil, fmt.Errorf("unexpected element <%s> in <%s>", c.name, def.db)
		}
	}
	if def.logType == "threat" || def.logType == "traffic" {
		if _, err := compileQuery(def.query, def.logType); err != nil {
			return nil, fmt.Errorf("query: %w", err)
		}
	}
	if cols, ok := schemaColumns[def.logType]; ok {
		for _, c := range append(slices.Clone(def.aggregate), def.groupBy) {
			if c != "" && !slices.Contains(cols, c) {
				def.silent = true
			}
		}
		for _, v := range def.values {
			if !slices.Contains(schemaValues[def.logType], v) {
				def.silent = true
			}
		}
	}
	if def.sortBy != "" && !slices.Contains(def.values, def.sortBy) {
		def.silent = true
	}
	if def.groupBy != "" && def.topN*def.topM > 25000 {
		return nil, fmt.Errorf("total number of rows in the report exceeds maximum allowed(25000): topn %d times topm %d", def.topN, def.topM)
	}
	switch {
	case start != "" || end != "":
		from, err1 := time.Parse(queryTimeFmt, start)
		to, err2 := time.Parse(queryTimeFmt, end)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("start-time %q and end-time %q: want YYYY/MM/DD HH:MM:SS", start, end)
		}
		def.wallFrom, def.wallTo, def.hasWindow = from.Unix(), to.Unix(), true
	case period != "":
		d, ok := reportPeriods[period]
		if !ok {
			return nil, fmt.Errorf("unknown period %q", period)
		}
		now := wallClock(s.now, s.dev.loc)
		def.wallFrom, def.wallTo, def.hasWindow = now-int64(d/time.Second)+1, now, true
	}
	return def, nil
}

// reportPeriods are the relative time frames a report accepts.
var reportPeriods = map[string]time.Duration{
	"last-15-minutes": 15 * time.Minute, "last-hour": time.Hour, "last-6-hrs": 6 * time.Hour,
	"last-12-hrs": 12 * time.Hour, "last-24-hrs": 24 * time.Hour, "last-7-days": 7 * 24 * time.Hour,
	"last-30-days": 30 * 24 * time.Hour,
}

// reportSource is one firewall's log store.
type reportSource struct {
	srv   *Server
	dev   *device
	store []*logEntry
	reps  int
}

// runReport computes a report's rows: the columns (group-by first, then
// aggregate-by, then values) and the rendered cells, with how many stored
// records (copies counted) its window holds.
func (s *Server) runReport(def *reportDef) (cols []string, rows [][]string, scanned int64) {
	if def.groupBy != "" {
		cols = append(cols, def.groupBy)
	}
	cols = append(append(cols, def.aggregate...), def.values...)
	if def.logType != "threat" && def.logType != "traffic" || !def.hasWindow {
		return cols, nil, 0
	}
	f, err := compileQuery(def.query, def.logType)
	if err != nil {
		return cols, nil, 0 // the caller checked the query
	}
	f.wallLo, f.wallHi = max(f.wallLo, def.wallFrom), min(f.wallHi, def.wallTo)
	var sources []reportSource
	if s.pano != nil {
		for _, m := range s.pano.firewalls {
			if m.connected {
				m.fw.mu.Lock()
				defer m.fw.mu.Unlock()
				sources = append(sources, reportSource{m.fw, &m.fw.dev, m.fw.storeOf(def.logType), m.fw.replicas()})
			}
		}
	} else {
		sources = []reportSource{{s, &s.dev, s.storeOf(def.logType), s.replicas()}}
	}
	type row struct {
		group string
		cells []string
		sums  []int64
		users map[string]bool
	}
	agg := map[string]*row{}
	var order []*row
	var raw [][]string
	for _, src := range sources {
		lo, hi := src.srv.timeRange(src.store, f)
		for _, e := range src.store[lo:hi] {
			if e.wall < def.wallFrom || e.wall > def.wallTo {
				continue
			}
			scanned += int64(src.reps)
			if def.silent || !f.match(e) {
				continue
			}
			cells := make([]string, 0, len(cols))
			if def.groupBy != "" {
				cells = append(cells, cell(def.groupBy, e, src.dev))
			}
			for _, c := range def.aggregate {
				cells = append(cells, cell(c, e, src.dev))
			}
			if def.sortBy == "" {
				for c := 0; c < src.reps && len(raw) < def.topN; c++ {
					one := slices.Clone(cells)
					for _, v := range def.values {
						n := valueOf(v, e)
						if v == uniqueUsers && e.s.user != "" {
							n = 1
						}
						one = append(one, strconv.FormatInt(n, 10))
					}
					raw = append(raw, one)
				}
				continue
			}
			key := strings.Join(cells, "\x00")
			r := agg[key]
			if r == nil {
				r = &row{cells: cells, sums: make([]int64, len(def.values)), users: map[string]bool{}}
				if def.groupBy != "" {
					r.group = cells[0]
				}
				agg[key] = r
				order = append(order, r)
			}
			for i, v := range def.values {
				if v == uniqueUsers {
					if u := e.s.user; u != "" && !r.users[u] {
						r.users[u] = true
						r.sums[i]++
					}
					continue
				}
				r.sums[i] += valueOf(v, e) * int64(src.reps)
			}
		}
	}
	if def.sortBy == "" {
		return cols, raw, scanned
	}
	si := slices.Index(def.values, def.sortBy)
	byValue := func(a, b *row) int {
		if a.sums[si] != b.sums[si] {
			if a.sums[si] > b.sums[si] {
				return -1
			}
			return 1
		}
		return strings.Compare(strings.Join(a.cells, "\x00"), strings.Join(b.cells, "\x00"))
	}
	slices.SortFunc(order, byValue)
	var keep []*row
	if def.groupBy == "" {
		keep = order[:min(len(order), def.topN)]
	} else {
		totals := map[string]int64{}
		var groups []string
		for _, r := range order {
			if _, ok := totals[r.group]; !ok {
				groups = append(groups, r.group)
			}
			totals[r.group] += r.sums[si]
		}
		slices.SortStableFunc(groups, func(a, b string) int {
			switch {
			case totals[a] > totals[b]:
				return -1
			case totals[a] < totals[b]:
				return 1
			}
			return strings.Compare(a, b)
		})
		groups = groups[:min(len(groups), def.topM)]
		for _, g := range groups {
			n := 0
			for _, r := range order {
				if r.group == g && n < def.topN {
					keep = append(keep, r)
					n++
				}
			}
		}
	}
	for _, r := range keep {
		cells := r.cells
		for _, v := range r.sums {
			cells = append(cells, strconv.FormatInt(v, 10))
		}
		rows = append(rows, cells)
	}
	return cols, rows, scanned
}

// cell renders a column of an entry: empty for one the simulator does
// not fill.
func cell(col string, e *logEntry, d *device) string {
	if get, ok := reportCols[col]; ok {
		return get(e, d)
	}
	return ""
}

// valueOf is what an entry adds to a value column: 0 for one the
// simulator does not model.
func valueOf(v string, e *logEntry) int64 {
	if of, ok := reportValues[v]; ok {
		return of(e)
	}
	return 0
}

// storeOf is the store of a log type.
func (s *Server) storeOf(logType string) []*logEntry {
	if logType == "threat" {
		return s.threat
	}
	return s.traffic
}

const reportTimeFmt = "2006/01/02 15:04:05"

func (s *Server) pollReport(j *reportJob) response {
	j.polls++
	now, done := j.clock.poll(s.o.Latency)
	loc := s.dev.loc
	var b strings.Builder
	w := xw{&b}
	b.WriteString("<result><job>")
	w.el("tenq", j.tenq.In(loc).Format(reportTimeFmt))
	w.el("tdeq", j.tenq.In(loc).Format(reportTimeFmt))
	w.el("tlast", s.now.In(loc).Format(reportTimeFmt))
	if j.polls <= s.o.PollsBeforeFinish || !done {
		w.el("status", "ACT")
		w.num("id", int64(j.id))
		w.num("percent", int64(jobProgress(j.polls, s.o.PollsBeforeFinish, j.clock, now)))
		b.WriteString("</job></result>")
		return success(0, b.String())
	}
	w.el("status", "FIN")
	w.num("id", int64(j.id))
	w.num("percent", 100)
	b.WriteString("</job>")
	from, to := j.wallFrom, j.wallTo
	if from == 0 && to == 0 || from == math.MinInt64 {
		from, to = 0, 0
	}
	epoch := func(wall int64) string {
		if wall == 0 {
			return "0"
		}
		return strconv.FormatInt(wallToUnix(wall, loc), 10)
	}
	fmt.Fprintf(&b, `<report reportname="custom-dynamic-report" logtype="%s" name="%s" start="%s" start-epoch="%s" end="%s" end-epoch="%s" generated-at="%s" generated-at-epoch="%d">`,
		esc(j.logType), esc(j.caption), time.Unix(from, 0).UTC().Format(reportTimeFmt), epoch(from),
		time.Unix(to, 0).UTC().Format(reportTimeFmt), epoch(to), j.generated.In(loc).Format(reportTimeFmt), j.generated.Unix())
	for _, row := range j.rows {
		b.WriteString("<entry>")
		for i, c := range j.cols {
			w.el(c, row[i])
		}
		b.WriteString("</entry>")
	}
	b.WriteString("</report></result>")
	delete(s.reportJobs, j.id)
	j.clock.Served = now
	return success(0, b.String())
}

// wallToUnix places device wall clock seconds in loc.
func wallToUnix(wall int64, loc *time.Location) int64 {
	t := time.Unix(wall, 0).UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, loc).Unix()
}
