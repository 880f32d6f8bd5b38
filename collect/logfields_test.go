package collect

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/panos-mine/mine"
)

// The field sets name exactly the fields the decoders read: every case of
// the switches in decodeEntries, threatField and trafficField is in its
// set, and every name of a set is a case. A field added to a switch but
// not to its set would be silently dropped from every entry.
func TestFieldSetsMatchDecoders(t *testing.T) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "logparse.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string][]string{}
	for _, d := range f.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok {
			continue
		}
		ast.Inspect(fn, func(n ast.Node) bool {
			if cc, ok := n.(*ast.CaseClause); ok {
				for _, e := range cc.List {
					if lit, ok := e.(*ast.BasicLit); ok && lit.Kind == token.STRING {
						s, _ := strconv.Unquote(lit.Value)
						cases[fn.Name.Name] = append(cases[fn.Name.Name], s)
					}
				}
			}
			return true
		})
	}
	if len(cases["decodeEntries"]) != 2 || len(cases["threatField"]) < 20 || len(cases["trafficField"]) < 20 {
		t.Fatalf("switch cases found: %v; the decoders' shape changed, update this test", cases)
	}
	members := func(fs *fieldSet) []string {
		var out []string
		for _, ns := range fs.byLen {
			out = append(out, ns...)
		}
		slices.Sort(out)
		return out
	}
	for _, c := range []struct {
		decoder string
		set     *fieldSet
	}{{"threatField", threatFields}, {"trafficField", trafficFields}} {
		want := slices.Concat(cases["decodeEntries"], cases[c.decoder])
		slices.Sort(want)
		want = slices.Compact(want) // receive_time is in both switches
		if got := members(c.set); !slices.Equal(got, want) {
			t.Errorf("%s's field set = %v\nwant the switches' cases %v", c.decoder, got, want)
		}
	}
}

func TestScannerLeaf(t *testing.T) {
	for _, c := range []struct {
		in         string
		name, text string
		ok         bool
	}{
		{`<seqno>12</seqno><x>`, "seqno", "12", true},
		{`<misc>"a.example/x?a=1&amp;b=2"</misc>`, "misc", `"a.example/x?a=1&amp;b=2"`, true},
		{`<srcuser></srcuser>`, "srcuser", "", true},
		{`<srcuser/>`, "", "", false},                   // empty element: nextTag's
		{`<srcloc cc="US">US</srcloc>`, "", "", false},  // attributes
		{`<misc><![CDATA[a<b]]></misc>`, "", "", false}, // CDATA
		{`<misc>a<!-- c --></misc>`, "", "", false},     // a comment in the text
		{`<a>x</b>`, "", "", false},
		{`<ab>x</a>`, "", "", false},
		{`<a>x</ab>`, "", "", false},
		{`<a>x</a`, "", "", false},
		{`<a>x`, "", "", false},
		{`<>x</>`, "", "", false},
		{` <a>x</a>`, "", "", false},
		{`</entry>`, "", "", false},
		{`<a><b>x</b></a>`, "", "", false}, // nested
	} {
		s := scanner{b: []byte(c.in)}
		name, text, ok := s.leaf()
		if ok != c.ok || string(name) != c.name || string(text) != c.text {
			t.Errorf("leaf(%s) = %q, %q, %v; want %q, %q, %v", c.in, name, text, ok, c.name, c.text, c.ok)
		}
		if want := len("<" + c.name + ">" + c.text + "</" + c.name + ">"); ok && s.p != want {
			t.Errorf("leaf(%s) moved to %d; want %d", c.in, s.p, want)
		}
		if !ok && s.p != 0 {
			t.Errorf("leaf(%s) moved to %d without reading a leaf", c.in, s.p)
		}
	}
}

// Sparing the decoders the fields they do not read changes nothing: the
// same records, the same bad entries, the same page, on the real recorded
// answer, a page of every odd form a field takes, and generated pages.
func TestFieldFilterChangesNothing(t *testing.T) {
	odd := threatPageHead +
		`<entry logid="1"><receive_time>2026/11/20 09:15:02</receive_time><serial>0070</serial><seqno>11</seqno>` +
		"\n  <type>THREAT</type>\n" + // whitespace between fields
		`<subtype>vulnerability</subtype><src>10.1.2.3</src><dst>10.20.5.11</dst><rule>Allow &amp; Web</rule>` +
		`<srcloc cc="US">US</srcloc><app cc="x">web-browsing</app>` + // attributes, on a kept field too
		`<unknown_field><nested>x</nested></unknown_field><srcuser/><from/>` +
		`<misc><![CDATA["a.example/<x>]]></misc><threatid>HTTP-200(41003)</threatid><sport>x</sport></entry>` + // a bad number
		`<entry logid="2"><receive_time>2026/11/20 23:59:59</receive_time><serial>0070</serial><seqno>12</seqno>` +
		`<threatid>HTTP-404(41026)</threatid><misc>"wiki.corp.example/old/logo.png"</misc><to>dmz</to><!-- c --></entry>` +
		`<entry logid="3"><receive_time>2026/11/21 00:00:00</receive_time><tid>41049</tid></entry>` + // no seqno
		`</logs></log></result></response>`
	loc, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		t.Fatal(err)
	}
	type got struct {
		page    logPage
		err     error
		records []string
	}
	run := func(body []byte, threat bool, keep bool) got {
		d := newEntryDecoder(loc)
		var g got
		note := func(rec any, m *entryMeta) error {
			g.records = append(g.records, fmt.Sprintf("%+v bad=%v serial=%q seq=%d index=%d raw=%q", rec, m.bad, m.serial, m.seq, m.index, m.raw))
			return nil
		}
		if threat {
			fs := threatFields
			if !keep {
				fs = nil
			}
			g.page, g.err = decodeEntries(d, body, "threat", fs, d.threatField, func(l *mine.ThreatLog) (*time.Time, string, uint64) {
				return &l.ReceiveTime, l.Serial, l.SeqNo
			}, func(l *mine.ThreatLog, m *entryMeta) error { return note(*l, m) })
		} else {
			fs := trafficFields
			if !keep {
				fs = nil
			}
			g.page, g.err = decodeEntries(d, body, "traffic", fs, d.trafficField, func(l *mine.TrafficLog) (*time.Time, string, uint64) {
				return &l.ReceiveTime, l.Serial, l.SeqNo
			}, func(l *mine.TrafficLog, m *entryMeta) error { return note(*l, m) })
		}
		return g
	}
	for _, c := range []struct {
		name    string
		body    []byte
		threat  bool
		entries int
	}{
		{"recorded traffic answer", readReal(t, "demisto-query_logs.xml"), false, 1},
		{"odd threat fields", []byte(odd), true, 3},
		{"generated threat page", benchPage(300, true), true, 300},
		{"generated traffic page", benchPage(300, false), false, 300},
		{"truncated threat page", benchPage(20, true)[:3000], true, -1},
	} {
		all, kept := run(c.body, c.threat, false), run(c.body, c.threat, true)
		if !reflect.DeepEqual(all, kept) {
			t.Errorf("%s: with the field sets\n%+v\nwithout\n%+v", c.name, kept, all)
		}
		switch {
		case c.entries < 0 && all.err == nil:
			t.Errorf("%s: no error", c.name)
		case c.entries >= 0 && (all.err != nil || len(all.records) != c.entries):
			t.Errorf("%s: %d records, %v; want %d", c.name, len(all.records), all.err, c.entries)
		}
	}
}

// The leaf path reads every page as the general path (nextTag, text,
// closes) does: the same records, bad entries, page and errors.
func FuzzLeafPath(f *testing.F) {
	addReal(f, "demisto-query_logs.xml")
	f.Add(benchPage(3, true))
	f.Add(benchPage(3, false))
	// entries of one shape, then of others (see TestEntryShapeFollowsChanges)
	f.Add([]byte(threatPageHead + `<entry><receive_time>2026/11/01 01:30:00</receive_time><seqno>1</seqno><rule>a</rule><dst>1</dst></entry>` +
		`<entry><receive_time>2026/11/01 01:30:00</receive_time><seqno>2</seqno><rule>b</rule><dst>2</dst></entry>` +
		`<entry><receive_time>2026/11/01 01:30:00</receive_time><rule>c</rule><seqno>3</seqno><dst>3</dst><app>x</app></entry>` +
		`<entry><receive_time>2026/11/01 01:30:00</receive_time><seqno>4</seqno><rule>d</rule><dst/></entry>` +
		`<entry><receive_time>2026/11/01 01:30:00</receive_time><seqno>5</seqno><rule>e</rule><dst>5</dst></entry></logs></log></result></response>`))
	f.Add([]byte(threatPageHead + `<entry><receive_time>2026/11/01 01:30:00</receive_time><seqno>9</seqno><rule a="1">x</rule a="1"><app>x</app ><to/>` +
		`<misc><![CDATA[a]]></misc><from>a<!-- b --></from><dst>1</dst></entry></logs></log></result></response>`))
	la, _ := time.LoadLocation("America/Los_Angeles")
	decode := func(body []byte, leaf bool) string {
		leafPath = leaf
		defer func() { leafPath = true }()
		var out []string
		d := newEntryDecoder(la)
		pg, err := d.threatEntries(body, func(l *mine.ThreatLog, m *entryMeta) error {
			out = append(out, fmt.Sprintf("%+v %v %q", *l, m.bad, m.raw))
			return nil
		})
		out = append(out, fmt.Sprintf("%+v %v", pg, err))
		pg, err = d.trafficEntries(body, func(l *mine.TrafficLog, m *entryMeta) error {
			out = append(out, fmt.Sprintf("%+v %v %q", *l, m.bad, m.raw))
			return nil
		})
		return fmt.Sprint(out, pg, err)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if a, b := decode(body, true), decode(body, false); a != b {
			t.Fatalf("leaf path:\n%s\ngeneral path:\n%s", a, b)
		}
	})
}

// Entries whose fields come in the order of the entry before are read
// through the learned shape; entries that drop a field, add one, swap two,
// or write an expected field another way (attributes, empty, CDATA, an
// entity) are read the usual way, and the entries after them as well as
// the general path reads them. The rules, URLs and sessions below are the
// ones written into each entry.
func TestEntryShapeFollowsChanges(t *testing.T) {
	entry := func(seq int, fields string) string {
		return fmt.Sprintf(`<entry logid="%d"><receive_time>2026/11/01 01:30:%02d</receive_time><serial>0070</serial><seqno>%d</seqno>%s</entry>`, seq, seq, seq, fields)
	}
	std := func(rule, misc string, session int) string {
		return fmt.Sprintf(`<type>THREAT</type><subtype>vulnerability</subtype><rule>%s</rule><srcuser/><srcloc code="US" cc="US">United States</srcloc><dstloc cc="x"/><app note="x">web-browsing</app><sessionid>%d</sessionid><misc>%s</misc><threatid>HTTP-200</threatid><tid>41003</tid><flags>0x0</flags><flag-a>no</flag-a><natport>0</natport><logset/><pad x="1">0</pad>`, rule, session, misc)
	}
	// entries of the shape of std but for one field written another way
	with := func(rule, misc string, session int, from, to string) string {
		return strings.Replace(std(rule, misc, session), from, to, 1)
	}
	body := threatPageHead +
		entry(1, std("r1", "a/1", 11)) +
		entry(2, std("r2", "a/2", 12)) +
		entry(3, `<type>THREAT</type><subtype>vulnerability</subtype><rule>r3</rule><misc>a/3</misc><threatid>HTTP-200</threatid><tid>41003</tid><flags>0x0</flags>`) + // no sessionid
		entry(4, std("r4", "a/4", 14)) +
		entry(5, `<type>THREAT</type><subtype>vulnerability</subtype><sessionid>15</sessionid><rule>r5</rule><misc>a/5</misc><threatid>HTTP-200</threatid><tid>41003</tid><extra>x</extra><flags>0x0</flags>`) + // swapped, one more
		entry(6, std("r6", "a/6", 16)) +
		// an attribute, CDATA, and an empty tid: the ID stays 0
		entry(7, `<type>THREAT</type><subtype>vulnerability</subtype><rule note="x">r7</rule><sessionid>17</sessionid><misc><![CDATA[a/7?x&y]]></misc><threatid>HTTP-200</threatid><tid/><flags>0x0</flags>`) +
		entry(8, std("r8", "a/8?p=1&amp;q=2", 18)) +
		entry(9, std("r9", "a/9", 19)) +
		entry(10, with("r10", "a/10", 20, "<srcuser/>", "<srcuser>corp\\bob</srcuser>")) +
		entry(11, with("r11", "a/11", 21, `<app note="x">web-browsing</app>`, `<app note='y' cc="z>a">ssl</app>`)) +
		entry(12, with("r12", "a/12", 22, `<dstloc cc="x"/>`, `<dstloc>10.0.0.0-10.255.255.255</dstloc>`)) +
		entry(13, with("r13", "a/13", 23, `<srcuser/>`, `<srcuser></srcuser>`)) +
		entry(14, with("r14", "a/14", 24, `<srcloc code="US" cc="US">United States</srcloc>`, `<srcloc code="US" cc="US"/>`)) +
		entry(15, with("r15", "a/15", 25, `<rule>r15</rule>`, `<rule>r15<!-- c --></rule>`)) +
		entry(16, std("r16", "a/16", 26)) +
		// a run of fields not kept (flags to pad): as in the entry before,
		// then another value, then as before, then a field more in it
		entry(17, std("r17", "a/17", 27)) +
		entry(18, with("r18", "a/18", 28, "<natport>0</natport>", "<natport>5</natport>")) +
		entry(19, std("r19", "a/19", 29)) +
		entry(20, std("r20", "a/20", 30)) +
		entry(21, with("r21", "a/21", 31, "<logset/>", "<logset/><more>1</more>")) +
		entry(22, std("r22", "a/22", 32)) +
		entry(23, std("r23", "a/23", 33)) +
		// an escaped value twice, then its unescaped form written as text
		entry(24, std("r&amp;x", "a/24", 34)) +
		entry(25, std("r&amp;x", "a/25", 35)) +
		entry(26, std("r&amp;amp;x", "a/26", 36)) +
		entry(27, std("r&amp;x", "a/27", 37)) +
		`</logs></log></result></response>`
	la, _ := time.LoadLocation("America/Los_Angeles")
	decode := func(leaf bool) []string {
		leafPath = leaf
		defer func() { leafPath = true }()
		var out []string
		_, err := newEntryDecoder(la).threatEntries([]byte(body), func(l *mine.ThreatLog, m *entryMeta) error {
			out = append(out, fmt.Sprintf("%d %s %d %s %d %q %s %v", l.SeqNo, l.Rule, l.SessionID, l.URL, l.ThreatID, l.SrcUser, l.App, m.bad))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	want := []string{
		`1 r1 11 a/1 41003 "" web-browsing <nil>`, `2 r2 12 a/2 41003 "" web-browsing <nil>`, `3 r3 0 a/3 41003 ""  <nil>`, `4 r4 14 a/4 41003 "" web-browsing <nil>`,
		`5 r5 15 a/5 41003 ""  <nil>`, `6 r6 16 a/6 41003 "" web-browsing <nil>`, `7 r7 17 a/7?x&y 0 ""  <nil>`, `8 r8 18 a/8?p=1&q=2 41003 "" web-browsing <nil>`,
		`9 r9 19 a/9 41003 "" web-browsing <nil>`, `10 r10 20 a/10 41003 "corp\\bob" web-browsing <nil>`, `11 r11 21 a/11 41003 "" ssl <nil>`, `12 r12 22 a/12 41003 "" web-browsing <nil>`,
		`13 r13 23 a/13 41003 "" web-browsing <nil>`, `14 r14 24 a/14 41003 "" web-browsing <nil>`, `15 r15 25 a/15 41003 "" web-browsing <nil>`, `16 r16 26 a/16 41003 "" web-browsing <nil>`,
		`17 r17 27 a/17 41003 "" web-browsing <nil>`, `18 r18 28 a/18 41003 "" web-browsing <nil>`, `19 r19 29 a/19 41003 "" web-browsing <nil>`,
		`20 r20 30 a/20 41003 "" web-browsing <nil>`, `21 r21 31 a/21 41003 "" web-browsing <nil>`, `22 r22 32 a/22 41003 "" web-browsing <nil>`,
		`23 r23 33 a/23 41003 "" web-browsing <nil>`, `24 r&x 34 a/24 41003 "" web-browsing <nil>`, `25 r&x 35 a/25 41003 "" web-browsing <nil>`,
		`26 r&amp;x 36 a/26 41003 "" web-browsing <nil>`, `27 r&x 37 a/27 41003 "" web-browsing <nil>`,
	}
	for _, leaf := range []bool{true, false} {
		if got := decode(leaf); !slices.Equal(got, want) {
			t.Errorf("leaf path %v:\n%s\nwant\n%s", leaf, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
	// a field of the run closed by another name, after entries that
	// had the run as expected: the page fails as the general path fails it
	bad := threatPageHead + entry(1, std("r1", "a/1", 11)) + entry(2, std("r2", "a/2", 12)) +
		entry(3, with("r3", "a/3", 13, "<natport>0</natport>", "<natport>0</natpart>")) + `</logs></log></result></response>`
	var errs []string
	for _, leaf := range []bool{true, false} {
		leafPath = leaf
		_, err := newEntryDecoder(la).threatEntries([]byte(bad), func(*mine.ThreatLog, *entryMeta) error { return nil })
		leafPath = true
		errs = append(errs, fmt.Sprint(err))
	}
	if errs[0] != errs[1] || !strings.Contains(errs[0], "natpart") {
		t.Errorf("a run closed by another name: leaf path %s, general path %s; want the same error", errs[0], errs[1])
	}
}

// A word is found where its bytes are, whatever its length (below eight,
// eight to sixteen, over sixteen bytes) and however near the end of the
// buffer, and nowhere else.
func TestWordAt(t *testing.T) {
	buf := []byte("xx<to></to><sessionid>1</sessionid><high_res_timestamp>t</high_res_timestamp><to>")
	for _, s := range []string{"<to>", "to>", "<sessionid>", "sessionid>", "<high_res_timestamp>", "high_res_timestamp>", "<", "x"} {
		w := newWord(s)
		for p := -1; p <= len(buf)+1; p++ {
			want := p >= 0 && p+len(s) <= len(buf) && string(buf[p:p+len(s)]) == s
			if got := w.at(buf, p); got != want {
				t.Errorf("%q at %d = %v, want %v", s, p, got, want)
			}
		}
	}
}
