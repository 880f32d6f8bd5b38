package panosim

import (
	"encoding/xml"
	"slices"
	"strings"
	"testing"
	"time"
)

func uidMessage(op, entries string) string {
	return "<uid-message><version>1.0</version><type>update</type><payload><" + op + ">" + entries + "</" + op + "></payload></uid-message>"
}

// registeredAnswer is the shape pan-python's live test reads from a
// device (result/entry[@ip]) with the attributes and count a recorded
// answer carries (entry ip, from_agent, persistent; tag/member; count).
type registeredAnswer struct {
	Entries []struct {
		IP         string `xml:"ip,attr"`
		FromAgent  string `xml:"from_agent,attr"`
		Persistent string `xml:"persistent,attr"`
		Tags       []struct {
			Name    string `xml:",chardata"`
			Timeout string `xml:"timeout,attr"`
		} `xml:"tag>member"`
	} `xml:"result>entry"`
	Count int `xml:"result>count"`
}

func (c *apiClient) registered(sel string) registeredAnswer {
	c.t.Helper()
	var a registeredAnswer
	if err := xml.Unmarshal(c.ok("type", "op", "cmd", "<show><object><registered-ip>"+sel+"</registered-ip></object></show>"), &a); err != nil {
		c.t.Fatal(err)
	}
	return a
}

func TestRegisteredIPs(t *testing.T) {
	s, c := newTestServer(t, Options{Seed: 50, SessionsPerDay: -1})
	body := c.ok("type", "user-id", "action", "set", "cmd", uidMessage("register",
		`<entry ip="10.20.5.5"><tag><member>web</member><member>prod</member></tag></entry>`+
			`<entry ip="10.20.5.4" persistent="0"><tag><member timeout="600">quarantine</member></tag></entry>`))
	if !strings.Contains(string(body), "<uid-response><version>2.0</version><payload><register/></payload></uid-response>") {
		t.Errorf("register answer = %s; want a uid-response", body)
	}
	a := c.registered("<all/>")
	if a.Count != 2 || len(a.Entries) != 2 {
		t.Fatalf("registered-ip all = %+v; want 2 entries and count 2", a)
	}
	e0, e1 := a.Entries[0], a.Entries[1]
	if e0.IP != "10.20.5.4" || e0.Persistent != "0" || e0.FromAgent != "0" || len(e0.Tags) != 1 || e0.Tags[0].Name != "quarantine" || e0.Tags[0].Timeout != "600" {
		t.Errorf("first entry = %+v; want 10.20.5.4 persistent 0 with quarantine, 600 s left", e0)
	}
	if e1.IP != "10.20.5.5" || e1.Persistent != "1" || len(e1.Tags) != 2 || e1.Tags[0].Name != "prod" || e1.Tags[1].Name != "web" || e1.Tags[0].Timeout != "" {
		t.Errorf("second entry = %+v; want 10.20.5.5 persistent 1 with prod and web, no timeout", e1)
	}
	if a := c.registered("<ip>10.20.5.5</ip>"); a.Count != 1 || a.Entries[0].IP != "10.20.5.5" {
		t.Errorf("registered-ip ip = %+v; want only 10.20.5.5", a)
	}
	if a := c.registered("<tag><entry name='quarantine'/></tag>"); a.Count != 1 || a.Entries[0].IP != "10.20.5.4" {
		t.Errorf("registered-ip tag = %+v; want only 10.20.5.4", a)
	}

	// Registering a tag twice fails for that entry, in the shape demisto's
	// integration recognises ("already exists, ignore").
	_, body = c.call("type", "user-id", "cmd", uidMessage("register", `<entry ip="10.20.5.5"><tag><member>web</member></tag></entry>`))
	var dup struct {
		Status  string `xml:"status,attr"`
		Entries []struct {
			IP      string `xml:"ip,attr"`
			Message string `xml:"message,attr"`
		} `xml:"msg>line>uid-response>payload>register>entry"`
	}
	if err := xml.Unmarshal(body, &dup); err != nil {
		t.Fatal(err)
	}
	if dup.Status != "error" || len(dup.Entries) != 1 || dup.Entries[0].IP != "10.20.5.5" || !strings.Contains(dup.Entries[0].Message, "already exists, ignore") {
		t.Errorf("duplicate register = %s; want an error entry for 10.20.5.5 saying already exists, ignore", body)
	}

	// Time runs on the scenario clock: the quarantine tag expires.
	s.Advance(5 * time.Minute)
	if a := c.registered("<ip>10.20.5.4</ip>"); a.Count != 1 || a.Entries[0].Tags[0].Timeout != "300" {
		t.Errorf("after 5 minutes = %+v; want 300 s left", a)
	}
	s.Advance(6 * time.Minute)
	if a := c.registered("<all/>"); a.Count != 1 || a.Entries[0].IP != "10.20.5.5" {
		t.Errorf("after the timeout = %+v; want only 10.20.5.5 left", a)
	}

	c.ok("type", "user-id", "cmd", uidMessage("unregister", `<entry ip="10.20.5.5"><tag><member>web</member></tag></entry>`))
	if a := c.registered("<all/>"); a.Count != 1 || len(a.Entries[0].Tags) != 1 || a.Entries[0].Tags[0].Name != "prod" {
		t.Errorf("after unregistering web = %+v; want 10.20.5.5 with prod", a)
	}
	c.ok("type", "user-id", "cmd", uidMessage("unregister", `<entry ip="10.20.5.5"><tag><member>prod</member></tag></entry>`))
	if a := c.registered("<all/>"); a.Count != 0 || len(a.Entries) != 0 {
		t.Errorf("after unregistering everything = %+v; want none", a)
	}

	for _, tc := range []struct{ cmd, want string }{
		{uidMessage("register", `<entry ip="not-an-ip"><tag><member>x</member></tag></entry>`), "invalid ip address"},
		{uidMessage("groups", `<entry name="g"/>`), "groups is not supported"},
		{"<uid-message><type>update</type></uid-message>", "payload is missing"},
		{"<not-a-message/>", "not-a-message is unexpected"},
	} {
		_, body := c.call("type", "user-id", "cmd", tc.cmd)
		if !strings.Contains(string(body), `status="error"`) || !strings.Contains(string(body), tc.want) {
			t.Errorf("user-id %s = %s; want an error containing %q", tc.cmd, body, tc.want)
		}
	}
}

func TestUserIDLoginCarriesUsers(t *testing.T) {
	s, c := newLoggingServer(t, Options{Seed: 51, SessionsPerDay: 1500}, time.Hour)
	svc := s.Truth().CatchAllServices[0]
	client := svc.Sources[0]
	c.ok("type", "user-id", "cmd", uidMessage("login", `<entry name="corp\dana.weber" ip="`+client+`" timeout="0"/>`))
	var m struct {
		Entries []struct {
			IP   string `xml:"ip"`
			User string `xml:"user"`
			Type string `xml:"type"`
		} `xml:"result>entry"`
	}
	if err := xml.Unmarshal(c.ok("type", "op", "cmd", "<show><user><ip-user-mapping><all/></ip-user-mapping></user></show>"), &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Entries) != 1 || m.Entries[0].IP != client || m.Entries[0].User != `corp\dana.weber` || m.Entries[0].Type != "XMLAPI" {
		t.Errorf("ip-user-mapping = %+v; want %s -> corp\\dana.weber from XMLAPI", m, client)
	}
	// A rule for that user only, above everything: the client's sessions
	// to the service are now denied; other clients are not.
	c.set(vsysXP+"/rulebase/security/rules/entry[@name='Deny-Dana']", "<from><member>any</member></from><to><member>any</member></to>"+
		"<source><member>any</member></source><destination><member>"+svc.Destination+"</member></destination>"+
		`<source-user><member>corp\dana.weber</member></source-user>`+anyAppSvc[:strings.Index(anyAppSvc, "<action>")]+"<action>deny</action>")
	c.ok("type", "config", "action", "move", "xpath", vsysXP+"/rulebase/security/rules/entry[@name='Deny-Dana']", "where", "top")
	c.commit()
	from := s.Now()
	s.Advance(2 * 24 * time.Hour)
	after := "(receive_time geq '" + from.In(s.Location()).Format("2006/01/02 15:04:05") + "')"
	logs := c.queryAll("traffic", after+" and (addr.dst eq "+svc.Destination+")")
	var dana, others int
	for _, e := range logs {
		switch {
		case e.Src == client:
			dana++
			if e.Rule != "Deny-Dana" || e.SrcUser != `corp\dana.weber` || e.Action != "deny" {
				t.Errorf("log from %s = rule %s user %q action %s; want Deny-Dana corp\\dana.weber deny", client, e.Rule, e.SrcUser, e.Action)
			}
		default:
			others++
			if e.Rule == "Deny-Dana" || e.SrcUser != "" {
				t.Errorf("log from %s = rule %s user %q; want another rule and no user", e.Src, e.Rule, e.SrcUser)
			}
		}
	}
	if dana == 0 || others == 0 {
		t.Errorf("%d logs from the logged-in client, %d from others; want both", dana, others)
	}
	c.ok("type", "user-id", "cmd", uidMessage("logout", `<entry name="corp\dana.weber" ip="`+client+`"/>`))
	if body := c.ok("type", "op", "cmd", "<show><user><ip-user-mapping><all/></ip-user-mapping></user></show>"); !strings.Contains(string(body), "<count>0</count>") {
		t.Errorf("ip-user-mapping after logout = %s; want none", body)
	}
}

func TestUserIDOnPanorama(t *testing.T) {
	p, c := newTestServer(t, Options{Seed: 52, SessionsPerDay: -1,
		Panorama: &PanoramaOptions{DeviceGroups: []DeviceGroupOptions{{Name: "edge"}}}})
	msg := uidMessage("register", `<entry ip="10.20.9.9"><tag><member>web</member></tag></entry>`)
	if _, body := c.call("type", "user-id", "cmd", msg); !strings.Contains(string(body), `status="error"`) {
		t.Errorf("user-id on Panorama itself = %s; want an error", body)
	}
	fw := p.Firewalls()[0]
	c.ok("type", "user-id", "cmd", msg, "target", fw.Serial())
	if _, body := c.call("type", "op", "cmd", "<show><object><registered-ip><all/></registered-ip></object></show>"); !strings.Contains(string(body), `status="error"`) {
		t.Errorf("registered-ip on Panorama itself = %s; want an error", body)
	}
	var fa registeredAnswer
	if err := xml.Unmarshal(c.ok("type", "op", "cmd", "<show><object><registered-ip><all/></registered-ip></object></show>", "target", fw.Serial()), &fa); err != nil {
		t.Fatal(err)
	}
	if fa.Count != 1 || fa.Entries[0].IP != "10.20.9.9" {
		t.Errorf("firewall registered-ip through Panorama = %+v; want 10.20.9.9", fa)
	}
	if err := p.RegisterIP("10.20.9.8", "web"); err == nil || !slices.Contains([]error{errOnPanorama}, err) {
		t.Errorf("RegisterIP on Panorama = %v; want %v", err, errOnPanorama)
	}
}
