package panosim

import (
	"crypto/sha256"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// digest hashes every stored log entry as the API renders it, and the hit
// counters.
func digest(s *Server) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := sha256.New()
	var b strings.Builder
	for _, store := range [][]*logEntry{s.threat, s.traffic} {
		for _, e := range store {
			b.Reset()
			e.render(&b, &s.dev, e.seqno)
			h.Write([]byte(b.String()))
		}
	}
	for _, r := range s.pol.rules {
		if c := s.hits[r.uuid]; c != nil {
			fmt.Fprintf(h, "%s %d %d %d\n", r.name, c.count, c.first, c.last)
		}
	}
	return fmt.Sprintf("%x", h.Sum(nil))
}

func TestDeterminism(t *testing.T) {
	run := func(seed int64, steps ...time.Duration) (string, int, int) {
		s, c := newTestServer(t, Options{Seed: seed})
		c.deploySignatures()
		c.commit()
		for _, d := range steps {
			s.Advance(d)
		}
		th, tr := s.LogCounts()
		return digest(s), th, tr
	}
	week := 7 * 24 * time.Hour
	var days, uneven []time.Duration
	for range 7 {
		days = append(days, 24*time.Hour)
	}
	for left := week; left > 0; {
		d := min(left, 97*time.Minute+1234*time.Millisecond)
		uneven = append(uneven, d)
		left -= d
	}
	want, th, tr := run(11, week)
	if th < 10000 || tr < 10000 {
		t.Errorf("a week holds %d threat and %d traffic logs; want more than 10000 each", th, tr)
	}
	for name, steps := range map[string][]time.Duration{"seven days": days, "uneven steps": uneven} {
		if got, _, _ := run(11, steps...); got != want {
			t.Errorf("Advance in %s: digest %s; want %s (one call)", name, got, want)
		}
	}
	if other, _, _ := run(12, week); other == want {
		t.Errorf("seeds 11 and 12 produce identical logs")
	}
	a, _ := json.Marshal(New(Options{Seed: 11}).Truth())
	b, _ := json.Marshal(New(Options{Seed: 11}).Truth())
	c, _ := json.Marshal(New(Options{Seed: 12}).Truth())
	if string(a) != string(b) || string(a) == string(c) {
		t.Errorf("Truth is not a function of the seed alone")
	}
}

// hitCountCmd is the request pango's util.NewHitCountRequest marshals.
func hitCountCmd(rules ...string) string {
	sel := "<all></all>"
	if len(rules) > 0 {
		sel = "<list>"
		for _, r := range rules {
			sel += "<member>" + r + "</member>"
		}
		sel += "</list>"
	}
	return `<show><rule-hit-count><vsys><vsys-name><entry name="vsys1"><rule-base><entry name="security"><rules>` +
		sel + `</rules></entry></rule-base></entry></vsys-name></vsys></rule-hit-count></show>`
}

type hitCountAnswer struct {
	Rules []struct {
		Name     string `xml:"name,attr"`
		Latest   string `xml:"latest"`
		HitCount uint64 `xml:"hit-count"`
		LastHit  int64  `xml:"last-hit-timestamp"`
		Reset    int64  `xml:"last-reset-timestamp"`
		FirstHit int64  `xml:"first-hit-timestamp"`
		Created  int64  `xml:"rule-creation-timestamp"`
		Modified int64  `xml:"rule-modification-timestamp"`
		Inner    string `xml:",innerxml"`
	} `xml:"result>rule-hit-count>vsys>entry>rule-base>entry>rules>entry"`
}

func elementNames(inner string) []string {
	var names []string
	d := xml.NewDecoder(strings.NewReader("<x>" + inner + "</x>"))
	depth := 0
	for {
		tok, err := d.Token()
		if err != nil {
			return names
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if depth == 2 {
				names = append(names, t.Name.Local)
			}
		case xml.EndElement:
			depth--
		}
	}
}

func TestHitCountsMatchTrafficLogs(t *testing.T) {
	s, c := newLoggingServer(t, Options{Seed: 13, SessionsPerDay: 600}, 30*time.Hour)
	var got hitCountAnswer
	if err := xml.Unmarshal(c.ok("type", "op", "cmd", hitCountCmd()), &got); err != nil {
		t.Fatal(err)
	}
	recorded, err := os.ReadFile("../testdata/real/demisto-get_rule_hitcounts_rule_hits.xml")
	if err != nil {
		t.Fatal(err)
	}
	var rec hitCountAnswer
	if err := xml.Unmarshal(recorded, &rec); err != nil {
		t.Fatal(err)
	}
	wantFields := strings.Join(elementNames(rec.Rules[0].Inner), ",")
	var names []string
	for _, r := range got.Rules {
		names = append(names, r.Name)
		if f := strings.Join(elementNames(r.Inner), ","); f != wantFields {
			t.Errorf("hit count fields of %s = %s; want %s (recorded)", r.Name, f, wantFields)
		}
	}
	wantNames := append(slices.Clone(s.Truth().Rulebase), ruleIntrazone, ruleInterzone)
	if !slices.Equal(names, wantNames) {
		t.Fatalf("hit count rules = %v; want %v", names, wantNames)
	}
	loc := s.Location()
	epoch := func(e xLogEntry) int64 {
		tm, err := time.ParseInLocation("2006/01/02 15:04:05", e.Receive, loc)
		if err != nil {
			t.Fatal(err)
		}
		return tm.Unix()
	}
	for _, r := range got.Rules {
		if r.Latest != "yes" || r.Reset != 0 || r.Created == 0 || r.Modified < r.Created {
			t.Errorf("rule %s: latest %q reset %d created %d modified %d", r.Name, r.Latest, r.Reset, r.Created, r.Modified)
		}
		if r.Name == ruleIntrazone || r.Name == ruleInterzone {
			continue // the default rules do not log
		}
		q := "(rule eq '" + r.Name + "')"
		n := len(c.querySeqnos("traffic", q))
		if uint64(n) != r.HitCount {
			t.Errorf("rule %s: hit-count %d; want %d traffic logs", r.Name, r.HitCount, n)
		}
		if n == 0 {
			if r.FirstHit != 0 || r.LastHit != 0 {
				t.Errorf("rule %s without hits: first %d last %d; want 0", r.Name, r.FirstHit, r.LastHit)
			}
			continue
		}
		first := c.query("traffic", q, "forward", 1, 0)[0]
		last := c.query("traffic", q, "backward", 1, 0)[0]
		if r.FirstHit != epoch(first) || r.LastHit != epoch(last) {
			t.Errorf("rule %s: first/last hit %d/%d; want %d/%d from traffic logs", r.Name, r.FirstHit, r.LastHit, epoch(first), epoch(last))
		}
	}
	var some hitCountAnswer
	if err := xml.Unmarshal(c.ok("type", "op", "cmd", hitCountCmd(ruleDNS, ruleIntrazone)), &some); err != nil {
		t.Fatal(err)
	}
	if len(some.Rules) != 2 || some.Rules[0].Name != ruleDNS || some.Rules[1].Name != ruleIntrazone {
		t.Errorf("hit count for a list = %+v; want %s and %s", some.Rules, ruleDNS, ruleIntrazone)
	}
}

// count returns how many entries of a log type match q.
func (c *apiClient) count(logType, q string) int {
	c.t.Helper()
	return len(c.querySeqnos(logType, q))
}

const catchAllQ = "(rule eq '" + ruleCatchAll + "')"

func TestThreatLogsNeedCommittedSignatures(t *testing.T) {
	s, c := newTestServer(t, Options{Seed: 14, SessionsPerDay: 800})
	s.Advance(12 * time.Hour)
	if th, tr := s.LogCounts(); th != 0 || tr == 0 {
		t.Fatalf("without signatures: %d threat, %d traffic logs; want 0 and some", th, tr)
	}
	c.deploySignatures()
	s.Advance(12 * time.Hour)
	if th, _ := s.LogCounts(); th != 0 {
		t.Fatalf("signatures set but not committed: %d threat logs; want 0", th)
	}
	c.commit()
	s.Advance(12 * time.Hour)
	if n := c.count("threat", catchAllQ); n == 0 {
		t.Errorf("after commit: %d catch-all threat logs; want some", n)
	}
	if n := c.count("threat", "(rule eq '"+ruleInternet+"')"); n == 0 {
		t.Errorf("after commit: %d internet threat logs; want some", n)
	}
}

func TestProfileConditions(t *testing.T) {
	rule := vsysXP + "/rulebase/security/rules/entry[@name='" + ruleCatchAll + "']"
	profiles := vsysXP + "/profiles/vulnerability"
	tests := []struct {
		name        string
		bare        bool
		kv          [][]string // config calls before the commit
		wantCatch   bool       // catch-all threat logs appear
		want200     bool       // HTTP-200 (41003) logs appear on the catch-all
		wantOthers  bool       // logs on the other rules
		wantTraffic bool
	}{
		{"corp profiles", false, nil, true, true, true, true},
		{"bare default profile", true, nil, false, false, true, true},
		{"bare with corp group attached", true, [][]string{
			{"set", rule + "/profile-setting", "<group><member>corp-profiles</member></group>"},
		}, true, true, true, true},
		{"bare with strict", true, [][]string{
			{"set", rule + "/profile-setting/profiles/vulnerability", "<member>strict</member>"},
		}, true, true, true, true},
		{"bare with default swapped to strict by edit", true, [][]string{
			{"edit", rule + "/profile-setting", "<profile-setting><profiles><vulnerability><member>strict</member></vulnerability></profiles></profile-setting>"},
		}, true, true, true, true},
		{"server-only profile", true, [][]string{
			{"set", profiles + "/entry[@name='srv']/rules/entry[@name='r']", "<severity><member>any</member></severity><host>server</host><action><alert/></action><threat-name>any</threat-name><category>any</category>"},
			{"set", rule + "/profile-setting/profiles/vulnerability", "<member>srv</member>"},
		}, false, false, true, true},
		{"exception allows 41003", true, [][]string{
			{"set", profiles + "/entry[@name='p']/rules/entry[@name='r']", "<severity><member>informational</member></severity><host>client</host><action><default/></action><threat-name>any</threat-name><category>any</category>"},
			{"set", profiles + "/entry[@name='p']/threat-exception/entry[@name='41003']", "<action><allow/></action>"},
			{"set", rule + "/profile-setting/profiles/vulnerability", "<member>p</member>"},
		}, true, false, true, true},
		{"disable server response inspection", false, [][]string{
			{"set", rule + "/option", "<disable-server-response-inspection>yes</disable-server-response-inspection>"},
		}, false, false, true, true},
		{"no profile at all", false, [][]string{
			{"delete", rule + "/profile-setting", ""},
		}, false, false, true, true},
		{"catch-all does not log", false, [][]string{
			{"set", rule, "<log-end>no</log-end>"},
		}, true, true, true, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, c := newTestServer(t, Options{Seed: 15, SessionsPerDay: 600, Bare: tc.bare})
			c.deploySignatures()
			for _, kv := range tc.kv {
				args := []string{"type", "config", "action", kv[0], "xpath", kv[1]}
				if kv[2] != "" {
					args = append(args, "element", kv[2])
				}
				c.ok(args...)
			}
			c.commit()
			s.Advance(30 * time.Hour)
			catch := c.count("threat", catchAllQ)
			c200 := c.count("threat", catchAllQ+" and (threatid eq 41003)")
			others := c.count("threat", "(rule neq '"+ruleCatchAll+"')")
			traffic := c.count("traffic", catchAllQ)
			if (catch > 0) != tc.wantCatch || (c200 > 0) != tc.want200 || (others > 0) != tc.wantOthers || (traffic > 0) != tc.wantTraffic {
				t.Errorf("catch-all threats %d, HTTP-200 %d, other rules %d, catch-all traffic %d; want %v %v %v %v",
					catch, c200, others, traffic, tc.wantCatch, tc.want200, tc.wantOthers, tc.wantTraffic)
			}
		})
	}
}

func TestRuleAboveCatchAllTakesTraffic(t *testing.T) {
	s, c := newLoggingServer(t, Options{Seed: 16, SessionsPerDay: 1000}, 36*time.Hour)
	tr := s.Truth()
	rules := vsysXP + "/rulebase/security/rules"
	for i, svc := range tr.CatchAllServices[:2] {
		name := "Allow-" + svc.Name
		service := "<member>application-default</member>"
		if !svc.DefaultPort {
			obj := "svc-" + svc.Proto + "-" + strconv.Itoa(svc.Port)
			c.ok("type", "config", "action", "set", "xpath", vsysXP+"/service/entry[@name='"+obj+"']",
				"element", "<protocol><"+svc.Proto+"><port>"+strconv.Itoa(svc.Port)+"</port></"+svc.Proto+"></protocol>")
			service = "<member>" + obj + "</member>"
		}
		c.ok("type", "config", "action", "set", "xpath", rules+"/entry[@name='"+name+"']", "element",
			"<from><member>"+svc.FromZone+"</member></from><to><member>"+svc.ToZone+"</member></to>"+
				"<source><member>any</member></source><destination><member>"+svc.Destination+"/32</member></destination>"+
				"<application><member>"+svc.Application+"</member></application><service>"+service+"</service>"+
				"<action>allow</action><profile-setting><group><member>corp-profiles</member></group></profile-setting>")
		if i == 0 {
			// The first goes above the catch-all; the second stays below it.
			c.ok("type", "config", "action", "move", "xpath", rules+"/entry[@name='"+name+"']", "where", "before", "dst", ruleCatchAll)
		}
	}
	c.commit()
	from := s.Now().In(s.Location()).Format("2006/01/02 15:04:05")
	s.Advance(30 * time.Hour)
	after := "(receive_time geq '" + from + "')"
	moved, below := tr.CatchAllServices[0], tr.CatchAllServices[1]
	dst := func(svc Service) string { return "(addr.dst eq " + svc.Destination + ")" }
	if n := c.count("traffic", after+" and "+dst(moved)+" and "+catchAllQ); n != 0 {
		t.Errorf("%s: %d catch-all sessions after the new rule; want 0", moved.Name, n)
	}
	if n := c.count("traffic", after+" and "+dst(moved)+" and (rule eq 'Allow-"+moved.Name+"')"); n < 10 {
		t.Errorf("%s: %d sessions on the new rule; want dozens", moved.Name, n)
	}
	if n := c.count("threat", after+" and "+dst(moved)+" and (rule eq 'Allow-"+moved.Name+"') and (threatid eq 41003)"); n == 0 {
		t.Errorf("%s: no HTTP-200 threat logs on the new rule", moved.Name)
	}
	if n := c.count("traffic", after+" and "+dst(below)+" and (rule eq 'Allow-"+below.Name+"')"); n != 0 {
		t.Errorf("%s: %d sessions on a rule below the catch-all; want 0", below.Name, n)
	}
	var hc hitCountAnswer
	if err := xml.Unmarshal(c.ok("type", "op", "cmd", hitCountCmd("Allow-"+moved.Name)), &hc); err != nil {
		t.Fatal(err)
	}
	if len(hc.Rules) != 1 || hc.Rules[0].HitCount == 0 || hc.Rules[0].Created != hc.Rules[0].Modified ||
		hc.Rules[0].Created < s.o.Start.Unix() {
		t.Errorf("hit count of the new rule = %+v; want hits and a creation time at the commit", hc.Rules)
	}
}

func TestTruthServicesAppear(t *testing.T) {
	for _, seed := range []int64{1, 2, 3, 4} {
		t.Run(strconv.FormatInt(seed, 10), func(t *testing.T) {
			s, c := newLoggingServer(t, Options{Seed: seed}, 48*time.Hour)
			tr := s.Truth()
			if n := len(tr.CatchAllServices); n < 5 || n > 8 {
				t.Fatalf("%d catch-all services; want 5..8", n)
			}
			if len(tr.OpaqueServices) == 0 || len(tr.Scanners) == 0 || len(tr.BrokenLinks) == 0 ||
				len(tr.ServerErrors) == 0 || len(tr.ScannerOnlyDestinations) == 0 || len(tr.CoveredServices) == 0 {
				t.Fatalf("truth lacks a planted kind: %+v", tr)
			}
			scanners := map[string]bool{}
			for _, sc := range tr.Scanners {
				scanners[sc.Source] = true
			}
			dsts := map[string]bool{}
			defaults := 0
			for _, svc := range tr.CatchAllServices {
				if dsts[svc.Destination] {
					t.Errorf("two services on %s", svc.Destination)
				}
				dsts[svc.Destination] = true
				if svc.DefaultPort {
					defaults++
				}
				q := catchAllQ + " and (addr.dst eq " + svc.Destination + ") and (threatid eq 41003)"
				sources := map[string]bool{}
				for _, e := range c.query("threat", q, "backward", 150, 0) {
					if scanners[e.Src] {
						continue
					}
					sources[e.Src] = true
					if !strings.HasPrefix(e.Misc, svc.Host+"/") || e.App != svc.Application || e.Dport != svc.Port {
						t.Errorf("%s: entry misc %s app %s port %d; want %s/..., %s, %d", svc.Name, e.Misc, e.App, e.Dport, svc.Host, svc.Application, svc.Port)
						break
					}
				}
				if len(sources) < 3 {
					t.Errorf("%s: HTTP-200 catch-all threat logs from %d clients; want several", svc.Name, len(sources))
				}
				// Monday in device time: dozens of sessions.
				day := "(receive_time geq '2026/11/02 00:00:00') and (receive_time leq '2026/11/02 16:00:00') and (addr.dst eq " + svc.Destination + ")"
				if n := c.count("traffic", day+" and (addr.src notin 10.1.250.0/24)"); n < 24 {
					t.Errorf("%s: %d sessions on a Monday; want dozens", svc.Name, n)
				}
			}
			if defaults == 0 || defaults == len(tr.CatchAllServices) {
				t.Errorf("%d of %d services on a default port; want some of each", defaults, len(tr.CatchAllServices))
			}
			for _, svc := range tr.OpaqueServices {
				if n := c.count("traffic", catchAllQ+" and (addr.dst eq "+svc.Destination+") and (app eq "+svc.Application+")"); n == 0 {
					t.Errorf("opaque %s: no catch-all traffic", svc.Name)
				}
				if n := c.count("threat", "(addr.dst eq "+svc.Destination+")"); n != 0 {
					t.Errorf("opaque %s: %d threat logs; want none", svc.Name, n)
				}
			}
			for _, svc := range tr.CoveredServices {
				if n := c.count("threat", "(rule eq '"+svc.Rule+"') and (addr.dst eq "+svc.Destination+") and (threatid eq 41003)"); n == 0 {
					t.Errorf("covered %s: no HTTP-200 logs on %s", svc.Name, svc.Rule)
				}
				if n := c.count("traffic", catchAllQ+" and (addr.dst eq "+svc.Destination+")"); n != 0 {
					t.Errorf("covered %s: %d catch-all sessions; want 0", svc.Name, n)
				}
			}
			checkPath := func(kind string, p PathStatus, minSources int) {
				tid := map[int]int{404: 41026, 500: 41049, 503: 41052}[p.Status]
				sources := map[string]bool{}
				for _, e := range c.query("threat", "(addr.dst eq "+p.Destination+") and (threatid eq "+strconv.Itoa(tid)+")", "forward", 2000, 0) {
					if e.Misc == p.Host+p.Path && !scanners[e.Src] {
						sources[e.Src] = true
					}
				}
				if len(sources) < minSources {
					t.Errorf("%s %s%s: HTTP-%d from %d clients; want at least %d", kind, p.Host, p.Path, p.Status, len(sources), minSources)
				}
			}
			for _, p := range tr.BrokenLinks {
				checkPath("broken link", p, 4)
			}
			for _, p := range tr.ServerErrors {
				checkPath("server error", p, 1)
			}
		})
	}
}

func TestScanners(t *testing.T) {
	s, c := newLoggingServer(t, Options{Seed: 17, SessionsPerDay: 600}, 48*time.Hour)
	tr := s.Truth()
	scanners := map[string]bool{}
	for _, sc := range tr.Scanners {
		scanners[sc.Source] = true
	}
	for _, dst := range tr.ScannerOnlyDestinations {
		entries := c.queryAll("traffic", "(addr.dst eq "+dst+")")
		if len(entries) == 0 {
			t.Errorf("scanner-only %s: no traffic", dst)
		}
		for _, e := range entries {
			if !scanners[e.Src] {
				t.Errorf("scanner-only %s: session from %s; want only scanners", dst, e.Src)
				break
			}
		}
		for _, e := range c.queryAll("threat", "(addr.dst eq "+dst+")") {
			if want := map[bool]int{true: 41003, false: 41026}[strings.HasSuffix(e.Misc, dst+"/")]; e.TID != want {
				t.Errorf("scanner-only %s: %s answered %s; want tid %d", dst, e.Misc, e.ThreatName, want)
			}
		}
	}
	for _, sc := range tr.Scanners {
		probes := c.queryAll("threat", "(addr.src eq "+sc.Source+")")
		paths := map[string]bool{}
		targets := map[string]bool{}
		byCode := map[int]int{}
		for _, e := range probes {
			paths[e.Misc[strings.Index(e.Misc, "/"):]] = true
			targets[e.Dst] = true
			byCode[e.TID]++
		}
		perDay := len(probes) / 2
		if perDay < 60 || perDay > 1000 || len(paths) < 15 {
			t.Errorf("scanner %s: %d probes a day over %d paths; want a few hundred over many", sc.Source, perDay, len(paths))
		}
		if byCode[41026]*2 < len(probes) || byCode[41003] == 0 {
			t.Errorf("scanner %s: statuses %v; want mostly 404 and some 200", sc.Source, byCode)
		}
		var got []string
		for d := range targets {
			got = append(got, d)
		}
		slices.Sort(got)
		if !slices.Equal(got, sc.Targets) {
			t.Errorf("scanner %s swept %v; want %v", sc.Source, got, sc.Targets)
		}
	}
}
