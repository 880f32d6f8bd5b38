package collect

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/panos-mine/mine"
	"github.com/panos-mine/mine/signatures"
)

const catchAllRule = "Allow-Web-Ports"

func reportQuery() ReportQuery {
	lo, hi := signatures.Default().IDRange()
	from, _ := signatures.Default().ErrorsFrom()
	return ReportQuery{MinID: lo, MaxID: hi, ErrorFrom: from, CatchAll: []string{catchAllRule}, Names: signatures.Default().Names()}
}

// groupSums are groups of log entries summed: repeat counts per key
// (the second number is unused: reports do not count entries).
type groupSums map[string][2]int64

func (g groupSums) add(k string, repeat int, entries int64) {
	v := g[k]
	v[0] += int64(repeat)
	v[1] += entries
	g[k] = v
}

func threatGroupKey(l *mine.ThreatLog, at time.Time, url bool) string {
	k := fmt.Sprint("T|", l.Serial, "|", l.Rule, "|", l.FromZone, "|", l.ToZone, "|", l.Src, "|", l.Dst, "|", l.App, "|", l.Proto, "|", l.DstPort, "|", l.ThreatName, "|", at.Unix())
	if url {
		k += "|" + l.URL
	}
	return k
}

func trafficGroupKey(l *mine.TrafficLog, at time.Time) string {
	return fmt.Sprint("F|", l.Serial, "|", l.Rule, "|", l.FromZone, "|", l.ToZone, "|", l.Src, "|", l.Dst, "|", l.App, "|", l.Proto, "|", l.DstPort, "|", at.Unix(), "|", l.Bytes)
}

// entriesGrouped collects the window's raw entries and groups them as the
// reports must: threat entries of the catch-all or answered 400 and above
// with their URL, the others without, traffic of the catch-all with its
// bytes summed, each in its hour (the window's start for the first).
func entriesGrouped(t *testing.T, c *Client, w mine.Window) groupSums {
	t.Helper()
	q := reportQuery()
	at := func(tm time.Time) time.Time {
		tm = tm.Truncate(time.Hour)
		if tm.Before(w.From) {
			return w.From
		}
		return tm
	}
	g := groupSums{}
	if _, err := c.ThreatLogs(context.Background(), w, q.MinID, q.MaxID, func(l *mine.ThreatLog) error {
		g.add(threatGroupKey(l, at(l.ReceiveTime), l.Rule == catchAllRule || l.ThreatID >= q.ErrorFrom), l.Hits(), 0)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	bytes := map[string]int64{}
	if _, err := c.TrafficLogs(context.Background(), w, q.CatchAll, func(l *mine.TrafficLog) error {
		k := *l
		k.Bytes = 0
		key := trafficGroupKey(&k, at(l.ReceiveTime))
		bytes[key] += l.Bytes
		g.add(key, l.Sessions(), 0)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return withBytes(g, bytes)
}

// withBytes folds the traffic groups' byte sums into their keys.
func withBytes(g groupSums, bytes map[string]int64) groupSums {
	out := groupSums{}
	for k, v := range g {
		if b, ok := bytes[k]; ok {
			k = strings.TrimSuffix(k, "|0") + fmt.Sprintf("|%d", b)
		}
		out[k] = v
	}
	return out
}

// reportsGrouped collects the window with reports and sums the groups by
// the same keys.
func reportsGrouped(t *testing.T, c *Client, w mine.Window) (groupSums, ReportStats) {
	t.Helper()
	g := groupSums{}
	bytes := map[string]int64{}
	st, err := c.ReportEvidence(context.Background(), w, reportQuery(),
		func(l *mine.ThreatLog, n int64, bucket time.Duration) error {
			if bucket != time.Hour {
				t.Errorf("bucket %s; want 1h in a zone of whole-hour offsets", bucket)
			}
			if n != int64(l.RepeatCount) {
				t.Errorf("a group of repeat counts %d stands for %d entries; want as many", l.RepeatCount, n)
			}
			g.add(threatGroupKey(l, l.ReceiveTime, l.URL != ""), l.RepeatCount, 0)
			return nil
		},
		func(l *mine.TrafficLog, n int64, bucket time.Duration) error {
			k := *l
			k.Bytes = 0
			key := trafficGroupKey(&k, l.ReceiveTime)
			bytes[key] += l.Bytes
			g.add(key, l.RepeatCount, 0)
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	return withBytes(g, bytes), st
}

func compareGroups(t *testing.T, want, got groupSums) {
	t.Helper()
	var missing, wrong []string
	for k, v := range want {
		if g, ok := got[k]; !ok {
			missing = append(missing, k)
		} else if g != v {
			wrong = append(wrong, fmt.Sprintf("%s: %v, want %v", k, g, v))
		}
	}
	var extra []string
	for k := range got {
		if _, ok := want[k]; !ok {
			extra = append(extra, k)
		}
	}
	if len(missing)+len(wrong)+len(extra) > 0 {
		slices.Sort(missing)
		slices.Sort(extra)
		t.Errorf("report groups differ from the entries': %d missing (%.3v), %d extra (%.3v), %d with other sums (%.3v) of %d",
			len(missing), missing, len(extra), extra, len(wrong), wrong, len(want))
	}
}

// TestReportEvidenceMatchesEntries: the groups the reports deliver, summed,
// are the window's raw entries grouped by every field and hour, for a
// window that starts and ends inside an hour; with a row limit so small
// that reports are cut, split by hour and by threat ID, and down to raw
// parts, the sums stay the same.
func TestReportEvidenceMatchesEntries(t *testing.T) {
	sim := simWithLogs(t, 2)
	w := mine.Window{From: simStart.Add(3*time.Hour + 17*time.Minute + 5*time.Second), To: simStart.Add(40*time.Hour + 42*time.Minute)}
	c := connectTo(t, sim, sim.APIKey(), func(c *Client) { c.Jobs = 2; c.SliceLength = 12 * time.Hour })
	want := entriesGrouped(t, c, w)
	if len(want) < 200 {
		t.Fatalf("the window makes %d groups; want enough to compare", len(want))
	}
	for _, tc := range []struct {
		name string
		rows int
	}{{"whole reports", 0}, {"reports cut at 40 rows", 40}} {
		t.Run(tc.name, func(t *testing.T) {
			c.ReportRows = tc.rows
			got, st := reportsGrouped(t, c, w)
			compareGroups(t, want, got)
			if tc.rows > 0 && (st.Splits == 0 || st.RawParts == 0) {
				t.Errorf("with 40 rows a report: %d splits, %d raw parts; want both", st.Splits, st.RawParts)
			}
			if tc.rows == 0 && (st.Splits != 0 || st.RawParts != 0) {
				t.Errorf("whole reports: %d splits, %d raw parts; want none", st.Splits, st.RawParts)
			}
			var th, tr int64
			for k, v := range want {
				if strings.HasPrefix(k, "T|") {
					th += v[0]
				} else {
					tr += v[0]
				}
			}
			if st.ThreatEntries != th || st.TrafficEntries != tr {
				t.Errorf("stats count %d threat and %d traffic entries; the window's repeat counts add up to %d and %d", st.ThreatEntries, st.TrafficEntries, th, tr)
			}
		})
	}
}

// reportFront lets a test change report answers: with fail, the first
// two of every four report polls that finish answer an internal error;
// with empty, every report comes without rows.
type reportFront struct {
	next        http.Handler
	fail, empty bool
	fins        atomic.Int64
}

func (f *reportFront) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	if r.Form.Get("type") != "report" || r.Form.Get("action") != "get" {
		f.next.ServeHTTP(w, r)
		return
	}
	rec := httptest.NewRecorder()
	f.next.ServeHTTP(rec, r)
	body := rec.Body.String()
	if strings.Contains(body, "<status>FIN</status>") {
		n := f.fins.Add(1)
		switch {
		case f.fail && (n%4 == 1 || n%4 == 2):
			fmt.Fprint(w, `<response status="error" code="2"><msg><line>report generation failed</line></msg></response>`)
			return
		case f.empty:
			i, j := strings.Index(body, "<report "), strings.Index(body, "</report>")
			k := strings.Index(body[i:], ">")
			body = body[:i+k+1] + body[j:]
		}
	}
	fmt.Fprint(w, body)
}

// TestReportFailuresFallBack: report jobs that fail are run again and, when
// they keep failing, their parts are collected as raw entries: the sums
// stay exact. A device that answers every report without rows, although
// logs match, is found out (ErrReportsUnsupported), never taken for an
// empty window.
func TestReportFailuresFallBack(t *testing.T) {
	sim := simWithLogs(t, 1)
	w := mine.Window{From: simStart, To: simStart.Add(20 * time.Hour)}
	plain := connectTo(t, sim, sim.APIKey(), func(c *Client) { c.Jobs = 1 })
	want := entriesGrouped(t, plain, w)

	front := &reportFront{next: sim, fail: true}
	c := connectTo(t, front, sim.APIKey(), func(c *Client) { c.Jobs = 1; c.Retries = 1 })
	got, st := reportsGrouped(t, c, w)
	compareGroups(t, want, got)
	if st.Retries == 0 || st.RawParts == 0 {
		t.Errorf("two of four reports failing: %d retries, %d raw parts; want both", st.Retries, st.RawParts)
	}

	empty := &reportFront{next: sim, empty: true}
	c = connectTo(t, empty, sim.APIKey(), nil)
	_, err := c.ReportEvidence(context.Background(), w, reportQuery(),
		func(*mine.ThreatLog, int64, time.Duration) error { return nil },
		func(*mine.TrafficLog, int64, time.Duration) error { return nil })
	if !errors.Is(err, ErrReportsUnsupported) {
		t.Errorf("reports without rows for a window with logs: err = %v; want ErrReportsUnsupported", err)
	}
}

// TestReportSegments: a window across the fall-back of America/Los_Angeles
// (2026-11-01 01:00-02:00 PDT, then again PST) keeps its reports off the
// repeated wall clock hour: those parts are raw, the rest not.
func TestReportSegments(t *testing.T) {
	la, _ := time.LoadLocation("America/Los_Angeles")
	fall := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC) // 02:00 PDT becomes 01:00 PST
	w := mine.Window{From: fall.Add(-5 * time.Hour), To: fall.Add(5 * time.Hour)}
	segs, bucket, err := reportSegments(w, la)
	if err != nil || bucket != time.Hour {
		t.Fatalf("reportSegments = %v, %s, %v", segs, bucket, err)
	}
	var raw []string
	for _, s := range segs {
		if s.raw {
			raw = append(raw, s.from.Format("15:04:05")+"-"+s.to.Format("15:04:05"))
		}
	}
	// the wall clock 01:00:00-01:59:59 is UTC 08:00-08:59 (PDT) and 09:00-09:59 (PST)
	if want := []string{"08:00:00-08:59:59", "09:00:00-09:59:59"}; !slices.Equal(raw, want) {
		t.Errorf("raw segments %v; want %v", raw, want)
	}
	if segs[0].from != w.From || segs[len(segs)-1].to != w.To {
		t.Errorf("segments %v do not cover the window %v", segs, w)
	}
	for i := 1; i < len(segs); i++ {
		if !segs[i].from.Equal(segs[i-1].to.Add(time.Second)) {
			t.Errorf("segment %d starts at %s, after %s", i, segs[i].from, segs[i-1].to)
		}
	}
	kolkata, _ := time.LoadLocation("Asia/Kolkata")
	if _, b, err := reportSegments(w, kolkata); err != nil || b != 15*time.Minute {
		t.Errorf("Asia/Kolkata (UTC+5:30): bucket %s, %v; want 15m", b, err)
	}
}
