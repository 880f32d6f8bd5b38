package collect

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/panos-mine/mine"
)

// Fuzz targets for the parsers of imported lines. Seeds are the real lines
// of testdata/real/syslog; go test -fuzz=FuzzX ./collect runs one.

func realSeeds(f *testing.F, extra ...any) {
	for _, name := range []string{"layer3-pan-os-syslog.log", "sc4s-palo_alto.log", "cef-unattributed.log", "layer3-cef-panos.log",
		"sukster-sample_log1.txt", "cribl-Gq5Bjl.json"} {
		b, err := readRealFile("syslog/" + name)
		if err != nil {
			f.Fatal(err)
		}
		for _, l := range bytes.Split(b, []byte("\n")) {
			f.Add(append([]any{string(l)}, extra...)...)
		}
	}
}

// encodeCSV writes fields as PAN-OS does: quoted when they hold a comma, a
// quote or a leading brace, a quote doubled.
func encodeCSV(fields []string) string {
	var b strings.Builder
	for i, f := range fields {
		if i > 0 {
			b.WriteByte(',')
		}
		if strings.ContainsAny(f, ",\"") || strings.HasPrefix(f, "{") {
			b.WriteByte('"')
			b.WriteString(strings.ReplaceAll(f, `"`, `""`))
			b.WriteByte('"')
			continue
		}
		b.WriteString(f)
	}
	return b.String()
}

// Fields written the way PAN-OS writes them split back into the same
// fields.
func FuzzSplitCSV(f *testing.F) {
	f.Add("a\tb,c\td\"e\t\t{x,y}")
	f.Add(`"x""y"`)
	realSeeds(f)
	f.Fuzz(func(t *testing.T, s string) {
		var c csvFields
		_ = c.split([]byte(s)) // arbitrary input: no panic
		fields := strings.Split(s, "\t")
		if len(fields) > maxFields {
			fields = fields[:maxFields]
		}
		enc := encodeCSV(fields)
		if err := c.split([]byte(enc)); err != nil {
			t.Fatalf("split(%q) of fields %q: %v", enc, fields, err)
		}
		if c.n != len(fields) {
			t.Fatalf("split(%q) = %d fields; want %d (%q)", enc, c.n, len(fields), fields)
		}
		for i := range fields {
			if string(c.field(i)) != fields[i] {
				t.Fatalf("split(%q) field %d = %q; want %q", enc, i, c.field(i), fields[i])
			}
		}
	})
}

// A whole line through the importer, in every format: no panic, each
// record it keeps has a receive time, and its JSON record is valid JSON.
func FuzzImportLine(f *testing.F) {
	realSeeds(f)
	f.Add(`{"event":{"original":"1,2020/12/04 11:09:37,0,THREAT,vulnerability,2305"}}`)
	f.Add("Receive Time,Type,Threat/Content Name\n2026/01/01 00:00:00,THREAT,HTTP-200(41003)")
	f.Fuzz(func(t *testing.T, s string) {
		for _, format := range []Format{FormatAuto, FormatSyslog, FormatStrata, FormatCSV, FormatCEF, FormatLEEF} {
			var out bytes.Buffer
			rw := NewRecordWriter(&out)
			check := func(at interface{ IsZero() bool }) {
				if at.IsZero() {
					t.Fatalf("format %s: a record without a receive time from %q", format, s)
				}
			}
			im, err := NewImporter(ImportOptions{Format: format, MinThreatID: 1, MaxThreatID: 1 << 30,
				Threat:  func(l *mine.ThreatLog) error { check(l.ReceiveTime); return rw.Threat(l) },
				Traffic: func(l *mine.TrafficLog) error { check(l.ReceiveTime); return rw.Traffic(l) }})
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range im.parsers {
				p.b.keepAll = true
			}
			if err := im.Read(context.Background(), "fuzz", strings.NewReader(s), -1); err != nil {
				t.Fatalf("format %s: Read = %v", format, err)
			}
			if err := rw.Flush(); err != nil {
				t.Fatal(err)
			}
			st := im.Stats()
			if n := st.Threat + st.Traffic + st.Duplicates + sum(st.Skipped) + sum(st.Bad); n > st.Lines {
				t.Fatalf("format %s: %d outcomes for %d lines", format, n, st.Lines)
			}
			for _, l := range bytes.Split(bytes.TrimSpace(out.Bytes()), []byte("\n")) {
				if len(l) > 0 && !json.Valid(l) {
					t.Fatalf("format %s: record %q is not JSON", format, l)
				}
			}
			for _, b := range st.BadLines {
				if !utf8.ValidString(b.Text) {
					t.Fatalf("bad line excerpt %q is not UTF-8", b.Text)
				}
			}
		}
	})
}

func sum(m map[string]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}

// CEF extensions: no panic, and every pair's key is a key.
func FuzzCEF(f *testing.F) {
	realSeeds(f)
	f.Fuzz(func(t *testing.T, s string) {
		var r rawRecord
		_, _ = readCEF([]byte(s), nil, &r)
		for _, p := range cefPairs([]byte(s), nil) {
			if len(p.k) == 0 {
				t.Fatalf("empty key from %q", s)
			}
			for _, c := range p.k {
				if !isKeyByte(c) {
					t.Fatalf("key %q from %q", p.k, s)
				}
			}
		}
	})
}

// LEEF attributes: no panic.
func FuzzLEEF(f *testing.F) {
	f.Add("LEEF:2.0|Palo Alto Networks|PAN-OS Syslog Integration|9.1|allow|x7C|cat=TRAFFIC|ReceiveTime=2020/09/03 09:54:59")
	f.Add("LEEF:1.0|a|b|c|d|cat=THREAT\tdevTime=Sep 03 2020 14:54:59 GMT")
	realSeeds(f)
	f.Fuzz(func(t *testing.T, s string) {
		var r rawRecord
		_ = readLEEF([]byte(s), &r)
	})
}

// Log times: no panic; a wall clock read back prints as it was written.
func FuzzParseLogTime(f *testing.F) {
	for _, s := range []string{"2024/05/08 01:10:31", "2024-05-08 01:10:31", "2021-10-27T19:20:59.000000Z",
		"2022-07-25T09:40:03.909-04:00", "May 08 2024 08:10:31 GMT", "1715155831000", "2024/02/30 25:00:00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		lt, err := parseLogTime([]byte(s))
		if err != nil || lt.wall.IsZero() {
			return
		}
		in := strings.TrimSpace(s)
		if got := lt.wall.Format("2006/01/02 15:04:05"); got != strings.ReplaceAll(in, "-", "/") {
			t.Fatalf("parseLogTime(%q) = %s", s, got)
		}
		_, _ = offsetOf([]byte(s))
	})
}

// JSON wrappers: no panic; a string found is the string put in.
func FuzzRawFromJSON(f *testing.F) {
	f.Add(`{"message":"x"}`, "x")
	f.Add(`{"result":{"_raw":"y"}}`, "y")
	f.Fuzz(func(t *testing.T, obj, s string) {
		_, _ = rawFromJSON([]byte(obj), []string{"a.b"})
		q, _ := json.Marshal(map[string]any{"a": map[string]string{"b": s}})
		got, err := rawFromJSON(q, []string{"a.b"})
		var want string // what JSON makes of s: each invalid byte becomes U+FFFD
		qs, _ := json.Marshal(s)
		_ = json.Unmarshal(qs, &want)
		if err != nil || got != want {
			t.Fatalf("rawFromJSON(%s) = %q, %v; want %q", q, got, err, want)
		}
	})
}

// followed returns s as a line whose buffer goes on with bytes that
// would count if read: commas, a quote and a brace.
func followed(s string) []byte {
	buf := []byte(s + `,"{,` + strings.Repeat(",", 70))
	return buf[:len(s)]
}

// scan, from comma to comma, finds the fields split finds one by one,
// stopped anywhere and resumed.
//
// The scanned line is followed in its buffer by commas, a quote and a
// brace, which must not count.
func FuzzScanMatchesSplit(f *testing.F) {
	realSeeds(f, 5)
	f.Add(`a,"b,""c""",{x,y},,"d"e,"`, 3)
	f.Fuzz(func(t *testing.T, s string, stop int) {
		var a, b csvFields
		errA := a.split([]byte(s))
		b.begin(followed(s))
		errB := b.scan(stop % maxFields)
		if errB == nil {
			errB = b.scan(maxFields)
		}
		if (errA == nil) != (errB == nil) {
			t.Fatalf("split error %v, scan error %v for %q", errA, errB, s)
		}
		if errA != nil {
			return
		}
		if a.n != b.n {
			t.Fatalf("split %d fields, scan %d for %q", a.n, b.n, s)
		}
		for i := range a.n {
			if string(a.field(i)) != string(b.field(i)) {
				t.Fatalf("field %d: split %q, scan %q for %q", i, a.field(i), b.field(i), s)
			}
		}
	})
}

// skip, counting commas eight bytes at a time, passes over the fields
// split finds one by one: after fields scanned up to stop and skip fields
// passed over, the count is split's and the fields scanned next are
// split's.
func FuzzSkipMatchesSplit(f *testing.F) {
	realSeeds(f, 5, 30)
	f.Add(`a,"b,""c""",{x,y},,"d"e,"`, 1, 3)
	f.Add(`ab"c,d{e,"f,g",{h,i},j`, 0, 2)
	f.Fuzz(func(t *testing.T, s string, stop, skip int) {
		stop, skip = abs(stop)%maxFields, abs(skip)%(maxFields+8)
		var a, b csvFields
		errA := a.split([]byte(s))
		b.begin(followed(s))
		errB := b.scan(stop)
		if errB == nil {
			errB = b.skip(skip)
		}
		from := b.n
		if errB == nil {
			errB = b.scan(maxFields)
		}
		if (errA == nil) != (errB == nil) {
			t.Fatalf("split error %v, scan and skip error %v for %q", errA, errB, s)
		}
		if errA != nil {
			return
		}
		if a.n != b.n {
			t.Fatalf("split %d fields, scan and skip(%d) %d for %q", a.n, skip, b.n, s)
		}
		if want := min(a.n, stop+1+skip); from != want {
			t.Fatalf("after scan(%d) and skip(%d): %d fields; want %d, for %q", stop, skip, from, want, s)
		}
		for i := from; i < a.n; i++ {
			if string(a.field(i)) != string(b.field(i)) {
				t.Fatalf("field %d: split %q, after skip %q for %q", i, a.field(i), b.field(i), s)
			}
		}
	})
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// classify, with the processor's vector instructions where there are
// some, marks what classifyGeneric marks, eight bytes at a time, in any
// input.
func FuzzClassify(f *testing.F) {
	realSeeds(f)
	f.Fuzz(func(t *testing.T, s string) {
		b := []byte(s)
		n := len(b) / 64
		got, want := make([]uint64, 2*n), make([]uint64, 2*n)
		classify(b, got)
		classifyGeneric(b, want)
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("classify word %d = %#x; generic %#x, for %q", i, got[i], want[i], s)
			}
		}
	})
}

// Lines read one after another by one parser give the records a new
// parser gives each line alone: the runs a parser compares with the last
// line (fieldGroup) never lend a value. The input is split into lines;
// the seeds are real lines and the template's status hits with a run
// changed, quoted or broken.
func FuzzFieldGroups(f *testing.F) {
	real, err := readRealFile("syslog/layer3-pan-os-syslog.log")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(real))
	f.Add(strings.Join([]string{statusLine(f, nil), statusLine(f, map[int]string{14: "ssl"}), statusLine(f, map[int]string{4: "url"}), statusLine(f, map[int]string{14: "ssl"}),
		statusLine(f, map[int]string{16: `"a,b"`}), statusLine(f, map[int]string{16: `"a,b"`}), statusLine(f, map[int]string{36: "x"}), statusLine(f, nil)}, "\n"))
	f.Add(strings.Join([]string{statusLine(f, map[int]string{17: `"z ""q"""`}), statusLine(f, map[int]string{17: `"z ""q"""`}), statusLine(f, map[int]string{2: "1", 3: "TRAFFIC"}), statusLine(f, nil)}, "\n"))
	o := ImportOptions{MinThreatID: 1, MaxThreatID: 1 << 30}
	f.Fuzz(func(t *testing.T, s string) {
		p := newLineParser(&o)
		p.b.keepAll = true
		for i, l := range strings.Split(s, "\n") {
			var got, want lineResult
			p.parse([]byte(l), nil, &got)
			q := newLineParser(&o)
			q.b.keepAll = true
			q.parse([]byte(l), nil, &want)
			if got.kind != want.kind || got.reason != want.reason || got.kind == kindThreat && got.threat != want.threat ||
				got.kind == kindTraffic && got.traffic != want.traffic {
				t.Fatalf("line %d %q: after the lines before, kind %d %s %+v %+v; alone %d %s %+v %+v",
					i+1, l, got.kind, got.reason, got.threat, got.traffic, want.kind, want.reason, want.threat, want.traffic)
			}
		}
	})
}
