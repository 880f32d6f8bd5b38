package panosim

import (
	"compress/gzip"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// xReport is a report job's answer as the tests read it.
type xReport struct {
	Status  string `xml:"result>job>status"`
	ID      int    `xml:"result>job>id"`
	Percent int    `xml:"result>job>percent"`
	Report  struct {
		Name    string `xml:"reportname,attr"`
		LogType string `xml:"logtype,attr"`
		Start   string `xml:"start,attr"`
		End     string `xml:"end,attr"`
		Entries []struct {
			Cells []struct {
				XMLName xml.Name
				Value   string `xml:",chardata"`
			} `xml:",any"`
		} `xml:"entry"`
	} `xml:"result>report"`
}

// rows returns the report's entries as maps of column to value.
func (r xReport) rows() []map[string]string {
	var out []map[string]string
	for _, e := range r.Report.Entries {
		m := map[string]string{}
		for _, c := range e.Cells {
			m[c.XMLName.Local] = c.Value
		}
		out = append(out, m)
	}
	return out
}

// report runs a custom-dynamic-report with the definition cmd and polls
// it to FIN.
func (c *apiClient) report(cmd string) xReport {
	c.t.Helper()
	var sa submitAnswer
	body := c.ok("type", "report", "reporttype", "dynamic", "reportname", "custom-dynamic-report", "async", "yes", "cmd", cmd)
	if err := xml.Unmarshal(body, &sa); err != nil || sa.Job == 0 || sa.Code != "19" {
		c.t.Fatalf("submit report = %s (%v); want code 19 and a job", body, err)
	}
	for range 20 {
		var r xReport
		body := c.ok("type", "report", "action", "get", "job-id", strconv.Itoa(sa.Job))
		if err := xml.Unmarshal(body, &r); err != nil {
			c.t.Fatal(err)
		}
		if r.ID != sa.Job {
			c.t.Fatalf("poll of job %d answered job %d", sa.Job, r.ID)
		}
		if r.Status == "FIN" {
			if r.Percent != 100 {
				c.t.Errorf("FIN percent = %d; want 100", r.Percent)
			}
			return r
		}
		if r.Percent >= 100 || len(r.Report.Entries) > 0 {
			c.t.Fatalf("ACT answer %s: want percent < 100 and no rows", body)
		}
	}
	c.t.Fatalf("report job %d never finished", sa.Job)
	return xReport{}
}

// reportCmd is a report definition over db with the given columns and
// values, sorted by the first value, for the wall clock window.
func reportCmd(db string, aggregate, values []string, from, to, query string, topn int) string {
	m := func(xs []string) string {
		var b strings.Builder
		for _, x := range xs {
			b.WriteString("<member>" + x + "</member>")
		}
		return b.String()
	}
	return fmt.Sprintf("<type><%s><aggregate-by>%s</aggregate-by><values>%s</values><sortby>%s</sortby></%s></type>"+
		"<topn>%d</topn><topm>10</topm><caption>test</caption><start-time>%s</start-time><end-time>%s</end-time><query>%s</query>",
		db, m(aggregate), m(values), values[0], db, topn, from, to, escapeText(query))
}

func escapeText(s string) string {
	var b strings.Builder
	escape(&b, s)
	return b.String()
}

// TestReportMatchesLogs checks report rows against the log entries the
// log query API serves for the same window and filter: grouped here by
// the same columns (the hour taken from each entry's receive_time text),
// the repeat counts summed and the entries counted, every group must be a
// row with those sums, and no row may be left.
func TestReportMatchesLogs(t *testing.T) {
	s, c := newLoggingServer(t, Options{Seed: 3, SessionsPerDay: 1500}, 26*time.Hour)
	loc := s.Location()
	from := s.o.Start.Add(2 * time.Hour).In(loc).Format(queryTimeFmt)
	to := s.o.Start.Add(20*time.Hour - time.Second).In(loc).Format(queryTimeFmt)
	filter := "(threatid geq 41000) and (threatid leq 41059)"
	logs := c.queryAll("threat", filter+" and (receive_time geq '"+from+"') and (receive_time leq '"+to+"')")
	if len(logs) < 500 {
		t.Fatalf("the window has %d threat logs; want enough to aggregate", len(logs))
	}
	type sums struct{ repeat, entries int64 }
	want := map[string]*sums{}
	for _, e := range logs {
		hour := e.Receive[:13] + ":00:00"
		k := strings.Join([]string{e.Serial, e.Rule, e.From, e.To, e.Src, e.Dst, e.App, strconv.Itoa(e.Dport), e.ThreatName, e.Misc, hour}, "|")
		if want[k] == nil {
			want[k] = &sums{}
		}
		want[k].repeat += int64(max(e.Repeat, 1))
		want[k].entries++
	}
	cols := []string{"serial", "rule", "from", "to", "src", "dst", "app", "dport", "threatid", "misc", "hour-of-receive_time"}
	r := c.report(reportCmd("threat", cols, []string{"repeatcnt"}, from, to, filter, maxReportRows))
	if r.Report.LogType != "threat" || r.Report.Start != from || r.Report.End != to || r.Report.Name != "custom-dynamic-report" {
		t.Errorf("report element = %+v; want logtype threat, the window %s to %s", r.Report, from, to)
	}
	rows := r.rows()
	if len(rows) != len(want) {
		t.Errorf("report has %d rows; the logs make %d groups", len(rows), len(want))
	}
	var last int64 = 1 << 62
	for _, row := range rows {
		var parts []string
		for _, c := range cols {
			parts = append(parts, row[c])
		}
		k := strings.Join(parts, "|")
		w := want[k]
		if w == nil {
			t.Errorf("row %v is no group of the logs", row)
			continue
		}
		got, _ := strconv.ParseInt(row["repeatcnt"], 10, 64)
		if got != w.repeat {
			t.Errorf("row %s: repeatcnt %d; the logs give %d", k, got, w.repeat)
		}
		if got > last {
			t.Errorf("rows are not sorted by repeatcnt, largest first: %d after %d", got, last)
		}
		last = got
	}
}

// TestReportTopN: a report keeps the topn rows with the largest sortby
// value; with group-by, the topm groups with the largest sums, topn rows
// each; without sortby, the first topn entries unaggregated.
func TestReportTopN(t *testing.T) {
	s, c := newLoggingServer(t, Options{Seed: 3, SessionsPerDay: 1500}, 26*time.Hour)
	loc := s.Location()
	from := s.o.Start.In(loc).Format(queryTimeFmt)
	to := s.o.Start.Add(24*time.Hour - time.Second).In(loc).Format(queryTimeFmt)
	all := c.report(reportCmd("traffic", []string{"src", "dst"}, []string{"repeatcnt", "bytes"}, from, to, "", maxReportRows)).rows()
	if len(all) < 20 {
		t.Fatalf("%d rows; want more than the topn below", len(all))
	}
	top := c.report(reportCmd("traffic", []string{"src", "dst"}, []string{"repeatcnt", "bytes"}, from, to, "", 7)).rows()
	if !slices.EqualFunc(top, all[:7], func(a, b map[string]string) bool { return fmt.Sprint(a) == fmt.Sprint(b) }) {
		t.Errorf("topn 7 = %v; want the first 7 of the full report %v", top, all[:7])
	}

	// group-by src, top 3 groups of 2 rows
	cmd := strings.Replace(reportCmd("traffic", []string{"dst"}, []string{"repeatcnt"}, from, to, "", 2),
		"<sortby>", "<group-by>src</group-by><sortby>", 1)
	cmd = strings.Replace(cmd, "<topm>10</topm>", "<topm>3</topm>", 1)
	grouped := c.report(cmd).rows()
	bySrc := map[string]int64{}
	for _, r := range all {
		n, _ := strconv.ParseInt(r["repeatcnt"], 10, 64)
		bySrc[r["src"]] += n
	}
	srcs := make([]string, 0, len(bySrc))
	for s := range bySrc {
		srcs = append(srcs, s)
	}
	slices.SortFunc(srcs, func(a, b string) int {
		if bySrc[a] != bySrc[b] {
			if bySrc[a] > bySrc[b] {
				return -1
			}
			return 1
		}
		return strings.Compare(a, b)
	})
	var gotSrcs []string
	for _, r := range grouped {
		if len(gotSrcs) == 0 || gotSrcs[len(gotSrcs)-1] != r["src"] {
			gotSrcs = append(gotSrcs, r["src"])
		}
	}
	if !slices.Equal(gotSrcs, srcs[:3]) || len(grouped) > 6 {
		t.Errorf("group-by src, topm 3, topn 2: groups %v, %d rows; want the 3 busiest sources %v, at most 6 rows", gotSrcs, len(grouped), srcs[:3])
	}

	// no sortby: the first entries, one row each
	raw := strings.Replace(reportCmd("traffic", []string{"src"}, []string{"repeatcnt"}, from, to, "", 5), "<sortby>repeatcnt</sortby>", "", 1)
	if rows := c.report(raw).rows(); len(rows) != 5 || rows[0]["repeatcnt"] != "1" {
		t.Errorf("without sortby: %v; want 5 rows of repeatcnt 1 (traffic logs)", rows)
	}
}

// TestReportSilentAndLimits: what a report answers for definitions it
// cannot run.
func TestReportSilentAndLimits(t *testing.T) {
	s, c := newLoggingServer(t, Options{Seed: 3, SessionsPerDay: 500}, 6*time.Hour)
	loc := s.Location()
	from := s.o.Start.In(loc).Format(queryTimeFmt)
	to := s.o.Start.Add(5 * time.Hour).In(loc).Format(queryTimeFmt)
	if n := len(c.report(reportCmd("traffic", []string{"src"}, []string{"repeatcnt"}, from, to, "", 100)).rows()); n == 0 {
		t.Fatal("a valid report has no rows; the silent cases below would prove nothing")
	}
	for _, tc := range []struct{ name, cmd string }{
		{"value the database lacks", reportCmd("threat", []string{"src"}, []string{"count"}, from, to, "", 100)},
		{"column the database lacks", reportCmd("threat", []string{"bytes_sent"}, []string{"repeatcnt"}, from, to, "", 100)},
		{"no window in cmd", strings.Split(reportCmd("traffic", []string{"src"}, []string{"repeatcnt"}, from, to, "", 100), "<start-time>")[0]},
	} {
		r := c.report(tc.cmd)
		if len(r.Report.Entries) != 0 {
			t.Errorf("%s: %d rows; want none", tc.name, len(r.Report.Entries))
		}
		if tc.name == "no window in cmd" && !strings.HasPrefix(r.Report.Start, "1970/01/01") {
			t.Errorf("no window: start %q; want 1970/01/01", r.Report.Start)
		}
	}
	for _, tc := range []struct{ name, cmd, want string }{
		{"topn above 10000", reportCmd("threat", []string{"src"}, []string{"repeatcnt"}, from, to, "", 10001), "topn"},
		{"summary database", reportCmd("thsum", []string{"src"}, []string{"count"}, from, to, "", 10), "summary"},
		{"Panorama database on a firewall", reportCmd("panorama-threat", []string{"src"}, []string{"repeatcnt"}, from, to, "", 10), "panorama-threat"},
		{"bad query", reportCmd("threat", []string{"src"}, []string{"repeatcnt"}, from, to, "(rule eq", 10), "query"},
		{"group-by beyond 25000 rows", strings.Replace(reportCmd("threat", []string{"src"}, []string{"repeatcnt"}, from, to, "", 5000),
			"<sortby>", "<group-by>dst</group-by><sortby>", 1) + "", "25000"},
	} {
		_, body := c.call("type", "report", "reporttype", "dynamic", "reportname", "custom-dynamic-report", "cmd", tc.cmd)
		if e := parseEnvelope(t, body); e.Status != "error" || len(e.Lines) == 0 || !strings.Contains(e.Lines[0], tc.want) {
			t.Errorf("%s: %s; want an error about %s", tc.name, body, tc.want)
		}
	}
	_, body := c.call("type", "report", "reporttype", "predefined", "reportname", "top-applications")
	if e := parseEnvelope(t, body); e.Status != "error" {
		t.Errorf("predefined report: %s; want an error (the simulator has none)", body)
	}
}

// TestReplicas: with Replicas 3 every stored record is served three times
// under its own sequence number, and reports count the copies.
func TestReplicas(t *testing.T) {
	one, c1 := newLoggingServer(t, Options{Seed: 5, SessionsPerDay: 400}, 4*time.Hour)
	three, c3 := newLoggingServer(t, Options{Seed: 5, SessionsPerDay: 400, Replicas: 3}, 4*time.Hour)
	th1, tr1 := one.LogCounts()
	th3, tr3 := three.LogCounts()
	if th1 == 0 || th3 != 3*th1 || tr3 != 3*tr1 {
		t.Fatalf("LogCounts with 3 replicas = %d, %d; want 3 times %d, %d", th3, tr3, th1, tr1)
	}
	base := c1.queryAll("threat", "")
	copies := c3.queryAll("threat", "")
	if len(copies) != 3*len(base) {
		t.Fatalf("log queries serve %d entries; want 3 times %d", len(copies), len(base))
	}
	seen := map[uint64]bool{}
	for i, e := range copies {
		if seen[e.Seqno] {
			t.Fatalf("seqno %d served twice", e.Seqno)
		}
		seen[e.Seqno] = true
		b := base[i/3]
		if e.Receive != b.Receive || e.Src != b.Src || e.Misc != b.Misc || e.ThreatName != b.ThreatName {
			t.Fatalf("copy %d = %+v; want the fields of %+v", i, e, b)
		}
	}
	if keys := three.LogKeys("threat", three.o.Start, three.Now()); len(keys) != len(copies) {
		t.Errorf("LogKeys = %d; want %d", len(keys), len(copies))
	}
	// paging with skip across the copies of one entry
	page1 := c3.query("threat", "", "forward", 4, 0)
	page2 := c3.query("threat", "", "forward", 4, 4)
	if got := append(page1, page2...); got[3].Seqno != copies[3].Seqno || got[4].Seqno != copies[4].Seqno || got[7].Seqno != copies[7].Seqno {
		t.Errorf("skip paging over copies: seqnos %d %d %d; want %d %d %d", got[3].Seqno, got[4].Seqno, got[7].Seqno, copies[3].Seqno, copies[4].Seqno, copies[7].Seqno)
	}
	loc := three.Location()
	from := three.o.Start.In(loc).Format(queryTimeFmt)
	to := three.Now().In(loc).Format(queryTimeFmt)
	r1 := c1.report(reportCmd("threat", []string{"src", "threatid"}, []string{"repeatcnt"}, from, to, "", 100)).rows()
	r3 := c3.report(reportCmd("threat", []string{"src", "threatid"}, []string{"repeatcnt"}, from, to, "", 100)).rows()
	if len(r1) == 0 || len(r1) != len(r3) {
		t.Fatalf("reports have %d and %d rows; want the same groups", len(r1), len(r3))
	}
	for i := range r1 {
		a, _ := strconv.Atoi(r1[i]["repeatcnt"])
		b, _ := strconv.Atoi(r3[i]["repeatcnt"])
		if b != 3*a || r1[i]["src"] != r3[i]["src"] {
			t.Errorf("row %d: %v with replicas, %v without; want three times the repeat counts", i, r3[i], r1[i])
		}
	}
}

// fakeClock is a job clock the test moves.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (f *fakeClock) now() time.Time { f.mu.Lock(); defer f.mu.Unlock(); return f.t }
func (f *fakeClock) add(d time.Duration) {
	f.mu.Lock()
	f.t = f.t.Add(d)
	f.mu.Unlock()
}

// TestLatencyModel: a job answers ACT until the model's cost has passed on
// its clock, FIN at once after; the job clock records the cost, polls and
// serving time.
func TestLatencyModel(t *testing.T) {
	clk := &fakeClock{t: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	lat := &Latency{LogJob: time.Second, LogPerThousand: 100 * time.Millisecond, Report: 3 * time.Second, ReportPerMillion: time.Second, Now: clk.now}
	s, c := newLoggingServer(t, Options{Seed: 5, SessionsPerDay: 3000, Latency: lat, PollsBeforeFinish: -1}, 24*time.Hour)
	threats, _ := s.LogCounts()

	var sa submitAnswer
	if err := xml.Unmarshal(c.ok("type", "log", "log-type", "threat", "nlogs", "5000", "dir", "forward"), &sa); err != nil {
		t.Fatal(err)
	}
	cost := time.Second + time.Duration(min(threats, 5000))*100*time.Millisecond/1000 // it reads up to the 5000th entry
	poll := func() string {
		var la logAnswer
		if err := xml.Unmarshal(c.ok("type", "log", "action", "get", "job-id", strconv.Itoa(sa.Job)), &la); err != nil {
			t.Fatal(err)
		}
		return la.Job.Status
	}
	clk.add(cost - time.Millisecond)
	if st := poll(); st != "ACT" {
		t.Fatalf("a millisecond before its cost %s: %s; want ACT", cost, st)
	}
	clk.add(time.Millisecond)
	if st := poll(); st != "FIN" {
		t.Fatalf("at its cost: %s; want FIN", st)
	}

	loc := s.Location()
	cmd := reportCmd("threat", []string{"src"}, []string{"repeatcnt"}, s.o.Start.In(loc).Format(queryTimeFmt), s.Now().In(loc).Format(queryTimeFmt), "(rule eq 'nobody')", 10)
	body := c.ok("type", "report", "reporttype", "dynamic", "reportname", "custom-dynamic-report", "cmd", cmd)
	if err := xml.Unmarshal(body, &sa); err != nil {
		t.Fatal(err)
	}
	rcost := 3*time.Second + time.Duration(threats)*time.Second/1_000_000 // every entry of its window, whatever the filter
	clk.add(rcost / 2)
	var r xReport
	xml.Unmarshal(c.ok("type", "report", "action", "get", "job-id", strconv.Itoa(sa.Job)), &r)
	if r.Status != "ACT" || r.Percent < 40 || r.Percent > 60 {
		t.Errorf("half way: %s %d%%; want ACT near 50%%", r.Status, r.Percent)
	}
	clk.add(rcost - rcost/2)
	xml.Unmarshal(c.ok("type", "report", "action", "get", "job-id", strconv.Itoa(sa.Job)), &r)
	if r.Status != "FIN" {
		t.Errorf("at its cost: %s; want FIN", r.Status)
	}
	recs := s.JobRecords()
	if len(recs) != 2 {
		t.Fatalf("%d job records; want 2", len(recs))
	}
	lr, rr := recs[0], recs[1]
	if lr.Kind != "log" || lr.Finished.Sub(lr.Submitted) != cost || len(lr.Polls) != 2 || !lr.Served.Equal(lr.Finished) {
		t.Errorf("log job record %+v; want cost %s, 2 polls, served at its finish", lr, cost)
	}
	if rr.Kind != "report" || rr.Scanned != int64(threats) || rr.Finished.Sub(rr.Submitted) != rcost || !rr.Served.Equal(rr.Finished) {
		t.Errorf("report job record %+v; want %d scanned, cost %s", rr, threats, rcost)
	}
}

// reportSchema reads reports/entry/type/<db> of the recorded PAN-OS 10.0.5
// schema: each database's aggregate-by and values members.
func reportSchema(t *testing.T) (cols, vals map[string][]string) {
	t.Helper()
	f, err := os.Open("testdata/real/policy/panos-php-pa220-schema-v10_0_5.xml.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	d := xml.NewDecoder(zr)
	cols, vals = map[string][]string{}, map[string][]string{}
	var stack []string // names of the schema nodes
	inReports := 0
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return cols, vals
		}
		if err != nil {
			t.Fatal(err)
		}
		switch x := tok.(type) {
		case xml.StartElement:
			name := ""
			for _, a := range x.Attr {
				if a.Name.Local == "name" || a.Name.Local == "value" {
					name = a.Value
				}
			}
			stack = append(stack, name)
			if x.Name.Local == "array" && name == "reports" {
				inReports++
			}
			// .../reports/entry/type/<db>/(aggregate-by|values)/member/<enum value>
			n := len(stack)
			if inReports == 1 && x.Name.Local == "enum" && n >= 6 && stack[n-2] == "member" && stack[n-5] == "type" {
				db := stack[n-4]
				switch stack[n-3] {
				case "aggregate-by":
					cols[db] = append(cols[db], name)
				case "values":
					vals[db] = append(vals[db], name)
				}
			}
		case xml.EndElement:
			if x.Name.Local == "array" && stack[len(stack)-1] == "reports" && inReports == 1 {
				return cols, vals
			}
			stack = stack[:len(stack)-1]
		}
	}
}

// TestReportColumnsFromSchema: the columns and values the simulator
// accepts are the recorded schema's for the detailed threat and traffic
// logs; the schema offers no count of entries there (summary databases
// have one).
func TestReportColumnsFromSchema(t *testing.T) {
	cols, vals := reportSchema(t)
	for _, db := range []string{"threat", "traffic"} {
		if !slices.Equal(cols[db], schemaColumns[db]) {
			t.Errorf("%s columns: the schema has %v; the simulator %v", db, cols[db], schemaColumns[db])
		}
		if !slices.Equal(vals[db], schemaValues[db]) {
			t.Errorf("%s values: the schema has %v; the simulator %v", db, vals[db], schemaValues[db])
		}
	}
	if !slices.Contains(vals["thsum"], "count") || slices.Contains(vals["threat"], "count") {
		t.Errorf("thsum values %v, threat values %v: the schema was read wrong", vals["thsum"], vals["threat"])
	}
}

// TestRealReportDefinitions: each custom report of the real configurations
// in testdata/real/configs, sent as a definition (as PowerAlto's
// Invoke-PaCustomReport sends a configured report's XML) over the test's
// window without its filter, runs: rows where it reads the detailed
// traffic logs (its columns, values, sortby and group-by are all the
// schema's), none where it reads a log the simulator keeps empty (url,
// wildfire).
func TestRealReportDefinitions(t *testing.T) {
	s, c := newLoggingServer(t, Options{Seed: 3, SessionsPerDay: 1500}, 26*time.Hour)
	loc := s.Location()
	window := "<start-time>" + s.o.Start.In(loc).Format(queryTimeFmt) + "</start-time><end-time>" +
		s.o.Start.Add(25*time.Hour).In(loc).Format(queryTimeFmt) + "</end-time>"
	files, _ := filepath.Glob("../testdata/real/configs/*.xml")
	n := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		root, err := parseOne(string(b))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		var reports []*node
		var walk func(*node)
		walk = func(n *node) {
			if n.name == "reports" {
				reports = append(reports, n.entries()...)
			}
			for _, c := range n.children {
				walk(c)
			}
		}
		walk(root)
		for _, rep := range reports {
			typ := rep.child("type")
			if typ == nil || len(typ.children) != 1 || strings.HasPrefix(typ.children[0].name, "panorama-") {
				continue // Panorama's databases: a firewall refuses them
			}
			var def strings.Builder
			for _, ch := range rep.children {
				switch ch.name {
				case "period", "start-time", "end-time", "query":
					continue // the test's window, and every log of it
				}
				def.WriteString(ch.String())
			}
			def.WriteString(window)
			r := c.report(def.String())
			db := typ.children[0].name
			if rows := len(r.Report.Entries); (db == "traffic") != (rows > 0) {
				t.Errorf("%s report %q (%s): %d rows", filepath.Base(f), rep.attr("name"), db, rows)
			}
			n++
		}
	}
	if n < 5 {
		t.Fatalf("%d real report definitions run; want the configurations' custom reports", n)
	}
}
