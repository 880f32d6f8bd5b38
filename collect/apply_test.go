package collect

import (
	"context"
	"crypto/x509"
	"errors"
	"net"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/panos-mine/mine"
	"github.com/panos-mine/mine/panosim"
)

const applyRules = "/config/devices/entry[@name='localhost.localdomain']/vsys/entry[@name='vsys1']/rulebase/security/rules"

// applySuggestion is a suggested rule as correlate renders it.
func applySuggestion(name string) mine.Suggestion {
	return mine.Suggestion{
		Name: name, CatchAllRule: "Allow-Web-Ports", XPath: applyRules,
		XML: `<entry name="` + name + `"><from><member>trust</member></from><to><member>dmz</member></to>` +
			`<source><member>10.1.0.0/16</member></source><destination><member>10.20.5.11</member></destination>` +
			`<application><member>jenkins</member></application><service><member>tcp-8081</member></service><action>allow</action>` +
			`<tag><member>mine-suggested</member></tag><disabled>yes</disabled></entry>`,
		Objects: []mine.ConfigObject{{Kind: "service", Name: "tcp-8081",
			XPath: "/config/devices/entry[@name='localhost.localdomain']/vsys/entry[@name='vsys1']/service",
			XML:   `<entry name="tcp-8081"><protocol><tcp><port>8081</port></tcp></protocol></entry>`}},
	}
}

func applyClient(t *testing.T) (*Client, func() string) {
	t.Helper()
	sim := panosim.New(panosim.Options{Seed: 4, PollsBeforeFinish: -1, SessionsPerDay: -1})
	srv := httptest.NewTLSServer(sim)
	t.Cleanup(srv.Close)
	host, port, err := net.SplitHostPort(srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	p, err := strconv.Atoi(port)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	c, err := Connect(context.Background(), Config{Host: host, Port: p, Username: "admin", Password: "paloalto", RootCAs: pool, Timeout: 10 * time.Second}, "vsys1")
	if err != nil {
		t.Fatal(err)
	}
	candidate := func() string {
		rec := httptest.NewRecorder()
		form := url.Values{"type": {"config"}, "action": {"get"}, "xpath": {applyRules}, "key": {sim.APIKey()}}
		req := httptest.NewRequest("POST", "/api/", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		sim.ServeHTTP(rec, req)
		return rec.Body.String()
	}
	return c, candidate
}

// ApplySuggestions refuses a rule that is not disabled and tagged, and,
// on a session that cannot move rules, refuses before writing anything;
// on one that can, it creates the rule above the catch-all and commits.
func TestApplySuggestions(t *testing.T) {
	c, candidate := applyClient(t)
	before := candidate()

	enabled := applySuggestion("mine-jenkins-10-20-5-11")
	enabled.XML = strings.Replace(enabled.XML, "<disabled>yes</disabled>", "", 1)
	if _, err := c.ApplySuggestions(context.Background(), []mine.Suggestion{enabled}, time.Minute); err == nil || !strings.Contains(err.Error(), "not disabled") {
		t.Errorf("ApplySuggestions(enabled rule) = %v; want a refusal", err)
	}

	res, err := c.ApplySuggestions(context.Background(), []mine.Suggestion{applySuggestion("mine-jenkins-10-20-5-11")}, time.Minute)
	after := candidate()
	if errors.Is(err, ErrCannotPlace) {
		if before != after || len(res.Created) != 0 {
			t.Errorf("ApplySuggestions failed with %v but changed the candidate rules", err)
		}
		if c.CanApply() == nil {
			t.Errorf("CanApply() = nil after ApplySuggestions reported %v", err)
		}
		return
	}
	if err != nil || !res.Committed || !res.Partial || len(res.Created) != 1 {
		t.Fatalf("ApplySuggestions = %+v, %v; want one rule created, committed as admin's partial commit", res, err)
	}
	i, j := strings.Index(after, `name="mine-jenkins-10-20-5-11"`), strings.Index(after, `name="Allow-Web-Ports"`)
	if i < 0 || j < 0 || i > j {
		t.Errorf("the rule is not above the catch-all:\n%s", after)
	}
	res, err = c.ApplySuggestions(context.Background(), []mine.Suggestion{applySuggestion("mine-jenkins-10-20-5-11")}, time.Minute)
	if err != nil || len(res.Created) != 0 || len(res.Skipped) != 1 {
		t.Errorf("ApplySuggestions again = %+v, %v; want it skipped", res, err)
	}
}
