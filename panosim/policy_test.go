package panosim

import (
	"encoding/xml"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestRuleMatching(t *testing.T) {
	s := New(Options{Seed: 30})
	rules := vsysXP + "/rulebase/security/rules"
	set := func(xpath, element string) {
		t.Helper()
		if r := configSet(s.candidate, mustParseXPath(t, xpath), element); !strings.Contains(r.body, `code="20"`) {
			t.Fatalf("set %s = %s", xpath, r.body)
		}
	}
	set(vsysXP+"/service", `<entry name="tcp-8080"><protocol><tcp><port>8080,9000-9010</port></tcp></protocol></entry>`+
		`<entry name="udp-5000"><protocol><udp><port>5000</port></udp></protocol></entry>`)
	set(vsysXP+"/service-group", `<entry name="web-alt"><members><member>tcp-8080</member><member>svc-tcp-8443</member></members></entry>`)
	set(vsysXP+"/application-group", `<entry name="atlassian"><members><member>jira</member><member>confluence</member></members></entry>`)
	// Rules are evaluated top-down; every test rule sits above the originals.
	type rule struct{ name, body string }
	test := []rule{
		{"T-disabled", "<from><member>any</member></from><to><member>any</member></to><source><member>any</member></source><destination><member>any</member></destination><application><member>any</member></application><service><member>any</member></service><action>deny</action><disabled>yes</disabled>"},
		{"T-user", "<from><member>any</member></from><to><member>any</member></to><source><member>any</member></source><destination><member>any</member></destination><source-user><member>corp\\bob</member></source-user><application><member>any</member></application><service><member>any</member></service><action>deny</action>"},
		{"T-negate", "<from><member>trust</member></from><to><member>dmz</member></to><source><member>corp-clients</member></source><negate-source>yes</negate-source><destination><member>any</member></destination><application><member>any</member></application><service><member>any</member></service><action>allow</action>"},
		{"T-range", "<from><member>trust</member></from><to><member>dmz</member></to><source><member>any</member></source><destination><member>10.20.40.1-10.20.40.9</member></destination><application><member>any</member></application><service><member>service-http</member></service><action>allow</action>"},
		{"T-group", "<from><member>trust</member></from><to><member>dmz</member></to><source><member>any</member></source><destination><member>10.20.41.0/24</member></destination><application><member>any</member></application><service><member>web-alt</member></service><action>allow</action>"},
		{"T-appdefault", "<from><member>trust</member></from><to><member>dmz</member></to><source><member>any</member></source><destination><member>10.20.42.0/24</member></destination><application><member>atlassian</member></application><service><member>application-default</member></service><action>allow</action>"},
		{"T-negdst", "<from><member>trust</member></from><to><member>dmz</member></to><source><member>any</member></source><destination><member>dmz-servers</member></destination><negate-destination>yes</negate-destination><application><member>any</member></application><service><member>udp-5000</member></service><action>allow</action>"},
		{"T-intrazone", "<rule-type>intrazone</rule-type><from><member>trust</member></from><source><member>any</member></source><destination><member>any</member></destination><application><member>ms-rdp</member></application><service><member>any</member></service><action>allow</action>"},
	}
	for i := len(test) - 1; i >= 0; i-- {
		set(rules+"/entry[@name='"+test[i].name+"']", test[i].body)
		r := configMove(s.candidate, mustParseXPath(t, rules+"/entry[@name='"+test[i].name+"']"), "top", "")
		if !strings.Contains(r.body, `code="20"`) {
			t.Fatalf("move %s = %s", test[i].name, r.body)
		}
	}
	if errs := s.validate(s.candidate); len(errs) > 0 {
		t.Fatalf("validate() = %v", errs)
	}
	p, _ := compilePolicy(s.candidate, nil, &policyEnv{seed: 30})
	ip := netip.MustParseAddr
	tests := []struct {
		from, to, src, dst, proto, app string
		port                           int
		want                           string
	}{
		{"trust", "dmz", "10.1.2.3", "10.20.40.5", "tcp", "web-browsing", 80, "T-range"},
		{"trust", "dmz", "10.1.2.3", "10.20.40.5", "tcp", "web-browsing", 8080, "T-range"},
		{"trust", "dmz", "10.1.2.3", "10.20.40.5", "tcp", "web-browsing", 8081, ruleCatchAll},
		{"trust", "dmz", "10.1.2.3", "10.20.40.10", "tcp", "web-browsing", 80, ruleCatchAll},
		{"trust", "dmz", "192.168.7.7", "10.20.40.10", "tcp", "web-browsing", 80, "T-negate"},
		{"trust", "dmz", "10.1.2.3", "10.20.41.7", "tcp", "jenkins", 9005, "T-group"},
		{"trust", "dmz", "10.1.2.3", "10.20.41.7", "tcp", "ssl", 8443, "T-group"},
		{"trust", "dmz", "10.1.2.3", "10.20.41.7", "udp", "ssl", 8443, ruleCatchAll},
		{"trust", "dmz", "10.1.2.3", "10.20.42.7", "tcp", "jira", 8080, "T-appdefault"},
		{"trust", "dmz", "10.1.2.3", "10.20.42.7", "tcp", "confluence", 8090, "T-appdefault"},
		{"trust", "dmz", "10.1.2.3", "10.20.42.7", "tcp", "confluence", 8080, ruleCatchAll},
		{"trust", "dmz", "10.1.2.3", "10.20.42.7", "tcp", "grafana", 3000, ruleCatchAll},
		{"trust", "dmz", "10.1.2.3", "10.99.0.1", "udp", "unknown-udp", 5000, "T-negdst"},
		{"trust", "dmz", "10.1.2.3", "10.20.0.1", "udp", "unknown-udp", 5000, ruleCatchAll},
		{"trust", "trust", "10.1.2.3", "10.1.9.9", "tcp", "ms-rdp", 3389, "T-intrazone"},
		{"trust", "dmz", "10.1.2.3", "10.20.1.10", "tcp", "ms-rdp", 3389, ruleCatchAll},
		{"trust", "dmz", "10.1.2.3", "10.20.1.10", "tcp", "web-browsing", 80, ruleWiki},
		{"trust", "dmz", "10.1.2.3", "10.20.1.10", "tcp", "web-browsing", 8080, ruleCatchAll},
		{"trust", "dmz", "10.1.2.3", "10.20.1.11", "tcp", "web-browsing", 80, rulePortal},
		{"trust", "untrust", "10.1.2.3", "203.0.113.66", "tcp", "web-browsing", 80, ruleBlock},
		{"trust", "untrust", "10.1.2.3", "203.0.113.67", "tcp", "web-browsing", 80, ruleInternet},
		{"trust", "untrust", "10.1.2.3", "203.0.113.67", "udp", "dns", 53, ruleDNS},
		{"dmz", "dmz", "10.20.1.10", "10.20.1.11", "tcp", "smb", 445, ruleCatchAll},
	}
	for _, tc := range tests {
		ss := &session{from: tc.from, to: tc.to, src: ip(tc.src), dst: ip(tc.dst), proto: tc.proto, app: tc.app, dport: tc.port}
		f := ss.flow(0)
		if got := p.match(&f).name; got != tc.want {
			t.Errorf("match(%s->%s %s->%s %s/%d %s) = %s; want %s", tc.from, tc.to, tc.src, tc.dst, tc.proto, tc.port, tc.app, got, tc.want)
		}
	}

	// Without the catch-all, the default rules decide.
	set(rules+"/entry[@name='"+ruleCatchAll+"']", "<disabled>yes</disabled>")
	p, _ = compilePolicy(s.candidate, nil, &policyEnv{seed: 30})
	for _, tc := range []struct {
		from, to string
		want     string
	}{{"dmz", "dmz", ruleIntrazone}, {"trust", "dmz", ruleInterzone}} {
		ss := &session{from: tc.from, to: tc.to, src: ip("10.1.1.10"), dst: ip("10.20.1.11"), proto: "tcp", app: "smb", dport: 445}
		f := ss.flow(0)
		if got := p.match(&f).name; got != tc.want {
			t.Errorf("match(%s->%s smb) without catch-all = %s; want %s", tc.from, tc.to, got, tc.want)
		}
	}
}

func mustParseXPath(t *testing.T, p string) []step {
	t.Helper()
	st, err := parseXPath(p)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestCommitFailsOnBadReference(t *testing.T) {
	_, c := newTestServer(t, Options{Seed: 31})
	c.ok("type", "config", "action", "set", "xpath", vsysXP+"/rulebase/security/rules/entry[@name='Broken']", "element",
		"<from><member>trust</member></from><to><member>dmz</member></to><source><member>any</member></source>"+
			"<destination><member>srv-missing</member></destination><application><member>any</member></application>"+
			"<service><member>svc-missing</member></service><action>allow</action>")
	var ja jobAnswer
	if err := xml.Unmarshal(c.ok("type", "commit", "cmd", "<commit/>"), &ja); err != nil || ja.Job == 0 {
		t.Fatalf("commit = %v, job %d", err, ja.Job)
	}
	var body []byte
	for range 3 {
		body = c.ok("type", "op", "cmd", "<show><jobs><id>"+strconv.Itoa(ja.Job)+"</id></jobs></show>")
	}
	var js struct {
		jobStatus
		Lines []string `xml:"result>job>details>line"`
	}
	if err := xml.Unmarshal(body, &js); err != nil {
		t.Fatal(err)
	}
	details := strings.Join(js.Lines, "\n")
	if js.Status != "FIN" || js.Result != "FAIL" || js.Progress != 100 ||
		!strings.Contains(details, "destination 'srv-missing' is not a valid reference") ||
		!strings.Contains(details, "service 'svc-missing' is not a valid reference") {
		t.Errorf("failed commit job = %s; want FIN FAIL naming both references", body)
	}
	_, shown := c.call("type", "config", "action", "show", "xpath", vsysXP+"/rulebase/security/rules/entry[@name='Broken']")
	if e := parseEnvelope(t, shown); e.Status != "error" {
		t.Errorf("running config after a failed commit has the rule: %s", shown)
	}
}

func TestDefaultRulesCountHits(t *testing.T) {
	s, c := newLoggingServer(t, Options{Seed: 32, SessionsPerDay: 600}, 12*time.Hour)
	c.ok("type", "config", "action", "set", "xpath", vsysXP+"/rulebase/security/rules/entry[@name='"+ruleCatchAll+"']", "element", "<disabled>yes</disabled>")
	c.commit()
	s.Advance(24 * time.Hour)
	var hc hitCountAnswer
	if err := xml.Unmarshal(c.ok("type", "op", "cmd", hitCountCmd(ruleCatchAll, ruleInterzone)), &hc); err != nil {
		t.Fatal(err)
	}
	if len(hc.Rules) != 2 || hc.Rules[1].HitCount == 0 || hc.Rules[0].Modified <= hc.Rules[0].Created {
		t.Errorf("hit counts = %+v; want interzone-default hits and a modified catch-all", hc.Rules)
	}
	svc := s.Truth().CatchAllServices[0]
	after := "(receive_time geq '" + s.Now().Add(-23*time.Hour).In(s.Location()).Format("2006/01/02 15:04:05") + "')"
	if n := c.count("traffic", after+" and (addr.dst eq "+svc.Destination+")"); n != 0 {
		t.Errorf("%d traffic logs to %s after the catch-all was disabled; want 0 (interzone-default does not log)", n, svc.Name)
	}
}
