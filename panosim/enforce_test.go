package panosim

import (
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
)

const corpVuln = xpathVsys + "/profiles/vulnerability/entry[@name='corp-vuln']"

// enforceStart keeps the tests away from the repeated hour of the DST
// change on 2026-11-01, where a local time names two instants.
var enforceStart = time.Date(2026, 11, 10, 8, 0, 0, 0, time.UTC)

// sumViews adds up what the clients saw of one status code.
func sumViews(s *Server, clients []string, code int) (delivered, reset int) {
	for _, c := range clients {
		v := s.ClientView(c)
		delivered += v.Delivered[code]
		reset += v.Reset[code]
	}
	return delivered, reset
}

// A threat exception with action reset-both for HTTP-500 (41049): from
// the commit on, the server's 500s are logged with that action, the
// sessions end with reason threat, and the clients get resets instead of
// the error page; their 200s still reach them.
func TestResetActionChangesThreatLogsAndClients(t *testing.T) {
	s, c := newTestServer(t, Options{Seed: 21, SessionsPerDay: 2000, Start: enforceStart})
	c.deploySignatures()
	c.commit()
	s.Advance(24 * time.Hour)
	tr := s.Truth()
	var p500 PathStatus
	for _, p := range tr.ServerErrors {
		if p.Status == 500 {
			p500 = p
		}
	}
	var clients []string
	for _, sv := range tr.CatchAllServices {
		if sv.Destination == p500.Destination {
			clients = sv.Sources
		}
	}
	if len(clients) == 0 {
		t.Fatalf("no clients for the planted 500 at %+v", p500)
	}
	del0, reset0 := sumViews(s, clients, 500)
	ok0, _ := sumViews(s, clients, 200)
	if del0 == 0 || reset0 != 0 {
		t.Fatalf("before the exception: %d 500s delivered, %d reset; want some delivered, none reset", del0, reset0)
	}
	c.ok("type", "config", "action", "set", "xpath", corpVuln+"/threat-exception",
		"element", `<entry name="41049"><action><reset-both/></action><packet-capture>disable</packet-capture></entry>`)
	c.commit()
	s.Advance(time.Second)
	since := s.Now()
	s.Advance(24 * time.Hour)

	del1, reset1 := sumViews(s, clients, 500)
	ok1, _ := sumViews(s, clients, 200)
	if del1 != del0 || reset1 == 0 {
		t.Errorf("after the exception: 500s delivered %d -> %d, reset %d -> %d; want none delivered, some reset", del0, del1, reset0, reset1)
	}
	if ok1 <= ok0 {
		t.Errorf("200s delivered %d -> %d; want them still delivered", ok0, ok1)
	}
	after := "(receive_time geq '" + since.In(s.Location()).Format(devTimeFmt) + "')"
	logs := c.queryAll("threat", "(threatid eq 41049) and "+after)
	if len(logs) != reset1 {
		t.Errorf("%d HTTP-500 threat logs after the commit; want one per reset, %d", len(logs), reset1)
	}
	sessions := map[uint64]bool{}
	for _, l := range logs {
		if l.Action != "reset-both" || l.Repeat != 1 {
			t.Fatalf("HTTP-500 threat log after the commit: action %s repeat %d; want reset-both, 1", l.Action, l.Repeat)
		}
		sessions[l.SessionID] = true
	}
	if n := len(c.queryAll("threat", "(threatid eq 41049) and (action eq alert) and "+after)); n != 0 {
		t.Errorf("%d HTTP-500 logs still alert after the commit", n)
	}
	ended := 0
	for _, l := range c.queryAll("traffic", "(addr.dst in "+p500.Destination+") and "+after) {
		if sessions[l.SessionID] {
			ended++
			if l.EndReason != "threat" || l.Action != "allow" {
				t.Errorf("traffic log of a reset session: end reason %q action %q; want threat, allow", l.EndReason, l.Action)
			}
		}
	}
	if ended == 0 {
		t.Error("no traffic log for the reset sessions")
	}
}

// comboSig is a combination signature on HTTP-404 (41026): threshold hits
// within interval seconds from one source.
func comboSig(id, threshold, interval int) string {
	return fmt.Sprintf(`<entry name="%d"><threatname>HTTP-404-burst</threatname><severity>medium</severity><direction>server2client</direction>`+
		`<affected-host><client>yes</client></affected-host><default-action><alert/></default-action>`+
		`<signature><combination><time-attribute><interval>%d</interval><threshold>%d</threshold><track-by>source</track-by></time-attribute>`+
		`<order-free>yes</order-free><and-condition><entry name="And Condition 1"><or-condition><entry name="Or Condition 1">`+
		`<threat-id>41026</threat-id></entry></or-condition></entry></and-condition></combination></signature></entry>`, id, interval, threshold)
}

// The combination signature fires for the scanners (block-ip through a
// threat exception): their block-ip threat logs appear, their next
// sessions are dropped without a log while the block lasts, and they are
// seen again after it; no ordinary client is blocked.
func TestCombinationSignatureBlocksScanners(t *testing.T) {
	s, c := newTestServer(t, Options{Seed: 22, SessionsPerDay: 2000, Start: enforceStart})
	c.deploySignatures()
	c.ok("type", "config", "action", "set", "xpath", "/config/shared/threats/vulnerability", "element", comboSig(41099, 6, 60))
	c.ok("type", "config", "action", "set", "xpath", corpVuln+"/threat-exception",
		"element", `<entry name="41099"><action><block-ip><track-by>source</track-by><duration>900</duration></block-ip></action></entry>`)
	c.commit()
	s.Advance(2 * 24 * time.Hour)
	tr := s.Truth()
	scanners := map[string]bool{}
	for _, sc := range tr.Scanners {
		scanners[sc.Source] = true
	}
	combo := c.queryAll("threat", "(threatid eq 41099)")
	if len(combo) == 0 {
		t.Fatal("the combination signature never fired")
	}
	fired := map[string][]time.Time{}
	for _, l := range combo {
		if !scanners[l.Src] {
			t.Errorf("combination fired for %s, not a scanner", l.Src)
		}
		if l.Action != "block-ip" || l.ThreatName != "HTTP-404-burst" || l.Severity != "medium" {
			t.Errorf("combination log: action %s name %s severity %s; want block-ip, HTTP-404-burst, medium", l.Action, l.ThreatName, l.Severity)
		}
		at, err := time.ParseInLocation(devTimeFmt, l.Receive, s.Location())
		if err != nil {
			t.Fatal(err)
		}
		fired[l.Src] = append(fired[l.Src], at)
	}
	for src := range scanners {
		v := s.ClientView(src)
		if len(fired[src]) == 0 || v.BlockedSessions == 0 {
			t.Errorf("scanner %s: fired %d times, %d sessions blocked; want both", src, len(fired[src]), v.BlockedSessions)
			continue
		}
		// Blocked for 900 s after each firing: no threat log in between,
		// and no session that started then (sessions open at the block
		// still end, with a traffic log).
		at := fired[src][0]
		q := fmt.Sprintf("(addr.src in %s) and (receive_time geq '%s') and (receive_time leq '%s')", src,
			at.Add(2*time.Second).Format(devTimeFmt), at.Add(890*time.Second).Format(devTimeFmt))
		if n := len(c.queryAll("threat", q)); n != 0 {
			t.Errorf("scanner %s: %d threat logs while blocked after %s", src, n, at)
		}
		for _, l := range c.queryAll("traffic", q) {
			if start, _ := time.ParseInLocation(devTimeFmt, l.Start, s.Location()); start.After(at) {
				t.Errorf("scanner %s: a session started at %s while blocked after %s", src, l.Start, at)
			}
		}
		later := fmt.Sprintf("(addr.src in %s) and (threatid eq 41026) and (receive_time geq '%s')", src, at.Add(901*time.Second).Format(devTimeFmt))
		if len(c.queryAll("threat", later)) == 0 {
			t.Errorf("scanner %s never seen again after its block expired", src)
		}
	}
	for _, sv := range tr.CatchAllServices {
		for _, cl := range sv.Sources {
			if v := s.ClientView(cl); v.BlockedSessions != 0 {
				t.Errorf("client %s: %d sessions blocked; want none", cl, v.BlockedSessions)
			}
		}
	}
}

// A disabled catch-all hands its flows to the rules below: with an
// override that logs interzone-default, the flows it carried are denied
// there and logged; without one, they only count as hits.
func TestDisabledCatchAllDeniesBelow(t *testing.T) {
	for _, logs := range []bool{true, false} {
		t.Run(fmt.Sprintf("override logs %v", logs), func(t *testing.T) {
			s, c := newTestServer(t, Options{Seed: 23, SessionsPerDay: 1500})
			if logs {
				c.ok("type", "config", "action", "set", "xpath", xpathVsys+"/rulebase/default-security-rules/rules",
					"element", `<entry name="interzone-default"><action>deny</action><log-end>yes</log-end></entry>`)
			}
			c.ok("type", "config", "action", "edit", "xpath", xpathRules+"/entry[@name='"+ruleCatchAll+"']/disabled", "element", "<disabled>yes</disabled>")
			c.commit()
			s.Advance(24 * time.Hour)
			tr := s.Truth()
			for _, sv := range tr.OpaqueServices {
				q := fmt.Sprintf("(rule eq interzone-default) and (addr.dst in %s) and (port.dst eq %d)", sv.Destination, sv.Port)
				denied := c.queryAll("traffic", q)
				if logs && len(denied) == 0 {
					t.Errorf("%s: no deny log on interzone-default", sv.Name)
				}
				if !logs && len(denied) != 0 {
					t.Errorf("%s: %d deny logs without a logging override", sv.Name, len(denied))
				}
				for _, l := range denied {
					if l.Action != "deny" || l.Subtype != "deny" {
						t.Fatalf("%s: traffic log action %s subtype %s; want deny", sv.Name, l.Action, l.Subtype)
					}
				}
			}
			if n := len(c.queryAll("traffic", "(rule eq "+ruleCatchAll+")")); n != 0 {
				t.Errorf("the disabled catch-all logged %d sessions", n)
			}
		})
	}
}

// What a device refuses to commit: a combination's threshold or interval
// out of the schema's range, a child that does not exist, a block-ip
// without a valid duration or track-by.
func TestCombinationValidation(t *testing.T) {
	tests := []struct {
		name, xpath, element, want string
	}{
		{"threshold too high", "/config/shared/threats/vulnerability", comboSig(41099, 300, 60), "threshold '300'"},
		{"interval zero", "/config/shared/threats/vulnerability", comboSig(41099, 5, 0), "interval '0'"},
		{"unknown child", "/config/shared/threats/vulnerability", strings.Replace(comboSig(41099, 5, 60), "41026", "41999", 1), "threat-id '41999'"},
		{"block-ip duration", corpVuln + "/threat-exception", `<entry name="41026"><action><block-ip><track-by>source</track-by><duration>0</duration></block-ip></action></entry>`, "duration '0'"},
		{"block-ip track-by", corpVuln + "/threat-exception", `<entry name="41026"><action><block-ip><track-by>destination</track-by><duration>60</duration></block-ip></action></entry>`, "track-by 'destination'"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, c := newTestServer(t, Options{Seed: 24, SessionsPerDay: 100})
			c.deploySignatures()
			c.ok("type", "config", "action", "set", "xpath", tc.xpath, "element", tc.element)
			var ja jobAnswer
			body := c.ok("type", "commit", "cmd", "<commit></commit>")
			if err := xml.Unmarshal(body, &ja); err != nil {
				t.Fatal(err)
			}
			job := string(c.ok("type", "op", "cmd", "<show><jobs><id>"+strconv.Itoa(ja.Job)+"</id></jobs></show>"))
			for i := 0; i < 5 && !strings.Contains(job, "<status>FIN</status>"); i++ {
				job = string(c.ok("type", "op", "cmd", "<show><jobs><id>"+strconv.Itoa(ja.Job)+"</id></jobs></show>"))
			}
			if !strings.Contains(job, "<result>FAIL</result>") || !strings.Contains(job, tc.want) {
				t.Errorf("commit of %s: %s; want a failure naming %q", tc.name, job, tc.want)
			}
		})
	}
}

// A prober asks at the pace it was planted with: a busy client polling
// one missing URL every 2 s for 10 minutes gives 300 HTTP-404 logs that
// hour, 30 in its first minute; a slow scanner with distinct paths is a
// scanner in Truth.
func TestProbers(t *testing.T) {
	tr := New(Options{Seed: 25, SessionsPerDay: 100}).Truth()
	target := tr.CatchAllServices[0].Destination
	o := Options{Seed: 25, SessionsPerDay: 100, Start: enforceStart, Probers: []Prober{
		{Source: "10.1.30.9", Target: target, Every: 2 * time.Second, Hours: []int{10}, Minute: 5, Minutes: 10},
		{Source: "10.1.31.7", Target: target, Every: 5 * time.Second, Hours: []int{11}, Minutes: 30, Paths: 400, Scanner: true},
	}}
	if err := o.Validate(); err != nil {
		t.Fatal(err)
	}
	s, c := newTestServer(t, o)
	c.deploySignatures()
	c.commit()
	s.Advance(24 * time.Hour)
	busy := c.queryAll("threat", "(addr.src in 10.1.30.9) and (threatid eq 41026)")
	if len(busy) != 300 {
		t.Errorf("busy client: %d HTTP-404 logs; want 300", len(busy))
	}
	first, _ := time.ParseInLocation(devTimeFmt, busy[0].Receive, s.Location())
	n := 0
	for _, l := range busy {
		at, _ := time.ParseInLocation(devTimeFmt, l.Receive, s.Location())
		if at.Sub(first) < time.Minute {
			n++
		}
		if l.Misc != busy[0].Misc {
			t.Fatalf("busy client asked for %s and %s; want one URL", busy[0].Misc, l.Misc)
		}
	}
	if n != 30 || first.Hour() != 10 || first.Minute() != 5 {
		t.Errorf("busy client: %d in its first minute, starting %s; want 30 from 10:05", n, first)
	}
	slow := c.queryAll("threat", "(addr.src in 10.1.31.7) and (threatid eq 41026)")
	paths := map[string]bool{}
	for _, l := range slow {
		paths[l.Misc] = true
	}
	if len(slow) != 360 || len(paths) != 360 {
		t.Errorf("slow scanner: %d logs, %d distinct URLs; want 360 of each", len(slow), len(paths))
	}
	found := false
	for _, sc := range s.Truth().Scanners {
		found = found || sc.Source == "10.1.31.7"
		if sc.Source == "10.1.30.9" {
			t.Error("the busy client is listed as a scanner")
		}
	}
	if !found {
		t.Error("the slow scanner prober is not in Truth.Scanners")
	}
	bad := Options{Seed: 25, Probers: []Prober{{Source: "10.1.30.9", Target: "192.0.2.1", Every: time.Second, Hours: []int{1}, Minutes: 1}}}
	if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), "not an HTTP server") {
		t.Errorf("Validate(prober at an unknown target) = %v", err)
	}
}
