package panosim

import (
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// faultClient is an apiClient in front of a FaultyServer.
func faultClient(t *testing.T, s *Server, f Faults) (*FaultyServer, *apiClient) {
	t.Helper()
	fs := WithFaults(s, f)
	hs := httptest.NewServer(fs)
	t.Cleanup(hs.Close)
	return fs, &apiClient{t: t, url: hs.URL + "/api/", key: s.APIKey()}
}

type faultPage struct {
	Status string `xml:"result>job>status"`
	Logs   struct {
		Count   int `xml:"count,attr"`
		Entries []struct {
			Seq  string `xml:"seqno"`
			Tid  int    `xml:"tid"`
			Rule string `xml:"rule"`
			At   string `xml:"receive_time"`
		} `xml:"entry"`
	} `xml:"result>log>logs"`
}

// runQuery submits a query and polls it to FIN through c.
func runQuery(t *testing.T, c *apiClient, logType, q string, nlogs int) faultPage {
	t.Helper()
	var ja jobAnswer
	if err := xml.Unmarshal(c.ok("type", "log", "log-type", logType, "query", q, "nlogs", strconv.Itoa(nlogs), "dir", "forward"), &ja); err != nil {
		t.Fatal(err)
	}
	for range 10 {
		var pg faultPage
		if err := xml.Unmarshal(c.ok("type", "log", "action", "get", "job-id", strconv.Itoa(ja.Job)), &pg); err != nil {
			t.Fatal(err)
		}
		if pg.Status == "FIN" {
			return pg
		}
	}
	t.Fatalf("job %d never finished", ja.Job)
	return faultPage{}
}

// Each planted page fault does what Faults says, and only that: counted in
// FaultStats, visible in the page, the real entries untouched.
func TestPageFaults(t *testing.T) {
	s, _ := newLoggingServer(t, Options{Seed: 3, PollsBeforeFinish: -1, SessionsPerDay: 600}, 24*time.Hour)
	loc := s.Location()
	from, to := s.o.Start.Add(17*time.Hour), s.o.Start.Add(19*time.Hour) // working hours in Los Angeles
	q := "(threatid geq 41000) and (threatid leq 41059) and (receive_time geq '" + from.In(loc).Format(devTimeFmt) +
		"') and (receive_time leq '" + to.In(loc).Format(devTimeFmt) + "')"
	clean := runQuery(t, &apiClient{t: t, url: mustServe(t, s), key: s.APIKey()}, "threat", q, 50)
	if len(clean.Logs.Entries) != 50 || clean.Logs.Count != 50 {
		t.Fatalf("clean page has %d entries, count %d; want 50", len(clean.Logs.Entries), clean.Logs.Count)
	}
	inWindow := func(at string) bool {
		return at >= from.In(loc).Format(devTimeFmt) && at <= to.In(loc).Format(devTimeFmt)
	}
	tests := []struct {
		name  string
		f     Faults
		check func(t *testing.T, pg faultPage, st FaultStats)
	}{
		{"duplicate", Faults{DuplicateEvery: 1}, func(t *testing.T, pg faultPage, st FaultStats) {
			seen := map[string]int{}
			for _, e := range pg.Logs.Entries {
				seen[e.Seq]++
			}
			if st.Duplicated != 1 || len(pg.Logs.Entries) != 51 || pg.Logs.Count != 51 || len(seen) != 50 {
				t.Errorf("page %d entries (%d distinct), count %d, stats %+v; want one entry twice", len(pg.Logs.Entries), len(seen), pg.Logs.Count, st)
			}
		}},
		{"short", Faults{ShortEvery: 1}, func(t *testing.T, pg faultPage, st FaultStats) {
			if st.Short != 1 || len(pg.Logs.Entries) != 49 || pg.Logs.Count != 50 {
				t.Errorf("page %d entries, count %d, stats %+v; want 49 entries announced as 50", len(pg.Logs.Entries), pg.Logs.Count, st)
			}
		}},
		{"mismatch", Faults{MismatchEvery: 1}, func(t *testing.T, pg faultPage, st FaultStats) {
			last := pg.Logs.Entries[len(pg.Logs.Entries)-1]
			if st.Mismatched != 1 || len(pg.Logs.Entries) != 51 || last.Tid != 30845 || last.Seq == pg.Logs.Entries[0].Seq {
				t.Errorf("page %d entries, last %+v, stats %+v; want a copy under a new seqno with tid 30845", len(pg.Logs.Entries), last, st)
			}
		}},
		{"garble", Faults{GarbleEvery: 1}, func(t *testing.T, pg faultPage, st FaultStats) {
			if st.Garbled != 1 || len(pg.Logs.Entries) != 50 || pg.Logs.Entries[16].Seq != "12x" {
				t.Errorf("page %d entries, entry 16 seqno %q, stats %+v; want entry 16's seqno unreadable", len(pg.Logs.Entries), pg.Logs.Entries[16].Seq, st)
			}
		}},
		{"outside", Faults{OutsideEvery: 1}, func(t *testing.T, pg faultPage, st FaultStats) {
			last := pg.Logs.Entries[len(pg.Logs.Entries)-1]
			if st.Outside != 1 || len(pg.Logs.Entries) != 51 || inWindow(last.At) || last.Tid < 41000 {
				t.Errorf("page %d entries, last %+v, stats %+v; want a matching entry from outside the time range", len(pg.Logs.Entries), last, st)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs, c := faultClient(t, s, tc.f)
			pg := runQuery(t, c, "threat", q, 50)
			tc.check(t, pg, fs.Stats())
			for i, e := range clean.Logs.Entries {
				if (tc.name != "short" || i < 49) && (tc.name != "garble" || i != 16) {
					if pg.Logs.Entries[i+btoi(tc.name == "duplicate" && i > 25)].Seq != e.Seq {
						t.Fatalf("real entry %d changed: %s; want %s", i, pg.Logs.Entries[i].Seq, e.Seq)
					}
				}
			}
		})
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func mustServe(t *testing.T, h http.Handler) string {
	t.Helper()
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)
	return hs.URL + "/api/"
}

// A repeat serves, at the start of the next page of the same slice, an
// entry received before that page's lower bound.
func TestRepeatFault(t *testing.T) {
	s, _ := newLoggingServer(t, Options{Seed: 3, PollsBeforeFinish: -1, SessionsPerDay: 600}, 24*time.Hour)
	loc := s.Location()
	fs, c := faultClient(t, s, Faults{RepeatEvery: 2})
	end := s.o.Start.Add(22 * time.Hour).In(loc).Format(devTimeFmt)
	q := func(from string) string {
		return "(receive_time geq '" + from + "') and (receive_time leq '" + end + "')"
	}
	first := runQuery(t, c, "threat", q(s.o.Start.Add(17*time.Hour).In(loc).Format(devTimeFmt)), 30)
	cursor := first.Logs.Entries[len(first.Logs.Entries)-1].At
	second := runQuery(t, c, "threat", q(cursor), 30)
	if fs.Stats().Repeated != 1 || second.Logs.Entries[0].Seq != first.Logs.Entries[0].Seq || len(second.Logs.Entries) != 31 {
		t.Errorf("second page starts %+v (%d entries), stats %+v; want the first page's first entry again", second.Logs.Entries[0], len(second.Logs.Entries), fs.Stats())
	}
}

// A lost final answer: the device read the page (and deleted the job), the
// client never hears of it; asking again says the job is gone.
func TestLostFinalAnswer(t *testing.T) {
	s, _ := newLoggingServer(t, Options{Seed: 3, PollsBeforeFinish: -1, SessionsPerDay: 300}, 6*time.Hour)
	fs := WithFaults(s, Faults{LostFinalEvery: 1})
	hs := httptest.NewServer(fs)
	defer hs.Close()
	c := &apiClient{t: t, url: hs.URL + "/api/", key: s.APIKey()}
	var ja jobAnswer
	if err := xml.Unmarshal(c.ok("type", "log", "log-type", "threat", "nlogs", "10"), &ja); err != nil {
		t.Fatal(err)
	}
	v := url.Values{"type": {"log"}, "action": {"get"}, "job-id": {strconv.Itoa(ja.Job)}, "key": {s.APIKey()}}
	if resp, err := http.PostForm(c.url, v); err == nil {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		t.Fatalf("lost answer arrived: %s", b)
	}
	_, body := c.call("type", "log", "action", "get", "job-id", strconv.Itoa(ja.Job))
	if !strings.Contains(string(body), "not found") || fs.Stats().LostFinals != 1 {
		t.Errorf("poll after the lost answer = %s, stats %+v; want job not found", body, fs.Stats())
	}
	if served := s.ServedKeys("threat"); len(served) != 10 {
		t.Errorf("served record holds %d entries; the lost page carried 10", len(served))
	}
}

// HTMLOn and EmptyOn answer named requests with a web page or nothing.
func TestBadAnswerFaults(t *testing.T) {
	s := New(Options{Seed: 1})
	fs, c := faultClient(t, s, Faults{HTMLOn: "deviceconfig/system/timezone", EmptyOn: "<clock/>"})
	_, body := c.call("type", "config", "action", "show", "xpath", "/config/devices/entry[@name='localhost.localdomain']/deviceconfig/system/timezone")
	if !strings.HasPrefix(string(body), "<!DOCTYPE html>") {
		t.Errorf("time zone read = %.80s; want the login page", body)
	}
	if _, body := c.call("type", "op", "cmd", "<show><clock/></show>"); len(body) != 0 {
		t.Errorf("show clock = %q; want an empty body", body)
	}
	c.ok("type", "op", "cmd", "<show><system><info/></system></show>")
	if st := fs.Stats(); st.HTML != 1 || st.Empty != 1 {
		t.Errorf("stats %+v; want one HTML and one empty answer", st)
	}
}

// TimeZoneUnset leaves the zone out of the configuration, not out of the
// clock or the logs.
func TestTimeZoneUnset(t *testing.T) {
	s, c := newTestServer(t, Options{Seed: 1, TimeZone: "America/New_York", TimeZoneUnset: true})
	_, body := c.call("type", "config", "action", "show", "xpath", "/config/devices/entry[@name='localhost.localdomain']/deviceconfig/system/timezone")
	if e := parseEnvelope(t, body); e.Status != "error" {
		t.Errorf("time zone read = %s; want No such node", body)
	}
	clock := string(c.ok("type", "op", "cmd", "<show><clock/></show>"))
	if want := s.Now().In(s.Location()).Format(time.UnixDate); !strings.Contains(clock, want) || !strings.Contains(clock, "EDT") {
		t.Errorf("show clock = %s; want %s", clock, want)
	}
}

// An HA pair: each member names its own and its peer's state and
// management address; only the active one carries traffic.
func TestHAPair(t *testing.T) {
	p := NewHAPair(Options{Seed: 5, SessionsPerDay: 200}, "127.0.0.1", "127.0.0.2")
	a, b := p.Members()[0], p.Members()[1]
	if a.Serial() == b.Serial() || a.Hostname() == b.Hostname() || a.APIKey() != b.APIKey() {
		t.Fatalf("members %s/%s and %s/%s: want distinct serials and names, one key", a.Serial(), a.Hostname(), b.Serial(), b.Hostname())
	}
	p.Advance(6 * time.Hour)
	if _, tr := a.LogCounts(); tr == 0 {
		t.Error("the active member logged no traffic")
	}
	if th, tr := b.LogCounts(); th+tr != 0 || !b.Now().Equal(a.Now()) {
		t.Errorf("the passive member logged %d entries, clock %v (active %v); want none, the same clock", th+tr, b.Now(), a.Now())
	}
	type ha struct {
		Enabled string `xml:"result>enabled"`
		Local   struct {
			State string `xml:"state"`
			IP    string `xml:"mgmt-ip"`
		} `xml:"result>group>local-info"`
		Peer struct {
			State string `xml:"state"`
			IP    string `xml:"mgmt-ip"`
			Conn  string `xml:"conn-status"`
		} `xml:"result>group>peer-info"`
	}
	var got ha
	c := &apiClient{t: t, url: mustServe(t, b), key: b.APIKey()}
	if err := xml.Unmarshal(c.ok("type", "op", "cmd", "<show><high-availability><state/></high-availability></show>"), &got); err != nil {
		t.Fatal(err)
	}
	if got.Enabled != "yes" || got.Local.State != "passive" || got.Local.IP != "127.0.0.2/24" || got.Peer.State != "active" || got.Peer.IP != "127.0.0.1/24" || got.Peer.Conn != "up" {
		t.Errorf("HA state of the passive member = %+v", got)
	}
	p.Failover()
	p.Advance(6 * time.Hour)
	if _, tr := b.LogCounts(); tr == 0 {
		t.Error("after failover the new active member logged no traffic")
	}
	alone := &apiClient{t: t, url: mustServe(t, New(Options{Seed: 5})), key: a.APIKey()}
	if body := alone.ok("type", "op", "cmd", "<show><high-availability><state/></high-availability></show>"); !strings.Contains(string(body), "<enabled>no</enabled>") {
		t.Errorf("HA state of a lone firewall = %s; want enabled no", body)
	}
}

// LogKeys is the store's truth for a window; ServedKeys what pages carried.
func TestLogKeysAndServed(t *testing.T) {
	s, c := newLoggingServer(t, Options{Seed: 3, PollsBeforeFinish: -1, SessionsPerDay: 300}, 6*time.Hour)
	loc := s.Location()
	from, to := s.o.Start.Add(time.Hour), s.o.Start.Add(2*time.Hour)
	want := s.LogKeys("threat", from, to)
	pg := runQuery(t, c, "threat", "(receive_time geq '"+from.In(loc).Format(devTimeFmt)+"') and (receive_time leq '"+to.In(loc).Format(devTimeFmt)+"')", 5000)
	if len(want) == 0 || len(pg.Logs.Entries) != len(want) {
		t.Fatalf("LogKeys = %d keys; the query returned %d", len(want), len(pg.Logs.Entries))
	}
	served := s.ServedKeys("threat")
	for i, k := range want {
		if served[i] != k {
			t.Fatalf("served[%d] = %v; want %v", i, served[i], k)
		}
	}
	if q := s.LogQueries()["threat"]; q != 1 {
		t.Errorf("LogQueries threat = %d; want 1", q)
	}
}
