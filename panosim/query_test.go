package panosim

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestQueryFilter(t *testing.T) {
	s, c := newLoggingServer(t, Options{Seed: 9, SessionsPerDay: 1000}, 50*time.Hour)
	tr := s.Truth()
	scanner := tr.Scanners[0].Source
	svc := tr.CatchAllServices[0]
	all := c.queryAll("threat", "")
	if len(all) < 500 {
		t.Fatalf("got %d threat logs; want a lot", len(all))
	}
	loc := s.Location()
	utc := func(e xLogEntry) time.Time {
		hr, err := time.Parse("2006-01-02T15:04:05.000-07:00", e.HighRes)
		if err != nil {
			t.Fatal(err)
		}
		return hr.UTC().Truncate(time.Second)
	}
	// A Monday-morning window in device time: 09:00 PST is 17:00 UTC.
	winFrom := time.Date(2026, 11, 2, 9, 0, 0, 0, loc)
	winTo := time.Date(2026, 11, 2, 9, 59, 59, 0, loc)
	tests := []struct {
		q    string
		want func(e xLogEntry) bool
	}{
		{"(threatid eq 41003)", func(e xLogEntry) bool { return e.TID == 41003 }},
		{"(threatid geq 41000) and (threatid leq 41059)", func(e xLogEntry) bool { return true }},
		{"(threatid geq 41023) and (threatid leq 41040)", func(e xLogEntry) bool { return e.TID >= 41023 && e.TID <= 41040 }},
		{"(rule eq 'Allow-Web-Ports')", func(e xLogEntry) bool { return e.Rule == ruleCatchAll }},
		{"(rule eq Allow-Web-Ports)", func(e xLogEntry) bool { return e.Rule == ruleCatchAll }},
		{"(rule neq 'Allow-Web-Ports')", func(e xLogEntry) bool { return e.Rule != ruleCatchAll }},
		{"(rule eq 'Allow-Web-Ports') and (threatid eq 41026) or (threatid eq 41049)",
			func(e xLogEntry) bool { return (e.Rule == ruleCatchAll && e.TID == 41026) || e.TID == 41049 }},
		{"(threatid eq 41049) or (rule eq 'Allow-Web-Ports') and (threatid eq 41026)",
			func(e xLogEntry) bool { return (e.Rule == ruleCatchAll && e.TID == 41026) || e.TID == 41049 }},
		{"(rule eq 'Allow-Web-Ports') and ((threatid eq 41026) or (threatid eq 41049))",
			func(e xLogEntry) bool { return e.Rule == ruleCatchAll && (e.TID == 41026 || e.TID == 41049) }},
		{"(addr.src in 10.1.250.0/24)", func(e xLogEntry) bool { return strings.HasPrefix(e.Src, "10.1.250.") }},
		{"(addr.src eq " + scanner + ")", func(e xLogEntry) bool { return e.Src == scanner }},
		{"(addr.dst eq " + svc.Destination + ") and (port.dst eq " + strconv.Itoa(svc.Port) + ")",
			func(e xLogEntry) bool { return e.Dst == svc.Destination && e.Dport == svc.Port }},
		{"(addr.dst notin 10.20.0.0/16)", func(e xLogEntry) bool { return !strings.HasPrefix(e.Dst, "10.20.") }},
		{"(app eq web-browsing) and !(zone.dst eq untrust)", func(e xLogEntry) bool { return e.App == "web-browsing" && e.To != "untrust" }},
		{"not (zone.dst eq dmz)", func(e xLogEntry) bool { return e.To != "dmz" }},
		{"(severity eq informational) and (subtype eq vulnerability) and (action eq alert)", func(e xLogEntry) bool { return true }},
		{"(severity geq low)", func(e xLogEntry) bool { return false }},
		{"(misc contains '/login')", func(e xLogEntry) bool { return strings.Contains(e.Misc, "/login") }},
		{"(receive_time geq '2026/11/02 09:00:00') and (receive_time leq '2026/11/02 09:59:59')", func(e xLogEntry) bool {
			u := utc(e)
			return !u.Before(winFrom) && !u.After(winTo)
		}},
		{"( receive_time geq '2026/11/02 09:00:00' ) and ( threatid eq 41003 )", func(e xLogEntry) bool {
			return !utc(e).Before(winFrom) && e.TID == 41003
		}},
	}
	for _, tc := range tests {
		var want []uint64
		for _, e := range all {
			if tc.want(e) {
				want = append(want, e.Seqno)
			}
		}
		got := c.querySeqnos("threat", tc.q)
		if !equalSeq(got, want) {
			t.Errorf("query(%s) = %d entries; want %d", tc.q, len(got), len(want))
		}
	}
	// The window really is in device time: 09:00 PST is 17:00 UTC.
	win := c.query("threat", tests[18].q, "forward", 5, 0)
	if len(win) == 0 || utc(win[0]).Hour() != 17 {
		t.Errorf("first entry of the 09:00 device-time window = %+v; want 17:xx UTC", win)
	}
}

func equalSeq(a, b []uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestQuerySyntaxErrors(t *testing.T) {
	_, c := newTestServer(t, Options{Seed: 9})
	tests := []struct {
		logType, q, wantIn string
	}{
		{"threat", "(rule eq", "missing value"},
		{"threat", "rule eq x", "expected '('"},
		{"threat", "(rule foo x)", "unknown operator"},
		{"threat", "(bogus eq 1)", "unknown field"},
		{"threat", "(threatid eq abc)", "invalid number"},
		{"threat", "(receive_time geq '2026-11-02')", "invalid time"},
		{"threat", "((rule eq a)", "missing ')'"},
		{"threat", "(rule eq 'a') and", "unexpected end"},
		{"threat", "(rule eq 'a') (rule eq 'b')", "unexpected"},
		{"threat", "(rule eq 'unterminated)", "unterminated"},
		{"threat", "(addr.src in 10.1.0.0/33)", "invalid address"},
		{"threat", "(rule geq x)", "not valid for field"},
		{"traffic", "(threatid eq 41003)", "not valid for log type traffic"},
	}
	for _, tc := range tests {
		_, body := c.call("type", "log", "log-type", tc.logType, "query", tc.q)
		e := parseEnvelope(t, body)
		if e.Status != "error" || len(e.Lines) == 0 || !strings.Contains(e.Lines[0], tc.wantIn) {
			t.Errorf("query(%s) = %s; want an error mentioning %q", tc.q, body, tc.wantIn)
		}
	}
}
