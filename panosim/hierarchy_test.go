package panosim

import (
	"encoding/xml"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

const (
	pDev    = "/config/devices/entry[@name='localhost.localdomain']"
	corpXP  = pDev + "/device-group/entry[@name='corp']"
	branXP  = pDev + "/device-group/entry[@name='branch']"
	labXP   = pDev + "/device-group/entry[@name='lab']"
	shareXP = "/config/shared"
)

// newHierarchy is a Panorama with a parent group corp (no firewalls of its
// own), its child branch (one firewall) and a separate top-level group lab
// (one firewall).
func newHierarchy(t *testing.T, o Options) (*Server, *apiClient) {
	t.Helper()
	o.Panorama = &PanoramaOptions{DeviceGroups: []DeviceGroupOptions{
		{Name: "corp", Firewalls: -1}, {Name: "branch", Parent: "corp"}, {Name: "lab"}}}
	if o.SessionsPerDay == 0 {
		o.SessionsPerDay = -1
	}
	return newTestServer(t, o)
}

// pushGroup commits Panorama, pushes a device group and waits for the job.
func (c *apiClient) pushGroup(dg string) []string {
	c.t.Helper()
	c.commit()
	var ja jobAnswer
	if err := xml.Unmarshal(c.ok("type", "commit", "action", "all", "cmd",
		`<commit-all><shared-policy><device-group><entry name="`+dg+`"/></device-group></shared-policy></commit-all>`), &ja); err != nil || ja.Job == 0 {
		c.t.Fatalf("commit-all %s = %v, job %d", dg, err, ja.Job)
	}
	for range 10 {
		var js struct {
			Status  string `xml:"result>job>status"`
			Devices []struct {
				Serial string `xml:"serial-no"`
				Result string `xml:"result"`
			} `xml:"result>job>devices>entry"`
		}
		if err := xml.Unmarshal(c.ok("type", "op", "cmd", "<show><jobs><id>"+strconv.Itoa(ja.Job)+"</id></jobs></show>"), &js); err != nil {
			c.t.Fatal(err)
		}
		if js.Status == "FIN" {
			var out []string
			for _, d := range js.Devices {
				if d.Result != "OK" {
					c.t.Fatalf("push of %s to %s = %s; want OK", dg, d.Serial, d.Result)
				}
				out = append(out, d.Serial)
			}
			return out
		}
	}
	c.t.Fatalf("push job %d never finished", ja.Job)
	return nil
}

func rulesXML(names ...string) string {
	var b strings.Builder
	for _, n := range names {
		b.WriteString(`<entry name="` + n + `"><from><member>trust</member></from><to><member>dmz</member></to>` +
			`<source><member>any</member></source><destination><member>10.20.240.` + strconv.Itoa(len(n)) + `</member></destination>` +
			anyAppSvc + `</entry>`)
	}
	return b.String()
}

func TestDeviceGroupHierarchyOrder(t *testing.T) {
	p, c := newHierarchy(t, Options{Seed: 60})
	fws := p.Firewalls()
	if len(fws) != 2 || fws[0].Hostname() != "branch-fw-01" || fws[1].Hostname() != "lab-fw-01" {
		t.Fatalf("firewalls = %d (%v); want branch-fw-01 and lab-fw-01", len(fws), fws)
	}
	c.set(shareXP+"/pre-rulebase/security/rules", rulesXML("S-pre"))
	c.set(corpXP+"/pre-rulebase/security/rules", rulesXML("C-pre"))
	c.set(branXP+"/pre-rulebase/security/rules", rulesXML("B-pre"))
	c.set(branXP+"/post-rulebase/security/rules", rulesXML("B-post"))
	c.set(corpXP+"/post-rulebase/security/rules", rulesXML("C-post")) // after the catch-all corp holds
	c.set(shareXP+"/post-rulebase/security/rules", rulesXML("S-post"))
	c.set(labXP+"/pre-rulebase/security/rules", rulesXML("L-pre"))
	if got := c.pushGroup("corp"); !slices.Equal(got, []string{fws[0].Serial()}) {
		t.Errorf("push of corp reached %v; want the firewall of its child branch, %s", got, fws[0].Serial())
	}
	c.pushGroup("lab")
	order := func(fw *Server) []string {
		var hc hitCountAnswer
		body := c.ok("type", "op", "cmd", "<show><rule-hit-count><vsys><vsys-name><entry name='vsys1'><rule-base><entry name='security'><rules><all/></rules></entry></rule-base></entry></vsys-name></vsys></rule-hit-count></show>",
			"target", fw.Serial())
		if err := xml.Unmarshal(body, &hc); err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range hc.Rules {
			out = append(out, r.Name)
		}
		return out
	}
	local := []string{ruleBlock, ruleDNS, ruleInternet, ruleWiki, rulePortal, ruleLegacyFTP}
	want := append(append([]string{"S-pre", "C-pre", "B-pre"}, local...), "B-post", ruleCatchAll, "C-post", "S-post", ruleIntrazone, ruleInterzone)
	if got := order(fws[0]); !slices.Equal(got, want) {
		t.Errorf("branch firewall order = %v\nwant %v", got, want)
	}
	want = append(append([]string{"S-pre", "L-pre"}, local...), ruleCatchAll, "S-post", ruleIntrazone, ruleInterzone)
	if got := order(fws[1]); !slices.Equal(got, want) {
		t.Errorf("lab firewall order = %v\nwant %v", got, want)
	}

	// The firewall's own configuration does not hold what was pushed.
	body := c.ok("type", "config", "action", "show", "xpath", vsysXP+"/rulebase/security/rules", "target", fws[0].Serial())
	for _, name := range []string{"S-pre", "C-pre", "B-pre", ruleCatchAll} {
		if strings.Contains(string(body), `name="`+name+`"`) {
			t.Errorf("local rulebase of the branch firewall contains pushed rule %s", name)
		}
	}

	body = c.ok("type", "op", "cmd", "<show><config><pushed-shared-policy><vsys>vsys1</vsys></pushed-shared-policy></config></show>", "target", fws[0].Serial())
	if !strings.Contains(string(body), `dg-ctxt="12"`) {
		t.Errorf("pushed-shared-policy of the branch firewall lacks dg-ctxt 12 (branch): %.300s", body)
	}
}

// Traffic logs of managed firewalls name their device group lineage by
// id: dg_hier_level_1 the top-level group, level_2 its child.
func TestDeviceGroupHierarchyInLogs(t *testing.T) {
	p, c := newHierarchy(t, Options{Seed: 64, SessionsPerDay: 300})
	p.Advance(6 * time.Hour)
	for i, want := range [][4]string{{"11", "12", "0", "0"}, {"13", "0", "0", "0"}} {
		serial := p.Firewalls()[i].Serial()
		var sa submitAnswer
		if err := xml.Unmarshal(c.ok("type", "log", "log-type", "traffic", "query", "", "nlogs", "5", "target", serial), &sa); err != nil {
			t.Fatal(err)
		}
		var la struct {
			Status  string `xml:"result>job>status"`
			Entries []struct {
				L1 string `xml:"dg_hier_level_1"`
				L2 string `xml:"dg_hier_level_2"`
				L3 string `xml:"dg_hier_level_3"`
				L4 string `xml:"dg_hier_level_4"`
			} `xml:"result>log>logs>entry"`
		}
		for range 5 {
			if err := xml.Unmarshal(c.ok("type", "log", "action", "get", "job-id", strconv.Itoa(sa.Job), "target", serial), &la); err != nil {
				t.Fatal(err)
			}
			if la.Status == "FIN" {
				break
			}
		}
		if len(la.Entries) == 0 {
			t.Fatalf("firewall %d wrote no traffic logs", i)
		}
		for _, e := range la.Entries {
			if got := [4]string{e.L1, e.L2, e.L3, e.L4}; got != want {
				t.Errorf("firewall %d dg_hier levels = %v; want %v", i, got, want)
			}
		}
	}
	// The parent group's catch-all counts the hits of its child's
	// firewall, which evaluates it.
	var hc struct {
		Rules []struct {
			Name    string `xml:"name,attr"`
			Devices []struct {
				Name string `xml:"name,attr"`
				Hits int    `xml:"hit-count"`
			} `xml:"device-vsys>entry"`
		} `xml:"result>rule-hit-count>device-group>entry>rule-base>entry>rules>entry"`
	}
	body := c.ok("type", "op", "cmd", `<show><rule-hit-count><device-group><entry name="corp"><post-rulebase><entry name="security"><rules><all/></rules></entry></post-rulebase></entry></device-group></rule-hit-count></show>`)
	if err := xml.Unmarshal(body, &hc); err != nil {
		t.Fatal(err)
	}
	branch := p.Firewalls()[0].Serial()
	if len(hc.Rules) != 1 || hc.Rules[0].Name != ruleCatchAll || len(hc.Rules[0].Devices) != 1 ||
		hc.Rules[0].Devices[0].Name != "branch/"+branch+"/vsys1" || hc.Rules[0].Devices[0].Hits == 0 {
		t.Errorf("corp post-rulebase hit counts = %s; want the catch-all with hits on branch/%s/vsys1 only", body, branch)
	}
}

func TestDeviceGroupObjectLookup(t *testing.T) {
	p, c := newHierarchy(t, Options{Seed: 61})
	fw := p.Firewalls()[0]
	c.set(shareXP+"/address", `<entry name="obj"><ip-netmask>10.20.250.1</ip-netmask></entry>`)
	c.set(corpXP+"/address", `<entry name="obj"><ip-netmask>10.20.250.2</ip-netmask></entry>`+
		`<entry name="corp-only"><ip-netmask>10.20.251.1</ip-netmask></entry>`)
	c.set(branXP+"/address", `<entry name="obj"><ip-netmask>10.20.250.3</ip-netmask></entry>`)
	c.set(labXP+"/address", `<entry name="lab-only"><ip-netmask>10.20.252.1</ip-netmask></entry>`)
	rule := func(name, dst string) string {
		return `<entry name="` + name + `"><from><member>trust</member></from><to><member>dmz</member></to><source><member>any</member></source>` +
			`<destination><member>` + dst + `</member></destination>` + anyAppSvc + `</entry>`
	}
	c.set(corpXP+"/pre-rulebase/security/rules", rule("C-obj", "obj"))
	c.set(branXP+"/pre-rulebase/security/rules", rule("B-corp-only", "corp-only"))
	c.pushGroup("branch")
	ask := func(dst string) string {
		t.Helper()
		var a matchAnswer
		if err := xml.Unmarshal(c.ok("type", "op", "cmd", spm("from=trust", "to=dmz", "source=10.1.2.3", "destination="+dst, "protocol=6", "destination-port=80"),
			"target", fw.Serial()), &a); err != nil {
			t.Fatal(err)
		}
		if len(a.Rules) != 1 {
			t.Fatalf("answer = %+v; want one rule", a)
		}
		return a.Rules[0].Name
	}
	// On the firewall the descendant's object of a name replaces its
	// ancestors' and shared's, for every pushed rule.
	for _, tc := range []struct{ dst, want string }{
		{"10.20.250.3", "C-obj"},
		{"10.20.250.2", ruleCatchAll},
		{"10.20.250.1", ruleCatchAll},
		{"10.20.251.1", "B-corp-only"}, // an ancestor's object resolves in a child's rule
	} {
		if got := ask(tc.dst); got != tc.want {
			t.Errorf("branch firewall, destination %s = %s; want %s", tc.dst, got, tc.want)
		}
	}
	// A name only a sibling group defines resolves nowhere: the commit
	// to Panorama fails.
	c.set(branXP+"/pre-rulebase/security/rules", rule("B-lab-only", "lab-only"))
	var ja jobAnswer
	if err := xml.Unmarshal(c.ok("type", "commit", "cmd", "<commit/>"), &ja); err != nil || ja.Job == 0 {
		t.Fatalf("commit = %v", err)
	}
	var body []byte
	for range 3 {
		body = c.ok("type", "op", "cmd", "<show><jobs><id>"+strconv.Itoa(ja.Job)+"</id></jobs></show>")
	}
	if want := "device-group -&gt; branch -&gt; pre-rulebase -&gt; B-lab-only -&gt; destination 'lab-only' is not a valid reference"; !strings.Contains(string(body), "<result>FAIL</result>") || !strings.Contains(string(body), want) {
		t.Errorf("commit with a sibling's object = %s; want FAIL naming B-lab-only and lab-only", body)
	}
}

func TestPanoramaDefaultRuleOverrides(t *testing.T) {
	p, c := newHierarchy(t, Options{Seed: 62})
	fw := p.Firewalls()[0]
	c.set(corpXP+"/post-rulebase/security/rules/entry[@name='"+ruleCatchAll+"']", "<disabled>yes</disabled>")
	c.set(shareXP+"/post-rulebase/default-security-rules/rules", `<entry name="intrazone-default"><action>deny</action></entry>`+
		`<entry name="interzone-default"><action>reset-both</action></entry>`)
	c.set(branXP+"/post-rulebase/default-security-rules/rules", `<entry name="interzone-default"><action>allow</action><log-end>yes</log-end></entry>`)
	c.pushGroup("branch")
	ask := func(from, to string) (string, string) {
		t.Helper()
		var a matchAnswer
		if err := xml.Unmarshal(c.ok("type", "op", "cmd", spm("from="+from, "to="+to, "source=10.1.2.3", "destination=10.20.99.1", "protocol=6", "destination-port=4444"),
			"target", fw.Serial()), &a); err != nil {
			t.Fatal(err)
		}
		return a.Rules[0].Name, a.Rules[0].Action
	}
	// shared sets both; branch, nearer, wins for interzone.
	if r, a := ask("trust", "trust"); r != ruleIntrazone || a != "deny" {
		t.Errorf("intrazone = %s %s; want intrazone-default deny (shared override)", r, a)
	}
	if r, a := ask("trust", "dmz"); r != ruleInterzone || a != "allow" {
		t.Errorf("interzone = %s %s; want interzone-default allow (branch override over shared reset-both)", r, a)
	}
	// A pushed override wins over the firewall's own.
	fwc := &apiClient{t: t, url: c.url, key: c.key}
	fwc.ok("type", "config", "action", "set", "target", fw.Serial(), "xpath", vsysXP+"/rulebase/default-security-rules/rules",
		"element", `<entry name="intrazone-default"><action>allow</action></entry>`)
	var ja jobAnswer
	if err := xml.Unmarshal(fwc.ok("type", "commit", "cmd", "<commit/>", "target", fw.Serial()), &ja); err != nil {
		t.Fatal(err)
	}
	fw.Advance(time.Second)
	if r, a := ask("trust", "trust"); r != ruleIntrazone || a != "deny" {
		t.Errorf("intrazone with a local override too = %s %s; want the pushed deny", r, a)
	}
}

// The readonly hierarchy and the pushed-shared-policy answer have the
// shape of the recorded samples.
func TestHierarchyShapesLikeRecorded(t *testing.T) {
	p, c := newHierarchy(t, Options{Seed: 63})
	fw := p.Firewalls()[0]

	// /config/readonly/devices/entry/device-group/entry/{parent-dg,id}, as
	// in a recorded Panorama 10.0 configuration.
	recorded, err := os.ReadFile("testdata/real/policy/panos-php-panorama-10.0-merger.xml")
	if err != nil {
		t.Fatal(err)
	}
	real, err := parseOne(string(recorded))
	if err != nil {
		t.Fatal(err)
	}
	realDG := real.at("readonly", "devices").entry("localhost.localdomain").child("device-group")
	fr := realDG.entry("FR Datacenter")
	if fr == nil || fr.textOf("parent-dg") != "Datacenter-Firewalls" || fr.children[0].name != "parent-dg" || fr.children[1].name != "id" {
		t.Fatalf("recorded readonly FR Datacenter = %v; the sample changed", fr)
	}
	if lin, err := dgLineage(real, "FR Datacenter"); err != nil || len(lin) != 2 || lin[0].attr("name") != "Datacenter-Firewalls" {
		t.Errorf("dgLineage(recorded, FR Datacenter) = %v, %v; want Datacenter-Firewalls then FR Datacenter", lin, err)
	}
	body := c.ok("type", "config", "action", "get", "xpath", "/config/readonly/devices/entry[@name='localhost.localdomain']/device-group/entry[@name='branch']")
	ours, err := parseOne(string(body))
	if err != nil {
		t.Fatal(err)
	}
	br := ours.at("result").entry("branch")
	if br == nil || len(br.children) != 2 || br.children[0].name != "parent-dg" || br.children[0].text != "corp" || br.children[1].name != "id" || br.children[1].text != "12" {
		t.Errorf("readonly branch = %s; want <parent-dg>corp</parent-dg><id>12</id> as recorded", body)
	}

	// pushed-shared-policy: every element path of the recorded answer (a
	// PAN-OS 11.1.6 firewall) is in ours, with the same attributes on
	// policy and on the rule entries, and loc on every element of a rule.
	c.set(corpXP+"/pre-rulebase/security/rules", `<entry name="C-pre"><profile-setting><group><member>corp-profiles</member></group></profile-setting>`+
		`<from><member>trust</member></from><to><member>untrust</member></to><source><member>10.0.0.185/32</member></source>`+
		`<destination><member>any</member></destination><source-user><member>any</member></source-user><category><member>any</member></category>`+
		`<application><member>any</member></application><service><member>application-default</member></service>`+
		`<source-hip><member>any</member></source-hip><destination-hip><member>any</member></destination-hip>`+
		`<action>allow</action><log-start>no</log-start><log-end>yes</log-end></entry>`)
	c.pushGroup("branch")
	rec, err := os.ReadFile("testdata/real/policy/demisto-get_rule_hitcounts_pushed_policy.xml")
	if err != nil {
		t.Fatal(err)
	}
	got := c.ok("type", "op", "cmd", "<show><config><pushed-shared-policy><vsys>vsys1</vsys></pushed-shared-policy></config></show>", "target", fw.Serial())
	have := paths(t, got)
	for pth := range paths(t, rec) {
		if strings.HasSuffix(pth, "/log-setting") {
			continue // the recorded rules carry a log forwarding profile; ours carry none
		}
		if !have[pth] {
			t.Errorf("pushed-shared-policy lacks %s of the recorded answer", pth)
		}
	}
	attrs := func(b []byte, path ...string) (policy, entry []string, noLoc []string) {
		n, err := parseOne(string(b))
		if err != nil {
			t.Fatal(err)
		}
		pol := n.at("result", "policy")
		for _, a := range pol.attrs {
			policy = append(policy, a.name)
		}
		e := pol.at("panorama", "pre-rulebase", "security", "rules").entries()[0]
		for _, a := range e.attrs {
			entry = append(entry, a.name)
		}
		var walk func(*node)
		walk = func(x *node) {
			for _, ch := range x.children {
				if !ch.hasAttr("loc") {
					noLoc = append(noLoc, ch.name)
				}
				walk(ch)
			}
		}
		walk(e)
		slices.Sort(policy)
		slices.Sort(entry)
		return
	}
	rp, re, _ := attrs(rec)
	gp, ge, missing := attrs(got)
	if !slices.Equal(rp, gp) || !slices.Equal(re, ge) || len(missing) > 0 {
		t.Errorf("pushed-shared-policy attributes: policy %v, entry %v, elements without loc %v; want policy %v, entry %v, loc everywhere",
			gp, ge, missing, rp, re)
	}
	for _, want := range []string{`loc="corp"`, `panorama="true"`, `name="C-pre"`, `name="` + ruleCatchAll + `"`, "<shared/>"} {
		if !strings.Contains(string(got), want) {
			t.Errorf("pushed-shared-policy lacks %s", want)
		}
	}
}

func TestHierarchyOptionsValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		dgs  []DeviceGroupOptions
		obj  bool
		want string
	}{
		{"unknown parent", []DeviceGroupOptions{{Name: "a", Parent: "b"}}, false, `parent "b" is not a device group`},
		{"loop", []DeviceGroupOptions{{Name: "a", Parent: "b"}, {Name: "b", Parent: "a"}}, false, "parents loop"},
		{"duplicate", []DeviceGroupOptions{{Name: "a"}, {Name: "a"}}, false, "defined twice"},
		{"no name", []DeviceGroupOptions{{}}, false, "has no name"},
		{"object policy, firewalls at two levels", []DeviceGroupOptions{{Name: "a"}, {Name: "b", Parent: "a"}}, true, "both manage firewalls"},
	} {
		err := Options{ObjectPolicy: tc.obj, Panorama: &PanoramaOptions{DeviceGroups: tc.dgs}}.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Validate() = %v; want an error containing %q", tc.name, err, tc.want)
		}
	}
	if err := (Options{ObjectPolicy: true, Panorama: &PanoramaOptions{DeviceGroups: []DeviceGroupOptions{{Name: "a", Firewalls: -1}, {Name: "b", Parent: "a"}}}}).Validate(); err != nil {
		t.Errorf("Validate(parent without firewalls, child with) = %v; want nil", err)
	}
}
