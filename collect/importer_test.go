package collect

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/panos-mine/mine"
)

// template is a real PAN-OS 8.1 vulnerability threat line (layer3 line 8,
// see the MANIFEST) cut at its commas; it has no quoted comma.
func template(t testing.TB) (header string, fields []string) {
	t.Helper()
	b, err := readRealFile("syslog/layer3-pan-os-syslog.log")
	if err != nil {
		t.Fatal(err)
	}
	line := string(bytes.Split(b, []byte("\n"))[7])
	i := strings.Index(line, "1,2019/")
	return line[:i], strings.Split(line[i:], ",")
}

// statusLine is the template turned into an HTTP status signature hit:
// the fields given by position replace the template's.
func statusLine(t testing.TB, set map[int]string) string {
	h, f := template(t)
	f = slices.Clone(f)
	f[32] = "HTTP-200(41003)"
	for i, v := range set {
		f[i] = v
	}
	return h + strings.Join(f, ",")
}

type imported struct {
	threats []mine.ThreatLog
	traffic []mine.TrafficLog
}

func newTestImporter(t *testing.T, o ImportOptions, c *imported) *Importer {
	t.Helper()
	o.MinThreatID, o.MaxThreatID = 41000, 41059
	o.Threat = func(l *mine.ThreatLog) error { c.threats = append(c.threats, *l); return nil }
	o.Traffic = func(l *mine.TrafficLog) error { c.traffic = append(c.traffic, *l); return nil }
	im, err := NewImporter(o)
	if err != nil {
		t.Fatal(err)
	}
	return im
}

func read(t *testing.T, im *Importer, name, input string) {
	t.Helper()
	if err := im.Read(context.Background(), name, strings.NewReader(input), int64(len(input))); err != nil {
		t.Fatalf("Read(%s): %v", name, err)
	}
}

// Two exports of overlapping weeks (and a forwarder that sent a line
// twice) give the totals of one file holding each record once: by
// sequence number when there is one, by the whole record when it is 0.
func TestImportOverlapDeduplicates(t *testing.T) {
	var lines []string
	for i := range 10 {
		lines = append(lines, statusLine(t, map[int]string{36: fmt.Sprint(1000 + i), 22: fmt.Sprint(5000 + i)}))
	}
	for i := range 4 { // 4.x style: no sequence number
		lines = append(lines, statusLine(t, map[int]string{36: "0", 22: fmt.Sprint(6000 + i)}))
	}
	one := strings.Join(lines, "\n")
	a := strings.Join(append(slices.Clone(lines[:8]), lines[11:13]...), "\n")
	b := strings.Join(append(append(slices.Clone(lines[5:]), lines[9]), lines[10]), "\n")

	var single, split imported
	im1 := newTestImporter(t, ImportOptions{}, &single)
	read(t, im1, "one", one)
	im2 := newTestImporter(t, ImportOptions{}, &split)
	read(t, im2, "a", a)
	read(t, im2, "b", b)
	s1, s2 := im1.Stats(), im2.Stats()
	if s1.Threat != 14 || s1.Duplicates != 0 {
		t.Fatalf("one file: %d threat, %d duplicates; want 14, 0", s1.Threat, s1.Duplicates)
	}
	if s2.Threat != s1.Threat || s2.Files != 2 {
		t.Errorf("overlapping files: %d threat records from %d files; want %d from 2", s2.Threat, s2.Files, s1.Threat)
	}
	// a holds 10 lines, b 11; 14 distinct records, so 7 duplicates
	if s2.Duplicates != 7 || s2.Lines != 21 {
		t.Errorf("overlapping files: %d duplicates of %d lines; want 7 of 21", s2.Duplicates, s2.Lines)
	}
	key := func(l mine.ThreatLog) string { return fmt.Sprint(l.SeqNo, l.SessionID) }
	k1, k2 := mapKeys(single.threats, key), mapKeys(split.threats, key)
	if !slices.Equal(k1, k2) {
		t.Errorf("records differ:\n one file %v\n overlapping %v", k1, k2)
	}
}

func mapKeys[T any](ls []T, key func(T) string) []string {
	var out []string
	for _, l := range ls {
		out = append(out, key(l))
	}
	slices.Sort(out)
	return out
}

// A file of garbage never stops the import: every line is counted under
// its reason and the first few are kept with their line numbers. Strict,
// the first bad line is the error.
func TestImportGarbageCountedByReason(t *testing.T) {
	good := statusLine(t, nil)
	garbage := []string{
		"hello world", // 1 unknown type: no PAN-OS payload
		"<14>Nov 30 16:44:36 fw 1,2018/11/30 16:44:36,0123,BANANA,x",                  // 2 unknown log type
		"<14>Nov 30 16:44:36 fw 1,2018/11/30 16:44:36,0123,THREAT,vulnerability,2049", // 3 too few fields
		good, // 4 a good line among them
		statusLine(t, map[int]string{1: "2018/13/30 16:44:36"}),       // 5 bad time (month 13)
		statusLine(t, map[int]string{25: "80x"}),                      // 6 bad number (port)
		statusLine(t, map[int]string{23: "-1"}),                       // 7 bad number (repeat count)
		`{"message": 42}`,                                             // 8 JSON without a raw string
		`{"message": "`,                                               // 9 bad JSON
		strings.Replace(good, `alert,"",`, `alert,"unterminated,`, 1), // 10 bad quoting
		"\x00\x01\x02 binary",                                         // 11
	}
	in := strings.Join(garbage, "\n") + "\n"
	var c imported
	im := newTestImporter(t, ImportOptions{BadSamples: 3}, &c)
	read(t, im, "junk.log", in)
	s := im.Stats()
	want := map[string]int64{BadUnknownType: 3, BadTooFew: 1, BadTime: 1, BadNumber: 2, BadNoRawField: 1, BadJSON: 1, BadQuoting: 1}
	if fmt.Sprint(s.Bad) != fmt.Sprint(want) {
		t.Errorf("bad = %v; want %v", s.Bad, want)
	}
	if len(c.threats) != 1 || s.Threat != 1 || s.Lines != 11 {
		t.Errorf("%d records (%d threat) of %d lines; want the one good line of 11", len(c.threats), s.Threat, s.Lines)
	}
	if len(s.BadLines) != 3 || s.BadLines[0].Line != 1 || s.BadLines[2].Line != 3 || s.BadLines[0].File != "junk.log" {
		t.Errorf("bad samples = %v; want lines 1, 2, 3 of junk.log", s.BadLines)
	}
	if got := s.BadLines[1].String(); !strings.Contains(got, "junk.log:2:") || !strings.Contains(got, `log type "BANANA"`) {
		t.Errorf("bad line 2 reads %q; want file:line and the type", got)
	}

	var c2 imported
	strict := newTestImporter(t, ImportOptions{Strict: true}, &c2)
	err := strict.Read(context.Background(), "junk.log", strings.NewReader(in), -1)
	var ble *BadLineError
	if !errors.As(err, &ble) || ble.Line != 1 || ble.Reason != BadUnknownType {
		t.Errorf("strict Read = %v; want a *BadLineError at junk.log:1", err)
	}
}

// gzip input is recognised by its magic number, whatever the file's name.
func TestImportGzip(t *testing.T) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	fmt.Fprintln(zw, statusLine(t, map[int]string{36: "1"}))
	fmt.Fprintln(zw, statusLine(t, map[int]string{36: "2"}))
	zw.Close()
	var c imported
	im := newTestImporter(t, ImportOptions{}, &c)
	read(t, im, "logs", buf.String())
	if len(c.threats) != 2 {
		t.Errorf("gzip: %d records (bad %v); want 2", len(c.threats), im.Stats().BadLines)
	}
}

// The window keeps what was received in it (closed at both ends); traffic
// of other rules is counted apart when only the catch-all is wanted.
func TestImportWindowAndRules(t *testing.T) {
	var in []string
	for _, ts := range []string{"2019/07/24 11:59:59", "2019/07/24 12:00:00", "2019/07/24 13:00:00", "2019/07/24 13:00:01"} {
		in = append(in, statusLine(t, map[int]string{1: ts, 36: ts[11:13] + ts[14:16] + ts[17:]}))
	}
	tr := string(realLine(t, "layer3-pan-os-syslog.log", 1)) // TRAFFIC of Example-Rule-Name
	in = append(in, tr)
	var c imported
	w := mine.Window{From: utc(2019, 7, 24, 12, 0, 0), To: utc(2019, 7, 24, 13, 0, 0)}
	im := newTestImporter(t, ImportOptions{Window: w, KeepTraffic: func(r string) bool { return r == "Allow-Web" }}, &c)
	read(t, im, "w", strings.Join(in, "\n"))
	s := im.Stats()
	// the traffic line is from 2019/07/14, outside too
	if len(c.threats) != 2 || s.Skipped[SkipOutside] != 3 {
		t.Errorf("window: %d kept, skipped %v; want 2 kept, 3 outside", len(c.threats), s.Skipped)
	}
	c = imported{}
	im = newTestImporter(t, ImportOptions{KeepTraffic: func(r string) bool { return r == "Allow-Web" }}, &c)
	read(t, im, "r", tr)
	if s := im.Stats(); len(c.traffic) != 0 || s.Skipped[SkipOtherRule] != 1 {
		t.Errorf("other rule: %d kept, skipped %v; want it skipped", len(c.traffic), s.Skipped)
	}
}

// Threat IDs: Name(ID), a bare ID (named from the catalog), a bare name;
// IDs outside the signatures' range are other threats.
func TestImportThreatIDForms(t *testing.T) {
	names := map[int]string{41003: "HTTP-200", 41026: "HTTP-404"}
	var c imported
	im := newTestImporter(t, ImportOptions{ThreatName: func(id int) string { return names[id] }}, &c)
	in := []string{
		statusLine(t, map[int]string{32: "HTTP-200(41003)", 36: "1"}),
		statusLine(t, map[int]string{32: "41026", 36: "2"}),
		statusLine(t, map[int]string{32: "HTTP-503", 36: "3"}),
		statusLine(t, map[int]string{32: "Microsoft RPC Endpoint Mapper Detection(30845)", 36: "4"}),
		statusLine(t, map[int]string{32: "Custom thing", 36: "5"}),
	}
	read(t, im, "ids", strings.Join(in, "\n"))
	var got []string
	for _, l := range c.threats {
		got = append(got, fmt.Sprintf("%s/%d", l.ThreatName, l.ThreatID))
	}
	if want := []string{"HTTP-200/41003", "HTTP-404/41026", "HTTP-503/0"}; !slices.Equal(got, want) {
		t.Errorf("kept %v; want %v", got, want)
	}
	if s := im.Stats(); s.Skipped[SkipOtherThreat] != 2 {
		t.Errorf("skipped %v; want 2 other threats", s.Skipped)
	}
}

// A CSV export is read by its header's names, in any order; a second
// header row (exports concatenated) starts over; a byte order mark is
// ignored.
func TestImportCSVExportByHeader(t *testing.T) {
	in := "\xef\xbb\xbfDestination Port,Threat/Content Name,Receive Time,Type,Serial #,Rule,Source address,Destination address,Sequence Number,Repeat Count\n" +
		`443,"HTTP-404(41026)","2026/01/02 03:04:05",THREAT,"0123",web,10.0.0.1,10.0.0.2,77,3` + "\n" +
		"Type,Receive Time,Rule,Bytes,Sequence Number,Destination Port\n" +
		"TRAFFIC,2026/01/02 03:04:06,web,1234,78,8080\n"
	var c imported
	im := newTestImporter(t, ImportOptions{}, &c)
	read(t, im, "export.csv", in)
	if len(c.threats) != 1 || len(c.traffic) != 1 {
		t.Fatalf("%d threat, %d traffic (bad %v); want 1 and 1", len(c.threats), len(c.traffic), im.Stats().BadLines)
	}
	th, tr := c.threats[0], c.traffic[0]
	if th.ThreatID != 41026 || th.ThreatName != "HTTP-404" || th.DstPort != 443 || th.Serial != "0123" || th.RepeatCount != 3 ||
		th.SeqNo != 77 || th.Src != "10.0.0.1" || !th.ReceiveTime.Equal(utc(2026, 1, 2, 3, 4, 5)) {
		t.Errorf("threat row = %+v", th)
	}
	if tr.Bytes != 1234 || tr.DstPort != 8080 || tr.SeqNo != 78 || tr.Rule != "web" {
		t.Errorf("traffic row = %+v", tr)
	}
}

// SIEM NDJSON: Elastic's nested event.original, a Splunk search export's
// result._raw, and a field the user names.
func TestImportNDJSON(t *testing.T) {
	line := statusLine(t, nil)
	q, _ := json.Marshal(line)
	in := fmt.Sprintf(`{"@timestamp":"x","event":{"original":%s}}`+"\n"+`{"preview":false,"result":{"_raw":%s}}`+"\n"+`{"payload":%s}`, q, q, q)
	var c imported
	im := newTestImporter(t, ImportOptions{JSONFields: []string{"payload"}}, &c)
	read(t, im, "siem.ndjson", in)
	if s := im.Stats(); s.Threat != 1 || s.Duplicates != 2 || len(s.Bad) != 0 {
		t.Errorf("threat %d, duplicates %d, bad %v; want the same record three times", s.Threat, s.Duplicates, s.BadLines)
	}
}

// A line longer than the bound is counted, and the next line is read.
func TestImportTooLongLine(t *testing.T) {
	in := strings.Repeat("x", maxLine+10) + "\n" + statusLine(t, nil) + "\n"
	var c imported
	im := newTestImporter(t, ImportOptions{}, &c)
	read(t, im, "long", in)
	if s := im.Stats(); s.Bad[BadTooLong] != 1 || len(c.threats) != 1 || s.Lines != 2 {
		t.Errorf("bad %v, %d records, %d lines; want one too long, one record, two lines", s.Bad, len(c.threats), s.Lines)
	}
}

// Device-local times: --device-tz wins, and a record whose
// high_res_timestamp disagrees is counted; without it the offset places
// the record.
func TestImportDeviceZone(t *testing.T) {
	// PAN-OS 10.2 RFC 5424 traffic line, high_res_timestamp -04:00 (layer3 line 5)
	line := string(realLine(t, "layer3-pan-os-syslog.log", 5))
	berlin, _ := time.LoadLocation("Europe/Berlin")
	var c imported
	im := newTestImporter(t, ImportOptions{DeviceTZ: berlin}, &c)
	read(t, im, "z", line)
	s := im.Stats()
	// 2025/07/14 09:50:35 in Berlin (CEST, +02:00) is 07:50:35 UTC
	if len(c.traffic) != 1 || !c.traffic[0].ReceiveTime.Equal(utc(2025, 7, 14, 7, 50, 35)) || s.ZoneMismatch != 1 || s.WithZone != 1 {
		t.Errorf("traffic %v, zone %d, mismatch %d; want 07:50:35 UTC by --device-tz, one mismatch", c.traffic, s.WithZone, s.ZoneMismatch)
	}
	if note := s.TimeZoneNote(); !strings.Contains(note, "Europe/Berlin") || !strings.Contains(note, "different offset") {
		t.Errorf("note %q", note)
	}
}

// The records interface: exactly the keys the issue lists, per type.
func TestRecordWriterKeys(t *testing.T) {
	var buf bytes.Buffer
	rw := NewRecordWriter(&buf)
	th := mine.ThreatLog{ReceiveTime: time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600)), Serial: "s", SeqNo: 1 << 63,
		SessionID: 9, Src: "a", Dst: "b", SrcPort: 1, DstPort: 2, Rule: "r\"1", App: "web", FromZone: "f", ToZone: "t",
		ThreatID: 41003, ThreatName: "HTTP-200", URL: "h/p?q=\x01\xff", RepeatCount: 3, Action: "alert"}
	tr := mine.TrafficLog{Serial: "s", Bytes: 1234, Rule: "r"}
	if err := rw.Threat(&th); err != nil {
		t.Fatal(err)
	}
	if err := rw.Traffic(&tr); err != nil {
		t.Fatal(err)
	}
	if err := rw.Flush(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines", len(lines))
	}
	common := []string{"action", "app", "dport", "dst", "from", "receive_time", "repeat_count", "rule", "seqno", "serial", "session_id", "sport", "src", "to", "type"}
	for i, extra := range [][]string{{"misc", "threat_id", "threat_name"}, {"bytes"}} {
		var m map[string]any
		d := json.NewDecoder(strings.NewReader(lines[i]))
		d.UseNumber()
		if err := d.Decode(&m); err != nil {
			t.Fatalf("line %d %q: %v", i, lines[i], err)
		}
		var keys []string
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		want := append(slices.Clone(common), extra...)
		slices.Sort(want)
		if !slices.Equal(keys, want) {
			t.Errorf("line %d keys %v; want %v", i, keys, want)
		}
		if i == 0 {
			if m["receive_time"] != "2026-01-02T02:04:05Z" || m["seqno"] != json.Number("9223372036854775808") ||
				m["threat_id"] != json.Number("41003") || m["rule"] != `r"1` || m["misc"] != "h/p?q=\x01\ufffd" || m["type"] != "THREAT" {
				t.Errorf("threat record %v", m)
			}
		} else if m["bytes"] != json.Number("1234") || m["type"] != "TRAFFIC" {
			t.Errorf("traffic record %v", m)
		}
	}
}

// The catch-all without a rulebase: one traffic rule names it, several
// are listed to choose from.
func TestImportStatsCatchAll(t *testing.T) {
	s := &ImportStats{TrafficRules: map[string]int64{"Allow-Web-Ports": 10}}
	if got, err := s.CatchAll(); err != nil || !slices.Equal(got, []string{"Allow-Web-Ports"}) {
		t.Errorf("CatchAll = %v, %v", got, err)
	}
	s.TrafficRules["dns"] = 40
	_, err := s.CatchAll()
	if err == nil || !strings.Contains(err.Error(), `"dns" (40 sessions), "Allow-Web-Ports" (10 sessions)`) || !strings.Contains(err.Error(), "--catch-all") {
		t.Errorf("CatchAll error = %v", err)
	}
	w, ok := (&ImportStats{First: utc(2026, 1, 1, 10, 30, 0), Last: utc(2026, 1, 8, 9, 0, 0)}).Span()
	if !ok || !w.From.Equal(utc(2026, 1, 1, 10, 0, 0)) || !w.To.Equal(utc(2026, 1, 8, 9, 0, 0)) {
		t.Errorf("Span = %v", w)
	}
}

// Headers no real sample was found for, built here: an rsyslog RFC 3339
// timestamp before the host, and an octet count before a BSD header.
func TestImportOtherHeaders(t *testing.T) {
	_, f := template(t)
	payload := strings.Join(f, ",")
	payload = strings.Replace(payload, "Microsoft RPC Endpoint Mapper Detection(30845)", "HTTP-200(41003)", 1)
	var c imported
	im := newTestImporter(t, ImportOptions{}, &c)
	read(t, im, "h", "2019-07-24T12:12:23.123456-07:00 fw1 "+payload+"\n"+
		"1104 <14>Jul 24 12:12:23 fw1 "+strings.Replace(payload, ",89814684,", ",89814685,", 1)+"\n")
	if s := im.Stats(); len(c.threats) != 2 || len(s.Bad) != 0 {
		t.Errorf("%d records, bad %v; want both lines read", len(c.threats), s.BadLines)
	}
}

// A line far over the bound (several buffers' worth) is one bad line.
func TestImportVeryLongLine(t *testing.T) {
	in := strings.Repeat("y", 3*maxLine) + "\n" + statusLine(t, nil) + "\n"
	var c imported
	im := newTestImporter(t, ImportOptions{}, &c)
	read(t, im, "long", in)
	if s := im.Stats(); s.Bad[BadTooLong] != 1 || len(c.threats) != 1 || s.Lines != 2 {
		t.Errorf("bad %v, %d records, %d lines; want one too long, one record, two lines", s.Bad, len(c.threats), s.Lines)
	}
}

// Parsed on several workers, the lines give the records, in the order and
// with the counts one goroutine gives: bad lines, header rows and all.
func TestImportParallelMatchesSequential(t *testing.T) {
	var b strings.Builder
	for i := range 3000 {
		switch i % 7 {
		case 3:
			b.WriteString("garbage line\n")
		case 5:
			b.WriteString(statusLine(t, map[int]string{36: fmt.Sprint(i - 1)}) + "\n") // a duplicate of the line before
		default:
			b.WriteString(statusLine(t, map[int]string{36: fmt.Sprint(i), 22: fmt.Sprint(i)}) + "\n")
		}
	}
	in := b.String()
	run := func(workers int) (imported, *ImportStats) {
		var c imported
		im := newTestImporter(t, ImportOptions{BadSamples: 50}, &c)
		im.setWorkers(workers)
		read(t, im, "p", in)
		return c, im.Stats()
	}
	seq, s1 := run(1)
	par, s2 := run(4)
	if len(seq.threats) == 0 || !slices.EqualFunc(seq.threats, par.threats, func(a, b mine.ThreatLog) bool { return a == b }) {
		t.Errorf("parallel records differ: %d vs %d", len(par.threats), len(seq.threats))
	}
	if fmt.Sprint(s1.Bad, s1.Lines, s1.Duplicates, s1.BadLines) != fmt.Sprint(s2.Bad, s2.Lines, s2.Duplicates, s2.BadLines) {
		t.Errorf("parallel counts %v %d %d; sequential %v %d %d", s2.Bad, s2.Lines, s2.Duplicates, s1.Bad, s1.Lines, s1.Duplicates)
	}
	// strict stops at the same line
	for _, w := range []int{1, 4} {
		var c imported
		im := newTestImporter(t, ImportOptions{Strict: true}, &c)
		im.setWorkers(w)
		err := im.Read(context.Background(), "p", strings.NewReader(in), -1)
		var ble *BadLineError
		if !errors.As(err, &ble) || ble.Line != 4 || len(c.threats) != 3 {
			t.Errorf("workers %d: strict = %v after %d records; want line 4 after 3", w, err, len(c.threats))
		}
	}
}

// Every byte value at every position of a block is marked as what it is:
// a comma in the first mask, a quote or an opening brace in the second,
// anything else in neither; by classify and by classifyGeneric, each
// checked against the byte itself.
func TestClassifyMarksEachByte(t *testing.T) {
	marksEachByte(t, "classify", classify)
	marksEachByte(t, "classifyGeneric", classifyGeneric)
}

// marksEachByte checks one classifier as TestClassifyMarksEachByte says.
func marksEachByte(t *testing.T, name string, classify func([]byte, []uint64)) {
	t.Helper()
	for c := range 256 {
		block := bytes.Repeat([]byte{'a'}, 3*64)
		for i := 64; i < 128; i += 7 { // the middle block, positions 0, 7, ... 63
			block[i] = byte(c)
		}
		block[127] = byte(c)
		out := make([]uint64, 6)
		classify(block, out)
		var want uint64
		for i := 64; i < 128; i++ {
			if block[i] == byte(c) {
				want |= 1 << (i - 64)
			}
		}
		wantComma, wantSpecial := uint64(0), uint64(0)
		switch c {
		case ',':
			wantComma = want
		case '"', '{':
			wantSpecial = want
		}
		if out[2] != wantComma || out[3] != wantSpecial || out[0]|out[1]|out[4]|out[5] != 0 {
			t.Fatalf("%s: byte %#x: masks %#x; want middle block %#x %#x and nothing else", name, c, out, wantComma, wantSpecial)
		}
	}
}

// A line followed in its buffer by more bytes (commas, quotes, braces:
// the next lines) splits into the fields it has, no more, as the same
// line alone does: the bytes past its end are classified with its last
// block but never count. The counts are the lines' own, by hand (the
// real 8.1 threat line has 75 fields, the 10.0 one 120).
func TestSplitIgnoresBytesPastLine(t *testing.T) {
	real81 := realLine(t, "layer3-pan-os-syslog.log", 8)
	real10 := realLine(t, "layer3-pan-os-syslog.log", 23)
	for i, c := range []struct {
		line string
		n    int
	}{
		{"a,b,c", 3},
		{strings.Repeat("a", 63) + ",b", 2},
		{strings.Repeat("a,", 32), 33},
		{strings.Repeat("a,", 32) + "b", 33},
		{`"q,1",` + strings.Repeat("z", 60), 2},
		{strings.Repeat("y", 100) + `,"tail`, 0}, // never closes: bad quoting
		{string(real81[bytes.Index(real81, []byte("1,2019/")):]), 75},
		{string(real10[bytes.Index(real10, []byte("1,2022/")):]), 120},
	} {
		for _, after := range []string{"", `,,"x,{y},z"` + strings.Repeat(",", 130)} {
			buf := []byte(c.line + after)
			line := buf[:len(c.line)]
			var got, alone csvFields
			err := got.split(line)
			errAlone := alone.split(slices.Clip([]byte(c.line)))
			if c.n == 0 {
				if err == nil || errAlone == nil {
					t.Errorf("%d (%d bytes after): %v, alone %v; want bad quoting", i, len(after), err, errAlone)
				}
				continue
			}
			if err != nil || got.n != c.n || alone.n != c.n {
				t.Fatalf("%d (%d bytes after): %d fields (%v), alone %d; want %d", i, len(after), got.n, err, alone.n, c.n)
			}
			for f := range c.n {
				if string(got.field(f)) != string(alone.field(f)) {
					t.Errorf("%d (%d bytes after): field %d = %q; alone %q", i, len(after), f, got.field(f), alone.field(f))
				}
			}
		}
	}
}

// selectBit finds set bit j of m, against the bits counted one by one.
func TestSelectBit(t *testing.T) {
	for _, m := range []uint64{1, 1 << 63, 0xffffffffffffffff, 0x8000000100008001, 0x0123456789abcdef, 0xf0f0f0f0f0f0f0f0} {
		j := 0
		for pos := range 64 {
			if m&(1<<pos) == 0 {
				continue
			}
			if got := selectBit(m, j); got != pos {
				t.Errorf("selectBit(%#x, %d) = %d; want %d", m, j, got, pos)
			}
			j++
		}
	}
}

// digits8 reads what strconv reads, for every length it takes, and turns
// down what is not a plain decimal (numSlow then says why).
func TestDigits8(t *testing.T) {
	buf := []byte("00000000,")
	for _, s := range []string{"0", "7", "42", "443", "8080", "65535", "100000", "7000000", "99999999", "12345678",
		"00000001", "1a", "a1", "+1", "-1", " 1", "1 ", "1/", ":1", "\x001", "１", "123456789"} {
		line := append([]byte(s), buf...) // bytes after the field, as in a line
		got, ok := digits8(line[:len(s)])
		want, err := strconv.ParseUint(s, 10, 64)
		wantOK := err == nil && len(s) <= 8 && s[0] != '+'
		if ok != wantOK || ok && got != want {
			t.Errorf("digits8(%q) = %d, %v; want %d, %v", s, got, ok, want, wantOK)
		}
	}
	if _, ok := digits8([]byte("123")[:3:3]); ok { // nothing to load after it
		t.Errorf("digits8 of a 3-byte slice with no room after = ok; want the slow path")
	}
}

// Cut from whole chunks of the input, the lines are those one read at a
// time gives, with the same numbers: lines that span chunks, blank lines,
// CRLF ends, a line too long after the first, a last line without its
// end, and a reader that returns a little at a time.
func TestImportChunksMatchLines(t *testing.T) {
	var b strings.Builder
	for i := range 2000 {
		switch {
		case i == 700:
			b.WriteString(strings.Repeat("z", maxLine+100) + "\n")
		case i == 1500:
			b.WriteString(strings.Repeat("w", maxLine-50) + "\n") // long, not too long: a bad line
		case i%11 == 4:
			b.WriteString("\n")
		case i%13 == 6:
			b.WriteString("garbage, line\r\n")
		default:
			b.WriteString(statusLine(t, map[int]string{36: fmt.Sprint(i), 22: fmt.Sprint(i)}) + "\r\n")
		}
	}
	b.WriteString(statusLine(t, map[int]string{36: "99999"})) // no line end
	in := b.String()
	type result struct {
		threats  []mine.ThreatLog
		stats    string
		badLines []BadLine
	}
	run := func(workers, chunk int, r io.Reader) result {
		var c imported
		im := newTestImporter(t, ImportOptions{BadSamples: 500}, &c)
		im.setWorkers(workers)
		im.chunk = chunk
		if err := im.Read(context.Background(), "c", r, -1); err != nil {
			t.Fatalf("chunk %d: %v", chunk, err)
		}
		s := im.Stats()
		return result{c.threats, fmt.Sprint(s.Lines, s.Threat, s.Duplicates, s.Bad, s.Skipped), s.BadLines}
	}
	want := run(1, 0, strings.NewReader(in))
	// hand-counted: of i < 2000, 182 have i%11 == 4, less 1500: 181
	// blank lines; 154 have i%13 == 6, 14 of them also i%11 == 4
	// (i%143 == 136): 140 garbage lines, and the long one is garbage
	// too; 2000-181-140-2 status lines and the last
	var c imported
	seq := newTestImporter(t, ImportOptions{}, &c)
	seq.setWorkers(1)
	read(t, seq, "c", in)
	if s := seq.Stats(); len(c.threats) != 1678 || s.Bad[BadTooLong] != 1 || s.Bad[BadUnknownType] != 141 || len(s.Bad) != 2 {
		t.Fatalf("read line by line: %d records, bad %v; want 1678, 1 too long and 141 unknown", len(c.threats), s.Bad)
	}
	for _, chunk := range []int{1, 97, 4096, 0} {
		for _, r := range []io.Reader{strings.NewReader(in), iotest.HalfReader(strings.NewReader(in))} {
			got := run(2, chunk, r)
			if got.stats != want.stats {
				t.Errorf("chunk %d: %s\nwant %s", chunk, got.stats, want.stats)
			}
			if i := slices.IndexFunc(got.badLines, func(l BadLine) bool { return !slices.Contains(want.badLines, l) }); i >= 0 || len(got.badLines) != len(want.badLines) {
				t.Errorf("chunk %d: %d bad lines (first not read line by line: %d), want %d", chunk, len(got.badLines), i, len(want.badLines))
			}
			if !slices.EqualFunc(got.threats, want.threats, func(a, b mine.ThreatLog) bool { return a == b }) {
				t.Errorf("chunk %d: %d records differ from the %d read line by line", chunk, len(got.threats), len(want.threats))
			}
		}
	}
}

// Wall clocks of days read before, in any order, give the times their
// digits say: dates that share a cache slot (the 5th of two months or of
// two years) do not mix, and an impossible date is bad whatever was read
// before.
func TestLogTimeDays(t *testing.T) {
	b := newRecordBuilder(nil, 41000, 41059, nil)
	for i, c := range []struct {
		raw  string
		want time.Time
		bad  bool
	}{
		{raw: "2026/03/05 10:00:00", want: time.Date(2026, 3, 5, 10, 0, 0, 0, time.UTC)},
		{raw: "2026/04/05 11:30:01", want: time.Date(2026, 4, 5, 11, 30, 1, 0, time.UTC)},
		{raw: "2026/03/05 12:00:59", want: time.Date(2026, 3, 5, 12, 0, 59, 0, time.UTC)},
		{raw: "2026/03/21 00:00:00", want: time.Date(2026, 3, 21, 0, 0, 0, 0, time.UTC)},
		{raw: "2026/03/05 23:59:59", want: time.Date(2026, 3, 5, 23, 59, 59, 0, time.UTC)},
		{raw: "2025/03/05 01:02:03", want: time.Date(2025, 3, 5, 1, 2, 3, 0, time.UTC)},
		{raw: "2026/02/30 00:00:00", bad: true},
		{raw: "2026/03/05 24:00:00", bad: true},
		{raw: "2026-03-05 08:00:00", want: time.Date(2026, 3, 5, 8, 0, 0, 0, time.UTC)},
		{raw: "2026/03/05 08:00:00", want: time.Date(2026, 3, 5, 8, 0, 0, 0, time.UTC)},
	} {
		got, err := b.logTime([]byte(c.raw))
		if c.bad != (err != nil) || !got.wall.Equal(c.want) {
			t.Errorf("%d: logTime(%s) = %v, %v; want %v (bad %v)", i, c.raw, got.wall, err, c.want, c.bad)
		}
	}
}

// A parser that reads line after line takes a run of fields (see
// fieldGroup) as the last line's only when the last line was read in
// full by the same layout: each line's fields below are written by hand
// from the lines, and the whole record must equal what a new parser,
// with no last line, makes of the same line. Lines change one field of
// a run, swap two, switch to a traffic log and back, come after a
// skipped line or a bad one that had set other values, or quote a
// field inside a run (with a comma, with doubled quotes).
func TestFieldGroupsFollowLines(t *testing.T) {
	type want struct {
		kind                                    kind
		serial, subtype, app, vsys, from, to    string
		proto, action, severity, direction, err string
	}
	traffic := string(realLine(t, "layer3-pan-os-syslog.log", 1))
	// the template: msrpc-base, vsys413, my-src-zone to my-dst-zone
	tmpl := want{kind: kindThreat, serial: "012001011326", subtype: "vulnerability", app: "msrpc-base", vsys: "vsys413",
		from: "my-src-zone", to: "my-dst-zone", proto: "tcp", action: "alert", severity: "informational", direction: "client-to-server"}
	web := tmpl
	web.app = "web-browsing"
	swapped := web
	swapped.from, swapped.to = "my-dst-zone", "my-src-zone"
	quoted := web
	quoted.from = "dmz,east"
	doubled := web
	doubled.to = `dmz "east"`
	sev := web
	sev.severity, sev.direction = "low", "server-to-client"
	lines := []struct {
		line string
		want want
	}{
		{statusLine(t, nil), tmpl},
		{statusLine(t, nil), tmpl},
		{statusLine(t, map[int]string{14: "web-browsing"}), web},
		{statusLine(t, map[int]string{14: "web-browsing", 16: "my-dst-zone", 17: "my-src-zone"}), swapped},
		{traffic, want{kind: kindTraffic, serial: "003924147953", subtype: "end", app: "incomplete", vsys: "vsys45",
			from: "My-Source-Zone", to: "My-Dest-Zone", proto: "tcp", action: "deny"}},
		{statusLine(t, map[int]string{14: "web-browsing"}), web},
		// a URL log is skipped after its subtype is read
		{statusLine(t, map[int]string{4: "url", 14: "web-browsing"}), want{kind: kindSkip}},
		{statusLine(t, map[int]string{14: "web-browsing"}), web},
		// a bad sequence number after the serial and vsys are read
		{statusLine(t, map[int]string{2: "999999999999", 14: "web-browsing", 15: "vsys9", 36: "12x"}), want{kind: kindBad, err: BadNumber}},
		{statusLine(t, map[int]string{14: "web-browsing"}), web},
		{statusLine(t, map[int]string{14: "web-browsing", 16: `"dmz,east"`}), quoted},
		{statusLine(t, map[int]string{14: "web-browsing", 16: `"dmz,east"`}), quoted},
		{statusLine(t, map[int]string{14: "web-browsing"}), web},
		// a doubled quote: the value is unquoted into the scratch buffer
		{statusLine(t, map[int]string{14: "web-browsing", 17: `"dmz ""east"""`}), doubled},
		{statusLine(t, map[int]string{14: "web-browsing", 17: `"dmz ""east"""`}), doubled},
		{statusLine(t, map[int]string{14: "web-browsing", 34: "low", 35: "server-to-client"}), sev},
		{statusLine(t, map[int]string{14: "web-browsing"}), web},
	}
	o := ImportOptions{MinThreatID: 41000, MaxThreatID: 41059}
	p := newLineParser(&o)
	hits := 0
	for i, l := range lines {
		var res lineResult
		p.parse([]byte(l.line), nil, &res)
		w := l.want
		if res.kind != w.kind || (w.kind == kindBad) != (res.reason == w.err && w.err != "") {
			t.Fatalf("line %d: kind %d (%s %s); want %d %s", i+1, res.kind, res.reason, res.detail, w.kind, w.err)
		}
		var got want
		switch res.kind {
		case kindThreat:
			r := &res.threat
			got = want{kind: kindThreat, serial: r.Serial, subtype: r.Subtype, app: r.App, vsys: r.Vsys, from: r.FromZone, to: r.ToZone,
				proto: r.Proto, action: r.Action, severity: r.Severity, direction: r.Direction}
		case kindTraffic:
			r := &res.traffic
			got = want{kind: kindTraffic, serial: r.Serial, subtype: r.Subtype, app: r.App, vsys: r.Vsys, from: r.FromZone, to: r.ToZone,
				proto: r.Proto, action: r.Action}
		default:
			continue
		}
		if got != w {
			t.Errorf("line %d:\n got %+v\nwant %+v", i+1, got, w)
		}
		var fresh lineResult
		newLineParser(&o).parse([]byte(l.line), nil, &fresh)
		if fresh.threat != res.threat || fresh.traffic != res.traffic {
			t.Errorf("line %d: record differs from a new parser's:\n got %+v\nwant %+v", i+1, res.threat, fresh.threat)
		}
		hits++
	}
	if hits != 15 {
		t.Errorf("%d records checked; want 15", hits)
	}
}

// Threat fields read one after another give each its own name and ID,
// read by hand, whatever the cache of fields holds: fields sharing a slot
// (the same last two digits), the same field again after another, and a
// bad one, which is not kept and fails each time.
func TestThreatFieldCache(t *testing.T) {
	b := newRecordBuilder(nil, 41000, 41059, nil)
	for i, tc := range []struct {
		field, name string
		id          int
		bad         bool
	}{
		{"HTTP-200(41003)", "HTTP-200", 41003, false},
		{"Other Signature(51003)", "Other Signature", 51003, false}, // slot of "03"
		{"HTTP-200(41003)", "HTTP-200", 41003, false},
		{"HTTP-299(41103)", "HTTP-299", 41103, false}, // as long, same slot
		{"HTTP-404 (41026)", "HTTP-404", 41026, false},
		{"(9999)", "", 9999, false},
		{"9999", "", 9999, false},
		{"9999(9999)", "9999", 9999, false},
		{"HTTP-200", "HTTP-200", 0, false},
		{"HTTP-200(41003", "HTTP-200(41003", 0, false},
		{"name(1234567890)", "name(1234567890)", 0, false}, // ten digits: not an ID
		{"12345678901", "", 0, true},
		{"12345678901", "", 0, true},
		{"x", "x", 0, false},
		{"Other Signature(51003)", "Other Signature", 51003, false},
		{"HTTP-200(41003)", "HTTP-200", 41003, false},
	} {
		name, id, err := b.threatField([]byte(tc.field))
		if (err != nil) != tc.bad || name != tc.name || id != tc.id {
			t.Errorf("field %d %q: %q, %d, %v; want %q, %d, bad %v", i, tc.field, name, id, err, tc.name, tc.id, tc.bad)
		}
	}
}

// A line of another log type is skipped under its type even when a field
// past the type has a quote that never closes, whatever the line before
// was: a parser that splits the first run of the last line's layout at
// once (readPANOS's ahead) goes back to the type alone. The same quote in
// a threat line is a bad line, after a threat line or alone.
func TestAheadKeepsSkips(t *testing.T) {
	system := `<14>Mar  1 00:00:00 fw 1,2026/03/01 00:00:00,012001011326,SYSTEM,general,0,2026/03/01 00:00:00,,general,,0,0,general,informational,"a description, never closed,0,0,0,0,,fw`
	badThreat := statusLine(t, map[int]string{20: `"unclosed`})
	o := ImportOptions{MinThreatID: 41000, MaxThreatID: 41059}
	for _, tc := range []struct {
		lines   []string
		threats int
		skipped string
		bad     int
	}{
		{[]string{statusLine(t, nil), system, statusLine(t, nil)}, 2, "system", 0},
		{[]string{system}, 0, "system", 0},
		{[]string{statusLine(t, nil), badThreat, statusLine(t, nil)}, 2, "", 1},
		{[]string{badThreat}, 0, "", 1},
	} {
		p := newLineParser(&o)
		threats, bad, skipped := 0, 0, ""
		for _, l := range tc.lines {
			var res lineResult
			p.parse([]byte(l), nil, &res)
			switch res.kind {
			case kindThreat:
				threats++
			case kindSkip:
				skipped = res.reason
			case kindBad:
				if res.reason != BadQuoting {
					t.Errorf("%d lines: bad %s; want %s", len(tc.lines), res.reason, BadQuoting)
				}
				bad++
			}
		}
		if threats != tc.threats || skipped != tc.skipped || bad != tc.bad {
			t.Errorf("%d lines: %d threats, skipped %q, %d bad; want %d, %q, %d", len(tc.lines), threats, skipped, bad, tc.threats, tc.skipped, tc.bad)
		}
	}
}
