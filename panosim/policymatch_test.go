package panosim

import (
	"encoding/xml"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// matchAnswer is the part of a test security-policy-match answer the
// tests read (demisto's Panorama integration reads result/rules/entry with
// @name, from, source, to, destination, category and action).
type matchAnswer struct {
	Status string   `xml:"status,attr"`
	Lines  []string `xml:"msg>line"`
	Rules  []struct {
		Name        string `xml:"name,attr"`
		Index       int    `xml:"index"`
		From        string `xml:"from"`
		Source      string `xml:"source"`
		To          string `xml:"to"`
		Destination string `xml:"destination"`
		User        string `xml:"user"`
		Category    string `xml:"category"`
		Application string `xml:"application"`
		Service     string `xml:"service"`
		Action      string `xml:"action"`
		Terminal    string `xml:"terminal"`
	} `xml:"result>rules>entry"`
}

// spm builds a security-policy-match command from "name=value" pairs.
func spm(kv ...string) string {
	var b strings.Builder
	b.WriteString("<test><security-policy-match>")
	for _, p := range kv {
		k, v, _ := strings.Cut(p, "=")
		fmt.Fprintf(&b, "<%s>%s</%s>", k, esc(v), k)
	}
	b.WriteString("</security-policy-match></test>")
	return b.String()
}

func (c *apiClient) policyMatch(kv ...string) matchAnswer {
	c.t.Helper()
	var a matchAnswer
	if err := xml.Unmarshal(c.ok("type", "op", "cmd", spm(kv...)), &a); err != nil {
		c.t.Fatal(err)
	}
	return a
}

func (c *apiClient) set(xpath, element string) {
	c.t.Helper()
	c.ok("type", "config", "action", "set", "xpath", xpath, "element", element)
}

// addRulesOnTop puts rules (name, inner XML) above the existing ones, in
// the order given.
func (c *apiClient) addRulesOnTop(rules ...[2]string) {
	c.t.Helper()
	rb := vsysXP + "/rulebase/security/rules"
	for i := len(rules) - 1; i >= 0; i-- {
		c.set(rb+"/entry[@name='"+rules[i][0]+"']", rules[i][1])
		c.ok("type", "config", "action", "move", "xpath", rb+"/entry[@name='"+rules[i][0]+"']", "where", "top")
	}
}

// td is the zone-to-zone, address and application part every test rule
// starts with: trust to dmz, to one destination.
func td(dst string) string {
	return "<from><member>trust</member></from><to><member>dmz</member></to><source><member>any</member></source>" +
		"<destination><member>" + dst + "</member></destination>"
}

const anyAppSvc = "<application><member>any</member></application><service><member>any</member></service><action>allow</action>"

// A Monday, 07:00 in the device zone (America/Los_Angeles, PST).
var mondayMorning = time.Date(2026, 11, 2, 15, 0, 0, 0, time.UTC)

// objectServer is a firewall with one test rule per object kind and match
// condition above the scenario's rules; Allow-Web-Ports (any to any) stays
// last, so a flow no test rule takes lands there.
func objectServer(t *testing.T) (*Server, *apiClient) {
	t.Helper()
	s, c := newTestServer(t, Options{Seed: 40, SessionsPerDay: -1, Start: mondayMorning})
	c.set("/config/shared/address", `<entry name="dup"><ip-netmask>10.20.200.9</ip-netmask></entry>`)
	c.set(vsysXP+"/address", `<entry name="dup"><ip-netmask>10.20.200.8</ip-netmask></entry>`+
		`<entry name="srv-lie"><ip-netmask>10.20.201.1</ip-netmask></entry>`+
		`<entry name="web-fqdn"><fqdn>web.test.example</fqdn></entry>`+
		`<entry name="h-inner"><ip-netmask>10.20.203.4</ip-netmask></entry>`+
		`<entry name="r-range"><ip-range>10.20.204.10-10.20.204.20</ip-range></entry>`+
		`<entry name="w-odd"><ip-wildcard>10.20.205.1/0.0.0.254</ip-wildcard></entry>`+
		`<entry name="tagged-qa"><ip-netmask>10.20.206.6</ip-netmask><tag><member>app</member><member>qa</member></tag></entry>`+
		`<entry name="v6-net"><ip-netmask>2001:db8:30::/64</ip-netmask></entry>`+
		`<entry name="n-a"><ip-netmask>10.1.50.0/24</ip-netmask></entry>`)
	c.set(vsysXP+"/address-group", `<entry name="g-inner"><static><member>h-inner</member></static></entry>`+
		`<entry name="g-mid"><static><member>g-inner</member><member>10.20.203.3</member></static></entry>`+
		`<entry name="g-outer"><static><member>g-mid</member></static></entry>`+
		`<entry name="dag-test"><dynamic><filter>'app' and ('prod' or 'qa')</filter></dynamic></entry>`+
		`<entry name="g-neg"><static><member>n-a</member></static></entry>`)
	c.set(vsysXP+"/service", `<entry name="tcp-8080"><protocol><tcp><port>8443</port></tcp></protocol></entry>`+
		`<entry name="svc-src"><protocol><tcp><port>9000</port><source-port>1000-1999</source-port></tcp></protocol></entry>`+
		`<entry name="svc-sctp"><protocol><sctp><port>2905</port></sctp></protocol></entry>`+
		`<entry name="svc-udp-5000"><protocol><udp><port>5000</port></udp></protocol></entry>`)
	c.set(vsysXP+"/service-group", `<entry name="sg-inner"><members><member>svc-udp-5000</member></members></entry>`+
		`<entry name="sg-outer"><members><member>sg-inner</member><member>service-https</member></members></entry>`)
	c.set(vsysXP+"/application-group", `<entry name="ag-inner"><members><member>jira</member></members></entry>`+
		`<entry name="ag-outer"><members><member>ag-inner</member><member>ssh</member></members></entry>`)
	c.set(vsysXP+"/application-filter", `<entry name="af-collab"><category><member>collaboration</member></category>`+
		`<subcategory><member>management</member></subcategory></entry>`)
	c.set(vsysXP+"/profiles/custom-url-category", `<entry name="cu-internal"><list><member>*.corp.test</member></list><type>URL List</type></entry>`)
	c.set(vsysXP+"/schedule", `<entry name="sch-mon-morning"><schedule-type><recurring><weekly><monday>`+
		`<member>06:00-09:00</member></monday></weekly></recurring></schedule-type></entry>`)
	c.addRulesOnTop(
		[2]string{"R-disabled", td("10.20.200.1") + anyAppSvc + "<disabled>yes</disabled>"},
		[2]string{"R-scope", td("dup") + anyAppSvc},
		[2]string{"R-lie", td("srv-lie") + "<application><member>any</member></application><service><member>tcp-8080</member></service><action>allow</action>"},
		[2]string{"R-fqdn", td("web-fqdn") + anyAppSvc},
		[2]string{"R-nested", td("g-outer") + anyAppSvc},
		[2]string{"R-range", td("r-range") + anyAppSvc},
		[2]string{"R-wild", td("w-odd") + anyAppSvc},
		[2]string{"R-dag", td("dag-test") + anyAppSvc},
		[2]string{"R-v6", td("v6-net") + anyAppSvc},
		[2]string{"R-srcport", td("10.20.207.7") + "<application><member>any</member></application><service><member>svc-src</member></service><action>allow</action>"},
		[2]string{"R-sctp", td("10.20.207.8") + "<application><member>any</member></application><service><member>svc-sctp</member></service><action>allow</action>"},
		[2]string{"R-sg", td("10.20.207.9") + "<application><member>any</member></application><service><member>sg-outer</member></service><action>allow</action>"},
		[2]string{"R-users", td("10.20.208.1") + `<source-user><member>corp\alice</member><member>corp\bob</member></source-user>` + anyAppSvc},
		[2]string{"R-known", td("10.20.208.2") + "<source-user><member>known-user</member></source-user>" + anyAppSvc},
		[2]string{"R-unknown", td("10.20.208.3") + "<source-user><member>unknown</member></source-user>" + anyAppSvc},
		[2]string{"R-intra", "<rule-type>intrazone</rule-type><from><member>trust</member></from><to><member>trust</member></to>" +
			"<source><member>any</member></source><destination><member>10.20.209.0/24</member></destination>" + anyAppSvc},
		[2]string{"R-inter", "<rule-type>interzone</rule-type><from><member>trust</member></from><to><member>dmz</member></to>" +
			"<source><member>any</member></source><destination><member>10.20.209.0/24</member></destination>" + anyAppSvc},
		[2]string{"R-neg", "<from><member>trust</member></from><to><member>dmz</member></to><source><member>g-neg</member></source>" +
			"<negate-source>yes</negate-source><destination><member>10.20.210.1</member></destination>" + anyAppSvc},
		[2]string{"R-negdst", "<from><member>untrust</member></from><to><member>trust</member></to><source><member>any</member></source>" +
			"<destination><member>10.1.211.0/24</member></destination><negate-destination>yes</negate-destination>" + anyAppSvc},
		[2]string{"R-appgrp", td("10.20.212.1") + "<application><member>ag-outer</member></application><service><member>application-default</member></service><action>allow</action>"},
		[2]string{"R-appfilter", td("10.20.212.2") + "<application><member>af-collab</member></application><service><member>application-default</member></service><action>allow</action>"},
		[2]string{"R-cat", td("10.20.213.1") + "<category><member>news</member><member>cu-internal</member></category>" + anyAppSvc},
		[2]string{"R-sched", td("10.20.214.1") + anyAppSvc + "<schedule>sch-mon-morning</schedule>"},
		[2]string{"R-icmp", td("10.20.215.1") + "<application><member>icmp</member></application><service><member>application-default</member></service><action>allow</action>"},
	)
	c.commit()
	return s, c
}

func TestPolicyMatchObjectsAndConditions(t *testing.T) {
	s, c := objectServer(t)
	base := []string{"from=trust", "to=dmz", "source=10.1.2.3", "protocol=6", "destination-port=80", "application=web-browsing"}
	with := func(kv ...string) []string {
		out := slices.Clone(base)
		for _, p := range kv {
			k, _, _ := strings.Cut(p, "=")
			i := slices.IndexFunc(out, func(q string) bool { return strings.HasPrefix(q, k+"=") })
			switch {
			case i >= 0 && strings.HasSuffix(p, "="):
				out = slices.Delete(out, i, i+1)
			case i >= 0:
				out[i] = p
			default:
				out = append(out, p)
			}
		}
		return out
	}
	check := func(name string, kv []string, want string) {
		t.Helper()
		a := c.policyMatch(kv...)
		if len(a.Rules) != 1 || a.Rules[0].Name != want {
			t.Errorf("%s: policy match %v = %+v; want %s", name, kv, a.Rules, want)
		}
	}
	const catchAll = ruleCatchAll
	tests := []struct {
		name string
		kv   []string
		want string
	}{
		{"disabled rule is skipped", with("destination=10.20.200.1"), catchAll},
		{"vsys object shadows shared one", with("destination=10.20.200.8"), "R-scope"},
		{"shared dup is shadowed", with("destination=10.20.200.9"), catchAll},
		{"tcp-8080 is not 8080", with("destination=10.20.201.1", "destination-port=8080"), catchAll},
		{"tcp-8080 is 8443", with("destination=10.20.201.1", "destination-port=8443"), "R-lie"},
		{"fqdn not resolved yet", with("destination=10.20.202.2"), catchAll},
		{"three levels of groups", with("destination=10.20.203.4"), "R-nested"},
		{"literal in a nested group", with("destination=10.20.203.3"), "R-nested"},
		{"range low end", with("destination=10.20.204.10"), "R-range"},
		{"range high end", with("destination=10.20.204.20"), "R-range"},
		{"past the range", with("destination=10.20.204.21"), catchAll},
		{"wildcard odd host", with("destination=10.20.205.7"), "R-wild"},
		{"wildcard even host", with("destination=10.20.205.8"), catchAll},
		{"dynamic group: tagged object", with("destination=10.20.206.6"), "R-dag"},
		{"dynamic group: unregistered", with("destination=10.20.206.7"), catchAll},
		{"ipv6 network", with("source=2001:db8:1::1", "destination=2001:db8:30::5"), "R-v6"},
		{"source port in range", with("destination=10.20.207.7", "destination-port=9000", "source-port=1500"), "R-srcport"},
		{"source port out of range", with("destination=10.20.207.7", "destination-port=9000", "source-port=2500"), catchAll},
		{"source port unknown", with("destination=10.20.207.7", "destination-port=9000"), catchAll},
		{"sctp service", with("destination=10.20.207.8", "protocol=132", "destination-port=2905"), "R-sctp"},
		{"sctp port over tcp", with("destination=10.20.207.8", "destination-port=2905"), catchAll},
		{"nested service group udp", with("destination=10.20.207.9", "protocol=17", "destination-port=5000"), "R-sg"},
		{"nested service group predefined", with("destination=10.20.207.9", "destination-port=443"), "R-sg"},
		{"service group miss", with("destination=10.20.207.9"), catchAll},
		{"listed user", with("destination=10.20.208.1", `source-user=corp\alice`), "R-users"},
		{"listed user, other case", with("destination=10.20.208.1", `source-user=CORP\Bob`), "R-users"},
		{"unlisted user", with("destination=10.20.208.1", `source-user=corp\carol`), catchAll},
		{"user not given is unknown", with("destination=10.20.208.1"), catchAll},
		{"known-user", with("destination=10.20.208.2", `source-user=corp\carol`), "R-known"},
		{"known-user without a user", with("destination=10.20.208.2"), catchAll},
		{"unknown without a user", with("destination=10.20.208.3"), "R-unknown"},
		{"unknown with a user", with("destination=10.20.208.3", `source-user=corp\carol`), catchAll},
		{"intrazone same zone", with("to=trust", "destination=10.20.209.5"), "R-intra"},
		{"intrazone rule skips interzone", with("destination=10.20.209.5"), "R-inter"},
		{"interzone rule skips intrazone", with("from=dmz", "to=dmz", "destination=10.20.209.5"), catchAll},
		{"negated source, excluded", with("source=10.1.50.9", "destination=10.20.210.1"), catchAll},
		{"negated source, other", with("source=10.1.51.9", "destination=10.20.210.1"), "R-neg"},
		{"negated destination, inside", with("from=untrust", "to=trust", "source=192.0.2.7", "destination=10.1.211.5"), catchAll},
		{"negated destination, outside", with("from=untrust", "to=trust", "source=192.0.2.7", "destination=10.1.99.1"), "R-negdst"},
		{"nested application group", with("destination=10.20.212.1", "application=jira", "destination-port=8080"), "R-appgrp"},
		{"application group second member", with("destination=10.20.212.1", "application=ssh", "destination-port=22"), "R-appgrp"},
		{"application group, non-default port", with("destination=10.20.212.1", "application=jira", "destination-port=8443"), catchAll},
		{"application group, other app", with("destination=10.20.212.1", "application=confluence", "destination-port=8090"), catchAll},
		{"application filter", with("destination=10.20.212.2", "application=confluence", "destination-port=8090"), "R-appfilter"},
		{"application filter, jira", with("destination=10.20.212.2", "application=jira", "destination-port=8080"), "R-appfilter"},
		{"application filter, non-default port", with("destination=10.20.212.2", "application=confluence", "destination-port=8080"), catchAll},
		{"application filter, app outside", with("destination=10.20.212.2"), catchAll},
		{"application not given is unknown", with("destination=10.20.212.2", "application=", "destination-port=8090"), catchAll},
		{"url category listed", with("destination=10.20.213.1", "category=news"), "R-cat"},
		{"custom url category listed", with("destination=10.20.213.1", "category=cu-internal"), "R-cat"},
		{"url category other", with("destination=10.20.213.1", "category=shopping"), catchAll},
		{"url category not given", with("destination=10.20.213.1"), catchAll},
		{"schedule active (Monday 07:00)", with("destination=10.20.214.1"), "R-sched"},
		// icmp is identified by IP protocol 1, without ports.
		{"application-default by ip protocol", with("destination=10.20.215.1", "protocol=1", "application=icmp", "destination-port="), "R-icmp"},
		{"application-default, other protocol", with("destination=10.20.215.1", "application=icmp"), catchAll},
		{"zones derived from the interfaces", []string{"source=10.1.2.3", "destination=10.20.200.8", "protocol=6", "destination-port=80", "application=web-browsing"}, "R-scope"},
	}
	for _, tc := range tests {
		check(tc.name, tc.kv, tc.want)
	}

	// DNS answers and registrations change membership without a commit.
	if err := s.SetFQDN("web.test.example", "10.20.202.2"); err != nil {
		t.Fatal(err)
	}
	check("fqdn resolved", with("destination=10.20.202.2"), "R-fqdn")
	if err := s.SetFQDN("web.test.example", "10.20.202.3"); err != nil {
		t.Fatal(err)
	}
	check("fqdn moved away", with("destination=10.20.202.2"), catchAll)
	check("fqdn moved here", with("destination=10.20.202.3"), "R-fqdn")

	uid := func(op, entries string) []byte {
		t.Helper()
		return c.ok("type", "user-id", "action", "set", "cmd",
			"<uid-message><version>1.0</version><type>update</type><payload><"+op+">"+entries+"</"+op+"></payload></uid-message>")
	}
	uid("register", `<entry ip="10.20.206.7"><tag><member>app</member><member>prod</member></tag></entry>`)
	check("dynamic group: registered app+prod", with("destination=10.20.206.7"), "R-dag")
	uid("unregister", `<entry ip="10.20.206.7"><tag><member>prod</member></tag></entry>`)
	check("dynamic group: only app left", with("destination=10.20.206.7"), catchAll)
	uid("register", `<entry ip="10.20.206.7"><tag><member timeout="60">qa</member></tag></entry>`)
	check("dynamic group: app+qa for a minute", with("destination=10.20.206.7"), "R-dag")

	// Two hours later (09:00:00 < t): the registration expired, the
	// schedule ended at 09:00:59.
	s.Advance(2*time.Hour + 30*time.Minute)
	check("dynamic group: qa expired", with("destination=10.20.206.7"), catchAll)
	check("schedule over (Monday 09:30)", with("destination=10.20.214.1"), catchAll)
}

func TestPolicyMatchAnswer(t *testing.T) {
	s, c := objectServer(t)
	// The fields of the answer for the rule it names.
	a := c.policyMatch("from=trust", "to=dmz", "source=10.1.2.3", "destination=10.20.208.1", "protocol=6",
		"destination-port=80", "application=web-browsing", `source-user=corp\alice`)
	if len(a.Rules) != 1 {
		t.Fatalf("answer = %+v; want one rule", a)
	}
	r := a.Rules[0]
	if r.Name != "R-users" || r.From != "trust" || r.To != "dmz" || r.Source != "any" || r.Destination != "10.20.208.1" ||
		r.User != `[ corp\alice corp\bob ]` || r.Category != "any" || r.Action != "allow" || r.Terminal != "yes" || r.Index != 13 {
		t.Errorf("answer entry = %+v; want R-users at index 13 (the 13th test rule), trust to dmz, users [ corp\\alice corp\\bob ], allow", r)
	}

	// show-all lists every rule the flow matches, in order, down to the
	// default rule: here R-scope, the catch-all and interzone-default.
	a = c.policyMatch("from=trust", "to=dmz", "source=10.1.2.3", "destination=10.20.200.8", "protocol=6",
		"destination-port=80", "application=web-browsing", "show-all=yes")
	var names []string
	for _, r := range a.Rules {
		names = append(names, r.Name)
	}
	if want := []string{"R-scope", ruleCatchAll, ruleInterzone}; !slices.Equal(names, want) {
		t.Errorf("show-all = %v; want %v", names, want)
	}

	// The override answers in place of the evaluation; !ok gives the
	// evaluation back.
	var seen []Flow
	s.SetPolicyMatchOverride(func(f Flow) (string, bool) {
		seen = append(seen, f)
		switch f.Destination.String() {
		case "10.20.200.8":
			return ruleWiki, true
		case "10.20.200.9":
			return "", true
		}
		return "", false
	})
	if a := c.policyMatch("source=10.1.2.3", "destination=10.20.200.8", "protocol=6", "destination-port=80"); len(a.Rules) != 1 || a.Rules[0].Name != ruleWiki {
		t.Errorf("overridden answer = %+v; want %s", a.Rules, ruleWiki)
	}
	if a := c.policyMatch("source=10.1.2.3", "destination=10.20.200.9", "protocol=6"); a.Status != "success" || len(a.Rules) != 0 {
		t.Errorf("overridden no-match answer = %+v; want success with no rule", a)
	}
	if a := c.policyMatch("source=10.1.2.3", "destination=10.20.201.1", "protocol=6", "destination-port=8443"); len(a.Rules) != 1 || a.Rules[0].Name != "R-lie" {
		t.Errorf("answer the override leaves alone = %+v; want R-lie", a.Rules)
	}
	if len(seen) != 3 || seen[0].From != "trust" || seen[0].To != "dmz" || seen[0].Protocol != 6 || seen[0].DestinationPort != 80 {
		t.Errorf("override saw %+v; want 3 flows, the first trust to dmz tcp/80 (zones derived)", seen)
	}
	s.SetPolicyMatchOverride(nil)
	if a := c.policyMatch("source=10.1.2.3", "destination=10.20.200.8", "protocol=6", "destination-port=80"); len(a.Rules) != 1 || a.Rules[0].Name != "R-scope" {
		t.Errorf("answer after removing the override = %+v; want R-scope", a.Rules)
	}
	// Traffic never sees the override: the evaluation carries sessions.
	s.SetPolicyMatchOverride(func(Flow) (string, bool) { return ruleBlock, true })
	f := flow{from: zoneTrust, to: zoneDMZ, src: mustAddr("10.1.2.3"), dst: mustAddr("10.20.200.8"), proto: "tcp", dport: 80, app: "web-browsing"}
	if got := s.pol.match(&f).name; got != "R-scope" {
		t.Errorf("session match with an override planted = %s; want R-scope", got)
	}

	// Bad commands get errors naming what is wrong.
	for _, tc := range []struct{ cmd, want string }{
		{spm("source=10.1.2.3", "protocol=6"), "'destination' is missing"},
		{spm("source=10.1.2.3", "destination=10.20.0.1"), "'protocol' is missing"},
		{spm("source=10.1.2.3", "destination=10.20.0.1", "protocol=300"), "protocol 300 is not in 1-255"},
		{spm("source=ten", "destination=10.20.0.1", "protocol=6"), "source 'ten' is invalid"},
		{spm("source=10.1.2.3", "destination=10.20.0.1", "protocol=6", "destination-port=99999"), "is not in 0-65535"},
		{spm("source=10.1.2.3", "destination=10.20.0.1", "protocol=6", "colour=red"), "colour is unexpected"},
	} {
		_, body := c.call("type", "op", "cmd", tc.cmd)
		if e := parseEnvelope(t, body); e.Status != "error" || !strings.Contains(strings.Join(e.Lines, " "), tc.want) {
			t.Errorf("op %s = %s; want an error containing %q", tc.cmd, body, tc.want)
		}
	}
}

func TestDefaultRuleOverrides(t *testing.T) {
	_, c := newTestServer(t, Options{Seed: 41, SessionsPerDay: -1})
	c.set(vsysXP+"/rulebase/security/rules/entry[@name='"+ruleCatchAll+"']", "<disabled>yes</disabled>")
	ask := func(from, to string) (string, string) {
		t.Helper()
		a := c.policyMatch("from="+from, "to="+to, "source=10.1.2.3", "destination=10.20.99.1", "protocol=6", "destination-port=4444")
		if len(a.Rules) != 1 {
			t.Fatalf("answer = %+v; want one rule", a)
		}
		return a.Rules[0].Name, a.Rules[0].Action
	}
	c.commit()
	for _, tc := range []struct{ from, to, rule, action string }{
		{"trust", "trust", ruleIntrazone, "allow"},
		{"trust", "dmz", ruleInterzone, "deny"},
	} {
		if r, a := ask(tc.from, tc.to); r != tc.rule || a != tc.action {
			t.Errorf("%s->%s without overrides = %s %s; want %s %s", tc.from, tc.to, r, a, tc.rule, tc.action)
		}
	}
	// Overrides as the recorded iron-skillet configuration writes them.
	c.set(vsysXP+"/rulebase/default-security-rules/rules", `<entry name="intrazone-default"><action>deny</action><log-end>yes</log-end></entry>`+
		`<entry name="interzone-default"><action>drop</action><log-start>no</log-start><log-end>yes</log-end></entry>`)
	c.commit()
	for _, tc := range []struct{ from, to, rule, action string }{
		{"trust", "trust", ruleIntrazone, "deny"},
		{"dmz", "trust", ruleInterzone, "drop"},
	} {
		if r, a := ask(tc.from, tc.to); r != tc.rule || a != tc.action {
			t.Errorf("%s->%s with overrides = %s %s; want %s %s", tc.from, tc.to, r, a, tc.rule, tc.action)
		}
	}
}

func TestCommitRejectsBadObjects(t *testing.T) {
	rule := func(inner string) string {
		return "<from><member>trust</member></from><to><member>dmz</member></to><source><member>any</member></source>" + inner + "<action>allow</action>"
	}
	dst := "<destination><member>any</member></destination>"
	tests := []struct {
		name         string
		xpath, elem  string
		wantInDetail string
	}{
		{"unknown application", vsysXP + "/rulebase/security/rules/entry[@name='X']",
			rule(dst + "<application><member>no-such-app</member></application><service><member>any</member></service>"), "application 'no-such-app' is not a valid reference"},
		{"unknown schedule", vsysXP + "/rulebase/security/rules/entry[@name='X']",
			rule(dst+"<application><member>any</member></application><service><member>any</member></service>") + "<schedule>nightly</schedule>", "schedule 'nightly' is not a valid reference"},
		{"unknown url category", vsysXP + "/rulebase/security/rules/entry[@name='X']",
			rule(dst + "<category><member>no-such-category</member></category><application><member>any</member></application><service><member>any</member></service>"), "category 'no-such-category' is not a valid reference"},
		{"unknown service group member", vsysXP + "/service-group", `<entry name="sg"><members><member>nope</member></members></entry>`, "service-group -> sg is not a valid service"},
		{"unknown static member", vsysXP + "/address-group", `<entry name="g"><static><member>nope</member></static></entry>`, "address-group -> g -> static 'nope' is not a valid reference"},
		{"group loop", vsysXP + "/address-group", `<entry name="g1"><static><member>g2</member></static></entry><entry name="g2"><static><member>g1</member></static></entry>`, "address-group -> g1 -> static 'g2' is not a valid reference"},
		{"bad dynamic filter", vsysXP + "/address-group", `<entry name="d"><dynamic><filter>'web' and</filter></dynamic></entry>`, "Invalid match criteria"},
		{"bad port", vsysXP + "/service", `<entry name="s"><protocol><tcp><port>80-70</port></tcp></protocol></entry>`, "service -> s is not a valid service"},
		{"schedule ends first", vsysXP + "/schedule", `<entry name="s"><schedule-type><recurring><daily><member>17:00-08:00</member></daily></recurring></schedule-type></entry>`, "The end time should be later than start time"},
		{"bad rule type", vsysXP + "/rulebase/security/rules/entry[@name='X']",
			"<rule-type>sideways</rule-type>" + rule(dst+"<application><member>any</member></application><service><member>any</member></service>"), "rule-type 'sideways' is not a valid value"},
		{"address without a value", vsysXP + "/address", `<entry name="empty"><description>nothing</description></entry>`, "address -> empty is not a valid address"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, c := newTestServer(t, Options{Seed: 42, SessionsPerDay: -1})
			c.set(tc.xpath, tc.elem)
			var ja jobAnswer
			if err := xml.Unmarshal(c.ok("type", "commit", "cmd", "<commit/>"), &ja); err != nil || ja.Job == 0 {
				t.Fatalf("commit = %v, job %d", err, ja.Job)
			}
			var body []byte
			for range 3 {
				body = c.ok("type", "op", "cmd", "<show><jobs><id>"+strconv.Itoa(ja.Job)+"</id></jobs></show>")
			}
			if !strings.Contains(string(body), "<result>FAIL</result>") || !strings.Contains(string(body), esc(tc.wantInDetail)) {
				t.Errorf("commit job = %s; want FAIL naming %q", body, tc.wantInDetail)
			}
		})
	}
}
