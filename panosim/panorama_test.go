package panosim

import (
	"encoding/xml"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

const dgXP = "/config/devices/entry[@name='localhost.localdomain']/device-group/entry[@name='DG-Edge']"

func newTestPanorama(t *testing.T, o Options) (*Server, *apiClient) {
	t.Helper()
	if o.Panorama == nil {
		o.Panorama = &PanoramaOptions{DeviceGroups: []DeviceGroupOptions{{Name: "DG-Edge", Firewalls: 2}, {Name: "DG-Lab"}}}
	}
	if o.SessionsPerDay == 0 {
		o.SessionsPerDay = 300
	}
	return newTestServer(t, o)
}

// paths returns every element path of an XML document, entries generalised
// (entry names dropped), for comparing shapes.
func paths(t *testing.T, body []byte) map[string]bool {
	t.Helper()
	root, err := parseOne(string(body))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	var walk func(prefix string, n *node)
	walk = func(prefix string, n *node) {
		p := prefix + "/" + n.name
		out[p] = true
		for _, c := range n.children {
			walk(p, c)
		}
	}
	walk("", root)
	return out
}

func TestPanoramaSystemInfoLikeRecorded(t *testing.T) {
	_, c := newTestPanorama(t, Options{Seed: 1})
	recorded, err := os.ReadFile("../testdata/real/demisto-show_system_info.xml")
	if err != nil {
		t.Fatal(err)
	}
	got := c.ok("type", "op", "cmd", "<show><system><info/></system></show>")
	have := paths(t, got)
	for p := range paths(t, recorded) {
		if !have[p] {
			t.Errorf("Panorama show system info lacks %s of the recorded Panorama answer", p)
		}
	}
	for _, want := range []string{"<model>Panorama</model>", "<system-mode>panorama</system-mode>", "<family>pc</family>"} {
		if !strings.Contains(string(got), want) {
			t.Errorf("system info lacks %s", want)
		}
	}
}

// A push's job answer has every element of a recorded Panorama CommitAll
// job, and per-firewall results.
func TestCommitAllJobLikeRecorded(t *testing.T) {
	s, c := newTestPanorama(t, Options{Seed: 2})
	c.ok("type", "config", "action", "set", "xpath", dgXP+"/address/entry[@name='x']", "element", "<ip-netmask>10.9.9.9</ip-netmask>")
	if c.commit() == 0 {
		t.Fatal("commit on Panorama enqueued no job")
	}
	fws := s.Firewalls()
	s.FailNextPush(fws[1].Serial(), "injected: device busy")
	var ja jobAnswer
	body := c.ok("type", "commit", "action", "all", "cmd",
		`<commit-all><shared-policy><device-group><entry name="DG-Edge"/></device-group><description>t</description><include-template>no</include-template><force-template-values>no</force-template-values></shared-policy></commit-all>`)
	if err := xml.Unmarshal(body, &ja); err != nil || ja.Job == 0 {
		t.Fatalf("commit-all = %s; want a job", body)
	}
	var final []byte
	for range 5 {
		final = c.ok("type", "op", "cmd", "<show><jobs><id>"+strconv.Itoa(ja.Job)+"</id></jobs></show>")
		if strings.Contains(string(final), "<status>FIN</status>") {
			break
		}
	}
	recorded, err := os.ReadFile("../testdata/real/demisto-push_to_device_success.xml")
	if err != nil {
		t.Fatal(err)
	}
	have := paths(t, final)
	for p := range paths(t, recorded) {
		if !have[p] {
			t.Errorf("commit-all job lacks %s of the recorded answer", p)
		}
	}
	var job struct {
		Type    string `xml:"result>job>type"`
		Status  string `xml:"result>job>status"`
		DG      string `xml:"result>job>dgname"`
		Devices []struct {
			Serial string   `xml:"serial-no"`
			Name   string   `xml:"devicename"`
			Result string   `xml:"result"`
			Lines  []string `xml:"details>msg>errors>line"`
		} `xml:"result>job>devices>entry"`
	}
	if err := xml.Unmarshal(final, &job); err != nil {
		t.Fatal(err)
	}
	if job.Type != "CommitAll" || job.Status != "FIN" || job.DG != "DG-Edge" || len(job.Devices) != 2 {
		t.Fatalf("job = %+v; want a finished CommitAll of DG-Edge with 2 devices", job)
	}
	results := map[string]string{}
	for _, d := range job.Devices {
		results[d.Serial] = d.Result + ": " + strings.Join(d.Lines, "; ")
	}
	if !strings.HasPrefix(results[fws[0].Serial()], "OK") || results[fws[1].Serial()] != "FAIL: injected: device busy" {
		t.Errorf("device results = %v; want %s OK and %s FAIL with the reason", results, fws[0].Serial(), fws[1].Serial())
	}
	// The pushed object reached the first firewall only; read through
	// Panorama with target.
	for i, fw := range fws {
		b := c.ok("type", "op", "target", fw.Serial(), "cmd", "<show><config><pushed-shared-policy><vsys>vsys1</vsys></pushed-shared-policy></config></show>")
		if got := strings.Contains(string(b), "10.9.9.9"); got != (i == 0) {
			t.Errorf("firewall %d holds the pushed address: %v; want %v", i, got, i == 0)
		}
	}
	_, bad := c.call("type", "commit", "action", "all", "cmd", `<commit-all><shared-policy><device-group><entry name="nope"/></device-group></shared-policy></commit-all>`)
	if e := parseEnvelope(t, bad); e.Status != "error" {
		t.Errorf("push of an unknown device group = %s; want an error", bad)
	}
}

func TestConfigAndCommitLocks(t *testing.T) {
	s, c := newTestServer(t, Options{Seed: 3})
	xp := vsysXP + "/address/entry[@name='locked']"
	s.LockConfig("bob", "maintenance")
	var locks struct {
		Entries []struct {
			Owner   string `xml:"name,attr"`
			Comment string `xml:"comment"`
		} `xml:"result>config-locks>entry"`
	}
	if err := xml.Unmarshal(c.ok("type", "op", "cmd", "<show><config-locks><vsys>all</vsys></config-locks></show>"), &locks); err != nil {
		t.Fatal(err)
	}
	if len(locks.Entries) != 1 || locks.Entries[0].Owner != "bob" || locks.Entries[0].Comment != "maintenance" {
		t.Errorf("config locks = %+v; want bob's", locks.Entries)
	}
	if _, body := c.call("type", "config", "action", "set", "xpath", xp, "element", "<ip-netmask>10.1.1.1</ip-netmask>"); !strings.Contains(string(body), "locked by bob") {
		t.Errorf("set under bob's lock = %s; want refused", body)
	}
	if _, body := c.call("type", "op", "cmd", "<request><config-lock><add><comment>mine</comment></add></config-lock></request>"); !strings.Contains(string(body), `status="error"`) {
		t.Errorf("taking a second config lock = %s; want refused", body)
	}
	s.Unlock("bob")
	c.ok("type", "op", "cmd", "<request><config-lock><add><comment>mine</comment></add></config-lock></request>")
	c.ok("type", "config", "action", "set", "xpath", xp, "element", "<ip-netmask>10.1.1.1</ip-netmask>")
	c.ok("type", "op", "cmd", "<request><config-lock><remove/></config-lock></request>")
	s.LockCommits("bob", "")
	if _, body := c.call("type", "commit", "cmd", "<commit/>"); !strings.Contains(string(body), "locked by bob") {
		t.Errorf("commit under bob's commit lock = %s; want refused", body)
	}
	if b := c.ok("type", "op", "cmd", "<show><commit-locks/></show>"); !strings.Contains(string(b), `<entry name="bob">`) {
		t.Errorf("commit locks = %s; want bob's", b)
	}
	s.Unlock("bob")
	if c.commit() == 0 {
		t.Error("commit after unlock: no job")
	}
}

// A partial commit by administrator commits that administrator's changes
// only; the others' stay pending in the candidate.
func TestPartialCommitByAdmin(t *testing.T) {
	s, c := newTestServer(t, Options{Seed: 4})
	bob := &apiClient{t: t, url: c.url, key: s.AddAdmin("bob", "bob-pw")}
	mineXP, bobXP := vsysXP+"/address/entry[@name='admin-one']", vsysXP+"/address/entry[@name='bob-one']"
	c.ok("type", "config", "action", "set", "xpath", mineXP, "element", "<ip-netmask>10.1.1.1</ip-netmask>")
	bob.ok("type", "config", "action", "set", "xpath", bobXP, "element", "<ip-netmask>10.2.2.2</ip-netmask>")
	body := c.ok("type", "commit", "action", "partial", "cmd", "<commit><partial><admin><member>admin</member></admin></partial></commit>")
	var ja jobAnswer
	if err := xml.Unmarshal(body, &ja); err != nil || ja.Job == 0 {
		t.Fatalf("partial commit = %s; want a job", body)
	}
	s.Advance(time.Second)
	shown := func(xp string) bool {
		_, b := c.call("type", "config", "action", "show", "xpath", xp)
		return parseEnvelope(t, b).Status == "success"
	}
	if !shown(mineXP) || shown(bobXP) {
		t.Errorf("after admin's partial commit: admin's change running %v, bob's %v; want true, false", shown(mineXP), shown(bobXP))
	}
	if b := c.ok("type", "commit", "action", "partial", "cmd", "<commit><partial><admin><member>admin</member></admin></partial></commit>"); !strings.Contains(string(b), "no changes") {
		t.Errorf("second partial commit = %s; want no changes", b)
	}
	c.commit()
	if !shown(bobXP) {
		t.Error("a full commit did not carry bob's pending change")
	}
}

// Panorama answers rule hit counts of a device group per firewall, and
// each firewall's counter is its own count for the pushed rule.
func TestPanoramaHitCountsPerFirewall(t *testing.T) {
	s, c := newTestPanorama(t, Options{Seed: 5})
	s.Advance(12 * time.Hour)
	body := c.ok("type", "op", "cmd", `<show><rule-hit-count><device-group><entry name="DG-Edge"><post-rulebase><entry name="security"><rules><all/></rules></entry></post-rulebase></entry></device-group></rule-hit-count></show>`)
	var ans struct {
		Rules []struct {
			Name    string `xml:"name,attr"`
			Devices []struct {
				Name  string `xml:"name,attr"`
				Count uint64 `xml:"hit-count"`
				First int64  `xml:"first-hit-timestamp"`
			} `xml:"device-vsys>entry"`
		} `xml:"result>rule-hit-count>device-group>entry>rule-base>entry>rules>entry"`
	}
	if err := xml.Unmarshal(body, &ans); err != nil {
		t.Fatal(err)
	}
	if len(ans.Rules) != 1 || ans.Rules[0].Name != ruleCatchAll || len(ans.Rules[0].Devices) != 2 {
		t.Fatalf("DG-Edge post-rulebase hit counts = %s; want the catch-all on 2 firewalls", body)
	}
	for i, fw := range s.Firewalls()[:2] {
		d := ans.Rules[0].Devices[i]
		if d.Name != "DG-Edge/"+fw.Serial()+"/vsys1" || d.Count == 0 || d.First == 0 {
			t.Errorf("device-vsys %d = %+v; want DG-Edge/%s/vsys1 with hits", i, d, fw.Serial())
		}
		fb := c.ok("type", "op", "target", fw.Serial(), "cmd", hitCountCmd(ruleCatchAll))
		if !strings.Contains(string(fb), "<hit-count>"+strconv.FormatUint(d.Count, 10)+"</hit-count>") {
			t.Errorf("firewall %s counts differently for the catch-all than Panorama's %d: %s", fw.Serial(), d.Count, fb)
		}
	}
	var devs struct {
		Serials []string `xml:"result>devices>entry>serial"`
	}
	if err := xml.Unmarshal(c.ok("type", "op", "cmd", "<show><devices><connected/></devices></show>"), &devs); err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, fw := range s.Firewalls() {
		want = append(want, fw.Serial())
	}
	sort.Strings(want)
	sort.Strings(devs.Serials)
	if !slices.Equal(devs.Serials, want) || len(want) != 3 {
		t.Errorf("connected devices = %v; want %v", devs.Serials, want)
	}
}

// Managed firewalls carry the catch-all from Panorama: its traffic is
// matched by the pushed rule, and signatures pushed from the device group
// log through the group's profile.
func TestManagedFirewallsUsePushedPolicy(t *testing.T) {
	s, c := newTestPanorama(t, Options{Seed: 6})
	codes, err := os.ReadFile("../testdata/real/ceskillets-codes.xml")
	if err != nil {
		t.Fatal(err)
	}
	c.ok("type", "config", "action", "set", "xpath", dgXP+"/threats/vulnerability", "element", string(codes))
	// A threat exception for an ID that does not exist fails the commit.
	c.ok("type", "config", "action", "set", "xpath", dgXP+"/profiles/vulnerability/entry[@name='corp-vuln']/threat-exception/entry[@name='41999']", "element", "<action><allow/></action>")
	var ja jobAnswer
	if err := xml.Unmarshal(c.ok("type", "commit", "cmd", "<commit/>"), &ja); err != nil {
		t.Fatal(err)
	}
	s.Advance(time.Second)
	if b := c.ok("type", "op", "cmd", "<show><jobs><id>"+strconv.Itoa(ja.Job)+"</id></jobs></show>"); !strings.Contains(string(b), "41999 is not a valid threat ID") {
		t.Errorf("commit with a dangling exception = %s; want a validation failure", b)
	}
	c.ok("type", "config", "action", "delete", "xpath", dgXP+"/profiles/vulnerability/entry[@name='corp-vuln']/threat-exception")
	c.commit()
	if err := xml.Unmarshal(c.ok("type", "commit", "action", "all", "cmd", `<commit-all><shared-policy><device-group>DG-Edge</device-group></shared-policy></commit-all>`), &ja); err != nil {
		t.Fatal(err)
	}
	s.Advance(12 * time.Hour)
	entries := c.query("threat", "(rule eq '"+ruleCatchAll+"')", "", 500, 0)
	serials := map[string]int{}
	for _, e := range entries {
		serials[e.Serial]++
	}
	for _, fw := range s.Firewalls()[:2] {
		if serials[fw.Serial()] == 0 {
			t.Errorf("Panorama's log query has no catch-all threat logs of %s (%v)", fw.Serial(), serials)
		}
	}
	if th, tr := s.Firewalls()[2].LogCounts(); th != 0 || tr == 0 {
		t.Errorf("DG-Lab's firewall (not pushed) has %d threat and %d traffic logs; want none and some", th, tr)
	}
}
