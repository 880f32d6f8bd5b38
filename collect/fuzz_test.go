package collect

import (
	"bufio"
	"bytes"
	"encoding/gob"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/panos-mine/mine"
)

// Fuzz targets for every parser of what a device (or a file on disk)
// sends: hit counts, rules, system info, clock, HA state, job status, log
// pages with their timestamps, and checkpoint slices. Each must return an
// error or a result, never panic, and keep its promises on what it
// returns. Crashers go to testdata/fuzz/<Target>.

func addReal(f *testing.F, names ...string) {
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join("..", "testdata", "real", n))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

func FuzzParseHitCounts(f *testing.F) {
	addReal(f, "demisto-get_rule_hitcounts_rule_hits.xml")
	f.Add([]byte(`<response status="success"><result><rule-hit-count><device-group><entry name="DG"><rule-base><entry name="security"><rules><entry name="r"><device-vsys><entry name="DG/0079/vsys1"><hit-count>3</hit-count></entry></device-vsys></entry></rules></entry></rule-base></entry></device-group></rule-hit-count></result></response>`))
	f.Fuzz(func(t *testing.T, body []byte) {
		_, _ = ParseHitCounts(body)
		if hits, err := ParsePanoramaHitCounts(body); err == nil {
			for _, h := range hits {
				if h.Serial == "" && h.Vsys == "" {
					t.Fatalf("Panorama counter without its device-vsys: %+v", h)
				}
			}
			_ = AggregateHits(hits)
		}
	})
}

func FuzzParseRules(f *testing.F) {
	f.Add([]byte(`<response status="success"><result><rules><entry name="a"><from><member>trust</member></from><action>allow</action></entry></rules></result></response>`))
	f.Add([]byte(`<response status="success" code="19"><result total-count="1" count="1"><entry name="b"><disabled>yes</disabled></entry></result></response>`))
	f.Fuzz(func(t *testing.T, body []byte) {
		rules, err := ParseRules(body, "vsys1")
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for i, r := range rules {
			if r.Name == "" || seen[r.Name] || r.Position != i {
				t.Fatalf("rule %d = %+v: empty, repeated or out of place", i, r)
			}
			seen[r.Name] = true
		}
	})
}

func FuzzParseSystemInfo(f *testing.F) {
	addReal(f, "demisto-show_system_info.xml", "xmlapi/paloaltoapi-system-info-firewall-9.1.xml")
	f.Fuzz(func(t *testing.T, body []byte) {
		if d, err := ParseSystemInfo(body); err == nil && (d.Model == "" || d.SWVersion == "") {
			t.Fatalf("system info accepted without model or version: %+v", d)
		}
		_, _ = parseInfoTime(string(body))
	})
}

func FuzzParseClock(f *testing.F) {
	f.Add([]byte("<response status=\"success\"><result>Wed Mar  9 05:10:06 PST 2022\n</result></response>"))
	f.Add([]byte(`<response status="success"><result>Sun Nov  1 01:30:00 -03 2026</result></response>`))
	f.Fuzz(func(t *testing.T, body []byte) {
		wall, zone, err := ParseClock(body)
		if err == nil && (wall.IsZero() || zone == "") {
			t.Fatalf("clock accepted as %v %q", wall, zone)
		}
		if err == nil {
			now := wall.Add(7 * time.Hour)
			if off, skew, ok := clockOffset(wall, now); ok && (off%(15*time.Minute) != 0 || skew > 450*time.Second || skew < -450*time.Second) {
				t.Fatalf("clockOffset = %v, %v", off, skew)
			}
		}
	})
}

func FuzzParseHAState(f *testing.F) {
	addReal(f, "xmlapi/paloaltoapi-ha-state-firewall-9.1.xml", "xmlapi/pan-os-upgrade-ha-state-panorama-11.0.xml")
	f.Add([]byte(`<response status="success"><result><enabled>no</enabled></result></response>`))
	f.Fuzz(func(t *testing.T, body []byte) {
		st, err := ParseHAState(body)
		if err == nil && bytes.ContainsRune([]byte(st.PeerAddress), '/') {
			t.Fatalf("peer address %q keeps its prefix length", st.PeerAddress)
		}
	})
}

func FuzzReadJobState(f *testing.F) {
	f.Add([]byte(`<response status="success"><result><job><status>ACT</status><id>3</id></job><log><logs count="0" progress="40"/></log></result></response>`))
	f.Add([]byte(`<response status="success"><result><job><tenq>09:00:00</tenq><status>FIN</status></job><log><logs count="1" progress="100"><entry/></logs></log></result></response>`))
	f.Fuzz(func(t *testing.T, body []byte) {
		st, err := readJobState(body)
		if err == nil && st.status == "" && !bytes.Contains(body, []byte("<status")) {
			t.Fatalf("job state %+v read from an answer without a status", st)
		}
	})
}

// The page decoder on arbitrary answers: an entry it hands over as good
// has a receive time and a sequence number.
func FuzzDecodeEntries(f *testing.F) {
	addReal(f, "demisto-query_logs.xml")
	f.Add([]byte(threatPageHead + `<entry><receive_time>2026/11/01 01:30:00</receive_time><high_res_timestamp>2026-11-01T01:29:59.900-08:00</high_res_timestamp><seqno>9</seqno><tid>41003</tid></entry></logs></log></result></response>`))
	f.Add([]byte(threatPageHead + `<entry><receive_time>2026/11/01 01:30:00</receive_time><seqno>12x</seqno></entry></logs></log></result></response>`))
	la, _ := time.LoadLocation("America/Los_Angeles")
	f.Fuzz(func(t *testing.T, body []byte) {
		d := newEntryDecoder(la)
		_, _ = d.threatEntries(body, func(l *mine.ThreatLog, m *entryMeta) error {
			if m.bad != nil {
				return nil
			}
			if l.ReceiveTime.IsZero() || m.seq == 0 || !m.hasRecv {
				t.Fatalf("good entry without a time or seqno: %+v %+v", l, m)
			}
			return nil
		})
		_, _ = d.trafficEntries(body, func(*mine.TrafficLog, *entryMeta) error { return nil })
		_, _, _ = parseHiRes(body)
		_, _ = parseWall(body)
	})
}

// Checkpoint slices read back: arbitrary bytes are refused or replayed,
// and what a good file replays is what was written.
func FuzzWalkRecords(f *testing.F) {
	good := func(batches ...[]mine.ThreatLog) []byte {
		var b bytes.Buffer
		dir := f.TempDir()
		cp := &checkpoint{dir: dir}
		s, err := cp.create(0)
		if err != nil {
			f.Fatal(err)
		}
		for _, batch := range batches {
			if err := spoolWrite(s, batch); err != nil {
				f.Fatal(err)
			}
		}
		if err := s.commit(); err != nil {
			f.Fatal(err)
		}
		raw, _ := os.ReadFile(cp.file(0))
		b.Write(raw)
		return b.Bytes()
	}
	f.Add(good([]mine.ThreatLog{{SeqNo: 1, Serial: "a"}}, []mine.ThreatLog{{SeqNo: 2}, {SeqNo: 3}}))
	f.Add(good())
	f.Fuzz(func(t *testing.T, b []byte) {
		n, err := walkRecords(bufio.NewReader(bytes.NewReader(b)), func(payload []byte) error {
			var batch []mine.ThreatLog
			_ = gob.NewDecoder(bytes.NewReader(payload)).Decode(&batch)
			return nil
		})
		if err == nil && n < 0 {
			t.Fatalf("walkRecords counted %d entries", n)
		}
	})
}
