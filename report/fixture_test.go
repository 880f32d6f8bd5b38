package report

import (
	"strings"
	"time"

	"github.com/panos-mine/mine"
)

// Strings that spreadsheet programs would run as formulas if they were
// stored as formulas, or decode if they were not escaped.
var injections = []string{
	`=HYPERLINK("http://x","y")`,
	`+cmd|' /C calc'!A0`,
	`-1+1`,
	`@SUM(A1)`,
}

// longURL is longer than an Excel cell can hold.
var longURL = "/search?q=" + strings.Repeat("a", 40000-len("/search?q="))

// pst is a zone other than UTC, to check that the workbook shows UTC.
var pst = time.FixedZone("PST", -8*60*60)

func at(day, hour int) time.Time {
	return time.Date(2026, time.November, day, hour, 30, 15, 0, time.UTC)
}

func ptr(t time.Time) *time.Time { return &t }

// testReport returns a small report with every field set and hostile strings
// where logs and devices supply them.
func testReport() *mine.Report {
	return &mine.Report{
		Generated: at(23, 6),
		Device: mine.DeviceReport{
			Hostname:  "fw-edge-01",
			Serial:    "013201001234",
			Model:     "PA-3220",
			SWVersion: "11.1.4-h7",
			TimeZone:  "Europe/Athens",
		},
		Window:   mine.Window{From: at(16, 6), To: at(23, 6)},
		CatchAll: []string{"legacy-allow-tcp-any"},
		Totals: mine.Totals{
			ThreatLogs:        120345,
			Responses:         250000,
			CatchAllResponses: 1100,
			TrafficLogs:       8800,
			CatchAllSessions:  7700,
			// 7700 sessions, 300 of them the scanner's
			CatchAllClientSessions: 7400,
			CatchAllBytes:          9876543210,
			DistinctURLs:           7,
			ScannerResponses:       300,
		},
		StatusCounts:         map[int]int64{200: 240000, 301: 5000, 404: 4000, 503: 1000},
		CatchAllStatusCounts: map[int]int64{200: 700, 404: 300, 503: 100, 299: 0},
		Suggestions: []mine.Suggestion{
			{
				Name:        "allow-intranet-web",
				From:        []string{"trust"},
				To:          []string{"dmz"},
				Source:      []string{"any"},
				Destination: []string{"10.1.2.10", "10.1.2.11"},
				Application: []string{"web-browsing", "ssl"},
				Service:     []string{"application-default"},
				Ports:       []int{80, 443},
				Sessions:    5000,
				Share:       5000.0 / 7700,
				Responses:   600,
				Bytes:       123456789,
				URLs:        3,
				TopURLs: []mine.URLCount{
					{URL: "/index.html", Count: 400},
					{URL: injections[0], Count: 150},
					{URL: "/a_x0041_b", Count: 50},
				},
				DistinctSources: 42,
				FirstSeen:       at(16, 7).In(pst),
				LastSeen:        at(22, 23),
				CatchAllRule:    "legacy-allow-tcp-any",
				URLTemplates: []mine.URLTemplate{
					{Host: "portal.corp.example", Path: "/api/v1/users/{id}", Count: 300, Examples: []string{"portal.corp.example/api/v1/users/7?x=1"}},
					{Host: "10.1.2.11", Path: injections[3], Count: 5, Examples: []string{injections[3]}},
				},
				SetCommands: []string{"set rulebase security rules allow-intranet-web from trust", injections[1]},
			},
			{
				Name:        "allow-ldap-dc",
				From:        []string{"trust"},
				To:          []string{"servers"},
				Source:      []string{"10.0.0.0/8"},
				Destination: []string{"dc01.example.net"},
				Application: []string{"ldap"},
				Service:     []string{"service-ldap-389"},
				Ports:       []int{389},
				Sessions:    2700,
				Share:       2700.0 / 7700,
				Bytes:       98765,
				FirstSeen:   at(17, 1),
				LastSeen:    at(23, 5),
				// No TopURLs, no Responses: not all services speak HTTP.
				CatchAllRule: "legacy-allow-tcp-any",
			},
		},
		CatchAllURLs: []mine.URLStat{
			{URL: "/index.html", Status: 200, Destination: "10.1.2.10", Application: "web-browsing", Port: 80, Count: 400, Sources: 30, FirstSeen: at(16, 7), LastSeen: at(22, 23)},
			{URL: injections[0], Status: 200, Destination: "10.1.2.10", Application: "web-browsing", Port: 80, Count: 150, Sources: 3, FirstSeen: at(17, 8), LastSeen: at(21, 9)},
			{URL: injections[1], Status: 404, Destination: "10.1.2.11", Application: "ssl", Port: 443, Count: 120, Sources: 1, FirstSeen: at(18, 2), LastSeen: at(18, 3), Scanner: true},
			{URL: injections[2], Status: 404, Destination: "10.1.2.11", Application: "ssl", Port: 443, Count: 100, Sources: 1, FirstSeen: at(18, 2).In(pst), LastSeen: at(18, 3), Scanner: true},
			{URL: injections[3], Status: 503, Destination: injections[3], Application: "web-browsing", Port: 8080, Count: 100, Sources: 5, FirstSeen: at(19, 4), LastSeen: at(20, 4)},
			{URL: longURL, Status: 404, Destination: "10.1.2.11", Application: "web-browsing", Port: 80, Count: 80, Sources: 1, FirstSeen: at(20, 1), LastSeen: at(20, 1), Scanner: true},
			{URL: "/a_x0041_b", Status: 301, Destination: "10.1.2.10", Application: "web-browsing", Port: 80, Count: 50, Sources: 2, FirstSeen: at(21, 1), LastSeen: at(22, 1)},
		},
		Scanners: []mine.Scanner{
			{Source: "192.0.2.66", Targets: []string{"10.1.2.11"}, DistinctPaths: 900, Responses: 300, NotFound: 290, FirstSeen: at(18, 2), LastSeen: at(18, 3)},
		},
		Coverage: mine.Coverage{
			// 4500 + 2300 carried, 200 depend on a user, 600 + 100 stay
			Basis: "sessions", Total: 7700, Covered: 6800, CoveredShare: 6800.0 / 7700, ResidualShare: 700.0 / 7700,
			Depends: 200, DependsShare: 200.0 / 7700,
			DependsOn: []mine.DependentTraffic{{CatchAllRule: "legacy-allow-tcp-any", Application: "ssl", Destination: "10.1.2.12", Port: 443,
				Count: 200, Share: 200.0 / 7700, Sources: 3, Rule: "allow-finance", Reasons: []string{"source user (corp\\finance)"},
				FirstSeen: at(17, 9), LastSeen: at(22, 17)}},
			ByRule: []mine.RuleCoverage{
				{Rule: "allow-intranet-web", Count: 4500, Share: 4500.0 / 7700},
				{Rule: "allow-ldap-dc", Count: 2300, Share: 2300.0 / 7700, Existing: true},
			},
			Residual: []mine.Residual{
				{CatchAllRule: "legacy-allow-tcp-any", Application: "unknown-tcp", Destination: injections[3], Port: 9000,
					Count: 600, Share: 600.0 / 7700, Sources: 4, Reason: "not an App-ID", FirstSeen: at(16, 9), LastSeen: at(22, 9)},
				{CatchAllRule: "legacy-allow-tcp-any", Application: "web-browsing", Destination: "10.1.2.11", Port: 80,
					Count: 100, Share: 100.0 / 7700, Sources: 1, Reason: "scanner", Rare: true, FirstSeen: at(18, 2), LastSeen: at(18, 3)},
			},
		},
		CustomAppCandidates: []mine.CustomAppCandidate{{
			Name: "intranet-portal", Application: "web-browsing", Destination: []string{"10.1.2.10"}, Ports: []int{80},
			Host: "portal.corp.example", HostShare: 0.98, PathPrefix: "/api/", PathShare: 0.75, Responses: 600, DistinctSources: 42,
			URLTemplates: []mine.URLTemplate{{Host: "portal.corp.example", Path: "/api/v1/users/{id}", Count: 300}},
			HostPattern:  `portal\.corp\.example`, PathPatterns: []string{"/api/"},
			SetCommands:  []string{injections[0], "set application intranet-portal category business-systems"},
			CatchAllRule: "legacy-allow-tcp-any",
		}},
		ScannerTargets: []mine.ScannerTarget{
			{Destination: "10.1.2.11", Scanners: []string{"192.0.2.66"}, ErrorResponses: 290, Statuses: []int{403, 404},
				Rules: []string{"legacy-allow-tcp-any"}, Recommendation: "block the scanner; " + injections[1]},
			{Destination: "10.9.9.9", Scanners: []string{"192.0.2.66"}, ErrorResponses: 10, Statuses: []int{404},
				Rules: []string{"legacy-allow-tcp-any"}, Recommendation: "nothing to fix"},
		},
		Findings: []mine.Finding{
			{Kind: mine.FindingBrokenLink, Team: "web", Destination: "10.1.2.10", Host: "portal.corp.example", Port: 80,
				Path: "/img/{id}.png", Status: 404, Count: 40, Sources: 12, Examples: []string{"/img/1.png", injections[2]},
				Rules: []string{"legacy-allow-tcp-any"}, FirstSeen: at(16, 8), LastSeen: at(22, 8)},
			{Kind: mine.FindingServerError, Team: "", Destination: injections[3], Host: injections[0], Port: 8080,
				Path: injections[1], Status: 503, Count: 100, Sources: 5, Examples: []string{injections[1]},
				Rules: []string{"legacy-allow-tcp-any"}, FirstSeen: at(19, 4), LastSeen: at(20, 4)},
			{Kind: mine.FindingAuth, Team: "identity", Destination: "10.1.2.20", Host: "sso.corp.example", Port: 443,
				Path: "/login", Status: 401, Count: 7, Sources: 2, FirstSeen: at(17, 9), LastSeen: at(17, 10)},
		},
		Readiness: []mine.Readiness{{
			Rule: "legacy-allow-tcp-any", Verdict: mine.VerdictNotReady,
			Criteria: []mine.Criterion{
				{Name: "catch-all-hits", Result: mine.ResultFail, Evidence: "7400 in the latest week, above the threshold of 0"},
				{Name: "counters-intact", Result: mine.ResultUnknown, Evidence: "no hit counts for \"legacy-allow-tcp-any\""},
				{Name: "signatures-logging", Result: mine.ResultPass, Evidence: injections[0]},
			},
		}},
		CatchAllApps: []mine.AppStat{
			{Application: "web-browsing", Sessions: 5200, Bytes: 9100000, Destinations: 3, Sources: 40, Ports: []int{80, 8080},
				Success: 4100, Redirects: 300, ClientErrors: 44, ServerErrors: 100, HTTPVisible: true, Suggested: true, FirstSeen: at(16, 6), LastSeen: at(23, 5)},
			{Application: injections[2], Sessions: 12, Bytes: 4000, Destinations: 1, Sources: 1, Ports: []int{22}, FirstSeen: at(18, 1), LastSeen: at(18, 2)},
		},
		DailyStatus: []mine.DayStatus{
			{Day: time.Date(2026, time.November, 16, 0, 0, 0, 0, time.UTC), Success: 700, Redirects: 40, ClientErrors: 12, ServerErrors: 3},
			{Day: time.Date(2026, time.November, 17, 0, 0, 0, 0, time.UTC), Success: 650, Redirects: 35, ClientErrors: 300, ServerErrors: 90},
		},
		// The window from 11-16 06:30 to 11-23 06:30 touches eight days;
		// the six whole ones make no week.
		CatchAllDaily: testDays(),
		CatchAllDestinations: []mine.DestinationUse{
			{Destination: "10.1.2.10", Application: "web-browsing", Ports: []int{80, 443}, Sessions: 5000, Bytes: 123456789, Responses: 650, Sources: 42},
			{Destination: "dc01.example.net", Application: "ldap", Ports: []int{389}, Sessions: 2300, Bytes: 98765, Sources: 9},
			{Destination: injections[3], Application: "unknown-tcp", Ports: []int{9000}, Sessions: 100, Bytes: 5000, Sources: 4},
		},
		SignatureChecks: []mine.SignatureCheck{{Rule: "legacy-allow-tcp-any", Profile: "corp-vuln", Logs: true}},
		HitCounts: []mine.HitCount{
			{Rule: "allow-dns", Position: 0, Action: "allow", HitCount: 18446744073709, FirstHit: ptr(at(1, 0)), LastHit: ptr(at(23, 5)), LastReset: ptr(at(1, 0).In(pst))},
			{Rule: "block-old-app", Position: 1, Action: "deny", HitCount: 0, Location: "vsys1", ShadowedBy: []string{"allow-dns"}},
			{Rule: "legacy-allow-tcp-any", Position: 2, Action: "allow", CatchAll: true, HitCount: 7700, FirstHit: ptr(at(16, 6)), LastHit: ptr(at(23, 5)),
				Location: "vsys1", PortBased: true},
		},
		CatchAllReason: "the only reachable port-based rule allowing web ports: breadth 81.0 bits",
		PolicyWarnings: []string{`rule "block-old-app": service "svc-old" is not defined in vsys1, shared`},
		PolicyChecks: &mine.PolicyChecks{Checked: 12, Agreed: 10, Resolved: 1, Disagreements: []mine.PolicyDisagreement{
			{CatchAllRule: "legacy-allow-tcp-any", From: "trust", To: "dmz", Source: "10.9.0.5", Destination: "10.1.2.10", Protocol: "tcp", Port: 80,
				Application: "web-browsing", Mine: "allow-intranet-web", Device: "legacy-allow-tcp-any"}}},
	}
}

// wideReport returns testReport with values too long for one terminal line.
func wideReport() *mine.Report {
	r := testReport()
	r.CatchAll = append(r.CatchAll, "second-catch-all-rule-with-a-very-long-name-that-goes-on-and-on-and-on-forever")
	r.Suggestions[0].Name = "allow-intranet-web-servers-in-the-dmz-for-the-finance-department-app"
	r.Suggestions[0].Destination = []string{"10.1.2.10", "10.1.2.11", "10.1.2.12", "10.1.2.13", "10.1.2.14", "app.finance.example.net"}
	r.Suggestions[1].Name = "evil\x1b[2J\x1b]0;pwned\x07-name\u202e"
	return r
}

// testDays are the catch-all's days of testReport: 1,000 sessions a day
// (50 of them the scanner's), the partial ends half that.
func testDays() []mine.CatchAllDay {
	var out []mine.CatchAllDay
	for d := 16; d <= 23; d++ {
		day := mine.CatchAllDay{Day: time.Date(2026, time.November, d, 0, 0, 0, 0, time.UTC), Partial: d == 16 || d == 23,
			Sessions: 1000, ClientSessions: 950, Success: 90, Redirects: 5, ClientErrors: 3, ServerErrors: int64(d % 3), ScannerResponses: 40}
		if day.Partial {
			day.Sessions, day.ClientSessions = 500, 475
		}
		out = append(out, day)
	}
	return out
}
