package panosim

import (
	"encoding/xml"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// newLoggingServer returns a server with the signatures deployed and
// committed, advanced by d.
func newLoggingServer(t *testing.T, o Options, d time.Duration) (*Server, *apiClient) {
	t.Helper()
	s, c := newTestServer(t, o)
	c.deploySignatures()
	c.commit()
	s.Advance(d)
	return s, c
}

func TestLogJobLifecycle(t *testing.T) {
	_, c := newLoggingServer(t, Options{Seed: 7, PollsBeforeFinish: 2}, 6*time.Hour)
	var sa submitAnswer
	body := c.ok("type", "log", "log-type", "traffic", "query", "")
	if err := xml.Unmarshal(body, &sa); err != nil {
		t.Fatal(err)
	}
	if sa.Code != "19" || sa.Job == 0 || !strings.Contains(string(body), "<line>query job enqueued with jobid "+strconv.Itoa(sa.Job)+"</line>") {
		t.Fatalf("submit = %s; want code 19 and a job", body)
	}
	id := strconv.Itoa(sa.Job)
	for i, want := range []string{"ACT", "ACT", "FIN"} {
		var la logAnswer
		body := c.ok("type", "log", "action", "get", "job-id", id)
		if err := xml.Unmarshal(body, &la); err != nil {
			t.Fatal(err)
		}
		if la.Job.Status != want || la.Job.ID != sa.Job {
			t.Fatalf("poll %d status = %q; want %s", i, la.Job.Status, want)
		}
		switch want {
		case "ACT":
			if la.Logs.Count != 0 || len(la.Logs.Entries) != 0 || la.Logs.Progress >= 100 {
				t.Errorf("poll %d = %s; want no entries and progress < 100", i, body)
			}
		case "FIN":
			if la.Logs.Count != 20 || len(la.Logs.Entries) != 20 || la.Logs.Progress != 100 {
				t.Errorf("FIN logs count = %d, %d entries, progress %d; want 20 (default nlogs), 100", la.Logs.Count, len(la.Logs.Entries), la.Logs.Progress)
			}
		}
	}
	_, body = c.call("type", "log", "action", "get", "job-id", id)
	if e := parseEnvelope(t, body); e.Status != "error" || len(e.Lines) == 0 || e.Lines[0] != "job "+id+" not found" {
		t.Errorf("get after FIN = %s; want error job %s not found", body, id)
	}

	// finish ends an active job.
	if err := xml.Unmarshal(c.ok("type", "log", "log-type", "threat"), &sa); err != nil {
		t.Fatal(err)
	}
	c.ok("type", "log", "action", "finish", "job-id", strconv.Itoa(sa.Job))
	_, body = c.call("type", "log", "action", "get", "job-id", strconv.Itoa(sa.Job))
	if e := parseEnvelope(t, body); e.Status != "error" {
		t.Errorf("get after finish = %s; want an error", body)
	}
}

func TestLogEntryFields(t *testing.T) {
	s, c := newLoggingServer(t, Options{Seed: 7}, 30*time.Hour)
	tr := s.Truth()
	threats := c.query("threat", "(rule eq '"+ruleCatchAll+"')", "forward", 200, 0)
	traffic := c.query("traffic", "", "forward", 200, 0)
	if len(threats) == 0 || len(traffic) == 0 {
		t.Fatalf("got %d threat and %d traffic entries; want some of each", len(threats), len(traffic))
	}
	loc := s.Location()
	checkTime := func(e xLogEntry) {
		t.Helper()
		hr, err := time.Parse("2006-01-02T15:04:05.000-07:00", e.HighRes)
		if err != nil {
			t.Fatalf("high_res_timestamp %q: %v", e.HighRes, err)
		}
		if got := hr.In(loc).Format("2006/01/02 15:04:05"); got != e.Receive || e.Generated != e.Receive {
			t.Errorf("receive_time %q, time_generated %q; want device-local %q", e.Receive, e.Generated, got)
		}
		if _, off := hr.Zone(); off != -8*3600 && off != -7*3600 {
			t.Errorf("high_res_timestamp %q offset = %d; want the device zone's", e.HighRes, off)
		}
	}
	for _, e := range threats {
		checkTime(e)
		code, err := strconv.Atoi(strings.TrimPrefix(e.ThreatName, "HTTP-"))
		if err != nil || e.TID < 41000 || e.TID > 41059 || code < 100 || code > 599 {
			t.Errorf("threatid %q tid %d; want HTTP-<code> and 41000..41059", e.ThreatName, e.TID)
		}
		if e.Type != "THREAT" || e.Subtype != "vulnerability" || e.Severity != "informational" ||
			e.Direction != "server-to-client" || e.Action != "alert" || e.Category != "any" || e.Repeat < 1 {
			t.Errorf("threat entry %+v; want THREAT vulnerability informational server-to-client alert any", e)
		}
		if strings.Contains(e.Misc, "://") || !strings.Contains(e.Misc, "/") {
			t.Errorf("misc = %q; want host/path without scheme", e.Misc)
		}
		if e.Serial != tr.Serial || e.DeviceName != tr.Hostname || e.LogID == "" || e.SessionID == 0 {
			t.Errorf("threat entry identity %+v; want serial %s device %s", e, tr.Serial, tr.Hostname)
		}
	}
	for _, e := range traffic {
		checkTime(e)
		if e.Type != "TRAFFIC" || (e.Subtype != "end" && e.Subtype != "deny") || e.Start == "" || e.RuleUUID == "" {
			t.Errorf("traffic entry %+v; want TRAFFIC end/deny with start and rule_uuid", e)
		}
		if e.Subtype == "end" && e.Bytes <= 0 {
			t.Errorf("traffic entry %+v has no bytes", e)
		}
	}
}

func TestLogPaging(t *testing.T) {
	_, c := newLoggingServer(t, Options{Seed: 8}, 48*time.Hour)
	const q = "(receive_time geq '2026/11/02 08:00:00') and (receive_time leq '2026/11/02 09:59:59')"
	all := c.query("traffic", q, "forward", MaxLogs, 0)
	if len(all) < 300 || len(all) == MaxLogs {
		t.Fatalf("window holds %d entries; want a few hundred", len(all))
	}
	less := func(a, b xLogEntry) bool {
		return a.Receive < b.Receive || (a.Receive == b.Receive && a.Seqno < b.Seqno)
	}
	for i := 1; i < len(all); i++ {
		if !less(all[i-1], all[i]) {
			t.Fatalf("forward order broken at %d: %s/%d after %s/%d", i, all[i].Receive, all[i].Seqno, all[i-1].Receive, all[i-1].Seqno)
		}
	}
	for _, dir := range []string{"forward", "backward", ""} {
		for _, page := range []int{1, 37, 250} {
			if page == 1 && dir != "forward" {
				continue
			}
			seen := map[uint64]int{}
			var got []uint64
			for {
				p := c.pageSeqnos("traffic", q, dir, page, len(got))
				got = append(got, p...)
				if len(p) < page {
					break
				}
			}
			for _, n := range got {
				seen[n]++
			}
			if len(got) != len(all) || len(seen) != len(all) {
				t.Errorf("dir %q page %d: %d entries, %d distinct; want %d once each", dir, page, len(got), len(seen), len(all))
				continue
			}
			if dir != "forward" {
				slices.Reverse(got)
			}
			for i := range got {
				if got[i] != all[i].Seqno {
					t.Errorf("dir %q page %d: entry %d seqno %d; want %d", dir, page, i, got[i], all[i].Seqno)
					break
				}
			}
		}
	}
}
