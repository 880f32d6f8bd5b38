package panosim

import (
	"encoding/xml"
	"strconv"
	"strings"
	"testing"
)

const vsysXP = "/config/devices/entry[@name='localhost.localdomain']/vsys/entry[@name='vsys1']"

func TestConfigGetShow(t *testing.T) {
	s, c := newTestServer(t, Options{Seed: 2})
	host := s.Truth().Hostname
	tests := []struct {
		name, action, xpath string
		want                string // exact body
	}{
		{"get hostname", "get", "/config/devices/entry[@name='localhost.localdomain']/deviceconfig/system/hostname",
			`<response status="success"><result total-count="1" count="1"><hostname>` + host + `</hostname></result></response>`},
		{"get double quotes", "get", `/config/devices/entry[@name="localhost.localdomain"]/deviceconfig/system/timezone`,
			`<response status="success"><result total-count="1" count="1"><timezone>America/Los_Angeles</timezone></result></response>`},
		{"show hostname", "show", "/config/devices/entry[@name='localhost.localdomain']/deviceconfig/system/hostname",
			`<response status="success"><result><hostname>` + host + `</hostname></result></response>`},
		{"get missing", "get", vsysXP + "/address/entry[@name='nope']",
			`<response status="success" code="7"><result/></response>`},
		{"get empty signature container", "get", "/config/shared/threats/vulnerability",
			`<response status="success"><result total-count="1" count="1"><vulnerability/></result></response>`},
	}
	for _, tc := range tests {
		_, body := c.call("type", "config", "action", tc.action, "xpath", tc.xpath)
		if string(body) != tc.want {
			t.Errorf("%s: config %s %s = %s; want %s", tc.name, tc.action, tc.xpath, body, tc.want)
		}
	}
	// Rules carry UUIDs and the catch-all sits at the bottom.
	var rules struct {
		Entries []struct {
			Name string `xml:"name,attr"`
			UUID string `xml:"uuid,attr"`
		} `xml:"result>rules>entry"`
	}
	if err := xml.Unmarshal(c.ok("type", "config", "action", "show", "xpath", vsysXP+"/rulebase/security/rules"), &rules); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range rules.Entries {
		names = append(names, e.Name)
		if len(e.UUID) != 36 {
			t.Errorf("rule %s uuid = %q; want a UUID", e.Name, e.UUID)
		}
	}
	if got, want := strings.Join(names, ","), strings.Join(s.Truth().Rulebase, ","); got != want {
		t.Errorf("rules = %s; want %s", got, want)
	}
}

func TestConfigEdits(t *testing.T) {
	_, c := newTestServer(t, Options{Seed: 2})
	addr := vsysXP + "/address"
	get := func(xpath string) string {
		t.Helper()
		_, body := c.call("type", "config", "action", "get", "xpath", xpath)
		return string(body)
	}
	steps := []struct {
		name    string
		kv      []string
		check   string // xpath to get afterwards
		want    string // substring of the get answer
		wantNot string
	}{
		{"set creates path", []string{"action", "set", "xpath", addr + "/entry[@name='srv-new']", "element", "<ip-netmask>10.20.50.5</ip-netmask><tag><member>a</member></tag>"},
			addr + "/entry[@name='srv-new']", `<entry name="srv-new"><ip-netmask>10.20.50.5</ip-netmask><tag><member>a</member></tag></entry>`, ""},
		{"set unions members and replaces leaves", []string{"action", "set", "xpath", addr, "element", `<entry name="srv-new"><ip-netmask>10.20.50.6</ip-netmask><tag><member>b</member><member>a</member></tag></entry>`},
			addr + "/entry[@name='srv-new']", `<ip-netmask>10.20.50.6</ip-netmask><tag><member>a</member><member>b</member></tag>`, ""},
		{"set switches a choice", []string{"action", "set", "xpath", addr + "/entry[@name='srv-new']", "element", "<ip-range>10.20.50.6-10.20.50.9</ip-range>"},
			addr + "/entry[@name='srv-new']", `<ip-range>10.20.50.6-10.20.50.9</ip-range>`, "ip-netmask"},
		{"edit replaces the node", []string{"action", "edit", "xpath", addr + "/entry[@name='srv-new']", "element", `<entry name="srv-new"><fqdn>new.corp.example</fqdn></entry>`},
			addr + "/entry[@name='srv-new']", `<entry name="srv-new"><fqdn>new.corp.example</fqdn></entry>`, "tag"},
		{"rename", []string{"action", "rename", "xpath", addr + "/entry[@name='srv-new']", "newname", "srv-renamed"},
			addr + "/entry[@name='srv-renamed']", `<fqdn>new.corp.example</fqdn>`, ""},
		{"delete", []string{"action", "delete", "xpath", addr + "/entry[@name='srv-renamed']"},
			addr + "/entry[@name='srv-renamed']", `code="7"`, ""},
	}
	for _, st := range steps {
		body := c.ok(append([]string{"type", "config"}, st.kv...)...)
		if e := parseEnvelope(t, body); e.Code != "20" {
			t.Errorf("%s: answer = %s; want code 20", st.name, body)
		}
		got := get(st.check)
		if !strings.Contains(got, st.want) || (st.wantNot != "" && strings.Contains(got, st.wantNot)) {
			t.Errorf("%s: get %s = %s; want it to contain %s and not %q", st.name, st.check, got, st.want, st.wantNot)
		}
	}
	_, body := c.call("type", "config", "action", "delete", "xpath", addr+"/entry[@name='srv-renamed']")
	if e := parseEnvelope(t, body); e.Code != "7" {
		t.Errorf("delete missing = %s; want code 7", body)
	}
	_, body = c.call("type", "config", "action", "edit", "xpath", addr+"/entry[@name='x']", "element", `<entry name="y"/>`)
	if e := parseEnvelope(t, body); e.Status != "error" {
		t.Errorf("edit with a mismatched element = %s; want an error", body)
	}
}

func TestConfigMoveRule(t *testing.T) {
	_, c := newTestServer(t, Options{Seed: 2})
	rules := vsysXP + "/rulebase/security/rules"
	c.ok("type", "config", "action", "set", "xpath", rules+"/entry[@name='New-Rule']", "element",
		"<from><member>trust</member></from><to><member>dmz</member></to><source><member>any</member></source>"+
			"<destination><member>any</member></destination><application><member>jira</member></application>"+
			"<service><member>application-default</member></service><action>allow</action>")
	order := func() []string {
		var ans struct {
			Entries []struct {
				Name string `xml:"name,attr"`
				UUID string `xml:"uuid,attr"`
			} `xml:"result>rules>entry"`
		}
		if err := xml.Unmarshal(c.ok("type", "config", "action", "get", "xpath", rules), &ans); err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range ans.Entries {
			if e.UUID == "" {
				t.Errorf("rule %s has no uuid", e.Name)
			}
			out = append(out, e.Name)
		}
		return out
	}
	tests := []struct {
		where, dst string
		wantAt     int // index of New-Rule afterwards; -1 = last
		wantErr    string
	}{
		{"bottom", "", -1, "already at the bottom"},
		{"before", ruleCatchAll, 6, ""},
		{"top", "", 0, ""},
		{"top", "", 0, "already at the top"},
		{"after", ruleDNS, 2, ""},
		{"bottom", "", -1, ""},
		{"before", "No-Such-Rule", -1, "No-Such-Rule does not exist"},
	}
	for _, tc := range tests {
		_, body := c.call("type", "config", "action", "move", "xpath", rules+"/entry[@name='New-Rule']", "where", tc.where, "dst", tc.dst)
		e := parseEnvelope(t, body)
		if tc.wantErr != "" {
			if e.Status != "error" || len(e.Lines) == 0 || e.Lines[0] != tc.wantErr {
				t.Errorf("move %s %s = %s; want error %q", tc.where, tc.dst, body, tc.wantErr)
			}
			continue
		}
		got := order()
		at := tc.wantAt
		if at < 0 {
			at = len(got) - 1
		}
		if len(got) != 8 || got[at] != "New-Rule" {
			t.Errorf("move %s %s: order = %v; want New-Rule at %d", tc.where, tc.dst, got, at)
		}
	}
}

func TestCommitJob(t *testing.T) {
	_, c := newTestServer(t, Options{Seed: 2, PollsBeforeFinish: 2})
	body := c.ok("type", "commit", "cmd", "<commit></commit>")
	if got, want := string(body), `<response status="success" code="19"><msg>There are no changes to commit.</msg></response>`; got != want {
		t.Errorf("commit without changes = %s; want %s", got, want)
	}
	xp := vsysXP + "/address/entry[@name='srv-commit']"
	c.ok("type", "config", "action", "set", "xpath", xp, "element", "<ip-netmask>10.20.60.1</ip-netmask>")
	var ja jobAnswer
	body = c.ok("type", "commit", "cmd", "<commit><description>test</description></commit>")
	if err := xml.Unmarshal(body, &ja); err != nil || ja.Job == 0 {
		t.Fatalf("commit = %s; want a job", body)
	}
	if e := parseEnvelope(t, body); e.Code != "19" || !strings.Contains(string(body), "<line>Commit job enqueued with jobid "+strconv.Itoa(ja.Job)+"</line>") {
		t.Errorf("commit answer = %s; want code 19 and the enqueued line", body)
	}
	// A second commit of the same candidate has nothing to do.
	if body := c.ok("type", "commit", "cmd", "<commit/>"); !strings.Contains(string(body), "There are no changes") {
		t.Errorf("second commit = %s; want no changes", body)
	}
	for i, want := range []struct {
		status, result string
		running        bool
	}{{"ACT", "PEND", false}, {"ACT", "PEND", false}, {"FIN", "OK", true}, {"FIN", "OK", true}} {
		var js jobStatus
		body := c.ok("type", "op", "cmd", "<show><jobs><id>"+strconv.Itoa(ja.Job)+"</id></jobs></show>")
		if err := xml.Unmarshal(body, &js); err != nil {
			t.Fatal(err)
		}
		if js.Status != want.status || js.Result != want.result || (js.Status == "FIN") != (js.Progress == 100) || js.ID != ja.Job {
			t.Errorf("poll %d = %s; want status %s result %s", i, body, want.status, want.result)
		}
		_, shown := c.call("type", "config", "action", "show", "xpath", xp)
		if got := parseEnvelope(t, shown).Status == "success"; got != want.running {
			t.Errorf("poll %d: address in running config = %v; want %v", i, got, want.running)
		}
	}
}
