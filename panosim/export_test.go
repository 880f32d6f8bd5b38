package panosim

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The exports carry what the XML API answers for the same logs, at the
// positions of PAN-OS 10.2's syslog field list (shared/docs/panos-xmlapi.md
// section 7): each exported line is matched to its XML entry by sequence
// number and checked field by field.
func TestExportMatchesXMLAPI(t *testing.T) {
	s, c := newLoggingServer(t, Options{Seed: 3}, 20*time.Hour)
	from, to := s.o.Start, s.Now()
	xmlThreat := map[uint64]xLogEntry{}
	for _, e := range c.query("threat", "", "forward", 5000, 0) {
		xmlThreat[e.Seqno] = e
	}
	xmlTraffic := map[uint64]xLogEntry{}
	for _, e := range c.query("traffic", "", "forward", 5000, 0) {
		xmlTraffic[e.Seqno] = e
	}
	if len(xmlThreat) == 0 || len(xmlTraffic) == 0 || len(xmlThreat) == 5000 || len(xmlTraffic) == 5000 {
		t.Fatalf("%d threat and %d traffic entries; want some of each, fewer than a page", len(xmlThreat), len(xmlTraffic))
	}

	var buf bytes.Buffer
	if err := s.ExportLogs(&buf, ExportSyslogBSD, "", from, to); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != len(xmlThreat)+len(xmlTraffic) {
		t.Fatalf("%d exported lines; want %d", len(lines), len(xmlThreat)+len(xmlTraffic))
	}
	loc := s.Location()
	for _, l := range lines {
		head, payload, ok := strings.Cut(l, " "+s.dev.hostname+" ")
		if !ok || !strings.HasPrefix(head, "<14>") {
			t.Fatalf("line %q has no BSD header with the host", l)
		}
		f, err := csv.NewReader(strings.NewReader(payload)).Read()
		if err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		seq, _ := strconv.ParseUint(f[36], 10, 64)
		want, isThreat := xmlThreat[seq]
		if f[3] == "TRAFFIC" {
			seq, _ = strconv.ParseUint(f[39], 10, 64)
			want, isThreat = xmlTraffic[seq], false
		}
		if want.Seqno == 0 {
			t.Fatalf("line %q: no XML entry of that sequence number", l)
		}
		if ht, err := time.ParseInLocation("Jan _2 15:04:05", head[4:], loc); err != nil || ht.Format("01/02 15:04:05") != want.Receive[5:] {
			t.Errorf("header %q; want the receive time %s", head, want.Receive)
		}
		common := map[int]string{1: want.Receive, 2: want.Serial, 3: want.Type, 4: want.Subtype, 6: want.Generated,
			7: want.Src, 8: want.Dst, 11: want.Rule, 14: want.App, 16: want.From, 17: want.To,
			22: strconv.FormatUint(want.SessionID, 10), 23: strconv.Itoa(want.Repeat), 24: strconv.Itoa(want.Sport),
			25: strconv.Itoa(want.Dport), 30: want.Action}
		if isThreat {
			if len(f) != 120 {
				t.Fatalf("threat line with %d fields; PAN-OS 10.2 writes 120", len(f))
			}
			for i, v := range map[int]string{31: want.Misc, 32: want.ThreatName + "(" + strconv.Itoa(want.TID) + ")",
				34: want.Severity, 35: want.Direction, 59: want.DeviceName, 76: want.RuleUUID, 107: want.HighRes} {
				common[i] = v
			}
			if !strings.Contains(payload, `,"`+want.Misc+`",`) {
				t.Errorf("misc %q is not quoted in %q", want.Misc, payload)
			}
		} else {
			if len(f) != 114 {
				t.Fatalf("traffic line with %d fields; PAN-OS 10.2 writes 114", len(f))
			}
			for i, v := range map[int]string{31: strconv.FormatInt(want.Bytes, 10), 35: want.Start, 52: want.DeviceName,
				65: want.RuleUUID, 102: want.HighRes} {
				common[i] = v
			}
		}
		for i, v := range common {
			if f[i] != v {
				t.Errorf("%s seqno %d field %d = %q; the XML API says %q", f[3], seq, i, f[i], v)
			}
		}
	}

	// The other forms carry the same lines.
	for _, tc := range []struct {
		f       ExportFormat
		logType string
		lines   int
	}{
		{ExportSyslogIETF, "", len(lines)}, {ExportNDJSON, "", len(lines)},
		{ExportCSV, "threat", len(xmlThreat) + 1}, {ExportCSV, "traffic", len(xmlTraffic) + 1},
	} {
		var b bytes.Buffer
		if err := s.ExportLogs(&b, tc.f, tc.logType, from, to); err != nil {
			t.Fatal(err)
		}
		got := strings.Split(strings.TrimSpace(b.String()), "\n")
		if len(got) != tc.lines {
			t.Errorf("format %d %s: %d lines; want %d", tc.f, tc.logType, len(got), tc.lines)
		}
		switch tc.f {
		case ExportSyslogIETF:
			if !strings.HasPrefix(got[0], "<14>1 ") || !strings.Contains(got[0], " "+s.dev.hostname+" - - - - 1,") {
				t.Errorf("IETF line %q", got[0])
			}
		case ExportNDJSON:
			var m struct{ Message string }
			if err := json.Unmarshal([]byte(got[0]), &m); err != nil || m.Message != lines[0] {
				t.Errorf("NDJSON %q: message %q, %v; want the BSD line %q", got[0], m.Message, err, lines[0])
			}
		case ExportCSV:
			header, err := csv.NewReader(strings.NewReader(got[0])).Read()
			row, err2 := csv.NewReader(strings.NewReader(got[1])).Read()
			if err != nil || err2 != nil || len(header) != len(row) || header[1] != "Receive Time" {
				t.Errorf("CSV export: header of %d, row of %d (%v, %v)", len(header), len(row), err, err2)
			}
		}
	}
	if err := s.ExportLogs(&buf, ExportCSV, "", from, to); err == nil {
		t.Error("a CSV export of both log types succeeded")
	}
}

// The window keeps what was received in it, both ends included.
func TestExportWindow(t *testing.T) {
	s, _ := newLoggingServer(t, Options{Seed: 5}, 6*time.Hour)
	count := func(from, to time.Time) int {
		var b bytes.Buffer
		if err := s.ExportLogs(&b, ExportSyslogBSD, "threat", from, to); err != nil {
			t.Fatal(err)
		}
		return strings.Count(b.String(), "\n")
	}
	all := count(s.o.Start, s.Now())
	mid := s.o.Start.Add(3 * time.Hour)
	a, b := count(s.o.Start, mid), count(mid.Add(time.Second), s.Now())
	if all == 0 || a+b != all {
		t.Errorf("halves %d + %d; want the %d of the whole window", a, b, all)
	}
}
