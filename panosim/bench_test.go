package panosim

import (
	"testing"
	"time"
)

// BenchmarkAdvanceWeek measures a week of traffic at the default volume,
// with the signatures deployed.
func BenchmarkAdvanceWeek(b *testing.B) {
	for b.Loop() {
		s := New(Options{Seed: 1})
		s.mu.Lock()
		configSet(s.candidate, []step{{name: "config"}, {name: "shared"}, {name: "threats"}, {name: "vulnerability"}}, testSignatures)
		s.handleCommit(&request{form: map[string][]string{"cmd": {"<commit/>"}}})
		s.mu.Unlock()
		s.Advance(7 * 24 * time.Hour)
	}
}

// BenchmarkLogPage measures a full page (5000 entries) of a log query job:
// filtering, then rendering the FIN answer.
func BenchmarkLogPage(b *testing.B) {
	s := New(Options{Seed: 1})
	s.mu.Lock()
	configSet(s.candidate, []step{{name: "config"}, {name: "shared"}, {name: "threats"}, {name: "vulnerability"}}, testSignatures)
	s.handleCommit(&request{form: map[string][]string{"cmd": {"<commit/>"}}})
	s.mu.Unlock()
	s.Advance(7 * 24 * time.Hour)
	b.ResetTimer()
	for b.Loop() {
		s.mu.Lock()
		r := s.submitLogJob(&request{form: map[string][]string{
			"log-type": {"threat"}, "nlogs": {"5000"}, "dir": {"forward"},
			"query": {"(threatid geq 41000) and (threatid leq 41059) and (receive_time geq '2026/11/03 00:00:00')"},
		}})
		for id, j := range s.logJobs {
			j.polls = 10
			s.pollLogJob(j)
			delete(s.logJobs, id)
		}
		s.mu.Unlock()
		_ = r
	}
}

// testSignatures are two HTTP status signatures (200 and 404).
const testSignatures = `<entry name="41003"><threatname>HTTP-200</threatname><severity>informational</severity>` +
	`<direction>server2client</direction><default-action><alert/></default-action><affected-host><client>yes</client></affected-host>` +
	`<signature><standard><entry name="HTTP-200"><and-condition><entry name="And Condition 1"><or-condition><entry name="Or Condition 1">` +
	`<operator><equal-to><value>200</value><context>http-rsp-code</context></equal-to></operator></entry></or-condition></entry></and-condition>` +
	`</entry></standard></signature></entry>` +
	`<entry name="41026"><threatname>HTTP-404</threatname><severity>informational</severity>` +
	`<direction>server2client</direction><default-action><alert/></default-action><affected-host><client>yes</client></affected-host>` +
	`<signature><standard><entry name="HTTP-404"><and-condition><entry name="And Condition 1"><or-condition><entry name="Or Condition 1">` +
	`<operator><equal-to><value>404</value><context>http-rsp-code</context></equal-to></operator></entry></or-condition></entry></and-condition>` +
	`</entry></standard></signature></entry>`

// BenchmarkAdvanceWeekObjectPolicy is BenchmarkAdvanceWeek on the
// ObjectPolicy rulebase: dynamic groups, users, filters, more rules.
func BenchmarkAdvanceWeekObjectPolicy(b *testing.B) {
	for b.Loop() {
		s := New(Options{Seed: 1, ObjectPolicy: true})
		s.Advance(7 * 24 * time.Hour)
	}
}

// BenchmarkMatchFlow measures one first-match evaluation on the
// ObjectPolicy rulebase of a flow that falls through to the catch-all.
func BenchmarkMatchFlow(b *testing.B) {
	s := New(Options{Seed: 1, ObjectPolicy: true, SessionsPerDay: -1})
	v := s.sc.catchAll[0]
	f := flow{from: zoneTrust, to: zoneDMZ, src: v.clients[0], dst: v.ip, proto: "tcp", protoNum: 6,
		sport: 40000, dport: v.port, app: v.app, user: s.sc.obj.users[v.clients[0]], host: v.host,
		category: "private-ip-addresses", at: s.o.Start.UnixMilli()}
	for b.Loop() {
		_ = s.pol.match(&f)
	}
}
